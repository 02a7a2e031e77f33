"""Issuing papers: drawn in a worker thread, numbered and stored in one step, sent as files."""

from __future__ import annotations

import asyncio

from bot.context import BotContext
from bot.documents.papers import render_paper
from bot.i18n import Translator
from handlers.common import today, translator_for
from handlers.papers.content import MissingRate, proforma, shipping_papers
from storage.models.papers import Paper, PaperContent, PaperKind
from storage.papers import Issued, PaperRequest


async def _render(content: PaperContent) -> bytes:
    return await asyncio.to_thread(render_paper, content)


async def _reads_chinese(context: BotContext, telegram_id: int) -> bool:
    reader = await translator_for(context.storage, context.settings.default_locale, telegram_id)
    return reader.locale == "zh"


async def issue_proforma(
    context: BotContext, order_id: int, *, by: int | None
) -> Issued | MissingRate | None:
    """Issue an order's proforma (a revision if the order changed since); None if no order."""
    storage = context.storage
    view = await storage.orders.view(order_id)
    buyer = None if view is None else await storage.members.get(view.order.buyer_id)
    if view is None or buyer is None:
        return None
    content = proforma(
        context.settings,
        view.order,
        view.model,
        buyer,
        await storage.exchange_rates.all(),
        today(context),
        chinese=await _reads_chinese(context, buyer.telegram_id),
    )
    if isinstance(content, MissingRate):
        return content
    request = PaperRequest(content=content, buyer_id=buyer.id, order_id=order_id, issued_by=by)
    return await storage.papers.issue(request, _render)


async def issue_shipping_papers(
    context: BotContext, container_id: int, *, by: int | None
) -> list[Issued] | MissingRate | None:
    """Issue a shipped container's commercial invoice, then its packing list; None if none."""
    storage = context.storage
    view = await storage.containers.view(container_id)
    buyer = None if view is None else await storage.members.get(view.container.buyer_id)
    shipped = await storage.papers.shipped_lines(container_id)
    if view is None or buyer is None or not shipped:
        return None
    contents = shipping_papers(
        context.settings,
        view.container,
        shipped,
        buyer,
        await storage.exchange_rates.all(),
        today(context),
        chinese=await _reads_chinese(context, buyer.telegram_id),
    )
    if isinstance(contents, MissingRate):
        return contents
    invoice, packing = contents
    issued_invoice = await storage.papers.issue(
        PaperRequest(content=invoice, buyer_id=buyer.id, container_id=container_id, issued_by=by),
        _render,
    )
    packing = packing.model_copy(
        update={
            "invoice_number": issued_invoice.paper.number,
            "invoice_date": issued_invoice.paper.content.issued_on,
        }
    )
    issued_packing = await storage.papers.issue(
        PaperRequest(content=packing, buyer_id=buyer.id, container_id=container_id, issued_by=by),
        _render,
    )
    return [issued_invoice, issued_packing]


def kind_name(t: Translator, kind: PaperKind) -> str:
    """A paper's kind in the reader's words."""
    return {
        PaperKind.PROFORMA: t._("Proforma invoice"),
        PaperKind.COMMERCIAL: t._("Commercial invoice"),
        PaperKind.PACKING: t._("Packing list"),
    }[kind]


def paper_caption(t: Translator, paper: Paper) -> str:
    """The caption of a paper's file: what it is, its number and what it is for."""
    content = paper.content
    subject = content.order_reference or content.container_reference or ""
    return t._("📄 {kind} {number} · {subject}").format(
        kind=kind_name(t, paper.kind), number=paper.number, subject=subject
    )


async def send_paper(context: BotContext, paper: Paper, chat_id: int) -> None:
    """Send a paper's PDF as issued: at once to the person served, else through the outbox."""
    pdf = await context.storage.papers.pdf(paper.id)
    if pdf is None:
        return
    t = await translator_for(context.storage, context.settings.default_locale, chat_id)
    caption = paper_caption(t, paper)
    if chat_id != context.chat_id:
        await context.outbox.send_document(chat_id, pdf, paper.file_name, caption)
        return
    await context.bot.send_document(chat_id, pdf, filename=paper.file_name, caption=caption)
