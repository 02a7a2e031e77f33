"""Admins put a buyer's confirmed orders into an open container, or take them out again.

An order that would take the container past its usable volume is put in only once the admin
has seen by how much and confirmed it.
"""

from __future__ import annotations

import re
from typing import Protocol

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, column, keyboard, refuse_unless_admin, show
from handlers.containers.screens import (
    ADD,
    ADD_PATTERN,
    MAX_LISTED_ORDERS,
    PUT,
    PUT_ANYWAY,
    PUT_ANYWAY_PATTERN,
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
from handlers.containers.volume import m3, volume_lines
from handlers.pages import Entry, first_page
from storage.clock import utc_now
from storage.container_volume import OverfillError
from storage.models.container_volume import container_volume
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
        *volume_lines(
            t,
            container_volume(progress, context.settings.usable_share),
            [line.model for line in progress.models] + [view.model for view in waiting],
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
    """Put one order into the container; say why not, or ask first if it would overfill it."""
    containers, share = context.storage.containers, context.settings.usable_share

    async def put(container_id: int, order_id: int, /, *, by: int) -> OrderChange:
        return await containers.add_order(container_id, order_id, by=by, usable_share=share)

    try:
        progress = await _move(update, context, PUT_PATTERN, put, N_("{reference} is in."))
    except OverfillError as overfill:
        await _ask_overfill(update, context, overfill)
        return
    await _after_put(update, context, progress)


async def put_anyway(update: Update, context: BotContext) -> None:
    """Put in an order that overfills the container by volume, as the admin confirmed."""
    put = context.storage.containers.add_order
    progress = await _move(update, context, PUT_ANYWAY_PATTERN, put, N_("{reference} is in."))
    await _after_put(update, context, progress)


async def _after_put(
    update: Update, context: BotContext, progress: ContainerProgress | None
) -> None:
    if progress is None:
        return
    if progress.view.container.status is ContainerStatus.OPEN:
        await _show_choice(update, context, progress)
    else:
        await show_container(update, context, progress, for_admin=True)


async def _ask_overfill(update: Update, context: BotContext, overfill: OverfillError) -> None:
    """Say by how much the order would overfill the container; change nothing until confirmed."""
    await answer_button(update)
    container_id, order_id = callback_ids(update, PUT_PATTERN)
    t, storage = context.t, context.storage
    container = await storage.containers.get(container_id)
    order = await storage.orders.get(order_id)
    assert container is not None and order is not None
    text = t._(
        "⚠️ <b>{reference} would overfill {container} by {over} m³.</b>\n"
        "Its drums take {needed} m³, and {free} m³ of the usable {usable} m³ is free.\n"
        "Put it in anyway?"
    ).format(
        reference=order.reference,
        container=container.reference,
        over=m3(t, overfill.over_cm3, up=True),
        needed=m3(t, overfill.order_cm3),
        free=m3(t, max(0, overfill.usable_cm3 - overfill.used_cm3)),
        usable=m3(t, overfill.usable_cm3),
    )
    buttons = [
        (t._("✅ Put it in anyway"), f"{PUT_ANYWAY}{container_id}:{order_id}"),
        (t._("⬅️ Back"), f"{ADD}{container_id}"),
    ]
    await show(update, context, text, column(buttons))


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
        CallbackQueryHandler(put_anyway, pattern=PUT_ANYWAY_PATTERN),
        CallbackQueryHandler(take_out, pattern=TAKE_OUT_PATTERN),
    ]
