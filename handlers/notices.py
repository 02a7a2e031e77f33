"""Telling people other than the one being served: through the outbox, never waiting on them.

A message into the chat of the update being handled is that person's reply and goes at once;
any other goes through the outbox, so that a slow or blocked chat holds up nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import record_copy
from handlers.common import translator_for

logger = logging.getLogger(__name__)

Card = tuple[str, InlineKeyboardMarkup | None]
RenderCard = Callable[[Translator], Awaitable[Card]]


async def notify(
    context: BotContext,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    photo: str | None = None,
    copy_of: str | None = None,
) -> None:
    """Send a message (a photo with `text` as caption): queued, unless it is a reply."""
    outbox = context.outbox
    if chat_id != context.chat_id:
        if photo is None:
            await outbox.send_message(chat_id, text, reply_markup=reply_markup, copy_of=copy_of)
        else:
            await outbox.send_photo(
                chat_id, photo, caption=text, reply_markup=reply_markup, copy_of=copy_of
            )
        return
    try:
        sent: Message
        if photo is None:
            sent = await context.bot.send_message(chat_id, text, reply_markup=reply_markup)
        else:
            sent = await context.bot.send_photo(
                chat_id, photo, caption=text, reply_markup=reply_markup
            )
    except (Forbidden, BadRequest) as error:
        logger.warning("could not send a message to %s: %s", chat_id, error)
        return
    if copy_of is not None:
        await record_copy(context.storage, copy_of, chat_id, sent.message_id)


async def edit_copy(
    context: BotContext,
    chat_id: int,
    message_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    *,
    caption: bool = False,
) -> None:
    """Show new content on a copy of a card (its caption when `caption`): queued, unless a reply."""
    outbox = context.outbox
    # Edits of this copy still queued are brought up to date instead: they go out in order.
    if await outbox.revise_edits(chat_id, message_id, text, reply_markup):
        return
    if chat_id != context.chat_id:
        if caption:
            await outbox.edit_message_caption(chat_id, message_id, text, reply_markup)
        else:
            await outbox.edit_message_text(chat_id, message_id, text, reply_markup)
        return
    try:
        if caption:
            await context.bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=text, reply_markup=reply_markup
            )
        else:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
            )
    except TelegramError as error:
        # The copy may have been deleted, or it already shows this; what was decided stands.
        logger.info("could not update a copy of a card in %s: %s", chat_id, error)


async def revise_queued_copies(context: BotContext, copy_of: str, render: RenderCard) -> None:
    """Bring the copies of a card not sent yet up to date, each in its reader's language.

    Call it before reading the copies already sent: a copy sent meanwhile is then among them.
    """
    outbox, settings = context.outbox, context.settings
    for chat_id in await outbox.queued_copies(copy_of):
        t = await translator_for(context.storage, settings.default_locale, chat_id)
        text, markup = await render(t)
        await outbox.revise(copy_of, chat_id, text, markup)
