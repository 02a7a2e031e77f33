"""Admins cancel a container, or ship it: after its shipping details, the ready drums leave
stock, the commercial invoice and packing list are issued, and the buyer gets them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    answer_button,
    column,
    esc,
    refuse_unless_admin,
    show,
    translator_for,
)
from handlers.containers import shipping_steps as steps
from handlers.containers.screens import (
    ASK_CANCEL_PATTERN,
    ASK_SHIP_PATTERN,
    CANCEL,
    CANCEL_PATTERN,
    SHIP_PATTERN,
    VIEW,
    buyer_label,
    callback_ids,
    closed_text,
    open_progress,
    show_container,
)
from handlers.containers.shipping_details import details_from
from handlers.members.menu import CONTAINERS
from handlers.notices import notify
from handlers.papers.container_papers import papers_button
from handlers.papers.content import MissingRate
from handlers.papers.issuing import issue_shipping_papers, send_paper
from handlers.papers.screens import missing_rate_text, tell_buyer_of
from storage.clock import utc_now
from storage.models.containers import Container, ContainerView
from storage.models.orders import OrderOutcome
from storage.papers import Issued

logger = logging.getLogger(__name__)


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Ask the admin to confirm cancelling an open container."""
    progress = await open_progress(update, context, ASK_CANCEL_PATTERN)
    if progress is None:
        return
    await answer_button(update)
    t, container = context.t, progress.view.container
    text = t._(
        "Cancel container <b>{reference}</b> for {buyer}?\nIts orders come out and stay "
        "confirmed with their drums, ready for another container."
    ).format(reference=container.reference, buyer=buyer_label(progress.view))
    buttons = column(
        [
            (t._("✖️ Yes, cancel the container"), f"{CANCEL}{container.id}"),
            (t._("⬅️ Back"), f"{VIEW}{container.id}"),
        ]
    )
    await show(update, context, text, buttons)


async def cancel_container(update: Update, context: BotContext) -> None:
    """Cancel the container, tell its buyer, and show the admin the outcome."""
    if not await refuse_unless_admin(update, context):
        return
    (container_id,) = callback_ids(update, CANCEL_PATTERN)
    query = update.callback_query
    assert query is not None
    storage, t = context.storage, context.t
    change = await storage.containers.cancel(container_id, by=query.from_user.id)
    view = await storage.containers.view(container_id)
    if change.outcome is not OrderOutcome.DONE or view is None:
        await _not_done(update, context, change.outcome, change.container)
        return
    await answer_button(update)
    text = t._("Container <b>{reference}</b> is cancelled. Its orders stay confirmed.").format(
        reference=view.container.reference
    )
    await show(update, context, text, column([(t._("⬅️ Containers"), CONTAINERS)]))
    await _tell_buyer(context, view, _cancelled_text)


@steps.SHIPPING.admins_only
async def ship_now(update: Update, context: BotContext) -> int:
    """Ship the container with its details, issue its papers, and tell the buyer and admin."""
    (container_id,) = callback_ids(update, SHIP_PATTERN)
    query = update.callback_query
    assert query is not None
    storage, t, values = context.storage, context.t, steps.draft(context)
    details = details_from(values)
    if details is None or values.get("container") != container_id:
        await answer_button(update, t._("This button is no longer active."), alert=True)
        return steps.SHIPPING.end(context) if details is None else steps.CONFIRM
    before = await storage.containers.progress(container_id, utc_now())
    refusal = None if before is None else await steps.cannot_ship(context, before)
    if refusal is not None:
        await answer_button(update, refusal, alert=True)
        return steps.SHIPPING.end(context)
    change = await storage.containers.ship(container_id, by=query.from_user.id, details=details)
    view = await storage.containers.view(container_id)
    if change.outcome is not OrderOutcome.DONE or before is None or view is None:
        await _not_done(update, context, change.outcome, change.container)
        return steps.SHIPPING.end(context)
    steps.SHIPPING.discard(context)
    await answer_button(update)
    issued = await _issue(context, container_id, query.from_user.id)
    shipped = await storage.containers.shipped_quantity(container_id)
    staying = before.planned - shipped
    lines = _shipment_lines(
        t,
        view,
        shipped,
        staying,
        t.ngettext(
            "🚢 <b>{reference}</b> has shipped to {destination}: {count} drum left stock.",
            "🚢 <b>{reference}</b> has shipped to {destination}: {count} drums left stock.",
            shipped,
        ),
        t.ngettext(
            "{count} drum stays as a backorder for a later container.",
            "{count} drums stay as backorders for a later container.",
            staying,
        ),
    )
    lines.append(_papers_line(t, issued))
    buttons = column(
        [
            papers_button(t, container_id),
            steps.open_button(t, container_id),
            (t._("⬅️ Containers"), CONTAINERS),
        ]
    )
    await show(update, context, "\n".join(lines), buttons)
    await _tell_buyer(context, view, lambda tb, v: _shipped_text(tb, v, shipped, staying))
    if isinstance(issued, list):
        for one in issued:
            await tell_buyer_of(context, one)
        for one in issued:
            await send_paper(context, one.paper, query.from_user.id)
    return steps.SHIPPING.end(context)


async def _issue(
    context: BotContext, container_id: int, by: int
) -> list[Issued] | MissingRate | None:
    """Issue the papers of a container just shipped; None when they could not be."""
    try:
        return await issue_shipping_papers(context, container_id, by=by)
    except Exception:
        # The drums have left: the shipment stands, and the container's papers screen offers
        # to issue them again.
        logger.exception("container %s shipped; its papers could not be issued", container_id)
        return None


def _papers_line(t: Translator, issued: list[Issued] | MissingRate | None) -> str:
    if isinstance(issued, MissingRate):
        return missing_rate_text(t, issued)
    if not issued:
        return t._(
            "📄 The commercial invoice and packing list could not be issued now: issue them "
            "from 📄 Papers."
        )
    invoice, packing = issued
    return t._(
        "📄 Commercial invoice {invoice} and packing list {packing} issued and sent to the buyer."
    ).format(invoice=invoice.paper.number, packing=packing.paper.number)


async def ship_outside(update: Update, context: BotContext) -> None:
    """Answer a Ship confirmation tapped outside the flow: nothing ships without its details."""
    progress = await open_progress(update, context, SHIP_PATTERN)
    if progress is None:
        return
    refusal = await steps.cannot_ship(context, progress)
    text = refusal or context.t._(
        "This button is no longer active: tap 🚢 Ship and type the shipping details first."
    )
    await answer_button(update, text, alert=True)


async def _not_done(
    update: Update, context: BotContext, outcome: OrderOutcome, container: Container | None
) -> None:
    t = context.t
    if container is None:
        await answer_button(update, t._("There is no such container."), alert=True)
        return
    progress = await context.storage.containers.progress(container.id, utc_now())
    if outcome is OrderOutcome.NOTHING_READY and progress is not None:
        refusal = await steps.cannot_ship(context, progress)
        await answer_button(update, refusal or steps.nothing_ready(t, container), alert=True)
    elif outcome is OrderOutcome.NOTHING_READY:
        await answer_button(update, steps.nothing_ready(t, container), alert=True)
    else:
        await answer_button(update, closed_text(t, container), alert=True)
    if progress is not None:
        await show_container(update, context, progress, for_admin=True)


def _shipment_lines(
    t: Translator, view: ContainerView, shipped: int, staying: int, headline: str, later: str
) -> list[str]:
    """Fill in the headline on what shipped and, when drums stay behind, the line on them."""
    container = view.container
    lines = [
        headline.format(
            reference=container.reference,
            destination=esc(container.destination),
            count=t.number(shipped),
        )
    ]
    if staying > 0:
        lines.append(later.format(count=t.number(staying)))
    return lines


def _shipped_text(t: Translator, view: ContainerView, shipped: int, staying: int) -> str:
    lines = _shipment_lines(
        t,
        view,
        shipped,
        staying,
        t.ngettext(
            "🚢 Your container <b>{reference}</b> has shipped to {destination} with {count} drum.",
            "🚢 Your container <b>{reference}</b> has shipped to {destination} with {count} drums.",
            shipped,
        ),
        t.ngettext(
            "{count} drum still to be made will follow in a later container.",
            "{count} drums still to be made will follow in a later container.",
            staying,
        ),
    )
    lines.append(t._("Your containers: /containers"))
    return "\n".join(lines)


def _cancelled_text(t: Translator, view: ContainerView) -> str:
    return t._(
        "Container <b>{reference}</b> to {destination} was cancelled by the cooperative. "
        "Your orders in it stay confirmed and can go into another container."
    ).format(reference=view.container.reference, destination=esc(view.container.destination))


async def _tell_buyer(
    context: BotContext, view: ContainerView, text: Callable[[Translator, ContainerView], str]
) -> None:
    t = await translator_for(
        context.storage, context.settings.default_locale, view.buyer_telegram_id
    )
    await notify(context, view.buyer_telegram_id, text(t, view))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the steps that cancel and ship a container (wired via container_admin)."""
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    shipping = steps.SHIPPING.conversation(
        "container_ship",
        entry_points=[CallbackQueryHandler(steps.ask_ship, pattern=ASK_SHIP_PATTERN)],
        states={
            steps.NUMBER: [MessageHandler(text, steps.number_typed)],
            steps.SEAL: [MessageHandler(text, steps.seal_typed)],
            steps.VESSEL: [MessageHandler(text, steps.vessel_typed)],
            steps.VOYAGE: [MessageHandler(text, steps.voyage_typed)],
            steps.LOADING: [
                CallbackQueryHandler(steps.loading_given, pattern=f"^{steps.USUAL_LOADING}$"),
                MessageHandler(text, steps.loading_given),
            ],
            steps.DISCHARGE: [
                CallbackQueryHandler(steps.discharge_given, pattern=f"^{steps.DESTINATION_PORT}$"),
                MessageHandler(text, steps.discharge_given),
            ],
            steps.MARKS: [
                CallbackQueryHandler(steps.marks_given, pattern=f"^{steps.USUAL_MARKS}$"),
                MessageHandler(text, steps.marks_given),
            ],
            steps.CONFIRM: [CallbackQueryHandler(ship_now, pattern=SHIP_PATTERN)],
        },
        cancel=steps.leave,
        cancel_data=steps.STOP,
        anything_else=True,
    )
    return [
        CallbackQueryHandler(ask_cancel, pattern=ASK_CANCEL_PATTERN),
        CallbackQueryHandler(cancel_container, pattern=CANCEL_PATTERN),
        shipping,
        # A confirmation tapped outside the conversation (old, or after a restart) ships nothing.
        CallbackQueryHandler(ship_outside, pattern=SHIP_PATTERN),
    ]
