"""The members' conversations with the cooperative, against a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from storage import Storage
from storage.inbox import (
    NoSuchThreadError,
    NotAllowedToWriteError,
    TooManyMessagesTodayError,
    TooManyWaitingMessagesError,
)
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from tests.conftest import Clock

ANI, BUDI = 9001, 9002
NOON = datetime(2025, 3, 12, 5, 0, tzinfo=UTC)


async def _artisan(storage: Storage, telegram_id: int = 100, *, active: bool = True) -> int:
    await storage.people.seen(telegram_id, "Sri", None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Sri")
    )
    if active:
        await storage.members.change_status(
            member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ANI
        )
    return member.id


async def _buyer(storage: Storage, telegram_id: int = 200) -> int:
    await storage.people.seen(telegram_id, "Li", None, "en")
    application = BuyerApplication(name="Li Wei", company="Yiwu Trading", country="China")
    member = await storage.members.register_buyer(telegram_id, application, needs_approval=False)
    return member.id


async def test_a_member_writes_into_one_thread_and_an_answer_closes_it(storage: Storage) -> None:
    sri = await _artisan(storage)
    first, created = await storage.inbox.write(sri, "halo pak, kapan dibayar?", update_id=10)
    assert created and first.from_member and first.author == 100 and first.waiting
    second, _ = await storage.inbox.write(sri, None, "photo-1", update_id=11)
    assert second.thread_id == first.thread_id
    thread = await storage.inbox.thread(first.thread_id)
    assert thread is not None and thread.open and thread.waiting == 2
    assert thread.member.id == sri and thread.last.id == second.id and thread.answered_by is None
    assert await storage.inbox.waiting_count(sri) == 2

    answer = await storage.inbox.reply(first.thread_id, ANI, "Besok, Bu.", update_id=12)
    assert answer.created and not answer.message.from_member and answer.message.author == ANI
    assert [m.id for m in answer.answered] == [first.id, second.id]
    assert all(m.answered_by == ANI and m.answer_id == answer.message.id for m in answer.answered)
    thread = await storage.inbox.thread(first.thread_id)
    assert thread is not None and not thread.open and thread.answered_by == ANI
    assert thread.last.id == answer.message.id
    assert await storage.inbox.waiting_count(sri) == 0
    # A second reply answers nothing more; the member's next message opens the thread again.
    later = await storage.inbox.reply(first.thread_id, BUDI, "Sudah ditransfer.", update_id=13)
    assert later.answered == ()
    again, _ = await storage.inbox.write(sri, "terima kasih", update_id=14)
    assert again.thread_id == first.thread_id
    messages = await storage.inbox.messages(first.thread_id)
    newest_first = [again, later.message, answer.message, second, first]
    assert [m.id for m in messages] == [m.id for m in newest_first]


async def test_an_update_delivered_again_stores_nothing_twice(storage: Storage) -> None:
    sri = await _artisan(storage)
    first, created = await storage.inbox.write(sri, "halo", update_id=20)
    again, created_again = await storage.inbox.write(sri, "halo", update_id=20)
    assert created and not created_again and again == first
    answer = await storage.inbox.reply(first.thread_id, ANI, "ya", update_id=21)
    repeated = await storage.inbox.reply(first.thread_id, ANI, "ya", update_id=21)
    assert not repeated.created and repeated.message == answer.message
    assert [m.id for m in repeated.answered] == [first.id]
    assert len(await storage.inbox.messages(first.thread_id)) == 2
    # Someone else's update id is not taken as theirs.
    li = await _buyer(storage)
    with pytest.raises(ValueError, match="another"):
        await storage.inbox.write(li, "hello", update_id=20)


async def test_marking_answered_without_a_reply_and_again(storage: Storage) -> None:
    sri = await _artisan(storage)
    message, _ = await storage.inbox.write(sri, "halo", update_id=30)
    marked = await storage.inbox.mark_answered(message.thread_id, BUDI, update_id=31)
    assert [(m.id, m.answered_by, m.answer_id) for m in marked] == [(message.id, BUDI, None)]
    # Delivered again, the update finds what it marked; another finds nothing left to mark.
    assert await storage.inbox.mark_answered(message.thread_id, BUDI, update_id=31) == marked
    assert await storage.inbox.mark_answered(message.thread_id, ANI, update_id=32) == []
    thread = await storage.inbox.thread(message.thread_id)
    assert thread is not None and not thread.open and thread.answered_by == BUDI


async def test_only_active_and_pending_members_may_write(storage: Storage) -> None:
    pending = await _artisan(storage, 101, active=False)
    message, _ = await storage.inbox.write(pending, "kapan disetujui?")
    assert message.waiting
    gone = await _artisan(storage, 102)
    await storage.members.change_status(
        gone, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ANI
    )
    with pytest.raises(NotAllowedToWriteError):
        await storage.inbox.write(gone, "halo")
    with pytest.raises(NotAllowedToWriteError):
        await storage.inbox.write(9999, "halo")
    with pytest.raises(NoSuchThreadError):
        await storage.inbox.reply(9999, ANI, "halo")


async def test_waiting_messages_are_limited_until_answered(storage: Storage) -> None:
    sri = await _artisan(storage)
    for number in range(3):
        await storage.inbox.write(sri, f"pesan {number}", max_waiting=3)
    with pytest.raises(TooManyWaitingMessagesError) as refused:
        await storage.inbox.write(sri, "satu lagi", max_waiting=3)
    assert refused.value.limit == 3
    with pytest.raises(TooManyWaitingMessagesError):
        await storage.inbox.check_limits(sri, max_waiting=3, max_per_day=None)
    [thread] = await storage.inbox.threads()
    assert thread.waiting == 3
    await storage.inbox.reply(thread.id, ANI, "dijawab")
    await storage.inbox.write(sri, "satu lagi", max_waiting=3)


async def test_a_day_of_messages_is_limited_and_says_when_again(
    storage: Storage, clock: Clock
) -> None:
    sri = await _artisan(storage)
    for hour in range(3):
        clock.at(NOON + timedelta(hours=hour))
        message, _ = await storage.inbox.write(sri, f"pesan {hour}", max_per_day=3)
        await storage.inbox.mark_answered(message.thread_id, ANI)
    clock.at(NOON + timedelta(hours=5))
    with pytest.raises(TooManyMessagesTodayError) as refused:
        await storage.inbox.write(sri, "lagi", max_per_day=3)
    assert refused.value.again_at == NOON + timedelta(hours=24)
    clock.at(NOON + timedelta(hours=24, seconds=1))
    await storage.inbox.write(sri, "lagi", max_per_day=3)


async def test_two_messages_at_once_never_pass_the_limit_together(storage: Storage) -> None:
    sri = await _artisan(storage)
    await storage.inbox.write(sri, "pesan", max_waiting=2)
    results = await asyncio.gather(
        *(storage.inbox.write(sri, f"x{n}", max_waiting=2) for n in range(4)),
        return_exceptions=True,
    )
    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert await storage.inbox.waiting_count(sri) == 2


async def test_the_inbox_lists_open_threads_first_then_answered_each_newest_first(
    storage: Storage,
) -> None:
    one, two, three = [await _artisan(storage, number) for number in (101, 102, 103)]
    first, _ = await storage.inbox.write(one, "a")
    second, _ = await storage.inbox.write(two, "b")
    await storage.inbox.write(three, "c")
    await storage.inbox.reply(second.thread_id, ANI, "ok")
    await storage.inbox.reply(first.thread_id, ANI, "ok")
    listed = await storage.inbox.threads()
    assert [(t.member.id, t.open) for t in listed] == [(three, True), (one, False), (two, False)]


async def test_copies_of_a_card_are_remembered_once(storage: Storage) -> None:
    sri = await _artisan(storage)
    message, _ = await storage.inbox.write(sri, "halo")
    await storage.inbox.add_copy(message.id, ANI, 55)
    await storage.inbox.add_copy(message.id, ANI, 55)
    await storage.inbox.add_copy(message.id, BUDI, 7)
    assert sorted(await storage.inbox.copies(message.id)) == [(ANI, 55), (BUDI, 7)]
    assert await storage.inbox.message(message.id) == message
