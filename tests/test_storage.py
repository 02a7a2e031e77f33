"""Storage against a real SQLite file: migrations, members, decisions, conversation state."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import DatabaseTooNewError, Storage
from storage.db import Database
from storage.migrations import available_migrations, migrate, schema_version
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus, Role
from storage.state import PendingState
from tests.conftest import Clock

SRI = ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya", phone="+628123")


async def _registered(storage: Storage, telegram_id: int = 100) -> int:
    await storage.people.seen(telegram_id, "Sri", None, "id")
    member = await storage.members.register_artisan(telegram_id, SRI)
    return member.id


async def test_migrations_bring_a_new_file_to_the_latest_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.db")
    try:
        before, after = await migrate(db)
        assert (before, after) == (0, len(available_migrations()))
        assert await schema_version(db) == after
        assert await migrate(db) == (after, after)
        journal = await db.fetch_value("PRAGMA journal_mode")
        assert journal == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseTooNewError, match="999"):
        await Storage.open(path)


async def test_a_failing_script_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "atomic.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.execute_script(
                [
                    "CREATE TABLE half (x)",
                    "PRAGMA user_version = 7",
                    "INSERT INTO nowhere VALUES (1)",
                ]
            )
        assert await schema_version(db) == 0
        assert await db.fetch_one("SELECT name FROM sqlite_master WHERE name = 'half'") is None
    finally:
        await db.close()


async def test_artisan_registers_pending_and_is_found_by_telegram_id(storage: Storage) -> None:
    member_id = await _registered(storage)
    member = await storage.members.by_telegram_id(100)
    assert member is not None
    assert member.id == member_id
    assert member.status is MemberStatus.PENDING
    assert (member.village, member.workshop, member.phone) == ("Jiwut", "Kendang Jaya", "+628123")


async def test_registering_again_does_not_reset_an_active_member(storage: Storage) -> None:
    member_id = await _registered(storage)
    await storage.members.change_status(
        member_id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=1
    )
    again = await storage.members.register_artisan(100, SRI.model_copy(update={"name": "Other"}))
    assert again.status is MemberStatus.ACTIVE
    assert again.name == "Sri"


async def test_two_admins_deciding_at_once_make_one_decision(storage: Storage) -> None:
    member_id = await _registered(storage)
    approve, reject = await asyncio.gather(
        storage.members.change_status(
            member_id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=1
        ),
        storage.members.change_status(
            member_id, MemberStatus.REJECTED, expected=MemberStatus.PENDING, by=2
        ),
    )
    assert approve is not None
    assert reject is not None
    assert [approve.changed, reject.changed].count(True) == 1
    member = await storage.members.get(member_id)
    assert member is not None
    winner = approve if approve.changed else reject
    assert member.status is winner.member.status
    assert await storage.members.last_changed_by(member_id) == (1 if approve.changed else 2)


async def test_a_disallowed_change_writes_nothing(storage: Storage) -> None:
    member_id = await _registered(storage)
    change = await storage.members.change_status(
        member_id, MemberStatus.DEACTIVATED, expected=MemberStatus.PENDING, by=1
    )
    assert change is not None
    assert not change.changed
    member = await storage.members.get(member_id)
    assert member is not None
    assert member.status is MemberStatus.PENDING
    assert (
        await storage.members.change_status(
            999, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=1
        )
        is None
    )


async def test_members_are_listed_by_role_and_status_in_pages(storage: Storage) -> None:
    for number in range(12):
        await storage.people.seen(200 + number, f"B{number}", None, "en")
        await storage.members.register_buyer(
            200 + number,
            BuyerApplication(name=f"Buyer {number:02}", company="Co", country="China"),
            needs_approval=False,
        )
    await _registered(storage)
    assert await storage.members.count(Role.BUYER, MemberStatus.ACTIVE) == 12
    assert await storage.members.count(Role.ARTISAN, MemberStatus.PENDING) == 1
    first = await storage.members.page(Role.BUYER, MemberStatus.ACTIVE, limit=5)
    last = await storage.members.page(Role.BUYER, MemberStatus.ACTIVE, offset=10, limit=5)
    assert [m.name for m in first] == [f"Buyer {n:02}" for n in range(5)]
    assert [m.name for m in last] == ["Buyer 10", "Buyer 11"]


async def test_language_choice_and_blocking_are_remembered(storage: Storage) -> None:
    await storage.people.seen(5, "Ani", "ani", "en")
    await storage.people.choose_locale(5, "id")
    await storage.people.set_blocked(5, True)
    person = await storage.people.get(5)
    assert person is not None
    assert person.chosen_locale == "id"
    assert person.blocked_at is not None
    await storage.people.seen(5, "Ani", "ani", "en")
    person = await storage.people.get(5)
    assert person is not None
    assert person.blocked_at is None


async def test_a_person_arriving_is_read_with_their_membership_and_written_when_needed(
    storage: Storage, clock: Clock
) -> None:
    def last_seen() -> str:
        with sqlite3.connect(storage.db.path) as connection:
            return str(
                connection.execute(
                    "SELECT last_seen_at FROM telegram_users WHERE telegram_id = 100"
                ).fetchone()[0]
            )

    clock.at(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    person, member = await storage.people.arrived(100, "Sri", None, "id")
    assert (person.first_name, member) == ("Sri", None)
    member_id = await _registered(storage)
    clock.at(datetime(2026, 11, 2, 8, 9, tzinfo=UTC))
    person, member = await storage.people.arrived(100, "Sri", None, "id")
    assert member is not None and (member.id, member.status) == (member_id, MemberStatus.PENDING)
    assert last_seen() == "2026-11-02T08:00:00+00:00", "a visit minutes later writes nothing"

    person, _ = await storage.people.arrived(100, "Sri W.", "sriw", "en")
    assert (person.first_name, person.username, person.language_code) == ("Sri W.", "sriw", "en")
    assert last_seen() == "2026-11-02T08:09:00+00:00", "a changed name is written at once"
    await storage.people.set_blocked(100, True)
    person, _ = await storage.people.arrived(100, "Sri W.", "sriw", "en")
    assert person.blocked_at is None, "writing again makes a person reachable"
    clock.at(datetime(2026, 11, 2, 8, 30, tzinfo=UTC))
    await storage.people.arrived(100, "Sri W.", "sriw", "en")
    assert last_seen() == "2026-11-02T08:30:00+00:00", "an old last visit is renewed"


async def test_state_and_processed_update_are_saved_together(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    storage = await Storage.open(path)
    pending = PendingState()
    pending.conversations[("artisan_registration", "[1, 1]")] = '"VILLAGE"'
    pending.user_data[1] = '{"registration": {"name": "Sri"}}'
    await storage.state.save(pending, processed_update_id=41)
    await storage.close()

    reopened = await Storage.open(path)
    try:
        assert await reopened.state.conversations("artisan_registration") == {(1, 1): "VILLAGE"}
        assert await reopened.state.user_data() == {1: {"registration": {"name": "Sri"}}}
        assert await reopened.state.is_processed(41)
        assert not await reopened.state.is_processed(42)
        ended = PendingState()
        ended.conversations[("artisan_registration", "[1, 1]")] = None
        ended.user_data[1] = None
        await reopened.state.save(ended, processed_update_id=None)
        assert await reopened.state.conversations("artisan_registration") == {}
        assert await reopened.state.user_data() == {}
    finally:
        await reopened.close()


async def test_two_processes_opening_a_new_file_at_once_both_migrate_it(tmp_path: Path) -> None:
    path = tmp_path / "kendang.db"
    # Two connections, as two processes would have, both finding version 0 before migrating.
    first, second = await asyncio.gather(Storage.open(path), Storage.open(path))
    try:
        latest = available_migrations()[-1].version
        assert await schema_version(first.db) == latest
        assert await schema_version(second.db) == latest
        assert len(await second.catalogue.list_active()) == 16
    finally:
        await first.close()
        await second.close()
