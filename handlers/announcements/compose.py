"""Admins compose an announcement: audience, message, versions in other languages, check."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.announcements import listing
from handlers.announcements.draft import (
    AUDIENCE,
    CANCEL,
    COMPOSING,
    CONFIRM,
    MAX_CAPTION,
    MESSAGE,
    NEW,
    VERSION_TEXT,
    VERSIONS,
    VILLAGE,
    WHEN,
    cancel_button,
    draft,
    message_content,
    too_long,
)
from handlers.announcements.preview import CHANGE, LATER, SEND, has_message, send_now, show_summary
from handlers.announcements.schedule import AT_PATTERN, ask_when, not_a_moment, when_given
from handlers.announcements.screens import LIST, PREFIX, audience_name
from handlers.announcements.versions import (
    VERSION_PATTERN,
    ask_versions,
    version_chosen,
    version_typed,
)
from handlers.common import Button, answer_button, column, reply, show
from handlers.flow import END
from handlers.pages import MAX_TEXT
from storage.models.broadcasts import Audience

CHOOSE = f"{PREFIX}aud:"
CHOOSE_VILLAGE = f"{PREFIX}vil:"
AUDIENCE_PATTERN = re.compile(rf"^{CHOOSE}(everyone|artisans|buyers|village|pending)$")
VILLAGE_PATTERN = re.compile(rf"^{CHOOSE_VILLAGE}([0-9]{{1,3}})$")
# A keyboard holds at most 100 buttons; the village screen keeps room for Back and Cancel.
MAX_VILLAGES = 90


async def _audience_screen(context: BotContext, *, first: bool) -> tuple[str, InlineKeyboardMarkup]:
    t, broadcasts = context.t, context.storage.broadcasts
    count = {
        audience: t.number(await broadcasts.count(audience))
        for audience in (Audience.EVERYONE, Audience.ARTISANS, Audience.BUYERS, Audience.PENDING)
    }
    villages = len(await broadcasts.villages())
    buttons: list[Button] = [
        (t._("👥 Everyone ({count})").format(count=count[Audience.EVERYONE]), f"{CHOOSE}everyone"),
        (t._("🪘 Artisans ({count})").format(count=count[Audience.ARTISANS]), f"{CHOOSE}artisans"),
        (t._("🧳 Buyers ({count})").format(count=count[Audience.BUYERS]), f"{CHOOSE}buyers"),
        (
            t.ngettext(
                "🏡 Artisans of one village ({count} village)",
                "🏡 Artisans of one village ({count} villages)",
                villages,
            ).format(count=t.number(villages)),
            f"{CHOOSE}village",
        ),
        (
            t._("📝 Pending registrations ({count})").format(count=count[Audience.PENDING]),
            f"{CHOOSE}pending",
        ),
    ]
    if first:
        buttons.append((t._("📜 Past announcements"), LIST))
    text = t._(
        "📣 <b>New announcement</b>\nWho should receive it? The numbers are the people who "
        "can be reached now (those who blocked the bot are left out)."
    )
    return text, column([*buttons, cancel_button(t)])


@COMPOSING.admins_only
async def start(update: Update, context: BotContext) -> int:
    """Start a new announcement by asking who it is for."""
    await answer_button(update)
    # The draft's key names the announcement in storage: a Send delivered again makes no other.
    COMPOSING.start(context)
    await show(update, context, *await _audience_screen(context, first=True))
    return AUDIENCE


@COMPOSING.admins_only
async def change_audience(update: Update, context: BotContext) -> int:
    """Ask again who the announcement is for, keeping what was written."""
    await answer_button(update)
    await show(update, context, *await _audience_screen(context, first=False))
    return AUDIENCE


async def _ask_message(update: Update, context: BotContext) -> int:
    t, data = context.t, draft(context)
    audience = Audience(data["audience"])
    text = t._(
        "To: {audience}\n\n✍️ Send the announcement: a text, or a photo with a caption.\n"
        "It goes out exactly as you write it, as plain text (bold, links and other formatting "
        "are not kept): a text up to {text_limit} characters, a caption up to {caption_limit}."
    ).format(
        audience=audience_name(t, audience, data.get("village")),
        text_limit=t.number(MAX_TEXT),
        caption_limit=t.number(MAX_CAPTION),
    )
    await show(update, context, text, column([cancel_button(t)]))
    return MESSAGE


async def _audience_set(
    update: Update, context: BotContext, audience: Audience, village: str | None = None
) -> int:
    """Keep an audience someone in it can be reached; then the message, or the check."""
    t, data = context.t, draft(context)
    if not await context.storage.broadcasts.count(audience, village):
        text = t._("Nobody in this audience can be reached now. Choose another one.")
        await answer_button(update, text, alert=True)
        return VILLAGE if audience is Audience.VILLAGE else AUDIENCE
    await answer_button(update)
    data["audience"] = audience.value
    data.pop("villages", None)
    if village is None:
        data.pop("village", None)
    else:
        data["village"] = village
    if has_message(context):
        return await show_summary(update, context, previews=False)
    return await _ask_message(update, context)


@COMPOSING.admins_only
async def audience_chosen(update: Update, context: BotContext) -> int:
    """Take the audience; for one village, show the villages to choose from."""
    query = update.callback_query
    assert query is not None
    match = AUDIENCE_PATTERN.match(query.data or "")
    assert match is not None
    audience = Audience(match[1])
    if audience is not Audience.VILLAGE:
        return await _audience_set(update, context, audience)
    t = context.t
    villages = (await context.storage.broadcasts.villages())[:MAX_VILLAGES]
    if not villages:
        text = t._("No artisan in any village can be reached now.")
        await answer_button(update, text, alert=True)
        return AUDIENCE
    await answer_button(update)
    # Buttons carry the village's place in this list: names can be longer than callback data.
    draft(context)["villages"] = [name for name, _ in villages]
    buttons: list[Button] = [
        (
            t._("{village} ({count})").format(village=name, count=t.number(people)),
            f"{CHOOSE_VILLAGE}{i}",
        )
        for i, (name, people) in enumerate(villages)
    ]
    buttons.extend([(t._("⬅️ Back"), CHANGE), cancel_button(t)])
    await show(update, context, t._("🏡 <b>Which village?</b>"), column(buttons))
    return VILLAGE


@COMPOSING.admins_only
async def village_chosen(update: Update, context: BotContext) -> int:
    """Take the village the announcement is for."""
    query = update.callback_query
    assert query is not None
    match = VILLAGE_PATTERN.match(query.data or "")
    assert match is not None
    names = draft(context).get("villages") or []
    index = int(match[1])
    if index >= len(names):
        text = context.t._("This button is no longer active. Choose a village again.")
        await answer_button(update, text, alert=True)
        return VILLAGE
    return await _audience_set(update, context, Audience.VILLAGE, names[index])


@COMPOSING.admins_only
async def message_received(update: Update, context: BotContext) -> int:
    """Take the announcement: a text, or a photo with a caption; explain anything else."""
    t = context.t
    content = message_content(update.message)
    if content is None or (content[1] is None and not content[0].strip()):
        text = t._(
            "I can only announce a text, or a photo with a caption: stickers, files, voice "
            "messages and the like cannot be sent. Please send a text or a photo."
        )
        await reply(update, context, text)
        return MESSAGE
    text, photo = content
    problem = too_long(t, text, caption=photo is not None)
    if problem is not None:
        await reply(update, context, problem)
        return MESSAGE
    data = draft(context)
    data.update(locale=t.locale, text=text, photo=photo, versions={})
    data.pop("adding", None)
    return await ask_versions(update, context)


async def leave_for_list(update: Update, context: BotContext) -> int:
    """Leave the new announcement, nothing written yet, for the list of past ones."""
    if has_message(context):
        await COMPOSING.busy(update, context)
        return AUDIENCE
    COMPOSING.discard(context)
    await listing.show_list(update, context)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the announcement, saving nothing."""
    text = context.t._("Announcement cancelled. Nothing was saved.")
    return await COMPOSING.leave(update, context, text)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the announcement conversation."""
    private = filters.ChatType.PRIVATE
    content = private & ~filters.COMMAND
    changing = CallbackQueryHandler(change_audience, pattern=f"^{CHANGE}$")
    conversation = COMPOSING.conversation(
        "broadcast",
        entry_points=[
            CommandHandler("broadcast", start, filters=private),
            CallbackQueryHandler(start, pattern=f"^{NEW}$"),
        ],
        states={
            AUDIENCE: [
                CallbackQueryHandler(audience_chosen, pattern=AUDIENCE_PATTERN),
                CallbackQueryHandler(leave_for_list, pattern=f"^{LIST}$"),
            ],
            VILLAGE: [CallbackQueryHandler(village_chosen, pattern=VILLAGE_PATTERN), changing],
            MESSAGE: [MessageHandler(content, message_received)],
            VERSIONS: [CallbackQueryHandler(version_chosen, pattern=VERSION_PATTERN)],
            VERSION_TEXT: [MessageHandler(content, version_typed)],
            CONFIRM: [
                CallbackQueryHandler(send_now, pattern=f"^{SEND}$"),
                CallbackQueryHandler(ask_when, pattern=f"^{LATER}$"),
                changing,
            ],
            WHEN: [
                CallbackQueryHandler(when_given, pattern=AT_PATTERN),
                MessageHandler(content & filters.TEXT, when_given),
                MessageHandler(content, not_a_moment),
            ],
        },
        cancel=cancel,
        cancel_data=CANCEL,
        also=listing.action_handlers(),
        anything_else=True,
    )
    return [conversation]
