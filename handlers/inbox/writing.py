"""A member writes to the cooperative: a text or a photo with a caption, to every admin, once."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.common import answer_button, answer_or_reply, reply
from handlers.flow import Flow
from handlers.inbox import screens
from handlers.inbox.cards import announce
from handlers.members.menu import PRIVATE, WRITE, send_menu
from storage.inbox import (
    NotAllowedToWriteError,
    TooManyMessagesTodayError,
    TooManyWaitingMessagesError,
)

WRITING = "WRITING"
END = ConversationHandler.END
LimitError = TooManyWaitingMessagesError | TooManyMessagesTodayError

WRITE_FLOW = Flow(
    draft_key="inbox_write",
    busy_text=lambda context: context.t._(
        "You are writing to the cooperative. Type your message, or send /cancel to stop."
    ),
    finish_first=True,
)


def _limit_text(context: BotContext, error: LimitError) -> str:
    if isinstance(error, TooManyWaitingMessagesError):
        return screens.too_many_waiting(context.t, error.limit)
    return screens.too_many_today(context, error.limit, error.again_at)


async def begin(update: Update, context: BotContext) -> object:
    """Ask an active or pending member for their message; tell anyone else why not."""
    reason = screens.refusal(context)
    member = context.member
    if reason is not None or member is None:
        WRITE_FLOW.discard(context)
        await answer_or_reply(update, context, reason or "")
        return END
    settings = context.settings
    # Said before the member types anything; storing the message checks it again.
    try:
        await context.storage.inbox.check_limits(
            member.id,
            max_waiting=settings.max_waiting_messages,
            max_per_day=settings.max_messages_per_day,
        )
    except (TooManyWaitingMessagesError, TooManyMessagesTodayError) as error:
        WRITE_FLOW.discard(context)
        await answer_button(update)
        await reply(update, context, _limit_text(context, error))
        return END
    WRITE_FLOW.start(context)
    await answer_button(update)
    # A new message: the card or menu the member tapped stays as it was.
    await reply(update, context, *screens.write_prompt(context.t))
    return WRITING


def _content(message: Message) -> tuple[str | None, str | None]:
    """The text (or caption) as typed, without blank edges, and the photo's largest size."""
    text = (message.text or message.caption or "").strip() or None
    photo = message.photo[-1].file_id if message.photo else None
    return text, photo


async def take_message(update: Update, context: BotContext) -> object:
    """Store the member's text or photo once and send it to every admin."""
    message = update.message
    if message is None:
        return WRITING
    text, photo = _content(message)
    if text is None and photo is None:
        return await reask(update, context)
    t = context.t
    if text is not None and len(text) > screens.MAX_MESSAGE_LENGTH:
        await reply(update, context, screens.too_long(t, len(text)))
        return WRITING
    reason = screens.refusal(context)
    member = context.member
    if reason is not None or member is None:
        WRITE_FLOW.discard(context)
        await reply(update, context, reason or "")
        return END
    settings = context.settings
    try:
        stored, _ = await context.storage.inbox.write(
            member.id,
            text,
            photo,
            update_id=update.update_id,
            max_waiting=settings.max_waiting_messages,
            max_per_day=settings.max_messages_per_day,
        )
    except (TooManyWaitingMessagesError, TooManyMessagesTodayError) as error:
        WRITE_FLOW.discard(context)
        await reply(update, context, screens.not_sent(t, _limit_text(context, error)))
        return END
    except NotAllowedToWriteError:
        WRITE_FLOW.discard(context)
        await reply(update, context, screens.not_sent(t, screens.refusal(context) or ""))
        return END
    # Again when the update is delivered again after a crash: the outbox queues each card once.
    await announce(context, member, stored)
    WRITE_FLOW.discard(context)
    await reply(update, context, *screens.sent(t))
    return END


async def reask(update: Update, context: BotContext) -> object:
    """Tell the member what the message step takes."""
    await reply(update, context, screens.write_hint(context.t))
    return WRITING


async def cancel(update: Update, context: BotContext) -> object:
    """Leave without sending anything, and show the menu."""
    text = context.t._("Nothing was sent to the cooperative.")
    await WRITE_FLOW.leave(update, context, text)
    return await send_menu(update, context)


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent conversation of writing to the cooperative."""
    content = (filters.TEXT | filters.PHOTO) & ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        WRITING: [
            MessageHandler(content, take_message),
            MessageHandler(~filters.COMMAND, reask),
        ],
    }
    return WRITE_FLOW.conversation(
        "inbox_writing",
        entry_points=[
            CommandHandler("write", begin, filters=PRIVATE),
            CallbackQueryHandler(begin, pattern=f"^{WRITE}$"),
        ],
        states=states,
        cancel=cancel,
        cancel_data=screens.STOP_WRITING,
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the conversation of writing to the cooperative."""
    return [conversation()]
