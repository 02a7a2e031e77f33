"""Admins cancel a container, or ship it: ready drums leave stock and the buyer is told."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import (
    answer_button,
    column,
    esc,
    refuse_unless_admin,
    show,
    translator_for,
)
from handlers.containers.screens import (
    ASK_CANCEL_PATTERN,
    ASK_SHIP_PATTERN,
    CANCEL,
    CANCEL_PATTERN,
    SHIP,
    SHIP_PATTERN,
    VIEW,
    buyer_label,
    callback_ids,
    closed_text,
    open_progress,
    show_container,
)
from handlers.members.menu import CONTAINERS
from handlers.notices import notify
from storage.clock import utc_now
from storage.models.catalogue import DrumModel
from storage.models.containers import Container, ContainerView
from storage.models.orders import OrderOutcome


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


async def ask_ship(update: Update, context: BotContext) -> None:
    """Show what will leave and what stays as backorder, and ask the admin to confirm."""
    progress = await open_progress(update, context, ASK_SHIP_PATTERN)
    if progress is None:
        return
    t, container = context.t, progress.view.container
    if progress.ready == 0:
        await answer_button(update, _nothing_ready(t, container), alert=True)
        return
    await answer_button(update)
    lines = [
        t._("🚢 Ship <b>{reference}</b> to {destination} now?").format(
            reference=container.reference, destination=esc(container.destination)
        ),
        "",
        t._("Leaving now: <b>{count}</b>").format(count=t.number(progress.ready)),
    ]
    lines += [_model_line(t, line.model, line.ready) for line in progress.models if line.ready]
    if progress.to_make:
        lines += [
            t._("Staying as backorder: <b>{count}</b>").format(count=t.number(progress.to_make)),
            *[_model_line(t, line.model, line.to_make) for line in progress.models if line.to_make],
            t._("These follow in a later container."),
        ]
    buttons = column(
        [
            (t._("🚢 Yes, ship now"), f"{SHIP}{container.id}"),
            (t._("⬅️ Back"), f"{VIEW}{container.id}"),
        ]
    )
    await show(update, context, "\n".join(lines), buttons)


def _model_line(t: Translator, model: DrumModel, count: int) -> str:
    return t._("• {model}: {count}").format(model=model_name(t, model), count=t.number(count))


def _nothing_ready(t: Translator, container: Container) -> str:
    return t._("Nothing in {reference} is ready yet, so nothing can be shipped.").format(
        reference=container.reference
    )


async def ship(update: Update, context: BotContext) -> None:
    """Ship the container: its ready drums leave stock; tell the buyer and show the result."""
    if not await refuse_unless_admin(update, context):
        return
    (container_id,) = callback_ids(update, SHIP_PATTERN)
    query = update.callback_query
    assert query is not None
    storage, t = context.storage, context.t
    before = await storage.containers.progress(container_id, utc_now())
    change = await storage.containers.ship(container_id, by=query.from_user.id)
    view = await storage.containers.view(container_id)
    if change.outcome is not OrderOutcome.DONE or before is None or view is None:
        await _not_done(update, context, change.outcome, change.container)
        return
    await answer_button(update)
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
    buttons = column(
        [
            (t._("🚢 Open"), f"{VIEW}{container_id}"),
            (t._("⬅️ Containers"), CONTAINERS),
        ]
    )
    await show(update, context, "\n".join(lines), buttons)
    await _tell_buyer(context, view, lambda tb, v: _shipped_text(tb, v, shipped, staying))


async def _not_done(
    update: Update, context: BotContext, outcome: OrderOutcome, container: Container | None
) -> None:
    t = context.t
    if container is None:
        await answer_button(update, t._("There is no such container."), alert=True)
        return
    if outcome is OrderOutcome.NOTHING_READY:
        await answer_button(update, _nothing_ready(t, container), alert=True)
    else:
        await answer_button(update, closed_text(t, container), alert=True)
    progress = await context.storage.containers.progress(container.id, utc_now())
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


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the steps that cancel and ship a container (wired via container_admin)."""
    return [
        CallbackQueryHandler(ask_cancel, pattern=ASK_CANCEL_PATTERN),
        CallbackQueryHandler(cancel_container, pattern=CANCEL_PATTERN),
        CallbackQueryHandler(ask_ship, pattern=ASK_SHIP_PATTERN),
        CallbackQueryHandler(ship, pattern=SHIP_PATTERN),
    ]
