"""Everything the admins' spreadsheets hold for a period, read in one transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, datetime

from storage.db import Database
from storage.figures import utc_text
from storage.models.containers import Container, container_reference
from storage.models.earnings import EarningsKind
from storage.models.members import Member, Role
from storage.models.orders import OrderView
from storage.models.papers import Paper
from storage.models.reports import ReportStatus, report_reference
from storage.models.stock import StockMovementKind
from storage.order_queries import VIEW as ORDER_VIEW
from storage.order_queries import order_view
from storage.papers import COLUMNS as PAPER_COLUMNS
from storage.papers import paper_from

# Reports and earnings go through the artisans so that SQLite range-scans reports_by_artisan
# and earnings_entries_by_artisan once per artisan instead of reading every row.
_REPORTS = (
    "SELECT r.id, a.name, a.village, d.code, r.quantity, r.status, r.accepted_quantity,"
    " r.reject_reason, r.rate, r.reported_at, r.decided_at, r.decided_by"
    " FROM reports r JOIN members a ON a.id = r.artisan_id JOIN drum_models d ON d.id = r.model_id"
    " WHERE r.artisan_id IN (SELECT id FROM members WHERE role = :artisan)"
    " AND r.reported_at >= :start AND r.reported_at < :end ORDER BY r.id"
)
# No index orders the stock ledger by time for every kind: a year is one pass over the table.
_STOCK = (
    "SELECT s.id, d.code, s.kind, s.on_hand_delta, s.reserved_delta, s.report_id, s.order_id,"
    " s.reason, s.created_by, s.created_at"
    " FROM stock_movements s JOIN drum_models d ON d.id = s.model_id"
    " WHERE s.created_at >= :start AND s.created_at < :end ORDER BY s.id"
)
_EARNINGS = (
    "SELECT e.id, a.name, a.village, e.kind, e.amount, e.report_id, e.reverses, e.note,"
    " e.paid_on, e.created_by, e.created_at"
    " FROM earnings_entries e JOIN members a ON a.id = e.artisan_id"
    " WHERE e.artisan_id IN (SELECT id FROM members WHERE role = :artisan)"
    " AND e.created_at >= :start AND e.created_at < :end ORDER BY e.id"
)
# Orders and containers are not events but things that stay open for a while: those open at
# any moment of the period, i.e. made before its end and not closed before its start.
# A declined order closes when it is declined.
_ORDERS = (
    f"{ORDER_VIEW} WHERE o.requested_at < :end AND COALESCE(o.closed_at,"
    " CASE WHEN o.status = 'declined' THEN o.decided_at END, :end) >= :start ORDER BY o.id"
)
_CONTAINERS = (
    "SELECT c.id, c.buyer_id, c.capacity, c.destination, c.target_date, c.status, c.created_by,"
    " c.created_at, c.closed_at, c.closed_by, b.name AS buyer_name, b.company AS buyer_company,"
    " (SELECT COUNT(*) FROM (SELECT id FROM orders WHERE container_id = c.id"
    "     AND status = 'in_container' UNION SELECT order_id FROM shipments"
    "     WHERE container_id = c.id)) AS orders,"
    " (SELECT COALESCE(SUM(confirmed - shipped), 0) FROM orders WHERE container_id = c.id"
    "     AND status = 'in_container') AS planned,"
    " (SELECT COALESCE(SUM(quantity), 0) FROM shipments WHERE container_id = c.id) AS shipped"
    " FROM containers c JOIN members b ON b.id = c.buyer_id"
    " WHERE c.created_at < :end AND COALESCE(c.closed_at, :end) >= :start ORDER BY c.id"
)
_PAPERS = (
    f"SELECT {PAPER_COLUMNS} FROM papers WHERE issued_at >= :start AND issued_at < :end ORDER BY id"
)
_BY_POSITION = (_REPORTS, _STOCK, _EARNINGS)
_MEMBERS = (
    "SELECT id, telegram_id, role, status, name, village, workshop, phone, company, country,"
    " created_at, updated_at FROM members ORDER BY role, status, name COLLATE NOCASE, id"
)


@dataclass(frozen=True, slots=True)
class ReportLine:
    """A report and the decision on it; `decided_by` is the admin's Telegram id."""

    id: int
    artisan: str
    village: str | None
    model_code: str
    quantity: int
    status: ReportStatus
    accepted: int | None
    reason: str | None
    rate: int | None
    reported_at: datetime
    decided_at: datetime | None
    decided_by: int | None

    @property
    def reference(self) -> str:
        """The reference people see, e.g. R-000123."""
        return report_reference(self.id)


@dataclass(frozen=True, slots=True)
class StockLine:
    """One entry of the stock ledger; `created_by` is a Telegram id."""

    id: int
    model_code: str
    kind: StockMovementKind
    on_hand_delta: int
    reserved_delta: int
    report_id: int | None
    order_id: int | None
    reason: str | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EarningsLine:
    """One entry of an artisan's earnings: credits positive, payments negative."""

    id: int
    artisan: str
    village: str | None
    kind: EarningsKind
    amount: int
    report_id: int | None
    reverses: int | None
    note: str | None
    paid_on: date | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ContainerLine:
    """A container with its buyer, its orders and its drums: planned in it now, and shipped."""

    container: Container
    buyer_name: str
    buyer_company: str | None
    orders: int
    planned: int
    shipped: int

    @property
    def reference(self) -> str:
        """The reference people see, e.g. C-000007."""
        return container_reference(self.container.id)


@dataclass(frozen=True)
class ExportData:
    """The rows of every table for [start, end), and the first names of the admins named.

    Reports by when they were reported and ledger entries by when they were recorded;
    orders and containers open at any moment of the period; every member.
    """

    start: datetime
    end: datetime
    reports: list[ReportLine]
    stock: list[StockLine]
    orders: list[OrderView]
    containers: list[ContainerLine]
    earnings: list[EarningsLine]
    members: list[Member]
    papers: list[Paper]
    names: dict[int, str]

    def name_of(self, telegram_id: int | None) -> str | None:
        """The first name of whoever acted (an admin), else their Telegram id as text."""
        if telegram_id is None:
            return None
        return self.names.get(telegram_id) or str(telegram_id)


@dataclass(frozen=True)
class _Raw:
    reports: list[sqlite3.Row]
    stock: list[sqlite3.Row]
    orders: list[sqlite3.Row]
    containers: list[sqlite3.Row]
    earnings: list[sqlite3.Row]
    members: list[sqlite3.Row]
    papers: list[sqlite3.Row]


# Looked up rather than constructed: an Enum call per row costs a fifth of a second a year.
_REPORT_STATUS = {status.value: status for status in ReportStatus}
_MOVEMENT_KIND = {kind.value: kind for kind in StockMovementKind}
_EARNINGS_KIND = {kind.value: kind for kind in EarningsKind}


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _report(row: sqlite3.Row) -> ReportLine:
    return ReportLine(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        _REPORT_STATUS[row[5]],
        row[6],
        row[7],
        row[8],
        datetime.fromisoformat(row[9]),
        _moment(row[10]),
        row[11],
    )


def _stock(row: sqlite3.Row) -> StockLine:
    return StockLine(
        row[0],
        row[1],
        _MOVEMENT_KIND[row[2]],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        datetime.fromisoformat(row[9]),
    )


def _earnings(row: sqlite3.Row) -> EarningsLine:
    return EarningsLine(
        row[0],
        row[1],
        row[2],
        _EARNINGS_KIND[row[3]],
        row[4],
        row[5],
        row[6],
        row[7],
        None if row[8] is None else date.fromisoformat(row[8]),
        row[9],
        datetime.fromisoformat(row[10]),
    )


def _container(row: sqlite3.Row) -> ContainerLine:
    fields = dict(row)
    counts = {name: fields.pop(name) for name in ("orders", "planned", "shipped")}
    buyer_name, buyer_company = fields.pop("buyer_name"), fields.pop("buyer_company")
    return ContainerLine(Container.model_validate(fields), buyer_name, buyer_company, **counts)


def _convert(raw: _Raw, start: datetime, end: datetime) -> ExportData:
    return ExportData(
        start=start,
        end=end,
        reports=[_report(row) for row in raw.reports],
        stock=[_stock(row) for row in raw.stock],
        orders=[order_view(row) for row in raw.orders],
        containers=[_container(row) for row in raw.containers],
        earnings=[_earnings(row) for row in raw.earnings],
        members=[Member.model_validate(dict(row)) for row in raw.members],
        papers=[paper_from(row) for row in raw.papers],
        names={},
    )


def _actors(data: ExportData) -> set[int]:
    """The Telegram ids of whoever decided, recorded or closed something in the data."""
    found: set[int | None] = {line.decided_by for line in data.reports}
    found.update(line.created_by for line in data.stock)
    found.update(line.created_by for line in data.earnings)
    for view in data.orders:
        found.update((view.order.decided_by, view.order.closed_by))
    for line in data.containers:
        found.update((line.container.created_by, line.container.closed_by))
    found.update(paper.issued_by for paper in data.papers)
    return {actor for actor in found if actor is not None}


class Exports:
    """Reads the rows of the admins' spreadsheets."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def snapshot(self, start: datetime, end: datetime) -> ExportData:
        """Return every table's rows for [start, end) as they stand at one moment."""
        params = {"start": utc_text(start), "end": utc_text(end), "artisan": Role.ARTISAN}
        # One transaction, so that the sheets agree: a decision made between two reads would
        # otherwise show in the stock ledger and not in the reports.
        async with self._db.snapshot() as connection:
            fetched: list[list[sqlite3.Row]] = []
            for sql in (_REPORTS, _STOCK, _ORDERS, _CONTAINERS, _EARNINGS, _MEMBERS, _PAPERS):
                # The three ledgers are read by position, as plain tuples (cheaper than Rows).
                connection.row_factory = None if sql in _BY_POSITION else sqlite3.Row
                async with connection.execute(sql, params) as cursor:
                    fetched.append(list(await cursor.fetchall()))
        # A year is a few hundred thousand rows: typed off the event loop.
        data = await asyncio.to_thread(_convert, _Raw(*fetched), start, end)
        actors = sorted(await asyncio.to_thread(_actors, data))
        if not actors:
            return data
        rows = await self._db.fetch_all(
            "SELECT telegram_id, first_name FROM telegram_users WHERE first_name != ''"
            f" AND telegram_id IN ({', '.join('?' * len(actors))})",
            actors,
        )
        return replace(data, names={int(row[0]): str(row[1]) for row in rows})
