"""Buyers browse the catalogue card by card, with photos, and see the drums available now."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InputMediaPhoto, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.catalogue.shop_cards import (
    ALL,
    CARD_PATTERN,
    FILTERS,
    STOCK_PATTERN,
    Card,
    browse_refusal,
    card_keyboard,
    card_text,
    empty_card,
    stock_screen,
)
from handlers.common import answer_button, answer_or_reply, show
from handlers.members.menu import BROWSE
from handlers.pages import tapped_page

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
# python-telegram-bot adds the default parse mode as a parameter of editMessageMedia too,
# which has none (the caption's parse mode travels in the media): None leaves it out.
NO_PARSE_MODE = {"parse_mode": None}


async def build_card(context: BotContext, size_filter: str, position: int) -> Card:
    """The card at a position of the filtered catalogue; out of range shows the nearest one."""
    storage, t = context.storage, context.t
    offer, count = await storage.offers.at(position, FILTERS[size_filter])
    if offer is None:
        return empty_card(t, size_filter)
    # The list may have changed since the button was made (a model retired or added): the
    # position is kept within the list as it is now.
    position = min(max(position, 0), count - 1)
    makers = await storage.offers.makers(offer.model.id)
    rates = await storage.exchange_rates.all()
    return Card(
        card_text(t, offer, makers, rates),
        card_keyboard(t, offer, size_filter, position, count),
        offer.photo_file_id,
    )


async def browse(update: Update, context: BotContext) -> None:
    """Open the catalogue at its first card, in a new message."""
    refusal = browse_refusal(context)
    if refusal is not None:
        await answer_or_reply(update, context, refusal)
        return
    await answer_button(update)
    chat = update.effective_chat
    if chat is not None:
        await _send(context, chat.id, await build_card(context, ALL, 0))


async def turn(update: Update, context: BotContext) -> None:
    """Show another card (next, previous, or another size) in place of the tapped one."""
    refusal = browse_refusal(context)
    if refusal is not None:
        await answer_or_reply(update, context, refusal)
        return
    query = update.callback_query
    assert query is not None
    match = CARD_PATTERN.match(query.data or "")
    assert match is not None
    await answer_button(update)
    await _replace(update, context, await build_card(context, match[1], int(match[2])))


async def stray(update: Update, context: BotContext) -> None:
    """Answer a catalogue button that is malformed or out of date with the first card."""
    refusal = browse_refusal(context)
    if refusal is not None:
        await answer_or_reply(update, context, refusal)
        return
    await answer_button(update)
    await _replace(update, context, await build_card(context, ALL, 0))


async def _send(context: BotContext, chat_id: int, card: Card) -> None:
    if card.photo is not None:
        try:
            await context.bot.send_photo(
                chat_id, card.photo, caption=card.text, reply_markup=card.markup
            )
            return
        except BadRequest as error:
            # A photo Telegram no longer knows must not hide the model: show it without.
            if "file" not in str(error).lower():
                raise
            logger.warning("could not send a catalogue photo, sending text: %s", error)
    await context.bot.send_message(chat_id, card.text, reply_markup=card.markup)


async def _replace(update: Update, context: BotContext, card: Card) -> None:
    """Edit the tapped card into another one; Telegram cannot turn a photo into text."""
    query = update.callback_query
    message = query.message if query is not None else None
    chat = update.effective_chat
    if chat is None:
        return
    if not isinstance(message, Message):
        await _send(context, chat.id, card)
        return
    try:
        if card.photo is not None and message.photo:
            media = InputMediaPhoto(card.photo, caption=card.text)
            await message.edit_media(media, reply_markup=card.markup, api_kwargs=NO_PARSE_MODE)
            return
        if card.photo is None and message.text is not None:
            await show(update, context, card.text, card.markup)
            return
    except BadRequest as error:
        reason = str(error).lower()
        if "not modified" in reason:
            return
        if "not found" not in reason and "file" not in reason:
            raise
    # A photo card after a text card or the other way round: a new message in its place.
    try:
        await message.delete()
    except BadRequest as error:
        logger.info("could not delete a catalogue card, sending a new one: %s", error)
    await _send(context, chat.id, card)


async def available(update: Update, context: BotContext) -> None:
    """List the drums available now per model, grouped by size, with the total, by pages."""
    refusal = browse_refusal(context)
    if refusal is not None:
        await answer_or_reply(update, context, refusal)
        return
    await answer_button(update)
    offers = await context.storage.offers.active()
    page = tapped_page(update, STOCK_PATTERN)
    await show(update, context, *stock_screen(context.t, offers, page))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the catalogue's and the stock list's commands and buttons."""
    return [
        CommandHandler("browse", browse, filters=PRIVATE),
        CallbackQueryHandler(browse, pattern=f"^{BROWSE}$"),
        CallbackQueryHandler(turn, pattern=CARD_PATTERN),
        CommandHandler("available", available, filters=PRIVATE),
        CallbackQueryHandler(available, pattern=STOCK_PATTERN),
        # Any other shop: button is malformed or tampered with.
        CallbackQueryHandler(stray, pattern="^shop:"),
    ]
