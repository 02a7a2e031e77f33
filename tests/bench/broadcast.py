"""Broadcast an announcement to many members through the emulator and measure the sending.

    .venv/bin/python -m tests.bench.broadcast [--members N] [--rate R] [--limit L] [--seed S]

Inserts N active members (artisans and buyers, language codes id and en) straight into a
fresh database, lets the emulator know each of them, starts the whole bot against the
emulator (rate limit L messages a second, as Telegram's) with `broadcast_rate` R, and has an
admin's announcement to everyone written through a second storage on the same file. While it
goes out, a visitor sends /help every 0.5-1 s and times each answer. Once the announcement is
done, prints the achieved rate, the 429s, duplicates and missed recipients, and the visitor's
reply times; the exit status is 0 when the target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.emulator import BotApiEmulator, ChatMessage, Person
from bot.serve import serve
from storage import Storage
from storage.models.broadcasts import Audience, BroadcastDraft, BroadcastStatus, BroadcastSummary
from storage.models.members import MemberStatus, Role
from tests.conftest import ADMIN_ANI, TOKEN, make_settings

MEMBER_IDS_FROM = 100_000
CHATTER_ID = 7_000_001
TARGET_SHARE = 0.95
REPLY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.5
PROGRESS_SECONDS = 30.0
NAMES = ("Sri", "Budi", "Slamet", "Wahyu", "Agus", "Siti", "Joko", "Eko", "Li", "Anna")


@dataclass(frozen=True)
class Member:
    """One member inserted for the benchmark."""

    telegram_id: int
    first_name: str
    language_code: str
    role: Role


def make_members(count: int, rng: random.Random) -> list[Member]:
    """Artisans (mostly Indonesian) and buyers (mostly English), in a seeded mix."""
    members = []
    for n in range(count):
        role = Role.ARTISAN if rng.random() < 0.7 else Role.BUYER
        indonesian = rng.random() < (0.85 if role is Role.ARTISAN else 0.2)
        members.append(
            Member(
                telegram_id=MEMBER_IDS_FROM + n,
                first_name=f"{NAMES[n % len(NAMES)]} {n}",
                language_code="id" if indonesian else "en",
                role=role,
            )
        )
    return members


def insert_members(path: Path, members: list[Member]) -> None:
    """Insert the members straight into a migrated database, each with their Telegram user."""
    connection = sqlite3.connect(path, isolation_level=None)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO telegram_users (telegram_id, first_name, language_code, first_seen_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?)",
        ((m.telegram_id, m.first_name, m.language_code, now, now) for m in members),
    )
    connection.executemany(
        "INSERT INTO members (id, telegram_id, role, status, name, village, workshop, company,"
        " country, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                n + 1,
                m.telegram_id,
                m.role,
                MemberStatus.ACTIVE,
                m.first_name,
                "Jiwut" if m.role is Role.ARTISAN else None,
                f"Kendang {n + 1}" if m.role is Role.ARTISAN else None,
                None if m.role is Role.ARTISAN else f"Trading Co {n + 1}",
                None if m.role is Role.ARTISAN else "China",
                now,
                now,
            )
            for n, m in enumerate(members)
        ),
    )
    connection.execute("COMMIT")
    connection.close()


async def _migrate(path: Path) -> None:
    storage = await Storage.open(path)
    await storage.close()


async def _wait_until_polling(emulator: BotApiEmulator, task: asyncio.Task[None]) -> None:
    for _ in range(1000):
        if task.done():
            task.result()
        if any(request.method == "getUpdates" for request in emulator.requests):
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the bot did not start polling")


class Chatter:
    """A visitor who sends /help now and then and times each answer."""

    def __init__(self, emulator: BotApiEmulator, rng: random.Random) -> None:
        self.emulator = emulator
        self.rng = rng
        self.person = Person(emulator, CHATTER_ID, "Dewi", language_code="id")
        self.reply_seconds: list[float] = []
        self.unanswered = 0
        self._waiting_since: float | None = None
        self._answered = asyncio.Event()
        emulator.on_message(self._heard)

    def _heard(self, message: ChatMessage) -> None:
        if message.chat_id == CHATTER_ID and self._waiting_since is not None:
            self.reply_seconds.append(time.monotonic() - self._waiting_since)
            self._waiting_since = None
            self._answered.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Chat until `stop` is set."""
        while not stop.is_set():
            self._answered.clear()
            self._waiting_since = time.monotonic()
            self.emulator.send_text(self.person.user_id, "/help")
            try:
                await asyncio.wait_for(self._answered.wait(), REPLY_TIMEOUT_SECONDS)
            except TimeoutError:
                self._waiting_since = None
                self.unanswered += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.5, 1.0))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (nan when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def wait_done(
    storage: Storage, broadcast_id: int, within: float
) -> tuple[BroadcastSummary | None, float]:
    """Poll the broadcast until it is done or `within` seconds pass; return it and the wait."""
    began = time.monotonic()
    shown = began
    summary = await storage.broadcasts.get(broadcast_id)
    while time.monotonic() - began < within:
        summary = await storage.broadcasts.get(broadcast_id)
        if summary is not None and summary.broadcast.status is BroadcastStatus.DONE:
            break
        if summary is not None and time.monotonic() - shown >= PROGRESS_SECONDS:
            shown = time.monotonic()
            figures = summary.figures
            print(
                f"  ... {time.monotonic() - began:5.0f} s: {figures.sent:,} sent,"
                f" {figures.pending:,} pending",
                file=sys.stderr,
                flush=True,
            )
        await asyncio.sleep(POLL_SECONDS)
    return summary, time.monotonic() - began


async def run(members_count: int, rate: float, limit: float, seed: int) -> bool:
    """Run the broadcast and print the results; True if the target is met."""
    rng = random.Random(seed)
    members = make_members(members_count, rng)
    marker = f"[bench-{seed}-{rng.getrandbits(32):08x}]"
    with tempfile.TemporaryDirectory(prefix="kendang-bench-") as folder:
        path = Path(folder) / "bench.db"
        await _migrate(path)
        insert_members(path, members)

        emulator = BotApiEmulator(rate_limit=limit)
        await emulator.start()
        for member in members:
            emulator.add_user(
                {
                    "id": member.telegram_id,
                    "is_bot": False,
                    "first_name": member.first_name,
                    "language_code": member.language_code,
                }
            )
        settings = make_settings(emulator, path, broadcast_rate=rate)
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(settings, TOKEN, stop))
        admin_storage: Storage | None = None
        chatter = Chatter(emulator, rng)
        chatting_stop = asyncio.Event()
        chatting: asyncio.Task[None] | None = None
        try:
            await _wait_until_polling(emulator, serving)
            admin_storage = await Storage.open(path)
            draft = BroadcastDraft(
                audience=Audience.EVERYONE,
                locale="en",
                text=f"{marker} The container for March closes on Friday.",
                versions={"id": f"{marker} Kontainer bulan Maret ditutup hari Jumat."},
            )
            created = await admin_storage.broadcasts.create(draft, by=ADMIN_ANI)
            broadcast_id = created.broadcast.id
            chatting = asyncio.create_task(chatter.run(chatting_stop))
            timeout = members_count / rate * 2 + 60
            summary, waited = await wait_done(admin_storage, broadcast_id, timeout)
        finally:
            chatting_stop.set()
            if chatting is not None:
                await chatting
            stop.set()
            try:
                await asyncio.wait_for(serving, timeout=30)
            finally:
                if admin_storage is not None:
                    await admin_storage.close()
                await emulator.stop()

    status = "missing" if summary is None else summary.broadcast.status.value
    figures = None if summary is None else summary.figures
    sent = 0 if figures is None else figures.sent
    copies = {
        member.telegram_id: sum(
            marker in message.plain for message in emulator.messages(member.telegram_id)
        )
        for member in members
    }
    duplicates = sum(count > 1 for count in copies.values())
    missed = sum(count == 0 for count in copies.values())
    received = [
        request.at
        for request in emulator.requests
        if request.method == "sendMessage" and marker in str(request.params.get("text", ""))
    ]
    span = max(received) - min(received) if len(received) > 1 else 0.0
    achieved = sent / span if span > 0 else 0.0
    share = achieved / rate
    met = share >= TARGET_SHARE and duplicates == 0 and missed == 0

    print(f"broadcast {status} after {waited:.1f} s (timeout {timeout:.0f} s)")
    if figures is not None:
        print(
            f"deliveries: {figures.sent:,} sent, {figures.failed:,} failed,"
            f" {figures.unreachable:,} unreachable, {figures.pending:,} pending,"
            f" {figures.cancelled:,} cancelled"
        )
    print(f"{'recipients':34} {members_count:>10,}")
    print(f"{'configured rate (msg/s)':34} {rate:>10.2f}")
    print(f"{'emulator limit (msg/s)':34} {limit:>10.2f}")
    print(f"{'announcement requests received':34} {len(received):>10,}")
    print(f"{'first to last received (s)':34} {span:>10.1f}")
    print(f"{'achieved rate (msg/s)':34} {achieved:>10.2f}")
    print(f"{'achieved / configured':34} {share:>10.1%}")
    print(f"{'429 answers':34} {emulator.too_many_requests:>10,}")
    print(f"{'duplicates':34} {duplicates:>10,}")
    print(f"{'missed':34} {missed:>10,}")
    replies = chatter.reply_seconds
    print(f"{'chatter /help answered':34} {len(replies):>10,}")
    print(f"{'chatter /help unanswered':34} {chatter.unanswered:>10,}")
    print(f"{'chatter reply p50 (ms)':34} {percentile(replies, 0.50) * 1000:>10.1f}")
    print(f"{'chatter reply p95 (ms)':34} {percentile(replies, 0.95) * 1000:>10.1f}")
    print(f"{'Bot API violations':34} {len(emulator.violations):>10,}")
    for violation in emulator.violations[:5]:
        print(f"  {violation}")
    print(
        f"target (achieved >= {TARGET_SHARE:.0%} of configured, no duplicates, none missed):"
        f" {'met' if met else 'NOT met'}"
    )
    return met


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the broadcast and print the results."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.broadcast", description=__doc__)
    parser.add_argument("--members", type=int, default=10_000, help="members to announce to")
    parser.add_argument("--rate", type=float, default=25.0, help="the bot's broadcast_rate (msg/s)")
    parser.add_argument(
        "--limit", type=float, default=30.0, help="the emulator's rate limit (msg/s)"
    )
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args(argv)
    met = asyncio.run(run(arguments.members, arguments.rate, arguments.limit, arguments.seed))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
