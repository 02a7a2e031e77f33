"""The export papers as PDFs to print and sign: proforma, commercial invoice, packing list."""

from bot.documents.papers.paper import paper_document, render_paper

__all__ = ["paper_document", "render_paper"]
