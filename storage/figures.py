"""Production figures for a period: an artisan's own, and every artisan's for the admins."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models.figures import ArtisanFigures, ProductionSummary
from storage.models.members import MemberStatus, Role

# Drums by when they were reported, cancelled reports left out. accepted_quantity is NULL
# while pending, so SUM skips pending reports in `accepted` and `rejected`.
_DRUMS = (
    "SELECT COALESCE(SUM(quantity), 0) AS reported,"
    " COALESCE(SUM(accepted_quantity), 0) AS accepted,"
    " COALESCE(SUM(quantity - accepted_quantity), 0) AS rejected,"
    " COALESCE(SUM(quantity) FILTER (WHERE status = 'pending'), 0) AS pending"
    " FROM reports WHERE artisan_id = :artisan AND reported_at >= :start"
    " AND reported_at < :end AND status != 'cancelled'"
)
# Money by when it was recorded (credits when accepted), so a past period never changes.
_MONEY = (
    "SELECT COALESCE(SUM(amount) FILTER (WHERE kind != 'payment'), 0) AS earned,"
    " COALESCE(-SUM(amount) FILTER (WHERE kind = 'payment'), 0) AS paid"
    " FROM earnings_entries WHERE artisan_id = :artisan AND created_at >= :start"
    " AND created_at < :end"
)
_OWED = "SELECT earned - paid FROM artisan_balances WHERE artisan_id = :artisan"


def utc_text(moment: datetime) -> str:
    """Return an aware datetime as the stored UTC text, to compare with stored times."""
    if moment.tzinfo is None:
        raise ValueError("period bounds must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Figures:
    """Sums over reports and earnings for periods."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def production(
        self, artisan_id: int, start: datetime, end: datetime
    ) -> ProductionSummary:
        """Return an artisan's drums and money in [start, end), and what is owed now."""
        row = await self._db.fetch_one(
            f"SELECT d.reported, d.accepted, d.rejected, d.pending, m.earned, m.paid,"
            f" COALESCE(({_OWED}), 0) AS owed FROM ({_DRUMS}) AS d, ({_MONEY}) AS m",
            {"artisan": artisan_id, "start": utc_text(start), "end": utc_text(end)},
        )
        assert row is not None
        return ProductionSummary(artisan_id=artisan_id, start=start, end=end, **dict(row))

    async def month_by_artisan(self, start: datetime, end: datetime) -> list[ArtisanFigures]:
        """Return every active artisan's drums and money in [start, end), by name."""
        rows = await self._db.fetch_all(
            "SELECT a.id AS artisan_id, a.name, a.village, a.workshop,"
            " COALESCE(d.reported, 0) AS reported, COALESCE(d.accepted, 0) AS accepted,"
            " COALESCE(e.earned, 0) AS earned, COALESCE(e.paid, 0) AS paid,"
            " COALESCE(b.earned - b.paid, 0) AS owed"
            " FROM members a"
            " LEFT JOIN (SELECT artisan_id, SUM(quantity) AS reported,"
            "       SUM(accepted_quantity) AS accepted FROM reports"
            "       WHERE artisan_id IN (SELECT id FROM members WHERE role = :role"
            "           AND status = :status)"
            "       AND reported_at >= :start AND reported_at < :end AND status != 'cancelled'"
            "       GROUP BY artisan_id) AS d ON d.artisan_id = a.id"
            " LEFT JOIN (SELECT artisan_id,"
            "       SUM(amount) FILTER (WHERE kind != 'payment') AS earned,"
            "       -SUM(amount) FILTER (WHERE kind = 'payment') AS paid FROM earnings_entries"
            "       WHERE artisan_id IN (SELECT id FROM members WHERE role = :role"
            "           AND status = :status)"
            "       AND created_at >= :start AND created_at < :end"
            "       GROUP BY artisan_id) AS e ON e.artisan_id = a.id"
            " LEFT JOIN artisan_balances b ON b.artisan_id = a.id"
            " WHERE a.role = :role AND a.status = :status"
            " ORDER BY a.name COLLATE NOCASE, a.id",
            {
                "role": Role.ARTISAN,
                "status": MemberStatus.ACTIVE,
                "start": utc_text(start),
                "end": utc_text(end),
            },
        )
        return [ArtisanFigures.model_validate(dict(row)) for row in rows]
