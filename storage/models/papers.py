"""Export papers: proforma invoices, commercial invoices and packing lists, as issued."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.containers import ShippingDetails


class InvoiceCurrency(StrEnum):
    """The currency a buyer is invoiced in."""

    USD = "USD"
    CNY = "CNY"
    IDR = "IDR"


class PaperKind(StrEnum):
    """What a paper is."""

    PROFORMA = "proforma"
    COMMERCIAL = "commercial"
    PACKING = "packing"


PREFIXES = {PaperKind.PROFORMA: "PI", PaperKind.COMMERCIAL: "CI", PaperKind.PACKING: "PL"}


def paper_number(kind: PaperKind, year: int, sequence: int, revision: int = 0) -> str:
    """The number printed on a paper: PI-2026-0001, or PI-2026-0001-R1 for a revision."""
    number = f"{PREFIXES[kind]}-{year}-{sequence:04d}"
    return f"{number}-R{revision}" if revision else number


class Party(BaseModel):
    """The seller or the buyer as a paper names them."""

    model_config = ConfigDict(frozen=True)

    name: str
    company: str | None = None
    address: str | None = None
    country: str | None = None
    tax_id: str | None = None
    bank: str | None = None
    phone: str | None = None


class PaperLine(BaseModel):
    """One model on a paper, with its money (invoices) and its packing (packing lists)."""

    model_config = ConfigDict(frozen=True)

    code: str
    # The model's name in English, and in Chinese for a Chinese-reading buyer.
    description: str
    description_zh: str | None = None
    hs_code: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    packages: int
    # None for loose drums, else drums per carton.
    per_carton: int | None = None
    net_kg: Decimal
    gross_kg: Decimal
    volume_m3: Decimal


class Shipment(ShippingDetails):
    """What the admin typed at shipping, with the container's type, as the papers print it."""

    container_kind: str


class PaperContent(BaseModel):
    """Everything one paper says, every figure final: what is drawn and what the sheet lists."""

    model_config = ConfigDict(frozen=True)

    kind: PaperKind
    number: str
    issued_on: date
    # A proforma's last day; None on the other papers.
    valid_until: date | None = None
    seller: Party
    buyer: Party
    currency: InvoiceCurrency
    # Rupiah per unit of the currency the prices were converted at; None for Rupiah.
    rupiah_per_unit: int | None = None
    lines: tuple[PaperLine, ...]
    incoterm: str
    payment_terms: str
    lead_time_days: int | None = None
    origin: str = "Indonesia"
    order_reference: str | None = None
    container_reference: str | None = None
    # The commercial invoice a packing list goes with.
    invoice_number: str | None = None
    invoice_date: date | None = None
    shipment: Shipment | None = None
    # Labels in English and Chinese for a Chinese-reading buyer; English alone otherwise.
    chinese: bool = False

    @property
    def total_quantity(self) -> int:
        """Drums on the paper."""
        return sum(line.quantity for line in self.lines)

    @property
    def total_amount(self) -> Decimal:
        """The amounts added up."""
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def total_packages(self) -> int:
        """Packages on the paper."""
        return sum(line.packages for line in self.lines)

    @property
    def total_net_kg(self) -> Decimal:
        """Net weight added up."""
        return sum((line.net_kg for line in self.lines), Decimal(0))

    @property
    def total_gross_kg(self) -> Decimal:
        """Gross weight added up."""
        return sum((line.gross_kg for line in self.lines), Decimal(0))

    @property
    def total_volume_m3(self) -> Decimal:
        """Volume added up."""
        return sum((line.volume_m3 for line in self.lines), Decimal(0))

    def content_key(self) -> str:
        """A digest of what the paper says apart from its number and dates."""
        unnumbered = self.model_copy(
            update={"number": "", "issued_on": date.min, "valid_until": None}
        )
        return hashlib.sha256(unnumbered.model_dump_json().encode()).hexdigest()


class Paper(BaseModel):
    """A paper as issued (its PDF is read apart: it can be large)."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: PaperKind
    year: int
    sequence: int
    revision: int
    order_id: int | None = None
    container_id: int | None = None
    buyer_id: int
    currency: InvoiceCurrency
    content: PaperContent
    issued_at: datetime
    issued_by: int | None = None

    @property
    def number(self) -> str:
        """The number printed on it, e.g. PI-2026-0001-R1."""
        return paper_number(self.kind, self.year, self.sequence, self.revision)

    @property
    def file_name(self) -> str:
        """The PDF's file name."""
        return f"{self.number}.pdf"
