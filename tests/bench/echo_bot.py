"""A bare python-telegram-bot echo bot: what the load benchmark measures the bot against.

    python -m tests.bench.echo_bot TOKEN BASE_URL BASE_FILE_URL

A MessageHandler that echoes and a CallbackQueryHandler that answers, on PTB's own polling
loop, until SIGTERM or SIGINT.
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the message's text back."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or "?")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button tap."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def main(argv: list[str]) -> None:
    """Poll the Bot API at the given address until stopped."""
    token, base_url, base_file_url = argv
    application = (
        Application.builder().token(token).base_url(base_url).base_file_url(base_file_url).build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(answer))
    application.run_polling(
        poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
