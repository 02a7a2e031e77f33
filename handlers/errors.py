"""Log every failure with its update and tell the person, in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import resolve_locale, translator
from handlers.common import answer_button

logger = logging.getLogger(__name__)


async def report_error(update: object, context: BotContext) -> None:
    """Log the error with the update; apologise to the person without failing again."""
    payload = update.to_dict() if isinstance(update, Update) else repr(update)
    logger.error("error while handling an update: %s", payload, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
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
        await context.bot.send_message(
            update.effective_chat.id,
            t._("Sorry, something went wrong. Please try again, or send /menu."),
        )
    except TelegramError as error:
        logger.warning("could not tell the person about the error: %s", error)
