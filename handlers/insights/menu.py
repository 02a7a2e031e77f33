"""The admins' "How we are doing" menu: summary, charts, statements and spreadsheets."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer_button, column, refuse_unless_admin, show
from handlers.members.menu import INSIGHTS, MAIN_MENU

PREFIX = "ins:"
# Each of these is routed by its own module (handlers.insights.summary, handlers.insights.charts,
# handlers.insights.statements, handlers.insights.exports).
SUMMARY = f"{PREFIX}summary"
CHARTS = f"{PREFIX}charts"
STATEMENTS = f"{PREFIX}statements"
EXPORTS = f"{PREFIX}export"


async def show_menu(update: Update, context: BotContext) -> None:
    """Show admins what they can look at and take away."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    text = t._(
        "📈 <b>How the cooperative is doing</b>\n"
        "A summary in the chat, charts as pictures, artisans' statements, and spreadsheets."
    )
    buttons = [
        (t._("📋 Summary"), SUMMARY),
        (t._("📊 Charts"), CHARTS),
        (t._("📄 Artisans' statements"), STATEMENTS),
        (t._("📥 Spreadsheets"), EXPORTS),
        (t._("⬅️ Menu"), MAIN_MENU),
    ]
    await show(update, context, text, column(buttons))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /insights and the menu's button."""
    return [
        CommandHandler("insights", show_menu, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_menu, pattern=f"^{INSIGHTS}$"),
    ]
