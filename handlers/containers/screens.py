"""What a container looks like on screen: its progress, fill bar and estimated ready date."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import Button, answer_button, esc, keyboard, refuse_unless_admin, show, today
from handlers.containers.volume import kind_label, volume_lines
from handlers.members.menu import CONTAINERS, MY_CONTAINERS
from handlers.pages import Entry, first_page
from handlers.papers.container_papers import papers_button
from storage.clock import utc_now
from storage.containers import PACE_WEEKS
from storage.models.container_volume import container_volume
from storage.models.containers import Container, ContainerProgress, ContainerStatus, ContainerView
from storage.models.orders import OrderStatus, OrderView

# Callback data of every container button ("box:" belongs to the container modules).
NEW = "box:new"
VIEW = "box:see:"
ADD = "box:add:"
PUT = "box:put:"
PUT_ANYWAY = "box:putx:"
TAKE_OUT = "box:out:"
ASK_CANCEL = "box:qcan:"
CANCEL = "box:can:"
ASK_SHIP = "box:qship:"
SHIP = "box:ship:"
_ID = r"([0-9]{1,18})"
VIEW_PATTERN = re.compile(rf"^box:see:{_ID}$")
ADD_PATTERN = re.compile(rf"^box:add:{_ID}$")
PUT_PATTERN = re.compile(rf"^box:put:{_ID}:{_ID}$")
PUT_ANYWAY_PATTERN = re.compile(rf"^box:putx:{_ID}:{_ID}$")
TAKE_OUT_PATTERN = re.compile(rf"^box:out:{_ID}:{_ID}$")
ASK_CANCEL_PATTERN = re.compile(rf"^box:qcan:{_ID}$")
CANCEL_PATTERN = re.compile(rf"^box:can:{_ID}$")
ASK_SHIP_PATTERN = re.compile(rf"^box:qship:{_ID}$")
SHIP_PATTERN = re.compile(rf"^box:ship:{_ID}$")

BAR_CELLS = 10
# Enough for any real container: the rest are counted, not listed.
MAX_LISTED_ORDERS = 30


def _cells(count: int, capacity: int) -> int:
    if count <= 0:
        return 0
    if count >= capacity:
        return BAR_CELLS
    # Rounded to the nearest cell, but a started or unfinished container never looks empty or full.
    cells = (2 * count * BAR_CELLS + capacity) // (2 * capacity)
    return min(max(cells, 1), BAR_CELLS - 1)


def fill_bar(ready: int, planned: int, capacity: int) -> str:
    """Draw the container in text: ▓ ready, ▒ still to make, ░ free room."""
    ready_cells = _cells(ready, capacity)
    planned_cells = max(_cells(planned, capacity), ready_cells)
    return (
        "▓" * ready_cells + "▒" * (planned_cells - ready_cells) + "░" * (BAR_CELLS - planned_cells)
    )


def percent(count: int, capacity: int) -> int:
    """The share of the capacity, in whole percent rounded down (100 only when full)."""
    return min(100, count * 100 // capacity)


def buyer_label(view: ContainerView) -> str:
    """The container's buyer and company, escaped."""
    if view.buyer_company:
        return f"{esc(view.buyer_name)} ({esc(view.buyer_company)})"
    return esc(view.buyer_name)


def status_name(t: Translator, container: Container) -> str:
    """Say where a container stands."""
    names = {
        ContainerStatus.OPEN: t._("open"),
        ContainerStatus.SHIPPED: t._("shipped"),
        ContainerStatus.CANCELLED: t._("cancelled"),
    }
    return names[container.status]


def order_status_name(t: Translator, status: OrderStatus) -> str:
    """Say where an order stands."""
    names = {
        OrderStatus.REQUESTED: t._("requested"),
        OrderStatus.CONFIRMED: t._("confirmed"),
        OrderStatus.BACKORDERED: t._("backordered"),
        OrderStatus.IN_CONTAINER: t._("in a container"),
        OrderStatus.SHIPPED: t._("shipped"),
        OrderStatus.DECLINED: t._("declined"),
        OrderStatus.CANCELLED: t._("cancelled"),
    }
    return names[status]


def estimate_line(t: Translator, progress: ContainerProgress, on: date) -> str:
    """Say when every drum should be ready at the recent pace, against the target date."""
    if progress.planned == 0:
        return t._("No orders in it yet.")
    if progress.to_make == 0:
        return t._("✅ Ready now: every drum is in stock.")
    days = progress.days_needed
    if days is None:
        return t._("📅 Estimated ready date: not enough recent production to estimate.")
    ready_on = on + timedelta(days=math.ceil(days))
    target = progress.view.container.target_date
    late = (ready_on - target).days
    if late < 0:
        text = t._("📅 Estimated ready: <b>{date}</b>, before the target date.")
    elif late == 0:
        text = t._("📅 Estimated ready: <b>{date}</b>, on the target date.")
    else:
        text = t.ngettext(
            "📅 Estimated ready: <b>{date}</b>, {count} day after the target date ⚠️",
            "📅 Estimated ready: <b>{date}</b>, {count} days after the target date ⚠️",
            late,
        )
    pace = t._("(at the pace of the drums accepted in the last {count} weeks)")
    return "\n".join(
        [text.format(date=t.date(ready_on), count=t.number(late)), pace.format(count=PACE_WEEKS)]
    )


def _order_line(t: Translator, view: OrderView) -> str:
    order, model = view.order, model_name(t, view.model)
    if order.status is OrderStatus.IN_CONTAINER:
        return t._("• {reference} · {model}: {count}, {ready} ready").format(
            reference=order.reference,
            model=model,
            count=t.number((order.confirmed or 0) - order.shipped),
            ready=t.number(order.reserved),
        )
    if order.status is OrderStatus.SHIPPED:
        return t._("• {reference} · {model}: {count} shipped").format(
            reference=order.reference, model=model, count=t.number(order.shipped)
        )
    return t._("• {reference} · {model}: {count} shipped, {rest} to follow later").format(
        reference=order.reference,
        model=model,
        count=t.number(order.shipped),
        rest=t.number(order.outstanding),
    )


def progress_text(
    t: Translator, progress: ContainerProgress, on: date, *, for_admin: bool, usable_share: float
) -> str:
    """Describe a container: where it goes, how full it is, when it should be ready."""
    view = progress.view
    container = view.container
    lines = [t._("🚢 <b>Container {reference}</b>").format(reference=container.reference)]
    if for_admin:
        lines.append(t._("Buyer: {buyer}").format(buyer=buyer_label(view)))
    lines += [
        t._("Destination: {destination}").format(destination=esc(container.destination)),
        t._("Target date: {date}").format(date=t.date(container.target_date)),
        t.ngettext("Capacity: {count} drum", "Capacity: {count} drums", container.capacity).format(
            count=t.number(container.capacity)
        ),
        t._("Container type: {kind}").format(kind=kind_label(t, container.kind, usable_share)),
    ]
    if container.status is ContainerStatus.OPEN:
        lines += [
            "",
            t._("{bar} {percent}% ready").format(
                bar=fill_bar(progress.ready, progress.planned, container.capacity),
                percent=percent(progress.ready, container.capacity),
            ),
            t._("▓ ready · ▒ still to make · ░ free"),
            t._("Drums planned: <b>{count}</b>").format(count=t.number(progress.planned)),
            t._("Ready: <b>{count}</b>").format(count=t.number(progress.ready)),
            t._("Still to make: <b>{count}</b>").format(count=t.number(progress.to_make)),
        ]
    else:
        closed = container.closed_at.date() if container.closed_at else container.created_at.date()
        lines.append(
            t._("Status: {status} on {date}").format(
                status=status_name(t, container), date=t.date(closed)
            )
        )
    lines.append(t._("Shipped: <b>{count}</b>").format(count=t.number(progress.shipped)))
    if container.status is ContainerStatus.OPEN:
        volume = container_volume(progress, usable_share)
        models = [line.model for line in progress.models]
        lines += ["", *volume_lines(t, volume, models), "", estimate_line(t, progress, on)]
    if not progress.orders:
        return "\n".join(lines)
    lines += ["", t._("<b>Orders</b>")]
    entries = [Entry(_order_line(t, view)) for view in progress.orders]
    return first_page(t, entries, header="\n".join(lines), per_page=MAX_LISTED_ORDERS).text


def admin_keyboard(t: Translator, progress: ContainerProgress) -> InlineKeyboardMarkup:
    """The admins' buttons under a container: fill it, take orders out, ship or cancel it."""
    container = progress.view.container
    rows: list[list[Button]] = []
    if container.status is ContainerStatus.OPEN:
        rows.append([(t._("\N{HEAVY PLUS SIGN} Add orders"), f"{ADD}{container.id}")])
        inside = [v.order for v in progress.orders if v.order.status is OrderStatus.IN_CONTAINER]
        for order in inside[:MAX_LISTED_ORDERS]:
            label = t._("\N{HEAVY MINUS SIGN} Take out {reference}").format(
                reference=order.reference
            )
            rows.append([(label, f"{TAKE_OUT}{container.id}:{order.id}")])
        rows.append(
            [
                (t._("🚢 Ship"), f"{ASK_SHIP}{container.id}"),
                (t._("✖️ Cancel container"), f"{ASK_CANCEL}{container.id}"),
            ]
        )
    rows.append([papers_button(t, container.id)])
    rows.append([(t._("🔄 Refresh"), f"{VIEW}{container.id}"), (t._("⬅️ Containers"), CONTAINERS)])
    return keyboard(rows)


def buyer_keyboard(t: Translator, container: Container) -> InlineKeyboardMarkup:
    """The buyer's buttons under their container."""
    return keyboard(
        [[(t._("🔄 Refresh"), f"{VIEW}{container.id}"), (t._("⬅️ My containers"), MY_CONTAINERS)]]
    )


async def show_container(
    update: Update, context: BotContext, progress: ContainerProgress, *, for_admin: bool
) -> None:
    """Show a container's progress with the buttons that fit the reader."""
    t = context.t
    text = progress_text(
        t, progress, today(context), for_admin=for_admin, usable_share=context.settings.usable_share
    )
    container = progress.view.container
    markup = admin_keyboard(t, progress) if for_admin else buyer_keyboard(t, container)
    await show(update, context, text, markup)


def list_label(
    t: Translator, view: ContainerView, planned: int | None, *, with_buyer: bool = False
) -> str:
    """One container on a button: reference, (buyer,) destination and how full or its status."""
    container = view.container
    if planned is None or container.status is not ContainerStatus.OPEN:
        state = status_name(t, container)
    else:
        state = t._("{percent}% planned").format(percent=percent(planned, container.capacity))
    parts = [container.reference, container.destination[:24], state]
    if with_buyer:
        parts.insert(1, view.buyer_name[:20])
    return " · ".join(parts)


def callback_ids(update: Update, pattern: re.Pattern[str]) -> tuple[int, ...]:
    """Read the ids in a button's data; its handler's pattern has already matched it."""
    query = update.callback_query
    match = pattern.match(query.data or "") if query is not None else None
    assert match is not None
    return tuple(int(group) for group in match.groups())


def closed_text(t: Translator, container: Container) -> str:
    """Say that a container is no longer open, and why."""
    if container.status is ContainerStatus.SHIPPED:
        return t._("{reference} has already shipped.").format(reference=container.reference)
    return t._("{reference} was cancelled.").format(reference=container.reference)


async def open_progress(
    update: Update, context: BotContext, pattern: re.Pattern[str]
) -> ContainerProgress | None:
    """Return the progress of the open container an admin tapped; else say why not, and None."""
    if not await refuse_unless_admin(update, context):
        return None
    (container_id,) = callback_ids(update, pattern)
    t = context.t
    progress = await context.storage.containers.progress(container_id, utc_now())
    if progress is None:
        await answer_button(update, t._("There is no such container."), alert=True)
        return None
    if progress.view.container.status is not ContainerStatus.OPEN:
        await answer_button(update, closed_text(t, progress.view.container), alert=True)
        await show_container(update, context, progress, for_admin=True)
        return None
    return progress
