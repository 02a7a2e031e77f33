"""The cooperative at a glance for the admins: production, stock, orders, containers, money."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.catalogue import drum_model, model_columns
from storage.container_queries import CONTAINER_COLUMNS, container_from
from storage.db import Database
from storage.figures import utc_text
from storage.models.catalogue import DrumModel
from storage.models.containers import Container
from storage.models.members import Role
from storage.order_queries import WAITING

# The few rows each list keeps; the rest are only counted.
TOP = 3

# Reports of a period by when they were reported, cancelled ones left out, as in an
# artisan's own figures. Going through the artisans lets SQLite range-scan reports_by_artisan
# once per artisan instead of reading every report.
_PERIOD = (
    " FROM reports r WHERE r.artisan_id IN (SELECT id FROM members WHERE role = :role)"
    " AND r.reported_at >= :start AND r.reported_at < :end AND r.status != 'cancelled'"
)
# accepted_quantity is NULL while pending, so SUM skips pending reports there.
_DRUMS = (
    "COALESCE(SUM(r.quantity), 0) AS reported,"
    " COALESCE(SUM(r.accepted_quantity), 0) AS accepted,"
    " COALESCE(SUM(r.quantity - r.accepted_quantity), 0) AS rejected"
)
_PENDING = "COALESCE(SUM(r.quantity) FILTER (WHERE r.status = 'pending'), 0) AS pending"


class Drums(BaseModel):
    """Drums reported in a period and what the quality check made of them."""

    model_config = ConfigDict(frozen=True)

    reported: int
    accepted: int
    rejected: int


class VillageDrums(Drums):
    """One village's drums in a period."""

    village: str


class ModelDrums(Drums):
    """One model's drums in a period."""

    model: DrumModel


class RejectionReason(BaseModel):
    """Drums refused for one stored reason: a quick code such as cracked_wood, or typed text."""

    model_config = ConfigDict(frozen=True)

    reason: str | None
    drums: int


class PeriodFigures(Drums):
    """A period's drums in all, with the top reasons, villages and models and how many more."""

    start: datetime
    end: datetime
    pending: int
    reasons: list[RejectionReason]
    more_reasons: int
    villages: list[VillageDrums]
    more_villages: int
    models: list[ModelDrums]
    more_models: int


class StockTotals(BaseModel):
    """Drums on hand and reserved for orders, over every model."""

    model_config = ConfigDict(frozen=True)

    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Drums on hand and not reserved."""
        return self.on_hand - self.reserved


class OrderTotals(BaseModel):
    """Orders by where they stand, with their drums.

    Open orders are confirmed and not yet shipped (`open_drums` still to deliver); backorders
    are those of them still waiting for drums to be made (`backordered_drums`).
    """

    model_config = ConfigDict(frozen=True)

    requested: int
    requested_drums: int
    open: int
    open_drums: int
    backorders: int
    backordered_drums: int


class ContainerLoad(BaseModel):
    """An open container: the drums of its orders, and how many of them are ready in stock."""

    model_config = ConfigDict(frozen=True)

    container: Container
    buyer_name: str
    ready: int
    planned: int


class OpenContainers(BaseModel):
    """The open containers due first, how many are open in all, and their drums together."""

    model_config = ConfigDict(frozen=True)

    first: list[ContainerLoad]
    count: int
    ready: int
    planned: int


class MoneyOwed(BaseModel):
    """What the cooperative owes its artisans now, and to how many of them."""

    model_config = ConfigDict(frozen=True)

    owed: int
    artisans: int


class Summaries:
    """Reads the sums behind the admins' summary."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def period(self, start: datetime, end: datetime, *, top: int = TOP) -> PeriodFigures:
        """Return the drums reported in [start, end), with the top reasons, villages, models."""
        if top < 1:
            raise ValueError("keep at least one row of each list")
        params = {"role": Role.ARTISAN, "start": utc_text(start), "end": utc_text(end), "top": top}
        # The period's totals come along as sums over every model's group, taken before LIMIT.
        models = await self._db.fetch_all(
            f"SELECT {model_columns('d', 'm_')}, g.* FROM"
            " (SELECT *, COUNT(*) OVER () AS groups, SUM(reported) OVER () AS all_reported,"
            "  SUM(accepted) OVER () AS all_accepted, SUM(rejected) OVER () AS all_rejected,"
            "  SUM(pending) OVER () AS all_pending"
            f"  FROM (SELECT r.model_id, {_DRUMS}, {_PENDING} {_PERIOD} GROUP BY r.model_id)"
            "  ORDER BY reported DESC, accepted DESC, model_id LIMIT :top) g"
            " JOIN drum_models d ON d.id = g.model_id"
            " ORDER BY g.reported DESC, g.accepted DESC, d.id",
            params,
        )
        reasons = await self._db.fetch_all(
            "SELECT r.reject_reason AS reason, SUM(r.quantity - r.accepted_quantity) AS drums,"
            f" COUNT(*) OVER () AS groups {_PERIOD}"
            " AND r.status IN ('accepted', 'rejected') AND r.accepted_quantity < r.quantity"
            " GROUP BY r.reject_reason ORDER BY drums DESC, r.reject_reason LIMIT :top",
            params,
        )
        # Summed per artisan first (in index order, no sorting), then per village; villages
        # typed in another case are one village.
        villages = await self._db.fetch_all(
            "SELECT MIN(m.village) AS village, SUM(a.reported) AS reported,"
            " SUM(a.accepted) AS accepted, SUM(a.rejected) AS rejected,"
            " COUNT(*) OVER () AS groups"
            f" FROM (SELECT r.artisan_id, {_DRUMS} {_PERIOD} GROUP BY r.artisan_id) a"
            " JOIN members m ON m.id = a.artisan_id"
            " GROUP BY COALESCE(m.village, '') COLLATE NOCASE"
            " ORDER BY reported DESC, accepted DESC, village LIMIT :top",
            params,
        )
        totals = models[0] if models else None
        return PeriodFigures(
            start=start,
            end=end,
            reported=totals["all_reported"] if totals else 0,
            accepted=totals["all_accepted"] if totals else 0,
            rejected=totals["all_rejected"] if totals else 0,
            pending=totals["all_pending"] if totals else 0,
            reasons=[RejectionReason(reason=row["reason"], drums=row["drums"]) for row in reasons],
            more_reasons=_more(reasons),
            villages=[
                VillageDrums(
                    village=row["village"] or "",
                    reported=row["reported"],
                    accepted=row["accepted"],
                    rejected=row["rejected"],
                )
                for row in villages
            ],
            more_villages=_more(villages),
            models=[
                ModelDrums(
                    model=drum_model(row, "m_"),
                    reported=row["reported"],
                    accepted=row["accepted"],
                    rejected=row["rejected"],
                )
                for row in models
            ],
            more_models=_more(models),
        )

    async def stock(self) -> StockTotals:
        """Return the drums on hand and reserved over every model."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(on_hand), 0) AS on_hand, COALESCE(SUM(reserved), 0) AS reserved"
            " FROM stock_balances"
        )
        assert row is not None
        return StockTotals(on_hand=row["on_hand"], reserved=row["reserved"])

    async def orders(self) -> OrderTotals:
        """Return the orders waiting for a decision, open, and backordered, with their drums."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FILTER (WHERE o.status = 'requested') AS requested,"
            " COALESCE(SUM(o.quantity) FILTER (WHERE o.status = 'requested'), 0)"
            "   AS requested_drums,"
            " COUNT(*) FILTER (WHERE o.status != 'requested') AS open,"
            " COALESCE(SUM(o.confirmed - o.shipped) FILTER (WHERE o.status != 'requested'), 0)"
            "   AS open_drums,"
            f" COUNT(*) FILTER (WHERE {WAITING}) AS backorders,"
            " COALESCE(SUM(o.confirmed - o.reserved - o.shipped)"
            f"   FILTER (WHERE {WAITING}), 0) AS backordered_drums"
            " FROM orders o"
            " WHERE o.status IN ('requested', 'confirmed', 'backordered', 'in_container')"
        )
        assert row is not None
        return OrderTotals.model_validate(dict(row))

    async def open_containers(self, *, top: int = TOP) -> OpenContainers:
        """Return the open containers due first with their drums, and all open ones together."""
        rows = await self._db.fetch_all(
            f"SELECT {CONTAINER_COLUMNS},"
            " b.name AS buyer_name, COALESCE(o.ready, 0) AS ready,"
            " COALESCE(o.planned, 0) AS planned, COUNT(*) OVER () AS open_count,"
            " SUM(COALESCE(o.ready, 0)) OVER () AS all_ready,"
            " SUM(COALESCE(o.planned, 0)) OVER () AS all_planned"
            " FROM containers c JOIN members b ON b.id = c.buyer_id"
            " LEFT JOIN (SELECT container_id, SUM(reserved) AS ready,"
            "       SUM(confirmed - shipped) AS planned FROM orders"
            "       WHERE container_id IN (SELECT id FROM containers WHERE status = 'open')"
            "       AND status = 'in_container' GROUP BY container_id) o"
            "   ON o.container_id = c.id"
            " WHERE c.status = 'open' ORDER BY c.target_date, c.id LIMIT ?",
            (top,),
        )
        first = [
            ContainerLoad(
                container=container_from(row),
                buyer_name=row["buyer_name"],
                ready=row["ready"],
                planned=row["planned"],
            )
            for row in rows
        ]
        if not rows:
            return OpenContainers(first=[], count=0, ready=0, planned=0)
        head = rows[0]
        return OpenContainers(
            first=first,
            count=head["open_count"],
            ready=head["all_ready"],
            planned=head["all_planned"],
        )

    async def owed(self) -> MoneyOwed:
        """Return what is owed to artisans in all (earned minus paid), and to how many."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(earned - paid), 0) AS owed,"
            " COUNT(*) FILTER (WHERE earned > paid) AS artisans FROM artisan_balances"
        )
        assert row is not None
        return MoneyOwed(owed=row["owed"], artisans=row["artisans"])


def _more(rows: list[sqlite3.Row]) -> int:
    # Each row carries the number of groups there were before LIMIT as `groups`.
    return int(rows[0]["groups"]) - len(rows) if rows else 0
