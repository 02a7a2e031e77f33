"""A bare python-telegram-bot echo bot: what the load benchmark measures the bot against.

    python -m tests.bench.echo_bot TOKEN BASE_URL BASE_FILE_URL
                                   [--concurrent] [--rate-limiter] [--edit-on-tap]

A MessageHandler that echoes and a CallbackQueryHandler that answers, on PTB's own polling
loop, until SIGTERM or SIGINT. By default one update at a time with no rate limiter, as PTB
runs out of the box. `--concurrent` processes updates side by side
(`concurrent_updates(True)`); `--rate-limiter` keeps Telegram's limits with PTB's own
`AIORateLimiter` (30 messages a second in all, 20 a minute to a group), which waits out a 429
and sends again, the way a bare PTB bot is told to keep them. `--edit-on-tap` also edits the
tapped message to the button's data after answering, as a bot showing a screen in place does
(a repeated tap leaves it unchanged: Telegram's "message is not modified" is let go).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

# Retries of a request answered 429, after waiting what it asks (AIORateLimiter's default is
# none: the reply would be lost).
MAX_RETRIES = 3


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the message's text back."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or "?")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button tap."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def answer_and_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a button tap, then show the button's data in the tapped message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    try:
        await query.edit_message_text(query.data or "?")
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


def main(argv: list[str]) -> None:
    """Poll the Bot API at the given address until stopped."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.echo_bot")
    parser.add_argument("token")
    parser.add_argument("base_url")
    parser.add_argument("base_file_url")
    parser.add_argument("--concurrent", action="store_true", help="concurrent_updates(True)")
    parser.add_argument("--rate-limiter", action="store_true", help="PTB's AIORateLimiter")
    parser.add_argument(
        "--edit-on-tap", action="store_true", help="edit the tapped message after answering"
    )
    arguments = parser.parse_args(argv)
    # Warnings and errors (a lost reply, a 429 given up) into the log, with their level.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    builder = (
        Application.builder()
        .token(arguments.token)
        .base_url(arguments.base_url)
        .base_file_url(arguments.base_file_url)
        .concurrent_updates(arguments.concurrent)
    )
    application: Application[Any, Any, Any, Any, Any, Any] = (
        builder.rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES)).build()
        if arguments.rate_limiter
        else builder.build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(
        CallbackQueryHandler(answer_and_edit if arguments.edit_on_tap else answer)
    )
    application.run_polling(
        poll_interval=0, timeout=1, allowed_updates=["message", "callback_query"]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
