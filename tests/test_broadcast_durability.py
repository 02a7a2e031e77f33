"""An announcement survives kill -9 and SIGTERM of the bot process: nobody missed, none twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator, Person
from storage import Storage
from tests.conftest import ADMIN_ANI
from tests.test_broadcast_sending import MARK, add_members, announce, copies
from tests.test_durability import STARTUP_SECONDS, BotProcess, wait_for

MEMBERS = range(3001, 3081)


@pytest.fixture
async def announcing(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """A bot process with 80 members and an announcement to them waiting to go out."""
    process = BotProcess(emulator, tmp_path, {"KENDANG_BROADCAST_RATE": "20"})
    storage = await Storage.open(process.db_path)
    try:
        await add_members(emulator, storage, MEMBERS)
        await announce(storage)
    finally:
        await storage.close()
    yield process
    if process.process is not None and process.process.returncode is None:
        await process.kill()
    assert emulator.violations == []


def received(emulator: BotApiEmulator) -> list[int]:
    """Each member's number of copies."""
    return [copies(emulator, user_id) for user_id in MEMBERS]


def status(process: BotProcess) -> str:
    """The announcement's status in the database file."""
    return str(process.query("SELECT status FROM broadcasts")[0][0])


async def test_kill_9_mid_broadcast_then_restart_misses_nobody_and_repeats_at_most_one(
    announcing: BotProcess, emulator: BotApiEmulator
) -> None:
    await announcing.start()
    await wait_for(lambda: sum(received(emulator)) >= 25)
    await announcing.kill()
    at_kill = sum(received(emulator))
    assert at_kill < len(MEMBERS)

    await announcing.start()
    await wait_for(lambda: status(announcing) == "done", STARTUP_SECONDS)
    counts = received(emulator)
    assert min(counts) == 1, "nobody is skipped"
    assert sum(count - 1 for count in counts) <= 1, "only the message in flight may repeat"
    rows = announcing.query("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
    assert rows == [("sent", len(MEMBERS))]


async def test_sigterm_mid_broadcast_stops_cleanly_and_the_restart_finishes_it(
    announcing: BotProcess, emulator: BotApiEmulator
) -> None:
    await announcing.start()
    await wait_for(lambda: sum(received(emulator)) >= 25)
    assert await announcing.terminate() == 0
    assert status(announcing) == "sending"
    assert sum(received(emulator)) < len(MEMBERS)

    await announcing.start()
    await wait_for(lambda: status(announcing) == "done", STARTUP_SECONDS)
    assert received(emulator) == [1] * len(MEMBERS)
    assert MARK in emulator.messages(MEMBERS[-1])[-1].plain
    assert "Traceback" not in announcing.log_path.read_text()


async def test_send_tapped_as_the_bot_dies_makes_one_announcement_after_restart(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path)
    storage = await Storage.open(process.db_path)
    try:
        await add_members(emulator, storage, range(3001, 3006))
    finally:
        await storage.close()
    await process.start()
    try:
        ani = Person(emulator, ADMIN_ANI, "Ani", language_code="id")
        ani.timeout = STARTUP_SECONDS
        await ani.send("/broadcast")
        await ani.tap("Semua anggota (5)")
        await ani.send(f"{MARK} sekali saja")
        summary = (await ani.tap("Tidak, satu versi untuk semua"))[-1]

        # The announcement is saved; the bot dies before the tap is confirmed to Telegram.
        emulator.inject("editMessageText", "delay", delay=60.0, count=1)
        mark = len(emulator.requests)
        update_id = emulator.press_button(
            ADMIN_ANI, summary.message_id, summary.button_data("Kirim sekarang") or ""
        )
        await wait_for(lambda: any(r.method == "editMessageText" for r in emulator.requests[mark:]))
        await process.kill()
        emulator.clear_faults()

        await process.start()
        await emulator.wait_confirmed(update_id, within=STARTUP_SECONDS)
        await wait_for(lambda: status(process) == "done", STARTUP_SECONDS)
        assert process.query("SELECT COUNT(*) FROM broadcasts") == [(1,)]
        assert [copies(emulator, user_id) for user_id in range(3001, 3006)] == [1] * 5
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()
    assert emulator.violations == []
