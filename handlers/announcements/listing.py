"""Admins' past announcements, one opened with its progress, and Pause, Resume and Cancel."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.announcements.draft import NEW
from handlers.announcements.screens import (
    ACTION_PATTERN,
    LIST,
    PREFIX,
    audience_name,
    progress_screen,
    status_name,
)
from handlers.common import answer_button, esc, keyboard, refuse_unless_admin, show
from handlers.members.menu import MAIN_MENU
from handlers.pages import Entry, first_page
from storage.models.broadcasts import BroadcastSummary

LIST_SIZE = 10
EXCERPT_LENGTH = 40
ACTION = re.compile(ACTION_PATTERN)


def _excerpt(t: Translator, summary: BroadcastSummary) -> str:
    broadcast = summary.broadcast
    # The version the admin would get themselves is the one they know it by.
    words = " ".join(broadcast.text_for(t.locale).split())
    if len(words) > EXCERPT_LENGTH:
        words = words[: EXCERPT_LENGTH - 1].rstrip() + "…"
    photo = "📷 " if broadcast.photo_file_id is not None else ""
    return f"{photo}{esc(words)}".strip()


def _item(context: BotContext, summary: BroadcastSummary) -> str:
    t, broadcast, figures = context.t, summary.broadcast, summary.figures
    head = t._("<b>{reference}</b> · {date} · {audience} · {status}").format(
        reference=broadcast.reference,
        date=t.date(broadcast.send_at.astimezone(context.settings.zone).date()),
        audience=audience_name(t, broadcast.audience, broadcast.village),
        status=status_name(t, broadcast.status),
    )
    numbers = t._("sent {sent} of {total} · failed {failed} · unreachable {unreachable}").format(
        sent=t.number(figures.sent),
        total=t.number(figures.total),
        failed=t.number(figures.failed),
        unreachable=t.number(figures.unreachable),
    )
    return f"{head}\n{_excerpt(t, summary)}\n{numbers}"


async def show_list(update: Update, context: BotContext) -> None:
    """Show the newest announcements with their figures, and New announcement."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    recent = await context.storage.broadcasts.recent(LIST_SIZE)
    entries = [_entry(context, summary) for summary in recent]
    header = t._("📣 <b>Announcements</b>")
    if not entries:
        header += "\n" + t._("No announcements yet.")
    page = first_page(t, entries, header=header, separator="\n\n")
    rows = [[(t._("🆕 New announcement"), NEW)], *page.rows, [(t._("⬅️ Menu"), MAIN_MENU)]]
    await show(update, context, page.text, keyboard(rows))


def _entry(context: BotContext, summary: BroadcastSummary) -> Entry:
    t, broadcast = context.t, summary.broadcast
    label = t._("{reference} · {status}").format(
        reference=broadcast.reference, status=status_name(t, broadcast.status)
    )
    return Entry(_item(context, summary), (label, f"{PREFIX}open:{broadcast.id}"))


def _screen(
    context: BotContext, summary: BroadcastSummary, *, back: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    text, markup = progress_screen(t, summary, context.settings.zone)
    if not back:
        return text, markup
    rows = list(markup.inline_keyboard) if markup is not None else []
    rows.append((InlineKeyboardButton(t._("⬅️ Announcements"), callback_data=LIST),))
    return text, InlineKeyboardMarkup(rows)


def _is_progress_message(update: Update, summary: BroadcastSummary) -> bool:
    query = update.callback_query
    message = query.message if query is not None else None
    broadcast = summary.broadcast
    return (
        isinstance(message, Message)
        and message.chat_id == broadcast.progress_chat_id
        and message.message_id == broadcast.progress_message_id
    )


async def _moved(
    context: BotContext, action: str, broadcast_id: int
) -> tuple[str, BroadcastSummary | None]:
    """Apply the action; return what to tell the admin and the announcement as it is now."""
    t, broadcasts = context.t, context.storage.broadcasts
    if action == "open":
        return "", await broadcasts.get(broadcast_id)
    move = {"pause": broadcasts.pause, "resume": broadcasts.resume, "stop": broadcasts.cancel}
    moved, summary = await move[action](broadcast_id)
    if summary is None:
        return "", None
    status = status_name(t, summary.broadcast.status)
    if action == "pause":
        done = t._("⏸ Paused. Nothing more is sent until you resume it.")
        refused = t._("Not paused: this announcement is {status}.")
    elif action == "resume":
        done = t._("▶️ Resumed: sending goes on.")
        refused = t._("Not resumed: this announcement is {status}.")
    else:
        done = t._("✖️ Cancelled: the messages not sent yet will not be sent.")
        refused = t._("Nothing to cancel: this announcement is {status}.")
    return (done if moved else refused.format(status=status)), summary


async def act(update: Update, context: BotContext) -> None:
    """Open, pause, resume or cancel an announcement, and show where it stands now."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None
    match = ACTION.match(query.data or "")
    assert match is not None
    action, broadcast_id = match[1], int((query.data or "").rsplit(":", 1)[1])
    notice, summary = await _moved(context, action, broadcast_id)
    if summary is None:
        await answer_button(update, context.t._("There is no such announcement."), alert=True)
        return
    await answer_button(update, notice or None, alert=bool(notice))
    back = not _is_progress_message(update, summary)
    await show(update, context, *_screen(context, summary, back=back))


async def stray(update: Update, context: BotContext) -> None:
    """Refuse an announcement button from a non-admin; for an admin, it belongs to a past step."""
    if await refuse_unless_admin(update, context):
        text = context.t._("This button is no longer active. Send /broadcast to start again.")
        await answer_button(update, text, alert=True)


def action_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the handlers of the progress buttons, which work at any step."""
    return [CallbackQueryHandler(act, pattern=ACTION_PATTERN)]


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the list, the progress buttons and the refusal of stray announcement buttons."""
    return [
        CallbackQueryHandler(show_list, pattern=f"^{LIST}$"),
        *action_handlers(),
        CallbackQueryHandler(stray, pattern=f"^{PREFIX}"),
    ]
