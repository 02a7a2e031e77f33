"""Issued export papers: numbered per kind and year without gaps, kept as issued."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiosqlite
from pydantic import BaseModel, ConfigDict

from storage.catalogue import drum_model, model_columns
from storage.clock import now_text
from storage.db import Database
from storage.models.catalogue import DrumModel
from storage.models.papers import Paper, PaperContent, PaperKind, paper_number

_FIELDS = (
    "id", "kind", "year", "sequence", "revision", "order_id", "container_id", "buyer_id",
    "currency", "content", "issued_at", "issued_by",
)  # fmt: skip
COLUMNS = ", ".join(_FIELDS)
# Another process may take the number meanwhile; then the paper is drawn again with the next.
MAX_ATTEMPTS = 5

# Draws the PDF of the content as numbered; called outside any transaction.
Render = Callable[[PaperContent], Awaitable[bytes]]


class PaperRequest(BaseModel):
    """A paper to issue: its content (number and dates still to be set) and what it is for."""

    model_config = ConfigDict(frozen=True)

    content: PaperContent
    buyer_id: int
    order_id: int | None = None
    container_id: int | None = None
    issued_by: int | None = None

    @property
    def subject(self) -> tuple[str, int | None]:
        """The column naming what the paper is for (its order or container), and the id."""
        if self.order_id is not None:
            return "order_id", self.order_id
        return "container_id", self.container_id


class Issued(BaseModel):
    """The paper asked for; `new` is False when an identical one had been issued already."""

    model_config = ConfigDict(frozen=True)

    paper: Paper
    new: bool


class ShippedLine(BaseModel):
    """Drums of one order that left in a container, at the order's price."""

    model_config = ConfigDict(frozen=True)

    order_id: int
    model: DrumModel
    quantity: int
    unit_price: int


class NumberTakenError(Exception):
    """The number was taken by another process every time it was tried."""


def paper_from(row: sqlite3.Row) -> Paper:
    """Build a Paper from a row selected with COLUMNS."""
    values = {name: row[name] for name in _FIELDS}
    values["content"] = PaperContent.model_validate_json(values["content"])
    return Paper.model_validate(values)


class Papers:
    """Issues papers and reads them back."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def issue(self, request: PaperRequest, render: Render) -> Issued:
        """Issue a paper, or return the one already issued that says the same.

        A proforma for an order whose earlier proforma says something else is that number's
        next revision. The number is taken only by the commit that stores the paper, so a
        crash before it leaves the number to the next paper: none is skipped or used twice.
        """
        key = request.content.content_key()
        for _ in range(MAX_ATTEMPTS):
            earlier, earlier_key = await self._earlier(request)
            if earlier is not None and (
                earlier_key == key or earlier.kind is not PaperKind.PROFORMA
            ):
                return Issued(paper=earlier, new=False)
            kind, year = request.content.kind, request.content.issued_on.year
            if earlier is not None:
                year, sequence = earlier.year, earlier.sequence
                revision = await self._next_revision(kind, year, sequence)
            else:
                sequence, revision = await self._next_sequence(kind, year), 0
            number = paper_number(kind, year, sequence, revision)
            content = request.content.model_copy(update={"number": number})
            pdf = await render(content)
            earlier_id = None if earlier is None else earlier.id
            paper_id = await self._store(
                request, content, key, (year, sequence, revision), earlier_id, pdf
            )
            if paper_id is not None:
                paper = await self.get(paper_id)
                assert paper is not None
                return Issued(paper=paper, new=True)
        raise NumberTakenError(f"no free number for a {request.content.kind} paper")

    async def _earlier(self, request: PaperRequest) -> tuple[Paper | None, str | None]:
        """The latest paper of this kind for the same order or container, and its content key."""
        column, subject = request.subject
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS}, content_key FROM papers WHERE {column} = ? AND kind = ?"
            " ORDER BY id DESC LIMIT 1",
            (subject, request.content.kind),
        )
        return (None, None) if row is None else (paper_from(row), row["content_key"])

    async def _next_sequence(self, kind: PaperKind, year: int) -> int:
        value = await self._db.fetch_value(
            "SELECT COALESCE(MAX(sequence), 0) + 1 FROM papers WHERE kind = ? AND year = ?",
            (kind, year),
        )
        return int(value)

    async def _next_revision(self, kind: PaperKind, year: int, sequence: int) -> int:
        value = await self._db.fetch_value(
            "SELECT MAX(revision) + 1 FROM papers WHERE kind = ? AND year = ? AND sequence = ?",
            (kind, year, sequence),
        )
        return int(value)

    async def _store(
        self,
        request: PaperRequest,
        content: PaperContent,
        key: str,
        number: tuple[int, int, int],
        earlier_id: int | None,
        pdf: bytes,
    ) -> int | None:
        """Store the paper if its number is still the next one and no other paper for the same
        order or container came meanwhile; None otherwise."""
        year, sequence, revision = number
        async with self._db.transaction() as connection:
            if not await _still_next(connection, content.kind, year, sequence, revision):
                return None
            column, subject = request.subject
            async with connection.execute(
                f"SELECT MAX(id) FROM papers WHERE {column} = ? AND kind = ?",
                (subject, content.kind),
            ) as cursor:
                latest = await cursor.fetchone()
            if latest is None or latest[0] != earlier_id:
                return None
            cursor = await connection.execute(
                "INSERT INTO papers (kind, year, sequence, revision, order_id, container_id,"
                " buyer_id, currency, content, content_key, pdf, issued_at, issued_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    content.kind,
                    year,
                    sequence,
                    revision,
                    request.order_id,
                    request.container_id,
                    request.buyer_id,
                    content.currency,
                    content.model_dump_json(),
                    key,
                    pdf,
                    now_text(),
                    request.issued_by,
                ),
            )
            return cursor.lastrowid

    async def shipped_lines(self, container_id: int) -> list[ShippedLine]:
        """What left in a container, per order, in the order the orders were placed."""
        rows = await self._db.fetch_all(
            f"SELECT s.order_id, s.quantity, o.unit_price, {model_columns('d', 'm_')}"
            " FROM shipments s JOIN orders o ON o.id = s.order_id"
            " JOIN drum_models d ON d.id = s.model_id WHERE s.container_id = ? ORDER BY s.order_id",
            (container_id,),
        )
        return [
            ShippedLine(
                order_id=row["order_id"],
                model=drum_model(row, "m_"),
                quantity=row["quantity"],
                unit_price=row["unit_price"],
            )
            for row in rows
        ]

    async def get(self, paper_id: int) -> Paper | None:
        """One paper, without its PDF."""
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM papers WHERE id = ?", (paper_id,))
        return None if row is None else paper_from(row)

    async def pdf(self, paper_id: int) -> bytes | None:
        """A paper's PDF as issued."""
        value = await self._db.fetch_one("SELECT pdf FROM papers WHERE id = ?", (paper_id,))
        return None if value is None else bytes(value["pdf"])

    async def for_order(self, order_id: int) -> list[Paper]:
        """An order's proformas, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM papers WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [paper_from(row) for row in rows]

    async def for_container(self, container_id: int) -> list[Paper]:
        """A container's commercial invoice and packing list, and its orders' proformas."""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM papers WHERE container_id = ?"
            " OR order_id IN (SELECT id FROM orders WHERE container_id = ?"
            " UNION SELECT order_id FROM shipments WHERE container_id = ?) ORDER BY id",
            (container_id, container_id, container_id),
        )
        return [paper_from(row) for row in rows]

    async def recent(self, offset: int, limit: int) -> list[Paper]:
        """Papers newest first, a page at a time."""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM papers ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [paper_from(row) for row in rows]

    async def count(self) -> int:
        """How many papers were issued."""
        return int(await self._db.fetch_value("SELECT COUNT(*) FROM papers"))

    async def issued_between(self, start: datetime, end: datetime) -> list[Paper]:
        """Papers issued from `start` up to `end`, oldest first (for the workbook)."""
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM papers WHERE issued_at >= ? AND issued_at < ? ORDER BY id",
            (_stored(start), _stored(end)),
        )
        return [paper_from(row) for row in rows]


def _stored(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def _still_next(
    connection: aiosqlite.Connection, kind: PaperKind, year: int, sequence: int, revision: int
) -> bool:
    """Whether the number is the next free one, read under the write lock."""
    if revision:
        sql = "SELECT MAX(revision) + 1 FROM papers WHERE kind = ? AND year = ? AND sequence = ?"
        args: tuple[object, ...] = (kind, year, sequence)
        expected = revision
    else:
        sql = "SELECT COALESCE(MAX(sequence), 0) + 1 FROM papers WHERE kind = ? AND year = ?"
        args, expected = (kind, year), sequence
    async with connection.execute(sql, args) as cursor:
        row = await cursor.fetchone()
    return row is not None and row[0] == expected
