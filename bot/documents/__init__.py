"""Every PDF the bot makes: a document of final texts, laid out on A4 pages by fpdf2."""

from bot.documents.model import (
    Boxes,
    Column,
    Details,
    Document,
    Highlight,
    Note,
    Signatures,
    Table,
)
from bot.documents.render import render_pdf

__all__ = [
    "Boxes",
    "Column",
    "Details",
    "Document",
    "Highlight",
    "Note",
    "Signatures",
    "Table",
    "render_pdf",
]
