"""Admins keep each model's outer size, weights, HS code and packing, for the export papers."""

# The bot writes sizes with the multiplication sign, and admins type it too.
# ruff: noqa: RUF001

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Person
from storage import Storage
from storage.catalogue import DEFAULT_PACKING
from storage.db import Database
from storage.migrations import available_migrations, migrate
from storage.models.catalogue import DrumHead, DrumSize, Finish, Wood
from storage.models.packing import DRUM_HS_CODE, Carton, Packing
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer
from tests.test_catalogue_admin import SMALL_PLAIN, SMALL_PLAIN_LABEL, model_row

SMALL_PLAIN_EN = "Small · mahogany · goatskin · plain"
REFUSAL = "only the cooperative's admins"
PACKING_COLUMNS = (
    "diameter_cm",
    "height_cm",
    "net_weight_g",
    "gross_weight_g",
    "hs_code",
    "per_carton",
    "carton_length_cm",
    "carton_width_cm",
    "carton_height_cm",
)
# The small models as migration 0011 leaves them: 20 x 40 cm, 2.5 kg net, 3 kg gross, loose.
SMALL_SEEDED = (20, 40, 2500, 3000, "9206.00", None, None, None, None)


def packing_of(bot: RunningBot, code: str = SMALL_PLAIN) -> tuple[Any, ...]:
    """A model's size and packing, read straight from the database file."""
    row = model_row(bot, code)
    assert row is not None
    return tuple(row[column] for column in PACKING_COLUMNS)


def models_snapshot(bot: RunningBot) -> list[tuple[Any, ...]]:
    """Every model as stored, to show that nothing changed."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        return connection.execute("SELECT * FROM drum_models ORDER BY id").fetchall()


async def open_packing(admin: Person, label: str = SMALL_PLAIN_EN) -> None:
    """Open a model's size and packing screen from the catalogue."""
    await admin.send("/catalogue")
    await admin.tap(label)
    await admin.tap("📐")


def english_admin(bot: RunningBot) -> Person:
    """Admin Budi, whose Telegram is in English."""
    return bot.admin(ADMIN_BUDI, "Budi", language_code="en")


async def test_the_card_shows_the_seeded_size_and_packing(bot: RunningBot) -> None:
    ani = bot.admin()
    await ani.send("/catalogue")
    await ani.tap(SMALL_PLAIN_LABEL)
    card = ani.last
    assert "Ukuran luar: 20 × 40 cm" in card.plain
    assert "Berat: bersih 2,5 kg · kotor 3 kg" in card.plain
    assert "Kode HS: 9206.00" in card.plain
    assert "Kemasan: lepas, tanpa kardus" in card.plain
    assert "📐 Ukuran dan kemasan" in card.labels

    budi = english_admin(bot)
    await budi.send("/catalogue")
    await budi.tap("Large · mahogany · goatskin · plain")
    card = budi.last
    assert "Outer size: 32 × 60 cm" in card.plain
    assert "Weight: net 7.5 kg · gross 8.5 kg" in card.plain
    assert "HS code: 9206.00" in card.plain
    assert "Packing: loose" in card.plain


async def test_an_admin_changes_size_weights_hs_code_and_packing(bot: RunningBot) -> None:
    budi = english_admin(bot)
    await open_packing(budi)
    assert "size and packing" in budi.last_text
    await budi.tap("Outer size")
    assert "Now: 20 × 40 cm" in budi.last_text
    assert "from 10 to 80 cm" in budi.last_text  # the range is said with the question
    await budi.send("22 × 41")
    assert "Outer size: 22 × 41 cm (was 20 × 40 cm)" in budi.last_text
    for typed in ("22x42", "22 x 43", "22X44 cm"):
        await budi.tap("Size and packing")
        await budi.tap("Outer size")
        await budi.send(typed)
    assert packing_of(bot)[:2] == (22, 44)

    await budi.tap("Size and packing")
    await budi.tap("Gross weight")
    await budi.send("3,4")
    assert "Gross weight: 3.4 kg (was 3 kg)" in budi.last_text
    await budi.tap("Size and packing")
    await budi.tap("Net weight")
    await budi.send("2.8 kg")
    assert "Net weight: 2.8 kg (was 2.5 kg)" in budi.last_text
    await budi.tap("Size and packing")
    await budi.tap("HS code")
    await budi.send("9206.00.00")
    assert "HS code: 9206.00.00 (was 9206.00)" in budi.last_text

    await budi.tap("Size and packing")
    await budi.tap("Packing")
    assert "Now: loose" in budi.last_text
    await budi.tap("In cartons")
    await budi.send("4")
    await budi.send("60x60x55")
    assert "Packing: 4 per carton, 60 × 60 × 55 cm (was loose)" in budi.last_text
    assert packing_of(bot) == (22, 44, 2800, 3400, "9206.00.00", 4, 60, 60, 55)

    await budi.tap("Open the model")
    card = budi.last.plain
    assert "Outer size: 22 × 44 cm" in card
    assert "Weight: net 2.8 kg · gross 3.4 kg" in card
    assert "HS code: 9206.00.00" in card
    assert "Packing: 4 per carton, 60 × 60 × 55 cm" in card

    await budi.tap("Size and packing")
    await budi.tap("Packing")
    await budi.tap("Loose")
    assert "Packing: loose (was 4 per carton, 60 × 60 × 55 cm)" in budi.last_text
    assert packing_of(bot)[5:] == (None, None, None, None)


@pytest.mark.parametrize(
    ("button", "typed", "hint"),
    [
        ("Outer size", "0x40", "The diameter can be from 10 to 80 cm, the height from 15 to 150"),
        ("Outer size", "999x50", "The diameter can be from 10 to 80 cm"),
        ("Outer size", "26x999", "the height from 15 to 150 cm"),
        ("Outer size", "abc", "for example 26x50"),
        ("Outer size", "26", "for example 26x50"),
        ("Net weight", "0", "It can be from 0.2 to 50 kg"),
        ("Net weight", "999", "It can be from 0.2 to 50 kg"),
        ("Net weight", "abc", "at most one decimal"),
        ("Net weight", "2.55", "at most one decimal"),
        ("Net weight", "3.5", "cannot be above the gross weight (3 kg)"),
        ("Gross weight", "2", "cannot be below the net weight (2.5 kg)"),
        ("Gross weight", "-3", "It can be from 0.2 to 50 kg"),
        ("HS code", "abc", "as 6 or 8 digits"),
        ("HS code", "9206", "as 6 or 8 digits"),
    ],
)
async def test_an_absurd_value_is_refused_with_the_range_and_nothing_is_stored(
    bot: RunningBot, button: str, typed: str, hint: str
) -> None:
    budi = english_admin(bot)
    before = models_snapshot(bot)
    await open_packing(budi)
    await budi.tap(button)
    replies = await budi.send(typed)
    assert hint in replies[-1].plain, replies[-1].plain
    assert models_snapshot(bot) == before
    await budi.send_sticker()  # not a text either: the hint again, still at the step
    assert "Please type" in budi.last_text
    await budi.send("/cancel")
    assert "Nothing in the catalogue was changed" in budi.last_text
    assert models_snapshot(bot) == before


async def test_a_bad_carton_is_refused_and_nothing_is_stored(bot: RunningBot) -> None:
    budi = english_admin(bot)
    before = models_snapshot(bot)
    await open_packing(budi)
    await budi.tap("Packing")
    await budi.send("4")  # the packing is chosen with the buttons
    assert "Please choose with the buttons above" in budi.last_text
    await budi.tap("In cartons")
    for typed in ("0", "51", "four"):
        await budi.send(typed)
        assert "whole number of drums from 1 to 50" in budi.last_text
    await budi.send("4")
    for typed in ("0x60x55", "60x60x999", "60x60", "big"):
        await budi.send(typed)
        assert "Each side can be from 10 to 200 cm" in budi.last_text
    assert models_snapshot(bot) == before
    await budi.tap("Cancel")
    assert models_snapshot(bot) == before


async def test_a_refusal_speaks_the_admins_language(bot: RunningBot) -> None:
    ani = bot.admin()
    await open_packing(ani, SMALL_PLAIN_LABEL)
    await ani.tap("Ukuran luar")
    await ani.send("0x40")
    assert "Diameter boleh 10 sampai 80 cm, tinggi 15 sampai 150 cm" in ani.last_text
    await ani.send("/cancel")
    await open_packing(ani, SMALL_PLAIN_LABEL)
    await ani.tap("Berat bersih")
    await ani.send("0")
    assert "Beratnya boleh 0,2 sampai 50 kg" in ani.last_text
    assert packing_of(bot) == SMALL_SEEDED


async def test_undo_sets_the_previous_value_back_once(bot: RunningBot) -> None:
    budi = english_admin(bot)
    await open_packing(budi)
    await budi.tap("Outer size")
    await budi.send("22x44")
    done, undo = budi.last, str(budi.last.button_data("Undo"))
    assert packing_of(bot)[:2] == (22, 44)
    await budi.press(undo, done)
    assert packing_of(bot) == SMALL_SEEDED
    assert "Undone. Outer size: 20 × 40 cm" in budi.last_text
    await budi.press(undo, done)  # a second Undo changes nothing
    assert "can no longer be undone" in budi.callback_answers[-1]["text"]
    assert packing_of(bot) == SMALL_SEEDED

    # Changed again since: the older Undo no longer applies.
    await budi.tap("Packing")
    await budi.tap("In cartons")
    await budi.send("2")
    await budi.send("50x50x45")
    carton_done, carton_undo = budi.last, str(budi.last.button_data("Undo"))
    await budi.tap("Size and packing")
    await budi.tap("HS code")
    await budi.send("920600")
    await budi.press(carton_undo, carton_done)
    assert "can no longer be undone" in budi.callback_answers[-1]["text"]
    assert packing_of(bot) == (20, 40, 2500, 3000, "920600", 2, 50, 50, 45)
    await budi.tap("Undo")  # the latest change's Undo still works
    assert packing_of(bot) == (20, 40, 2500, 3000, "9206.00", 2, 50, 50, 45)
    # Back as the carton change left it, its Undo holds again.
    await budi.press(carton_undo, carton_done)
    assert packing_of(bot) == SMALL_SEEDED


async def test_non_admins_are_refused_and_nothing_changes(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    li = await active_buyer(bot)
    model_id = model_row(bot, SMALL_PLAIN)["id"]  # type: ignore[index]
    budi = english_admin(bot)
    await open_packing(budi)
    await budi.tap("Outer size")
    await budi.send("22x44")
    undo = budi.last.button_data("Undo")
    await budi.tap("Undo")
    before = models_snapshot(bot)
    for person in (sri, li):
        for data in (
            f"cat:pack:{model_id}",
            f"cat:pk:size:{model_id}",
            f"cat:pk:box:{model_id}",
            str(undo),
        ):
            await person.press(data)
            answer = person.callback_answers[-1]["text"]
            assert REFUSAL in answer or "hanya admin koperasi" in answer, data
        await person.send("22x44")  # no conversation was entered
    assert models_snapshot(bot) == before


# Storage, against a real SQLite file


async def test_set_packing_stores_cartons_and_loose(storage: Storage) -> None:
    model = await storage.catalogue.get_by_code(SMALL_PLAIN)
    assert model is not None
    carton = Carton(per_carton=6, length_cm=70, width_cm=50, height_cm=45)
    packing = Packing(
        diameter_cm=21, height_cm=41, net_weight_g=2600, gross_weight_g=3100, carton=carton
    )
    changed = await storage.catalogue.set_packing(model.id, packing)
    assert changed is not None and changed.packing == packing
    stored = await storage.catalogue.get(model.id)
    assert stored is not None and stored.packing == packing
    assert stored.packing.hs_code == DRUM_HS_CODE
    assert stored.packing.packages(13) == 3
    assert (stored.artisan_rate, stored.buyer_price) == (model.artisan_rate, model.buyer_price)

    loose = packing.model_copy(update={"carton": None, "hs_code": "9206.00.00"})
    changed = await storage.catalogue.set_packing(model.id, loose)
    assert changed is not None and changed.packing == loose
    row = await storage.catalogue.get(model.id)
    assert row is not None and row.packing.carton is None
    assert await storage.catalogue.set_packing(99_999, loose) is None


async def test_the_database_refuses_a_packing_out_of_its_bounds(storage: Storage) -> None:
    model = await storage.catalogue.get_by_code(SMALL_PLAIN)
    assert model is not None
    for absurd in (
        model.packing.model_copy(update={"diameter_cm": 0}),
        model.packing.model_copy(update={"net_weight_g": 600_000}),
        model.packing.model_copy(update={"hs_code": "abc"}),
        model.packing.model_copy(
            update={"carton": Carton(per_carton=0, length_cm=60, width_cm=60, height_cm=55)}
        ),
    ):
        with pytest.raises(sqlite3.IntegrityError):
            await storage.catalogue.set_packing(model.id, absurd)
    stored = await storage.catalogue.get(model.id)
    assert stored is not None and stored.packing == model.packing


async def test_a_new_model_starts_with_its_sizes_packing(storage: Storage) -> None:
    for size in DrumSize:
        model = await storage.catalogue.add(
            size, Wood.MANGO, DrumHead.COW, Finish.CARVED, 150_000, 250_000, by=ADMIN_ANI
        )
        assert model.packing == DEFAULT_PACKING[size]


async def test_the_migration_seeds_each_size(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "v10.db")
    try:
        ten = [sql for migration in available_migrations()[:10] for sql in migration.statements()]
        await db.execute_script([*ten, "PRAGMA user_version = 10"])
        assert await migrate(db) == (10, len(available_migrations()))
        rows = await db.fetch_all(
            f"SELECT size, {', '.join(PACKING_COLUMNS)} FROM drum_models ORDER BY id"
        )
    finally:
        await db.close()
    seeded = {
        DrumSize.SMALL: (20, 40, 2500, 3000),
        DrumSize.MEDIUM: (26, 50, 4500, 5200),
        DrumSize.LARGE: (32, 60, 7500, 8500),
    }
    assert {row["size"] for row in rows} == set(seeded)
    for row in rows:
        values = tuple(row[column] for column in PACKING_COLUMNS)
        assert values == (*seeded[DrumSize(row["size"])], "9206.00", None, None, None, None)
    # A model added later starts as the migration left the seeded ones of its size.
    for size, (diameter, height, net, gross) in seeded.items():
        assert DEFAULT_PACKING[size] == Packing(
            diameter_cm=diameter, height_cm=height, net_weight_g=net, gross_weight_g=gross
        )
