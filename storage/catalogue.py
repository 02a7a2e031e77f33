"""The catalogue of drum models: attributes, codes, prices with their history, retirement."""

from __future__ import annotations

import sqlite3

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.models.catalogue import (
    CatalogueChange,
    DrumHead,
    DrumModel,
    DrumSize,
    Finish,
    PriceChange,
    SizeDimensions,
    Wood,
)
from storage.models.packing import Carton, Packing

# Head diameter and height of each size in the Blitar workshops (DOMAIN.md).
SIZE_DIMENSIONS: dict[DrumSize, SizeDimensions] = {
    DrumSize.SMALL: SizeDimensions(head_min_cm=17, head_max_cm=19, height_cm=40),
    DrumSize.MEDIUM: SizeDimensions(head_min_cm=22, head_max_cm=25, height_cm=50),
    DrumSize.LARGE: SizeDimensions(head_min_cm=27, head_max_cm=30, height_cm=60),
}

_SIZE_CODES = {DrumSize.SMALL: "S", DrumSize.MEDIUM: "M", DrumSize.LARGE: "L"}
_WOOD_CODES = {Wood.MAHOGANY: "MAH", Wood.JACKFRUIT: "NGK", Wood.MANGO: "MGO"}
_HEAD_CODES = {DrumHead.GOAT: "GOAT", DrumHead.COW: "COW"}
_FINISH_CODES = {Finish.PLAIN: "PLAIN", Finish.PAINTED: "PAINT", Finish.CARVED: "CARVE"}

# Outer size and weights a new model of each size starts with, until an admin measures it:
# loose drums, the box around each small one 20 x 20 x 40 cm (about 3,500 in a 40' GP).
DEFAULT_PACKING: dict[DrumSize, Packing] = {
    DrumSize.SMALL: Packing(diameter_cm=20, height_cm=40, net_weight_g=2500, gross_weight_g=3000),
    DrumSize.MEDIUM: Packing(diameter_cm=26, height_cm=50, net_weight_g=4500, gross_weight_g=5200),
    DrumSize.LARGE: Packing(diameter_cm=32, height_cm=60, net_weight_g=7500, gross_weight_g=8500),
}

_MODEL_FIELDS = (
    "id",
    "code",
    "size",
    "wood",
    "head",
    "finish",
    "artisan_rate",
    "buyer_price",
    "photo_file_id",
    "active",
    "created_at",
    "updated_at",
)
_PACKING_FIELDS = ("diameter_cm", "height_cm", "net_weight_g", "gross_weight_g", "hs_code")
_CARTON_FIELDS = ("per_carton", "carton_length_cm", "carton_width_cm", "carton_height_cm")
_FIELDS = _MODEL_FIELDS + _PACKING_FIELDS + _CARTON_FIELDS
COLUMNS = ", ".join(_FIELDS)
# Catalogue order: small, medium, large, then code. `d` is the alias callers give drum_models.
ORDER = "CASE d.size WHEN 'small' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, d.code"


class ModelExistsError(Exception):
    """A model with these attributes is already in the catalogue (perhaps retired)."""

    def __init__(self, existing: DrumModel) -> None:
        state = "active" if existing.active else "retired: restore it instead"
        super().__init__(f"{existing.code} is already in the catalogue ({state})")
        self.existing = existing


def model_code(size: DrumSize, wood: Wood, head: DrumHead, finish: Finish) -> str:
    """Build a model's code from its attributes, e.g. DJ-S-MAH-GOAT-PLAIN."""
    return "-".join(
        ("DJ", _SIZE_CODES[size], _WOOD_CODES[wood], _HEAD_CODES[head], _FINISH_CODES[finish])
    )


def model_columns(alias: str, prefix: str = "") -> str:
    """Return the select list of drum_models columns from this table alias, names prefixed."""
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in _FIELDS)


def drum_model(row: sqlite3.Row, prefix: str = "") -> DrumModel:
    """Build a DrumModel from a row whose model columns carry this prefix."""
    values = {name: row[prefix + name] for name in _MODEL_FIELDS}
    packing = {name: row[prefix + name] for name in _PACKING_FIELDS}
    carton = [row[prefix + name] for name in _CARTON_FIELDS]
    if carton[0] is not None:
        packing["carton"] = Carton(
            per_carton=carton[0], length_cm=carton[1], width_cm=carton[2], height_cm=carton[3]
        )
    return DrumModel.model_validate({**values, "packing": Packing.model_validate(packing)})


class Catalogue:
    """Reads and writes drum_models and their price and status history."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_active(self) -> list[DrumModel]:
        """Return the models artisans can report and buyers can order, in catalogue order."""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM drum_models d WHERE active = 1 ORDER BY {ORDER}"
        )
        return [drum_model(row) for row in rows]

    async def all_models(self) -> list[DrumModel]:
        """Return every model, retired ones included, in catalogue order."""
        rows = await self._db.fetch_all(f"SELECT {COLUMNS} FROM drum_models d ORDER BY {ORDER}")
        return [drum_model(row) for row in rows]

    async def get(self, model_id: int) -> DrumModel | None:
        """Return a model by id, retired or not."""
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM drum_models WHERE id = ?", (model_id,)
        )
        return None if row is None else drum_model(row)

    async def get_by_code(self, code: str) -> DrumModel | None:
        """Return a model by its code (case and surrounding spaces ignored)."""
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM drum_models WHERE code = ?", (code.strip().upper(),)
        )
        return None if row is None else drum_model(row)

    async def add(
        self,
        size: DrumSize,
        wood: Wood,
        head: DrumHead,
        finish: Finish,
        artisan_rate: int,
        buyer_price: int,
        *,
        by: int,
    ) -> DrumModel:
        """Add a model to the catalogue, active at once.

        Raises ModelExistsError when the combination exists, even retired: restoring keeps
        its history and stock, and silently reviving it here would hide a price change.
        """
        _check_prices(artisan_rate, buyer_price)
        now = now_text()
        async with self._db.transaction() as connection:
            async with connection.execute(
                f"SELECT {COLUMNS} FROM drum_models"
                " WHERE size = ? AND wood = ? AND head = ? AND finish = ?",
                (size, wood, head, finish),
            ) as cursor:
                existing = await cursor.fetchone()
            if existing is not None:
                raise ModelExistsError(drum_model(existing))
            packing = DEFAULT_PACKING[size]
            cursor = await connection.execute(
                "INSERT INTO drum_models (code, size, wood, head, finish, artisan_rate,"
                " buyer_price, created_at, updated_at, diameter_cm, height_cm, net_weight_g,"
                " gross_weight_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    model_code(size, wood, head, finish),
                    size,
                    wood,
                    head,
                    finish,
                    artisan_rate,
                    buyer_price,
                    now,
                    now,
                    packing.diameter_cm,
                    packing.height_cm,
                    packing.net_weight_g,
                    packing.gross_weight_g,
                ),
            )
            assert cursor.lastrowid is not None
            model_id = cursor.lastrowid
            await _record_prices(connection, model_id, artisan_rate, buyer_price, by, now)
            model = await _fetch(connection, model_id)
        assert model is not None
        return model

    async def set_prices(
        self,
        model_id: int,
        artisan_rate: int | None = None,
        buyer_price: int | None = None,
        *,
        by: int,
    ) -> DrumModel | None:
        """Change a model's prices from now on; reports already accepted keep their rate.

        Returns None when the model does not exist.
        """
        if artisan_rate is None and buyer_price is None:
            raise ValueError("give a new artisan rate, a new buyer price or both")
        now = now_text()
        async with self._db.transaction() as connection:
            model = await _fetch(connection, model_id)
            if model is None:
                return None
            rate = model.artisan_rate if artisan_rate is None else artisan_rate
            price = model.buyer_price if buyer_price is None else buyer_price
            _check_prices(rate, price)
            if (rate, price) == (model.artisan_rate, model.buyer_price):
                return model
            await connection.execute(
                "UPDATE drum_models SET artisan_rate = ?, buyer_price = ?, updated_at = ?"
                " WHERE id = ?",
                (rate, price, now, model_id),
            )
            await _record_prices(connection, model_id, rate, price, by, now)
            return await _fetch(connection, model_id)

    async def price_history(self, model_id: int) -> list[PriceChange]:
        """Return every price the model has had, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT model_id, artisan_rate, buyer_price, changed_by, changed_at"
            " FROM model_price_changes WHERE model_id = ? ORDER BY id",
            (model_id,),
        )
        return [PriceChange.model_validate(dict(row)) for row in rows]

    async def set_photo(self, model_id: int, file_id: str | None) -> DrumModel | None:
        """Set (or with None remove) the Telegram photo shown for a model."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE drum_models SET photo_file_id = ?, updated_at = ? WHERE id = ?",
                (file_id, now_text(), model_id),
            )
            return await _fetch(connection, model_id)

    async def set_packing(self, model_id: int, packing: Packing) -> DrumModel | None:
        """Set a model's outer size, weights, HS code and packing; None if there is no model."""
        carton = packing.carton
        sides = (
            (carton.per_carton, carton.length_cm, carton.width_cm, carton.height_cm)
            if carton is not None
            else (None, None, None, None)
        )
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE drum_models SET diameter_cm = ?, height_cm = ?, net_weight_g = ?,"
                " gross_weight_g = ?, hs_code = ?, per_carton = ?, carton_length_cm = ?,"
                " carton_width_cm = ?, carton_height_cm = ?, updated_at = ? WHERE id = ?",
                (
                    packing.diameter_cm,
                    packing.height_cm,
                    packing.net_weight_g,
                    packing.gross_weight_g,
                    packing.hs_code,
                    *sides,
                    now_text(),
                    model_id,
                ),
            )
            return await _fetch(connection, model_id)

    async def retire(self, model_id: int, *, by: int) -> CatalogueChange | None:
        """Take a model out of the lists; its reports, stock and history stay."""
        return await self._set_active(model_id, active=False, by=by)

    async def restore(self, model_id: int, *, by: int) -> CatalogueChange | None:
        """Bring a retired model back into the lists, with the prices it had."""
        return await self._set_active(model_id, active=True, by=by)

    async def recent_for_artisan(self, artisan_id: int, limit: int = 4) -> list[DrumModel]:
        """Return the active models this artisan reported lately, most recent first.

        Cancelled reports do not count: a model picked by mistake is no shortcut.
        """
        rows = await self._db.fetch_all(
            f"SELECT {model_columns('d')}"
            " FROM (SELECT model_id, MAX(id) AS latest FROM reports"
            "       WHERE artisan_id = ? AND status != 'cancelled' GROUP BY model_id) AS r"
            " JOIN drum_models d ON d.id = r.model_id"
            " WHERE d.active = 1 ORDER BY r.latest DESC LIMIT ?",
            (artisan_id, limit),
        )
        return [drum_model(row) for row in rows]

    async def _set_active(self, model_id: int, *, active: bool, by: int) -> CatalogueChange | None:
        now = now_text()
        async with self._db.transaction() as connection:
            model = await _fetch(connection, model_id)
            if model is None:
                return None
            if model.active == active:
                return CatalogueChange(model=model, changed=False)
            await connection.execute(
                "UPDATE drum_models SET active = ?, updated_at = ? WHERE id = ?",
                (int(active), now, model_id),
            )
            await connection.execute(
                "INSERT INTO model_status_changes (model_id, active, changed_by, changed_at)"
                " VALUES (?, ?, ?, ?)",
                (model_id, int(active), by, now),
            )
            updated = await _fetch(connection, model_id)
        assert updated is not None
        return CatalogueChange(model=updated, changed=True)


def _check_prices(artisan_rate: int, buyer_price: int) -> None:
    if artisan_rate <= 0 or buyer_price <= 0:
        raise ValueError("prices must be positive Rupiah")
    if artisan_rate >= buyer_price:
        raise ValueError(
            f"the artisan rate ({artisan_rate}) must be below the buyer price ({buyer_price})"
        )


async def _fetch(connection: aiosqlite.Connection, model_id: int) -> DrumModel | None:
    async with connection.execute(
        f"SELECT {COLUMNS} FROM drum_models WHERE id = ?", (model_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else drum_model(row)


async def _record_prices(
    connection: aiosqlite.Connection,
    model_id: int,
    artisan_rate: int,
    buyer_price: int,
    by: int | None,
    now: str,
) -> None:
    await connection.execute(
        "INSERT INTO model_price_changes (model_id, artisan_rate, buyer_price, changed_by,"
        " changed_at) VALUES (?, ?, ?, ?, ?)",
        (model_id, artisan_rate, buyer_price, by, now),
    )
