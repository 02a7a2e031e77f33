"""Artisans' reports of finished drums and the admins' quality decisions on them."""

from __future__ import annotations

import sqlite3

import aiosqlite

from storage.catalogue import drum_model, model_columns
from storage.clock import now_text
from storage.db import Database
from storage.earnings import post_earnings
from storage.models.earnings import EarningsKind
from storage.models.members import MemberStatus, Role
from storage.models.reports import (
    Cancellation,
    CancelOutcome,
    Decision,
    Report,
    ReportStatus,
    ReportView,
)
from storage.models.stock import StockMovementKind
from storage.stock import move_stock

_FIELDS = (
    "id",
    "artisan_id",
    "model_id",
    "quantity",
    "photo_file_id",
    "status",
    "accepted_quantity",
    "reject_reason",
    "rate",
    "client_key",
    "reported_at",
    "decided_at",
    "decided_by",
)
_COLUMNS = ", ".join(_FIELDS)
_VIEW = (
    f"SELECT {', '.join(f'r.{name} AS r_{name}' for name in _FIELDS)}, {model_columns('d', 'm_')},"
    " a.name AS artisan_name, a.telegram_id AS artisan_telegram_id, a.village, a.workshop"
    " FROM reports r JOIN members a ON a.id = r.artisan_id JOIN drum_models d ON d.id = r.model_id"
)


class NotAnActiveArtisanError(Exception):
    """Only an active artisan member can report drums."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} is not an active artisan")
        self.member_id = member_id


class ModelUnavailableError(Exception):
    """The model does not exist or is retired, so drums of it cannot be reported."""

    def __init__(self, model_id: int) -> None:
        super().__init__(f"model {model_id} is not in the active catalogue")
        self.model_id = model_id


class Reports:
    """Reads and writes reports, their decisions and the admins' copies of them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        artisan_id: int,
        model_id: int,
        quantity: int,
        *,
        photo_file_id: str | None = None,
        client_key: str | None = None,
    ) -> tuple[Report, bool]:
        """Record drums an artisan finished, pending a decision; True if newly created.

        With a client_key already used, the report made then is returned with False and
        nothing is written. Raises NotAnActiveArtisanError or ModelUnavailableError.
        """
        if quantity < 1:
            raise ValueError("a report is of at least one drum")
        async with self._db.transaction() as connection:
            if client_key is not None:
                existing = await _fetch(connection, "client_key = ?", client_key)
                if existing is not None:
                    if existing.artisan_id != artisan_id:
                        raise ValueError("this client_key belongs to another artisan's report")
                    return existing, False
            async with connection.execute(
                "SELECT 1 FROM members WHERE id = ? AND role = ? AND status = ?",
                (artisan_id, Role.ARTISAN, MemberStatus.ACTIVE),
            ) as cursor:
                if await cursor.fetchone() is None:
                    raise NotAnActiveArtisanError(artisan_id)
            async with connection.execute(
                "SELECT 1 FROM drum_models WHERE id = ? AND active = 1", (model_id,)
            ) as cursor:
                if await cursor.fetchone() is None:
                    raise ModelUnavailableError(model_id)
            cursor = await connection.execute(
                "INSERT INTO reports (artisan_id, model_id, quantity, photo_file_id, client_key,"
                " reported_at) VALUES (?, ?, ?, ?, ?, ?)",
                (artisan_id, model_id, quantity, photo_file_id, client_key, now_text()),
            )
            report = await _fetch(connection, "id = ?", cursor.lastrowid)
        assert report is not None
        return report, True

    async def get(self, report_id: int) -> Report | None:
        """Return a report by id."""
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM reports WHERE id = ?", (report_id,))
        return None if row is None else Report.model_validate(dict(row))

    async def view(self, report_id: int) -> ReportView | None:
        """Return a report with its artisan and model, as admins see it."""
        row = await self._db.fetch_one(f"{_VIEW} WHERE r.id = ?", (report_id,))
        return None if row is None else _view(row)

    async def for_artisan(
        self, artisan_id: int, *, limit: int = 10, offset: int = 0
    ) -> list[ReportView]:
        """Return one page of an artisan's reports, newest first."""
        rows = await self._db.fetch_all(
            f"{_VIEW} WHERE r.artisan_id = ? ORDER BY r.reported_at DESC, r.id DESC"
            " LIMIT ? OFFSET ?",
            (artisan_id, limit, offset),
        )
        return [_view(row) for row in rows]

    async def cancel(self, report_id: int, artisan_id: int) -> Cancellation:
        """Withdraw a report: only its own artisan, and only while it is pending."""
        async with self._db.transaction() as connection:
            report = await _fetch(connection, "id = ?", report_id)
            if report is None:
                return Cancellation(outcome=CancelOutcome.NOT_FOUND)
            if report.artisan_id != artisan_id:
                return Cancellation(outcome=CancelOutcome.NOT_YOURS)
            if report.status is not ReportStatus.PENDING:
                return Cancellation(outcome=CancelOutcome.ALREADY_DECIDED, report=report)
            await connection.execute(
                "UPDATE reports SET status = ?, decided_at = ? WHERE id = ?",
                (ReportStatus.CANCELLED, now_text(), report_id),
            )
            cancelled = await _fetch(connection, "id = ?", report_id)
        assert cancelled is not None
        return Cancellation(outcome=CancelOutcome.CANCELLED, report=cancelled)

    async def decide(
        self,
        report_id: int,
        accepted_quantity: int,
        reason: str | None,
        *,
        by: int,
        update_id: int | None = None,
    ) -> Decision | None:
        """Accept all, part (0 < accepted < quantity) or none (0, a rejection) of a report.

        One transaction: if the report is no longer pending nothing changes and the earlier
        decision is returned with decided False. Otherwise the accepted drums go on hand and
        the artisan is credited for them at the model's current artisan rate, which the report
        keeps. A reason is required when drums are refused, and refused when all are accepted.
        Returns None when the report does not exist. The decision remembers `update_id`, the
        Telegram update that made it: that update delivered again after a crash gets the
        decision back with decided True, so that its caller finishes telling everyone.
        """
        reason = (reason or "").strip() or None
        async with self._db.transaction() as connection:
            report = await _fetch(connection, "id = ?", report_id)
            if report is None:
                return None
            if report.status is not ReportStatus.PENDING:
                again = update_id is not None and update_id == await _decision_update(
                    connection, report_id
                )
                return Decision(decided=again, report=report)
            if not 0 <= accepted_quantity <= report.quantity:
                raise ValueError(f"accept between 0 and {report.quantity} drums")
            if accepted_quantity < report.quantity and reason is None:
                raise ValueError("say why drums were not accepted")
            if accepted_quantity == report.quantity and reason is not None:
                raise ValueError("a reason is only for drums not accepted")
            rate: int | None = None
            status = ReportStatus.REJECTED
            if accepted_quantity > 0:
                status = ReportStatus.ACCEPTED
                async with connection.execute(
                    "SELECT artisan_rate FROM drum_models WHERE id = ?", (report.model_id,)
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                rate = int(row[0])
            await connection.execute(
                "UPDATE reports SET status = ?, accepted_quantity = ?, reject_reason = ?,"
                " rate = ?, decided_at = ?, decided_by = ?, decision_update_id = ? WHERE id = ?",
                (status, accepted_quantity, reason, rate, now_text(), by, update_id, report_id),
            )
            if rate is not None:
                await move_stock(
                    connection,
                    report.model_id,
                    StockMovementKind.ACCEPTED,
                    on_hand_delta=accepted_quantity,
                    report_id=report_id,
                    by=by,
                )
                await post_earnings(
                    connection,
                    report.artisan_id,
                    EarningsKind.CREDIT,
                    accepted_quantity * rate,
                    report_id=report_id,
                    by=by,
                )
            decided = await _fetch(connection, "id = ?", report_id)
        assert decided is not None
        return Decision(decided=True, report=decided)

    async def review_queue(self, limit: int = 10, offset: int = 0) -> list[ReportView]:
        """Return one page of pending reports, oldest first (ids follow reporting order)."""
        rows = await self._db.fetch_all(
            f"{_VIEW} WHERE r.status = 'pending' ORDER BY r.id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_view(row) for row in rows]

    async def pending_count(self) -> int:
        """Count reports waiting for a decision."""
        return int(
            await self._db.fetch_value("SELECT COUNT(*) FROM reports WHERE status = 'pending'")
        )

    async def add_message(self, report_id: int, chat_id: int, message_id: int) -> None:
        """Remember a copy of a report sent to an admin, to update it once decided."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT OR IGNORE INTO report_messages (report_id, chat_id, message_id)"
                " VALUES (?, ?, ?)",
                (report_id, chat_id, message_id),
            )

    async def messages(self, report_id: int) -> list[tuple[int, int]]:
        """Return (chat_id, message_id) of every copy of this report sent to admins."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM report_messages WHERE report_id = ?", (report_id,)
        )
        return [(int(row[0]), int(row[1])) for row in rows]


async def _decision_update(connection: aiosqlite.Connection, report_id: int) -> int | None:
    async with connection.execute(
        "SELECT decision_update_id FROM reports WHERE id = ?", (report_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def _fetch(connection: aiosqlite.Connection, where: str, value: object) -> Report | None:
    async with connection.execute(f"SELECT {_COLUMNS} FROM reports WHERE {where}", (value,)) as c:
        row = await c.fetchone()
    return None if row is None else Report.model_validate(dict(row))


def _view(row: sqlite3.Row) -> ReportView:
    return ReportView(
        report=Report.model_validate({name: row[f"r_{name}"] for name in _FIELDS}),
        model=drum_model(row, "m_"),
        artisan_name=row["artisan_name"],
        artisan_telegram_id=row["artisan_telegram_id"],
        village=row["village"],
        workshop=row["workshop"],
    )
