"""A container's papers for the admins: each to get again, and the shipping papers of a shipped
container that left without them (the bot stopped between shipping and issuing)."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import Button, answer_button, keyboard, refuse_unless_admin, show
from handlers.papers.content import MissingRate
from handlers.papers.issuing import issue_shipping_papers, kind_name, send_paper
from handlers.papers.screens import missing_rate_text, paper_button, paper_line, tell_buyer_of
from storage.models.containers import ContainerStatus, ContainerView
from storage.models.papers import Paper, PaperKind

BOX = "ppr:box:"
ISSUE = "ppr:ship:"
BOX_PATTERN = re.compile(r"^ppr:box:([0-9]{1,18})$")
ISSUE_PATTERN = re.compile(r"^ppr:ship:([0-9]{1,18})$")
# The container's own screen, spelled out: handlers.containers.screens imports this module.
CONTAINER_VIEW = "box:see:"
SHIPPING_KINDS = frozenset({PaperKind.COMMERCIAL, PaperKind.PACKING})
# Far more than a container's orders and their revisions; keeps the screen within one message.
MAX_LISTED = 40


def papers_button(t: Translator, container_id: int) -> Button:
    """The button on a container's screen that lists its papers."""
    return (t._("📄 Papers"), f"{BOX}{container_id}")


def lacks_shipping_papers(view: ContainerView, papers: list[Paper]) -> bool:
    """Whether a container has shipped without its commercial invoice or packing list."""
    container = view.container
    issued = {paper.kind for paper in papers if paper.container_id == container.id}
    return container.status is ContainerStatus.SHIPPED and not issued >= SHIPPING_KINDS


def _container_id(update: Update, pattern: re.Pattern[str]) -> int:
    query = update.callback_query
    match = pattern.match(query.data or "") if query is not None else None
    assert match is not None
    return int(match[1])


async def _view(
    update: Update, context: BotContext, pattern: re.Pattern[str]
) -> ContainerView | None:
    """The container an admin tapped; None, with the reason said, for anyone else or none."""
    if not await refuse_unless_admin(update, context):
        return None
    view = await context.storage.containers.view(_container_id(update, pattern))
    if view is None:
        await answer_button(update, context.t._("There is no such container."), alert=True)
    return view


async def _show(
    update: Update, context: BotContext, view: ContainerView, notice: str | None = None
) -> None:
    t, container = context.t, view.container
    papers = (await context.storage.papers.for_container(container.id))[-MAX_LISTED:]
    lines = [notice, ""] if notice else []
    lines.append(
        t._("📄 <b>Papers of container {reference}</b>").format(reference=container.reference)
    )
    lines += [f"• {kind_name(t, paper.kind)} {paper_line(t, paper)}" for paper in papers]
    if not papers:
        lines.append(t._("No paper has been issued for it yet."))
    rows = [[paper_button(paper)] for paper in papers]
    if lacks_shipping_papers(view, papers):
        lines += [
            "",
            t._("It has shipped, but its commercial invoice and packing list were not issued."),
        ]
        rows.append([(t._("📄 Issue the shipping papers"), f"{ISSUE}{container.id}")])
    rows.append([(t._("🚢 Open"), f"{CONTAINER_VIEW}{container.id}")])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def show_papers(update: Update, context: BotContext) -> None:
    """List the papers of a container and its orders, each with a button to get it again."""
    view = await _view(update, context, BOX_PATTERN)
    if view is None:
        return
    await answer_button(update)
    await _show(update, context, view)


async def issue_papers(update: Update, context: BotContext) -> None:
    """Issue a shipped container's missing shipping papers; send them to the buyer and admin."""
    view = await _view(update, context, ISSUE_PATTERN)
    if view is None:
        return
    query = update.callback_query
    assert query is not None
    t, container = context.t, view.container
    if container.status is not ContainerStatus.SHIPPED:
        text = t._(
            "{reference} has not shipped: its commercial invoice and packing list are issued "
            "when it ships."
        )
        await answer_button(update, text.format(reference=container.reference), alert=True)
        return
    issued = await issue_shipping_papers(context, container.id, by=query.from_user.id)
    if issued is None:
        text = t._("Nothing left in {reference}, so there is nothing to put on the papers.")
        await answer_button(update, text.format(reference=container.reference), alert=True)
        return
    if isinstance(issued, MissingRate):
        await answer_button(update, missing_rate_text(t, issued), alert=True)
        return
    numbers = ", ".join(one.paper.number for one in issued if one.new)
    if not numbers:
        already = ", ".join(one.paper.number for one in issued)
        text = t._("Already issued: {numbers}.").format(numbers=already)
        await answer_button(update, text, alert=True)
        await _show(update, context, view)
        return
    await answer_button(update)
    for one in issued:
        await tell_buyer_of(context, one)
    notice = t._("📄 {numbers} issued and sent to the buyer.").format(numbers=numbers)
    await _show(update, context, view, notice)
    for one in issued:
        if one.new:
            await send_paper(context, one.paper, query.from_user.id)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handlers of a container's papers."""
    return [
        CallbackQueryHandler(show_papers, pattern=BOX_PATTERN),
        CallbackQueryHandler(issue_papers, pattern=ISSUE_PATTERN),
    ]
