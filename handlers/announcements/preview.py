"""The composed announcement as members will see it, who gets which version, and Send now."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers.announcements.draft import (
    COMPOSING,
    CONFIRM,
    cancel_button,
    composed,
    draft,
    drop_buttons,
    post_progress,
)
from handlers.announcements.languages import preview_title, reader_locale, version_line
from handlers.announcements.screens import PREFIX, audience_name
from handlers.common import Button, answer_button, column, refuse_unless_admin, reply, show
from storage.models.broadcasts import BroadcastDraft

SEND = f"{PREFIX}send"
LATER = f"{PREFIX}later"
CHANGE = f"{PREFIX}change"


async def send_previews(update: Update, context: BotContext) -> None:
    """Send each version exactly as members will get it: plain text, nothing parsed."""
    chat = update.effective_chat
    announcement = composed(context)
    if chat is None or announcement is None:
        return
    t, locales = context.t, announcement.locales
    for locale in locales:
        title = (
            preview_title(t, locale)
            if len(locales) > 1
            else t._("👀 <b>Preview</b>, exactly as members will see it:")
        )
        await reply(update, context, title)
        text = announcement.text_for(locale)
        if announcement.photo_file_id is not None:
            await context.bot.send_photo(
                chat.id, photo=announcement.photo_file_id, caption=text or None, parse_mode=None
            )
        else:
            await context.bot.send_message(chat.id, text, parse_mode=None)


async def _versions(context: BotContext, announcement: BroadcastDraft) -> dict[str, int]:
    """Count the recipients per version they will get, as the sender picks it for each."""
    counts = dict.fromkeys(announcement.locales, 0)
    recipients = await context.storage.broadcasts.recipients(
        announcement.audience, announcement.village
    )
    for recipient in recipients:
        counts[announcement.version_for(reader_locale(recipient))] += 1
    return counts


def nobody_screen(t: Translator, announcement: BroadcastDraft) -> tuple[str, InlineKeyboardMarkup]:
    """Say that nobody would get the announcement; offer another audience or Cancel."""
    text = t._(
        "📣 <b>Nobody would receive this announcement</b>\n"
        "No one in {audience} can be reached now. Choose another audience, or cancel."
    ).format(audience=audience_name(t, announcement.audience, announcement.village))
    return text, column([(t._("👥 Change the audience"), CHANGE), cancel_button(t)])


async def summary_screen(
    context: BotContext, announcement: BroadcastDraft
) -> tuple[str, InlineKeyboardMarkup]:
    """The check before sending: audience, recipients per version, Send now or Schedule."""
    t = context.t
    counts = await _versions(context, announcement)
    total = sum(counts.values())
    if total == 0:
        return nobody_screen(t, announcement)
    kind = (
        t._("A photo with a caption")
        if announcement.photo_file_id is not None
        else t._("A text message")
    )
    lines = [
        t._("📣 <b>Check the announcement</b>"),
        t._("To: {audience}").format(
            audience=audience_name(t, announcement.audience, announcement.village)
        ),
        kind,
        t._("Recipients now: <b>{count}</b>").format(count=t.number(total)),
        *(version_line(t, locale, count) for locale, count in counts.items()),
        "",
        t._("Send it now, or schedule it for later?"),
    ]
    buttons: list[Button] = [
        (t._("✅ Send now"), SEND),
        (t._("🕒 Schedule"), LATER),
        (t._("👥 Change the audience"), CHANGE),
        cancel_button(t),
    ]
    return "\n".join(lines), column(buttons)


async def show_summary(update: Update, context: BotContext, *, previews: bool) -> int:
    """Show the previews (when asked) and the check before sending."""
    announcement = composed(context)
    if announcement is None:
        await reply(update, context, context.t._("Something went wrong. Please start again."))
        return COMPOSING.end(context)
    if previews:
        await send_previews(update, context)
        await reply(update, context, *await summary_screen(context, announcement))
    else:
        await show(update, context, *await summary_screen(context, announcement))
    return CONFIRM


async def start_again(update: Update, context: BotContext) -> int:
    """Leave an announcement whose draft is lost, asking to start again."""
    text = context.t._("Something went wrong. Please start again.")
    return await COMPOSING.leave(update, context, text)


async def reachable(update: Update, context: BotContext, announcement: BroadcastDraft) -> bool:
    """Tell whether anyone would get the announcement now; if nobody, say so."""
    broadcasts = context.storage.broadcasts
    if await broadcasts.count(announcement.audience, announcement.village):
        return True
    await answer_button(update)
    await show(update, context, *nobody_screen(context.t, announcement))
    return False


async def send_now(update: Update, context: BotContext) -> int:
    """Save the announcement with one delivery per recipient; the sender takes it from there."""
    if not await refuse_unless_admin(update, context):
        return COMPOSING.end(context)
    announcement = composed(context)
    user = update.effective_user
    if announcement is None or user is None:
        return await start_again(update, context)
    if not await reachable(update, context, announcement):
        return CONFIRM
    await answer_button(update)
    summary = await context.storage.broadcasts.create(
        announcement, by=user.id, client_key=draft(context).get("key")
    )
    await drop_buttons(update)
    await post_progress(update, context, summary)
    return COMPOSING.end(context)


def has_message(context: BotContext) -> bool:
    """Tell whether the announcement's message is already given."""
    return "text" in draft(context)
