"""Members of the cooperative: registration, approval, listing and deactivation."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.member_changes import MemberChanges
from storage.models.members import (
    EDITABLE_STATUSES,
    ArtisanApplication,
    BuyerApplication,
    Member,
    MemberStatus,
    Role,
    StatusChange,
)
from storage.models.papers import InvoiceCurrency

_FIELDS = (
    "id", "telegram_id", "role", "status", "name", "village", "workshop", "phone",
    "company", "country", "created_at", "updated_at", "address", "currency",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)

# Which status changes an admin may make; anything else is refused without writing.
ALLOWED_CHANGES: dict[MemberStatus, frozenset[MemberStatus]] = {
    MemberStatus.PENDING: frozenset({MemberStatus.ACTIVE, MemberStatus.REJECTED}),
    MemberStatus.ACTIVE: frozenset({MemberStatus.DEACTIVATED}),
    MemberStatus.REJECTED: frozenset({MemberStatus.ACTIVE}),
    MemberStatus.DEACTIVATED: frozenset({MemberStatus.ACTIVE}),
}


# How far back a person's own registrations count against their limit.
REGISTRATION_WINDOW = timedelta(hours=24)
# A person's own registrations: the status changes nobody else made (admins' carry their id).
_REGISTRATIONS_SINCE = (
    "SELECT c.changed_at FROM member_status_changes c JOIN members m ON m.id = c.member_id"
    " WHERE m.telegram_id = ? AND c.changed_by IS NULL AND c.changed_at > ? ORDER BY c.changed_at"
)


class TooManyRegistrationsError(Exception):
    """The person registered as often as one may in a day; they may again from `again_at`."""

    def __init__(self, telegram_id: int, limit: int, again_at: datetime) -> None:
        super().__init__(f"{telegram_id} registered {limit} times in {REGISTRATION_WINDOW}")
        self.telegram_id = telegram_id
        self.limit = limit
        self.again_at = again_at


class PapersLockedError(Exception):
    """The member may not set an address or invoice currency (not a buyer, or not now)."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} may not set the details for the export papers")
        self.member_id = member_id


def may_set_papers(member: Member) -> bool:
    """Tell whether the member may set their address and invoice currency: a buyer, not locked."""
    return member.role is Role.BUYER and member.status in EDITABLE_STATUSES


def registration_reopens(registrations: list[datetime], limit: int) -> datetime | None:
    """Return when a person with these recent registrations may register again; None if now."""
    if len(registrations) < limit:
        return None
    return sorted(registrations)[len(registrations) - limit] + REGISTRATION_WINDOW


def _member(row: sqlite3.Row) -> Member:
    return Member.model_validate(dict(row))


def member_columns(alias: str, prefix: str) -> str:
    """Return the select list of members columns from this table alias, names prefixed."""
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in _FIELDS)


def member_from(row: sqlite3.Row, prefix: str) -> Member | None:
    """Build a Member from a row whose member columns carry this prefix (None if all null)."""
    if row[prefix + "id"] is None:
        return None
    return Member.model_validate({name: row[prefix + name] for name in _FIELDS})


class Members(MemberChanges):
    """Reads and writes the members table (their own changes: MemberChanges)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        """Return the member registered with this Telegram account, if any."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM members WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else _member(row)

    async def get(self, member_id: int) -> Member | None:
        """Return a member by id."""
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM members WHERE id = ?", (member_id,))
        return None if row is None else _member(row)

    async def register_artisan(
        self, telegram_id: int, application: ArtisanApplication, *, limit: int | None = None
    ) -> Member:
        """Register (or re-register after a rejection) an artisan, pending approval.

        Raises TooManyRegistrationsError when the person already registered `limit` times in
        the last 24 hours.
        """
        return await self._register(
            telegram_id,
            Role.ARTISAN,
            MemberStatus.PENDING,
            limit,
            {
                "name": application.name,
                "village": application.village,
                "workshop": application.workshop,
                "phone": application.phone,
                "company": None,
                "country": None,
            },
        )

    async def register_buyer(
        self,
        telegram_id: int,
        application: BuyerApplication,
        *,
        needs_approval: bool,
        limit: int | None = None,
    ) -> Member:
        """Register a buyer: active at once unless approval is required.

        Raises TooManyRegistrationsError as register_artisan does.
        """
        status = MemberStatus.PENDING if needs_approval else MemberStatus.ACTIVE
        return await self._register(
            telegram_id,
            Role.BUYER,
            status,
            limit,
            {
                "name": application.name,
                "company": application.company,
                "country": application.country,
                "village": None,
                "workshop": None,
                "phone": None,
            },
        )

    async def _register(
        self,
        telegram_id: int,
        role: Role,
        status: MemberStatus,
        limit: int | None,
        fields: dict[str, str | None],
    ) -> Member:
        now = now_text()
        async with self._db.transaction() as connection:
            existing = await _fetch(connection, "telegram_id = ?", telegram_id)
            if existing is not None and existing.status not in (
                MemberStatus.REJECTED,
                MemberStatus.PENDING,
            ):
                # Registering twice (a redelivered confirm) must not reset an active member.
                return existing
            # Only a new registration counts: a pending one sent again (a redelivered confirm)
            # is the same registration. Counted in the transaction that writes it.
            if limit is not None and (existing is None or existing.status != status):
                since = _day_before(now)
                async with connection.execute(_REGISTRATIONS_SINCE, (telegram_id, since)) as c:
                    times = [datetime.fromisoformat(row[0]) for row in await c.fetchall()]
                again_at = registration_reopens(times, limit)
                if again_at is not None:
                    raise TooManyRegistrationsError(telegram_id, limit, again_at)
            values = {**fields, "telegram_id": telegram_id, "role": role, "status": status}
            await connection.execute(
                "INSERT INTO members (telegram_id, role, status, name, village, workshop, phone,"
                " company, country, created_at, updated_at)"
                " VALUES (:telegram_id, :role, :status, :name, :village, :workshop, :phone,"
                " :company, :country, :now, :now)"
                " ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role,"
                " status = excluded.status, name = excluded.name, village = excluded.village,"
                " workshop = excluded.workshop, phone = excluded.phone,"
                " company = excluded.company, country = excluded.country,"
                " updated_at = excluded.updated_at",
                {**values, "now": now},
            )
            member = await _fetch(connection, "telegram_id = ?", telegram_id)
            assert member is not None
            if existing is None or existing.status != status:
                await _record_change(
                    connection, member.id, existing.status if existing else None, status, None
                )
            return member

    async def set_address(self, member_id: int, address: str) -> Member | None:
        """Set a buyer's address for the export papers; None when there is no such member.

        Raises PapersLockedError unless `may_set_papers` allows it, as the member is now.
        """
        return await self._set_papers_detail(member_id, "address", address)

    async def set_currency(self, member_id: int, currency: InvoiceCurrency) -> Member | None:
        """Set the currency a buyer is invoiced in; as set_address otherwise."""
        return await self._set_papers_detail(member_id, "currency", currency)

    async def _set_papers_detail(self, member_id: int, column: str, value: str) -> Member | None:
        async with self._db.transaction() as connection:
            member = await _fetch(connection, "id = ?", member_id)
            if member is None:
                return None
            if not may_set_papers(member):
                raise PapersLockedError(member_id)
            await connection.execute(
                f"UPDATE members SET {column} = ?, updated_at = ? WHERE id = ?",
                (value, now_text(), member_id),
            )
            return await _fetch(connection, "id = ?", member_id)

    async def recent_registrations(self, telegram_id: int) -> list[datetime]:
        """Return when this person registered themself in the last 24 hours, oldest first."""
        since = _day_before(now_text())
        rows = await self._db.fetch_all(_REGISTRATIONS_SINCE, (telegram_id, since))
        return [datetime.fromisoformat(row[0]) for row in rows]

    async def change_status(
        self, member_id: int, to_status: MemberStatus, *, expected: MemberStatus, by: int
    ) -> StatusChange | None:
        """Move a member from `expected` to `to_status`; only the first of racing admins wins.

        Returns None when the member does not exist; `changed` is False when the member was
        no longer in the expected status (someone else decided first) or the move is not allowed.
        """
        async with self._db.transaction() as connection:
            member = await _fetch(connection, "id = ?", member_id)
            if member is None:
                return None
            if member.status != expected or to_status not in ALLOWED_CHANGES[member.status]:
                return StatusChange(member=member, changed=False, previous=member.status)
            await connection.execute(
                "UPDATE members SET status = ?, updated_at = ? WHERE id = ?",
                (to_status, now_text(), member_id),
            )
            await _record_change(connection, member_id, member.status, to_status, by)
            updated = await _fetch(connection, "id = ?", member_id)
            assert updated is not None
            return StatusChange(member=updated, changed=True, previous=member.status)

    async def last_changed_by(self, member_id: int) -> int | None:
        """Return who made the member's latest status change (None for the member themself)."""
        value = await self._db.fetch_value(
            "SELECT changed_by FROM member_status_changes WHERE member_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (member_id,),
        )
        return None if value is None else int(value)

    async def page(
        self, role: Role, status: MemberStatus, *, offset: int = 0, limit: int = 10
    ) -> list[Member]:
        """Return one page of members with this role and status, by name."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM members WHERE role = ? AND status = ?"
            " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            (role, status, limit, offset),
        )
        return [_member(row) for row in rows]

    async def count(self, role: Role, status: MemberStatus) -> int:
        """Count members with this role and status."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM members WHERE role = ? AND status = ?", (role, status)
            )
        )

    async def add_approval_message(self, member_id: int, chat_id: int, message_id: int) -> None:
        """Remember an approval request sent to an admin, to update it once decided."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT OR IGNORE INTO approval_messages (member_id, chat_id, message_id)"
                " VALUES (?, ?, ?)",
                (member_id, chat_id, message_id),
            )

    async def approval_messages(self, member_id: int) -> list[tuple[int, int]]:
        """Return (chat_id, message_id) of every approval request sent for this member."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM approval_messages WHERE member_id = ?", (member_id,)
        )
        return [(int(row[0]), int(row[1])) for row in rows]


def _day_before(now: str) -> str:
    """The stored time one registration window before `now`, comparable as text."""
    moment = datetime.fromisoformat(now) - REGISTRATION_WINDOW
    return moment.isoformat(timespec="seconds")


async def _fetch(connection: aiosqlite.Connection, where: str, value: int) -> Member | None:
    async with connection.execute(f"SELECT {_COLUMNS} FROM members WHERE {where}", (value,)) as c:
        row = await c.fetchone()
    return None if row is None else _member(row)


async def _record_change(
    connection: aiosqlite.Connection,
    member_id: int,
    from_status: MemberStatus | None,
    to_status: MemberStatus,
    by: int | None,
) -> None:
    await connection.execute(
        "INSERT INTO member_status_changes (member_id, from_status, to_status, changed_by,"
        " changed_at) VALUES (?, ?, ?, ?, ?)",
        (member_id, from_status, to_status, by, now_text()),
    )
