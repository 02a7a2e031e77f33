"""Charts for the admins, sent as pictures: accepted drums per week, stock, a container's fill."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

from babel.dates import format_date
from babel.numbers import get_group_symbol
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.charts import (
    FillChart,
    Stack,
    StockChart,
    WeeklyChart,
    date_ticks,
    render_fill,
    render_stock,
    render_weekly,
    sparse_labels,
)
from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import this_week
from handlers.catalogue.drums import model_name, size_name
from handlers.common import Button, answer_button, column, esc, refuse_unless_admin, show
from handlers.containers.screens import callback_ids, closed_text, estimate_line, today
from handlers.insights.menu import CHARTS
from handlers.members.menu import INSIGHTS
from storage.chart_series import AcceptedDrums
from storage.clock import utc_now
from storage.containers import PACE_WEEKS
from storage.models import ContainerProgress, ContainerStatus, DrumSize

BY_SIZE = "chart:size"
BY_VILLAGE = "chart:village"
STOCK = "chart:stock"
CONTAINERS = "chart:boxes"
CONTAINER = "chart:box:"
CONTAINER_PATTERN = re.compile(r"^chart:box:(\d{1,18})$")

WEEKS = 12
# How far ahead a container's chart reaches for a far-off estimate (the caption gives it).
MAX_WEEKS_AHEAD = 26
MAX_LISTED_CONTAINERS = 20
MAX_BUYER_CHARS = 20

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
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    drums = await context.storage.chart_series.accepted_by_size(_week_bounds(context))
    if drums.total == 0:
        await show(update, context, _nothing_accepted(t), _after_chart(t))
        return
    stacks = [
        Stack(size_name(t, size), group.drums)
        for size, group in zip(DrumSize, drums.groups, strict=True)
    ]
    title = t._("Accepted drums per week, by size")
    png = await _draw(update, context, render_weekly, _weekly_chart(context, drums, stacks, title))
    caption = _weekly_caption(
        t, title, drums, [(stack.label, sum(stack.values)) for stack in stacks]
    )
    await _send(update, context, png, caption)


async def weekly_by_village(update: Update, context: BotContext) -> None:
    """Send the drums accepted per week in the last weeks, stacked by village."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    drums = await context.storage.chart_series.accepted_by_village(_week_bounds(context))
    if drums.total == 0:
        await show(update, context, _nothing_accepted(t), _after_chart(t))
        return
    stacks = [
        Stack(group.key, group.drums)
        if group.key is not None
        else Stack(t._("other villages"), group.drums, other=True)
        for group in drums.groups
    ]
    title = t._("Accepted drums per week, by village")
    png = await _draw(update, context, render_weekly, _weekly_chart(context, drums, stacks, title))
    parts = [(esc(stack.label), sum(stack.values)) for stack in stacks]
    await _send(update, context, png, _weekly_caption(t, title, drums, parts))


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
                    _day(t, view.container.target_date),
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
    png = await _draw(update, context, render_fill, await _fill_chart(context, progress))
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


async def _fill_chart(context: BotContext, progress: ContainerProgress) -> FillChart:
    t, zone = context.t, context.settings.zone
    container = progress.view.container
    now = utc_now()
    this = this_week(now, zone)
    # From the week it was opened, showing at least the weeks behind the pace and at most
    # the weeks of the other charts.
    opened = this_week(container.created_at, zone).start
    first = max(
        min(opened, this.start - timedelta(weeks=PACE_WEEKS - 1)),
        this.start - timedelta(weeks=WEEKS - 1),
    )
    starts = _weekly(first, this.start)
    model_ids = [line.model.id for line in progress.models]
    accepted = await context.storage.chart_series.accepted_of_models(model_ids, [*starts, this.end])
    on = today(context)
    estimate: date | None = None
    days = progress.days_needed
    if progress.to_make > 0 and days is not None:
        estimate = on + timedelta(days=math.ceil(days))
    horizon = on + timedelta(weeks=MAX_WEEKS_AHEAD)
    last_day = max(container.target_date, min(estimate or on, horizon), on) + timedelta(days=7)
    first_day = first.date()
    return FillChart(
        title=t._("Container {reference} · {buyer}").format(
            reference=container.reference, buyer=progress.view.buyer_name[:MAX_BUYER_CHARS]
        ),
        weeks=[start.date() for start in starts],
        accepted=accepted,
        accepted_label=t._("accepted per week, its models"),
        today=on,
        ready=progress.ready,
        ready_label=t._("ready now: {count}").format(count=t.number(progress.ready)),
        planned=progress.planned,
        planned_label=t._("in its orders: {count}").format(count=t.number(progress.planned)),
        capacity=container.capacity,
        capacity_label=t._("capacity: {count}").format(count=t.number(container.capacity)),
        target=container.target_date,
        target_label=t._("target date: {date}").format(date=_day(t, container.target_date)),
        estimate=estimate,
        estimate_label=t._("estimated ready: {date}").format(date=_day(t, estimate or on)),
        first_day=first_day,
        last_day=last_day,
        ticks=[(day, _day(t, day)) for day in date_ticks(first_day, last_day)],
        y_label=t._("drums"),
        thousands=get_group_symbol(t.locale),
    )


def _weekly_chart(
    context: BotContext, drums: AcceptedDrums, stacks: list[Stack], title: str
) -> WeeklyChart:
    t, zone = context.t, context.settings.zone
    return WeeklyChart(
        title=title,
        week_labels=sparse_labels(
            [_day(t, start.astimezone(zone).date()) for start in drums.starts]
        ),
        stacks=stacks,
        totals=[t.number(total) if total else "" for total in drums.totals],
        y_label=t._("drums"),
        empty_text=_nothing_accepted(t),
        thousands=get_group_symbol(t.locale),
    )


def _weekly_caption(
    t: Translator, title: str, drums: AcceptedDrums, parts: list[tuple[str, int]]
) -> str:
    lines = [
        t._("📊 <b>{title}</b>").format(title=title),
        t._("{count} in the last {weeks} weeks, this week so far included.").format(
            count=t.number(drums.total), weeks=WEEKS
        ),
        " · ".join(
            t._("{name}: {count}").format(name=name, count=t.number(count)) for name, count in parts
        ),
    ]
    return "\n".join(lines)


def _nothing_accepted(t: Translator) -> str:
    return t.ngettext(
        "No drums were accepted in the last {weeks} week.",
        "No drums were accepted in the last {weeks} weeks.",
        WEEKS,
    ).format(weeks=WEEKS)


def _week_bounds(context: BotContext) -> list[datetime]:
    """The Mondays starting the last weeks in the cooperative's zone, this one last, and its end."""
    week = this_week(utc_now(), context.settings.zone)
    return [*_weekly(week.start - timedelta(weeks=WEEKS - 1), week.start), week.end]


def _weekly(first: datetime, last: datetime) -> list[datetime]:
    # Wall-clock arithmetic on aware datetimes: each start stays a local midnight.
    count = round((last - first) / timedelta(weeks=1))
    return [first + timedelta(weeks=index) for index in range(count + 1)]


def _day(t: Translator, day: date) -> str:
    return format_date(day, format="d MMM", locale=t.locale)


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
