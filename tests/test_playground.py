"""The playground's emulator and bot on a database of its own, driven through its terminal chat."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.emulator.server import FIRST_UPDATE_ID
from bot.emulator.terminal import TerminalChat
from bot.playground import FILES_FOLDER, PERSONAS, next_update_id, running_playground
from bot.settings import Settings
from storage import Storage
from storage.state import PendingState

SAVED = re.compile(r"^\[(photo|file)\] (\S+) \((\d+ bytes|[\d.]+ KB|[\d.]+ MB)\)$", re.MULTILINE)


def playground_settings() -> Settings:
    """Settings as the command line reads them, without pacing the tests' quick steps."""
    return Settings(_env_file=None, chat_rate=1000, send_rate=1000)  # type: ignore[call-arg]


@asynccontextmanager
async def terminal(db_path: Path) -> AsyncIterator[tuple[TerminalChat, list[str]]]:
    """The playground on `db_path` and its terminal chat, writing into a list."""
    async with running_playground(playground_settings(), db_path, asyncio.Event()) as playground:
        shown: list[str] = []
        chat = TerminalChat(playground.emulator, PERSONAS, shown.append, playground.files_dir)
        yield chat, shown
        assert playground.emulator.violations == []


async def type_lines(chat: TerminalChat, *lines: str) -> None:
    """Type each line into the terminal chat, as a newcomer would."""
    for line in lines:
        assert await chat.handle(line)


def saved_files(shown: list[str]) -> list[tuple[str, str, str, bytes]]:
    """Each file the terminal said it saved: kind, path and size as shown, and its contents."""
    saved = SAVED.findall("\n".join(shown))
    return [(kind, path, size, Path(path).read_bytes()) for kind, path, size in saved]


async def test_start_is_answered_again_after_the_playground_restarts_on_its_database(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "play.db"
    for run in ("first", "second"):
        async with terminal(db_path) as (chat, shown):
            await type_lines(chat, ":as admin", "/start")
            menus = [text for text in shown if text.startswith("--- bot → Ani (admin)\nMenu admin")]
            assert len(menus) == 1, f"{run} run showed {shown}"


async def test_updates_are_numbered_after_every_one_the_database_has_processed_or_spooled(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "old.db"
    assert await next_update_id(db_path) == FIRST_UPDATE_ID
    storage = await Storage.open(db_path)
    try:
        await storage.state.save(PendingState(), FIRST_UPDATE_ID + 40)
        assert await next_update_id(db_path) == FIRST_UPDATE_ID + 41
        await storage.state.spool([(FIRST_UPDATE_ID + 55, '{"update_id": 100056}')])
    finally:
        await storage.close()
    assert await next_update_id(db_path) == FIRST_UPDATE_ID + 56


async def test_a_chart_and_a_workbook_are_saved_beside_the_database_and_shown_with_path_and_size(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "play.db"
    async with terminal(db_path) as (chat, shown):
        await type_lines(
            chat,
            ":as admin",
            "/correct",
            ":tap Kecil · mahoni · kulit kambing · polos",
            "+3",
            ":tap dihitung ulang",
            ":tap Koreksi stok",
            "/charts",
            ":tap Stok per model",
            "/export",
            ":tap Bulan ini",
            ":tap Berkas Excel",
        )
        # The workbook is made in the background, after the tap is answered.
        await chat.emulator.wait_until(lambda: "[file]" in "\n".join(shown), within=30)
    saved = saved_files(shown)
    assert [kind for kind, _, _, _ in saved] == ["photo", "file"]
    folder = re.escape(str(tmp_path / FILES_FOLDER))
    (_, chart, chart_size, chart_data), (_, workbook, workbook_size, workbook_data) = saved
    assert re.fullmatch(rf"{folder}/admin-\d+-photo\.png", chart)
    assert re.fullmatch(rf"{folder}/admin-\d+-kendang-\d{{4}}-\d\d\.xlsx", workbook)
    assert chart_data.startswith(b"\x89PNG\r\n\x1a\n")
    assert workbook_data.startswith(b"PK\x03\x04")
    assert chart_size == f"{len(chart_data) / 1024:.1f} KB"
    assert workbook_size == f"{len(workbook_data) / 1024:.1f} KB"
    caption = next(text for text in shown if chart in text)
    assert "📦 Stok kendang per model" in caption
