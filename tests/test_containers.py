"""Container shipments end to end: opening one, filling it, its progress, cancelling, shipping."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.emulator import Person
from bot.i18n import Translator
from storage import Storage
from storage.models.exchange_rates import Currency
from tests.conftest import ADMIN_ANI, RunningBot, active_artisan, active_buyer

SMALL = "DJ-S-MAH-GOAT-PLAIN"
SMALL_EN = "Small · mahogany · goatskin · plain"
SMALL_ID = "Kecil · mahoni · kulit kambing · polos"
LARGE = "DJ-L-MAH-GOAT-PLAIN"
EN, ID = Translator("en"), Translator("id")


def today() -> date:
    """Today where the cooperative is (the tests run with the default Asia/Jakarta)."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@asynccontextmanager
async def second_storage(bot: RunningBot) -> AsyncIterator[Storage]:
    """Another connection to the bot's database, as other flows would write through."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def member_id(bot: RunningBot, person: Person) -> int:
    """The member id of someone registered."""
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(person.user_id)
    assert member is not None
    return member.id


async def accept_drums(bot: RunningBot, artisan: Person, code: str, quantity: int) -> None:
    """Have drums reported and accepted now, then given to waiting backorders oldest first."""
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(code)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(member.id, model.id, quantity)
        await storage.reports.decide(report.id, quantity, None, by=ADMIN_ANI)
        await storage.orders.allocate(model.id)


async def confirmed_order(
    bot: RunningBot, buyer: Person, code: str, quantity: int, *, backorder: bool = False
) -> int:
    """Have a buyer's order made and confirmed (the rest as backorder when asked); its id."""
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(buyer.user_id)
        model = await storage.catalogue.get_by_code(code)
        assert member is not None and model is not None
        order, _ = await storage.orders.create(member.id, model.id, quantity)
        change = await storage.orders.confirm(order.id, backorder=backorder, by=ADMIN_ANI)
        assert change.outcome == "done"
    return order.id


def rows(bot: RunningBot, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        return [tuple(row) for row in connection.execute(sql, args)]


def order_row(bot: RunningBot, order_id: int) -> tuple[object, ...]:
    """An order's status, reserved, shipped and container."""
    return rows(
        bot, "SELECT status, reserved, shipped, container_id FROM orders WHERE id = ?", order_id
    )[0]


async def open_container(
    ani: Person,
    buyer: str = "Li Wei",
    *,
    kind: str = "40' HC",
    capacity: str | None = None,
    destination: str = "Shanghai, China",
    target: date | None = None,
) -> int:
    """Walk admin Ani through opening a container; return its id."""
    await ani.send("/containers")
    await ani.tap("Kontainer baru")
    await ani.tap(buyer)
    await ani.tap(kind)
    if capacity is None:
        await ani.tap("3.500 kendang")
    else:
        await ani.send(capacity)
    await ani.send(destination)
    await ani.send((target or today() + timedelta(days=60)).isoformat())
    await ani.tap("Buat kontainer")
    match = re.search(r"Kontainer C-(\d{6}) dibuat", ani.last_text)
    assert match is not None, ani.last_text
    return int(match[1])


async def set_rate(bot: RunningBot, currency: Currency = Currency.CNY, rupiah: int = 2300) -> None:
    """Set the exchange rate the buyer's papers are converted at."""
    async with second_storage(bot) as storage:
        await storage.exchange_rates.set(currency, rupiah, by=ADMIN_ANI)


async def type_shipping_details(ani: Person) -> None:
    """Answer the questions asked after 🚢 Ship, taking the ports and marks offered."""
    await ani.send("MSKU1234565")
    await ani.send("ML-ID2048776")
    await ani.send("KMTC Shanghai")
    await ani.send("2614N")
    await ani.tap("⚓")  # the usual port of loading
    await ani.tap("⚓")  # the container's destination
    await ani.tap("Pakai tanda ini")


async def put_in(ani: Person, container_id: int, *references: str) -> None:
    """Put orders into a container from its admin view."""
    await ani.press(f"box:see:{container_id}")
    await ani.tap("Tambah pesanan")
    for reference in references:
        await ani.tap(reference)
        assert f"{reference} sudah masuk." in ani.callback_answers[-1]["text"]


async def test_an_admin_opens_a_container_and_each_bad_answer_is_explained(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    await ani.send("/menu")
    replies = await ani.tap("🚢 Kontainer")
    assert "Belum ada kontainer." in replies[-1].plain
    await ani.tap("Kontainer baru")
    assert "Untuk pembeli yang mana? (1 aktif)" in ani.last_text
    await ani.tap("Li Wei · Yiwu Music Trading, China")
    assert "Kontainer baru untuk Li Wei" in ani.last_text
    assert "Jenis kontainernya apa? Dalam praktik, kendang hanya mengisi sekitar 85%" in (
        ani.last_text
    )
    # The nominal volumes, and 85% of each usable: 28.05, 56.95 and 64.6 m³.
    assert ani.last.labels == [
        "20' GP · 33 m³ · 28,05 m³ bisa diisi",
        "40' GP · 67 m³ · 56,95 m³ bisa diisi",
        "40' HC · 76 m³ · 64,6 m³ bisa diisi",
        "✖️ Batal",
    ]
    for early in ("1.200", "/containers"):  # the capacity before the type: nothing is taken
        await ani.send(early)
        assert "Anda sedang membuat kontainer" in ani.last_text, early
    await ani.tap("40' GP")
    assert "Jenis kontainer: 40' GP · 67 m³ · 56,95 m³ bisa diisi" in ani.last_text
    assert "📦 3.500 kendang" in ani.last.labels

    for bad_capacity in ("0", "-5", "banyak", "2.000.001"):
        replies = await ani.send(bad_capacity)
        assert "Kapasitas itu tidak bisa dipakai" in replies[-1].plain, bad_capacity
    await ani.send("1.200")
    assert "Kapasitas: 1.200." in ani.last_text
    for bad_destination in ("   ", "!!! ???"):
        replies = await ani.send(bad_destination)
        assert "Ketik tujuannya dengan huruf" in replies[-1].plain
    await ani.send("Shanghai <China>")
    assert "Harus siap paling lambat tanggal berapa?" in ani.last_text

    past = today() - timedelta(days=1)
    for bad_date in ("31/02/2027", "kapan-kapan", "15/01/27", "15 Januari"):
        replies = await ani.send(bad_date)
        assert "Tanggal itu tidak bisa saya baca." in replies[-1].plain, bad_date
    for not_future in (past.isoformat(), today().strftime("%d-%m-%Y")):
        replies = await ani.send(not_future)
        assert "Tanggal target harus setelah hari ini" in replies[-1].plain, not_future
    assert rows(bot, "SELECT COUNT(*) FROM containers") == [(0,)]

    target = today() + timedelta(days=45)
    await ani.send(target.strftime("%d/%m/%Y"))
    summary = ani.last_text
    assert "Periksa kontainer baru" in summary
    assert "Jenis kontainer: 40' GP · 67 m³" in summary
    assert "Kapasitas: 1.200 kendang" in summary
    assert "Tujuan: Shanghai <China>" in summary
    assert f"Tanggal target: {ID.date(target)}" in summary
    await ani.tap("Buat kontainer")
    assert "Kontainer C-000001 dibuat untuk Li Wei (Yiwu Music Trading)" in ani.last_text
    assert rows(
        bot,
        "SELECT buyer_id, kind, capacity, destination, target_date, status, created_by"
        " FROM containers",
    ) == [
        (
            await member_id(bot, li),
            "40gp",
            1200,
            "Shanghai <China>",
            target.isoformat(),
            "open",
            ADMIN_ANI,
        )
    ]

    # The day-month-year with dashes and the usual capacity button work too; /cancel keeps nothing.
    await ani.send("/containers")
    await ani.tap("Kontainer baru")
    await ani.tap("Li Wei")
    await ani.tap("40' HC")
    await ani.tap("3.500 kendang")
    await ani.send("Rotterdam")
    await ani.send(target.strftime("%d-%m-%Y"))
    assert "Kapasitas: 3.500 kendang" in ani.last_text
    await ani.send("/cancel")
    assert "Tidak ada kontainer yang dibuat." in ani.last_text
    assert rows(bot, "SELECT COUNT(*) FROM containers") == [(1,)]


async def test_orders_go_in_until_full_and_refusals_say_why(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 60)
    first = await confirmed_order(bot, li, SMALL, 50)
    second = await confirmed_order(bot, li, SMALL, 30, backorder=True)  # 10 ready, 20 to make
    others = await confirmed_order(bot, wang, SMALL, 5, backorder=True)
    container = await open_container(ani, "Li Wei", capacity="70")

    await ani.press(f"box:see:{container}")
    await ani.tap("Tambah pesanan")
    screen = ani.last_text
    assert "Sisa tempat: 70 dari 70" in screen
    assert f"O-000001 · {SMALL_ID}: 50, 50 siap" in screen
    assert f"O-000002 · {SMALL_ID}: 30, 10 siap" in screen
    assert not any("O-000003" in label for label in ani.last.labels)  # Wang's order

    await ani.tap("O-000001")
    assert "O-000001 sudah masuk." in ani.callback_answers[-1]["text"]
    assert "Sisa tempat: 20 dari 70" in ani.last_text
    assert order_row(bot, first) == ("in_container", 50, 0, container)

    await ani.tap("O-000002")
    answer = ani.callback_answers[-1]
    assert answer["show_alert"]
    assert answer["text"] == (
        "O-000002 tidak muat: C-000001 hanya punya tempat untuk 20 kendang lagi."
    )
    assert order_row(bot, second) == ("backordered", 10, 0, None)

    # Tampered data: another buyer's order, and an order no longer confirmed.
    await ani.press(f"box:put:{container}:{others}")
    assert "pesanan pembeli lain" in ani.callback_answers[-1]["text"]
    assert order_row(bot, others) == ("backordered", 0, 0, None)
    async with second_storage(bot) as storage:
        await storage.orders.cancel(second, buyer_id=None, by=ADMIN_ANI)
    await ani.press(f"box:put:{container}:{second}")
    assert "O-000002 tidak bisa dipindah" in ani.callback_answers[-1]["text"]
    assert order_row(bot, second)[3] is None

    # Taking an order out gives it back its confirmed state, with its drums still reserved.
    await ani.tap("Kembali ke kontainer")
    await ani.tap("Keluarkan O-000001")
    assert "O-000001 sudah dikeluarkan." in ani.callback_answers[-1]["text"]
    assert order_row(bot, first) == ("confirmed", 50, 0, None)
    assert "Belum ada pesanan di dalamnya." in ani.last_text
    await ani.press(f"box:out:{container}:{first}")
    assert "O-000001 tidak bisa dipindah" in ani.callback_answers[-1]["text"]


async def test_progress_shows_figures_bar_and_estimate_to_buyer_and_admin(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    # 28 drums accepted in the last four weeks: a pace of one drum a day for this model.
    await accept_drums(bot, sri, SMALL, 28)
    await confirmed_order(bot, li, SMALL, 60, backorder=True)  # 28 ready, 32 to make
    target = today() + timedelta(days=60)
    container = await open_container(ani, capacity="100", target=target)
    await put_in(ani, container, "O-000001")

    await li.send("/containers")
    assert "Your containers" in li.last_text
    assert "C-000001 · Shanghai, China · 60% planned" in li.last.labels
    await li.tap("C-000001")
    view = li.last_text
    for line in (
        "🚢 Container C-000001",
        "Destination: Shanghai, China",
        f"Target date: {EN.date(target)}",
        "Capacity: 100 drums",
        "▓▓▓▒▒▒░░░░ 28% ready",
        "Drums planned: 60",
        "Ready: 28",
        "Still to make: 32",
        "Shipped: 0",
        f"Estimated ready: {EN.date(today() + timedelta(days=32))}, before the target date.",
        f"O-000001 · {SMALL_EN}: 60, 28 ready",
    ):
        assert line in view, line
    assert "Buyer:" not in view
    assert li.last.labels == ["🔄 Refresh", "⬅️ My containers"]

    await ani.press(f"box:see:{container}")
    admin_view = ani.last_text
    assert "Pembeli: Li Wei (Yiwu Music Trading)" in admin_view
    assert "▓▓▓▒▒▒░░░░ 28% siap" in admin_view
    assert f"Perkiraan siap: {ID.date(today() + timedelta(days=32))}, sebelum" in admin_view
    assert "\N{HEAVY PLUS SIGN} Tambah pesanan" in ani.last.labels
    assert "\N{HEAVY MINUS SIGN} Keluarkan O-000001" in ani.last.labels

    # A second container queues behind the first: 32 + 20 drums at one a day, after its target.
    await confirmed_order(bot, li, SMALL, 20, backorder=True)
    soon = today() + timedelta(days=10)
    second = await open_container(ani, capacity="100", destination="Ningbo", target=soon)
    await put_in(ani, second, "O-000002")
    await li.press(f"box:see:{second}")
    assert (
        f"Estimated ready: {EN.date(today() + timedelta(days=52))}, 42 days after the target date ⚠️"
    ) in li.last_text

    # More drums accepted: the figures, bar and estimate follow; and in Indonesian.
    await accept_drums(bot, sri, SMALL, 28)
    li.language_code = "id"
    await li.press(f"box:see:{container}")
    view = li.last_text
    assert "▓▓▓▓▓▓░░░░ 56% siap" in view
    assert "Siap: 56" in view
    assert "Masih harus dibuat: 4" in view
    assert f"Perkiraan siap: {ID.date(today() + timedelta(days=2))}, sebelum" in view


async def test_estimate_says_when_it_cannot_tell_and_when_everything_is_ready(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 10)
    await confirmed_order(bot, li, SMALL, 10)
    await confirmed_order(bot, li, LARGE, 5, backorder=True)  # never made lately
    ready = await open_container(ani)
    await put_in(ani, ready, "O-000001")
    waiting = await open_container(ani, destination="Osaka")
    await put_in(ani, waiting, "O-000002")

    await li.press(f"box:see:{ready}")
    assert "Ready now: every drum is in stock." in li.last_text
    await li.press(f"box:see:{waiting}")
    assert "not enough recent production to estimate" in li.last_text

    await ani.send("/containers")
    listing = ani.last_text
    assert "C-000001 · Li Wei · Shanghai, China: 10 dari 3.500 (0%), 10 siap" in listing
    assert "C-000002 · Li Wei · Osaka: 5 dari 3.500 (0%), 0 siap" in listing


async def test_shipping_takes_ready_drums_out_of_stock_and_tells_the_buyer_once(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 40)
    whole = await confirmed_order(bot, li, SMALL, 30)
    part = await confirmed_order(bot, li, SMALL, 30, backorder=True)  # 10 ready, 20 to make
    container = await open_container(ani, capacity="100")
    await put_in(ani, container, "O-000001", "O-000002")
    balance = "SELECT on_hand, reserved FROM stock_balances"
    assert rows(bot, balance) == [(40, 40)]

    await set_rate(bot)
    await ani.tap("Kembali ke kontainer")
    await ani.tap("🚢 Kirim")
    await type_shipping_details(ani)
    confirm = ani.last_text
    assert "Kirim C-000001 ke Shanghai, China sekarang?" in confirm
    assert f"Berangkat sekarang: 40\n• {SMALL_ID}: 40" in confirm
    assert f"Tetap inden: 20\n• {SMALL_ID}: 20" in confirm
    assert rows(bot, balance) == [(40, 40)]  # nothing moves before the confirmation

    told_before = len(li.inbox)
    replies = await ani.tap("Ya, kirim sekarang")
    # The summary becomes the outcome; the papers follow as files.
    result = next(message for message in replies if message.document is None)
    assert "C-000001 sudah dikirim ke Shanghai, China: 40 kendang keluar dari stok." in result.plain
    assert "20 kendang tetap inden" in result.plain
    assert rows(bot, balance) == [(0, 0)]
    assert rows(
        bot,
        "SELECT order_id, on_hand_delta, reserved_delta, reason, created_by FROM stock_movements"
        " WHERE kind = 'shipped' ORDER BY order_id",
    ) == [(whole, -30, -30, "C-000001", ADMIN_ANI), (part, -10, -10, "C-000001", ADMIN_ANI)]
    assert order_row(bot, whole) == ("shipped", 0, 30, container)
    assert order_row(bot, part) == ("backordered", 0, 10, None)
    assert rows(bot, "SELECT status FROM containers") == [("shipped",)]
    # The news, then the commercial invoice and the packing list.
    assert len(li.inbox) == told_before + 3
    told = li.inbox[told_before].plain
    assert "Your container C-000001 has shipped to Shanghai, China with 40 drums." in told
    assert "20 drums still to be made will follow in a later container." in told

    # The Ship button tapped again: nothing moves twice and the buyer is not told twice.
    await ani.press(f"box:ship:{container}", result)
    assert ani.callback_answers[-1]["text"] == "C-000001 sudah dikirim."
    assert rows(bot, balance) == [(0, 0)]
    assert rows(bot, "SELECT COUNT(*) FROM stock_movements WHERE kind = 'shipped'") == [(2,)]
    assert len(li.inbox) == told_before + 3

    await li.send("/containers")
    await li.tap("C-000001")
    view = li.last_text
    assert "Status: shipped on" in view
    assert "Shipped: 40" in view
    assert f"O-000001 · {SMALL_EN}: 30 shipped" in view
    assert f"O-000002 · {SMALL_EN}: 10 shipped, 20 to follow later" in view

    # The backorder left behind waits for the next container.
    await ani.send("/containers")
    await ani.tap("Kontainer baru")
    await ani.tap("Li Wei")
    await ani.tap("40' HC")
    await ani.tap("3.500 kendang")
    await ani.send("Shanghai")
    await ani.send((today() + timedelta(days=30)).isoformat())
    await ani.tap("Buat kontainer")
    await ani.tap("Tambah pesanan")
    assert f"O-000002 · {SMALL_ID}: 20, 0 siap" in ani.last_text


async def test_a_container_with_nothing_ready_cannot_ship(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    order = await confirmed_order(bot, li, SMALL, 12, backorder=True)
    container = await open_container(ani)
    await put_in(ani, container, "O-000001")
    await ani.tap("Kembali ke kontainer")
    await ani.tap("🚢 Kirim")
    answer = ani.callback_answers[-1]
    assert answer["show_alert"]
    assert answer["text"] == "Belum ada kendang siap di C-000001, jadi belum ada yang bisa dikirim."
    await ani.press(f"box:ship:{container}")  # an old or tampered confirmation
    assert "Belum ada kendang siap" in ani.callback_answers[-1]["text"]
    assert rows(bot, "SELECT status FROM containers") == [("open",)]
    assert order_row(bot, order) == ("in_container", 0, 0, container)


async def test_cancelling_a_container_gives_its_orders_back_and_tells_the_buyer(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 8)
    order = await confirmed_order(bot, li, SMALL, 8)
    container = await open_container(ani)
    await put_in(ani, container, "O-000001")
    await ani.tap("Kembali ke kontainer")
    await ani.tap("Batalkan kontainer")
    assert "Batalkan kontainer C-000001 untuk Li Wei (Yiwu Music Trading)?" in ani.last_text
    assert rows(bot, "SELECT status FROM containers") == [("open",)]
    await ani.tap("Ya, batalkan kontainer")
    assert "Kontainer C-000001 dibatalkan." in ani.last_text
    assert rows(bot, "SELECT status, closed_by FROM containers") == [("cancelled", ADMIN_ANI)]
    assert order_row(bot, order) == ("confirmed", 8, 0, None)
    assert rows(bot, "SELECT on_hand, reserved FROM stock_balances") == [(8, 8)]
    assert "Container C-000001 to Shanghai, China was cancelled" in li.last_text

    for data in (f"box:add:{container}", f"box:qship:{container}", f"box:can:{container}"):
        await ani.press(data)
        assert ani.callback_answers[-1]["text"] == "C-000001 sudah dibatalkan."
    assert order_row(bot, order) == ("confirmed", 8, 0, None)


async def test_another_buyers_container_is_never_shown_nor_touched(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    sri = await active_artisan(bot)
    await accept_drums(bot, sri, SMALL, 5)
    order = await confirmed_order(bot, li, SMALL, 5)
    container = await open_container(ani, destination="Secret Harbour")
    await put_in(ani, container, "O-000001")

    await wang.send("/containers")
    assert "You have no container shipments yet." in wang.last_text
    await wang.press(f"box:see:{container}")
    refused = wang.callback_answers[-1]["text"]
    await wang.press("box:see:999999")
    assert wang.callback_answers[-1]["text"] == refused == "There is no such container of yours."
    for data in (
        f"box:add:{container}",
        f"box:put:{container}:{order}",
        f"box:out:{container}:{order}",
        f"box:qship:{container}",
        f"box:ship:{container}",
        f"box:qcan:{container}",
        f"box:can:{container}",
        "box:admin",
    ):
        await wang.press(data)
        assert (
            wang.callback_answers[-1]["text"] == "Sorry, only the cooperative's admins can do that."
        )
    await sri.press(f"box:see:{container}")
    assert sri.callback_answers[-1]["text"] == "Kontainer itu tidak ada di daftar Anda."
    for person in (wang, sri):
        assert not any("Secret Harbour" in message.plain for message in person.inbox)
    assert rows(bot, "SELECT status FROM containers") == [("open",)]
    assert order_row(bot, order) == ("in_container", 5, 0, container)
    assert rows(bot, "SELECT on_hand, reserved FROM stock_balances") == [(5, 5)]

    await sri.send("/containers")
    assert "Pengiriman kontainer hanya untuk pembeli." in sri.last_text
    await li.send("/menu")
    await li.tap("My containers")
    assert "C-000001 · Secret Harbour" in li.last.labels[0]
