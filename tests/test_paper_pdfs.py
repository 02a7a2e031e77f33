"""Export papers as PDFs: every figure read back, prices kept off the packing list, Chinese."""

from __future__ import annotations

import logging
import re
import warnings
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from bot.documents.papers import render_paper
from bot.documents.papers.words import Words, amount, money
from bot.i18n import translator
from storage.models.papers import (
    InvoiceCurrency,
    PaperContent,
    PaperKind,
    PaperLine,
    Party,
    Shipment,
)

TIMES = "\N{MULTIPLICATION SIGN}"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
SELLER = Party(
    name="Koperasi Kendang Djembe Blitar",
    address="Jl. Merdeka 12, Blitar, Jawa Timur 66111",
    country="Indonesia",
    tax_id="01.234.567.8-653.000",
    bank="Bank Rakyat Indonesia, Blitar\nAccount 0123-01-000456-30-1\nSWIFT BRINIDJA",
)
BUYER = Party(
    name="Li Wei",
    company="Yiwu Music Trading Co., Ltd.",
    address="88 Futian Road, Yiwu, Zhejiang",
    country="China",
)
SHIPMENT = Shipment(
    container_kind="40hc",
    container_number="MSKU 123456-5",
    seal_number="ID2026771",
    vessel="KMTC JAKARTA",
    voyage="2612N",
    port_of_loading="Tanjung Perak, Surabaya",
    port_of_discharge="Ningbo, China",
    shipping_marks="YIWU MUSIC\nNINGBO\nC/NO. 1-UP",
)
# Small loose (2.5 kg, 3.0 kg packed, 20 x 20 x 40 cm); medium in cartons of 4 (4.5 kg,
# 5.2 kg packed, 60 x 60 x 55 cm a carton); large loose (7.5 kg, 8.5 kg, 32 x 32 x 60 cm).
SMALL = PaperLine(
    code="DJ-S-MAH-GOAT-PLAIN",
    description="Djembe drum: Small · mahogany · goatskin · plain",
    description_zh="非洲鼓：小号 · 桃花心木 · 山羊皮 · 素面",
    hs_code="9206.00",
    quantity=120,
    unit_price=Decimal("45.50"),
    amount=Decimal("5460.00"),
    packages=120,
    net_kg=Decimal("300.0"),
    gross_kg=Decimal("360.0"),
    volume_m3=Decimal("1.920"),
)
MEDIUM = PaperLine(
    code="DJ-M-MAH-GOAT-CARVED",
    description="Djembe drum: Medium · mahogany · goatskin · carved",
    description_zh="非洲鼓：中号 · 桃花心木 · 山羊皮 · 雕刻",
    hs_code="9206.00",
    quantity=200,
    unit_price=Decimal("80.00"),
    amount=Decimal("16000.00"),
    packages=50,
    per_carton=4,
    net_kg=Decimal("900.0"),
    gross_kg=Decimal("1040.0"),
    volume_m3=Decimal("9.900"),
)
LARGE = PaperLine(
    code="DJ-L-JACK-COW-PAINTED",
    description="Djembe drum: Large · jackfruit · cowhide · painted motif",
    description_zh="非洲鼓：大号 · 菠萝蜜木 · 牛皮 · 彩绘",
    hs_code="9206.00",
    quantity=30,
    unit_price=Decimal("132.25"),
    amount=Decimal("3967.50"),
    packages=30,
    net_kg=Decimal("225.0"),
    gross_kg=Decimal("255.0"),
    volume_m3=Decimal("1.843"),
)
PRICES = ("45.50", "80.00", "132.25", "5,460.00", "16,000.00", "3,967.50", "25,427.50")
NUMBERS = {PaperKind.PROFORMA: "PI-2026-0007", PaperKind.COMMERCIAL: "CI-2026-0003"}


def _content(kind: PaperKind, *, chinese: bool = False, **changes: object) -> PaperContent:
    values: dict[str, object] = {
        "kind": kind,
        "number": NUMBERS.get(kind, "PL-2026-0003"),
        "issued_on": date(2026, 12, 7),
        "valid_until": date(2027, 1, 6) if kind is PaperKind.PROFORMA else None,
        "seller": SELLER,
        "buyer": BUYER,
        "currency": InvoiceCurrency.USD,
        "rupiah_per_unit": 16_250,
        "lines": (SMALL, MEDIUM, LARGE),
        "incoterm": "FOB Tanjung Perak, Surabaya",
        "payment_terms": "30% advance by T/T, balance before shipment",
        "lead_time_days": 60,
        "order_reference": "O-2026-0042" if kind is PaperKind.PROFORMA else None,
        "container_reference": None if kind is PaperKind.PROFORMA else "K-2026-03",
        "invoice_number": "CI-2026-0003" if kind is PaperKind.PACKING else None,
        "invoice_date": date(2026, 12, 5) if kind is PaperKind.PACKING else None,
        "shipment": None if kind is PaperKind.PROFORMA else SHIPMENT,
        "chinese": chinese,
    }
    return PaperContent.model_validate({**values, **changes})


def _render(content: PaperContent, caplog: pytest.LogCaptureFixture) -> PdfReader:
    """Render, failing on any warning or logged complaint (fpdf2 logs missing glyphs)."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        pdf = render_paper(content)
    assert [str(warning.message) for warning in caught] == []
    assert [record.getMessage() for record in caplog.records] == []
    return PdfReader(BytesIO(pdf))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _font_names(reader: PdfReader) -> set[str]:
    """The embedded fonts' names, composite fonts' descendants included."""
    names = set()
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for reference in fonts.values():
            font = reference.get_object()
            assert isinstance(font, DictionaryObject)
            descendants = font["/DescendantFonts"].get_object()
            assert isinstance(descendants, ArrayObject)
            for described in [font, *(child.get_object() for child in descendants)]:
                assert isinstance(described, DictionaryObject)
                descriptor = described.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add(str(described["/BaseFont"]))
    return names


def test_a_proforma_lists_each_line_with_its_money_and_its_terms(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = _text(_render(_content(PaperKind.PROFORMA), caplog))

    for written in (
        "PROFORMA INVOICE",
        "PI-2026-0007",
        "7 December 2026",
        "6 January 2027",
        "O-2026-0042",
        # The seller with its tax id and bank; the buyer.
        "Koperasi Kendang Djembe Blitar",
        "NPWP",
        "01.234.567.8-653.000",
        "SWIFT BRINIDJA",
        "Yiwu Music Trading Co., Ltd.",
        "Li Wei",
        "88 Futian Road, Yiwu, Zhejiang",
        "China",
        # Each line: description, HS code, quantity, unit price, amount.
        "Djembe drum: Small · mahogany · goatskin · plain",
        "Djembe drum: Medium · mahogany · goatskin · carved",
        "9206.00",
        "120",
        "200",
        *PRICES,
        "350",
        "USD 25,427.50",
        "FOB Tanjung Perak, Surabaya — Incoterms® 2020",
        "30% advance by T/T, balance before shipment",
        "60 days",
        "Indonesia",
        "1 USD = IDR 16,250",
        "Authorised signature and stamp",
    ):
        assert written in text, written
    # Each line's figures read in the order of its columns.
    assert "9206.00 120 45.50 5,460.00" in text
    assert "9206.00 200 80.00 16,000.00" in text
    assert "9206.00 30 132.25 3,967.50" in text


def test_a_commercial_invoice_adds_the_container_and_the_voyage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = _text(_render(_content(PaperKind.COMMERCIAL), caplog))

    for written in (
        "COMMERCIAL INVOICE",
        "CI-2026-0003",
        "K-2026-03",
        *PRICES,
        "USD 25,427.50",
        "MSKU 123456-5 (40' HC)",
        "ID2026771",
        "KMTC JAKARTA / 2612N",
        "Tanjung Perak, Surabaya",
        "Ningbo, China",
        "YIWU MUSIC",
        "C/NO. 1-UP",
        "Authorised signature and stamp",
    ):
        assert written in text, written
    # Validity and lead time belong to the proforma.
    assert "Valid until" not in text and "Lead time" not in text


def test_a_packing_list_has_packages_weights_and_volumes_and_no_prices(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = _text(_render(_content(PaperKind.PACKING), caplog))

    for written in (
        "PACKING LIST",
        "PL-2026-0003",
        "CI-2026-0003",
        "5 December 2026",
        "K-2026-03",
        "MSKU 123456-5",
        "ID2026771",
        "YIWU MUSIC",
        "Indonesia",
        "Authorised signature and stamp",
    ):
        assert written in text, written
    # Per line: packages, quantity, net kg, gross kg, m³; then the totals.
    assert "120 loose 120 300.0 360.0 1.920" in text
    assert f"50 cartons {TIMES} 4 200 900.0 1,040.0 9.900" in text
    assert "30 loose 30 225.0 255.0 1.843" in text
    assert "200 packages 350 1,425.0 1,655.0 13.663" in text
    for price in (*PRICES, "USD", "Unit price", "Amount", "16,250", "Incoterms"):
        assert price not in text, price
    # The seller's bank is for invoices.
    assert "BRINIDJA" not in text


def test_a_chinese_paper_labels_in_both_languages_and_embeds_the_cjk_font(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for kind in PaperKind:
        reader = _render(_content(kind, chinese=True), caplog)
        # Labels wrap where their column ends: compared without spaces and line breaks.
        text = _squeezed(_text(reader))
        assert any("NotoSansCJK" in name for name in _font_names(reader))
        labels = [
            "日期",
            "卖家",
            "买家",
            "China 中国",
            "Indonesia 印度尼西亚",
            "Description of goods 货物描述",
            "Total 合计",
            "非洲鼓：小号 · 桃花心木 · 山羊皮 · 素面",
            "Authorised signature and stamp 授权签字及盖章",
        ]
        if kind is PaperKind.PROFORMA:
            labels += ["PROFORMA INVOICE 形式发票", "60 days / 60 天", "Valid until 有效期至"]
        if kind is PaperKind.COMMERCIAL:
            labels += ["COMMERCIAL INVOICE 商业发票", "Total amount 总金额"]
        if kind is not PaperKind.PROFORMA:
            labels += [
                "Container no. 集装箱号",
                "Seal no. 封条号",
                "Vessel / voyage 船名 / 航次",
                "Port of loading 装货港",
                "Port of discharge 卸货港",
                "Shipping marks 唛头",
            ]
        if kind is PaperKind.PACKING:
            labels += [
                "PACKING LIST 装箱单",
                "Invoice no. 发票号",
                f"50 箱 {TIMES} 4 面",
                "120 面散装",
            ]
        for label in labels:
            assert _squeezed(label) in text, (kind, label)


def test_an_english_paper_has_no_chinese(caplog: pytest.LogCaptureFixture) -> None:
    for kind in PaperKind:
        reader = _render(_content(kind), caplog)
        assert CJK.findall(_text(reader)) == [], kind


def test_a_paper_of_twenty_lines_for_5000_drums_takes_one_or_two_pages(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = tuple(
        line.model_copy(update={"code": f"{line.code}-{number}"})
        for number in range(1, 8)
        for line in (SMALL, MEDIUM, LARGE)
    )[:20]
    # 7 small, 7 medium and 6 large lines: 7 x 120 + 7 x 200 + 6 x 30 = 2,420 drums; made
    # up to 5,000 with 2,580 more small ones on the first line.
    first = lines[0].model_copy(update={"quantity": 2_700, "amount": Decimal("122850.00")})
    lines = (first, *lines[1:])
    assert sum(line.quantity for line in lines) == 5_000
    for kind in PaperKind:
        for chinese in (False, True):
            reader = _render(_content(kind, chinese=chinese, lines=lines), caplog)
            assert 1 <= len(reader.pages) <= 2, (kind, chinese, len(reader.pages))
            text = _text(reader)
            assert "5,000" in text
            last = reader.pages[-1].extract_text()
            assert f"{len(reader.pages)} / {len(reader.pages)}" in last
            assert "Authorised signature and stamp" in last


def test_emoji_and_odd_characters_in_what_people_typed_draw_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    buyer = Party(
        name="Li Wei 😀\u200d🥁",
        company="Yiwu 🥁 Music\u0000 Trading\t👨‍👩‍👧 Co.",
        address="88 Futian Road\r\n义乌 🇨🇳\u202e, Zhejiang " + "Z" * 200,
        country="Narnia 🏳️‍🌈",
    )
    shipped = SHIPMENT.model_copy(
        update={"shipping_marks": "YIWU 🥁\n" + "X" * 300, "vessel": "KMTC 🚢"}
    )
    for kind in PaperKind:
        for chinese in (False, True):
            content = _content(kind, chinese=chinese, buyer=buyer, shipment=shipped)
            text = _text(_render(content, caplog))
            assert "Li Wei" in text and "Yiwu Music Trading Co." in text
            assert "义乌" in text and "Narnia" in text
            assert "😀" not in text and "🥁" not in text


def test_a_rupiah_invoice_writes_no_cents_and_no_exchange_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    line = SMALL.model_copy(update={"unit_price": Decimal(728_000), "amount": Decimal(87_360_000)})
    content = _content(
        PaperKind.PROFORMA, currency=InvoiceCurrency.IDR, rupiah_per_unit=None, lines=(line,)
    )
    text = _text(_render(content, caplog))

    assert "9206.00 120 728,000 87,360,000" in text
    assert "IDR 87,360,000" in text
    assert "87,360,000.00" not in text and "Exchange rate" not in text


def test_a_label_not_translated_yet_reads_in_english_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chinese = translator("zh")
    assert Words(chinese=True).label("Seal no.") == "Seal no. 封条号"
    # An entry emptied meanwhile reads as its msgid: the label is then the English alone.
    monkeypatch.setattr(chinese, "_", lambda message: message)
    assert Words(chinese=True).label("Seal no.") == "Seal no."
    assert Words(chinese=True).label("Unit price ({currency})", currency="USD") == (
        "Unit price (USD)"
    )


def test_money_is_written_with_two_decimals_and_rupiah_with_none() -> None:
    assert money(Decimal(1600), InvoiceCurrency.USD) == "USD 1,600.00"
    assert money(Decimal("11200.5"), InvoiceCurrency.CNY) == "CNY 11,200.50"
    assert money(Decimal(25_600_000), InvoiceCurrency.IDR) == "IDR 25,600,000"
    assert amount(Decimal("0.005"), InvoiceCurrency.USD) == "0.01"
