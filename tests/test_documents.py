"""PDF documents: the CJK font found and embedded, Chinese read back, tables across pages."""

from __future__ import annotations

import logging
import sys
import warnings
from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject

from bot.documents import (
    Column,
    Details,
    Document,
    Highlight,
    Note,
    Signatures,
    Table,
    render_pdf,
)
from bot.fonts import CJK_FILE, cjk_font_path, keep_drawable, pdf_glyphs
from bot.i18n import translator
from bot.periods import this_month
from handlers.insights.statement_screens import statement_document
from storage.models.members import Member, MemberStatus, Role
from storage.statements import Statement, StatementPayment
from tests.conftest import pdf_text

JAKARTA = ZoneInfo("Asia/Jakarta")
NOVEMBER = this_month(datetime(2026, 11, 15, tzinfo=JAKARTA), JAKARTA)
GOODS = (
    Column("Model", 3),
    Column("Drums", 1, numeric=True),
    Column("Amount", 1.5, numeric=True),
)


def _pages(pdf: bytes) -> list[PageObject]:
    return list(PdfReader(BytesIO(pdf)).pages)


def _embedded_fonts(page: PageObject) -> list[tuple[str, DictionaryObject]]:
    """Each font of the page with its descriptor: a composite font's from its descendant."""
    found = []
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    for reference in fonts.values():
        font = reference.get_object()
        assert isinstance(font, DictionaryObject)
        descendants = [child.get_object() for child in font.get("/DescendantFonts", [])]
        for described in [font, *descendants]:
            if "/FontDescriptor" in described:
                descriptor = described["/FontDescriptor"].get_object()
                assert isinstance(descriptor, DictionaryObject)
                found.append((str(described["/BaseFont"]), descriptor))
    return found


def _render_quietly(document: Document, caplog: pytest.LogCaptureFixture) -> bytes:
    """Render, failing on any warning or logged complaint (fpdf2 logs missing glyphs)."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        pdf = render_pdf(document)
    assert [str(warning.message) for warning in caught] == []
    assert [record.getMessage() for record in caplog.records] == []
    return pdf


def test_the_cjk_font_comes_from_the_mplfonts_package_without_importing_it() -> None:
    path = cjk_font_path()
    assert path.name == CJK_FILE and path.parent.parent.name == "mplfonts"
    assert path.stat().st_size > 10_000_000
    assert "mplfonts" not in sys.modules
    # Latin and Chinese alike; no emoji.
    assert {ord("A"), ord("é"), ord("李"), ord("伟")} <= pdf_glyphs()
    assert keep_drawable("李伟 😀", pdf_glyphs()) == "李伟"


def test_a_pdf_with_chinese_embeds_the_cjk_font_and_reads_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = Document(
        issuer="布利塔尔非洲鼓合作社",
        title="形式发票 · Proforma invoice",
        blocks=(
            Details((("买方", "李伟"), ("目的港", "宁波 Ningbo"))),
            Table(
                "货物",
                GOODS,
                (("中号 · 桃花心木 · 山羊皮", "12", "¥3,600"),),
                ("合计", "12", "¥3,600"),
            ),
        ),
        footer="由合作社机器人生成。",
    )
    pdf = _render_quietly(document, caplog)

    [page] = _pages(pdf)
    embedded = [
        (name, descriptor)
        for name, descriptor in _embedded_fonts(page)
        if "NotoSansCJK" in name and ("/FontFile2" in descriptor or "/FontFile3" in descriptor)
    ]
    assert embedded, _embedded_fonts(page)
    text = page.extract_text()
    for written in (
        "布利塔尔非洲鼓合作社",
        "形式发票",
        "Proforma invoice",
        "李伟",
        "宁波 Ningbo",
        "中号",
        "桃花心木",
        "¥3,600",
        "由合作社机器人生成。",
    ):
        assert written in text


def test_a_chinese_name_with_an_emoji_keeps_its_chinese(caplog: pytest.LogCaptureFixture) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    li = Member(
        id=3,
        telegram_id=3,
        role=Role.ARTISAN,
        status=MemberStatus.ACTIVE,
        name="李伟 😀",
        village="义乌 🏡",
        workshop="鼓坊",
        created_at=stamp,
        updated_at=stamp,
    )
    statement = Statement(
        artisan_id=3,
        start=NOVEMBER.start,
        end=NOVEMBER.end,
        lines=(),
        corrections=0,
        payments=(StatementPayment(entry_id=1, paid_on=date(2026, 11, 3), amount=150_000),),
        owed=90_000,
    )
    for locale in ("en", "zh"):
        t = translator(locale)
        document = statement_document(t, li, statement, date(2026, 11, 26))
        text = pdf_text(_render_quietly(document, caplog))
        assert "李伟" in text and "义乌" in text and "鼓坊" in text
        assert "😀" not in text and "🏡" not in text
        assert t.rupiah(150_000) in text and t.rupiah(90_000) in text


def test_a_long_table_runs_onto_more_pages_with_its_headings_on_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = tuple(
        (
            f"Medium · mahogany · goatskin · carved, crate {number}",
            f"{number}",
            f"¥{number * 300:,}",
        )
        for number in range(1, 121)
    )
    document = Document(
        issuer="Djembe drum cooperative of Blitar",
        title="Packing list",
        blocks=(
            Table("Crates", GOODS, rows, ("Total", "7,260", "¥2,178,000")),
            Note("Forty drums a pallet; " * 20),
            Signatures(("For the cooperative", "For the buyer")),
        ),
        footer="Packing list P-000007",
        page_label="Page {page} of {pages}",
    )
    pages = _pages(_render_quietly(document, caplog))

    assert len(pages) >= 3
    texts = [page.extract_text() for page in pages]
    for number, text in enumerate(texts, start=1):
        assert "Model" in text and "Drums" in text and "Amount" in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Packing list P-000007" in text
    everything = "\n".join(texts)
    for number in range(1, 121):
        assert f"crate {number}\n" in everything or f"crate {number} " in everything
    assert "¥2,178,000" in texts[-1]
    assert "For the cooperative" in texts[-1] and "For the buyer" in texts[-1]


def test_a_one_page_document_shrinks_its_rows_to_fit_or_else_flows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def payments(count: int) -> Document:
        return Document(
            issuer="Djembe drum cooperative of Blitar",
            title="Monthly statement",
            blocks=(
                Details((("Artisan", "Sri Wahyuni"),)),
                Table(
                    "Payments",
                    (Column("Payment"), Column("Amount", numeric=True)),
                    tuple((f"Paid on {day}", "Rp10.000") for day in range(count)),
                    ("Paid", f"Rp{count * 10}.000"),
                ),
                Highlight("Still to be paid", "Rp90.000"),
            ),
            one_page=True,
        )

    # 30 rows fit at the usual height; 45 only once shrunk (at 6.5 mm they take 290 mm);
    # 80 not even then, and run on at the usual height.
    assert len(_pages(_render_quietly(payments(30), caplog))) == 1
    assert len(_pages(_render_quietly(payments(45), caplog))) == 1
    assert len(_pages(_render_quietly(payments(80), caplog))) == 3


def test_every_block_shows_its_texts(caplog: pytest.LogCaptureFixture) -> None:
    document = Document(
        issuer="Djembe drum cooperative of Blitar",
        title="Commercial invoice",
        blocks=(
            Details((("Invoice", "CI-000042"), ("Buyer", "Yiwu Music Trading")), title="Parties"),
            Table("Goods", GOODS, (), ("Total", "0", "¥0"), empty="Nothing shipped yet."),
            Highlight("Due within 30 days", "¥12,500"),
            Note("Prices are FOB Surabaya."),
            Signatures(("Exporter",)),
        ),
        reader_title="CI-000042 · Yiwu Music Trading",
    )
    pdf = _render_quietly(document, caplog)

    text = pdf_text(pdf)
    for written in (
        "Parties",
        "Invoice",
        "CI-000042",
        "Yiwu Music Trading",
        "Nothing shipped yet.",
        "Due within 30 days",
        "¥12,500",
        "Prices are FOB Surabaya.",
        "Exporter",
        "1 / 1",
    ):
        assert written in text
    metadata = PdfReader(BytesIO(pdf)).metadata
    assert metadata is not None and metadata.title == "CI-000042 · Yiwu Music Trading"
