"""Announcements go out in the background: each person once, at the rate, through faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import broadcaster
from bot.emulator import BotApiEmulator, Person
from bot.emulator.world import ChatMessage, png_image
from storage import Storage
from storage.models.broadcasts import (
    Audience,
    BroadcastDraft,
    BroadcastStatus,
    BroadcastSummary,
    DeliveryStatus,
)
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from tests.conftest import ADMIN_ANI, RunningBot

MARK = "Rapat koperasi"


@pytest.fixture
async def second(bot: RunningBot) -> AsyncIterator[Storage]:
    """A second connection to the running bot's database, as another process would have."""
    storage = await Storage.open(bot.settings.db_path)
    yield storage
    await storage.close()


@pytest.fixture(autouse=True)
def quick_retries(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Retry network errors after hundredths of a second; the sender itself never fails."""
    monkeypatch.setattr(broadcaster, "BACKOFF_SECONDS", 0.01)
    yield
    records = caplog.get_records("call")
    failures = [r for r in records if r.name == "bot.broadcaster" and r.levelname == "ERROR"]
    assert failures == []


async def add_members(
    emulator: BotApiEmulator,
    storage: Storage,
    ids: range,
    *,
    artisan: bool = True,
    language_code: str = "id",
    village: str = "Jiwut",
) -> list[Person]:
    """Members who opened the bot once, registered straight in storage (fast)."""
    people = []
    for user_id in ids:
        people.append(Person(emulator, user_id, f"P{user_id}", language_code=language_code))
        await storage.people.seen(user_id, f"P{user_id}", None, language_code)
        if artisan:
            member = await storage.members.register_artisan(
                user_id, ArtisanApplication(name=f"P{user_id}", village=village, workshop="W")
            )
            await storage.members.change_status(
                member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
            )
        else:
            await storage.members.register_buyer(
                user_id,
                BuyerApplication(name=f"P{user_id}", company="C", country="China"),
                needs_approval=False,
            )
    return people


async def announce(
    storage: Storage,
    text: str = f"{MARK} <b>Senin</b> & *jam 9*",
    *,
    audience: Audience = Audience.EVERYONE,
    versions: dict[str, str] | None = None,
    progress: Person | None = None,
    **draft: Any,
) -> BroadcastSummary:
    """Send an announcement as the compose flow does; its progress shows in `progress`'s chat."""
    summary = await storage.broadcasts.create(
        BroadcastDraft(audience=audience, locale="id", text=text, versions=versions or {}, **draft),
        by=ADMIN_ANI,
    )
    if progress is not None:
        await progress.send("/help")
        await storage.broadcasts.set_progress_message(
            summary.broadcast.id, progress.user_id, progress.last.message_id
        )
    return summary


def copies(emulator: BotApiEmulator, user_id: int, mark: str = MARK) -> int:
    """How many copies of the announcement a person received."""
    return sum(mark in message.plain for message in emulator.messages(user_id))


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait until the condition holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def until_status(
    storage: Storage, broadcast_id: int, status: BroadcastStatus, seconds: float = 20.0
) -> BroadcastSummary:
    """Wait until the announcement reaches a status; return it then."""
    deadline = time.monotonic() + seconds
    while True:
        summary = await storage.broadcasts.get(broadcast_id)
        assert summary is not None
        if summary.broadcast.status is status:
            return summary
        if time.monotonic() > deadline:
            raise AssertionError(f"still {summary.broadcast.status}, never {status}")
        await asyncio.sleep(0.05)


async def test_everyone_gets_it_once_as_typed_in_their_language_and_the_admin_sees_the_end(
    bot: RunningBot, second: Storage
) -> None:
    ani = bot.admin()
    indonesians = await add_members(bot.emulator, second, range(3001, 3011))
    english = await add_members(
        bot.emulator, second, range(4001, 4006), artisan=False, language_code="en"
    )
    summary = await announce(
        second, versions={"en": f"{MARK} EN <b>Monday</b> & *9 am*"}, progress=ani
    )
    assert summary.figures.pending == 15

    done = await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert done.figures.sent == 15
    for person in indonesians:
        assert [m.plain for m in person.inbox if MARK in m.plain] == [
            f"{MARK} <b>Senin</b> & *jam 9*"
        ]
        assert person.inbox[-1].entities == ()
    for person in english:
        assert [m.plain for m in person.inbox if MARK in m.plain] == [
            f"{MARK} EN <b>Monday</b> & *9 am*"
        ]
    await until(lambda: "Selesai" in ani.last.plain or "Finished" in ani.last.plain)
    assert "15" in ani.last.plain
    assert ani.last.buttons == ()


async def test_chinese_readers_get_chinese_else_english_else_indonesian(
    bot: RunningBot, second: Storage
) -> None:
    indonesians = await add_members(bot.emulator, second, range(3001, 3003))
    english = await add_members(
        bot.emulator, second, range(4001, 4003), artisan=False, language_code="en"
    )
    # One Chinese reader by their Telegram app, one who chose Chinese in an English one.
    chinese = await add_members(
        bot.emulator, second, range(5001, 5002), artisan=False, language_code="zh-hans"
    )
    chinese += await add_members(
        bot.emulator, second, range(5002, 5003), artisan=False, language_code="en"
    )
    await second.people.choose_locale(5002, "zh")
    for text, versions in (
        (f"{MARK} 3 ID", {"en": f"{MARK} 3 EN", "zh": f"{MARK} 3 ZH"}),
        (f"{MARK} 2 ID", {"en": f"{MARK} 2 EN"}),
        (f"{MARK} 1 ID", None),
    ):
        summary = await announce(second, text, versions=versions)
        await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)

    def got(person: Person) -> list[str]:
        return [m.plain for m in person.inbox if MARK in m.plain]

    for person in indonesians:
        assert got(person) == [f"{MARK} 3 ID", f"{MARK} 2 ID", f"{MARK} 1 ID"]
    for person in english:
        assert got(person) == [f"{MARK} 3 EN", f"{MARK} 2 EN", f"{MARK} 1 ID"]
    for person in chinese:
        assert got(person) == [f"{MARK} 3 ZH", f"{MARK} 2 EN", f"{MARK} 1 ID"]


async def test_audiences_reach_only_their_people(bot: RunningBot, second: Storage) -> None:
    jiwut = await add_members(bot.emulator, second, range(3001, 3004), village="Jiwut")
    ngoran = await add_members(bot.emulator, second, range(3101, 3103), village="Ngoran")
    buyers = await add_members(bot.emulator, second, range(4001, 4003), artisan=False)
    summary = await announce(second, audience=Audience.VILLAGE, village="Jiwut")
    await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert [copies(bot.emulator, p.user_id) for p in jiwut] == [1, 1, 1]
    assert [copies(bot.emulator, p.user_id) for p in ngoran + buyers] == [0, 0, 0, 0]

    summary = await announce(second, f"{MARK} buyers", audience=Audience.BUYERS)
    await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert [copies(bot.emulator, p.user_id, f"{MARK} buyers") for p in buyers] == [1, 1]
    assert copies(bot.emulator, jiwut[0].user_id, f"{MARK} buyers") == 0


async def test_a_photo_goes_out_with_its_caption(bot: RunningBot, second: Storage) -> None:
    people = await add_members(bot.emulator, second, range(3001, 3004))
    photo = bot.emulator.store_file(png_image(), "photos")
    summary = await announce(second, f"{MARK} kulit baru", photo_file_id=photo.file_id)
    await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    for person in people:
        (message,) = [m for m in person.inbox if MARK in m.plain]
        assert message.photo and message.plain == f"{MARK} kulit baru"


async def test_blocked_people_are_marked_skipped_later_and_reached_again_after_writing(
    bot: RunningBot, second: Storage
) -> None:
    people = await add_members(bot.emulator, second, range(3001, 3006))
    # Blocked without the bot being told, and a deleted account: Telegram answers 403.
    bot.emulator.private_chat(3002).blocked = "blocked"
    bot.emulator.private_chat(3004).blocked = "deactivated"
    summary = await announce(second)
    done = await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert (done.figures.sent, done.figures.unreachable, done.figures.failed) == (3, 2, 0)
    sends_to_blocked = [
        r
        for r in bot.emulator.requests
        if r.method == "sendMessage" and r.params.get("chat_id") in (3002, 3004)
    ]
    assert len(sends_to_blocked) == 2, "a 403 is not retried"

    later = await announce(second, f"{MARK} kedua")
    assert later.figures.total == 3
    await until_status(second, later.broadcast.id, BroadcastStatus.DONE)

    bot.emulator.unblock(3002)
    await people[1].send("/start")
    third = await announce(second, f"{MARK} ketiga")
    assert third.figures.total == 4
    await until_status(second, third.broadcast.id, BroadcastStatus.DONE)
    assert copies(bot.emulator, 3002, f"{MARK} ketiga") == 1
    assert copies(bot.emulator, 3004, MARK) == 0


async def test_a_429_storm_is_waited_out_and_nobody_gets_it_twice(
    bot: RunningBot, second: Storage
) -> None:
    people = await add_members(bot.emulator, second, range(3001, 3011))
    bot.emulator.inject("sendMessage", "429", count=4, retry_after=1)
    began = time.monotonic()
    summary = await announce(second)
    done = await until_status(second, summary.broadcast.id, BroadcastStatus.DONE, seconds=30)
    assert bot.emulator.too_many_requests == 4
    assert time.monotonic() - began >= 4, "each 429 is waited out for its retry_after"
    assert done.figures.sent == 10
    assert [copies(bot.emulator, p.user_id) for p in people] == [1] * 10


async def test_server_errors_are_retried_then_failed_and_the_rest_go_on(
    bot: RunningBot, second: Storage
) -> None:
    people = await add_members(bot.emulator, second, range(3001, 3006))
    bot.emulator.inject("sendMessage", "502", count=2)
    bot.emulator.inject("sendMessage", "500", count=None, chat_id=3003)
    bot.emulator.inject("sendMessage", "drop", count=1, chat_id=3005)
    summary = await announce(second)
    done = await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert (done.figures.sent, done.figures.failed) == (4, 1)
    tries = [
        r
        for r in bot.emulator.requests
        if r.method == "sendMessage" and r.params.get("chat_id") == 3003
    ]
    assert len(tries) == broadcaster.MAX_ATTEMPTS
    assert [copies(bot.emulator, p.user_id) for p in people] == [1, 1, 0, 1, 1]


async def test_pause_resume_and_cancel_take_effect_between_messages(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(broadcast_rate=10)
    storage = await Storage.open(bot.settings.db_path)
    try:
        people = await add_members(bot.emulator, storage, range(3001, 3031))
        summary = await announce(storage)
        broadcast_id = summary.broadcast.id

        def received() -> int:
            return sum(copies(bot.emulator, p.user_id) for p in people)

        await until(lambda: received() >= 3)
        paused, _ = await storage.broadcasts.pause(broadcast_id)
        assert paused
        await asyncio.sleep(0.3)
        at_pause = received()
        await asyncio.sleep(1.0)
        assert received() == at_pause, "nothing goes out while paused"

        resumed, _ = await storage.broadcasts.resume(broadcast_id)
        assert resumed
        await until(lambda: received() >= at_pause + 3)
        cancelled, after = await storage.broadcasts.cancel(broadcast_id)
        assert cancelled and after is not None
        await asyncio.sleep(0.5)
        final = await storage.broadcasts.get(broadcast_id)
        assert final is not None
        assert final.broadcast.status is BroadcastStatus.CANCELLED
        assert received() == final.figures.sent < 30
        assert final.figures.cancelled == 30 - final.figures.sent
        assert max(copies(bot.emulator, p.user_id) for p in people) == 1
    finally:
        await storage.close()


async def test_the_rate_is_kept_and_people_chatting_are_answered_meanwhile(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(broadcast_rate=20)
    storage = await Storage.open(bot.settings.db_path)
    try:
        people = await add_members(bot.emulator, storage, range(3001, 3061))
        chatty = bot.person(5001, "Tono")
        summary = await announce(storage)
        await until(lambda: copies(bot.emulator, 3001) == 1)
        replies = []
        for _ in range(5):
            began = time.monotonic()
            assert await chatty.send("/help")
            replies.append(time.monotonic() - began)
        await until_status(storage, summary.broadcast.id, BroadcastStatus.DONE)
        assert max(replies) < 1.0, replies
        sent_at = [
            r.at
            for r in bot.emulator.requests
            if r.method == "sendMessage" and MARK in str(r.params.get("text"))
        ]
        rate = (len(sent_at) - 1) / (sent_at[-1] - sent_at[0])
        assert 17 <= rate <= 21, rate
        assert [copies(bot.emulator, p.user_id) for p in people] == [1] * 60
    finally:
        await storage.close()


async def test_a_scheduled_announcement_waits_for_its_time_and_reaches_who_is_there_then(
    bot: RunningBot, second: Storage
) -> None:
    await add_members(bot.emulator, second, range(3001, 3003))
    summary = await second.broadcasts.create(
        BroadcastDraft(audience=Audience.EVERYONE, locale="id", text=f"{MARK} nanti"),
        by=ADMIN_ANI,
        send_at=datetime.now(UTC) + timedelta(seconds=2),
    )
    assert summary.broadcast.status is BroadcastStatus.SCHEDULED
    await add_members(bot.emulator, second, range(3003, 3004))
    await asyncio.sleep(1.0)
    assert copies(bot.emulator, 3001) == 0
    done = await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    assert done.figures.sent == 3
    assert [copies(bot.emulator, user) for user in (3001, 3002, 3003)] == [1, 1, 1]


async def test_a_reply_refused_with_429_is_sent_again_after_the_wait(bot: RunningBot) -> None:
    person = bot.person(5001, "Tono")
    bot.emulator.inject("sendMessage", "429", count=1, retry_after=1)
    began = time.monotonic()
    replies = await person.send("/help")
    assert replies and "/language" in replies[-1].plain
    assert bot.emulator.too_many_requests == 1
    assert time.monotonic() - began >= 1


async def test_at_start_a_finished_announcement_shows_its_end_if_the_last_edit_was_lost(
    emulator: BotApiEmulator, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    # As after a kill -9 between marking an announcement done and editing the admin's
    # progress message a last time: all sent, done, and the message still says "sending".
    storage = await Storage.open(tmp_path / "kendang.db")
    try:
        await add_members(emulator, storage, range(3001, 3004))
        summary = await announce(storage)
        broadcast_id = summary.broadcast.id
        Person(emulator, ADMIN_ANI, "Ani", language_code="id")
        message_id = emulator.private_chat(ADMIN_ANI).take_message_id()
        progress = emulator.store_message(
            ChatMessage(ADMIN_ANI, message_id, from_bot=True, date=0, plain="📣 sending…")
        )
        await storage.broadcasts.set_progress_message(broadcast_id, ADMIN_ANI, message_id)
        for delivery in await storage.broadcasts.pending(broadcast_id, limit=10):
            recipient = delivery.recipient.telegram_id
            await storage.broadcasts.mark(broadcast_id, recipient, DeliveryStatus.SENT)
        assert await storage.broadcasts.finish(broadcast_id) is not None
    finally:
        await storage.close()

    await start_bot()

    await until(lambda: emulator.messages(ADMIN_ANI)[-1].plain != progress.plain)
    assert emulator.messages(ADMIN_ANI)[-1].plain.endswith("✅ Selesai.")
    assert [copies(emulator, user_id) for user_id in range(3001, 3004)] == [0, 0, 0]


async def test_the_last_progress_edit_waits_out_a_429_on_the_admins_chat(
    bot: RunningBot, second: Storage
) -> None:
    ani = bot.admin()
    await add_members(bot.emulator, second, range(3001, 3004))
    # Every edit of the progress message is refused once; the final one must still land.
    bot.emulator.inject("editMessageText", "429", chat_id=ADMIN_ANI, count=None, retry_after=1)
    summary = await announce(second, progress=ani)
    await until_status(second, summary.broadcast.id, BroadcastStatus.DONE)
    await until(lambda: bot.emulator.too_many_requests_by_chat.get(ADMIN_ANI, 0) >= 1)
    bot.emulator.clear_faults()
    await until(lambda: "Selesai" in ani.last.plain)
    assert "3" in ani.last.plain
