"""What buyers read about orders: the ordering steps, where an order stands, and its price."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.catalogue.prices import price_lines
from handlers.common import Button, column, esc, keyboard
from handlers.members.menu import BROWSE, MAIN_MENU, MY_ORDERS
from handlers.reports.my_reports import drum_count
from storage.models.catalogue import DrumModel
from storage.models.containers import container_reference
from storage.models.exchange_rates import Currency, ExchangeRate
from storage.models.members import MemberStatus, Role
from storage.models.offers import Offer
from storage.models.orders import Order, OrderStatus, OrderView

NEW_PREFIX = "ord:new:"
QUANTITY_PREFIX = "ord:q:"
SKIP_NOTE = "ord:skip"
SEND_PREFIX = "ord:ok:"
CHANGE_QUANTITY = "ord:again"
STOP = "ord:stop"

QUICK_QUANTITIES = (10, 50, 100, 500, 3500)
MAX_NOTE_LENGTH = 200

Screen = tuple[str, InlineKeyboardMarkup]
Rates = dict[Currency, ExchangeRate]


def refusal(context: BotContext) -> str | None:
    """Say why this person may not order drums; None for an active buyer."""
    t, member = context.t, context.member
    if context.is_admin:
        return t._("Buyers order drums here. As an admin, you confirm their orders with /orders.")
    if member is None:
        return t._("Only registered buyers can order drums. Send /start to open a buyer account.")
    if member.role is not Role.BUYER:
        return t._("Ordering drums is for buyers. Send /menu to see what you can do.")
    if member.status is MemberStatus.PENDING:
        return t._(
            "Your buyer account is still waiting for an admin's approval. "
            "You can order drums once it is approved."
        )
    if member.status is MemberStatus.REJECTED:
        return t._(
            "Your registration was not approved, so you cannot order drums. "
            "You can register again with /start."
        )
    if member.status is MemberStatus.DEACTIVATED:
        return t._(
            "Your account is not active, so you cannot order drums. "
            "Please contact the cooperative's admin."
        )
    return None


def model_gone(t: Translator) -> str:
    """Say that a model can no longer be ordered."""
    return t._("This model is no longer in the catalogue, so it cannot be ordered.")


def too_many_waiting(t: Translator, limit: int) -> Screen:
    """Say that the buyer has as many undecided orders as one may, and what to do."""
    text = t.ngettext(
        "⏳ A buyer can have at most {count} order waiting for the cooperative's decision; one "
        "you cancel before a decision still counts for 24 hours. You have reached that, so a "
        "new order cannot be sent now. Please wait until an admin confirms or declines your "
        "order, or try again tomorrow.",
        "⏳ A buyer can have at most {count} orders waiting for the cooperative's decision; "
        "those you cancel before a decision still count for 24 hours. You have reached that, so "
        "a new order cannot be sent now. Please wait until an admin confirms or declines one of "
        "your orders, or try again tomorrow.",
        limit,
    ).format(count=t.number(limit))
    return text, column([(t._("🧾 My orders"), MY_ORDERS), (t._("⬅️ Menu"), MAIN_MENU)])


def cancel_button(t: Translator) -> Button:
    """The button that leaves the order at any step."""
    return (t._("✖️ Cancel"), STOP)


def ordered_quantity(t: Translator, order: Order) -> str:
    """How many drums: "50 drums", or "30 of 50 drums" when fewer were confirmed."""
    if order.confirmed is not None and order.confirmed != order.quantity:
        return t._("{confirmed} of {count} drums").format(
            confirmed=t.number(order.confirmed), count=t.number(order.quantity)
        )
    return drum_count(t, order.quantity)


def status_text(t: Translator, order: Order) -> str:
    """Where an order stands, in words, with what is reserved and what is still to be made."""
    status = order.status
    if status is OrderStatus.REQUESTED:
        return t._("⏳ waiting for the cooperative's confirmation")
    if status is OrderStatus.CONFIRMED:
        return t.ngettext(
            "✅ confirmed: {count} drum reserved",
            "✅ confirmed: {count} drums reserved",
            order.reserved,
        ).format(count=t.number(order.reserved))
    if status is OrderStatus.BACKORDERED:
        return t._("📋 backordered: {reserved} reserved, {outstanding} to be made").format(
            reserved=t.number(order.reserved), outstanding=t.number(order.outstanding)
        )
    container = container_reference(order.container_id or 0)
    if status is OrderStatus.IN_CONTAINER:
        text = t._("🚢 in container {container}").format(container=container)
        if order.outstanding:
            text += t._(", {outstanding} still to be made").format(
                outstanding=t.number(order.outstanding)
            )
        return text
    if status is OrderStatus.SHIPPED:
        return t._("🚢 shipped in container {container}").format(container=container)
    if status is OrderStatus.DECLINED:
        return t._("❌ declined")
    return t._("✖️ cancelled")


def amount_line(t: Translator, order: Order, rates: Rates) -> str:
    """The unit price and the order's value, in Rupiah and the currencies an admin set."""
    return t._("{unit} each · total {total}").format(
        unit=price_lines(t, order.unit_price, rates), total=price_lines(t, order.amount, rates)
    )


def available_line(t: Translator, available: int) -> str:
    """How many drums of the model are available now."""
    return t.ngettext(
        "Available now: {count} drum", "Available now: {count} drums", available
    ).format(count=t.number(available))


def quantity_keyboard(context: BotContext, available: int) -> InlineKeyboardMarkup:
    """Quick quantities up to the maximum (and all that is available), and Cancel."""
    t = context.t
    maximum = context.settings.max_order_quantity
    amounts = [n for n in QUICK_QUANTITIES if n <= maximum]
    rows: list[list[Button]] = [[(t.number(n), f"{QUANTITY_PREFIX}{n}") for n in amounts]]
    if 0 < available <= maximum and available not in amounts:
        label = t._("All {count} available").format(count=t.number(available))
        rows.append([(label, f"{QUANTITY_PREFIX}{available}")])
    rows.append([cancel_button(t)])
    return keyboard(rows)


def quantity_question(context: BotContext, offer: Offer, rates: Rates) -> Screen:
    """The quantity step: the model, its price, what is available, and the quick quantities."""
    t = context.t
    lines = [
        t._("🧾 <b>1/3</b> Order: <b>{model}</b>").format(model=model_name(t, offer.model)),
        t._("Price: {price} each").format(price=price_lines(t, offer.model.buyer_price, rates)),
        available_line(t, offer.available),
        "",
        t._("How many drums? Tap a number or type it (1 to {max}).").format(
            max=t.number(context.settings.max_order_quantity)
        ),
    ]
    return "\n".join(lines), quantity_keyboard(context, offer.available)


def quantity_hint(context: BotContext, available: int) -> Screen:
    """What the quantity step accepts, for an answer it could not take."""
    t = context.t
    text = t._("Please send a whole number of drums from 1 to {max}, for example 100.").format(
        max=t.number(context.settings.max_order_quantity)
    )
    return text, quantity_keyboard(context, available)


def note_question(t: Translator, *, again: bool = False) -> Screen:
    """The optional note, or its reminder when the answer could not be taken."""
    if again:
        text = t._(
            "Please write the note as one text of up to {max} characters, or tap Skip."
        ).format(max=MAX_NOTE_LENGTH)
    else:
        text = t._(
            "🧾 <b>2/3</b> Anything the cooperative should know (packing, colours, a date)? "
            "Type a short note, or tap Skip."
        )
    return text, keyboard([[(t._("⏭️ Skip"), SKIP_NOTE), cancel_button(t)]])


def summary(
    t: Translator,
    offer: Offer,
    quantity: int,
    note: str | None,
    key: str,
    rates: Rates,
) -> Screen:
    """The order to check before sending: model, quantity, prices, stock and the note."""
    model: DrumModel = offer.model
    lines = [
        t._("🧾 <b>3/3</b> Please check your order:"),
        t._("Model: {model}").format(model=f"<b>{model_name(t, model)}</b> ({model.code})"),
        t.ngettext("Quantity: {count} drum", "Quantity: {count} drums", quantity).format(
            count=f"<b>{t.number(quantity)}</b>"
        ),
        t._("Unit price: {price}").format(price=price_lines(t, model.buyer_price, rates)),
        t._("Total: {total}").format(
            total=f"<b>{price_lines(t, model.buyer_price * quantity, rates)}</b>"
        ),
        available_line(t, offer.available),
        t._("Note: {note}").format(note=f"<i>{esc(note)}</i>" if note else "—"),
    ]
    if quantity > offer.available:
        lines += [
            "",
            t._(
                "That is more than is available now: the admins may confirm part of it, "
                "or have the rest made for you."
            ),
        ]
    markup = column(
        [
            (t._("✅ Send order"), f"{SEND_PREFIX}{key}"),
            (t._("✏️ Change the quantity"), CHANGE_QUANTITY),
            cancel_button(t),
        ]
    )
    return "\n".join(lines), markup


def sent(t: Translator, view: OrderView, rates: Rates) -> Screen:
    """The order's reference and what happens next."""
    order = view.order
    text = t._(
        "✅ Order sent: <b>{reference}</b>\n{drums}: {model}\n{amount}\n\n"
        "The cooperative's admins will confirm it and I will tell you here. "
        "Until then you can cancel it in My orders."
    ).format(
        reference=order.reference,
        drums=drum_count(t, order.quantity),
        model=model_name(t, view.model),
        amount=amount_line(t, order, rates),
    )
    return text, column(
        [
            (t._("🧾 My orders"), MY_ORDERS),
            (t._("🪘 Catalogue"), BROWSE),
            (t._("⬅️ Menu"), MAIN_MENU),
        ]
    )
