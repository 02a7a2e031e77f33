"""A buyer orders drums from a catalogue card: quantity, an optional note, confirm; stored once."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.common import (
    answer_button,
    answer_or_reply,
    clean_text,
    column,
    parse_quantity,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.members.menu import BROWSE, MAIN_MENU, send_menu
from handlers.orders import screens
from handlers.orders.cards import announce_order
from handlers.orders.screens import (
    CHANGE_QUANTITY,
    MAX_NOTE_LENGTH,
    NEW_PREFIX,
    QUANTITY_PREFIX,
    SEND_PREFIX,
    SKIP_NOTE,
    STOP,
    model_gone,
    refusal,
)
from storage.models.offers import Offer
from storage.models.orders import OrderStatus
from storage.orders import (
    ModelNotOrderableError,
    NotAnActiveBuyerError,
    TooManyWaitingOrdersError,
)

QUANTITY, NOTE, CONFIRM = "QUANTITY", "NOTE", "CONFIRM"
END = ConversationHandler.END

logger = logging.getLogger(__name__)

ORDERING = Flow(
    draft_key="order",
    busy_text=lambda context: context.t._(
        "You are in the middle of an order. Answer the question above, or send /cancel to stop."
    ),
    finish_first=True,
    send_prefix=SEND_PREFIX,
    sent_key="orders_sent",
)
draft = ORDERING.draft


async def _offer(context: BotContext) -> Offer | None:
    """The drafted model as buyers see it, if it can still be ordered."""
    offer = await context.storage.offers.get(int(draft(context).get("model_id") or 0))
    return offer if offer is not None and offer.model.active else None


async def begin(update: Update, context: BotContext) -> object:
    """Start an order of the card's model for an active buyer; tell anyone else why not."""
    query = update.callback_query
    assert query is not None and query.data is not None
    reason = refusal(context)
    if reason is not None:
        await answer_or_reply(update, context, reason)
        return END
    member, limit = context.member, context.settings.max_waiting_orders
    # Said before the buyer types anything; the Send checks it again as it stores.
    if member is not None and await context.storage.orders.undecided_count(member.id) >= limit:
        await answer_button(update)
        await reply(update, context, *screens.too_many_waiting(context.t, limit))
        return END
    offer = await context.storage.offers.get(int(query.data.removeprefix(NEW_PREFIX)))
    if offer is None or not offer.model.active:
        await answer_button(update, model_gone(context.t), alert=True)
        return END
    ORDERING.start(context)["model_id"] = offer.model.id
    await answer_button(update)
    # A new message: the catalogue card the buyer tapped stays as it was.
    rates = await context.storage.exchange_rates.all()
    await reply(update, context, *screens.quantity_question(context, offer, rates))
    return QUANTITY


async def pick_quantity(update: Update, context: BotContext) -> object:
    """Take the quantity from a quick button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return await _quantity_given(update, context, query.data.removeprefix(QUANTITY_PREFIX))


async def take_quantity(update: Update, context: BotContext) -> object:
    """Take the quantity the buyer typed; anything else is asked again."""
    message = update.message
    return await _quantity_given(update, context, message.text if message else None)


async def _quantity_given(update: Update, context: BotContext, raw: str | None) -> object:
    offer = await _offer(context)
    if offer is None:
        return await _model_gone(update, context)
    quantity = parse_quantity(raw, context.settings.max_order_quantity)
    await answer_button(update)
    if quantity is None:
        await reply(update, context, *screens.quantity_hint(context, offer.available))
        return QUANTITY
    draft(context)["quantity"] = quantity
    await show(update, context, *screens.note_question(context.t))
    return NOTE


async def take_note(update: Update, context: BotContext) -> object:
    """Keep the typed note, one line of at most MAX_NOTE_LENGTH characters."""
    message = update.message
    note = clean_text(message.text if message else None, MAX_NOTE_LENGTH)
    if note is None:
        return await reask_note(update, context)
    draft(context)["note"] = note
    return await show_summary(update, context)


async def skip_note(update: Update, context: BotContext) -> object:
    """Go on without a note."""
    draft(context)["note"] = None
    return await show_summary(update, context)


async def reask_note(update: Update, context: BotContext) -> object:
    """Tell the buyer what the note step takes."""
    await reply(update, context, *screens.note_question(context.t, again=True))
    return NOTE


async def change_quantity(update: Update, context: BotContext) -> object:
    """Ask for the quantity again, keeping the model."""
    offer = await _offer(context)
    if offer is None:
        return await _model_gone(update, context)
    await answer_button(update)
    rates = await context.storage.exchange_rates.all()
    await show(update, context, *screens.quantity_question(context, offer, rates))
    return QUANTITY


async def show_summary(update: Update, context: BotContext) -> object:
    """Show the order to check, with Send, Change the quantity and Cancel."""
    data = draft(context)
    quantity, key, note = data.get("quantity"), data.get("key"), data.get("note")
    if not isinstance(quantity, int) or not isinstance(key, str):
        return await _lost_draft(update, context)
    offer = await _offer(context)
    if offer is None:
        return await _model_gone(update, context)
    rates = await context.storage.exchange_rates.all()
    screen = screens.summary(context.t, offer, quantity, note, key, rates)
    await answer_button(update)
    await show(update, context, *screen)
    return CONFIRM


async def send(update: Update, context: BotContext) -> object:
    """Record the order once, give the buyer its reference and send it to the admins."""
    key = await ORDERING.own_send(update, context, already_sent)
    data = draft(context)
    if key is None:
        # An older order's Send: stay with the draft in progress, if there is one.
        return CONFIRM if data.get("key") else END
    member = context.member
    model_id, quantity = data.get("model_id"), data.get("quantity")
    if member is None or not isinstance(model_id, int) or not isinstance(quantity, int):
        return await _lost_draft(update, context)
    try:
        order, _ = await context.storage.orders.create(
            member.id,
            model_id,
            quantity,
            note=data.get("note"),
            client_key=key,
            max_waiting=context.settings.max_waiting_orders,
        )
    except TooManyWaitingOrdersError as error:
        refused = screens.too_many_waiting(context.t, error.limit)
        return await ORDERING.leave(update, context, *refused)
    except NotAnActiveBuyerError:
        ORDERING.discard(context)
        await answer_or_reply(update, context, refusal(context) or model_gone(context.t))
        return END
    except ModelNotOrderableError:
        return await _model_gone(update, context)
    return await ORDERING.stored(update, context, key, order.id, _show_sent)


async def _show_sent(update: Update, context: BotContext, order_id: int) -> None:
    """Show the sent order's reference; make sure the admins have it."""
    view = await context.storage.orders.view(order_id)
    if view is None:
        return
    try:
        rates = await context.storage.exchange_rates.all()
        await show(update, context, *screens.sent(context.t, view, rates))
    finally:
        # The admins get the order even when the buyer's answer failed. One whose
        # announcement was cut short (a crash) is announced when its Send comes again; one the
        # admins already have is not sent twice.
        waiting = view.order.status is OrderStatus.REQUESTED
        if waiting and not await context.storage.orders.messages(order_id):
            await announce_order(context, view)


async def already_sent(update: Update, context: BotContext) -> None:
    """Answer a Send tapped again: name the order it made, or say it was not sent."""
    await ORDERING.repeated_send(
        update,
        context,
        context.storage.orders.get,
        context.t._("This order was not sent: it was cancelled or started again."),
        _show_sent,
    )


async def _model_gone(update: Update, context: BotContext) -> object:
    ORDERING.discard(context)
    t = context.t
    await answer_button(update, model_gone(t), alert=True)
    text = t._(
        "This model is no longer in the catalogue, so it cannot be ordered. Nothing was sent. "
        "Please choose another model."
    )
    await show(
        update, context, text, column([(t._("🪘 Catalogue"), BROWSE), (t._("⬅️ Menu"), MAIN_MENU)])
    )
    return END


async def _lost_draft(update: Update, context: BotContext) -> object:
    text = context.t._(
        "Something is missing from this order. Please start again from the catalogue."
    )
    markup = column([(context.t._("🪘 Catalogue"), BROWSE)])
    return await ORDERING.leave(update, context, text, markup)


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the order, sending nothing, and show the menu."""
    await ORDERING.leave(update, context, context.t._("Order cancelled. Nothing was sent."))
    return await send_menu(update, context)


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent order conversation."""
    not_command = ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        QUANTITY: [
            CallbackQueryHandler(pick_quantity, pattern=rf"^{QUANTITY_PREFIX}[0-9]{{1,7}}$"),
            MessageHandler(not_command, take_quantity),
        ],
        NOTE: [
            CallbackQueryHandler(skip_note, pattern=f"^{SKIP_NOTE}$"),
            CommandHandler("skip", skip_note),
            MessageHandler(filters.TEXT & not_command, take_note),
            MessageHandler(not_command, reask_note),
        ],
        CONFIRM: [
            CallbackQueryHandler(send, pattern=ORDERING.send_pattern),
            CallbackQueryHandler(change_quantity, pattern=f"^{CHANGE_QUANTITY}$"),
            MessageHandler(not_command, show_summary),
        ],
    }
    return ORDERING.conversation(
        "ordering",
        entry_points=[CallbackQueryHandler(begin, pattern=rf"^{NEW_PREFIX}[0-9]{{1,9}}$")],
        states=states,
        cancel=cancel,
        cancel_data=STOP,
        also=[CallbackQueryHandler(already_sent, pattern=ORDERING.send_pattern)],
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the order conversation and the answer to a Send tapped after it ended."""
    return [conversation(), CallbackQueryHandler(already_sent, pattern=ORDERING.send_pattern)]
