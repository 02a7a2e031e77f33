"""Time the admins' summary, charts, statement and spreadsheets on a busy cooperative's year.

    .venv/bin/python -m tests.bench.insights [--reports N] [--seed S]

Builds the production benchmark's database (500 artisans, 50 models, a year of N reports with
their ledgers), adds buyers, orders and containers through the repositories, then runs the
whole bot against the local Bot API emulator. An admin taps each view's button; each is timed
from the tap until what it makes has arrived in the chat (the message, the photo, the PDF, the
workbook, the six CSV files). Meanwhile a visitor sends /help every 0.5-1 s and times each
answer, to show the bot keeps answering while it works. Target: every view under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.emulator import BotApiEmulator, ChatMessage, Person
from bot.serve import serve
from handlers.insights.exports import choices
from handlers.insights.statement_screens import month_key, months_back
from storage import Storage
from tests.bench.broadcast import Chatter, percentile
from tests.bench.production import _migrate, build
from tests.bench.trade import add_buyers, add_trade
from tests.conftest import ADMIN_ANI, TOKEN, _wait_until_polling, make_settings

TARGET_SECONDS = 5.0
WAIT_SECONDS = 120.0
UPLOADS = ("sendDocument", "sendMediaGroup", "sendPhoto")


def _has_photo(message: ChatMessage) -> bool:
    return bool(message.photo)


def _has_document(message: ChatMessage) -> bool:
    return message.document is not None


async def timed(
    admin: Person, data: str, arrived: Callable[[ChatMessage], bool], count: int = 1
) -> float:
    """Tap a button carrying `data`; return the seconds until `count` matching messages came."""
    emulator = admin.emulator
    mark = emulator.next_activity()
    began = time.monotonic()
    emulator.press_button(admin.user_id, admin.last.message_id, data)
    while time.monotonic() - began < WAIT_SECONDS:
        new = [m for m in admin.inbox if m.activity > mark and arrived(m)]
        if len(new) >= count:
            uploads = [r.at for r in emulator.requests if r.at > began and r.method in UPLOADS]
            if uploads:
                received = min(uploads) - began
                print(f"  {data}: files received by the Bot API {received:.2f} s after the tap")
            return time.monotonic() - began
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{data}: nothing arrived in {WAIT_SECONDS:.0f} s")


async def busiest_artisan_and_container(storage: Storage) -> tuple[int, int]:
    """The artisan with the most accepted reports, and the open container with most orders."""
    artisan = await storage.db.fetch_value(
        "SELECT artisan_id FROM reports WHERE status = 'accepted'"
        " GROUP BY artisan_id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    container = await storage.db.fetch_value(
        "SELECT c.id FROM containers c JOIN orders o ON o.container_id = c.id"
        " WHERE c.status = 'open' GROUP BY c.id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    return int(artisan), int(container)


async def run(reports: int, seed: int) -> bool:
    """Build the year, time each view through the bot and print the figures."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kendang-bench-") as folder:
        path = Path(folder) / "bench.db"
        await _migrate(path)
        built = build(path, reports, seed)
        buyers = add_buyers(path)
        storage = await Storage.open(path)
        try:
            await add_trade(storage, buyers, 2_000, 20, rng)
            artisan, container = await busiest_artisan_and_container(storage)
        finally:
            await storage.close()
        print(
            f"built {built.reports:,} reports, {built.stock_movements:,} stock movements,"
            f" {built.earnings_entries:,} earnings entries, 2,000 orders, 20 containers"
        )

        emulator = BotApiEmulator()
        await emulator.start()
        stop, chatting_stop = asyncio.Event(), asyncio.Event()
        settings = make_settings(emulator, path)
        serving = asyncio.create_task(serve(settings, TOKEN, stop))
        chatter = Chatter(emulator, rng)
        chatting: asyncio.Task[None] | None = None
        results: list[tuple[str, float]] = []
        try:
            await _wait_until_polling(emulator, serving)
            admin = Person(emulator, ADMIN_ANI, "Ani", language_code="en")
            admin.timeout = WAIT_SECONDS
            await admin.send("/insights")
            chatting = asyncio.create_task(chatter.run(chatting_stop))
            now = datetime.now(UTC)
            last_month = month_key(months_back(now, settings.zone, 2)[-1])
            year = choices(now, settings.zone)["last_12_months"].key
            views: list[tuple[str, str, Callable[[ChatMessage], bool], int]] = [
                ("summary (message)", "ins:summary", lambda m: "ummary" in m.plain, 1),
                ("chart: 12 weeks by size", "chart:size", _has_photo, 1),
                ("chart: 12 weeks by village", "chart:village", _has_photo, 1),
                ("chart: stock per model", "chart:stock", _has_photo, 1),
                ("chart: container fill", f"chart:box:{container}", _has_photo, 1),
                ("statement + PDF, busiest", f"stm:a:{artisan}:{last_month}", _has_document, 1),
                ("workbook, last 12 months", f"exp:x:{year}", _has_document, 1),
                ("CSV files, last 12 months", f"exp:c:{year}", _has_document, 6),
            ]
            for name, data, arrived, count in views:
                results.append((name, await timed(admin, data, arrived, count)))
        finally:
            chatting_stop.set()
            if chatting is not None:
                await chatting
            stop.set()
            await asyncio.wait_for(serving, timeout=60)
            await emulator.stop()

    print(f"{'':34} {'seconds':>8}")
    for name, seconds in results:
        print(f"{name:34} {seconds:8.2f}")
    replies = chatter.reply_seconds
    print(
        f"a visitor meanwhile: {len(replies)} answers, {chatter.unanswered} unanswered,"
        f" p50 {percentile(replies, 0.5) * 1000:.0f} ms, p95 {percentile(replies, 0.95) * 1000:.0f}"
        f" ms, slowest {max(replies, default=0.0) * 1000:.0f} ms"
    )
    print(f"Bot API violations: {len(emulator.violations)}")
    met = all(seconds < TARGET_SECONDS for _, seconds in results) and not emulator.violations
    print(f"target every view < {TARGET_SECONDS:g} s: {'met' if met else 'NOT met'}")
    return met


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run and print; exit status 0 when the target is met."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.insights", description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the year")
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args(argv)
    return 0 if asyncio.run(run(arguments.reports, arguments.seed)) else 1


if __name__ == "__main__":
    sys.exit(main())
