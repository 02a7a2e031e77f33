"""Log every failure with its update's ids and kind, and tell the person, in their language.

A database that cannot be written (read-only, disk full) gets its own apology, an alert to
the admins, and stops the update there: no later handler could save anything either.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import resolve_locale, translator
from bot.storage_faults import alert_admins, apology, storage_fault
from handlers.common import answer_button

logger = logging.getLogger(__name__)


async def report_error(update: object, context: BotContext) -> None:
    """Log the error with the update's ids and kind; apologise without failing again."""
    logger.error("error while handling %s", describe(update), exc_info=context.error)
    fault = storage_fault(context.error)
    if fault is not None:
        logger.critical("the database cannot be written (%s)", fault.value)
    if isinstance(update, Update) and update.effective_chat is not None:
        await apologise(update, context, storage_unwritable=fault is not None)
    if fault is not None:
        await alert_admins(context.bot, context.bot_data, fault)
        raise ApplicationHandlerStop


def describe(update: object) -> str:
    """Name an update by its ids and kind only: its content may be a phone number or typed text."""
    if not isinstance(update, Update):
        return f"something other than an update ({type(update).__name__})"
    kind = next(
        (str(kind) for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None),
        "unknown",
    )
    user = update.effective_user
    chat = update.effective_chat
    return (
        f"update {update.update_id} ({kind}) from user {user.id if user else None}"
        f" in chat {chat.id if chat else None}"
    )


async def apologise(update: Update, context: BotContext, *, storage_unwritable: bool) -> None:
    """Tell the person something went wrong, in their language, without failing again."""
    assert update.effective_chat is not None
    user = update.effective_user
    try:
        person = await context.storage.people.get(user.id) if user else None
    except Exception:  # the database may be what failed; apologise in Telegram's language
        person = None
    locale = resolve_locale(
        person.chosen_locale if person else None,
        user.language_code if user else None,
        has_user=user is not None,
    )
    t = translator(locale or context.settings.default_locale)
    try:
        await answer_button(update)
        text = (
            apology(t)
            if storage_unwritable
            else t._("Sorry, something went wrong. Please try again, or send /menu.")
        )
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as error:
        logger.warning("could not tell the person about the error: %s", error)
