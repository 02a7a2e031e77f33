"""The admins' inbox: members' conversations, those waiting first, and one opened with its
messages, newest first, and the photos in it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from handlers.common import (
    Button,
    answer_button,
    column,
    esc,
    keyboard,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.inbox.screens import (
    LIST_PAGE,
    MARK_IN_VIEW,
    MAX_CAPTION,
    OPEN,
    PHOTO,
    REPLY,
    SEE,
    excerpt,
    sender_lines,
)
from handlers.members.menu import INBOX, MAIN_MENU, PRIVATE
from handlers.pages import (
    MAX_LISTED,
    Entry,
    cut,
    newer_older,
    page_holding,
    paginate,
    tapped_page,
    utf16_length,
)
from handlers.reports.review_cards import admin_name
from storage.models.inbox import Thread, ThreadMessage

PAGE_SIZE = 8
THREAD_PAGE_SIZE = 10
LIST_PATTERN = re.compile(rf"^{INBOX}(?::([0-9]{{1,6}}))?$")
OPEN_PATTERN = re.compile(rf"^(?:{OPEN}|{SEE})([0-9]{{1,9}})(?::([0-9]{{1,6}}))?$")
PHOTO_PATTERN = re.compile(rf"^{PHOTO}([0-9]{{1,9}})$")


async def _admin_names(context: BotContext, ids: Iterable[int | None]) -> dict[int, str]:
    """The admins' names as typed, unescaped, by Telegram id."""
    return {admin: await admin_name(context, admin) for admin in set(ids) if admin is not None}


def _when(context: BotContext, message: ThreadMessage) -> str:
    return context.t.datetime(message.sent_at.astimezone(context.settings.zone))


def _thread_entry(context: BotContext, thread: Thread, names: dict[int, str]) -> Entry:
    t, member = context.t, thread.member
    last = thread.last
    said = excerpt(t, last) if last.from_member else f"↩️ {excerpt(t, last)}"
    if thread.open:
        heading = t._("<b>🟡 Waiting for an answer</b>")
        state = t.ngettext(
            "{count} message waiting · {when}", "{count} messages waiting · {when}", thread.waiting
        ).format(count=t.number(thread.waiting), when=_when(context, last))
        label = f"🟡 {member.name}"
    else:
        heading = t._("<b>✅ Answered</b>")
        admin = esc(names.get(thread.answered_by or 0, "?"))
        state = t._("answered by {admin} · {when}").format(admin=admin, when=_when(context, last))
        label = f"✅ {member.name}"
    text = "\n".join([*sender_lines(t, member)[:2], said, state])
    return Entry(text, (label, f"{OPEN}{thread.id}"), heading)


async def show_inbox(update: Update, context: BotContext) -> None:
    """List the members' conversations: those waiting for an answer first, each newest first."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    threads = await context.storage.inbox.threads(limit=MAX_LISTED)
    menu: Button = (t._("⬅️ Menu"), MAIN_MENU)
    if not threads:
        await show(update, context, t._("📬 No messages from members yet."), column([menu]))
        return
    waiting = sum(thread.open for thread in threads)
    header = "\n".join(
        [
            t._("📬 <b>Members' messages</b>"),
            t.ngettext(
                "{count} conversation is waiting for an answer.",
                "{count} conversations are waiting for an answer.",
                waiting,
            ).format(count=t.number(waiting)),
        ]
    )
    names = await _admin_names(context, (thread.answered_by for thread in threads))
    entries = [_thread_entry(context, thread, names) for thread in threads]
    pages = paginate(entries, header=header, separator="\n\n", per_page=PAGE_SIZE)
    page = page_holding(pages, tapped_page(update, LIST_PATTERN))
    rows = [*page.rows, *newer_older(t, LIST_PAGE, pages, page), [menu]]
    await show(update, context, page.text, keyboard(rows))


def _message_entry(
    context: BotContext, thread: Thread, message: ThreadMessage, names: dict[int, str]
) -> Entry:
    t = context.t
    when = _when(context, message)
    if message.from_member:
        head = f"<b>{esc(thread.member.name)}</b> · {when}"
        if message.waiting:
            head += " · " + t._("🟡 waiting")
    else:
        admin = esc(names.get(message.author, "?"))
        head = t._("<b>↩️ {admin}, for the cooperative</b> · {when}").format(admin=admin, when=when)
    body = esc(message.text or "")
    button: Button | None = None
    if message.photo_file_id is not None:
        body = f"📷 {body}".strip() if body else t._("📷 a photo")
        button = (t._("📷 Photo of {when}").format(when=when), f"{PHOTO}{message.id}")
    return Entry(f"{head}\n{body}", button)


async def show_thread(
    update: Update, context: BotContext, thread_id: int, index: int = 0, *, new: bool = False
) -> None:
    """Show a conversation's messages newest first, with Reply and Mark answered."""
    t, storage = context.t, context.storage
    thread = await storage.inbox.thread(thread_id)
    if thread is None:
        text = t._("This conversation no longer exists.")
        await answer_button(update, text, alert=True)
        return
    await answer_button(update)
    messages = await storage.inbox.messages(thread_id, limit=MAX_LISTED)
    names = await _admin_names(context, (m.author for m in messages if not m.from_member))
    entries = [_message_entry(context, thread, message, names) for message in messages]
    header = "\n".join([t._("💬 <b>Conversation</b>"), *sender_lines(t, thread.member)])
    pages = paginate(entries, header=header, separator="\n\n", per_page=THREAD_PAGE_SIZE)
    page = page_holding(pages, index)
    actions: list[Button] = [(t._("↩️ Reply"), f"{REPLY}{thread_id}")]
    if thread.open:
        actions.append((t._("✅ Mark answered"), f"{MARK_IN_VIEW}{thread_id}"))
    rows = [
        *page.rows,
        *newer_older(t, f"{OPEN}{thread_id}:", pages, page),
        actions,
        [(t._("⬅️ Inbox"), INBOX)],
    ]
    if new:
        await reply(update, context, page.text, keyboard(rows))
    else:
        await show(update, context, page.text, keyboard(rows))


async def open_thread(update: Update, context: BotContext) -> None:
    """Open a conversation: in place from the inbox, in a new message from a card."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None and query.data is not None
    match = OPEN_PATTERN.match(query.data)
    assert match is not None
    new = query.data.startswith(SEE)
    await show_thread(update, context, int(match[1]), int(match[2] or 0), new=new)


async def send_photo(update: Update, context: BotContext) -> None:
    """Send the admin the photo of a message in a conversation."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None and query.data is not None
    match = PHOTO_PATTERN.match(query.data)
    assert match is not None
    storage, t = context.storage, context.t
    message = await storage.inbox.message(int(match[1]))
    thread = await storage.inbox.thread(message.thread_id) if message is not None else None
    if message is None or message.photo_file_id is None or thread is None:
        await answer_button(update, t._("This photo is no longer here."), alert=True)
        return
    await answer_button(update)
    head = f"<b>{esc(thread.member.name)}</b> · {_when(context, message)}"
    body = esc(message.text or "")
    caption = f"{head}\n{cut(body, MAX_CAPTION - utf16_length(head) - 1)}" if body else head
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await context.bot.send_photo(chat_id, message.photo_file_id, caption=caption)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the inbox's handlers."""
    return [
        CommandHandler("inbox", show_inbox, filters=PRIVATE),
        CallbackQueryHandler(show_inbox, pattern=LIST_PATTERN.pattern),
        CallbackQueryHandler(open_thread, pattern=OPEN_PATTERN.pattern),
        CallbackQueryHandler(send_photo, pattern=PHOTO_PATTERN.pattern),
    ]
