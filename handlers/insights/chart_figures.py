"""The charts in words: storage's series as chart data with translated labels and captions."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from babel.dates import format_date
from babel.numbers import get_group_symbol

from bot.charts import FillChart, Stack, WeeklyChart, date_ticks, sparse_labels
from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import this_week
from handlers.catalogue.drums import size_name
from handlers.common import esc, today
from storage.chart_series import AcceptedDrums
from storage.clock import utc_now
from storage.containers import PACE_WEEKS
from storage.models.catalogue import DrumSize
from storage.models.containers import ContainerProgress

WEEKS = 12
# How far ahead a container's chart reaches for a far-off estimate (the caption gives it).
MAX_WEEKS_AHEAD = 26
MAX_BUYER_CHARS = 20


def size_stacks(t: Translator, drums: AcceptedDrums) -> list[Stack]:
    """One stack per drum size, small to large."""
    return [
        Stack(size_name(t, size), group.drums)
        for size, group in zip(DrumSize, drums.groups, strict=True)
    ]


def village_stacks(t: Translator, drums: AcceptedDrums) -> list[Stack]:
    """One stack per village apart, and one for the other villages."""
    return [
        Stack(group.key, group.drums)
        if group.key is not None
        else Stack(t._("other villages"), group.drums, other=True)
        for group in drums.groups
    ]


def weekly_chart(
    context: BotContext, drums: AcceptedDrums, stacks: list[Stack], title: str
) -> WeeklyChart:
    """The accepted drums of the last weeks as stacked bars, labelled in the reader's language."""
    t, zone = context.t, context.settings.zone
    return WeeklyChart(
        title=title,
        week_labels=sparse_labels(
            [day(t, start.astimezone(zone).date()) for start in drums.starts]
        ),
        stacks=stacks,
        totals=[t.number(total) if total else "" for total in drums.totals],
        y_label=t._("drums"),
        empty_text=nothing_accepted(t),
        thousands=get_group_symbol(t.locale),
    )


def weekly_caption(t: Translator, title: str, drums: AcceptedDrums, stacks: list[Stack]) -> str:
    """The weekly chart's caption: the total, then each stack's drums."""
    lines = [
        t._("📊 <b>{title}</b>").format(title=title),
        t._("{count} in the last {weeks} weeks, this week so far included.").format(
            count=t.number(drums.total), weeks=WEEKS
        ),
        " · ".join(
            t._("{name}: {count}").format(name=esc(stack.label), count=t.number(sum(stack.values)))
            for stack in stacks
        ),
    ]
    return "\n".join(lines)


def nothing_accepted(t: Translator) -> str:
    """Say that no drums were accepted in the charts' weeks."""
    return t.ngettext(
        "No drums were accepted in the last {weeks} week.",
        "No drums were accepted in the last {weeks} weeks.",
        WEEKS,
    ).format(weeks=WEEKS)


def week_bounds(context: BotContext) -> list[datetime]:
    """The Mondays starting the last weeks in the cooperative's zone, this one last, and its end."""
    week = this_week(utc_now(), context.settings.zone)
    return [*_weekly(week.start - timedelta(weeks=WEEKS - 1), week.start), week.end]


async def fill_chart(context: BotContext, progress: ContainerProgress) -> FillChart:
    """An open container's fill: its models' weekly production, ready, planned and the dates."""
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
        target_label=t._("target date: {date}").format(date=day(t, container.target_date)),
        estimate=estimate,
        estimate_label=t._("estimated ready: {date}").format(date=day(t, estimate or on)),
        first_day=first_day,
        last_day=last_day,
        ticks=[(tick, day(t, tick)) for tick in date_ticks(first_day, last_day)],
        y_label=t._("drums"),
        thousands=get_group_symbol(t.locale),
    )


def day(t: Translator, moment: date) -> str:
    """A day as the charts write it: "3 Nov"."""
    return format_date(moment, format="d MMM", locale=t.locale)


def _weekly(first: datetime, last: datetime) -> list[datetime]:
    # Wall-clock arithmetic on aware datetimes: each start stays a local midnight.
    count = round((last - first) / timedelta(weeks=1))
    return [first + timedelta(weeks=index) for index in range(count + 1)]
