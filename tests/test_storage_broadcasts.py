"""Announcements storage against a real SQLite file: recipients, deliveries, scheduling, states."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from pydantic import ValidationError

from storage import Storage
from storage import broadcasts as broadcasts_module
from storage.db import Database
from storage.migrations import available_migrations, migrate, schema_version
from storage.models.broadcasts import (
    Audience,
    Broadcast,
    BroadcastDraft,
    BroadcastStatus,
    DeliveryStatus,
    Recipient,
)
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus

ADMIN = 9001
JAKARTA = timezone(timedelta(hours=7))

# The community every recipients test starts from, by Telegram id.
SRI = 101  # active artisan, Jiwut
TINI = 102  # active artisan, Jiwut
WATI = 103  # active artisan, Kemloko
EKO = 104  # pending artisan, Jiwut
JOKO = 105  # rejected artisan, Jiwut
BUDI = 106  # deactivated artisan, Kemloko
DEWI = 107  # active artisan, Candirejo
LI = 201  # active buyer
ANNA = 202  # pending buyer
MARK = 203  # deactivated buyer
STRANGER = 300  # wrote to the bot, never registered

ACTIVE_ARTISANS = [SRI, TINI, WATI, DEWI]
ACTIVE_BUYERS = [LI]
EVERYONE = sorted(ACTIVE_ARTISANS + ACTIVE_BUYERS)

# Each status reached from a new registration by these admin decisions.
_DECISIONS = {
    MemberStatus.PENDING: [],
    MemberStatus.ACTIVE: [MemberStatus.ACTIVE],
    MemberStatus.REJECTED: [MemberStatus.REJECTED],
    MemberStatus.DEACTIVATED: [MemberStatus.ACTIVE, MemberStatus.DEACTIVATED],
}

NEWS = BroadcastDraft(audience=Audience.EVERYONE, locale="id", text="Rapat koperasi besok")
# The versions of NEWS in the two other languages.
EN_ZH = {"en": "Cooperative meeting tomorrow", "zh": "明天合作社开会"}


@pytest.fixture
async def community(storage: Storage) -> Storage:
    """Artisans and buyers in every status, registered out of Telegram-id order."""
    await _buyer(storage, LI, MemberStatus.ACTIVE)
    await storage.people.choose_locale(LI, "en")
    await _artisan(storage, WATI, "Kemloko", MemberStatus.ACTIVE, language_code=None)
    await _artisan(storage, SRI, "Jiwut", MemberStatus.ACTIVE)
    await _artisan(storage, EKO, "Jiwut", MemberStatus.PENDING)
    await _buyer(storage, ANNA, MemberStatus.PENDING)
    await _artisan(storage, JOKO, "Jiwut", MemberStatus.REJECTED)
    await _artisan(storage, DEWI, "Candirejo", MemberStatus.ACTIVE)
    await _artisan(storage, BUDI, "Kemloko", MemberStatus.DEACTIVATED)
    await _buyer(storage, MARK, MemberStatus.DEACTIVATED)
    await _artisan(storage, TINI, "Jiwut", MemberStatus.ACTIVE)
    await storage.people.seen(STRANGER, "Tamu", None, "id")
    return storage


async def _artisan(
    storage: Storage,
    telegram_id: int,
    village: str,
    status: MemberStatus,
    *,
    language_code: str | None = "id",
) -> int:
    await storage.people.seen(telegram_id, f"Perajin {telegram_id}", None, language_code)
    application = ArtisanApplication(
        name=f"Perajin {telegram_id}", village=village, workshop="Kendang Jaya"
    )
    member = await storage.members.register_artisan(telegram_id, application)
    await _decide(storage, member.id, status)
    return member.id


async def _buyer(storage: Storage, telegram_id: int, status: MemberStatus) -> int:
    await storage.people.seen(telegram_id, f"Buyer {telegram_id}", None, "en")
    application = BuyerApplication(name=f"Buyer {telegram_id}", company="Co", country="China")
    member = await storage.members.register_buyer(telegram_id, application, needs_approval=True)
    await _decide(storage, member.id, status)
    return member.id


async def _decide(storage: Storage, member_id: int, status: MemberStatus) -> None:
    current = MemberStatus.PENDING
    for step in _DECISIONS[status]:
        change = await storage.members.change_status(member_id, step, expected=current, by=ADMIN)
        assert change is not None and change.changed
        current = step


async def _ids(storage: Storage, audience: Audience, village: str | None = None) -> list[int]:
    return [r.telegram_id for r in await storage.broadcasts.recipients(audience, village)]


async def _deliveries(storage: Storage, broadcast_id: int) -> dict[int, str]:
    rows = await storage.db.fetch_all(
        "SELECT telegram_id, status FROM deliveries WHERE broadcast_id = ? ORDER BY telegram_id",
        (broadcast_id,),
    )
    return {int(row["telegram_id"]): str(row["status"]) for row in rows}


async def _broadcast_count(storage: Storage) -> int:
    return int(await storage.db.fetch_value("SELECT COUNT(*) FROM broadcasts"))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# Recipients and villages


async def test_everyone_is_the_active_artisans_and_active_buyers(community: Storage) -> None:
    assert await _ids(community, Audience.EVERYONE) == EVERYONE


async def test_artisans_audience_is_the_active_artisans_only(community: Storage) -> None:
    assert await _ids(community, Audience.ARTISANS) == ACTIVE_ARTISANS


async def test_buyers_audience_is_the_active_buyers_only(community: Storage) -> None:
    assert await _ids(community, Audience.BUYERS) == ACTIVE_BUYERS


async def test_village_audience_is_the_active_artisans_of_that_village(community: Storage) -> None:
    assert await _ids(community, Audience.VILLAGE, "Jiwut") == [SRI, TINI]
    assert await _ids(community, Audience.VILLAGE, "Kemloko") == [WATI]
    assert await _ids(community, Audience.VILLAGE, "Nowhere") == []


async def test_pending_audience_is_the_pending_registrations_only(community: Storage) -> None:
    assert await _ids(community, Audience.PENDING) == [EKO, ANNA]


@pytest.mark.parametrize("audience", list(Audience))
async def test_count_agrees_with_the_recipients(community: Storage, audience: Audience) -> None:
    for village in ("Jiwut", "Kemloko"):
        expected = len(await _ids(community, audience, village))
        assert await community.broadcasts.count(audience, village) == expected > 0


@pytest.mark.parametrize("audience", list(Audience))
async def test_deactivated_rejected_and_unregistered_people_never_get_one(
    community: Storage, audience: Audience
) -> None:
    reached = set(await _ids(community, audience, "Jiwut"))
    reached |= set(await _ids(community, audience, "Kemloko"))
    assert reached.isdisjoint({JOKO, BUDI, MARK, STRANGER})


async def test_someone_who_blocked_the_bot_is_left_out_until_they_write_again(
    community: Storage,
) -> None:
    await community.people.set_blocked(TINI, True)
    await community.people.set_blocked(EKO, True)
    assert TINI not in await _ids(community, Audience.EVERYONE)
    assert TINI not in await _ids(community, Audience.ARTISANS)
    assert await _ids(community, Audience.VILLAGE, "Jiwut") == [SRI]
    assert await _ids(community, Audience.PENDING) == [ANNA]

    await community.people.seen(TINI, "Tini", None, "id")
    await community.people.seen(EKO, "Eko", None, "id")
    assert await _ids(community, Audience.EVERYONE) == EVERYONE
    assert await _ids(community, Audience.VILLAGE, "Jiwut") == [SRI, TINI]
    assert await _ids(community, Audience.PENDING) == [EKO, ANNA]


async def test_villages_count_reachable_active_artisans_by_name(community: Storage) -> None:
    assert await community.broadcasts.villages() == [
        ("Candirejo", 1),
        ("Jiwut", 2),
        ("Kemloko", 1),
    ]
    await community.people.set_blocked(SRI, True)
    await community.people.set_blocked(DEWI, True)
    assert await community.broadcasts.villages() == [("Jiwut", 1), ("Kemloko", 1)]


# Creating


async def test_sending_now_writes_one_pending_delivery_per_recipient(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast = summary.broadcast
    assert broadcast.status is BroadcastStatus.SENDING
    assert broadcast.started_at is not None
    assert broadcast.finished_at is None
    assert broadcast.created_by == ADMIN
    assert summary.figures.total == len(EVERYONE)
    assert summary.figures.pending == len(EVERYONE)
    assert await _deliveries(community, broadcast.id) == dict.fromkeys(EVERYONE, "pending")


async def test_a_failure_while_writing_deliveries_leaves_no_announcement(
    community: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = broadcasts_module._start

    async def start_then_fail(connection: aiosqlite.Connection, broadcast_id: int) -> None:
        await original(connection, broadcast_id)
        raise RuntimeError("crash after the deliveries were written")

    monkeypatch.setattr(broadcasts_module, "_start", start_then_fail)
    with pytest.raises(RuntimeError, match="crash"):
        await community.broadcasts.create(NEWS.model_copy(update={"versions": EN_ZH}), by=ADMIN)
    assert await _broadcast_count(community) == 0
    assert await community.db.fetch_value("SELECT COUNT(*) FROM deliveries") == 0
    assert await community.db.fetch_value("SELECT COUNT(*) FROM broadcast_versions") == 0


async def test_village_is_kept_only_for_a_village_audience(community: Storage) -> None:
    for_village = await community.broadcasts.create(
        NEWS.model_copy(update={"audience": Audience.VILLAGE, "village": "Jiwut"}), by=ADMIN
    )
    for_artisans = await community.broadcasts.create(
        NEWS.model_copy(update={"audience": Audience.ARTISANS, "village": "Jiwut"}), by=ADMIN
    )
    assert for_village.broadcast.village == "Jiwut"
    assert list(await _deliveries(community, for_village.broadcast.id)) == [SRI, TINI]
    assert for_artisans.broadcast.village is None
    assert list(await _deliveries(community, for_artisans.broadcast.id)) == ACTIVE_ARTISANS


async def test_scheduling_for_later_writes_no_deliveries(community: Storage) -> None:
    send_at = (_now() + timedelta(hours=3)).astimezone(JAKARTA)
    summary = await community.broadcasts.create(NEWS, by=ADMIN, send_at=send_at)
    broadcast = summary.broadcast
    assert broadcast.status is BroadcastStatus.SCHEDULED
    assert broadcast.send_at == send_at
    assert broadcast.send_at.utcoffset() == timedelta(0)
    assert broadcast.started_at is None
    assert summary.figures.total == 0
    assert await _deliveries(community, broadcast.id) == {}


async def test_a_time_without_a_time_zone_is_refused(community: Storage) -> None:
    naive = (_now() + timedelta(hours=3)).replace(tzinfo=None)
    with pytest.raises(ValueError, match="time zone"):
        await community.broadcasts.create(NEWS, by=ADMIN, send_at=naive)
    assert await _broadcast_count(community) == 0
    with pytest.raises(ValueError, match="time zone"):
        await community.broadcasts.start_due(naive)


# Scheduled announcements


async def test_start_due_starts_only_those_due_oldest_first(community: Storage) -> None:
    now = _now()
    later = await community.broadcasts.create(NEWS, by=ADMIN, send_at=now + timedelta(hours=2))
    sooner = await community.broadcasts.create(NEWS, by=ADMIN, send_at=now + timedelta(hours=1))
    on_time = await community.broadcasts.create(NEWS, by=ADMIN, send_at=now + timedelta(hours=3))
    future = await community.broadcasts.create(NEWS, by=ADMIN, send_at=now + timedelta(hours=5))

    assert await community.broadcasts.start_due(now) == []
    started = await community.broadcasts.start_due((now + timedelta(hours=3)).astimezone(JAKARTA))
    assert [s.broadcast.id for s in started] == [
        sooner.broadcast.id,
        later.broadcast.id,
        on_time.broadcast.id,
    ]
    for summary in started:
        assert summary.broadcast.status is BroadcastStatus.SENDING
        assert summary.broadcast.started_at is not None
        assert summary.figures.pending == len(EVERYONE)
    waiting = await community.broadcasts.get(future.broadcast.id)
    assert waiting is not None
    assert waiting.broadcast.status is BroadcastStatus.SCHEDULED
    assert waiting.figures.total == 0


async def test_start_due_does_nothing_a_second_time(community: Storage) -> None:
    now = _now()
    created = await community.broadcasts.create(NEWS, by=ADMIN, send_at=now + timedelta(hours=1))
    moment = now + timedelta(hours=2)
    assert len(await community.broadcasts.start_due(moment)) == 1
    assert await community.broadcasts.start_due(moment) == []
    assert await _deliveries(community, created.broadcast.id) == dict.fromkeys(EVERYONE, "pending")


async def test_recipients_are_taken_when_a_scheduled_one_starts(community: Storage) -> None:
    now = _now()
    created = await community.broadcasts.create(
        NEWS.model_copy(update={"audience": Audience.ARTISANS}),
        by=ADMIN,
        send_at=now + timedelta(hours=1),
    )
    eko = await community.members.by_telegram_id(EKO)
    dewi = await community.members.by_telegram_id(DEWI)
    assert eko is not None and dewi is not None
    await community.members.change_status(
        eko.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN
    )
    await community.members.change_status(
        dewi.id, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN
    )
    await community.people.set_blocked(WATI, True)

    [started] = await community.broadcasts.start_due(now + timedelta(hours=1))
    assert started.broadcast.id == created.broadcast.id
    assert list(await _deliveries(community, created.broadcast.id)) == [SRI, TINI, EKO]


async def test_next_due_at_is_the_earliest_scheduled_time(community: Storage) -> None:
    now = _now()
    assert await community.broadcasts.next_due_at() is None
    await community.broadcasts.create(NEWS, by=ADMIN)
    assert await community.broadcasts.next_due_at() is None

    late = now + timedelta(hours=4)
    early = now + timedelta(hours=1)
    await community.broadcasts.create(NEWS, by=ADMIN, send_at=late)
    first = await community.broadcasts.create(NEWS, by=ADMIN, send_at=early.astimezone(JAKARTA))
    assert await community.broadcasts.next_due_at() == early

    await community.broadcasts.cancel(first.broadcast.id)
    assert await community.broadcasts.next_due_at() == late
    await community.broadcasts.start_due(late)
    assert await community.broadcasts.next_due_at() is None


async def test_sending_returns_the_oldest_one_being_sent(community: Storage) -> None:
    assert await community.broadcasts.sending() is None
    await community.broadcasts.create(NEWS, by=ADMIN, send_at=_now() + timedelta(hours=1))
    assert await community.broadcasts.sending() is None

    first = await community.broadcasts.create(NEWS, by=ADMIN)
    second = await community.broadcasts.create(NEWS, by=ADMIN)
    current = await community.broadcasts.sending()
    assert current is not None
    assert current.id == first.broadcast.id

    await community.broadcasts.pause(first.broadcast.id)
    current = await community.broadcasts.sending()
    assert current is not None
    assert current.id == second.broadcast.id


# Deliveries


async def test_pending_lists_deliveries_by_telegram_id_with_language(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id
    deliveries = await community.broadcasts.pending(broadcast_id)
    assert [d.recipient for d in deliveries] == [
        Recipient(telegram_id=SRI, chosen_locale=None, language_code="id"),
        Recipient(telegram_id=TINI, chosen_locale=None, language_code="id"),
        Recipient(telegram_id=WATI, chosen_locale=None, language_code=None),
        Recipient(telegram_id=DEWI, chosen_locale=None, language_code="id"),
        Recipient(telegram_id=LI, chosen_locale="en", language_code="en"),
    ]
    assert all(d.broadcast_id == broadcast_id and d.attempts == 0 for d in deliveries)
    limited = await community.broadcasts.pending(broadcast_id, limit=2)
    assert [d.recipient.telegram_id for d in limited] == [SRI, TINI]


async def test_a_delivery_is_marked_once(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id
    await community.broadcasts.mark(broadcast_id, SRI, DeliveryStatus.SENT)
    await community.broadcasts.mark(broadcast_id, TINI, DeliveryStatus.FAILED, "bad request")
    await community.broadcasts.mark(broadcast_id, SRI, DeliveryStatus.FAILED, "late answer")
    await community.broadcasts.mark(broadcast_id, TINI, DeliveryStatus.SENT)

    deliveries = await _deliveries(community, broadcast_id)
    assert (deliveries[SRI], deliveries[TINI]) == ("sent", "failed")
    now = await community.broadcasts.get(broadcast_id)
    assert now is not None
    assert (now.figures.sent, now.figures.failed, now.figures.pending) == (1, 1, 3)
    row = await community.db.fetch_one(
        "SELECT error, done_at FROM deliveries WHERE broadcast_id = ? AND telegram_id = ?",
        (broadcast_id, TINI),
    )
    assert row is not None
    assert row["error"] == "bad request"
    assert row["done_at"] is not None
    pending = [d.recipient.telegram_id for d in await community.broadcasts.pending(broadcast_id)]
    assert pending == [WATI, DEWI, LI]


async def test_an_unreachable_person_is_skipped_by_later_announcements(
    community: Storage,
) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    await community.broadcasts.mark(
        summary.broadcast.id, WATI, DeliveryStatus.UNREACHABLE, "bot was blocked by the user"
    )
    person = await community.people.get(WATI)
    assert person is not None
    assert person.blocked_at is not None
    assert WATI not in await _ids(community, Audience.EVERYONE)
    later = await community.broadcasts.create(NEWS, by=ADMIN)
    assert WATI not in await _deliveries(community, later.broadcast.id)
    assert later.figures.total == len(EVERYONE) - 1


async def test_a_delivery_cannot_be_marked_pending(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    await community.broadcasts.mark(summary.broadcast.id, SRI, DeliveryStatus.SENT)
    with pytest.raises(ValueError, match="answered"):
        await community.broadcasts.mark(summary.broadcast.id, SRI, DeliveryStatus.PENDING)
    assert (await _deliveries(community, summary.broadcast.id))[SRI] == "sent"


async def test_record_attempt_counts_tries_and_keeps_the_delivery_pending(
    community: Storage,
) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id
    assert await community.broadcasts.record_attempt(broadcast_id, TINI, "timed out") == 1
    assert await community.broadcasts.record_attempt(broadcast_id, TINI, "bad gateway") == 2
    assert await community.broadcasts.record_attempt(broadcast_id, STRANGER, "no row") == 0
    deliveries = await community.broadcasts.pending(broadcast_id)
    attempts = {d.recipient.telegram_id: d.attempts for d in deliveries}
    assert attempts[TINI] == 2
    assert attempts[SRI] == 0
    error = await community.db.fetch_value(
        "SELECT error FROM deliveries WHERE broadcast_id = ? AND telegram_id = ?",
        (broadcast_id, TINI),
    )
    assert error == "bad gateway"


# Finishing, pausing, resuming, cancelling


async def test_finish_waits_until_nothing_is_pending(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id
    for telegram_id in EVERYONE[:-1]:
        await community.broadcasts.mark(broadcast_id, telegram_id, DeliveryStatus.SENT)
    assert await community.broadcasts.finish(broadcast_id) is None
    still = await community.broadcasts.get(broadcast_id)
    assert still is not None
    assert still.broadcast.status is BroadcastStatus.SENDING
    assert still.broadcast.finished_at is None

    await community.broadcasts.mark(broadcast_id, EVERYONE[-1], DeliveryStatus.FAILED, "x")
    done = await community.broadcasts.finish(broadcast_id)
    assert done is not None
    assert done.broadcast.status is BroadcastStatus.DONE
    assert done.broadcast.finished_at is not None
    assert (done.figures.sent, done.figures.failed) == (len(EVERYONE) - 1, 1)
    assert await community.broadcasts.finish(broadcast_id) is None


async def test_an_announcement_nobody_gets_finishes_at_once(storage: Storage) -> None:
    summary = await storage.broadcasts.create(
        NEWS.model_copy(update={"audience": Audience.PENDING}), by=ADMIN
    )
    assert summary.broadcast.status is BroadcastStatus.SENDING
    assert summary.figures.total == 0
    done = await storage.broadcasts.finish(summary.broadcast.id)
    assert done is not None
    assert done.broadcast.status is BroadcastStatus.DONE


async def test_finish_leaves_a_paused_or_scheduled_one_alone(community: Storage) -> None:
    paused = await community.broadcasts.create(
        NEWS.model_copy(update={"audience": Audience.PENDING}), by=ADMIN
    )
    await community.broadcasts.mark(paused.broadcast.id, EKO, DeliveryStatus.SENT)
    await community.broadcasts.mark(paused.broadcast.id, ANNA, DeliveryStatus.SENT)
    await community.broadcasts.pause(paused.broadcast.id)
    scheduled = await community.broadcasts.create(
        NEWS, by=ADMIN, send_at=_now() + timedelta(hours=1)
    )
    assert await community.broadcasts.finish(paused.broadcast.id) is None
    assert await community.broadcasts.finish(scheduled.broadcast.id) is None


async def test_pause_and_resume_only_from_the_right_states(community: Storage) -> None:
    broadcasts = community.broadcasts
    summary = await broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id

    moved, current = await broadcasts.resume(broadcast_id)
    assert not moved
    assert current is not None and current.broadcast.status is BroadcastStatus.SENDING

    moved, current = await broadcasts.pause(broadcast_id)
    assert moved
    assert current is not None and current.broadcast.status is BroadcastStatus.PAUSED
    assert current.broadcast.finished_at is None
    moved, _ = await broadcasts.pause(broadcast_id)
    assert not moved

    moved, current = await broadcasts.resume(broadcast_id)
    assert moved
    assert current is not None and current.broadcast.status is BroadcastStatus.SENDING
    moved, _ = await broadcasts.resume(broadcast_id)
    assert not moved


async def test_a_scheduled_one_can_be_cancelled_but_not_paused_or_resumed(
    community: Storage,
) -> None:
    broadcasts = community.broadcasts
    summary = await broadcasts.create(NEWS, by=ADMIN, send_at=_now() + timedelta(hours=1))
    broadcast_id = summary.broadcast.id
    for action in (broadcasts.pause, broadcasts.resume):
        moved, current = await action(broadcast_id)
        assert not moved
        assert current is not None and current.broadcast.status is BroadcastStatus.SCHEDULED

    moved, current = await broadcasts.cancel(broadcast_id)
    assert moved
    assert current is not None
    assert current.broadcast.status is BroadcastStatus.CANCELLED
    assert current.broadcast.finished_at is not None
    assert await broadcasts.start_due(_now() + timedelta(hours=2)) == []
    assert await _deliveries(community, broadcast_id) == {}


async def test_cancel_stops_what_is_pending_and_keeps_what_was_sent(community: Storage) -> None:
    broadcasts = community.broadcasts
    summary = await broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = summary.broadcast.id
    await broadcasts.mark(broadcast_id, SRI, DeliveryStatus.SENT)
    await broadcasts.mark(broadcast_id, TINI, DeliveryStatus.FAILED, "bad request")
    await broadcasts.pause(broadcast_id)

    moved, current = await broadcasts.cancel(broadcast_id)
    assert moved
    assert current is not None
    assert current.broadcast.status is BroadcastStatus.CANCELLED
    assert current.broadcast.finished_at is not None
    figures = current.figures
    assert (figures.sent, figures.failed, figures.cancelled, figures.pending) == (1, 1, 3, 0)
    assert await _deliveries(community, broadcast_id) == {
        SRI: "sent",
        TINI: "failed",
        WATI: "cancelled",
        DEWI: "cancelled",
        LI: "cancelled",
    }
    assert await broadcasts.pending(broadcast_id) == []

    # The message in flight when it was cancelled still counts as sent, once.
    await broadcasts.mark(broadcast_id, WATI, DeliveryStatus.SENT)
    await broadcasts.mark(broadcast_id, WATI, DeliveryStatus.FAILED, "late answer")
    after = await _deliveries(community, broadcast_id)
    assert [after[WATI], after[DEWI], after[LI]] == ["sent", "cancelled", "cancelled"]
    for action in (broadcasts.cancel, broadcasts.resume, broadcasts.pause):
        moved, _ = await action(broadcast_id)
        assert not moved
    assert await broadcasts.finish(broadcast_id) is None


async def test_a_sending_one_can_be_cancelled(community: Storage) -> None:
    summary = await community.broadcasts.create(NEWS, by=ADMIN)
    moved, current = await community.broadcasts.cancel(summary.broadcast.id)
    assert moved
    assert current is not None
    assert current.figures.cancelled == len(EVERYONE)


async def test_a_done_one_cannot_be_paused_resumed_or_cancelled(community: Storage) -> None:
    broadcasts = community.broadcasts
    summary = await broadcasts.create(NEWS.model_copy(update={"audience": Audience.BUYERS}), by=1)
    broadcast_id = summary.broadcast.id
    await broadcasts.mark(broadcast_id, LI, DeliveryStatus.SENT)
    assert await broadcasts.finish(broadcast_id) is not None
    for action in (broadcasts.pause, broadcasts.resume, broadcasts.cancel):
        moved, current = await action(broadcast_id)
        assert not moved
        assert current is not None
        assert current.broadcast.status is BroadcastStatus.DONE
        assert current.figures.sent == 1


async def test_unknown_announcements_are_neither_moved_nor_found(storage: Storage) -> None:
    broadcasts = storage.broadcasts
    for action in (broadcasts.pause, broadcasts.resume, broadcasts.cancel):
        assert await action(999) == (False, None)
    assert await broadcasts.get(999) is None
    assert await broadcasts.finish(999) is None


# The model


async def test_the_versions_are_written_with_the_announcement_and_read_back(
    community: Storage,
) -> None:
    created = await community.broadcasts.create(
        NEWS.model_copy(update={"versions": EN_ZH}), by=ADMIN
    )
    one = await community.broadcasts.create(NEWS, by=ADMIN)
    broadcast_id = created.broadcast.id
    rows = await community.db.fetch_all(
        "SELECT broadcast_id, locale, text FROM broadcast_versions ORDER BY broadcast_id, locale"
    )
    assert [tuple(row) for row in rows] == [
        (broadcast_id, "en", EN_ZH["en"]),
        (broadcast_id, "zh", EN_ZH["zh"]),
    ]
    assert (created.broadcast.locale, created.broadcast.text) == ("id", NEWS.text)
    assert created.broadcast.versions == EN_ZH
    assert one.broadcast.versions == {}
    sending = await community.broadcasts.sending()
    fetched = await community.broadcasts.get(broadcast_id)
    recent = await community.broadcasts.recent()
    assert sending is not None and sending.versions == EN_ZH
    assert fetched is not None and fetched.broadcast == created.broadcast
    assert [summary.broadcast.versions for summary in recent] == [{}, EN_ZH]


def _wording(written: str, others: str) -> BroadcastDraft:
    """An announcement written in one locale with versions in others, each text its locale."""
    versions = {locale: f"text-{locale}" for locale in others.split()}
    return NEWS.model_copy(
        update={"locale": written, "text": f"text-{written}", "versions": versions}
    )


@pytest.mark.parametrize(
    ("written", "others", "reads"),
    [
        # Every reader's own version when there is one.
        ("id", "en zh", {"id": "id", "en": "en", "zh": "zh"}),
        ("zh", "id en", {"id": "id", "en": "en", "zh": "zh"}),
        # A Chinese reader: English, then Indonesian.
        ("id", "en", {"id": "id", "en": "en", "zh": "en"}),
        ("en", "id", {"id": "id", "en": "en", "zh": "en"}),
        ("id", "", {"id": "id", "en": "id", "zh": "id"}),
        # An Indonesian reader: English, then Chinese; an English reader: Indonesian, then Chinese.
        ("zh", "en", {"id": "en", "en": "en", "zh": "zh"}),
        ("zh", "id", {"id": "id", "en": "id", "zh": "zh"}),
        ("en", "zh", {"id": "en", "en": "en", "zh": "zh"}),
        ("id", "zh", {"id": "id", "en": "id", "zh": "zh"}),
        ("zh", "", {"id": "zh", "en": "zh", "zh": "zh"}),
    ],
)
def test_each_reader_gets_their_own_version_else_the_nearest(
    written: str, others: str, reads: dict[str, str]
) -> None:
    wording = _wording(written, others)
    for reader, version in reads.items():
        assert wording.version_for(reader) == version, reader
        assert wording.text_for(reader) == f"text-{version}", reader
    assert wording.text_for("fr") == f"text-{written}"
    assert wording.locales == [written, *others.split()]


async def test_a_stored_announcement_gives_each_reader_the_same_version_as_its_draft(
    storage: Storage,
) -> None:
    draft = _wording("en", "id")
    stored = (await storage.broadcasts.create(draft, by=ADMIN)).broadcast
    for reader in ("id", "en", "zh"):
        assert stored.text_for(reader) == draft.text_for(reader)
    assert stored.text_for("zh") == "text-en"


def test_the_written_language_has_no_second_version() -> None:
    with pytest.raises(ValidationError, match="written version"):
        BroadcastDraft(
            audience=Audience.EVERYONE, locale="id", text="Halo", versions={"id": "Halo lagi"}
        )


async def test_reference_is_b_and_six_digits(storage: Storage) -> None:
    first = await storage.broadcasts.create(NEWS, by=ADMIN)
    assert first.broadcast.reference == "B-000001"
    twelfth: Broadcast = first.broadcast.model_copy(update={"id": 12})
    assert twelfth.reference == "B-000012"


# The schema


async def _insert_broadcast(storage: Storage, **overrides: Any) -> None:
    values: dict[str, Any] = {
        "audience": "everyone",
        "village": None,
        "locale": "id",
        "text": "Halo",
        "photo_file_id": None,
        "status": "sending",
        "send_at": "2025-06-01T00:00:00+00:00",
        "created_by": ADMIN,
        "created_at": "2025-06-01T00:00:00+00:00",
    }
    values.update(overrides)
    async with storage.db.transaction() as connection:
        await connection.execute(
            "INSERT INTO broadcasts (audience, village, locale, text, photo_file_id, status,"
            " send_at, created_by, created_at) VALUES (:audience, :village, :locale, :text,"
            " :photo_file_id, :status, :send_at, :created_by, :created_at)",
            values,
        )


async def test_the_schema_accepts_a_sensible_announcement(storage: Storage) -> None:
    await _insert_broadcast(storage)
    await _insert_broadcast(storage, audience="village", village="Jiwut")
    await _insert_broadcast(storage, text="", photo_file_id="photo-1")
    await _insert_broadcast(storage, locale="zh", text="明天开会")
    assert await _broadcast_count(storage) == 4


@pytest.mark.parametrize(
    "overrides",
    [
        {"audience": "village", "village": None},
        {"audience": "everyone", "village": "Jiwut"},
        {"text": "", "photo_file_id": None},
        {"audience": "admins"},
        {"locale": "fr"},
        {"status": "sent"},
    ],
    ids=[
        "village-without-village",
        "village-for-everyone",
        "empty-text-without-photo",
        "unknown-audience",
        "unknown-locale",
        "unknown-status",
    ],
)
async def test_the_schema_refuses_a_nonsense_announcement(
    storage: Storage, overrides: dict[str, Any]
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await _insert_broadcast(storage, **overrides)
    assert await _broadcast_count(storage) == 0


@pytest.mark.parametrize(
    ("status", "done_at"),
    [
        ("delivered", "2025-06-01T00:00:00+00:00"),
        ("sent", None),
        ("pending", "2025-06-01T00:00:00+00:00"),
    ],
)
async def test_the_schema_refuses_a_nonsense_delivery(
    storage: Storage, status: str, done_at: str | None
) -> None:
    await storage.people.seen(SRI, "Sri", None, "id")
    await _insert_broadcast(storage)
    sql = "INSERT INTO deliveries (broadcast_id, telegram_id, status, done_at) VALUES (1, ?, ?, ?)"
    with pytest.raises(sqlite3.IntegrityError):
        async with storage.db.transaction() as connection:
            await connection.execute(sql, (SRI, status, done_at))
    async with storage.db.transaction() as connection:
        await connection.execute(sql, (SRI, "sent", "2025-06-01T00:00:00+00:00"))
    assert await storage.db.fetch_value("SELECT COUNT(*) FROM deliveries") == 1


@pytest.mark.parametrize(
    ("broadcast_id", "locale"),
    [(1, "fr"), (1, "en"), (2, "zh")],
    ids=["unknown-locale", "second-english-version", "no-such-announcement"],
)
async def test_the_schema_refuses_a_nonsense_version(
    storage: Storage, broadcast_id: int, locale: str
) -> None:
    await _insert_broadcast(storage)
    sql = "INSERT INTO broadcast_versions (broadcast_id, locale, text) VALUES (?, ?, ?)"
    async with storage.db.transaction() as connection:
        await connection.execute(sql, (1, "en", "Hello"))
    with pytest.raises(sqlite3.IntegrityError):
        async with storage.db.transaction() as connection:
            await connection.execute(sql, (broadcast_id, locale, "Again"))
    assert await storage.db.fetch_value("SELECT COUNT(*) FROM broadcast_versions") == 1


# Durability


async def test_an_announcement_and_its_deliveries_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "kendang.db"
    storage = await Storage.open(path)
    try:
        await _artisan(storage, SRI, "Jiwut", MemberStatus.ACTIVE)
        await _buyer(storage, LI, MemberStatus.ACTIVE)
        created = await storage.broadcasts.create(
            NEWS.model_copy(update={"versions": EN_ZH}), by=ADMIN
        )
        await storage.broadcasts.mark(created.broadcast.id, SRI, DeliveryStatus.SENT)
        expected = await storage.broadcasts.get(created.broadcast.id)
        expected_pending = await storage.broadcasts.pending(created.broadcast.id)
    finally:
        await storage.close()

    reopened = await Storage.open(path)
    try:
        assert await reopened.broadcasts.get(created.broadcast.id) == expected
        assert await reopened.broadcasts.pending(created.broadcast.id) == expected_pending
        assert await _deliveries(reopened, created.broadcast.id) == {SRI: "sent", LI: "pending"}
        sending = await reopened.broadcasts.sending()
        assert sending is not None
        assert sending.id == created.broadcast.id
        assert sending.versions == EN_ZH
    finally:
        await reopened.close()


async def test_a_client_key_used_again_returns_the_first_announcement_and_writes_nothing(
    community: Storage,
) -> None:
    first = await community.broadcasts.create(NEWS, by=ADMIN, client_key="k1")
    again = await community.broadcasts.create(NEWS, by=ADMIN, client_key="k1")
    assert again.broadcast.id == first.broadcast.id
    assert again.figures.total == first.figures.total == len(EVERYONE)
    assert await _broadcast_count(community) == 1
    other = await community.broadcasts.create(NEWS, by=ADMIN, client_key="k2")
    assert other.broadcast.id != first.broadcast.id
    assert await _broadcast_count(community) == 2


# Migration


async def test_the_chinese_migration_moves_the_other_language_into_the_versions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v9.db"
    db = await Database.open(path)
    try:
        nine = [sql for migration in available_migrations()[:9] for sql in migration.statements()]
        await db.execute_script([*nine, "PRAGMA user_version = 9"])
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO telegram_users (telegram_id, first_seen_at, last_seen_at,"
                " chosen_locale) VALUES (?, 'x', 'x', 'en')",
                (LI,),
            )
            for locale, text, other_text in (
                ("id", "Rapat besok", "Meeting tomorrow"),
                ("en", "Container closes Friday", "Kontainer ditutup Jumat"),
                ("id", "Libur", None),
            ):
                await connection.execute(
                    "INSERT INTO broadcasts (audience, locale, text, other_text, status, send_at,"
                    " created_by, created_at) VALUES ('everyone', ?, ?, ?, 'sending',"
                    " '2026-01-05T00:00:00+00:00', ?, '2026-01-05T00:00:00+00:00')",
                    (locale, text, other_text, ADMIN),
                )
            await connection.execute(
                "INSERT INTO deliveries (broadcast_id, telegram_id) VALUES (1, ?)", (LI,)
            )
        assert await migrate(db) == (9, len(available_migrations()))
        assert await schema_version(db) >= 10
        rows = await db.fetch_all(
            "SELECT broadcast_id, locale, text FROM broadcast_versions ORDER BY broadcast_id"
        )
        assert [tuple(row) for row in rows] == [
            (1, "en", "Meeting tomorrow"),
            (2, "id", "Kontainer ditutup Jumat"),
        ]
        columns = {row["name"] for row in await db.fetch_all("PRAGMA table_info(broadcasts)")}
        assert "other_text" not in columns
    finally:
        await db.close()

    opened = await Storage.open(path)
    try:
        summaries = {s.broadcast.id: s for s in await opened.broadcasts.recent()}
        first, second, third = (summaries[i].broadcast for i in (1, 2, 3))
        assert (first.locale, first.text, first.versions) == (
            "id",
            "Rapat besok",
            {"en": "Meeting tomorrow"},
        )
        assert (second.locale, second.versions) == ("en", {"id": "Kontainer ditutup Jumat"})
        assert (third.locale, third.versions) == ("id", {})
        assert first.text_for("zh") == "Meeting tomorrow"
        assert second.text_for("id") == "Kontainer ditutup Jumat"
        assert summaries[1].figures.pending == 1
        pending = await opened.broadcasts.pending(1)
        assert [d.recipient.chosen_locale for d in pending] == ["en"]
        # The wider checks: an announcement and a person may now be Chinese.
        await opened.broadcasts.create(_wording("zh", "en"), by=ADMIN)
        await opened.people.choose_locale(LI, "zh")
        assert [d.recipient.chosen_locale for d in await opened.broadcasts.pending(1)] == ["zh"]
    finally:
        await opened.close()
