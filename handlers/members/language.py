"""/language: a person chooses Indonesian, English or Chinese."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import translator
from handlers.common import answer_button, column, show
from handlers.members.menu import LANGUAGE, MAIN_MENU

CHOOSE = "lang:set:"
# Each language is named in itself, so a person can find theirs whatever is showing now.
LANGUAGE_NAMES = {"id": "🇮🇩 Bahasa Indonesia", "en": "🇬🇧 English", "zh": "🇨🇳 中文"}


async def ask_language(update: Update, context: BotContext) -> None:
    """Offer the languages as buttons."""
    await answer_button(update)
    buttons = [(name, f"{CHOOSE}{code}") for code, name in LANGUAGE_NAMES.items()]
    await show(update, context, context.t._("Choose your language:"), column(buttons))


async def set_language(update: Update, context: BotContext) -> None:
    """Store the chosen language and answer in it."""
    query = update.callback_query
    assert query is not None and query.data is not None
    locale = query.data.removeprefix(CHOOSE)
    await context.storage.people.choose_locale(query.from_user.id, locale)
    context.t = translator(locale)
    await answer_button(update)
    await show(
        update,
        context,
        context.t._("Done: I will speak {language} with you.").format(
            language=LANGUAGE_NAMES[locale]
        ),
        column([(context.t._("⬅️ Menu"), MAIN_MENU)]),
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the language handlers."""
    return [
        CommandHandler("language", ask_language, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(ask_language, pattern=f"^{LANGUAGE}$"),
        CallbackQueryHandler(set_language, pattern=f"^{CHOOSE}(?:{'|'.join(LANGUAGE_NAMES)})$"),
    ]
