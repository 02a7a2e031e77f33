"""A proforma invoice, a commercial invoice or a packing list, laid out as a document."""

from __future__ import annotations

from bot.documents.model import Block, Document, Highlight
from bot.documents.papers.goods import invoice_goods, packed_goods
from bot.documents.papers.sections import (
    parties,
    references,
    shipment,
    signature,
    terms,
    total,
)
from bot.documents.papers.words import Words, day
from bot.documents.render import render_pdf
from bot.i18n import N_
from storage.models.papers import PaperContent, PaperKind

# In capitals, as the papers are headed: messages of their own, apart from the kinds' names.
TITLES = {
    PaperKind.PROFORMA: N_("PROFORMA INVOICE"),
    PaperKind.COMMERCIAL: N_("COMMERCIAL INVOICE"),
    PaperKind.PACKING: N_("PACKING LIST"),
}


def paper_document(content: PaperContent) -> Document:
    """Lay the paper out: references, parties, goods, terms, shipment and a line to sign."""
    words = Words(content.chinese)
    blocks: list[Block] = [references(content, words), parties(content, words)]
    if content.kind is PaperKind.PACKING:
        blocks.append(packed_goods(content, words))
    else:
        blocks += [invoice_goods(content, words), Highlight(*total(content, words))]
        blocks.append(terms(content, words))
    if content.kind is not PaperKind.PROFORMA and content.shipment is not None:
        blocks.append(shipment(content, content.shipment, words))
    blocks.append(signature(content, words))
    buyer = content.buyer.company or content.buyer.name
    return Document(
        issuer=content.seller.company or content.seller.name,
        title=words.label(TITLES[content.kind]),
        blocks=tuple(blocks),
        footer=f"{content.number} · {day(content.issued_on)}",
        reader_title=f"{content.number} · {buyer}",
    )


def render_paper(content: PaperContent) -> bytes:
    """Draw the paper as an A4 PDF; CPU work, so call it through asyncio.to_thread."""
    return render_pdf(paper_document(content))
