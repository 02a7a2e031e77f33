"""The order card admins decide on, kept up to date on every copy; what the buyer is told."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.catalogue.drums import model_name
from handlers.common import Button, answer_button, esc, keyboard, translator_for
from handlers.notices import edit_copy, notify, revise_queued_copies
from handlers.orders.screens import (
    Rates,
    amount_line,
    available_line,
    ordered_quantity,
    status_text,
)
from handlers.papers.screens import proforma_button
from handlers.reports.my_reports import drum_count
from handlers.reports.review_cards import MAX_ANSWER_LENGTH, admin_name
from storage.models.containers import container_reference
from storage.models.orders import OrderStatus, OrderView

CONFIRM = "ordadm:ok:"
CONFIRM_PART = "ordadm:part:"
BACKORDER = "ordadm:bo:"
DECLINE = "ordadm:no:"
CANCEL_ASK = "ordadm:x:"
CANCEL_YES = "ordadm:xy:"
CARD = "ordadm:card:"
# An admin may cancel these; a requested order is declined instead.
ADMIN_CANCELLABLE = (OrderStatus.CONFIRMED, OrderStatus.BACKORDERED)

Screen = tuple[str, InlineKeyboardMarkup | None]


def request_card(context: BotContext, t: Translator, view: OrderView, available: int | None) -> str:
    """What an admin reads about an order: buyer, model, quantity, price, note, stock, date."""
    order = view.order
    buyer = ", ".join(esc(part) for part in (view.buyer_company, view.buyer_country) if part)
    requested_on = order.requested_at.astimezone(context.settings.zone).date()
    lines = [
        t._("🧾 <b>Order {reference}</b>").format(reference=order.reference),
        t._("Buyer: {name} ({details})").format(name=esc(view.buyer_name), details=buyer or "—"),
        t._("Model: {model} ({code})").format(
            model=model_name(t, view.model), code=view.model.code
        ),
        t.ngettext("Quantity: {count} drum", "Quantity: {count} drums", order.quantity).format(
            count=t.number(order.quantity)
        ),
        t._("Price: {unit} each · total {total}").format(
            unit=t.rupiah(order.unit_price), total=t.rupiah(order.unit_price * order.quantity)
        ),
    ]
    if order.note:
        lines.append(t._("Note: {note}").format(note=f"<i>{esc(order.note)}</i>"))
    if available is not None:
        lines.append(available_line(t, available))
    lines.append(t._("Requested on {date}").format(date=t.date(requested_on)))
    return "\n".join(lines)


def decision_buttons(t: Translator, view: OrderView, available: int) -> InlineKeyboardMarkup:
    """Confirm from stock, confirm the part available, confirm with a backorder, or decline."""
    order_id, quantity = view.order.id, view.order.quantity
    decline: list[Button] = [(t._("❌ Decline"), f"{DECLINE}{order_id}")]
    if available >= quantity:
        return keyboard([[(t._("✅ Confirm"), f"{CONFIRM}{order_id}"), *decline]])
    backorder = (t._("📋 Confirm as backorder"), f"{BACKORDER}{order_id}")
    if available <= 0:
        return keyboard([[backorder], decline])
    part = t._("✅ Confirm the {count} available").format(count=t.number(available))
    rest = t._("📋 Confirm all, {count} as backorder").format(count=t.number(quantity - available))
    return keyboard(
        [
            [(part, f"{CONFIRM_PART}{order_id}:{available}")],
            [(rest, f"{BACKORDER}{order_id}")],
            decline,
        ]
    )


# Orders a proforma invoice is for: confirmed, and neither declined nor cancelled.
INVOICED = frozenset(
    {OrderStatus.CONFIRMED, OrderStatus.BACKORDERED, OrderStatus.IN_CONTAINER, OrderStatus.SHIPPED}
)


def cancel_buttons(t: Translator, view: OrderView) -> InlineKeyboardMarkup | None:
    """An admin's buttons on a decided order: its proforma once confirmed, Cancel while open."""
    rows: list[list[Button]] = []
    if view.order.status in INVOICED:
        rows.append([proforma_button(t, view.order.id)])
    if view.order.status in ADMIN_CANCELLABLE:
        rows.append([(t._("✖️ Cancel this order"), f"{CANCEL_ASK}{view.order.id}")])
    return keyboard(rows) if rows else None


def cancelled_by_buyer(view: OrderView) -> bool:
    """Whether the buyer, not an admin, cancelled the order."""
    return view.order.closed_by == view.buyer_telegram_id


async def decided_card(context: BotContext, t: Translator, view: OrderView) -> str:
    """The card once decided: who confirmed or declined it, where it stands, who cancelled it."""
    order = view.order
    lines: list[str] = []
    if order.decided_by is not None:
        admin = esc(await admin_name(context, order.decided_by))
        if order.status is OrderStatus.DECLINED:
            lines.append(t._("❌ Declined by {admin}").format(admin=admin))
        else:
            lines.append(
                t._("✅ Confirmed by {admin}: {drums}").format(
                    admin=admin, drums=ordered_quantity(t, order)
                )
            )
    if order.status is OrderStatus.CANCELLED:
        if cancelled_by_buyer(view):
            lines.append(t._("↩️ Cancelled by the buyer"))
        else:
            admin = esc(await admin_name(context, order.closed_by))
            lines.append(t._("✖️ Cancelled by {admin}").format(admin=admin))
    elif order.status is not OrderStatus.DECLINED:
        lines.append(t._("Now: {status}").format(status=status_text(t, order)))
    return request_card(context, t, view, None) + "\n\n" + "\n".join(lines)


async def what_changed(context: BotContext, t: Translator, view: OrderView) -> str:
    """Say, in plain text for an alert, how an order moved on since its buttons were shown."""
    order = view.order
    values = {"reference": order.reference}
    if order.status is OrderStatus.CANCELLED:
        if cancelled_by_buyer(view):
            return t._("The buyer cancelled order {reference}.").format(**values)
        admin = await admin_name(context, order.closed_by)
        return t._("Order {reference} was cancelled by {admin}.").format(admin=admin, **values)
    container = container_reference(order.container_id or 0)
    if order.status is OrderStatus.IN_CONTAINER:
        return t._(
            "Order {reference} is now in container {container}; it can no longer be cancelled."
        ).format(container=container, **values)
    if order.status is OrderStatus.SHIPPED:
        return t._("Order {reference} was shipped in container {container}.").format(
            container=container, **values
        )
    if order.status is OrderStatus.REQUESTED:
        return t._(
            "Order {reference} is still waiting for a decision: confirm or decline it."
        ).format(**values)
    admin = await admin_name(context, order.decided_by)
    if order.status is OrderStatus.DECLINED:
        return t._("Order {reference} was already declined by {admin}.").format(
            admin=admin, **values
        )
    return t._("Order {reference} was already confirmed by {admin}: {status}.").format(
        admin=admin, status=status_text(t, order), **values
    )


def buyer_decision(t: Translator, view: OrderView, rates: Rates) -> str:
    """Tell the buyer what the cooperative decided on their order, in their language."""
    order = view.order
    values = {"reference": order.reference, "model": model_name(t, view.model)}
    if order.status is OrderStatus.DECLINED:
        return t._(
            "❌ Sorry, your order {reference} ({drums} of {model}) was declined. "
            "For questions, please contact the cooperative."
        ).format(drums=drum_count(t, order.quantity), **values)
    confirmed = order.confirmed or 0
    if order.status is OrderStatus.BACKORDERED:
        lines = [
            t._("📋 Your order {reference} is confirmed: {drums} of {model}.").format(
                drums=drum_count(t, confirmed), **values
            )
        ]
        if order.reserved:
            lines.append(
                t._(
                    "{reserved} are reserved for you now; {outstanding} will be made for you."
                ).format(reserved=t.number(order.reserved), outstanding=t.number(order.outstanding))
            )
        else:
            lines.append(
                t._("None are in stock now: all {outstanding} will be made for you.").format(
                    outstanding=t.number(order.outstanding)
                )
            )
        lines.append(t._("I will tell you as they are ready."))
    elif confirmed < order.quantity:
        lines = [
            t._(
                "✅ Your order {reference} is partly confirmed: {confirmed} of {count} drums of "
                "{model} are reserved for you."
            ).format(confirmed=t.number(confirmed), count=t.number(order.quantity), **values),
            t.ngettext(
                "The other {count} drum could not be confirmed.",
                "The other {count} drums could not be confirmed.",
                order.quantity - confirmed,
            ).format(count=t.number(order.quantity - confirmed)),
        ]
    else:
        lines = [
            t.ngettext(
                "✅ Your order {reference} is confirmed: {count} drum of {model} is reserved "
                "for you.",
                "✅ Your order {reference} is confirmed: {count} drums of {model} are reserved "
                "for you.",
                confirmed,
            ).format(count=t.number(confirmed), **values)
        ]
    lines.append(amount_line(t, order, rates))
    return "\n".join(lines)


def buyer_cancelled(t: Translator, view: OrderView) -> str:
    """Tell the buyer the cooperative cancelled their order."""
    return t._(
        "✖️ The cooperative cancelled your order {reference} ({drums} of {model}). "
        "For questions, please contact the cooperative."
    ).format(
        reference=view.order.reference,
        drums=ordered_quantity(t, view.order),
        model=model_name(t, view.model),
    )


async def available(context: BotContext, view: OrderView) -> int:
    """The drums of the order's model available now."""
    offer = await context.storage.offers.get(view.model.id)
    return 0 if offer is None else offer.available


async def card_screen(context: BotContext, t: Translator, view: OrderView) -> Screen:
    """An order's card for an admin: decisions while requested, else what was decided."""
    if view.order.status is OrderStatus.REQUESTED:
        stock = await available(context, view)
        return request_card(context, t, view, stock), decision_buttons(t, view, stock)
    return await decided_card(context, t, view), cancel_buttons(t, view)


async def announce_order(context: BotContext, view: OrderView) -> None:
    """Send every admin the new order request with the decisions that fit the stock."""
    storage = context.storage
    for chat_id in context.settings.admin_ids:
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        text, markup = await card_screen(context, t, view)
        await notify(
            context, chat_id, text, reply_markup=markup, copy_of=copy_name("order", view.order.id)
        )


async def send_card(update: Update, context: BotContext, view: OrderView) -> None:
    """Send an admin one order's card as a new message; it is kept up to date from then on."""
    chat = update.effective_chat
    if chat is None:
        return
    text, markup = await card_screen(context, context.t, view)
    sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
    await context.storage.orders.add_message(view.order.id, chat.id, sent.message_id)


async def refresh_copies(
    context: BotContext, view: OrderView, only: tuple[int, int] | None = None
) -> None:
    """Show the order as it stands now on every admin's copy of its card (or on one)."""
    storage = context.storage

    async def render(t: Translator) -> Screen:
        return await card_screen(context, t, view)

    if only is None:
        await revise_queued_copies(context, copy_name("order", view.order.id), render)
    for chat_id, message_id in await storage.orders.messages(view.order.id):
        if only is not None and (chat_id, message_id) != only:
            continue
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        text, markup = await render(t)
        await edit_copy(context, chat_id, message_id, text, markup)


async def tell_buyer(
    context: BotContext, view: OrderView, text_for: Callable[[Translator], str]
) -> None:
    """Send the buyer the message `text_for` writes in their language."""
    chat_id = view.buyer_telegram_id
    t = await translator_for(context.storage, context.settings.default_locale, chat_id)
    await notify(context, chat_id, text_for(t))


async def tell_unknown_order(update: Update, context: BotContext) -> None:
    """Answer an order id that does not exist (tampered or mistyped)."""
    await answer_button(update, context.t._("This order does not exist."), alert=True)


async def tell_changed(update: Update, context: BotContext, view: OrderView) -> None:
    """Say how the order moved on since its buttons were shown; refresh the tapped copy."""
    text = await what_changed(context, context.t, view)
    await answer_button(update, text[:MAX_ANSWER_LENGTH], alert=True)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await refresh_copies(context, view, only=(query.message.chat.id, query.message.message_id))
