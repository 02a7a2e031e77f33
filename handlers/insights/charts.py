"""Charts for the admins, sent as pictures: accepted drums per week, stock, a container's fill."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from babel.numbers import get_group_symbol
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.charts import Stack, StockChart, render_fill, render_stock, render_weekly
from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import Button, answer_button, column, esc, refuse_unless_admin, show, today
from handlers.containers.screens import callback_ids, closed_text, estimate_line
from handlers.insights.chart_figures import (
    MAX_BUYER_CHARS,
    day,
    fill_chart,
    nothing_accepted,
    size_stacks,
    village_stacks,
    week_bounds,
    weekly_caption,
    weekly_chart,
)
from handlers.insights.menu import CHARTS
from handlers.members.menu import INSIGHTS
from storage.chart_series import AcceptedDrums
from storage.clock import utc_now
from storage.models.containers import ContainerStatus

BY_SIZE = "chart:size"
BY_VILLAGE = "chart:village"
STOCK = "chart:stock"
CONTAINERS = "chart:boxes"
CONTAINER = "chart:box:"
CONTAINER_PATTERN = re.compile(r"^chart:box:([0-9]{1,18})$")
MAX_LISTED_CONTAINERS = 20

ChartT = TypeVar("ChartT")


async def choose(update: Update, context: BotContext) -> None:
    """Offer the admins the charts they can have."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    text = t._("📊 <b>Charts</b>\nEach one comes as a picture. Which would you like?")
    buttons = [
        (t._("🪘 Accepted drums per week, by size"), BY_SIZE),
        (t._("🏘 Accepted drums per week, by village"), BY_VILLAGE),
        (t._("📦 Stock per model"), STOCK),
        (t._("🚢 A container's fill"), CONTAINERS),
        (t._("⬅️ Back"), INSIGHTS),
    ]
    await show(update, context, text, column(buttons))


async def weekly_by_size(update: Update, context: BotContext) -> None:
    """Send the drums accepted per week in the last weeks, stacked by size."""
    title = context.t._("Accepted drums per week, by size")
    read = context.storage.chart_series.accepted_by_size
    await _send_weekly(update, context, title, read, size_stacks)


async def weekly_by_village(update: Update, context: BotContext) -> None:
    """Send the drums accepted per week in the last weeks, stacked by village."""
    title = context.t._("Accepted drums per week, by village")
    read = context.storage.chart_series.accepted_by_village
    await _send_weekly(update, context, title, read, village_stacks)


async def _send_weekly(
    update: Update,
    context: BotContext,
    title: str,
    read: Callable[[Sequence[datetime]], Awaitable[AcceptedDrums]],
    stacks_of: Callable[[Translator, AcceptedDrums], list[Stack]],
) -> None:
    """Send the last weeks' accepted drums as stacked bars, or say there were none."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    drums = await read(week_bounds(context))
    if drums.total == 0:
        await show(update, context, nothing_accepted(t), _after_chart(t))
        return
    stacks = stacks_of(t, drums)
    png = await _draw(update, context, render_weekly, weekly_chart(context, drums, stacks, title))
    await _send(update, context, png, weekly_caption(t, title, drums, stacks))


async def stock(update: Update, context: BotContext) -> None:
    """Send the drums on hand per model, split into available and reserved."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    shares = await context.storage.chart_series.stock_by_model()
    if shares.on_hand == 0:
        await show(update, context, t._("📦 There are no drums in stock."), _after_chart(t))
        return
    names = [model_name(t, line.model) for line in shares.lines]
    available = [line.available for line in shares.lines]
    reserved = [line.reserved for line in shares.lines]
    on_hand = [line.on_hand for line in shares.lines]
    if shares.more_models:
        names.append(
            t.ngettext("{count} other model", "{count} other models", shares.more_models).format(
                count=t.number(shares.more_models)
            )
        )
        available.append(shares.more_on_hand - shares.more_reserved)
        reserved.append(shares.more_reserved)
        on_hand.append(shares.more_on_hand)
    title = t._("Drums in stock per model")
    chart = StockChart(
        title=title,
        names=names,
        available=available,
        reserved=reserved,
        on_hand=[t.number(count) for count in on_hand],
        available_label=t._("available"),
        reserved_label=t._("reserved for orders"),
        x_label=t._("drums on hand"),
        empty_text=t._("There are no drums in stock."),
        thousands=get_group_symbol(t.locale),
    )
    png = await _draw(update, context, render_stock, chart)
    caption = t._(
        "📦 <b>{title}</b>\n{on_hand} on hand: {available} available, {reserved} reserved."
    ).format(
        title=title,
        on_hand=t.number(shares.on_hand),
        available=t.number(shares.on_hand - shares.reserved),
        reserved=t.number(shares.reserved),
    )
    await _send(update, context, png, caption)


async def choose_container(update: Update, context: BotContext) -> None:
    """List the open containers, each a button to its chart."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    views = (await context.storage.containers.open_containers())[:MAX_LISTED_CONTAINERS]
    if not views:
        await show(update, context, t._("🚢 There are no open containers."), _after_chart(t))
        return
    buttons: list[Button] = [
        (
            " · ".join(
                [
                    view.container.reference,
                    view.buyer_name[:MAX_BUYER_CHARS],
                    day(t, view.container.target_date),
                ]
            ),
            f"{CONTAINER}{view.container.id}",
        )
        for view in views
    ]
    text = t._("🚢 <b>Which container?</b>\nThe chart shows its fill against its target date.")
    await show(update, context, text, column([*buttons, (t._("⬅️ Back"), CHARTS)]))


async def container_fill(update: Update, context: BotContext) -> None:
    """Send an open container's fill against its target date, with the estimated ready date."""
    if not await refuse_unless_admin(update, context):
        return
    t = context.t
    (container_id,) = callback_ids(update, CONTAINER_PATTERN)
    progress = await context.storage.containers.progress(container_id, utc_now())
    if progress is None:
        await answer_button(update, t._("There is no such container."), alert=True)
        return
    container = progress.view.container
    if container.status is not ContainerStatus.OPEN:
        await answer_button(update, closed_text(t, container), alert=True)
        return
    await answer_button(update)
    if progress.planned == 0:
        text = t._("🚢 {reference} has no orders in it yet: there is nothing to chart.")
        await show(update, context, text.format(reference=container.reference), _after_chart(t))
        return
    png = await _draw(update, context, render_fill, await fill_chart(context, progress))
    caption = "\n".join(
        [
            t._("🚢 <b>{reference}</b> · {buyer} · {destination}").format(
                reference=container.reference,
                buyer=esc(progress.view.buyer_name),
                destination=esc(container.destination),
            ),
            t._(
                "{ready} of {planned} drums ready; capacity {capacity}; target date {date}."
            ).format(
                ready=t.number(progress.ready),
                planned=t.number(progress.planned),
                capacity=t.number(container.capacity),
                date=t.date(container.target_date),
            ),
            estimate_line(t, progress, today(context)),
        ]
    )
    await _send(update, context, png, caption)


def _after_chart(t: Translator) -> InlineKeyboardMarkup:
    return column([(t._("📊 Other charts"), CHARTS), (t._("⬅️ Back"), INSIGHTS)])


async def _draw(
    update: Update, context: BotContext, render: Callable[[ChartT], bytes], chart: ChartT
) -> bytes:
    """Draw off the event loop, showing "sending a photo" in the chat meanwhile."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
    return await asyncio.to_thread(render, chart)


async def _send(update: Update, context: BotContext, png: bytes, caption: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_photo(
        chat.id, png, caption=caption, reply_markup=_after_chart(context.t)
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /charts, the insights menu's Charts button and the charts' buttons."""
    return [
        CommandHandler("charts", choose, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose, pattern=f"^{CHARTS}$"),
        CallbackQueryHandler(weekly_by_size, pattern=f"^{BY_SIZE}$"),
        CallbackQueryHandler(weekly_by_village, pattern=f"^{BY_VILLAGE}$"),
        CallbackQueryHandler(stock, pattern=f"^{STOCK}$"),
        CallbackQueryHandler(choose_container, pattern=f"^{CONTAINERS}$"),
        CallbackQueryHandler(container_fill, pattern=CONTAINER_PATTERN),
    ]
