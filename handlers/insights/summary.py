"""The admins' summary in the chat: this week and month, stock, orders, containers, money owed."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import Period, this_month, this_week
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, column, esc, refuse_unless_admin, show
from handlers.insights.menu import SUMMARY
from handlers.members.menu import INSIGHTS
from handlers.reports.review_cards import reason_text
from storage.clock import utc_now
from storage.summary import (
    TOP,
    Drums,
    MoneyOwed,
    OpenContainers,
    OrderTotals,
    PeriodFigures,
    StockTotals,
)

# Stored text is cut to this many characters, so the message stays far below Telegram's
# 4096 whatever people typed.
MAX_NAME_CHARS = 32
MAX_REASON_CHARS = 40


def clip(text: str, limit: int) -> str:
    """Cut stored text to `limit` characters, marking the cut with an ellipsis (not escaped)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _drums(t: Translator, figures: Drums) -> str:
    return t._("{reported} reported, {accepted} accepted, {rejected} rejected").format(
        reported=t.number(figures.reported),
        accepted=t.number(figures.accepted),
        rejected=t.number(figures.rejected),
    )


def _more(t: Translator, count: int, message: str) -> list[str]:
    """The line saying how many more were left out, or none when nothing was."""
    return [message.format(count=t.number(count))] if count else []


def period_lines(t: Translator, title: str, period: Period, figures: PeriodFigures) -> list[str]:
    """A period's drums: totals, why drums were refused, the top villages and models."""
    lines = [
        t._("<b>{label}</b> ({first} - {last})").format(
            label=title, first=t.date(period.first_day), last=t.date(period.last_day)
        )
    ]
    if figures.reported == 0:
        lines.append(t._("No drums reported."))
        return lines
    lines.append(
        t._(
            "🪘 Reported: {reported} · accepted: {accepted} · rejected: {rejected}"
            " · waiting: {pending}"
        ).format(
            reported=t.number(figures.reported),
            accepted=t.number(figures.accepted),
            rejected=t.number(figures.rejected),
            pending=t.number(figures.pending),
        )
    )
    if figures.reasons:
        reasons = "; ".join(
            t._("{reason}: {count}").format(
                reason=reason_text(
                    t, None if r.reason is None else clip(r.reason, MAX_REASON_CHARS)
                ),
                count=t.number(r.drums),
            )
            for r in figures.reasons
        )
        lines.append(t._("❌ Why rejected: {reasons}").format(reasons=reasons))
        more = figures.more_reasons
        lines += _more(
            t, more, t.ngettext("…and {count} more reason", "…and {count} more reasons", more)
        )
    lines.append(t._("🏘 By village:"))
    for village in figures.villages:
        lines.append(
            t._("• {village}: {drums}").format(
                village=esc(clip(village.village, MAX_NAME_CHARS)) or "—", drums=_drums(t, village)
            )
        )
    more = figures.more_villages
    lines += _more(
        t, more, t.ngettext("…and {count} more village", "…and {count} more villages", more)
    )
    lines.append(t._("🥁 By model:"))
    for line in figures.models:
        lines.append(
            t._("• {model}: {drums}").format(model=model_name(t, line.model), drums=_drums(t, line))
        )
    more = figures.more_models
    lines += _more(t, more, t.ngettext("…and {count} more model", "…and {count} more models", more))
    return lines


def stock_line(t: Translator, stock: StockTotals) -> str:
    """Drums on hand, reserved and available in all."""
    return t._(
        "📦 <b>Stock</b>: {on_hand} on hand · {reserved} reserved · <b>{available} available</b>"
    ).format(
        on_hand=t.number(stock.on_hand),
        reserved=t.number(stock.reserved),
        available=t.number(stock.available),
    )


def _orders(t: Translator, count: int, drums: int) -> str:
    orders = t.ngettext("{count} order", "{count} orders", count).format(count=t.number(count))
    return t.ngettext("{orders} ({count} drum)", "{orders} ({count} drums)", drums).format(
        orders=orders, count=t.number(drums)
    )


def order_lines(t: Translator, orders: OrderTotals) -> list[str]:
    """Orders waiting for a decision, open orders, and backorders, with their drums."""
    return [
        t._("🧾 <b>Orders</b>"),
        t._("Waiting for a decision: {orders}").format(
            orders=_orders(t, orders.requested, orders.requested_drums)
        ),
        t._("Open: {orders}").format(orders=_orders(t, orders.open, orders.open_drums)),
        t._("Backorders: {orders} still to make").format(
            orders=_orders(t, orders.backorders, orders.backordered_drums)
        ),
    ]


def container_lines(t: Translator, containers: OpenContainers) -> list[str]:
    """The open containers due first: drums ready of those in their orders, and target date."""
    if containers.count == 0:
        return [t._("🚢 <b>Open containers</b>: none")]
    lines = [
        t._("🚢 <b>Open containers</b>: {count} ({ready} of {planned} drums ready)").format(
            count=t.number(containers.count),
            ready=t.number(containers.ready),
            planned=t.number(containers.planned),
        )
    ]
    for load in containers.first:
        container = load.container
        lines.append(
            t._(
                "• {reference} · {buyer} · {destination}: {ready} of {planned} ready,"
                " capacity {capacity} · by {date}"
            ).format(
                reference=container.reference,
                buyer=esc(clip(load.buyer_name, MAX_NAME_CHARS)),
                destination=esc(clip(container.destination, MAX_NAME_CHARS)),
                ready=t.number(load.ready),
                planned=t.number(load.planned),
                capacity=t.number(container.capacity),
                date=t.date(container.target_date),
            )
        )
    more = containers.count - len(containers.first)
    message = t.ngettext("…and {count} more container", "…and {count} more containers", more)
    return lines + _more(t, more, message)


def owed_line(t: Translator, money: MoneyOwed) -> str:
    """What the cooperative owes its artisans now."""
    amount = t._("💰 <b>Owed to artisans: {amount}</b>").format(amount=t.rupiah(money.owed))
    if money.artisans == 0:
        return amount
    to = t.ngettext("(to {count} artisan)", "(to {count} artisans)", money.artisans).format(
        count=t.number(money.artisans)
    )
    return f"{amount} {to}"


async def summary_text(context: BotContext, t: Translator, now: datetime) -> str:
    """The whole summary as one HTML message in the reader's language."""
    zone, summaries = context.settings.zone, context.storage.summary
    week, month = this_week(now, zone), this_month(now, zone)
    weekly = await summaries.period(week.start, week.end, top=TOP)
    monthly = await summaries.period(month.start, month.end, top=TOP)
    lines = [
        t._("📋 <b>Summary</b> · {moment}").format(moment=t.datetime(now.astimezone(zone))),
        "",
        *period_lines(t, t._("This week"), week, weekly),
        "",
        *period_lines(t, t._("This month"), month, monthly),
        "",
        stock_line(t, await summaries.stock()),
        "",
        *order_lines(t, await summaries.orders()),
        "",
        *container_lines(t, await summaries.open_containers(top=TOP)),
        "",
        owed_line(t, await summaries.owed()),
    ]
    return "\n".join(lines)


async def show_summary(update: Update, context: BotContext) -> None:
    """Show an admin how the cooperative is doing, with Refresh and Back."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    text = await summary_text(context, t, utc_now())
    buttons = [(t._("🔄 Refresh"), SUMMARY), (t._("⬅️ Back"), INSIGHTS)]
    await show(update, context, text, column(buttons))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /summary and the summary's button (also its Refresh)."""
    return [
        CommandHandler("summary", show_summary, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_summary, pattern=f"^{SUMMARY}$"),
    ]
