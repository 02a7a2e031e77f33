"""Admins decide on buyers' orders (confirm, in part, with a backorder, decline) and list them."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.catalogue.stock_news import announce_stock_rise
from handlers.common import (
    Button,
    answer_button,
    esc,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.members.menu import MAIN_MENU, ORDERS
from handlers.orders.cards import (
    ADMIN_CANCELLABLE,
    BACKORDER,
    CANCEL_ASK,
    CANCEL_YES,
    CARD,
    CONFIRM,
    CONFIRM_PART,
    DECLINE,
    buyer_cancelled,
    buyer_decision,
    card_screen,
    decided_card,
    refresh_copies,
    send_card,
    tell_buyer,
    tell_changed,
    tell_unknown_order,
)
from handlers.orders.screens import ordered_quantity, status_text
from handlers.pages import MAX_LISTED, Entry, paginate, pick
from handlers.papers.screens import proforma_after_confirming
from handlers.reports.review_cards import admin_id
from storage.models.orders import OrderChange, OrderOutcome, OrderStatus, OrderView

ID = r"[0-9]{1,18}"
PART_PATTERN = re.compile(rf"^{CONFIRM_PART}({ID}):([0-9]{{1,7}})$")
REQUESTS_PAGE = "ordadm:req:"
OPEN_PAGE = "ordadm:open:"
OPEN_CARD = "ordadm:see:"
PAGE_SIZE = 5


def tapped_id(update: Update) -> int:
    """The order id after the prefix of the tapped button (its pattern checked the digits)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return int(query.data.split(":")[2])


async def _tapped_order(update: Update, context: BotContext, order_id: int) -> OrderView | None:
    if not await refuse_unless_admin(update, context):
        return None
    view = await context.storage.orders.view(order_id)
    if view is None:
        await tell_unknown_order(update, context)
    return view


async def confirm_all(update: Update, context: BotContext) -> None:
    """Confirm every drum of a request from stock."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is not None:
        change = await context.storage.orders.confirm(
            view.order.id, by=admin_id(update), update_id=update.update_id
        )
        await _after_decision(update, context, view, change)


async def confirm_part(update: Update, context: BotContext) -> None:
    """Confirm the drums that were available when the card was shown; the rest is dropped."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = PART_PATTERN.match(query.data)
    assert match is not None
    view = await _tapped_order(update, context, int(match[1]))
    if view is None:
        return
    count = int(match[2])
    if not 1 <= count <= view.order.quantity:
        await stale_button(update, context)
        return
    change = await context.storage.orders.confirm(
        view.order.id, reserve=count, by=admin_id(update), update_id=update.update_id
    )
    await _after_decision(update, context, view, change)


async def confirm_backorder(update: Update, context: BotContext) -> None:
    """Confirm every drum: those available are reserved, the rest waits as a backorder."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is not None:
        change = await context.storage.orders.confirm(
            view.order.id, backorder=True, by=admin_id(update), update_id=update.update_id
        )
        await _after_decision(update, context, view, change)


async def decline(update: Update, context: BotContext) -> None:
    """Decline a request."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is not None:
        change = await context.storage.orders.decline(
            view.order.id, by=admin_id(update), update_id=update.update_id
        )
        await _after_decision(update, context, view, change)


async def _after_decision(
    update: Update, context: BotContext, view: OrderView, change: OrderChange
) -> None:
    t = context.t
    fresh = await context.storage.orders.view(view.order.id)
    if change.outcome is OrderOutcome.NOT_FOUND or fresh is None:
        await tell_unknown_order(update, context)
        return
    if change.outcome is OrderOutcome.CHANGED:
        await tell_changed(update, context, fresh)
        return
    if change.outcome is OrderOutcome.STOCK_SHORT:
        count = change.available or 0
        text = t.ngettext(
            "Stock moved meanwhile: only {count} drum of this model is available now. "
            "Choose again on the card.",
            "Stock moved meanwhile: only {count} drums of this model are available now. "
            "Choose again on the card.",
            count,
        ).format(count=t.number(count))
        await answer_button(update, text, alert=True)
        # Every copy gets the choices that fit what is available now.
        await refresh_copies(context, fresh)
        return
    await answer_button(update, f"{fresh.order.reference}: {status_text(t, fresh.order)}")
    await refresh_copies(context, fresh)
    rates = await context.storage.exchange_rates.all()
    await tell_buyer(context, fresh, lambda buyer_t: buyer_decision(buyer_t, fresh, rates))
    if fresh.order.confirmed:
        said = await proforma_after_confirming(context, fresh.order.id, admin_id(update))
        if said:
            await reply(update, context, f"{fresh.order.reference}: {said}")


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Ask the admin to confirm cancelling an open order, saying what returns to stock."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is None:
        return
    if view.order.status not in ADMIN_CANCELLABLE:
        await tell_changed(update, context, view)
        return
    t, order = context.t, view.order
    if order.reserved:
        question = t.ngettext(
            "Cancel order {reference}? {count} reserved drum returns to stock "
            "and the buyer is told.",
            "Cancel order {reference}? {count} reserved drums return to stock "
            "and the buyer is told.",
            order.reserved,
        ).format(reference=order.reference, count=t.number(order.reserved))
    else:
        question = t._("Cancel order {reference}? The buyer is told.").format(
            reference=order.reference
        )
    buttons = [
        [(t._("✖️ Yes, cancel the order"), f"{CANCEL_YES}{order.id}")],
        [(t._("↩️ No, keep it"), f"{CARD}{order.id}")],
    ]
    await answer_button(update)
    card = await decided_card(context, t, view)
    await show(update, context, f"{card}\n\n<b>{question}</b>", keyboard(buttons))


async def confirm_cancel(update: Update, context: BotContext) -> None:
    """Cancel an open order not in a container: its drums return to stock, the buyer is told."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is None:
        return
    # A cancelled order passes on to storage: this very tap may have cancelled it before a
    # crash, and is then told so, to finish telling everyone.
    if view.order.status not in (*ADMIN_CANCELLABLE, OrderStatus.CANCELLED):
        await tell_changed(update, context, view)
        return
    change = await context.storage.orders.cancel(
        view.order.id, buyer_id=None, by=admin_id(update), update_id=update.update_id
    )
    fresh = await context.storage.orders.view(view.order.id)
    if change.outcome is OrderOutcome.NOT_FOUND or fresh is None:
        await tell_unknown_order(update, context)
        return
    if change.outcome is not OrderOutcome.DONE:
        await tell_changed(update, context, fresh)
        return
    t, released = context.t, change.released
    await answer_button(
        update,
        t.ngettext(
            "{reference} cancelled; {count} drum returned to stock.",
            "{reference} cancelled; {count} drums returned to stock.",
            released,
        ).format(reference=fresh.order.reference, count=t.number(released)),
    )
    await refresh_copies(context, fresh)
    await tell_buyer(context, fresh, lambda buyer_t: buyer_cancelled(buyer_t, fresh))
    if released:
        await announce_stock_rise(
            context, fresh.model.id, by=admin_id(update), update_id=update.update_id
        )


def _page(update: Update, prefix: str) -> int:
    query = update.callback_query
    data = query.data if query is not None and query.data is not None else ""
    return int(data.removeprefix(prefix)) if data.startswith(prefix) else 0


def _entry(context: BotContext, t: Translator, view: OrderView, *, with_status: bool) -> Entry:
    order = view.order
    day = t.date(order.requested_at.astimezone(context.settings.zone).date())
    lines = [
        f"<b>{order.reference}</b> · {esc(view.buyer_name)} · {day}",
        f"{ordered_quantity(t, order)} · {model_name(t, view.model)}",
    ]
    if with_status:
        lines.append(status_text(t, order))
    button = (f"🔎 {order.reference} · {view.buyer_name}"[:60], f"{OPEN_CARD}{order.id}")
    return Entry("\n".join(lines), button)


async def show_requests(update: Update, context: BotContext) -> None:
    """Show the orders waiting for a decision, oldest first, a page at a time."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    await show(update, context, *await _requests_page(context, _page(update, REQUESTS_PAGE)))


async def _requests_page(context: BotContext, number: int) -> tuple[str, InlineKeyboardMarkup]:
    t, orders = context.t, context.storage.orders
    total = await orders.requested_count()
    rows: list[list[Button]] = []
    if total == 0:
        text = t._("✅ No orders are waiting for a decision.")
    else:
        title = t.ngettext(
            "🧾 <b>{count} order is waiting for a decision</b>",
            "🧾 <b>{count} orders are waiting for a decision</b>",
            total,
        ).format(count=t.number(total))

        def header(page: int, pages: int) -> str:
            where = t._("Oldest first. Page {page} of {pages}.").format(
                page=t.number(page + 1), pages=t.number(pages)
            )
            return f"{title}\n{where}"

        views = await orders.requested(limit=MAX_LISTED)
        entries = [_entry(context, t, view, with_status=False) for view in views]
        pages = paginate(entries, header=header, separator="\n\n", per_page=PAGE_SIZE)
        page = pick(pages, number)
        text = page.text
        rows = [*page.rows, *page_buttons(t, REQUESTS_PAGE, page.number, more=page.more)]
    rows += [[(t._("📦 Open orders"), f"{OPEN_PAGE}0")], [(t._("⬅️ Menu"), MAIN_MENU)]]
    return text, keyboard(rows)


async def show_open(update: Update, context: BotContext) -> None:
    """Show the confirmed orders not yet shipped, with where each stands, oldest first."""
    if not await refuse_unless_admin(update, context):
        return
    t = context.t
    views = await context.storage.orders.open_orders(limit=MAX_LISTED)
    entries = [_entry(context, t, view, with_status=True) for view in views]
    header = t._("📦 <b>Open orders</b>: confirmed, backordered or in a container; oldest first.")
    empty = "" if entries else t._("No open orders.")
    pages = paginate(entries, header=header, footer=empty, separator="\n\n", per_page=PAGE_SIZE)
    page = pick(pages, _page(update, OPEN_PAGE))
    rows = [*page.rows, *page_buttons(t, OPEN_PAGE, page.number, more=page.more)]
    rows += [[(t._("⏳ Waiting for a decision"), ORDERS)], [(t._("⬅️ Menu"), MAIN_MENU)]]
    await answer_button(update)
    await show(update, context, page.text, keyboard(rows))


async def open_card(update: Update, context: BotContext) -> None:
    """Send one order's card from the admins' lists."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is not None:
        await answer_button(update)
        await send_card(update, context, view)


async def redraw_card(update: Update, context: BotContext) -> None:
    """Show the order's card again in place (after "No, keep it")."""
    view = await _tapped_order(update, context, tapped_id(update))
    if view is not None:
        await answer_button(update)
        await show(update, context, *await card_screen(context, context.t, view))


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer an orders button whose step is over; refuse non-admins politely."""
    if await refuse_unless_admin(update, context):
        await answer_button(
            update,
            context.t._("This button is no longer active. Send /menu to start again."),
            alert=True,
        )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the admins' order handlers (/orders itself is routed by handlers.orders.my_orders)."""
    return [
        CallbackQueryHandler(show_requests, pattern=rf"^(?:{ORDERS}|{REQUESTS_PAGE}[0-9]{{1,6}})$"),
        CallbackQueryHandler(show_open, pattern=rf"^{OPEN_PAGE}[0-9]{{1,6}}$"),
        CallbackQueryHandler(open_card, pattern=rf"^{OPEN_CARD}{ID}$"),
        CallbackQueryHandler(confirm_all, pattern=rf"^{CONFIRM}{ID}$"),
        CallbackQueryHandler(confirm_part, pattern=PART_PATTERN),
        CallbackQueryHandler(confirm_backorder, pattern=rf"^{BACKORDER}{ID}$"),
        CallbackQueryHandler(decline, pattern=rf"^{DECLINE}{ID}$"),
        CallbackQueryHandler(redraw_card, pattern=rf"^{CARD}{ID}$"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^{CANCEL_ASK}{ID}$"),
        CallbackQueryHandler(confirm_cancel, pattern=rf"^{CANCEL_YES}{ID}$"),
        # Any other ordadm: button: a step that is over, or tampered data.
        CallbackQueryHandler(stale_button, pattern="^ordadm:"),
    ]
