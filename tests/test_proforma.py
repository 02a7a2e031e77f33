"""Proforma invoices: issued when an order is confirmed, again on request, revised on a change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.emulator.world import ChatMessage
from bot.i18n import translator
from handlers.insights.export_tables import papers_table
from storage.models.exchange_rates import Currency
from tests.conftest import RunningBot, active_buyer, documents, pdf_text, sent_file
from tests.test_containers import set_rate
from tests.test_ordering import add_stock, admins, cards_for, opened, place_order, query

JAKARTA = ZoneInfo("Asia/Jakarta")


def year() -> int:
    """The year the papers are numbered in: today's, in the cooperative's time zone."""
    return datetime.now(JAKARTA).year


def text_of(bot: RunningBot, message: ChatMessage) -> str:
    """The text of a PDF sent in a chat, as a PDF reader finds it."""
    return pdf_text(sent_file(bot, message))


def papers(bot: RunningBot) -> list[tuple[str, int, int, int]]:
    """Every paper's kind, sequence, revision and order, as stored."""
    rows = query(bot, "SELECT kind, sequence, revision, order_id FROM papers ORDER BY id")
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def test_confirming_sends_the_buyer_a_proforma_whose_numbers_add_up(
    bot: RunningBot,
) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)  # China: invoiced in yuan
    await set_rate(bot, Currency.CNY, 2_250)
    await add_stock(bot, 60)
    order_id = await place_order(li, bot, 50)
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000001")[-1])

    number = f"PI-{year()}-0001"
    assert f"O-000001: 📄 Proforma invoice {number} sent to the buyer." in budi.last_text
    [sent] = documents(li)
    assert sent.document is not None and sent.document["file_name"] == f"{number}.pdf"
    assert f"📄 Proforma invoice {number} · O-000001" in sent.plain
    text = text_of(bot, sent)
    # Rp375.000 a drum at Rp2.250 a yuan is 166.67 yuan (to the cent); 50 of them 8,333.50.
    for written in (number, "O-000001", "Li Wei", "Yiwu Music Trading", "9206.00", "50"):
        assert written in text, written
    assert "166.67" in text and "8,333.50" in text and "CNY" in text
    assert "FOB Tanjung Perak, Surabaya" in text and "Indonesia" in text
    assert papers(bot) == [("proforma", 1, 0, order_id)]


async def test_asked_again_it_is_the_same_paper_and_a_change_makes_a_revision(
    bot: RunningBot,
) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await set_rate(bot, Currency.CNY, 2_250)
    await add_stock(bot, 60)
    await place_order(li, bot, 50)
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000001")[-1])
    card = cards_for(bot, budi.user_id, "O-000001")[-1]
    assert card.labels == ["📄 Proforma invoice", "✖️ Cancel this order"]
    first = f"PI-{year()}-0001"

    await budi.tap("Proforma invoice", card)
    assert f"Nothing changed since {first}: here it is again." in budi.inbox[-2].plain
    assert documents(budi)[-1].document["file_name"] == f"{first}.pdf"  # type: ignore[index]
    assert len(documents(li)) == 1 and len(papers(bot)) == 1

    # The yuan moved: the same order now costs something else, so the paper is revised.
    await set_rate(bot, Currency.CNY, 2_500)
    await budi.tap("Proforma invoice", card)
    revised = f"{first}-R1"
    assert f"📄 {revised} issued and sent to the buyer." in budi.inbox[-2].plain
    assert [d.document["file_name"] for d in documents(li)] == [  # type: ignore[index]
        f"{first}.pdf",
        f"{revised}.pdf",
    ]
    # 375.000 / 2.500 = 150 yuan a drum; 50 of them 7,500.00. The first paper is kept as it was.
    text = text_of(bot, documents(li)[-1])
    assert revised in text and "150.00" in text and "7,500.00" in text
    assert "8,333.50" in text_of(bot, documents(li)[0])
    assert [(kind, sequence, revision) for kind, sequence, revision, _ in papers(bot)] == [
        ("proforma", 1, 0),
        ("proforma", 1, 1),
    ]


async def test_without_the_rate_of_the_buyers_currency_nothing_is_issued(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await set_rate(bot, Currency.USD, 16_000)  # dollars, but Li Wei is invoiced in yuan
    await add_stock(bot, 60)
    order_id = await place_order(li, bot, 10)
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000001")[-1])
    assert "invoiced in CNY, and no CNY rate is set. Set it with /rates" in budi.last_text
    assert query(bot, "SELECT status FROM orders WHERE id = ?", order_id)[0][0] == "confirmed"
    assert papers(bot) == [] and documents(li) == []
    card = cards_for(bot, budi.user_id, "O-000001")[-1]
    await budi.tap("Proforma invoice", card)
    assert "Nothing was issued" in budi.callback_answers[-1]["text"]
    assert papers(bot) == []


async def test_a_chinese_buyer_gets_the_proforma_in_english_and_chinese(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    wei = await active_buyer(bot, 2002, "王伟")
    async with opened(bot) as storage:
        await storage.people.choose_locale(2002, "zh")
    await set_rate(bot, Currency.CNY, 2_250)
    await add_stock(bot, 10)
    await place_order(wei, bot, 10)
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000001")[-1])
    [sent] = documents(wei)
    assert "形式发票" in sent.plain  # the caption, in the buyer's language
    text = text_of(bot, sent)
    assert "PROFORMA INVOICE 形式发票" in text and "王伟" in text
    assert "1,666.70" in text  # 10 x 166.67


async def test_admins_list_the_papers_and_get_any_again_and_others_cannot(
    bot: RunningBot,
) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await set_rate(bot, Currency.CNY, 2_250)
    await add_stock(bot, 60)
    await place_order(li, bot, 20)
    await place_order(li, bot, 30)
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000001")[-1])
    await budi.tap("Confirm", cards_for(bot, budi.user_id, "O-000002")[-1])

    listing = (await budi.send("/papers"))[-1]
    assert "Papers issued: 2" in listing.plain
    assert f"PI-{year()}-0002" in listing.plain and "O-000002" in listing.plain
    assert "CN¥" in listing.plain or "CNY" in listing.plain
    await budi.tap(f"PI-{year()}-0001", listing)
    assert documents(budi)[-1].document["file_name"] == f"PI-{year()}-0001.pdf"  # type: ignore[index]

    refused = (await li.send("/papers"))[-1].plain
    assert "PI-" not in refused
    paper_id = query(bot, "SELECT id FROM papers ORDER BY id")[0][0]
    before = len(documents(li))
    await li.press(f"ppr:get:{paper_id}", li.last)
    assert len(documents(li)) == before

    # The admin's workbook lists each line of every paper, as the paper shows it.
    async with opened(bot) as storage:
        data = await storage.exports.snapshot(
            datetime(2000, 1, 1, tzinfo=JAKARTA), datetime(9999, 1, 1, tzinfo=JAKARTA)
        )
    table = papers_table(translator("en"), data, JAKARTA)
    assert [(row[0], row[7], row[8]) for row in table.rows] == [
        (f"PI-{year()}-0001", 20, "CNY"),
        (f"PI-{year()}-0002", 30, "CNY"),
    ]
