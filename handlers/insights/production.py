"""What was made and earned: an artisan's own figures, and the admins' stock and artisans views."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import Period, this_month, this_week
from handlers.catalogue.drums import model_name
from handlers.common import (
    Button,
    answer_button,
    column,
    esc,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    show,
)
from handlers.members.menu import ARTISANS, MAIN_MENU, MY_PRODUCTION, STOCK
from handlers.pages import Entry, paginate, pick, tapped_page
from storage.clock import utc_now
from storage.models.figures import ArtisanFigures, ProductionSummary
from storage.models.members import Member, MemberStatus, Role

OPEN_ARTISAN = "prod:a:"
ARTISANS_PAGE = f"{ARTISANS}:"
ARTISANS_PATTERN = re.compile(rf"^{ARTISANS}(?::([0-9]{{1,4}}))?$")
STOCK_PAGE = f"{STOCK}:"
STOCK_PATTERN = re.compile(rf"^{STOCK}(?::([0-9]{{1,6}}))?$")
RECORD_PAYMENT = "pay:new:"
CORRECT_STOCK = "stk:fix"
ARTISANS_PER_PAGE = 15
PRIVATE = filters.ChatType.PRIVATE


def _summary_lines(t: Translator, title: str, summary: ProductionSummary) -> list[str]:
    return [
        title,
        t._("Reported: {count}").format(count=t.number(summary.reported)),
        t._("Accepted: {count}").format(count=t.number(summary.accepted)),
        t._("Rejected: {count}").format(count=t.number(summary.rejected)),
        t._("Waiting for the check: {count}").format(count=t.number(summary.pending)),
        t._("Earned: {amount}").format(amount=t.rupiah(summary.earned)),
        t._("Paid: {amount}").format(amount=t.rupiah(summary.paid)),
    ]


def _period_title(t: Translator, label: str, period: Period) -> str:
    return t._("<b>{label}</b> ({first} - {last})").format(
        label=label, first=t.date(period.first_day), last=t.date(period.last_day)
    )


async def production_text(context: BotContext, t: Translator, artisan: Member) -> str:
    """This week's and this month's drums and money of an artisan, and what is owed now."""
    now = utc_now()
    zone = context.settings.zone
    figures = context.storage.figures
    week, month = this_week(now, zone), this_month(now, zone)
    weekly = await figures.production(artisan.id, week.start, week.end)
    monthly = await figures.production(artisan.id, month.start, month.end)
    lines = [
        t._("📊 <b>Production of {name}</b>").format(name=esc(artisan.name)),
        "",
        *_summary_lines(t, _period_title(t, t._("This week"), week), weekly),
        "",
        *_summary_lines(t, _period_title(t, t._("This month"), month), monthly),
        "",
        t._("<b>Still to be paid to you: {amount}</b>").format(amount=t.rupiah(monthly.owed))
        if context.member is not None and context.member.id == artisan.id
        else t._("<b>Owed to the artisan now: {amount}</b>").format(amount=t.rupiah(monthly.owed)),
    ]
    return "\n".join(lines)


async def show_my_production(update: Update, context: BotContext) -> None:
    """Show an artisan what they reported, got accepted, earned and were paid."""
    await answer_button(update)
    t = context.t
    member = context.member
    back = column([(t._("⬅️ Menu"), MAIN_MENU)])
    if member is None or member.role is not Role.ARTISAN:
        await show(update, context, t._("This is for the cooperative's artisans."), back)
        return
    if member.status in (MemberStatus.PENDING, MemberStatus.REJECTED):
        text = t._("Your registration has not been approved, so there is nothing to show yet.")
        await show(update, context, text, back)
        return
    await show(update, context, await production_text(context, t, member), back)


async def show_stock(update: Update, context: BotContext) -> None:
    """Show the admins the drums in stock per model: on hand, reserved, available."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    balances = await context.storage.stock.balances()
    entries = [
        Entry(
            t._("{model}: {on_hand} · {reserved} · <b>{available}</b>").format(
                model=model_name(t, balance.model),
                on_hand=t.number(balance.on_hand),
                reserved=t.number(balance.reserved),
                available=t.number(balance.available),
            )
        )
        for balance in balances
        if balance.on_hand or balance.reserved
    ]
    footer = [] if entries else [t._("No drums in stock yet.")]
    total = sum(balance.available for balance in balances)
    footer.append(t._("<b>Available in all: {count}</b>").format(count=t.number(total)))
    header = t._("📦 <b>Stock</b> (on hand · reserved · available)")
    pages = paginate(entries, header=header, footer="\n".join(footer))
    page = pick(pages, tapped_page(update, STOCK_PATTERN))
    rows = [
        *page_buttons(t, STOCK_PAGE, page.number, more=page.more),
        [(t._("✏️ Correct stock"), CORRECT_STOCK)],
        [(t._("⬅️ Menu"), MAIN_MENU)],
    ]
    await show(update, context, page.text, keyboard(rows))


def _artisan_entry(t: Translator, figures: ArtisanFigures) -> Entry:
    line = t._("{name} ({village}): {accepted} accepted, {earned} earned, {owed} owed").format(
        name=figures.name,
        village=figures.village or "—",
        accepted=t.number(figures.accepted),
        earned=t.rupiah(figures.earned),
        owed=t.rupiah(figures.owed),
    )
    label = f"{figures.name} · {t.number(figures.accepted)}"
    return Entry(esc(line), (label, f"{OPEN_ARTISAN}{figures.artisan_id}"))


async def list_artisans(update: Update, context: BotContext) -> None:
    """Show the admins every active artisan with this month's figures, a page at a time."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    month = this_month(utc_now(), context.settings.zone)
    everyone = await context.storage.figures.month_by_artisan(month.start, month.end)
    title = t._("🧑‍🎨 <b>Artisans this month</b> ({first} - {last})").format(
        first=t.date(month.first_day), last=t.date(month.last_day)
    )
    entries = [_artisan_entry(t, figures) for figures in everyone]
    empty = "" if entries else t._("No active artisans yet.")
    pages = paginate(entries, header=title, footer=empty, per_page=ARTISANS_PER_PAGE)
    page = pick(pages, tapped_page(update, ARTISANS_PATTERN))
    rows = [
        *page.rows,
        *page_buttons(t, ARTISANS_PAGE, page.number, more=page.more),
        [(t._("⬅️ Menu"), MAIN_MENU)],
    ]
    await show(update, context, page.text, keyboard(rows))


async def open_artisan(update: Update, context: BotContext) -> None:
    """Show the admins one artisan's production, with the button to record a payment."""
    if not await refuse_unless_admin(update, context):
        return
    t = context.t
    query = update.callback_query
    assert query is not None and query.data is not None
    artisan = await context.storage.members.get(int(query.data.removeprefix(OPEN_ARTISAN)))
    if artisan is None or artisan.role is not Role.ARTISAN:
        await answer_button(update, t._("This artisan no longer exists."), alert=True)
        return
    await answer_button(update)
    buttons: list[Button] = [
        (t._("💸 Record payment"), f"{RECORD_PAYMENT}{artisan.id}"),
        (t._("⬅️ Artisans"), ARTISANS),
    ]
    await show(update, context, await production_text(context, t, artisan), column(buttons))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the production, stock and artisans views."""
    return [
        CommandHandler("production", show_my_production, filters=PRIVATE),
        CallbackQueryHandler(show_my_production, pattern=f"^{MY_PRODUCTION}$"),
        CommandHandler("stock", show_stock, filters=PRIVATE),
        CallbackQueryHandler(show_stock, pattern=STOCK_PATTERN),
        CommandHandler("artisans", list_artisans, filters=PRIVATE),
        CallbackQueryHandler(list_artisans, pattern=ARTISANS_PATTERN),
        CallbackQueryHandler(open_artisan, pattern=rf"^{OPEN_ARTISAN}[0-9]{{1,18}}$"),
    ]
