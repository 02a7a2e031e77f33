"""An admin answers a member (Reply, type, sent) or marks their messages answered without one."""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.common import answer_button, refuse_unless_admin, reply
from handlers.flow import Flow
from handlers.inbox import screens
from handlers.inbox.cards import refresh_copies, tell_member
from handlers.inbox.listing import show_thread
from handlers.reports.review_cards import MAX_ANSWER_LENGTH, admin_name
from storage.inbox import NoSuchThreadError
from storage.models.inbox import Thread, ThreadMessage

REPLYING = "REPLYING"
END = ConversationHandler.END
MARK_PATTERN = re.compile(rf"^({screens.MARK}|{screens.MARK_IN_VIEW})([0-9]{{1,9}})$")

REPLY_FLOW = Flow(
    draft_key="inbox_reply",
    busy_text=lambda context: context.t._(
        "You are answering a member. Type your answer, or send /cancel to stop."
    ),
    finish_first=True,
)


def _tapped_id(update: Update, prefix: str) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    return int(query.data.removeprefix(prefix))


async def _gone(update: Update, context: BotContext) -> None:
    text = context.t._("This conversation no longer exists.")
    await answer_button(update, text, alert=True)


async def begin(update: Update, context: BotContext) -> object:
    """Ask the admin for their answer to the member of the tapped conversation."""
    thread = await context.storage.inbox.thread(_tapped_id(update, screens.REPLY))
    if thread is None:
        await _gone(update, context)
        return REPLY_FLOW.end(context)
    REPLY_FLOW.start(context)["thread_id"] = thread.id
    await answer_button(update)
    answered_by = None
    if not thread.open and thread.answered_by is not None:
        answered_by = await admin_name(context, thread.answered_by)
    # A new message: the card tapped stays as every admin's copy of it.
    await reply(update, context, *screens.reply_prompt(context.t, thread.member, answered_by))
    return REPLYING


def _content(message: Message) -> tuple[str | None, str | None]:
    text = (message.text or message.caption or "").strip() or None
    photo = message.photo[-1].file_id if message.photo else None
    return text, photo


async def take_reply(update: Update, context: BotContext) -> object:
    """Store the answer once, send it to the member and show every admin's card answered."""
    message, user = update.message, update.effective_user
    thread_id = REPLY_FLOW.draft(context).get("thread_id")
    if message is None or user is None or not isinstance(thread_id, int):
        return await _lost(update, context)
    text, photo = _content(message)
    if text is None and photo is None:
        return await reask(update, context)
    if text is not None and len(text) > screens.MAX_MESSAGE_LENGTH:
        await reply(update, context, screens.too_long(context.t, len(text)))
        return REPLYING
    try:
        answer = await context.storage.inbox.reply(
            thread_id, user.id, text, photo, update_id=update.update_id
        )
    except NoSuchThreadError:
        return await _lost(update, context)
    thread = await context.storage.inbox.thread(thread_id)
    assert thread is not None
    # Again when the update is delivered again after a crash: the outbox queues each once.
    await tell_member(context, thread.member, answer.message)
    await refresh_copies(context, thread.member, answer.answered)
    REPLY_FLOW.discard(context)
    await reply(update, context, *screens.reply_sent(context.t, thread.member, thread.id))
    return END


async def reask(update: Update, context: BotContext) -> object:
    """Tell the admin what the answer step takes."""
    text = context.t._("Please type your answer, or send a photo with a caption.")
    await reply(update, context, text)
    return REPLYING


async def _lost(update: Update, context: BotContext) -> object:
    text = context.t._("This conversation no longer exists. Nothing was sent.")
    return await REPLY_FLOW.leave(update, context, text)


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the answer unsent."""
    text = context.t._("Answer cancelled. Nothing was sent.")
    return await REPLY_FLOW.leave(update, context, text)


async def mark_answered(update: Update, context: BotContext) -> None:
    """Mark the member's waiting messages answered without a reply; the cards show who did."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None
    match = MARK_PATTERN.match(query.data or "")
    assert match is not None
    in_view, thread_id = match[1] == screens.MARK_IN_VIEW, int(match[2])
    storage = context.storage
    thread = await storage.inbox.thread(thread_id)
    if thread is None:
        await _gone(update, context)
        return
    marked = await storage.inbox.mark_answered(
        thread_id, query.from_user.id, update_id=update.update_id
    )
    t = context.t
    if marked:
        await answer_button(update, t._("Marked as answered."))
    else:
        await answer_button(update, await _nothing_waiting(context, thread), alert=True)
        # The tapped card may be older than its answer: show it as it stands.
        marked = await _newest_of_member(context, thread)
    await refresh_copies(context, thread.member, marked)
    if in_view:
        await show_thread(update, context, thread_id)


async def _nothing_waiting(context: BotContext, thread: Thread) -> str:
    t = context.t
    if thread.answered_by is None:
        return t._("Nothing is waiting for an answer here.")
    admin = await admin_name(context, thread.answered_by)
    text = t._("Nothing is waiting for an answer: {admin} already answered.")
    return text.format(admin=admin)[:MAX_ANSWER_LENGTH]


async def _newest_of_member(context: BotContext, thread: Thread) -> list[ThreadMessage]:
    messages = await context.storage.inbox.messages(thread.id, limit=20)
    return [message for message in messages if message.from_member][:1]


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent conversation of an admin's answer."""
    content = (filters.TEXT | filters.PHOTO) & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        REPLYING: [
            MessageHandler(content, REPLY_FLOW.admins_only(take_reply)),
            MessageHandler(~filters.COMMAND, REPLY_FLOW.admins_only(reask)),
        ],
    }
    return REPLY_FLOW.conversation(
        "inbox_reply",
        entry_points=[
            CallbackQueryHandler(
                REPLY_FLOW.admins_only(begin), pattern=rf"^{screens.REPLY}[0-9]{{1,9}}$"
            )
        ],
        states=states,
        cancel=cancel,
        cancel_data=screens.STOP_REPLY,
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the answer conversation and Mark answered."""
    return [
        conversation(),
        CallbackQueryHandler(mark_answered, pattern=MARK_PATTERN.pattern),
    ]
