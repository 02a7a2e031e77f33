"""The parts every paper shares: its references, the two parties, the terms, the shipment."""

from __future__ import annotations

from bot.documents.model import Boxes, Details, Signatures
from bot.documents.papers.words import Words, day, money, whole
from bot.i18n import N_
from storage.models.papers import InvoiceCurrency, PaperContent, PaperKind, Party, Shipment

INCOTERMS = "Incoterms® 2020"
CONTAINER_KINDS = {"20gp": "20' GP", "40gp": "40' GP", "40hc": "40' HC"}

Line = tuple[str, str]


def references(content: PaperContent, words: Words) -> Details:
    """The paper's number and date, and what it belongs to."""
    lines: list[Line] = [
        (words.label(N_("Number")), content.number),
        (words.label(N_("Date")), day(content.issued_on)),
    ]
    if content.valid_until is not None:
        lines.append((words.label(N_("Valid until")), day(content.valid_until)))
    if content.kind is PaperKind.PACKING and content.invoice_number:
        lines.append((words.label(N_("Invoice no.")), content.invoice_number))
        if content.invoice_date is not None:
            lines.append((words.label(N_("Invoice date")), day(content.invoice_date)))
    if content.order_reference:
        lines.append((words.label(N_("Order reference")), content.order_reference))
    if content.container_reference:
        lines.append((words.label(N_("Container reference")), content.container_reference))
    return Details(tuple(lines), columns=2)


def parties(content: PaperContent, words: Words) -> Boxes:
    """The seller (with the bank to pay on an invoice) beside the buyer."""
    invoice = content.kind is not PaperKind.PACKING
    seller = _party(content.seller, words, N_("Tax ID (NPWP)"), bank=invoice)
    buyer = _party(content.buyer, words, N_("Tax ID"), bank=False)
    return Boxes(
        (
            Details(seller, title=words.label(N_("Seller"))),
            Details(buyer, title=words.label(N_("Buyer"))),
        )
    )


def _party(party: Party, words: Words, tax_label: str, *, bank: bool) -> tuple[Line, ...]:
    lines: list[Line] = [("", party.company)] if party.company else []
    lines.append(("", party.name))
    if party.address:
        lines.append((words.label(N_("Address")), party.address))
    if party.country:
        lines.append((words.label(N_("Country")), words.country(party.country)))
    if party.tax_id:
        lines.append((words.label(tax_label), party.tax_id))
    if party.phone:
        lines.append((words.label(N_("Phone")), party.phone))
    if bank and party.bank:
        lines.append((words.label(N_("Bank")), party.bank))
    return tuple(lines)


def terms(content: PaperContent, words: Words) -> Details:
    """How the goods are sold: delivery, payment, lead time, origin, currency and its rate."""
    # The rule with its named place, as the seller set it: FOB Tanjung Perak, Surabaya.
    place = content.incoterm
    if "incoterms" not in place.lower():
        place = f"{place} — {INCOTERMS}"
    lines: list[Line] = [
        (words.label(N_("Delivery terms")), place),
        (words.label(N_("Payment terms")), content.payment_terms),
    ]
    if content.lead_time_days is not None and content.kind is PaperKind.PROFORMA:
        days = words.ngettext("{count} day", "{count} days", content.lead_time_days)
        lines.append((words.label(N_("Lead time")), days))
    lines.append((words.label(N_("Country of origin")), words.country(content.origin)))
    lines.append((words.label(N_("Currency")), content.currency.value))
    if content.currency is not InvoiceCurrency.IDR and content.rupiah_per_unit:
        rate = f"1 {content.currency.value} = IDR {whole(content.rupiah_per_unit)}"
        lines.append((words.label(N_("Exchange rate")), rate))
    return Details(tuple(lines), title=words.label(N_("Terms")))


def shipment(content: PaperContent, shipped: Shipment, words: Words) -> Details:
    """The container and the voyage, and the marks on the packages."""
    kind = CONTAINER_KINDS.get(shipped.container_kind, shipped.container_kind.upper())
    lines: list[Line] = [
        (words.label(N_("Container no.")), f"{shipped.container_number} ({kind})"),
        (words.label(N_("Seal no.")), shipped.seal_number),
        (words.label(N_("Vessel / voyage")), f"{shipped.vessel} / {shipped.voyage}"),
        (words.label(N_("Port of loading")), shipped.port_of_loading),
        (words.label(N_("Port of discharge")), shipped.port_of_discharge),
    ]
    if content.kind is PaperKind.PACKING:
        lines.append((words.label(N_("Country of origin")), words.country(content.origin)))
    lines.append((words.label(N_("Shipping marks")), shipped.shipping_marks))
    return Details(tuple(lines), title=words.label(N_("Shipment")), columns=2)


def signature(content: PaperContent, words: Words) -> Signatures:
    """The seller's line to sign and stamp."""
    seller = content.seller.company or content.seller.name
    signed = words.label(N_("Authorised signature and stamp"))
    return Signatures((f"{seller}\n{signed}",))


def total(content: PaperContent, words: Words) -> tuple[str, str]:
    """The invoice's total: its label and the sum in the currency."""
    return words.label(N_("Total amount")), money(content.total_amount, content.currency)
