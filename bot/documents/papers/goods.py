"""The goods on a paper: priced lines on the invoices, packed lines on the packing list."""

from __future__ import annotations

from bot.documents.model import Column, Table
from bot.documents.papers.words import Words, amount, cubic_metres, kilograms, whole
from bot.i18n import N_
from storage.models.papers import PaperContent, PaperLine

# A cell's Chinese goes under its English: the number columns are narrow.
HEADING = "\n"


def invoice_goods(content: PaperContent, words: Words) -> Table:
    """The lines with their HS codes, quantities, unit prices and amounts, and the total."""
    currency = content.currency.value
    columns = (
        Column(words.label(N_("No."), HEADING), 0.5, numeric=True),
        Column(words.label(N_("Description of goods"), HEADING), 4.5),
        Column(words.label(N_("HS code"), HEADING), 0.95),
        Column(words.label(N_("Quantity (pcs)"), HEADING), 1.0, numeric=True),
        Column(words.label(N_("Unit price ({currency})"), HEADING, currency=currency), 1.1, True),
        Column(words.label(N_("Amount ({currency})"), HEADING, currency=currency), 1.4, True),
    )
    rows = tuple(
        (
            whole(number),
            _description(line, words),
            line.hs_code,
            whole(line.quantity),
            amount(line.unit_price, content.currency),
            amount(line.amount, content.currency),
        )
        for number, line in enumerate(content.lines, start=1)
    )
    totals = (
        "",
        words.label(N_("Total")),
        "",
        whole(content.total_quantity),
        "",
        amount(content.total_amount, content.currency),
    )
    return Table(words.label(N_("Goods")), columns, rows, totals, dense=True)


def packed_goods(content: PaperContent, words: Words) -> Table:
    """The lines with their packages, quantities, weights and volumes, and the totals."""
    columns = (
        Column(words.label(N_("No."), HEADING), 0.5, numeric=True),
        Column(words.label(N_("Description of goods"), HEADING), 4.1),
        Column(words.label(N_("Packages"), HEADING), 1.35, numeric=True),
        Column(words.label(N_("Quantity (pcs)"), HEADING), 1.0, numeric=True),
        Column(words.label(N_("Net weight (kg)"), HEADING), 1.0, numeric=True),
        Column(words.label(N_("Gross weight (kg)"), HEADING), 1.0, numeric=True),
        Column(words.label(N_("Volume (m³)"), HEADING), 0.85, numeric=True),
    )
    rows = tuple(
        (
            whole(number),
            _description(line, words),
            _packages(line, words),
            whole(line.quantity),
            kilograms(line.net_kg),
            kilograms(line.gross_kg),
            cubic_metres(line.volume_m3),
        )
        for number, line in enumerate(content.lines, start=1)
    )
    totals = (
        "",
        words.label(N_("Total")),
        words.ngettext(
            "{count} package", "{count} packages", content.total_packages, separator=HEADING
        ),
        whole(content.total_quantity),
        kilograms(content.total_net_kg),
        kilograms(content.total_gross_kg),
        cubic_metres(content.total_volume_m3),
    )
    return Table(words.label(N_("Packages and weights")), columns, rows, totals, dense=True)


def _description(line: PaperLine, words: Words) -> str:
    """The goods in English, and in Chinese under it on a Chinese paper."""
    if words.chinese and line.description_zh:
        return f"{line.description}\n{line.description_zh}"
    return line.description


def _packages(line: PaperLine, words: Words) -> str:
    """How the line is packed: loose drums, or cartons of so many drums."""
    if line.per_carton is None:
        return words.ngettext("{count} loose", "{count} loose", line.packages, separator=HEADING)
    return words.ngettext(
        # The multiplication sign, as packing lists write it.
        "{count} carton × {per_carton}",  # noqa: RUF001
        "{count} cartons × {per_carton}",  # noqa: RUF001
        line.packages,
        separator=HEADING,
        per_carton=whole(line.per_carton),
    )
