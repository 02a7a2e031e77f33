"""Charts as PNG pictures for a phone screen: data and translated labels in, PNG bytes out.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display): every call owns
its figure, so the functions may run in worker threads. Text is in DejaVu Sans, Chinese in
Noto Sans CJK SC (bot.fonts). Labels arrive translated and numbers formatted; only the axis
ticks are written here, with the locale's thousands separator.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.fonts import CHART_FAMILIES, chart_glyphs, keep_drawable

# 1200 x 900 pixels: sharp on a phone, and the fonts below stay readable once Telegram
# shrinks the picture to the width of the chat.
WIDTH_IN, HEIGHT_IN, DPI = 12, 9, 100
TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 30, 24, 22, 20
# Okabe-Ito colours: told apart with every common colour blindness.
PALETTE = ("#56B4E9", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")
OTHER_COLOUR = "#9A9A9A"
INK, GRID, WARNING = "#222222", "#DDDDDD", "#C0392B"
# Longest line of a bar's name in the stock chart, in characters.
NAME_WIDTH = 24
# Every text names both families: matplotlib takes each character from the first that has it.
FAMILIES = CHART_FAMILIES


@dataclass(frozen=True)
class Stack:
    """One group of a stacked bar chart: its name and a value per bar."""

    label: str
    values: Sequence[int]
    other: bool = False


@dataclass(frozen=True)
class WeeklyChart:
    """Stacked bars, one per week, oldest first, with each week's total written above."""

    title: str
    week_labels: Sequence[str]  # one per week; "" leaves a week unlabelled
    stacks: Sequence[Stack]
    totals: Sequence[str]  # one per week, formatted; "" writes nothing
    y_label: str
    empty_text: str
    thousands: str


@dataclass(frozen=True)
class StockChart:
    """Horizontal bars per model, top to bottom: available, then reserved, on hand written."""

    title: str
    names: Sequence[str]
    available: Sequence[int]
    reserved: Sequence[int]
    on_hand: Sequence[str]  # formatted, written at the end of each bar
    available_label: str
    reserved_label: str
    x_label: str
    empty_text: str
    thousands: str


@dataclass(frozen=True)
class FillChart:
    """A container filling up: production per week, ready now, and the projection."""

    title: str
    # Dates are the cooperative's; these are the Mondays of the bars in `accepted`.
    weeks: Sequence[date]
    accepted: Sequence[int]
    accepted_label: str
    today: date
    ready: int
    ready_label: str
    planned: int
    planned_label: str
    capacity: int
    capacity_label: str
    target: date
    target_label: str
    estimate: date | None
    estimate_label: str
    first_day: date
    last_day: date
    ticks: Sequence[tuple[date, str]]
    y_label: str
    thousands: str


def sparse_labels(labels: Sequence[str], step: int = 2) -> list[str]:
    """Keep every `step`-th label counting back from the last one, blank the others."""
    last = len(labels) - 1
    return [label if (last - index) % step == 0 else "" for index, label in enumerate(labels)]


def date_ticks(first: date, last: date, count: int = 4) -> list[date]:
    """Return about `count` evenly spaced days from `first` to `last`, both included."""
    span = (last - first).days
    if span <= 0 or count < 2:
        return [first]
    days = sorted({round(span * index / (count - 1)) for index in range(count)})
    return [first + timedelta(days=day) for day in days]


def render_weekly(chart: WeeklyChart) -> bytes:
    """Draw accepted drums per week, stacked by group."""
    figure, axes = _figure(chart.title)
    weeks = range(len(chart.week_labels))
    bottoms = [0] * len(chart.week_labels)
    colours = iter(PALETTE)
    for stack in chart.stacks:
        colour = OTHER_COLOUR if stack.other else next(colours, OTHER_COLOUR)
        axes.bar(
            weeks,
            stack.values,
            bottom=bottoms,
            width=0.75,
            color=colour,
            label=_drawable(stack.label),
        )
        bottoms = [bottom + value for bottom, value in zip(bottoms, stack.values, strict=True)]
    highest = max(bottoms, default=0)
    if highest == 0:
        _say_empty(axes, chart.empty_text)
    else:
        for week, total, label in zip(weeks, bottoms, chart.totals, strict=True):
            if label and total:
                axes.text(
                    week,
                    total + highest * 0.01,
                    _drawable(label),
                    ha="center",
                    va="bottom",
                    fontsize=NOTE_PT,
                    fontfamily=FAMILIES,
                    color=INK,
                )
        axes.set_ylim(0, highest * 1.12)
        _legend(axes, len(chart.stacks))
        _count_axis(axes, "y", chart.thousands)
    shown = [(week, label) for week, label in zip(weeks, chart.week_labels, strict=True) if label]
    axes.set_xticks([week for week, _ in shown], [_drawable(label) for _, label in shown])
    axes.set_xlim(-0.6, len(chart.week_labels) - 0.4)
    axes.set_ylabel(_drawable(chart.y_label), fontsize=LABEL_PT, fontfamily=FAMILIES)
    return _png(figure)


def render_stock(chart: StockChart) -> bytes:
    """Draw each model's drums on hand as available plus reserved, largest first."""
    figure, axes = _figure(chart.title)
    rows = range(len(chart.names))
    axes.barh(
        rows, chart.available, height=0.7, color=PALETTE[1], label=_drawable(chart.available_label)
    )
    axes.barh(
        rows,
        chart.reserved,
        left=chart.available,
        height=0.7,
        color=PALETTE[2],
        label=_drawable(chart.reserved_label),
    )
    totals = [a + r for a, r in zip(chart.available, chart.reserved, strict=True)]
    highest = max(totals, default=0)
    if highest == 0:
        _say_empty(axes, chart.empty_text)
        axes.set_xticks([])
    else:
        for row, total, label in zip(rows, totals, chart.on_hand, strict=True):
            axes.text(
                total + highest * 0.01,
                row,
                _drawable(label),
                va="center",
                fontsize=NOTE_PT,
                fontfamily=FAMILIES,
                color=INK,
            )
        axes.set_xlim(0, highest * 1.18)
        names = [textwrap.fill(_drawable(name), NAME_WIDTH) for name in chart.names]
        # Two lines a name need room: fewer bars get the larger type.
        axes.set_yticks(list(rows), names, fontsize=NOTE_PT if len(names) > 6 else TICK_PT)
        axes.set_ylim(len(chart.names) - 0.5, -0.5)
        _legend(axes, 2)
        _count_axis(axes, "x", chart.thousands)
    axes.set_xlabel(_drawable(chart.x_label), fontsize=LABEL_PT, fontfamily=FAMILIES)
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color=GRID)
    return _png(figure)


def render_fill(chart: FillChart) -> bytes:
    """Draw a container's production per week, ready drums, projection, capacity and target."""
    figure, axes = _figure(chart.title)
    axes.bar(
        [_x(week) + 3.5 for week in chart.weeks],
        chart.accepted,
        width=6,
        color=PALETTE[0],
        label=_drawable(chart.accepted_label),
    )
    axes.axhline(chart.capacity, color=INK, linewidth=3, label=_drawable(chart.capacity_label))
    if chart.planned != chart.capacity:
        axes.axhline(
            chart.planned,
            color=PALETTE[1],
            linewidth=2.5,
            linestyle="--",
            label=_drawable(chart.planned_label),
        )
    today = _x(chart.today)
    if chart.estimate is not None:
        axes.plot(
            [today, _x(chart.estimate)],
            [chart.ready, chart.planned],
            color=PALETTE[3],
            linewidth=3.5,
            linestyle=(0, (4, 2)),
            marker="D",
            markersize=14,
            markevery=[1],
            label=_drawable(chart.estimate_label),
        )
    axes.plot(
        [today],
        [chart.ready],
        marker="o",
        markersize=18,
        linestyle="none",
        color=PALETTE[5],
        label=_drawable(chart.ready_label),
    )
    axes.axvline(
        _x(chart.target),
        color=WARNING,
        linewidth=3,
        linestyle=":",
        label=_drawable(chart.target_label),
    )
    highest = max([chart.capacity, chart.planned, chart.ready, *chart.accepted])
    axes.set_ylim(0, highest * 1.1)
    axes.set_xlim(_x(chart.first_day), _x(chart.last_day))
    axes.set_xticks(
        [_x(day) for day, _ in chart.ticks],
        [_drawable(label) for _, label in chart.ticks],
    )
    axes.set_ylabel(_drawable(chart.y_label), fontsize=LABEL_PT, fontfamily=FAMILIES)
    _count_axis(axes, "y", chart.thousands)
    _legend(axes, 2)
    return _png(figure)


def _x(day: date) -> int:
    """A day's place on a time axis (its ticks are labelled by the caller)."""
    return day.toordinal()


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(
        _drawable(title), fontsize=TITLE_PT, fontweight="bold", color=INK, fontfamily=FAMILIES
    )
    axes = figure.add_subplot()
    axes.tick_params(labelsize=TICK_PT, labelfontfamily=FAMILIES, colors=INK, length=6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    axes.grid(axis="y", color=GRID)
    return figure, axes


def _legend(axes: Axes, entries: int) -> None:
    # Above the plot, under the title: it never hides a bar.
    if axes.get_legend_handles_labels()[0]:
        axes.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.01),
            ncols=min(entries, 3),
            prop=FontProperties(family=FAMILIES, size=NOTE_PT),
            frameon=False,
        )


def _count_axis(axes: Axes, which: str, thousands: str) -> None:
    axis = axes.yaxis if which == "y" else axes.xaxis
    axis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=2))
    axis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{round(value):,}".replace(",", thousands))
    )


def _say_empty(axes: Axes, text: str) -> None:
    axes.text(
        0.5,
        0.5,
        textwrap.fill(_drawable(text), 40),
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=LABEL_PT,
        fontfamily=FAMILIES,
        color=INK,
    )
    axes.set_ylim(0, 10)
    axes.set_yticks([])


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def drawable(text: str) -> str:
    """Keep the characters the charts' fonts can draw (Chinese among them), and no others."""
    return keep_drawable(text, chart_glyphs())


def _drawable(text: str) -> str:
    """Keep what the fonts can draw, and a "$" as itself rather than the start of math."""
    return drawable(text).replace("$", r"\$")
