"""Admins correct the stock with a reason, and undo a correction: end to end, and beneath."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.emulator import Person
from storage import Storage
from storage.models.members import ArtisanApplication, MemberStatus
from storage.stock import InsufficientStockError
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan

SMALL_PLAIN = "DJ-S-MAH-GOAT-PLAIN"
SMALL_PLAIN_ID = "Kecil · mahoni · kulit kambing · polos"
SMALL_PLAIN_EN = "Small · mahogany · goatskin · plain"


async def accept_drums(bot: RunningBot, telegram_id: int, quantity: int) -> int:
    """Have drums reported and accepted through storage; return the model's id."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(telegram_id)
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(member.id, model.id, quantity)
        await storage.reports.decide(report.id, quantity, None, by=ADMIN_ANI)
        return model.id
    finally:
        await storage.close()


def query(bot: RunningBot, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        return [tuple(row) for row in connection.execute(sql, params)]


def on_hand(bot: RunningBot, model_id: int) -> object:
    """The stored count on hand of a model."""
    return query(bot, "SELECT on_hand FROM stock_balances WHERE model_id = ?", model_id)[0][0]


def corrections(bot: RunningBot, model_id: int) -> list[tuple[object, ...]]:
    """The model's corrections: change, reason, by whom."""
    return query(
        bot,
        "SELECT on_hand_delta, reason, created_by FROM stock_movements"
        " WHERE model_id = ? AND kind = 'correction' ORDER BY id",
        model_id,
    )


def assert_stock_is_the_sum_of_movements(bot: RunningBot, model_id: int) -> None:
    """The stored balance equals what the ledger's movements add up to."""
    total = query(
        bot, "SELECT SUM(on_hand_delta) FROM stock_movements WHERE model_id = ?", model_id
    )
    assert on_hand(bot, model_id) == total[0][0]


async def correct(ani: Person, model: str, change: str, reason: str | None = None) -> None:
    """Walk admin Ani through a correction up to its summary; a tapped reason when None."""
    await ani.send("/correct")
    await ani.tap(model)
    await ani.send(change)
    if reason is None:
        await ani.tap("dihitung ulang")
    else:
        await ani.send(reason)
    assert "Periksa koreksinya" in ani.last_text


@pytest.fixture
async def stocked(bot: RunningBot) -> tuple[Person, Person, int]:
    """Admin Ani, artisan Sri, and 5 small plain drums accepted from her into stock."""
    ani = bot.admin()
    sri = await active_artisan(bot)
    model_id = await accept_drums(bot, sri.user_id, 5)
    return ani, sri, model_id


async def test_an_admin_adds_and_takes_away_drums_saying_why(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    replies = await ani.send("/correct")
    assert "Koreksi stok" in replies[-1].plain
    assert f"{SMALL_PLAIN_ID} · 5" in replies[-1].labels
    replies = await ani.tap(SMALL_PLAIN_ID)
    assert "Di gudang: 5 · disiapkan: 0" in replies[-1].plain
    replies = await ani.send("+3")
    assert "Kenapa?" in replies[-1].plain
    replies = await ani.tap("dihitung ulang")
    assert "Perubahan: +3" in replies[-1].plain
    assert "Di gudang: 5 → 8" in replies[-1].plain
    await ani.tap("Koreksi stok")
    assert "Stok dikoreksi" in ani.last_text
    assert "Di gudang sekarang: 8" in ani.last_text
    assert on_hand(bot, model_id) == 8

    await correct(ani, SMALL_PLAIN_ID, "\N{MINUS SIGN}2", "kena air <hujan>")  # as phones type it
    assert "Alasan: kena air <hujan>" in ani.last_text
    await ani.tap("Koreksi stok")
    assert on_hand(bot, model_id) == 6
    assert corrections(bot, model_id) == [
        (3, "dihitung ulang", ADMIN_ANI),
        (-2, "kena air <hujan>", ADMIN_ANI),
    ]
    assert_stock_is_the_sum_of_movements(bot, model_id)


async def test_a_change_below_zero_or_unreadable_is_refused_and_nothing_changes(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    await ani.send("/correct")
    await ani.tap(SMALL_PLAIN_ID)
    replies = await ani.send("-6")
    assert "Tidak bisa: di gudang ada 5 dan 0 sudah disiapkan" in replies[-1].plain
    assert "paling banyak 5 yang bisa dikurangi" in replies[-1].plain
    for typed in ("0", "+0", "abc", "2.5", "+-3", "tiga"):
        replies = await ani.send(typed)
        assert "Ketik angka bulat selain 0" in replies[-1].plain, typed
    replies = await ani.send("-5")
    assert "Kenapa?" in replies[-1].plain
    replies = await ani.send("🙂")
    assert "Ketik alasan singkat" in replies[-1].plain
    await ani.send("/cancel")
    assert "Koreksi stok dibatalkan" in ani.last_text
    assert on_hand(bot, model_id) == 5
    assert corrections(bot, model_id) == []


async def test_a_correction_refused_at_the_last_moment_changes_nothing(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    await correct(ani, SMALL_PLAIN_ID, "-4")
    storage = await Storage.open(bot.settings.db_path)
    try:  # another admin takes drums away meanwhile
        await storage.stock.correct(model_id, -3, "rusak", by=ADMIN_BUDI)
    finally:
        await storage.close()
    await ani.tap("Koreksi stok")
    assert "Tidak diubah: di gudang sekarang 2" in ani.last_text
    assert on_hand(bot, model_id) == 2
    assert [row[0] for row in corrections(bot, model_id)] == [-3]


async def test_undo_reverses_a_correction_once(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    await correct(ani, SMALL_PLAIN_ID, "+3")
    await ani.tap("Koreksi stok")
    confirmation = ani.last
    undo_data = confirmation.button_data("Urungkan")
    assert undo_data is not None and undo_data.startswith("stk:undo:")
    correction_id = int(undo_data.rsplit(":", 1)[1])

    await ani.tap("Urungkan", confirmation)
    assert "Diurungkan: koreksi +3" in ani.last_text
    assert "Di gudang sekarang: 5" in ani.last_text
    assert on_hand(bot, model_id) == 5
    assert corrections(bot, model_id) == [
        (3, "dihitung ulang", ADMIN_ANI),
        (-3, f"undo of correction #{correction_id}", ADMIN_ANI),
    ]
    await ani.press(undo_data, confirmation)
    assert "sudah diurungkan sebelumnya" in ani.callback_answers[-1]["text"]
    assert on_hand(bot, model_id) == 5
    assert len(corrections(bot, model_id)) == 2
    assert_stock_is_the_sum_of_movements(bot, model_id)


async def test_undo_that_would_leave_less_than_zero_is_refused(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    await correct(ani, SMALL_PLAIN_ID, "+3")
    await ani.tap("Koreksi stok")
    confirmation = ani.last
    await correct(ani, SMALL_PLAIN_ID, "-7", "terjual di pasar")
    await ani.tap("Koreksi stok")
    assert on_hand(bot, model_id) == 1

    await ani.tap("Urungkan", confirmation)
    assert "Tidak bisa diurungkan: di gudang sekarang 1" in ani.callback_answers[-1]["text"]
    assert on_hand(bot, model_id) == 1
    assert [row[0] for row in corrections(bot, model_id)] == [3, -7]


async def test_non_admins_cannot_correct_stock_or_undo(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, sri, model_id = stocked
    await correct(ani, SMALL_PLAIN_ID, "+1")
    await ani.tap("Koreksi stok")
    correction_id = ani.last.button_data("Urungkan")
    assert correction_id is not None

    replies = await sri.send("/correct")
    assert "hanya admin koperasi" in replies[-1].plain
    for data in ("stk:fix", f"stk:model:{model_id}", "stk:why:found", "stk:ok", correction_id):
        await sri.press(data)
        assert "hanya admin koperasi" in sri.callback_answers[-1]["text"], data
    assert on_hand(bot, model_id) == 6
    assert len(corrections(bot, model_id)) == 1


async def test_a_payment_cannot_start_in_the_middle_of_a_correction(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, sri, _ = stocked
    artisan_id = query(bot, "SELECT id FROM members WHERE telegram_id = ?", sri.user_id)[0][0]
    await ani.send("/correct")
    replies = await ani.press(f"pay:new:{artisan_id}")
    assert "Anda sedang mengoreksi stok" in replies[-1].plain
    await ani.tap(SMALL_PLAIN_ID)
    replies = await ani.press(f"pay:new:{artisan_id}")
    assert "Anda sedang mengoreksi stok" in replies[-1].plain
    replies = await ani.send("+2")  # still the correction's step
    assert "Kenapa?" in replies[-1].plain


async def test_a_correction_cannot_start_in_the_middle_of_a_payment(
    bot: RunningBot, stocked: tuple[Person, Person, int]
) -> None:
    ani, _, model_id = stocked
    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    await ani.press("stk:fix")
    assert "Anda sedang mencatat pembayaran" in ani.callback_answers[-1]["text"]
    replies = await ani.send("/correct")
    assert "Anda sedang mencatat pembayaran" in replies[-1].plain
    replies = await ani.send("+2")  # read as an amount, not as a change of stock
    assert "Jumlah itu tidak bisa saya pakai" in replies[-1].plain
    assert on_hand(bot, model_id) == 5


async def test_an_english_admin_sees_english(bot: RunningBot) -> None:
    ani = bot.admin()
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    sri = await active_artisan(bot)
    model_id = await accept_drums(bot, sri.user_id, 2)
    assert ani.user_id == ADMIN_ANI

    replies = await budi.send("/correct")
    assert "Which model?" in replies[-1].plain
    await budi.tap(SMALL_PLAIN_EN)
    replies = await budi.send("-1")
    assert "Why? Tap a reason" in replies[-1].plain
    await budi.tap("damaged in store")
    assert "Check the correction" in budi.last_text
    await budi.tap("Correct stock")
    assert "Stock corrected" in budi.last_text
    assert "On hand now: 1" in budi.last_text
    assert corrections(bot, model_id) == [(-1, "damaged in store", ADMIN_BUDI)]


async def test_undo_correction_refuses_non_corrections_and_undoing_an_undo(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "kendang.db")
    try:
        await storage.people.seen(1001, "Sri", None, "id")
        member = await storage.members.register_artisan(
            1001, ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya")
        )
        await storage.members.change_status(
            member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert model is not None
        report, _ = await storage.reports.create(member.id, model.id, 2)
        await storage.reports.decide(report.id, 2, None, by=ADMIN_ANI)
        accepted = (await storage.stock.movements(model.id))[0]
        correction = await storage.stock.correct(model.id, -2, "rusak", by=ADMIN_ANI)
        assert correction is not None

        first = await storage.stock.undo_correction(correction.id, by=ADMIN_BUDI)
        assert first is not None and first.undone
        assert (first.undo.on_hand_delta, first.undo.created_by) == (2, ADMIN_BUDI)
        again = await storage.stock.undo_correction(correction.id, by=ADMIN_ANI)
        assert again is not None and not again.undone and again.undo.id == first.undo.id
        assert await storage.stock.undo_correction(first.undo.id, by=ADMIN_ANI) is None
        assert await storage.stock.undo_correction(accepted.id, by=ADMIN_ANI) is None
        assert await storage.stock.undo_correction(999, by=ADMIN_ANI) is None

        added = await storage.stock.correct(model.id, 1, "ditemukan", by=ADMIN_ANI)
        assert added is not None
        await storage.stock.correct(model.id, -3, "terjual", by=ADMIN_ANI)
        with pytest.raises(InsufficientStockError):
            await storage.stock.undo_correction(added.id, by=ADMIN_ANI)
        balance = await storage.stock.balance(model.id)
        assert balance is not None and balance.on_hand == 0
        assert len(await storage.stock.movements(model.id)) == 5
    finally:
        await storage.close()
