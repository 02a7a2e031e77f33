"""Admins record payments to artisans, and undo them: end to end, and the ledger beneath."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.emulator import Person
from storage import Storage
from storage.models.members import ArtisanApplication, MemberStatus
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan

SMALL_PLAIN = "DJ-S-MAH-GOAT-PLAIN"  # the artisan is paid Rp 120,000 a drum


def today(bot: RunningBot) -> date:
    """The day it is now in the cooperative's time zone."""
    return datetime.now(ZoneInfo(bot.settings.timezone)).date()


async def accept_drums(bot: RunningBot, telegram_id: int, quantity: int) -> tuple[int, int]:
    """Have drums reported and accepted through storage; return the artisan id and the credit."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(telegram_id)
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(member.id, model.id, quantity)
        await storage.reports.decide(report.id, quantity, None, by=ADMIN_ANI)
        return member.id, quantity * model.artisan_rate
    finally:
        await storage.close()


def query(bot: RunningBot, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        return [tuple(row) for row in connection.execute(sql, params)]


def payments(bot: RunningBot, artisan_id: int) -> list[tuple[object, ...]]:
    """The artisan's payment entries: amount, paid_on, note, created_by."""
    return query(
        bot,
        "SELECT amount, paid_on, note, created_by FROM earnings_entries"
        " WHERE artisan_id = ? AND kind = 'payment' ORDER BY id",
        artisan_id,
    )


def balance(bot: RunningBot, artisan_id: int) -> tuple[object, ...]:
    """The artisan's stored balance: earned, paid."""
    rows = query(bot, "SELECT earned, paid FROM artisan_balances WHERE artisan_id = ?", artisan_id)
    return rows[0]


def assert_balance_is_the_sum_of_entries(bot: RunningBot, artisan_id: int) -> None:
    """The stored balance equals what the ledger entries add up to."""
    sums = query(
        bot,
        "SELECT COALESCE(SUM(amount) FILTER (WHERE kind != 'payment'), 0),"
        " COALESCE(-SUM(amount) FILTER (WHERE kind = 'payment'), 0)"
        " FROM earnings_entries WHERE artisan_id = ?",
        artisan_id,
    )
    assert balance(bot, artisan_id) == sums[0]


async def pay_up_to_confirmation(ani: Person, amount: str, note: str | None = "tunai") -> None:
    """Walk admin Ani from /pay to the summary of a payment to Sri, paid today."""
    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    await ani.send(amount)
    await ani.tap("Hari ini")
    if note is None:
        await ani.tap("Lewati")
    else:
        await ani.send(note)
    assert "Periksa pembayarannya" in ani.last_text


async def test_an_admin_records_a_payment_and_the_artisan_is_told(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, credit = await accept_drums(bot, sri.user_id, 2)
    assert credit == 240_000

    replies = await ani.send("/pay")
    assert "Pilih perajinnya" in replies[-1].plain
    assert "Sri Wahyuni · Jiwut · Rp240.000" in replies[-1].labels[0]
    replies = await ani.tap("Sri Wahyuni")
    assert "Pembayaran ke Sri Wahyuni (Jiwut)" in replies[-1].plain
    assert "Belum dibayar: Rp240.000" in replies[-1].plain
    await ani.send("Rp 150.000")
    await ani.tap("Hari ini")
    replies = await ani.send("tunai <BRI>")
    summary = replies[-1].plain
    assert "Jumlah: Rp150.000" in summary
    assert "Catatan: tunai <BRI>" in summary
    assert "Belum dibayar setelah ini: Rp90.000" in summary

    await ani.tap("Catat pembayaran")
    assert "Pembayaran dicatat: Rp150.000 ke Sri Wahyuni (Jiwut)" in ani.last_text
    assert ani.last.button_data("Urungkan") is not None
    assert payments(bot, artisan_id) == [
        (-150_000, today(bot).isoformat(), "tunai <BRI>", ADMIN_ANI)
    ]
    assert balance(bot, artisan_id) == (240_000, 150_000)
    assert_balance_is_the_sum_of_entries(bot, artisan_id)
    told = sri.last_text
    assert "Koperasi sudah mencatat Rp150.000 dibayarkan ke Anda" in told
    assert "Belum dibayar ke Anda: Rp90.000" in told


async def test_amounts_are_read_as_people_type_them(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 10)  # Rp 1,200,000 owed
    for typed, recorded in (("150000", 150_000), ("150,000", 150_000), ("rp. 20.000", 20_000)):
        await pay_up_to_confirmation(ani, typed, note=None)
        await ani.tap("Catat pembayaran")
        assert payments(bot, artisan_id)[-1][0] == -recorded
    assert [row[2] for row in payments(bot, artisan_id)] == [None, None, None]
    assert balance(bot, artisan_id) == (1_200_000, 320_000)


async def test_a_payment_of_more_than_is_owed_is_refused(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)

    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    replies = await ani.send("300.000")
    assert "lebih dari yang belum dibayar" in replies[-1].plain
    assert "Rp240.000" in replies[-1].plain
    replies = await ani.send("240.000")
    assert "Kapan dibayarnya?" in replies[-1].plain
    await ani.send("/cancel")
    assert "Tidak ada yang dicatat" in ani.last_text
    assert payments(bot, artisan_id) == []


async def test_a_payment_made_meanwhile_is_not_paid_twice(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)
    await pay_up_to_confirmation(ani, "200.000")

    # Another admin records a payment while Ani looks at her summary.
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.earnings.record_payment(artisan_id, 100_000, today(bot), by=ADMIN_BUDI)
    finally:
        await storage.close()
    await ani.tap("Catat pembayaran")
    assert "Tidak dicatat" in ani.last_text
    assert "Rp140.000" in ani.last_text
    assert [row[0] for row in payments(bot, artisan_id)] == [-100_000]
    assert balance(bot, artisan_id) == (240_000, 100_000)


async def test_bad_amounts_and_dates_are_asked_again_and_nothing_is_recorded(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)
    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    for typed in ("0", "-5", "abc", "12,5", "1.5", "150.000,00", "Rp"):
        replies = await ani.send(typed)
        assert "Jumlah itu tidak bisa saya pakai" in replies[-1].plain, typed
    await ani.send("100.000")

    now = today(bot)
    tomorrow = (now + timedelta(days=1)).strftime("%d-%m-%Y")
    too_old = now - timedelta(days=400)
    for typed, answer in (
        ("31-02-2026", "tidak bisa saya baca"),
        ("kemarin", "tidak bisa saya baca"),
        ("05-01", "tidak bisa saya baca"),  # a payment's year is never guessed
        (tomorrow, "belum lewat"),
        (too_old.strftime("%d/%m/%Y"), "lebih dari setahun"),
        (too_old.isoformat(), "lebih dari setahun"),  # year first is read as everywhere
    ):
        replies = await ani.send(typed)
        assert answer in replies[-1].plain, typed
        assert "Kapan dibayarnya?" in replies[-1].plain
    yesterday = now - timedelta(days=1)
    replies = await ani.send(yesterday.strftime("%d/%m/%Y"))
    assert "Tambahkan catatan singkat" in replies[-1].plain
    await ani.send("/cancel")
    assert payments(bot, artisan_id) == []
    assert balance(bot, artisan_id) == (240_000, 0)


async def test_undo_reverses_a_payment_once_and_tells_the_artisan(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)
    await pay_up_to_confirmation(ani, "150.000")
    await ani.tap("Catat pembayaran")
    confirmation = ani.last
    undo_data = confirmation.button_data("Urungkan")
    assert undo_data is not None and undo_data.startswith("pay:undo:")

    await ani.tap("Urungkan", confirmation)
    assert "Diurungkan: pembayaran Rp150.000 ke Sri Wahyuni (Jiwut)" in ani.last_text
    assert "Belum dibayar ke perajin sekarang: Rp240.000" in ani.last_text
    assert "Koreksi" in sri.last_text
    assert "Belum dibayar ke Anda: Rp240.000" in sri.last_text
    entries = query(
        bot,
        "SELECT kind, amount FROM earnings_entries WHERE artisan_id = ? ORDER BY id",
        artisan_id,
    )
    assert entries == [("credit", 240_000), ("payment", -150_000), ("payment", 150_000)]
    assert_balance_is_the_sum_of_entries(bot, artisan_id)
    # Undoing a payment takes it back off "paid" and leaves "earned" as it was.
    assert balance(bot, artisan_id) == (240_000, 0)

    told_before = len(sri.inbox)
    await ani.press(undo_data, confirmation)
    assert "sudah diurungkan sebelumnya" in ani.callback_answers[-1]["text"]
    assert len(query(bot, "SELECT id FROM earnings_entries")) == 3
    assert len(sri.inbox) == told_before


async def test_non_admins_cannot_pay_or_undo(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)
    await pay_up_to_confirmation(ani, "150.000")
    await ani.tap("Catat pembayaran")
    entry_id = query(bot, "SELECT id FROM earnings_entries WHERE kind = 'payment'")[0][0]

    replies = await sri.send("/pay")
    assert "hanya admin koperasi" in replies[-1].plain
    for data in (
        f"pay:new:{artisan_id}",
        "pay:list:0",
        "pay:day:0",
        "pay:ok",
        f"pay:undo:{entry_id}",
        "pay:bogus",
    ):
        await sri.press(data)
        assert "hanya admin koperasi" in sri.callback_answers[-1]["text"], data
    assert len(query(bot, "SELECT id FROM earnings_entries")) == 2
    assert balance(bot, artisan_id) == (240_000, 150_000)


async def test_an_english_admin_sees_english_and_the_artisan_reads_indonesian(
    bot: RunningBot,
) -> None:
    bot.admin()
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    sri = await active_artisan(bot)
    artisan_id, _ = await accept_drums(bot, sri.user_id, 2)

    replies = await budi.send("/pay")
    assert "Choose the artisan (1 active)" in replies[-1].plain
    assert "IDR240,000" in replies[-1].labels[0]
    replies = await budi.tap("Sri Wahyuni")
    assert "How much was paid?" in replies[-1].plain
    await budi.send("IDR 50,000")
    await budi.tap("Yesterday")
    await budi.tap("Skip")
    assert "Check the payment" in budi.last_text
    await budi.tap("Record payment")
    assert "Payment recorded: IDR50,000 to Sri Wahyuni (Jiwut)" in budi.last_text
    yesterday = today(bot) - timedelta(days=1)
    assert payments(bot, artisan_id) == [(-50_000, yesterday.isoformat(), None, ADMIN_BUDI)]
    assert "Koperasi sudah mencatat Rp50.000" in sri.last_text


async def test_nothing_owed_means_no_payment_is_started(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    assert "tidak ada upah Sri Wahyuni yang belum dibayar" in ani.callback_answers[-1]["text"]
    replies = await ani.send("100.000")
    assert "Silakan pakai tombol di menu" in replies[-1].plain  # no payment was started
    assert query(bot, "SELECT COUNT(*) FROM earnings_entries") == [(0,)]
    assert sri.inbox[-1].plain.startswith("🎉")  # the artisan heard nothing more


async def test_reverse_payment_appends_once_and_refuses_anything_else(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "kendang.db")
    try:
        artisan_id = await _storage_artisan(storage)
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert model is not None
        report, _ = await storage.reports.create(artisan_id, model.id, 1)
        await storage.reports.decide(report.id, 1, None, by=ADMIN_ANI)
        payment = await storage.earnings.record_payment(
            artisan_id, 100_000, date(2026, 1, 5), by=ADMIN_ANI
        )
        credit = (await storage.earnings.entries(artisan_id))[-1]

        first = await storage.earnings.reverse_payment(payment.id, by=ADMIN_BUDI)
        assert first is not None and first.reversed
        assert (first.reversal.kind, first.reversal.amount) == ("payment", 100_000)
        assert first.reversal.reverses == first.payment.id
        assert first.reversal.created_by == ADMIN_BUDI
        assert first.balance.owed == 120_000
        second = await storage.earnings.reverse_payment(payment.id, by=ADMIN_ANI)
        assert second is not None and not second.reversed
        assert second.reversal.id == first.reversal.id
        assert await storage.earnings.reverse_payment(credit.id, by=ADMIN_ANI) is None
        assert await storage.earnings.reverse_payment(first.reversal.id, by=ADMIN_ANI) is None
        assert await storage.earnings.reverse_payment(999, by=ADMIN_ANI) is None
        assert len(await storage.earnings.entries(artisan_id)) == 3
        # The money is owed again, so it can be paid again.
        await storage.earnings.record_payment(artisan_id, 120_000, date(2026, 1, 6), by=ADMIN_ANI)
        assert (await storage.earnings.balance(artisan_id)).owed == 0
    finally:
        await storage.close()


async def _storage_artisan(storage: Storage) -> int:
    await storage.people.seen(1001, "Sri", None, "id")
    member = await storage.members.register_artisan(
        1001, ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya")
    )
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    return member.id


async def test_the_artisan_list_is_paged(bot: RunningBot) -> None:
    ani = bot.admin()
    storage = await Storage.open(bot.settings.db_path)
    try:
        for number in range(9):
            telegram_id = 3000 + number
            await storage.people.seen(telegram_id, f"Artisan {number}", None, "id")
            member = await storage.members.register_artisan(
                telegram_id,
                ArtisanApplication(name=f"Artisan {number}", village="Ngoran", workshop="Bengkel"),
            )
            await storage.members.change_status(
                member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
            )
    finally:
        await storage.close()

    replies = await ani.send("/pay")
    first_page = replies[-1]
    assert "(9 aktif)" in first_page.plain
    assert [label.split(" · ")[0] for label in first_page.labels[:8]] == [
        f"Artisan {number}" for number in range(8)
    ]
    assert "Artisan 8" not in " ".join(first_page.labels)
    replies = await ani.tap("Berikutnya")
    assert replies[-1].message_id == first_page.message_id
    assert replies[-1].labels[0].startswith("Artisan 8 · Ngoran · Rp0")
    assert any("Sebelumnya" in label for label in replies[-1].labels)
