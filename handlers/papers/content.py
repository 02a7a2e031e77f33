"""What each paper says, from the bot's records: the proforma of an order, the papers of a shipment.

Money is converted line by line: the unit price in the buyer's currency, rounded to the cent,
times the quantity, so that every amount and the total add up as printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.i18n import N_, translator
from bot.settings import Settings
from handlers.catalogue.drums import model_name
from handlers.catalogue.prices import foreign_amount
from storage.models.catalogue import DrumModel
from storage.models.containers import Container
from storage.models.exchange_rates import Currency, ExchangeRate
from storage.models.members import Member
from storage.models.orders import Order
from storage.models.packing import cubic_metres, kilograms
from storage.models.papers import (
    InvoiceCurrency,
    PaperContent,
    PaperKind,
    PaperLine,
    Party,
    Shipment,
)
from storage.papers import ShippedLine

DESCRIPTION = N_("Djembe drum: {model}")


@dataclass(frozen=True)
class MissingRate:
    """No exchange rate is set for the currency the buyer is invoiced in."""

    currency: InvoiceCurrency


def seller(settings: Settings) -> Party:
    """The cooperative as the seller, from the settings."""
    return Party(
        name=settings.seller_name,
        address=settings.seller_address or None,
        country="Indonesia",
        tax_id=settings.seller_tax_id or None,
        bank=settings.seller_bank or None,
    )


def buyer_party(member: Member) -> Party:
    """The buyer as the papers name them."""
    return Party(
        name=member.name,
        company=member.company,
        address=member.address,
        country=member.country,
        phone=member.phone,
    )


def rate_for(
    currency: InvoiceCurrency, rates: dict[Currency, ExchangeRate]
) -> ExchangeRate | MissingRate | None:
    """The rate to convert Rupiah at; None for Rupiah itself."""
    if currency is InvoiceCurrency.IDR:
        return None
    return rates.get(Currency(currency.value)) or MissingRate(currency)


def paper_line(
    model: DrumModel, quantity: int, rupiah: int, rate: ExchangeRate | None, *, chinese: bool
) -> PaperLine:
    """One model's line: its money at the rate, its packing and weights."""
    unit = Decimal(rupiah) if rate is None else foreign_amount(rupiah, rate)
    packing = model.packing
    english, zh = translator("en"), translator("zh")
    return PaperLine(
        code=model.code,
        description=english._(DESCRIPTION).format(model=model_name(english, model)),
        description_zh=zh._(DESCRIPTION).format(model=model_name(zh, model)) if chinese else None,
        hs_code=packing.hs_code,
        quantity=quantity,
        unit_price=unit,
        amount=unit * quantity,
        packages=packing.packages(quantity),
        per_carton=None if packing.carton is None else packing.carton.per_carton,
        net_kg=kilograms(packing.net_g(quantity)),
        gross_kg=kilograms(packing.gross_g(quantity)),
        volume_m3=cubic_metres(packing.cm3(quantity)),
    )


def _content(
    kind: PaperKind,
    lines: tuple[PaperLine, ...],
    settings: Settings,
    buyer: Member,
    rate: ExchangeRate | None,
    issued_on: date,
    *,
    chinese: bool,
) -> PaperContent:
    """What every paper says, its number still unset."""
    return PaperContent(
        kind=kind,
        number="",
        issued_on=issued_on,
        seller=seller(settings),
        buyer=buyer_party(buyer),
        currency=buyer.invoice_currency,
        rupiah_per_unit=None if rate is None else rate.rupiah_per_unit,
        lines=lines,
        incoterm=f"{settings.incoterm} {settings.incoterm_place}",
        payment_terms=settings.payment_terms,
        chinese=chinese,
    )


def proforma(
    settings: Settings,
    order: Order,
    model: DrumModel,
    buyer: Member,
    rates: dict[Currency, ExchangeRate],
    issued_on: date,
    *,
    chinese: bool,
) -> PaperContent | MissingRate:
    """The proforma invoice of an order: the drums confirmed, else those asked for."""
    rate = rate_for(buyer.invoice_currency, rates)
    if isinstance(rate, MissingRate):
        return rate
    line = paper_line(model, order.billed_quantity, order.unit_price, rate, chinese=chinese)
    content = _content(
        PaperKind.PROFORMA, (line,), settings, buyer, rate, issued_on, chinese=chinese
    )
    return content.model_copy(
        update={
            "valid_until": issued_on + timedelta(days=settings.proforma_validity_days),
            "lead_time_days": settings.lead_time_days,
            "order_reference": order.reference,
        }
    )


def shipment(container: Container) -> Shipment | None:
    """What the admin typed at shipping; None while it was not typed."""
    if container.container_number is None:
        return None
    return Shipment(
        container_kind=container.kind.value,
        container_number=container.container_number,
        seal_number=container.seal_number or "",
        vessel=container.vessel or "",
        voyage=container.voyage or "",
        port_of_loading=container.port_of_loading or "",
        port_of_discharge=container.port_of_discharge or "",
        shipping_marks=container.shipping_marks or "",
    )


def shipping_papers(
    settings: Settings,
    container: Container,
    shipped: list[ShippedLine],
    buyer: Member,
    rates: dict[Currency, ExchangeRate],
    issued_on: date,
    *,
    chinese: bool,
) -> tuple[PaperContent, PaperContent] | MissingRate:
    """The commercial invoice and the packing list of a shipped container (numbers unset).

    One line per model: the drums of every order of that model that left, at their prices
    (orders of one model at different prices stay separate lines).
    """
    rate = rate_for(buyer.invoice_currency, rates)
    if isinstance(rate, MissingRate):
        return rate
    grouped: dict[tuple[int, int], tuple[DrumModel, int]] = {}
    for line in shipped:
        key = (line.model.id, line.unit_price)
        model, quantity = grouped.get(key, (line.model, 0))
        grouped[key] = (model, quantity + line.quantity)
    lines = tuple(
        paper_line(model, quantity, price, rate, chinese=chinese)
        for (_, price), (model, quantity) in grouped.items()
    )
    invoice = _content(
        PaperKind.COMMERCIAL, lines, settings, buyer, rate, issued_on, chinese=chinese
    ).model_copy(
        update={"container_reference": container.reference, "shipment": shipment(container)}
    )
    return invoice, invoice.model_copy(update={"kind": PaperKind.PACKING})
