"""The artisans' "needed now" board: drums buyers wait for, per model and month, no names."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, tzinfo

from babel.dates import format_skeleton
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, answer_or_reply, keyboard, page_buttons, show
from handlers.members.menu import MAIN_MENU, NEEDED_NOW
from handlers.pages import Entry, Page, paginate, pick, tapped_page
from storage.models.catalogue import DrumModel
from storage.models.members import MemberStatus, Role
from storage.models.orders import Backorder

BOARD_PATTERN = re.compile(rf"^{NEEDED_NOW}(?::([0-9]{{1,6}}))?$")


def month_name(t: Translator, month: date) -> str:
    """Name a month in the reader's language, e.g. "Januari 2027" or "January 2027"."""
    return format_skeleton("yMMMM", month, locale=t.locale)


def _month_of(backorder: Backorder, zone: tzinfo) -> date:
    # A container's target date says when the drums are needed; else the order's confirmation.
    if backorder.needed_by is not None:
        day = backorder.needed_by
    else:
        day = backorder.confirmed_at.astimezone(zone).date()
    return day.replace(day=1)


def board(t: Translator, backorders: list[Backorder], zone: tzinfo, footer: str = "") -> list[Page]:
    """Write the board by pages: per month, each model and how many drums are still needed."""
    if not backorders:
        text = t._(
            "📋 No drums are waiting for buyers right now. Thank you, every order is made! 🙏"
        )
        return paginate([], header=text, footer=footer)
    needed: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    models: dict[int, DrumModel] = {}
    for backorder in backorders:
        needed[_month_of(backorder, zone)][backorder.model.id] += backorder.outstanding
        models[backorder.model.id] = backorder.model
    entries = [
        Entry(
            t._("• {model}: <b>{count}</b>").format(
                model=model_name(t, models[model_id]), count=t.number(count)
            ),
            heading="\n" + t._("<b>For {month}</b>").format(month=month_name(t, month)),
        )
        for month in sorted(needed)
        for model_id, count in sorted(needed[month].items())
    ]
    header = "\n".join(
        [t._("📋 <b>Drums needed now</b>"), t._("Buyers are waiting for these drums:")]
    )
    total = sum(backorder.outstanding for backorder in backorders)
    line = t.ngettext("Total: <b>{count}</b> drum", "Total: <b>{count}</b> drums", total)
    closing = "\n".join(part for part in (line.format(count=t.number(total)), footer) if part)
    return paginate(entries, header=header, footer=f"\n{closing}")


async def show_board(update: Update, context: BotContext) -> None:
    """Show active artisans (and admins) the drums buyers are waiting for, a page at a time."""
    t, member = context.t, context.member
    artisan = (
        member is not None and member.role is Role.ARTISAN and member.status is MemberStatus.ACTIVE
    )
    if not (artisan or context.is_admin):
        await answer_or_reply(update, context, t._("This board is for the cooperative's artisans."))
        return
    await answer_button(update)
    hint = t._("Finished some? Report them: /report") if artisan else ""
    pages = board(t, await context.storage.orders.backorders(), context.settings.zone, hint)
    page = pick(pages, tapped_page(update, BOARD_PATTERN))
    rows = [
        *page_buttons(t, f"{NEEDED_NOW}:", page.number, more=page.more),
        [(t._("🔄 Refresh"), NEEDED_NOW), (t._("⬅️ Menu"), MAIN_MENU)],
    ]
    await show(update, context, page.text, keyboard(rows))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /needed and the board's button."""
    return [
        CommandHandler("needed", show_board, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_board, pattern=BOARD_PATTERN),
    ]
