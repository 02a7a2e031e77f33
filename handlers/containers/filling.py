"""Admins put a buyer's confirmed orders into an open container, or take them out again."""

from __future__ import annotations

import re
from typing import Protocol

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, keyboard, refuse_unless_admin, show
from handlers.containers.screens import (
    ADD_PATTERN,
    MAX_LISTED_ORDERS,
    PUT,
    PUT_PATTERN,
    TAKE_OUT_PATTERN,
    VIEW,
    buyer_label,
    callback_ids,
    closed_text,
    open_progress,
    order_status_name,
    show_container,
)
from handlers.pages import Entry, first_page
from storage.clock import utc_now
from storage.models.containers import Container, ContainerProgress, ContainerStatus
from storage.models.orders import OrderChange, OrderOutcome


async def choose_orders(update: Update, context: BotContext) -> None:
    """List the buyer's confirmed orders not yet in a container, each a button to put it in."""
    progress = await open_progress(update, context, ADD_PATTERN)
    if progress is None:
        return
    await answer_button(update)
    await _show_choice(update, context, progress)


async def _show_choice(update: Update, context: BotContext, progress: ContainerProgress) -> None:
    t, view = context.t, progress.view
    container = view.container
    waiting = await context.storage.orders.ready_for_container(container.buyer_id)
    room = container.capacity - progress.planned
    lines = [
        t._("\N{HEAVY PLUS SIGN} <b>Add orders to {reference}</b>").format(
            reference=container.reference
        ),
        t._("Buyer: {buyer}").format(buyer=buyer_label(view)),
        t._("Room left: {room} of {capacity}").format(
            room=t.number(room), capacity=t.number(container.capacity)
        ),
        "",
    ]
    entries: list[Entry] = []
    for order_view in waiting:
        order = order_view.order
        count = t.number((order.confirmed or 0) - order.shipped)
        line = t._("• {reference} · {model}: {count}, {ready} ready").format(
            reference=order.reference,
            model=model_name(t, order_view.model),
            count=count,
            ready=t.number(order.reserved),
        )
        label = t._("\N{HEAVY PLUS SIGN} {reference} · {count}").format(
            reference=order.reference, count=count
        )
        entries.append(Entry(line, (label, f"{PUT}{container.id}:{order.id}")))
    if waiting:
        footer = t._("Tap an order to put it in.")
    else:
        footer = t._("This buyer has no confirmed orders waiting for a container.")
    header = "\n".join(lines)
    page = first_page(t, entries, header=header, footer=footer, per_page=MAX_LISTED_ORDERS)
    rows = [*page.rows, [(t._("⬅️ Back to the container"), f"{VIEW}{container.id}")]]
    await show(update, context, page.text, keyboard(rows))


def _refusal(t: Translator, change: OrderChange, container: Container | None) -> str:
    """Say why an order could not go into, or come out of, a container."""
    order = change.order
    reference = order.reference if order else ""
    if change.outcome is OrderOutcome.CONTAINER_CLOSED and container is not None:
        return closed_text(t, container)
    if change.outcome is OrderOutcome.OTHER_BUYER:
        return t._(
            "{reference} is another buyer's order: a container holds one buyer's orders."
        ).format(reference=reference)
    if change.outcome is OrderOutcome.OVER_CAPACITY and container is not None:
        room = change.available or 0
        return t.ngettext(
            "{reference} does not fit: {container} has room for only {room} more drum.",
            "{reference} does not fit: {container} has room for only {room} more drums.",
            room,
        ).format(reference=reference, container=container.reference, room=t.number(room))
    if change.outcome is OrderOutcome.CHANGED and order is not None:
        return t._("{reference} cannot be moved: it is {status} now.").format(
            reference=reference, status=order_status_name(t, order.status)
        )
    return t._("There is no such order or container.")


class _Move(Protocol):
    """Put an order into a container, or take it out of it."""

    async def __call__(self, container_id: int, order_id: int, /, *, by: int) -> OrderChange: ...


async def _move(
    update: Update, context: BotContext, pattern: re.Pattern[str], move: _Move, moved: str
) -> ContainerProgress | None:
    """Move the order in or out for an admin, answer how it went, and return the container."""
    if not await refuse_unless_admin(update, context):
        return None
    container_id, order_id = callback_ids(update, pattern)
    query = update.callback_query
    assert query is not None
    storage, t = context.storage, context.t
    change = await move(container_id, order_id, by=query.from_user.id)
    if change.outcome is OrderOutcome.DONE and change.order is not None:
        await answer_button(update, t._(moved).format(reference=change.order.reference))
    else:
        container = await storage.containers.get(container_id)
        await answer_button(update, _refusal(t, change, container), alert=True)
    return await storage.containers.progress(container_id, utc_now())


async def put_order(update: Update, context: BotContext) -> None:
    """Put one order into the container; say why not when it cannot go in."""
    put = context.storage.containers.add_order
    progress = await _move(update, context, PUT_PATTERN, put, N_("{reference} is in."))
    if progress is None:
        return
    if progress.view.container.status is ContainerStatus.OPEN:
        await _show_choice(update, context, progress)
    else:
        await show_container(update, context, progress, for_admin=True)


async def take_out(update: Update, context: BotContext) -> None:
    """Take an order out of an open container; it keeps its drums."""
    out = context.storage.containers.remove_order
    progress = await _move(update, context, TAKE_OUT_PATTERN, out, N_("{reference} is out."))
    if progress is not None:
        await show_container(update, context, progress, for_admin=True)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the steps that put orders in and take them out (wired via container_admin)."""
    return [
        CallbackQueryHandler(choose_orders, pattern=ADD_PATTERN),
        CallbackQueryHandler(put_order, pattern=PUT_PATTERN),
        CallbackQueryHandler(take_out, pattern=TAKE_OUT_PATTERN),
    ]
