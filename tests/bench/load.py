"""Load the whole bot through the emulator: throughput, latency, memory and start-up time.

    .venv/bin/python -m tests.bench.load [--members N] [--reports N] [--updates N]
                                         [--rounds N] [--rate R] [--seconds S] [--seed S]

Builds a database (tests.bench.production: 500 artisans, 50 models, N reports; then N
members, artisans and buyers, inserted straight with sqlite3), starts the local Bot API
emulator in this process and the whole bot (`python -m bot run`) as a process of its own, as
in production, and drives it with a realistic mix of updates: /help from visitors, /start and
/production from artisans, /browse from buyers and a tap on the menu's Help button. Then does
the same against a bare python-telegram-bot echo bot (tests.bench.echo_bot: a MessageHandler
that echoes, a CallbackQueryHandler that answers, PTB's own polling loop) on a fresh
emulator. Measures:

1. updates a second end to end: every update pushed at once, timed from the first push
   until every update is confirmed and answered, `--rounds` times; the median round of the
   bot against the echo bot's;
2. reply latency p50 / p99 at a steady `--rate` updates a second for `--seconds`;
3. the peak RSS of the bot's process (VmHWM);
4. start-up time from starting the process to its first answer (Python's own start and the
   imports included), with the first update already waiting.

The exit status is 0 when the bot handles at least half the echo bot's updates a second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.emulator import BotApiEmulator, ChatMessage
from bot.emulator.world import StoredFile, png_image
from handlers.menu import HELP
from storage import Storage
from storage.models import MemberStatus, Role
from tests.bench import production
from tests.bench.broadcast import percentile
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, TOKEN
from tests.test_durability import bot_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 0.5
POOL = 100
VISITOR_IDS_FROM = 5_000_000
MEMBER_IDS_FROM = 100_000
PRODUCTION_ARTISAN_IDS_FROM = 10_000  # production.build's artisans: 10_000 .. 10_499
ANSWER_TIMEOUT_SECONDS = 120.0
CHECK_SECONDS = 0.002
KINDS = ("help", "start", "production", "browse", "tap")
TEXTS = {"help": "/help", "start": "/start", "production": "/production", "browse": "/browse"}

# How to start a bot as a process of its own against an emulator: its command, environment
# and working directory.
Runner = Callable[[BotApiEmulator], tuple[list[str], dict[str, str], Path]]


@dataclass
class Sent:
    """One update pushed to the emulator and when it was answered."""

    kind: str
    user_id: int
    update_id: int
    pushed_at: float
    answered_at: float | None = None


@dataclass
class Phase:
    """What one bot did under load."""

    name: str
    startup_seconds: float = float("nan")
    throughput_updates: int = 0
    throughput_seconds: list[float] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    unanswered: int = 0
    skipped: int = 0
    violations: int = 0
    rss_mb: float = float("nan")
    exit_status: int | None = None

    @property
    def rates(self) -> list[float]:
        """Updates a second in each throughput round."""
        return [self.throughput_updates / seconds for seconds in self.throughput_seconds]

    @property
    def rate(self) -> float:
        """Updates a second: the median of the rounds, so that one disturbed round counts little."""
        return statistics.median(self.rates)

    def all_latencies(self) -> list[float]:
        """Every latency, whatever the kind."""
        return [value for values in self.latencies.values() for value in values]


class _TimedSet(set[str]):
    """The emulator's set of answered callback queries, telling when each is added."""

    def __init__(self, items: Iterable[str], on_add: Callable[[str], None]) -> None:
        super().__init__(items)
        self._on_add = on_add

    def add(self, item: str) -> None:
        super().add(item)
        self._on_add(item)


class Driver:
    """Push updates for pools of people and notice when each is answered."""

    def __init__(self, emulator: BotApiEmulator, pools: dict[str, list[int]]) -> None:
        self.emulator = emulator
        self.pools = pools
        self.sent: list[Sent] = []
        self._waiting: dict[int, deque[Sent]] = {}
        self._queries: dict[str, Sent] = {}
        self._menus: dict[int, int] = {}
        self._last: dict[int, Sent] = {}
        self._next: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.outstanding = 0
        emulator.on_message(self._heard)
        emulator.answered_callbacks = _TimedSet(emulator.answered_callbacks, self._tapped)

    def _answer(self, sent: Sent) -> None:
        sent.answered_at = time.perf_counter()
        self.outstanding -= 1

    def _heard(self, message: ChatMessage) -> None:
        waiting = self._waiting.get(message.chat_id)
        if waiting:
            self._answer(waiting.popleft())

    def _tapped(self, query_id: str) -> None:
        sent = self._queries.pop(query_id, None)
        if sent is not None:
            self._answer(sent)

    def prepare_taps(self) -> None:
        """Remember each tapper's latest message to tap (sent by `warm_up`)."""
        for user in self.pools["tap"]:
            messages = self.emulator.messages(user)
            with_buttons = [message for message in messages if message.buttons] or messages
            self._menus[user] = with_buttons[-1].message_id

    def push(self, kind: str, user: int) -> Sent:
        """Send one update of `kind` as `user` without waiting for it."""
        now = time.perf_counter()
        if kind == "tap":
            update_id = self.emulator.press_button(user, self._menus[user], HELP)
            sent = Sent(kind, user, update_id, now)
            self._queries[next(reversed(self.emulator.callback_owners))] = sent
        else:
            update_id = self.emulator.send_text(user, TEXTS[kind])
            sent = Sent(kind, user, update_id, now)
            self._waiting.setdefault(user, deque()).append(sent)
        self.sent.append(sent)
        self._last[user] = sent
        self.outstanding += 1
        return sent

    def free_user(self, kind: str) -> int | None:
        """The next person of `kind` with nothing still unanswered or unconfirmed."""
        pool = self.pools[kind]
        for _ in range(len(pool)):
            user = pool[self._next[kind] % len(pool)]
            self._next[kind] += 1
            last = self._last.get(user)
            if last is None or (
                last.answered_at is not None and self.emulator.is_confirmed(last.update_id)
            ):
                return user
        return None

    def done(self, last: Sent) -> bool:
        """Whether every update is answered and the last one (so every one) confirmed."""
        return self.outstanding == 0 and self.emulator.is_confirmed(last.update_id)

    async def wait_done(self, last: Sent, within: float = ANSWER_TIMEOUT_SECONDS) -> bool:
        """Wait until `done`; False if `within` seconds pass first."""
        deadline = time.perf_counter() + within
        while not self.done(last):
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(CHECK_SECONDS)
        return True


def people(members: int) -> tuple[dict[str, list[int]], list[tuple[int, str, Role]]]:
    """The pools of people of each kind, and the members to insert (id, name, role)."""
    inserted = [
        (MEMBER_IDS_FROM + n, f"Member {n}", Role.ARTISAN if n % 10 < 7 else Role.BUYER)
        for n in range(members)
    ]
    buyers = [user for user, _, role in inserted if role is Role.BUYER]
    if not buyers:
        raise SystemExit("--members must be at least 10, so that there are buyers")
    pools = {
        "help": [VISITOR_IDS_FROM + n for n in range(POOL)],
        "start": [PRODUCTION_ARTISAN_IDS_FROM + n for n in range(POOL)],
        "production": [PRODUCTION_ARTISAN_IDS_FROM + POOL + n for n in range(POOL)],
        "tap": [PRODUCTION_ARTISAN_IDS_FROM + 2 * POOL + n for n in range(POOL)],
        "browse": buyers[:POOL],
    }
    return pools, inserted


def insert_members(path: Path, inserted: list[tuple[int, str, Role]]) -> None:
    """Insert active members (after production.build's 500) with their Telegram users."""
    connection = sqlite3.connect(path, isolation_level=None)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    first_id = int(connection.execute("SELECT COALESCE(MAX(id), 0) FROM members").fetchone()[0])
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO telegram_users (telegram_id, first_name, language_code, first_seen_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?)",
        (
            (user, name, "id" if role is Role.ARTISAN else "en", now, now)
            for user, name, role in inserted
        ),
    )
    connection.executemany(
        "INSERT INTO members (id, telegram_id, role, status, name, village, workshop, company,"
        " country, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                first_id + n + 1,
                user,
                role,
                MemberStatus.ACTIVE,
                name,
                "Jiwut" if role is Role.ARTISAN else None,
                f"Kendang {first_id + n + 1}" if role is Role.ARTISAN else None,
                None if role is Role.ARTISAN else f"Trading Co {n}",
                None if role is Role.ARTISAN else "China",
                now,
                now,
            )
            for n, (user, name, role) in enumerate(inserted)
        ),
    )
    connection.execute("COMMIT")
    connection.close()


def card_photos(path: Path) -> list[str]:
    """The photo ids the catalogue cards can show: each model's own and newest accepted."""
    connection = sqlite3.connect(path)
    models = [int(row[0]) for row in connection.execute("SELECT id FROM drum_models")]
    photos = {
        str(row[0])
        for row in connection.execute(
            "SELECT photo_file_id FROM drum_models WHERE photo_file_id IS NOT NULL"
        )
    }
    for model in models:
        row = connection.execute(
            "SELECT photo_file_id FROM reports WHERE model_id = ? AND status = 'accepted'"
            " AND photo_file_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            (model,),
        ).fetchone()
        if row is not None:
            photos.add(str(row[0]))
    connection.close()
    return sorted(photos)


def add_users(emulator: BotApiEmulator, pools: dict[str, list[int]]) -> None:
    """Let the emulator know everyone who will write (visitors and buyers in English)."""
    for kind, users in pools.items():
        for user in users:
            english = kind in ("help", "browse")
            emulator.add_user(
                {
                    "id": user,
                    "is_bot": False,
                    "first_name": f"Person {user}",
                    "language_code": "en" if english else "id",
                }
            )


async def run_phase(
    name: str,
    runner: Runner,
    pools: dict[str, list[int]],
    arguments: argparse.Namespace,
    photos: list[str],
) -> Phase:
    """Start a bot on a fresh emulator, then measure start-up, throughput and latency."""
    phase = Phase(name)
    emulator = BotApiEmulator()
    await emulator.start()
    add_users(emulator, pools)
    # The bench's report photos, as if artisans had sent them to Telegram.
    image = png_image()
    for n, photo in enumerate(photos):
        emulator.files[photo] = StoredFile(photo, f"B{n:06d}", image, f"photos/{n}.png")
    driver = Driver(emulator, pools)
    command, environment, folder = runner(emulator)
    log_path = folder / f"{name.replace(' ', '-')}.log"
    # 4. Start-up: the first update waits in the queue before the bot's process is started.
    began = time.perf_counter()
    first = driver.push("help", pools["help"][0])
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=folder, env=environment,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
    try:
        while first.answered_at is None:
            if process.returncode is not None:
                raise RuntimeError(f"{name} stopped before answering:\n{_tail(log_path)}")
            if time.perf_counter() - began > ANSWER_TIMEOUT_SECONDS:
                raise TimeoutError(f"{name} did not answer its first update")
            await asyncio.sleep(CHECK_SECONDS / 2)
        phase.startup_seconds = first.answered_at - began

        # Warm-up: everyone writes once (the tappers get the menu they will tap).
        for kind, users in pools.items():
            for user in users:
                driver.push("start" if kind == "tap" else kind, user)
        if not await driver.wait_done(driver.sent[-1]):
            raise TimeoutError(f"{name} did not answer the warm-up")
        driver.prepare_taps()

        # 1. Throughput: every update pushed at once, a round of the mix after another.
        phase.throughput_updates = arguments.updates
        for _ in range(arguments.rounds):
            began = time.perf_counter()
            for n in range(arguments.updates):
                kind = KINDS[n % len(KINDS)]
                pool = pools[kind]
                driver.push(kind, pool[(n // len(KINDS)) % len(pool)])
            if not await driver.wait_done(driver.sent[-1]):
                raise TimeoutError(f"{name} did not answer the throughput run")
            phase.throughput_seconds.append(time.perf_counter() - began)

        # 2. Latency at a steady rate: each person has one update in flight at most.
        pushed_from = len(driver.sent)
        total = round(arguments.rate * arguments.seconds)
        began = time.perf_counter()
        for n in range(total):
            delay = began + n / arguments.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = KINDS[n % len(KINDS)]
            free = driver.free_user(kind)
            if free is None:
                phase.skipped += 1
                continue
            driver.push(kind, free)
        await driver.wait_done(driver.sent[-1])
        for sent in driver.sent[pushed_from:]:
            if sent.answered_at is None:
                phase.unanswered += 1
            else:
                phase.latencies.setdefault(sent.kind, []).append(sent.answered_at - sent.pushed_at)
        phase.rss_mb = peak_rss_mb(process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            phase.exit_status = await asyncio.wait_for(process.wait(), timeout=30)
        finally:
            await emulator.stop()
    if phase.exit_status != 0:
        print(f"  {name} exited with {phase.exit_status}:\n{_tail(log_path)}", file=sys.stderr)
    phase.violations = len(emulator.violations)
    for violation in emulator.violations[:5]:
        print(f"  {name}: {violation}", file=sys.stderr)
    return phase


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set size so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tail(log_path: Path, lines: int = 20) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def kendang(path: Path, folder: Path) -> Runner:
    """The whole bot, `python -m bot run`, on the database at `path`."""

    def command(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str], Path]:
        # Run in a folder of its own, so that no .env of the machine's is read either.
        environment = bot_environment(
            emulator,
            path,
            KENDANG_API_FILE_URL=emulator.base_file_url,
            KENDANG_ADMIN_IDS=f"{ADMIN_ANI},{ADMIN_BUDI}",
        )
        return [sys.executable, "-m", "bot", "run"], environment, folder

    return command


def echo_bot(folder: Path) -> Runner:
    """The bare python-telegram-bot echo bot of tests.bench.echo_bot."""

    def command(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str], Path]:
        environment = dict(os.environ)
        # Run from any folder: the project's root is where `tests` is found.
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")])
        )
        module = [sys.executable, "-m", "tests.bench.echo_bot"]
        return [*module, TOKEN, emulator.base_url, emulator.base_file_url], environment, folder

    return command


def _rounds(phase: Phase) -> str:
    return " ".join(f"{rate:.0f}" for rate in phase.rates)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def report(bot: Phase, echo: Phase, arguments: argparse.Namespace) -> bool:
    """Print the table; True if the bot is at least TARGET_RATIO as fast as the echo bot."""
    ratio = bot.rate / echo.rate
    print(
        f"\n{'':36}{'kendang-bot':>14}{'echo bot':>14}"
        f"\n{'updates pushed at once, per round':36}{bot.throughput_updates:>14,}"
        f"{echo.throughput_updates:>14,}"
        f"\n{'  updates / s in each round':36}{_rounds(bot):>14}{_rounds(echo):>14}"
        f"\n{'  updates / s, median of rounds':36}{bot.rate:>14.1f}{echo.rate:>14.1f}"
        f"\n{'steady load (updates / s x s)':36}"
        f"{f'{arguments.rate:g} x {arguments.seconds:g}':>14}"
        f"{f'{arguments.rate:g} x {arguments.seconds:g}':>14}"
        f"\n{'  answered':36}{len(bot.all_latencies()):>14,}{len(echo.all_latencies()):>14,}"
        f"\n{'  unanswered / skipped (busy)':36}"
        f"{f'{bot.unanswered} / {bot.skipped}':>14}{f'{echo.unanswered} / {echo.skipped}':>14}"
    )
    for share in (0.50, 0.99):
        label = f"  latency p{share * 100:.0f} ms, all"
        print(
            f"{label:36}{_ms(percentile(bot.all_latencies(), share)):>14}"
            f"{_ms(percentile(echo.all_latencies(), share)):>14}"
        )
    for kind in KINDS:
        bot_values, echo_values = bot.latencies.get(kind, []), echo.latencies.get(kind, [])
        label = f"  p50 / p99 ms, {TEXTS.get(kind, 'tap menu:help')}"
        print(
            f"{label:36}"
            f"{f'{percentile(bot_values, 0.5) * 1000:.1f} / {percentile(bot_values, 0.99) * 1000:.1f}':>14}"  # noqa: E501
            f"{f'{percentile(echo_values, 0.5) * 1000:.1f} / {percentile(echo_values, 0.99) * 1000:.1f}':>14}"  # noqa: E501
        )
    print(
        f"{'start-up to first answer (s)':36}{bot.startup_seconds:>14.2f}"
        f"{echo.startup_seconds:>14.2f}"
        f"\n{'Bot API violations':36}{bot.violations:>14,}{echo.violations:>14,}"
        f"\n{'exit status after SIGTERM':36}{bot.exit_status!s:>14}{echo.exit_status!s:>14}"
        f"\n{'peak RSS of the bot process (MiB)':36}{bot.rss_mb:>14.0f}{echo.rss_mb:>14.0f}"
    )
    met = ratio >= TARGET_RATIO
    print(
        f"ratio bot / echo bot {ratio:.2f} (target >= {TARGET_RATIO:.2f}):"
        f" {'met' if met else 'NOT met'}"
    )
    return met


async def _migrate(path: Path) -> None:
    storage = await Storage.open(path)
    await storage.close()


async def run(arguments: argparse.Namespace) -> bool:
    """Build the database, load both bots and print the results."""
    pools, inserted = people(arguments.members)
    with tempfile.TemporaryDirectory(prefix="kendang-load-") as folder:
        path = Path(folder) / "load.db"
        await _migrate(path)
        # Built in a child process, so that the build's cache does not stay in this one.
        with ProcessPoolExecutor(1) as builder:
            built = await asyncio.get_running_loop().run_in_executor(
                builder, production.build, path, arguments.reports, arguments.seed
            )
        began = time.perf_counter()
        insert_members(path, inserted)
        print(
            f"database: {built.reports:,} reports in {built.seconds:.1f} s,"
            f" {len(inserted) + production.ARTISANS:,} members"
            f" ({len(inserted):,} inserted in {time.perf_counter() - began:.1f} s),"
            f" {path.stat().st_size / 2**20:.0f} MiB",
            flush=True,
        )
        photos = card_photos(path)
        bot = await run_phase("kendang-bot", kendang(path, Path(folder)), pools, arguments, photos)
        print(f"kendang-bot done: {bot.rate:.1f} updates/s", flush=True)
        echo = await run_phase("echo bot", echo_bot(Path(folder)), pools, arguments, [])
        print(f"echo bot done: {echo.rate:.1f} updates/s", flush=True)
    return report(bot, echo, arguments)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the load and print the results."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load", description=__doc__)
    parser.add_argument("--members", type=int, default=100_000, help="members to insert")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to build")
    parser.add_argument("--updates", type=int, default=2_000, help="updates pushed at once")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per bot")
    parser.add_argument("--rate", type=float, default=50.0, help="steady updates a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of steady load")
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args(argv)
    return 0 if asyncio.run(run(arguments)) else 1


if __name__ == "__main__":
    sys.exit(main())
