"""Shipping a container with its details: the commercial invoice and packing list, as files."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from bot.i18n import Translator
from handlers.containers.shipping_details import (
    NumberProblem,
    check_digit,
    read_container_number,
)
from handlers.papers.content import MissingRate
from handlers.papers.screens import missing_rate_text
from storage.catalogue import DEFAULT_PACKING
from storage.models.catalogue import DrumSize
from storage.models.containers import ShippingDetails
from storage.models.exchange_rates import Currency
from storage.models.papers import InvoiceCurrency
from tests.conftest import (
    ADMIN_ANI,
    RunningBot,
    active_artisan,
    active_buyer,
    documents,
    full_width,
    pdf_text,
    sent_file,
)
from tests.test_containers import (
    LARGE,
    SMALL,
    accept_drums,
    confirmed_order,
    open_container,
    put_in,
    rows,
    second_storage,
    set_rate,
    today,
    type_shipping_details,
)

ID = Translator("id")
CNY_RATE = 2300
DETAILS = (
    "SELECT container_number, seal_number, vessel, voyage, port_of_loading, port_of_discharge,"
    " shipping_marks FROM containers"
)


def text_of(message: ChatMessage, bot: RunningBot) -> str:
    """The text of a PDF the bot sent, its whitespace made single spaces."""
    return " ".join(pdf_text(sent_file(bot, message)).split())


def file_names(messages: list[ChatMessage]) -> list[str]:
    """The names of the files among these messages."""
    return [str(message.document["file_name"]) for message in messages if message.document]


async def price(bot: RunningBot, code: str) -> int:
    """A model's buyer price in Rupiah (what its orders were confirmed at)."""
    async with second_storage(bot) as storage:
        model = await storage.catalogue.get_by_code(code)
    assert model is not None
    return model.buyer_price


def yuan(rupiah: int) -> Decimal:
    """A unit price converted at the test's rate, to the fen."""
    return (Decimal(rupiah) / CNY_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def ready_container(bot: RunningBot, ani: Person, li: Person) -> int:
    """40 small drums (one order whole, one in part) and 5 large ones ready in a container."""
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 40)
    await accept_drums(bot, sri, LARGE, 5)
    await confirmed_order(bot, li, SMALL, 30)
    await confirmed_order(bot, li, LARGE, 5)
    await confirmed_order(bot, li, SMALL, 15, backorder=True)  # 10 ready, 5 to make
    container = await open_container(ani, capacity="100")
    await put_in(ani, container, "O-000001", "O-000002", "O-000003")
    return container


async def test_shipping_asks_the_details_refuses_bad_ones_and_sends_both_papers(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    container = await ready_container(bot, ani, li)
    await set_rate(bot, Currency.CNY, CNY_RATE)
    year = today().year

    await ani.press(f"box:qship:{container}")
    assert "Ketik nomor kontainer" in ani.last_text
    replies = await ani.send("MSKU 123456 4")
    assert "MSKU1234564 bukan nomor kontainer yang benar: angka terakhirnya" in replies[-1].plain
    replies = await ani.send("MSK 12345")
    assert "Itu bukan nomor kontainer" in replies[-1].plain
    await ani.send("msku-123456-5")
    assert "Ketik nomor segel" in ani.last_text
    for bad_seal in ("AB#12 😀", "AB 1234", "AB1", "A" * 21):
        replies = await ani.send(bad_seal)
        assert "Nomor segel berisi 4 sampai 20 huruf, angka atau tanda hubung" in replies[-1].plain
    assert rows(bot, DETAILS) == [(None,) * 7]
    await ani.send("ml-id2048776")
    replies = await ani.send("K" * 61)
    assert "Silakan ketik nama kapal" in replies[-1].plain
    await ani.send("KMTC  Shanghai")
    replies = await ani.send("26 14N")
    assert "Nomor pelayaran berisi paling banyak 20 huruf" in replies[-1].plain
    await ani.send("2614n")
    assert "⚓ Tanjung Perak, Surabaya" in ani.last.labels
    await ani.tap("⚓ Tanjung Perak, Surabaya")
    assert "⚓ Shanghai, China" in ani.last.labels
    await ani.send("Yangshan, Shanghai")
    assert "YIWU MUSIC TRADING\nSHANGHAI, CHINA\nC-000001" in ani.last_text
    marks = "YIWU MUSIC\nNINGBO VIA SHANGHAI\nC/NO. 1-UP"
    await ani.send("  YIWU MUSIC \n\nNINGBO   VIA SHANGHAI\n C/NO. 1-UP ")
    summary = ani.last_text
    for line in (
        "Kirim C-000001 ke Shanghai, China sekarang?",
        "Berangkat sekarang: 45",
        "Tetap inden: 5",
        "Nomor kontainer: MSKU1234565",
        "Nomor segel: ML-ID2048776",
        "Kapal dan pelayaran: KMTC Shanghai / 2614N",
        "Pelabuhan muat: Tanjung Perak, Surabaya",
        "Pelabuhan bongkar: Yangshan, Shanghai",
        marks,
    ):
        assert line in summary, line
    assert rows(bot, DETAILS) == [(None,) * 7]
    assert rows(bot, "SELECT status FROM containers") == [("open",)]
    assert rows(bot, "SELECT COUNT(*) FROM papers") == [(0,)]

    told_before = len(li.inbox)
    replies = await ani.tap("Ya, kirim sekarang")
    outcome = next(message.plain for message in replies if message.document is None)
    assert "C-000001 sudah dikirim ke Shanghai, China: 45 kendang keluar dari stok." in outcome
    assert (
        f"Invoice komersial CI-{year}-0001 dan packing list PL-{year}-0001 sudah dibuat dan "
        "dikirim ke pembeli."
    ) in outcome
    assert rows(bot, "SELECT status FROM containers") == [("shipped",)]
    assert rows(bot, DETAILS) == [
        (
            "MSKU1234565",
            "ML-ID2048776",
            "KMTC Shanghai",
            "2614N",
            "Tanjung Perak, Surabaya",
            "Yangshan, Shanghai",
            marks,
        )
    ]
    assert rows(bot, "SELECT kind, sequence, issued_by FROM papers ORDER BY id") == [
        ("commercial", 1, ADMIN_ANI),
        ("packing", 1, ADMIN_ANI),
    ]

    # The buyer gets the news, then both papers; the admin gets both papers too.
    told = li.inbox[told_before:]
    assert "Your container C-000001 has shipped" in told[0].plain
    papers = [f"CI-{year}-0001.pdf", f"PL-{year}-0001.pdf"]
    assert file_names(told[1:]) == papers
    assert told[1].plain == f"📄 Commercial invoice CI-{year}-0001 · C-000001"
    assert file_names(documents(ani)) == papers
    invoice, packing = text_of(told[1], bot), text_of(told[2], bot)

    small, large = DEFAULT_PACKING[DrumSize.SMALL], DEFAULT_PACKING[DrumSize.LARGE]
    small_price, large_price = yuan(await price(bot, SMALL)), yuan(await price(bot, LARGE))
    total = small_price * 40 + large_price * 5
    net = Decimal(small.net_g(40) + large.net_g(5)) / 1000
    gross = Decimal(small.gross_g(40) + large.gross_g(5)) / 1000
    # Each line's volume to the litre, then added up, as the papers print it.
    small_m3 = Decimal(40 * 20 * 20 * 40) / 1_000_000
    large_m3 = (Decimal(5 * 32 * 32 * 60) / 1_000_000).quantize(Decimal("0.001"))
    assert (small.cm3(40), large.cm3(5)) == (640_000, 307_200)
    for text in (invoice, packing):
        for shown in (
            "MSKU1234565",
            "ML-ID2048776",
            "KMTC Shanghai / 2614N",
            "Tanjung Perak, Surabaya",
            "Yangshan, Shanghai",
            "YIWU MUSIC",
            "NINGBO VIA SHANGHAI",
            "C/NO. 1-UP",
            "C-000001",
        ):
            assert shown in text, shown
    assert "COMMERCIAL INVOICE" in invoice
    assert f"CI-{year}-0001" in invoice
    # Each line: HS code, quantity, unit price and amount; then the totals.
    assert f"9206.00 40 {small_price:,.2f} {small_price * 40:,.2f}" in invoice
    assert f"9206.00 5 {large_price:,.2f} {large_price * 5:,.2f}" in invoice
    assert f"Total 45 {total:,.2f}" in invoice
    assert f"Total amount CNY {total:,.2f}" in invoice
    assert f"1 CNY = IDR {CNY_RATE:,}" in invoice

    assert "PACKING LIST" in packing
    assert f"PL-{year}-0001" in packing and f"CI-{year}-0001" in packing
    # Each line: packages, quantity, net and gross kilograms, cubic metres; then the totals.
    small_kg = f"{Decimal(small.net_g(40)) / 1000:.1f} {Decimal(small.gross_g(40)) / 1000:.1f}"
    large_kg = f"{Decimal(large.net_g(5)) / 1000:.1f} {Decimal(large.gross_g(5)) / 1000:.1f}"
    assert f"40 loose 40 {small_kg} {small_m3:.3f}" in packing
    assert f"5 loose 5 {large_kg} {large_m3:.3f}" in packing
    assert f"45 packages 45 {net:,.1f} {gross:,.1f} {small_m3 + large_m3:.3f}" in packing
    for price_shown in (f"{small_price:,.2f}", f"{total:,.2f}", "Unit price", "Amount", "CNY"):
        assert price_shown not in packing, price_shown


async def test_a_chinese_reading_buyer_gets_papers_with_chinese_labels(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    li.language_code = "zh-hans"
    await li.send("/containers")
    container = await ready_container(bot, ani, li)
    await set_rate(bot, Currency.CNY, CNY_RATE)
    await ani.press(f"box:qship:{container}")
    await type_shipping_details(ani)
    await ani.tap("Ya, kirim sekarang")

    year = today().year
    invoice, packing = (text_of(message, bot) for message in documents(li))
    assert "COMMERCIAL INVOICE" in invoice and "商业发票" in invoice
    assert "PACKING LIST" in packing and "装箱单" in packing
    assert "唛头" in packing
    assert "MSKU1234565" in packing
    assert [message.plain for message in documents(li)] == [
        f"📄 商业发票 CI-{year}-0001 · C-000001",
        f"📄 装箱单 PL-{year}-0001 · C-000001",
    ]
    # The admin's copies are the same papers, captioned in the admin's language.
    assert [message.plain for message in documents(ani)] == [
        f"📄 Invoice komersial CI-{year}-0001 · C-000001",
        f"📄 Packing list PL-{year}-0001 · C-000001",
    ]


async def test_no_orders_or_no_rate_refuses_at_once_and_nothing_is_half_issued(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    empty = await open_container(ani, destination="Osaka")
    await ani.press(f"box:qship:{empty}")
    answer = ani.callback_answers[-1]
    assert answer["show_alert"]
    assert answer["text"] == (
        "Belum ada pesanan di C-000001: tambahkan pesanan sebelum mengirimnya."
    )

    container = await ready_container(bot, ani, li)
    await ani.press(f"box:qship:{container}")
    assert ani.callback_answers[-1]["text"] == missing_rate_text(
        ID, MissingRate(InvoiceCurrency.CNY)
    )
    replies = await ani.send("MSKU1234565")  # no question was asked: nothing takes it
    assert not any("Nomor segel" in message.plain for message in replies)

    # The rate is cleared between the questions and the confirmation: nothing ships.
    await set_rate(bot, Currency.CNY, CNY_RATE)
    await ani.press(f"box:qship:{container}")
    await type_shipping_details(ani)
    async with second_storage(bot) as storage:
        await storage.exchange_rates.clear(Currency.CNY)
    told_before = len(li.inbox)
    await ani.tap("Ya, kirim sekarang")
    assert ani.callback_answers[-1]["text"] == missing_rate_text(
        ID, MissingRate(InvoiceCurrency.CNY)
    )
    assert rows(bot, "SELECT status FROM containers ORDER BY id") == [("open",), ("open",)]
    assert rows(bot, DETAILS) == [(None,) * 7, (None,) * 7]
    assert rows(bot, "SELECT COUNT(*) FROM papers") == [(0,)]
    assert rows(bot, "SELECT COUNT(*) FROM shipments") == [(0,)]
    assert len(li.inbox) == told_before


async def test_cancelling_the_details_saves_nothing(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    container = await ready_container(bot, ani, li)
    await set_rate(bot, Currency.CNY, CNY_RATE)
    await ani.press(f"box:qship:{container}")
    await ani.send("MSKU1234565")
    await ani.send("ML-ID2048776")
    await ani.tap("Batal")
    assert "Tidak ada yang dikirim: C-000001 tetap sedang diisi." in ani.last_text
    assert ani.last.labels == ["🚢 Buka"]
    await ani.press(f"box:qship:{container}")
    await type_shipping_details(ani)
    await ani.send("/cancel")
    assert "Tidak ada yang dikirim: C-000001 tetap sedang diisi." in ani.last_text
    assert rows(bot, DETAILS) == [(None,) * 7]
    assert rows(bot, "SELECT status FROM containers") == [("open",)]
    # The summary's Ship button, tapped after leaving, ships nothing.
    await ani.press(f"box:ship:{container}")
    assert "ketik data pengirimannya dulu" in ani.callback_answers[-1]["text"]
    assert rows(bot, "SELECT status FROM containers") == [("open",)]


async def test_the_papers_screen_lists_and_resends_and_issues_missing_papers_once(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    container = await ready_container(bot, ani, li)
    await set_rate(bot, Currency.CNY, CNY_RATE)
    year = today().year
    # The bot stopped between shipping and issuing: shipped, with its details, no papers.
    details = ShippingDetails(
        container_number="CSQU3054383",
        seal_number="SEAL-0001",
        vessel="Meratus Jayakarta",
        voyage="88S",
        port_of_loading="Tanjung Perak, Surabaya",
        port_of_discharge="Shanghai",
        shipping_marks="LI WEI\nSHANGHAI",
    )
    async with second_storage(bot) as storage:
        change = await storage.containers.ship(container, by=ADMIN_ANI, details=details)
    assert change.outcome == "done"

    await li.press(f"ppr:box:{container}")
    assert li.callback_answers[-1]["text"] == "Sorry, only the cooperative's admins can do that."
    await ani.press(f"ppr:box:{container}")
    screen = ani.last
    assert "Dokumen kontainer C-000001" in screen.plain
    assert "sudah dikirim, tetapi invoice komersial dan packing list-nya belum dibuat" in (
        screen.plain
    )
    told_before = len(li.inbox)
    replies = await ani.tap("Buat dokumen pengiriman")
    listing = next(message for message in replies if message.document is None)
    assert f"CI-{year}-0001, PL-{year}-0001 sudah dibuat dan dikirim ke pembeli." in listing.plain
    assert file_names(li.inbox[told_before:]) == [f"CI-{year}-0001.pdf", f"PL-{year}-0001.pdf"]
    assert "CSQU3054383" in text_of(documents(li)[0], bot)
    assert f"📄 CI-{year}-0001" in listing.labels
    assert not any("Buat dokumen" in label for label in listing.labels)

    # The issue button tapped again on the old screen: nothing new, nothing sent again.
    await ani.press(f"ppr:ship:{container}", screen)
    assert ani.callback_answers[-1]["text"] == f"Sudah dibuat: CI-{year}-0001, PL-{year}-0001."
    assert rows(bot, "SELECT COUNT(*) FROM papers") == [(2,)]
    assert len(li.inbox) == told_before + 2

    # Any paper again from the list, as issued.
    sent_before = len(documents(ani))
    await ani.tap(f"📄 PL-{year}-0001", listing)
    again = documents(ani)
    assert len(again) == sent_before + 1
    assert again[-1].document is not None
    assert again[-1].document["file_name"] == f"PL-{year}-0001.pdf"
    assert text_of(again[-1], bot) == text_of(documents(li)[1], bot)
    assert len(li.inbox) == told_before + 2


def test_container_numbers_are_read_as_iso_6346_writes_them() -> None:
    assert check_digit("CSQU305438") == 3
    assert read_container_number("csqu 305438-3") == "CSQU3054383"
    # A Chinese keyboard types it full width.
    assert read_container_number(full_width("CSQU3054383")) == "CSQU3054383"
    assert read_container_number("CSQU3054384") is NumberProblem.CHECK_DIGIT
    for not_one in ("CSQA3054383", "CSQU305438", "CS1U3054383", "CSQU30543833", "", None):
        assert read_container_number(not_one) is NumberProblem.FORM, not_one
