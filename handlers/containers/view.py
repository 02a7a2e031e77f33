"""A container's progress for its buyer and for admins, and /containers for either role."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import (
    answer_button,
    answer_or_reply,
    esc,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    show,
)
from handlers.containers.screens import (
    NEW,
    VIEW,
    VIEW_PATTERN,
    list_label,
    percent,
    show_container,
    status_name,
)
from handlers.members.menu import CONTAINERS, MAIN_MENU, MY_CONTAINERS
from handlers.pages import MAX_LISTED, Entry, paginate, pick, tapped_page
from storage.clock import utc_now
from storage.models.containers import ContainerStatus
from storage.models.members import Member, MemberStatus, Role

LIST_PAGE = f"{CONTAINERS}:"
LIST_PATTERN = re.compile(rf"^{CONTAINERS}(?::([0-9]{{1,6}}))?$")
MINE_PAGE = f"{MY_CONTAINERS}:"
MINE_PATTERN = re.compile(rf"^{MY_CONTAINERS}(?::([0-9]{{1,6}}))?$")
MINE_PAGE_SIZE = 10


def _buyer(context: BotContext) -> Member | None:
    member = context.member
    if member is None or member.role is not Role.BUYER or member.status is not MemberStatus.ACTIVE:
        return None
    return member


async def containers_command(update: Update, context: BotContext) -> None:
    """Show the admins' container list to an admin, else the buyer's own containers."""
    if context.is_admin:
        await admin_list(update, context)
    else:
        await my_containers(update, context)


async def my_containers(update: Update, context: BotContext) -> None:
    """List the buyer's containers, open ones first, each a button to its progress, by pages."""
    t = context.t
    buyer = _buyer(context)
    if buyer is None:
        await answer_or_reply(update, context, t._("Container shipments are for buyers."))
        return
    await answer_button(update)
    storage = context.storage
    entries: list[Entry] = []
    for view in await storage.containers.for_buyer(buyer.id, limit=MAX_LISTED):
        planned = None
        if view.container.status is ContainerStatus.OPEN:
            progress = await storage.containers.progress(view.container.id, utc_now())
            planned = progress.planned if progress else None
        entries.append(Entry("", (list_label(t, view, planned), f"{VIEW}{view.container.id}")))
    if entries:
        text = t._("🚢 <b>Your containers</b>\nTap one to see how full it is.")
    else:
        text = t._(
            "🚢 You have no container shipments yet. The cooperative opens one for you "
            "when your orders are confirmed."
        )
    pages = paginate(entries, header=text, per_page=MINE_PAGE_SIZE)
    page = pick(pages, tapped_page(update, MINE_PATTERN))
    rows = [*page.rows, *page_buttons(t, MINE_PAGE, page.number, more=page.more)]
    await show(update, context, page.text, keyboard([*rows, [(t._("⬅️ Menu"), MAIN_MENU)]]))


async def view_container(update: Update, context: BotContext) -> None:
    """Show a container's progress to its buyer, or to an admin with the admins' buttons."""
    query = update.callback_query
    match = VIEW_PATTERN.match(query.data or "") if query is not None else None
    assert match is not None
    progress = await context.storage.containers.progress(int(match[1]), utc_now())
    buyer = _buyer(context)
    entitled = progress is not None and (
        context.is_admin or (buyer is not None and progress.view.container.buyer_id == buyer.id)
    )
    if progress is None or not entitled:
        # The same answer for a missing container and someone else's: nothing is revealed.
        text = context.t._("There is no such container of yours.")
        await answer_button(update, text, alert=True)
        return
    await answer_button(update)
    await show_container(update, context, progress, for_admin=context.is_admin)


async def admin_list(update: Update, context: BotContext) -> None:
    """List open containers with how full they are, then recent ones, a page at a time."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t, containers = context.t, context.storage.containers
    entries: list[Entry] = []
    for view in await containers.open_containers():
        progress = await containers.progress(view.container.id, utc_now())
        planned, ready = (progress.planned, progress.ready) if progress else (0, 0)
        capacity = view.container.capacity
        line = t._(
            "• {reference} · {buyer} · {destination}: {planned} of {capacity} "
            "({percent}%), {ready} ready · by {date}"
        ).format(
            reference=view.container.reference,
            buyer=esc(view.buyer_name),
            destination=esc(view.container.destination),
            planned=t.number(planned),
            capacity=t.number(capacity),
            percent=percent(planned, capacity),
            ready=t.number(ready),
            date=t.date(view.container.target_date),
        )
        button = (list_label(t, view, planned, with_buyer=True), f"{VIEW}{view.container.id}")
        entries.append(Entry(line, button, t._("<b>Open</b>")))
    for view in await containers.recent():
        if view.container.status is ContainerStatus.OPEN:
            continue
        line = t._("• {reference} · {buyer} · {destination}: {status}").format(
            reference=view.container.reference,
            buyer=esc(view.buyer_name),
            destination=esc(view.container.destination),
            status=status_name(t, view.container),
        )
        button = (list_label(t, view, None, with_buyer=True), f"{VIEW}{view.container.id}")
        entries.append(Entry(line, button, t._("<b>Recent</b>")))
    empty = "" if entries else t._("No containers yet.")
    pages = paginate(entries, header=t._("🚢 <b>Containers</b>"), footer=empty)
    page = pick(pages, tapped_page(update, LIST_PATTERN))
    rows = [*page.rows, *page_buttons(t, LIST_PAGE, page.number, more=page.more)]
    rows += [[(t._("\N{HEAVY PLUS SIGN} New container"), NEW)], [(t._("⬅️ Menu"), MAIN_MENU)]]
    await show(update, context, page.text, keyboard(rows))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /containers, the buyer's list and the container view."""
    return [
        CommandHandler("containers", containers_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(admin_list, pattern=LIST_PATTERN),
        CallbackQueryHandler(my_containers, pattern=MINE_PATTERN),
        CallbackQueryHandler(view_container, pattern=VIEW_PATTERN),
    ]
