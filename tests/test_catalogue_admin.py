"""Admins keep the catalogue in chat: list, add, prices with Undo, photos, retire and restore."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from bot.emulator import Person
from storage import Storage
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan

SMALL_PLAIN = "DJ-S-MAH-GOAT-PLAIN"  # seeded at Rp120.000 / Rp200.000
SMALL_PLAIN_LABEL = "Kecil · mahoni · kulit kambing · polos"
REFUSAL = "hanya admin koperasi"


def model_row(bot: RunningBot, code: str) -> sqlite3.Row | None:
    """Read a drum model straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        row: sqlite3.Row | None = connection.execute(
            "SELECT * FROM drum_models WHERE code = ?", (code,)
        ).fetchone()
        return row


def catalogue_snapshot(bot: RunningBot) -> list[tuple[Any, ...]]:
    """Every model and every price change, to show that nothing changed."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        models = connection.execute("SELECT * FROM drum_models ORDER BY id").fetchall()
        prices = connection.execute("SELECT * FROM model_price_changes ORDER BY id").fetchall()
    return [*models, *prices]


def price_changes(bot: RunningBot, code: str) -> list[tuple[int, int]]:
    """The (rate, price) history of a model, oldest first."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        rows = connection.execute(
            "SELECT p.artisan_rate, p.buyer_price FROM model_price_changes p"
            " JOIN drum_models d ON d.id = p.model_id WHERE d.code = ? ORDER BY p.id",
            (code,),
        ).fetchall()
    return [(int(rate), int(price)) for rate, price in rows]


async def open_card(ani: Person, label: str = SMALL_PLAIN_LABEL) -> None:
    """Open a model's card from the catalogue list."""
    await ani.send("/catalogue")
    await ani.tap(label)
    assert "Upah perajin:" in ani.last_text


async def start_adding(ani: Person, size: str, wood: str, head: str, finish: str) -> None:
    """Walk the add conversation through the four attribute buttons."""
    await ani.send("/catalogue")
    await ani.tap("Tambah model")
    await ani.tap(size)
    await ani.tap(wood)
    await ani.tap(head)
    await ani.tap(finish)


async def test_catalogue_lists_the_seeded_models_from_the_admin_menu(bot: RunningBot) -> None:
    ani = bot.admin()
    await ani.send("/start")
    await ani.tap("Katalog")
    listing = ani.last
    assert "Katalog" in listing.plain
    assert "Aktif: 16 · dihentikan: 0" in listing.plain
    assert "Kecil · mahoni · kulit kambing · polos: Rp120.000 / Rp200.000" in listing.plain
    labels = listing.labels
    assert SMALL_PLAIN_LABEL in labels
    assert "Besar · nangka · kulit kambing · ukir" in labels
    assert labels.index(SMALL_PLAIN_LABEL) < labels.index("Besar · nangka · kulit kambing · ukir")

    await ani.tap(SMALL_PLAIN_LABEL)
    card = ani.last.plain
    assert SMALL_PLAIN in card
    assert "Upah perajin: Rp120.000 per kendang" in card
    assert "Harga jual: Rp200.000" in card
    assert "diameter 17-19 cm" in card
    assert "Foto: belum ada" in card
    assert "Status: aktif" in card


async def test_admin_adds_a_model_through_the_whole_conversation(bot: RunningBot) -> None:
    ani = bot.admin()
    await start_adding(ani, "Sedang", "Mangga", "Kulit sapi", "Ukir")
    assert "Sedang · mangga · kulit sapi · ukir" in ani.last_text
    await ani.send("Rp 150.000")
    assert "harga jual" in ani.last_text
    await ani.send("250,000")
    summary = ani.last_text
    assert "DJ-M-MGO-COW-CARVE" in summary
    assert "Rp150.000" in summary and "Rp250.000" in summary
    assert model_row(bot, "DJ-M-MGO-COW-CARVE") is None  # nothing before the confirmation

    await ani.tap("Tambahkan ke katalog")
    assert "Sudah masuk katalog" in ani.last_text
    row = model_row(bot, "DJ-M-MGO-COW-CARVE")
    assert row is not None
    assert (row["artisan_rate"], row["buyer_price"], row["active"]) == (150000, 250000, 1)
    assert price_changes(bot, "DJ-M-MGO-COW-CARVE") == [(150000, 250000)]


async def test_a_combination_already_in_the_catalogue_is_not_added(bot: RunningBot) -> None:
    ani = bot.admin()
    before = catalogue_snapshot(bot)
    await start_adding(ani, "Kecil", "Mahoni", "Kulit kambing", "Polos")
    assert "sudah ada di katalog" in ani.last_text
    assert SMALL_PLAIN in ani.last_text
    await ani.send("150000")  # the conversation is over: no rate is taken
    assert catalogue_snapshot(bot) == before

    # Retired, it is offered for restoring instead.
    await open_card(ani)
    await ani.tap("Hentikan model")
    await ani.tap("Ya, hentikan")
    await start_adding(ani, "Kecil", "Mahoni", "Kulit kambing", "Polos")
    assert "dihentikan" in ani.last_text
    await ani.tap("Pulihkan model ini")
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None and row["active"] == 1
    with sqlite3.connect(bot.settings.db_path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM drum_models").fetchone()[0] == 16


@pytest.mark.parametrize("typed", ["0", "-5", "12.5", "abc"])
async def test_a_bad_rate_is_asked_again(bot: RunningBot, typed: str) -> None:
    ani = bot.admin()
    await start_adding(ani, "Sedang", "Mangga", "Kulit sapi", "Ukir")
    replies = await ani.send(typed)
    assert "angka bulat lebih dari nol" in replies[-1].plain
    await ani.send("150.000")
    assert "harga jual" in ani.last_text
    assert "Rp150.000" in ani.last_text


async def test_a_price_not_above_the_rate_is_refused(bot: RunningBot) -> None:
    ani = bot.admin()
    await start_adding(ani, "Sedang", "Mangga", "Kulit sapi", "Ukir")
    await ani.send("150000")
    for typed in ("150000", "100.000"):
        replies = await ani.send(typed)
        assert "harus lebih tinggi dari upah perajin (Rp150.000)" in replies[-1].plain
    await ani.send("/cancel")
    assert "Dibatalkan" in ani.last_text
    await ani.send("200000")  # after /cancel, no longer a price
    assert model_row(bot, "DJ-M-MGO-COW-CARVE") is None


async def test_rate_change_is_recorded_and_undo_sets_it_back(bot: RunningBot) -> None:
    ani = bot.admin()
    await open_card(ani)
    await ani.tap("Ubah upah perajin")
    for typed, hint in (
        ("abc", "angka bulat lebih dari nol"),
        ("120000", "Upahnya memang sudah segitu"),
        ("200.000", "harus lebih rendah dari harga jual (Rp200.000)"),
    ):
        await ani.send(typed)
        assert hint in ani.last_text
    await ani.send("130.000")
    confirmation = ani.last_text
    assert "Rp120.000 → Rp130.000" in confirmation
    assert "tetap memakai upah saat diterima" in confirmation
    assert price_changes(bot, SMALL_PLAIN) == [(120000, 200000)]

    await ani.tap("Ya, ubah")
    done = ani.last
    assert "sekarang Rp130.000 (sebelumnya Rp120.000)" in done.plain
    assert "tetap memakai upah saat diterima" in done.plain
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None and row["artisan_rate"] == 130000
    assert price_changes(bot, SMALL_PLAIN) == [(120000, 200000), (130000, 200000)]

    undo = done.button_data("↩️")
    assert undo is not None
    await ani.press(undo, done)
    assert "Diurungkan" in ani.last_text
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None and row["artisan_rate"] == 120000
    assert price_changes(bot, SMALL_PLAIN)[-1] == (120000, 200000)

    await ani.press(undo, done)  # a second Undo changes nothing
    assert "tidak bisa diurungkan" in ani.callback_answers[-1]["text"]
    assert len(price_changes(bot, SMALL_PLAIN)) == 3


async def test_buyer_price_change_is_stored(bot: RunningBot) -> None:
    ani = bot.admin()
    await open_card(ani)
    await ani.tap("Ubah harga jual")
    await ani.send("110000")  # not above the rate
    assert "harus lebih tinggi dari upah perajin" in ani.last_text
    await ani.send("Rp210.000")
    assert "Rp200.000 → Rp210.000" in ani.last_text
    await ani.tap("Ya, ubah")
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None
    assert (row["artisan_rate"], row["buyer_price"]) == (120000, 210000)


async def test_a_report_accepted_before_a_rate_change_keeps_its_rate(bot: RunningBot) -> None:
    await active_artisan(bot)
    ani = bot.admin()
    storage = await Storage.open(bot.settings.db_path)
    try:
        sri = await storage.members.by_telegram_id(1001)
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert sri is not None and model is not None
        before, _ = await storage.reports.create(sri.id, model.id, 2)
        await storage.reports.decide(before.id, 2, None, by=ADMIN_ANI)

        await open_card(ani)
        await ani.tap("Ubah upah perajin")
        await ani.send("130000")
        await ani.tap("Ya, ubah")

        kept = await storage.reports.get(before.id)
        assert kept is not None and kept.rate == 120000
        after, _ = await storage.reports.create(sri.id, model.id, 1)
        decision = await storage.reports.decide(after.id, 1, None, by=ADMIN_ANI)
        assert decision is not None and decision.report.rate == 130000
    finally:
        await storage.close()


async def test_attached_photo_is_stored_and_can_be_removed(bot: RunningBot) -> None:
    ani = bot.admin()
    await open_card(ani)
    await ani.tap("Pasang foto")
    await ani.send("ini fotonya")
    assert "kirim foto" in ani.last_text.lower()
    await ani.send_photo()
    sent = [m for m in bot.emulator.private_chat(ani.user_id).messages.values() if not m.from_bot]
    largest = sent[-1].content["photo"][-1]["file_id"]
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None and row["photo_file_id"] == largest
    shown = ani.last
    assert shown.photo and "Foto terpasang" in shown.plain and "Foto: ✅ ada" in shown.plain

    await ani.tap("Hapus foto")
    await ani.tap("Ya, hapus foto")
    row = model_row(bot, SMALL_PLAIN)
    assert row is not None and row["photo_file_id"] is None
    assert "Foto: belum ada" in ani.last_text


async def test_retired_model_leaves_the_active_list_and_restore_brings_it_back(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    await open_card(ani)
    await ani.tap("Hentikan model")
    assert "Perajin tidak akan melihatnya lagi" in ani.last_text
    await ani.tap("Ya, hentikan")
    assert "dihentikan (tidak ditawarkan ke perajin)" in ani.last_text
    storage = await Storage.open(bot.settings.db_path)
    try:
        active = {model.code for model in await storage.catalogue.list_active()}
        assert SMALL_PLAIN not in active

        await ani.send("/catalogue")
        assert "Aktif: 15 · dihentikan: 1" in ani.last_text
        assert ani.last.labels[15] == f"⛔ {SMALL_PLAIN_LABEL} (dihentikan)"

        await ani.tap(SMALL_PLAIN_LABEL)
        await ani.tap("Pulihkan")
        active = {model.code for model in await storage.catalogue.list_active()}
        assert SMALL_PLAIN in active
        assert "Status: aktif" in ani.last_text

        await ani.press("cat:retok:99999")  # a model that does not exist
        assert "Model ini sudah tidak ada" in ani.callback_answers[-1]["text"]
        assert len(await storage.catalogue.list_active()) == 16
    finally:
        await storage.close()


async def test_non_admins_are_refused_and_nothing_changes(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    stranger = bot.person(3001, "Joko", "id")
    await stranger.send("/start")
    model_id = model_row(bot, SMALL_PLAIN)["id"]  # type: ignore[index]
    before = catalogue_snapshot(bot)
    for person in (sri, stranger):
        replies = await person.send("/catalogue")
        assert REFUSAL in replies[-1].plain
        for data in (
            "cat:menu",
            "cat:list:0",
            f"cat:open:{model_id}",
            f"cat:retok:{model_id}",
            f"cat:restore:{model_id}",
            f"cat:rmphok:{model_id}",
            f"cat:undo:{model_id}:1",
            "cat:add",
            f"cat:rate:{model_id}",
            f"cat:photo:{model_id}",
        ):
            await person.press(data)
            assert REFUSAL in person.callback_answers[-1]["text"], data
        await person.send("1000")  # no conversation was entered
        await person.send_photo()
    assert catalogue_snapshot(bot) == before


async def test_an_english_speaking_admin_sees_english(bot: RunningBot) -> None:
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/catalogue")
    assert "Catalogue" in budi.last_text
    assert "Small · mahogany · goatskin · plain: IDR120,000 / IDR200,000" in budi.last_text
    await budi.tap("Small · mahogany · goatskin · plain")
    assert "Artisan rate: IDR120,000 per drum" in budi.last_text
    await budi.tap("Change artisan rate")
    assert "drums accepted from now on get the new rate" in budi.last_text
    await budi.send("twelve")
    assert "whole number above zero" in budi.last_text
