"""Members changing their own details, and approved artisans' requests to change village."""

from __future__ import annotations

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.models.members import (
    EDITABLE_STATUSES,
    PROFILE_FIELDS,
    Member,
    MemberStatus,
    ProfileField,
    Role,
    VillageDecision,
    VillageRequest,
    VillageRequestStatus,
)

_REQUEST_COLUMNS = (
    "id, member_id, from_village, to_village, status, request_key, requested_at, decided_by,"
    " decided_at, decision_update_id"
)
_OPEN_OF_MEMBER = "member_id = ? AND status = 'open'"
# The members column each detail is kept in.
_COLUMN = {field: field.value for field in ProfileField}


class ProfileLockedError(Exception):
    """The member may not change this detail now (not their role's, or not while so)."""

    def __init__(self, member_id: int, field: ProfileField) -> None:
        super().__init__(f"member {member_id} may not change {field}")
        self.member_id = member_id
        self.field = field


class VillageRequestOpenError(Exception):
    """The artisan already has a village request waiting for an admin."""

    def __init__(self, request: VillageRequest) -> None:
        super().__init__(f"village request {request.id} is still open")
        self.request = request


def may_change(member: Member, field: ProfileField) -> bool:
    """Tell whether the member may change this detail at all (by request for the village)."""
    return member.status in EDITABLE_STATUSES and field in PROFILE_FIELDS[member.role]


def changes_directly(member: Member, field: ProfileField) -> bool:
    """Tell whether a change of this detail is saved at once, without an admin's approval."""
    # An approved artisan's village places their figures, so an admin approves a move.
    approved_artisan = member.role is Role.ARTISAN and member.status is MemberStatus.ACTIVE
    return may_change(member, field) and not (field is ProfileField.VILLAGE and approved_artisan)


class MemberChanges:
    """The part of the members repository that changes a member's details."""

    _db: Database

    async def change_detail(
        self, member_id: int, field: ProfileField, value: str | None
    ) -> Member | None:
        """Change one detail of a member's registration; None when there is no such member.

        Raises ProfileLockedError unless `changes_directly` allows it, as the member is now.
        """
        if value is None and field is not ProfileField.PHONE:
            raise ValueError(f"{field} cannot be empty")
        async with self._db.transaction() as connection:
            member = await _fetch_member(connection, member_id)
            if member is None:
                return None
            if not changes_directly(member, field):
                raise ProfileLockedError(member_id, field)
            await connection.execute(
                f"UPDATE members SET {_COLUMN[field]} = ?, updated_at = ? WHERE id = ?",
                (value, now_text(), member_id),
            )
            return await _fetch_member(connection, member_id)

    async def request_village(
        self, member_id: int, to_village: str, *, key: str
    ) -> tuple[VillageRequest, bool] | None:
        """Ask the admins to move an approved artisan to another village; None if no member.

        Returns the request and whether it is new: one with this key already made is returned
        as it stands. Raises VillageRequestOpenError when another request is still open, and
        ProfileLockedError when the member is not an approved artisan.
        """
        async with self._db.transaction() as connection:
            made = await _fetch_request(connection, "request_key = ?", key)
            if made is not None:
                return made, False
            member = await _fetch_member(connection, member_id)
            if member is None:
                return None
            village = ProfileField.VILLAGE
            # Only an approved artisan asks; anyone else who may change it does so at once.
            if not may_change(member, village) or changes_directly(member, village):
                raise ProfileLockedError(member_id, village)
            waiting = await _fetch_request(connection, _OPEN_OF_MEMBER, member_id)
            if waiting is not None:
                raise VillageRequestOpenError(waiting)
            async with connection.execute(
                "INSERT INTO village_requests (member_id, from_village, to_village, request_key,"
                f" requested_at) VALUES (?, ?, ?, ?, ?) RETURNING {_REQUEST_COLUMNS}",
                (member_id, member.village, to_village, key, now_text()),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            return VillageRequest.model_validate(dict(row)), True

    async def decide_village_request(
        self, request_id: int, *, approve: bool, by: int, update_id: int | None = None
    ) -> VillageDecision | None:
        """Approve (moving the artisan) or reject an open request; the first decision stands.

        Returns None when there is no such request; `changed` is False when it was no longer
        open. `update_id` is the update that decided, kept to recognise it delivered again.
        """
        status = VillageRequestStatus.APPROVED if approve else VillageRequestStatus.REJECTED
        return await self._close_request("id = ?", (request_id,), status, by, update_id)

    async def withdraw_village_request(
        self, member_id: int, *, by: int, update_id: int | None = None
    ) -> VillageDecision | None:
        """Withdraw the artisan's open village request; None when none is open.

        Delivered again, the update that withdrew it finds it withdrawn (`changed` False).
        """
        where = "member_id = ? AND (status = 'open' OR decision_update_id = ?)"
        withdrawn = VillageRequestStatus.WITHDRAWN
        return await self._close_request(where, (member_id, update_id), withdrawn, by, update_id)

    async def _close_request(
        self,
        where: str,
        params: tuple[int | None, ...],
        status: VillageRequestStatus,
        by: int,
        update_id: int | None,
    ) -> VillageDecision | None:
        async with self._db.transaction() as connection:
            request = await _fetch_request(connection, where, *params)
            if request is None:
                return None
            member = await _fetch_member(connection, request.member_id)
            assert member is not None
            if request.status is not VillageRequestStatus.OPEN:
                return VillageDecision(request=request, member=member, changed=False)
            now = now_text()
            await connection.execute(
                "UPDATE village_requests SET status = ?, decided_by = ?, decided_at = ?,"
                " decision_update_id = ? WHERE id = ?",
                (status, by, now, update_id, request.id),
            )
            if status is VillageRequestStatus.APPROVED:
                await connection.execute(
                    "UPDATE members SET village = ?, updated_at = ? WHERE id = ?",
                    (request.to_village, now, member.id),
                )
            closed = await _fetch_request(connection, "id = ?", request.id)
            moved = await _fetch_member(connection, member.id)
            assert closed is not None and moved is not None
            return VillageDecision(request=closed, member=moved, changed=True)

    async def village_request(self, request_id: int) -> VillageRequest | None:
        """Return a village request by id."""
        row = await self._db.fetch_one(
            f"SELECT {_REQUEST_COLUMNS} FROM village_requests WHERE id = ?", (request_id,)
        )
        return None if row is None else VillageRequest.model_validate(dict(row))

    async def open_village_request(self, member_id: int) -> VillageRequest | None:
        """Return the artisan's village request waiting for an admin, if any."""
        row = await self._db.fetch_one(
            f"SELECT {_REQUEST_COLUMNS} FROM village_requests WHERE {_OPEN_OF_MEMBER}",
            (member_id,),
        )
        return None if row is None else VillageRequest.model_validate(dict(row))

    async def village_requests(self, member_id: int) -> list[VillageRequest]:
        """Return the artisan's village requests, newest first: who decided what, and when."""
        rows = await self._db.fetch_all(
            f"SELECT {_REQUEST_COLUMNS} FROM village_requests WHERE member_id = ? ORDER BY id DESC",
            (member_id,),
        )
        return [VillageRequest.model_validate(dict(row)) for row in rows]

    async def add_village_request_message(
        self, request_id: int, chat_id: int, message_id: int
    ) -> None:
        """Remember a village request card sent to an admin, to update it once decided."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT OR IGNORE INTO village_request_messages (request_id, chat_id, message_id)"
                " VALUES (?, ?, ?)",
                (request_id, chat_id, message_id),
            )

    async def village_request_messages(self, request_id: int) -> list[tuple[int, int]]:
        """Return (chat_id, message_id) of every card of this request sent to admins."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM village_request_messages WHERE request_id = ?",
            (request_id,),
        )
        return [(int(row[0]), int(row[1])) for row in rows]


async def _fetch_member(connection: aiosqlite.Connection, member_id: int) -> Member | None:
    # Every column: a model leaves out any it does not know.
    async with connection.execute("SELECT * FROM members WHERE id = ?", (member_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else Member.model_validate(dict(row))


async def _fetch_request(
    connection: aiosqlite.Connection, where: str, *params: int | str | None
) -> VillageRequest | None:
    async with connection.execute(
        f"SELECT {_REQUEST_COLUMNS} FROM village_requests WHERE {where} ORDER BY id DESC",
        params,
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else VillageRequest.model_validate(dict(row))
