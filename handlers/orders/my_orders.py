"""A buyer's orders and where each stands; one not yet in a container can be cancelled."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.catalogue.prices import price_lines
from handlers.catalogue.stock_news import announce_stock_rise
from handlers.common import (
    Button,
    answer_button,
    answer_or_reply,
    esc,
    keyboard,
    show,
    translator_for,
)
from handlers.members.menu import BROWSE, MAIN_MENU, MY_ORDERS, PRIVATE, membership_inactive
from handlers.notices import notify
from handlers.orders import decisions
from handlers.orders.cards import refresh_copies
from handlers.orders.screens import Rates, amount_line, ordered_quantity, status_text
from handlers.pages import MAX_LISTED, Entry, newer_older, page_holding, paginate
from handlers.reports.my_reports import drum_count
from storage.models.containers import container_reference
from storage.models.members import Member, MemberStatus, Role
from storage.models.orders import Order, OrderOutcome, OrderStatus, OrderView

PAGE_PREFIX = "ord:mine:"
SEE = "ord:see:"
CANCEL_ASK = "ord:x:"
CANCEL_YES = "ord:xy:"
ID = r"[0-9]{1,18}"
PAGE_SIZE = 5


def _buyer(context: BotContext) -> Member | None:
    member = context.member
    if member is None or member.role is not Role.BUYER or context.is_admin:
        return None
    return member


def _refusal(t: Translator, context: BotContext) -> str:
    if context.is_admin:
        return t._("Buyers see their own orders here. As an admin, use /orders.")
    if context.member is None:
        return t._("Only registered buyers have orders. Send /start to open a buyer account.")
    return t._("Orders are for buyers. Send /menu to see what you can do.")


def _not_yours(t: Translator) -> str:
    return t._("Sorry, there is no such order of yours.")


def _what_changed(t: Translator, order: Order) -> str:
    """Say why an order can no longer be cancelled."""
    values = {"reference": order.reference}
    container = container_reference(order.container_id or 0)
    if order.status is OrderStatus.IN_CONTAINER:
        return t._(
            "Order {reference} is now in container {container}; it can no longer be cancelled."
        ).format(container=container, **values)
    if order.status is OrderStatus.SHIPPED:
        return t._(
            "Order {reference} was shipped in container {container}; it can no longer be cancelled."
        ).format(container=container, **values)
    if order.status is OrderStatus.DECLINED:
        return t._("Order {reference} was declined, so there is nothing to cancel.").format(
            **values
        )
    return t._("Order {reference} is already cancelled.").format(**values)


async def orders_command(update: Update, context: BotContext) -> None:
    """Show admins the orders to decide and the open ones; show a buyer their own orders."""
    if context.is_admin:
        await decisions.show_requests(update, context)
    else:
        await list_orders(update, context)


async def list_orders(update: Update, context: BotContext) -> None:
    """Show one page of the buyer's orders, newest first."""
    member = _buyer(context)
    if member is None:
        await answer_or_reply(update, context, _refusal(context.t, context))
        return
    query = update.callback_query
    offset = 0
    if query is not None and query.data and query.data.startswith(PAGE_PREFIX):
        offset = int(query.data.removeprefix(PAGE_PREFIX))
    await answer_button(update)
    await show(update, context, *await _page(context, member, offset))


async def _page(
    context: BotContext, member: Member, offset: int
) -> tuple[str, InlineKeyboardMarkup]:
    t, orders = context.t, context.storage.orders
    views = await orders.for_buyer(member.id, limit=MAX_LISTED)
    menu: Button = (t._("⬅️ Menu"), MAIN_MENU)
    if offset >= len(views):
        if offset:
            return t._("No older orders."), keyboard([[(t._("🧾 My orders"), MY_ORDERS)], [menu]])
        text = t._("You have no orders yet. Choose drums in the catalogue and tap Order.")
        return text, keyboard([[(t._("🪘 Catalogue"), BROWSE)], [menu]])
    rates = await context.storage.exchange_rates.all()
    title = t._("🧾 <b>My orders</b>")

    def header(page: int, pages: int) -> str:
        where = t._("Newest first. Page {page} of {pages}.").format(
            page=t.number(page + 1), pages=t.number(pages)
        )
        return f"{title}\n{where}"

    entries = [_entry(context, t, view, rates) for view in views]
    pages = paginate(entries, header=header, separator="\n\n", per_page=PAGE_SIZE)
    page = page_holding(pages, offset)
    rows = [*page.rows, *newer_older(t, PAGE_PREFIX, pages, page), [menu]]
    return page.text, keyboard(rows)


def _entry(context: BotContext, t: Translator, view: OrderView, rates: Rates) -> Entry:
    order = view.order
    day = t.date(order.requested_at.astimezone(context.settings.zone).date())
    text = "\n".join(
        [
            f"<b>{order.reference}</b> · {day}",
            model_name(t, view.model),
            f"{ordered_quantity(t, order)} · {price_lines(t, order.amount, rates)}",
            status_text(t, order),
        ]
    )
    label = f"🔎 {order.reference} · {drum_count(t, order.quantity)}"
    return Entry(text, (label, f"{SEE}{order.id}"))


async def _own_order(
    update: Update, context: BotContext, prefix: str, *, changing: bool = False
) -> OrderView | None:
    """The order the button names, if it is the sender's; otherwise refuse, revealing nothing."""
    member = _buyer(context)
    if member is None:
        await answer_or_reply(update, context, _refusal(context.t, context))
        return None
    if changing and member.status is not MemberStatus.ACTIVE:
        # A deactivated buyer still sees their orders but no longer changes them.
        await answer_or_reply(update, context, membership_inactive(context.t))
        return None
    query = update.callback_query
    assert query is not None and query.data is not None
    view = await context.storage.orders.view(int(query.data.removeprefix(prefix)))
    if view is None or view.order.buyer_id != member.id:
        await answer_button(update, _not_yours(context.t), alert=True)
        return None
    return view


async def show_order(update: Update, context: BotContext) -> None:
    """Show one of the buyer's orders in full, with Cancel while it can be cancelled."""
    view = await _own_order(update, context, SEE)
    if view is not None:
        await answer_button(update)
        await show(update, context, *await _detail(context, view))


async def _detail(context: BotContext, view: OrderView) -> tuple[str, InlineKeyboardMarkup]:
    t, order = context.t, view.order
    rates = await context.storage.exchange_rates.all()
    day = t.date(order.requested_at.astimezone(context.settings.zone).date())
    lines = [
        t._("🧾 <b>Order {reference}</b>").format(reference=order.reference),
        t._("Ordered on {date}").format(date=day),
        t._("Model: {model}").format(model=f"<b>{model_name(t, view.model)}</b>"),
        t._("Quantity: {drums}").format(drums=ordered_quantity(t, order)),
        amount_line(t, order, rates),
        t._("Note: {note}").format(note=f"<i>{esc(order.note)}</i>" if order.note else "—"),
        t._("Status: {status}").format(status=status_text(t, order)),
    ]
    rows: list[list[Button]] = []
    if order.cancellable:
        rows.append([(t._("✖️ Cancel this order"), f"{CANCEL_ASK}{order.id}")])
    rows += [[(t._("🧾 My orders"), MY_ORDERS)], [(t._("⬅️ Menu"), MAIN_MENU)]]
    return "\n".join(lines), keyboard(rows)


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Ask the buyer to confirm cancelling an order, saying what returns to stock."""
    view = await _own_order(update, context, CANCEL_ASK, changing=True)
    if view is None:
        return
    t, order = context.t, view.order
    if not order.cancellable:
        await answer_button(update, _what_changed(t, order), alert=True)
        await show(update, context, *await _detail(context, view))
        return
    if order.reserved:
        question = t.ngettext(
            "Cancel order {reference}? {count} reserved drum returns to stock.",
            "Cancel order {reference}? {count} reserved drums return to stock.",
            order.reserved,
        ).format(reference=order.reference, count=t.number(order.reserved))
    else:
        question = t._("Cancel order {reference}? {drums} of {model}.").format(
            reference=order.reference,
            drums=ordered_quantity(t, order),
            model=model_name(t, view.model),
        )
    buttons = [
        [(t._("✖️ Yes, cancel it"), f"{CANCEL_YES}{order.id}")],
        [(t._("↩️ No, keep it"), f"{SEE}{order.id}")],
    ]
    await answer_button(update)
    await show(update, context, question, keyboard(buttons))


async def confirm_cancel(update: Update, context: BotContext) -> None:
    """Cancel the buyer's own order if it is not in a container yet; say what happened."""
    view = await _own_order(update, context, CANCEL_YES, changing=True)
    member, user = context.member, update.effective_user
    if view is None or member is None or user is None:
        return
    t = context.t
    change = await context.storage.orders.cancel(
        view.order.id, buyer_id=member.id, by=user.id, update_id=update.update_id
    )
    fresh = await context.storage.orders.view(view.order.id)
    if change.outcome in (OrderOutcome.NOT_FOUND, OrderOutcome.NOT_YOURS) or fresh is None:
        await answer_button(update, _not_yours(t), alert=True)
        return
    if change.outcome is not OrderOutcome.DONE:
        await answer_button(update, _what_changed(t, fresh.order), alert=True)
        await show(update, context, *await _detail(context, fresh))
        return
    await answer_button(
        update, t._("{reference} cancelled.").format(reference=fresh.order.reference)
    )
    await show(update, context, *await _detail(context, fresh))
    await refresh_copies(context, fresh)
    if view.order.decided_by is not None:
        await _tell_admins(context, view)
    if change.released:
        await announce_stock_rise(context, fresh.model.id, by=user.id, update_id=update.update_id)


async def _tell_admins(context: BotContext, view: OrderView) -> None:
    """Tell the admins that a buyer cancelled an order they had confirmed."""
    for chat_id in context.settings.admin_ids:
        t = await translator_for(context.storage, context.settings.default_locale, chat_id)
        text = t._("↩️ {buyer} cancelled order {reference} ({drums} of {model}).").format(
            buyer=esc(view.buyer_name),
            reference=view.order.reference,
            drums=ordered_quantity(t, view.order),
            model=model_name(t, view.model),
        )
        if view.order.reserved:
            text += "\n" + t.ngettext(
                "{count} reserved drum returned to stock.",
                "{count} reserved drums returned to stock.",
                view.order.reserved,
            ).format(count=t.number(view.order.reserved))
        await notify(context, chat_id, text)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return /orders (both roles) and the buyer's order buttons."""
    return [
        CommandHandler("orders", orders_command, filters=PRIVATE),
        CallbackQueryHandler(list_orders, pattern=rf"^{MY_ORDERS}(?::[0-9]{{1,6}})?$"),
        CallbackQueryHandler(show_order, pattern=rf"^{SEE}{ID}$"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^{CANCEL_ASK}{ID}$"),
        CallbackQueryHandler(confirm_cancel, pattern=rf"^{CANCEL_YES}{ID}$"),
    ]
