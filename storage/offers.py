"""The catalogue as buyers see it: models with available stock, photos and where they are made."""

from __future__ import annotations

import sqlite3

from storage.catalogue import ORDER, drum_model, model_columns
from storage.db import Database
from storage.models.catalogue import DrumSize
from storage.models.offers import Makers, Offer

_OFFER_COLUMNS = (
    f"{model_columns('d', 'm_')},"
    " COALESCE(b.on_hand - b.reserved, 0) AS available,"
    # Only the photo an admin chose: an artisan's report photo is for the quality check.
    " d.photo_file_id AS photo"
)
_OFFER_TABLES = " FROM drum_models d LEFT JOIN stock_balances b ON b.model_id = d.id"
_OFFERS = f"SELECT {_OFFER_COLUMNS}{_OFFER_TABLES}"

# The artisans with accepted drums of a model, found by jumping from one artisan to the next
# in the index: a few hundred lookups instead of reading every accepted report of the model
# (tens of thousands in a busy year), which a catalogue card would otherwise wait for.
_MAKERS = """
WITH RECURSIVE makers (artisan_id) AS (
    SELECT MIN(artisan_id) FROM reports WHERE model_id = :model AND status = 'accepted'
    UNION ALL
    SELECT (
        SELECT MIN(r.artisan_id) FROM reports r
        WHERE r.model_id = :model AND r.status = 'accepted' AND r.artisan_id > makers.artisan_id
    ) FROM makers WHERE makers.artisan_id IS NOT NULL
)
SELECT m.village, COUNT(*) AS workshops FROM makers JOIN members m ON m.id = makers.artisan_id
WHERE m.village IS NOT NULL
GROUP BY m.village ORDER BY workshops DESC, m.village
"""


class Offers:
    """Reads what buyers may order and how many drums of it are available now."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def active(self, size: DrumSize | None = None) -> list[Offer]:
        """Return the active models (of one size, if given) in catalogue order."""
        if size is None:
            rows = await self._db.fetch_all(f"{_OFFERS} WHERE d.active = 1 ORDER BY {ORDER}")
        else:
            rows = await self._db.fetch_all(
                f"{_OFFERS} WHERE d.active = 1 AND d.size = ? ORDER BY {ORDER}", (size,)
            )
        return [_offer(row) for row in rows]

    async def at(self, position: int, size: DrumSize | None = None) -> tuple[Offer | None, int]:
        """Return the active model at a position in catalogue order, and how many there are.

        A position past the end gives the last model, one before the start the first: the
        list may have changed since a buyer's button was made.
        """
        where = "d.active = 1" if size is None else "d.active = 1 AND d.size = :size"
        # One model read, not the whole catalogue: a card shows one.
        sql = (
            f"SELECT {_OFFER_COLUMNS}, COUNT(*) OVER () AS total{_OFFER_TABLES}"
            f" WHERE {where} ORDER BY {ORDER} LIMIT 1 OFFSET :position"
        )
        rows = await self._db.fetch_all(sql, {"size": size, "position": max(position, 0)})
        if not rows and position > 0:
            last = await self._db.fetch_value(
                f"SELECT COUNT(*) - 1 FROM drum_models d WHERE {where}", {"size": size}
            )
            rows = await self._db.fetch_all(sql, {"size": size, "position": max(int(last), 0)})
        if not rows:
            return None, 0
        return _offer(rows[0]), int(rows[0]["total"])

    async def get(self, model_id: int) -> Offer | None:
        """Return one model as buyers see it, retired or not."""
        row = await self._db.fetch_one(f"{_OFFERS} WHERE d.id = ?", (model_id,))
        return None if row is None else _offer(row)

    async def makers(self, model_id: int) -> list[Makers]:
        """Return the villages whose workshops made accepted drums of a model, busiest first."""
        rows = await self._db.fetch_all(_MAKERS, {"model": model_id})
        return [Makers(village=row["village"], workshops=row["workshops"]) for row in rows]


def _offer(row: sqlite3.Row) -> Offer:
    return Offer(
        model=drum_model(row, "m_"), available=row["available"], photo_file_id=row["photo"]
    )
