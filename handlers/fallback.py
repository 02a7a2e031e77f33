"""Answers for everything no flow took: never silence."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.common import answer_button, column, reply
from handlers.inbox import screens as inbox_screens
from handlers.members.menu import MAIN_MENU, write_button


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """Answer /cancel outside any conversation."""
    await reply(
        update,
        context,
        context.t._("There is nothing to cancel. Send /menu to see what you can do."),
        ReplyKeyboardRemove(),
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer a command the bot does not know."""
    await reply(
        update,
        context,
        context.t._("I don't know that command. Send /help to see what I can do."),
        column([(context.t._("📋 Menu"), MAIN_MENU)]),
    )


async def hint(update: Update, context: BotContext) -> None:
    """Point a message outside any conversation to the menu, and a member to writing to us."""
    t = context.t
    menu = (t._("📋 Menu"), MAIN_MENU)
    if context.member is not None and inbox_screens.refusal(context) is None:
        text = t._(
            "Please use the buttons of the menu. To send a message to the cooperative's "
            "admins, tap ✉️ Write to the cooperative."
        )
        await reply(update, context, text, column([write_button(t), menu]))
        return
    text = t._("Please use the buttons of the menu. Send /menu to open it.")
    await reply(update, context, text, column([menu]))


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button that no longer does anything (an old message, or tampered data)."""
    await answer_button(
        update,
        context.t._("This button is no longer active. Send /menu to start again."),
        alert=True,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the catch-all handlers; they must come after every flow in the same group."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", nothing_to_cancel, filters=private),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & filters.UpdateType.MESSAGE, hint),
        CallbackQueryHandler(stale_button),
    ]
