"""Load the whole bot through the emulator: throughput, latency, memory and start-up time.

    .venv/bin/python -m tests.bench.load [--round-trip S] [--people N] [--members N]
                                         [--reports N] [--updates N] [--rounds N] [--rate R]
                                         [--seconds S] [--echo-taps answer|edit] [--seed S]
                                         [--keep-logs DIR]

Builds a database (tests.bench.production: 500 artisans, 50 models, N reports; then N
members, artisans and buyers, inserted straight with sqlite3), starts the local Bot API
emulator in this process and the whole bot (`python -m bot run`) as a process of its own, as
in production, and drives it with a realistic mix of updates: /help from visitors, /start and
/production from artisans, /browse from buyers and a tap on the menu's Help button, each kind
from its own fifth of `--people`. Then does the same against a bare python-telegram-bot echo
bot (tests.bench.echo_bot: a MessageHandler that echoes, a CallbackQueryHandler that answers,
PTB's own polling loop) on a fresh emulator of the same settings.

Two ways to run it:

- Without a round trip (the default): the processing cost alone. The emulator answers at once
  and keeps no sending limits, the bot's own pacing is lifted (KENDANG_SEND_RATE and
  KENDANG_CHAT_RATE 100000), and
  the echo bot processes one update at a time, as PTB does by default. Throughput: every one
  of `--updates` updates pushed at once, timed from the first push until every update is
  confirmed and answered. Target: at least half the echo bot's updates a second.
- With `--round-trip S` (0.15: production's 150 ms from Indonesia): production's network and
  limits. Every request waits the round trip, and the emulator answers 429 with retry_after
  past 30 messages a second in all and one a second to a chat (after a burst of 3). The bot
  paces itself as in production (its default KENDANG_SEND_RATE and KENDANG_CHAT_RATE, which
  the tests' environment lifts); the echo bot processes updates side by side
  (`concurrent_updates(True)`), keeps Telegram's limits with PTB's AIORateLimiter and, as the
  bot does, edits the tapped message after answering a tap (`--echo-taps answer`: it only
  answers, as without a round trip), so that each bot puts one message in a chat for each
  update, sent or edited. The driver behaves like people: each person has one update in
  flight at most and sends the next once the previous one is answered and a second after the
  previous one at the earliest. Throughput: the updates answered in `--seconds` of everyone
  writing as fast as that, from idle. Target: at least 0.8 of the echo bot's updates a second.

Measures, for each bot:

1. updates a second, `--rounds` times, and the median round;
2. reply latency p50 / p99 per kind of update: under the throughput load (with a round trip)
   and at a steady `--rate` updates a second for `--seconds`;
3. updates never answered and 429 answers from the emulator;
4. the peak RSS of the bot's process (VmHWM);
5. start-up time from starting the process to its first answer (Python's own start and the
   imports included), with the first update already waiting.

The exit status is 0 when the target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import shutil
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
from typing import Any

from bot.emulator import ApiError, BotApiEmulator, ChatMessage
from bot.emulator.world import StoredFile, png_image
from bot.settings import Settings
from handlers.members.menu import HELP
from storage import Storage
from storage.models.members import MemberStatus, Role
from tests.bench import production
from tests.bench.broadcast import percentile
from tests.bench.echo_bot import MAX_RETRIES as ECHO_MAX_RETRIES
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, TOKEN
from tests.test_durability import bot_environment

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 0.5
TARGET_RATIO_ROUND_TRIP = 0.8
# People taking part: 100 of each kind without a round trip (as before), 200 in all with one.
PEOPLE = 500
PEOPLE_ROUND_TRIP = 200
# Steady updates a second: with a round trip, below what 30 messages a second allow.
RATE = 50.0
RATE_ROUND_TRIP = 20.0
# Telegram's limits, as the emulator keeps them with a round trip.
TELEGRAM_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
CHAT_BURST = 3
# Nobody types faster: a person's next update comes a second after their previous one at least.
PERSON_GAP_SECONDS = 1.0
# The bot's pacing: lifted for the run without a round trip, which has no limits to keep; as in
# production (its defaults, Telegram's limits) with one. The tests' environment lifts it too.
LIFTED_RATE = 100_000.0
PACING_SETTINGS = {"KENDANG_SEND_RATE": "send_rate", "KENDANG_CHAT_RATE": "chat_rate"}
VISITOR_IDS_FROM = 5_000_000
MEMBER_IDS_FROM = 100_000
PRODUCTION_ARTISAN_IDS_FROM = 10_000  # production.build's artisans: 10_000 .. 10_499
ANSWER_TIMEOUT_SECONDS = 120.0
CHECK_SECONDS = 0.002
KINDS = ("help", "start", "production", "browse", "tap")
TEXTS = {"help": "/help", "start": "/start", "production": "/production", "browse": "/browse"}
# A log line's level, after its date and time (both bots log "%(asctime)s %(levelname)s ...").
LOG_LEVEL = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")

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
    answered: asyncio.Future[None] | None = field(default=None, repr=False)
    given_up: bool = False


@dataclass
class Phase:
    """What one bot did under load."""

    name: str
    startup_seconds: float = float("nan")
    # Updates answered in each throughput round, and the round's seconds.
    round_counts: list[int] = field(default_factory=list)
    round_seconds: list[float] = field(default_factory=list)
    # Latencies per kind while everyone writes as fast as they can (with a round trip only).
    loaded: dict[str, list[float]] = field(default_factory=dict)
    loaded_unanswered: int = 0
    # Latencies per kind at a steady rate.
    latencies: dict[str, list[float]] = field(default_factory=dict)
    unanswered: int = 0
    skipped: int = 0
    violations: int = 0
    too_many: int = 0
    too_many_overall: int = 0
    too_many_chats: int = 0
    log_warnings: int = 0
    log_errors: int = 0
    rss_mb: float = float("nan")
    exit_status: int | None = None

    @property
    def rates(self) -> list[float]:
        """Updates a second in each throughput round."""
        return [
            count / seconds
            for count, seconds in zip(self.round_counts, self.round_seconds, strict=True)
        ]

    @property
    def rate(self) -> float:
        """Updates a second: the median of the rounds, so that one disturbed round counts little."""
        return statistics.median(self.rates)


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
        if not sent.given_up:
            self.outstanding -= 1
        if sent.answered is not None and not sent.answered.done():
            sent.answered.set_result(None)

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
        answered = asyncio.get_running_loop().create_future()
        if kind == "tap":
            update_id = self.emulator.press_button(user, self._menus[user], HELP)
            sent = Sent(kind, user, update_id, now, answered=answered)
            self._queries[next(reversed(self.emulator.callback_owners))] = sent
        else:
            update_id = self.emulator.send_text(user, TEXTS[kind])
            sent = Sent(kind, user, update_id, now, answered=answered)
            self._waiting.setdefault(user, deque()).append(sent)
        self.sent.append(sent)
        self._last[user] = sent
        self.outstanding += 1
        return sent

    def last(self, user: int) -> Sent | None:
        """The person's latest update."""
        return self._last.get(user)

    def give_up(self, sents: Iterable[Sent]) -> int:
        """Stop waiting for those of `sents` not answered; return how many they are."""
        given_up = 0
        for sent in sents:
            if sent.answered_at is not None or sent.given_up:
                continue
            sent.given_up = True
            self.outstanding -= 1
            given_up += 1
            waiting = self._waiting.get(sent.user_id)
            if waiting is not None and sent in waiting:
                waiting.remove(sent)
        return given_up

    def free_user(self, kind: str, gap: float = 0.0) -> int | None:
        """The next person of `kind` with nothing unanswered or unconfirmed, idle for `gap` s."""
        pool = self.pools[kind]
        now = time.perf_counter()
        for _ in range(len(pool)):
            user = pool[self._next[kind] % len(pool)]
            self._next[kind] += 1
            last = self._last.get(user)
            if last is None or (
                last.answered_at is not None
                and last.pushed_at + gap <= now
                and self.emulator.is_confirmed(last.update_id)
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

    async def wait_confirmed(self, last: Sent, within: float = ANSWER_TIMEOUT_SECONDS) -> bool:
        """Wait until `last` (so every update before it) is confirmed; False after `within` s."""
        try:
            await self.emulator.wait_confirmed(last.update_id, within)
        except TimeoutError:
            return False
        return True


def people(members: int, count: int) -> tuple[dict[str, list[int]], list[tuple[int, str, Role]]]:
    """The pools of people of each kind (a fifth each), and the members to insert."""
    inserted = [
        (MEMBER_IDS_FROM + n, f"Member {n}", Role.ARTISAN if n % 10 < 7 else Role.BUYER)
        for n in range(members)
    ]
    buyers = [user for user, _, role in inserted if role is Role.BUYER]
    sizes = {kind: count // len(KINDS) + (n < count % len(KINDS)) for n, kind in enumerate(KINDS)}
    if min(sizes.values()) < 1:
        raise SystemExit(f"--people must be at least {len(KINDS)}, one of each kind")
    if len(buyers) < sizes["browse"]:
        raise SystemExit(
            f"--members {members} gives {len(buyers)} buyers, fewer than the"
            f" {sizes['browse']} browsing people"
        )
    if sizes["start"] + sizes["production"] + sizes["tap"] > production.ARTISANS:
        raise SystemExit(f"--people asks for more than the {production.ARTISANS} artisans")
    # The artisans of production.build, who have reports to show: start, production, tap.
    artisans = itertools.count(PRODUCTION_ARTISAN_IDS_FROM)
    pools = {
        "help": [VISITOR_IDS_FROM + n for n in range(sizes["help"])],
        "start": [next(artisans) for _ in range(sizes["start"])],
        "production": [next(artisans) for _ in range(sizes["production"])],
        "tap": [next(artisans) for _ in range(sizes["tap"])],
        "browse": buyers[: sizes["browse"]],
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


class CountingEmulator(BotApiEmulator):
    """The emulator, telling the 429s past the overall limit from those past a chat's."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.too_many_overall = 0

    def _count_against_rate_limit(self, chat_id: int | None, now: float) -> None:
        try:
            super()._count_against_rate_limit(chat_id, now)
        except ApiError:
            self.too_many_overall += 1
            raise


def new_emulator(arguments: argparse.Namespace) -> CountingEmulator:
    """An emulator without limits, or with production's round trip and sending limits."""
    if arguments.round_trip > 0:
        return CountingEmulator(
            round_trip=arguments.round_trip,
            rate_limit=TELEGRAM_PER_SECOND,
            chat_limit=CHAT_PER_SECOND,
            chat_burst=CHAT_BURST,
        )
    return CountingEmulator()


async def run_phase(
    name: str,
    runner: Runner,
    pools: dict[str, list[int]],
    arguments: argparse.Namespace,
    photos: list[str],
) -> Phase:
    """Start a bot on a fresh emulator, then measure start-up, throughput and latency."""
    phase = Phase(name)
    emulator = new_emulator(arguments)
    await emulator.start()
    add_users(emulator, pools)
    # The bench's report photos, as if artisans had sent them to Telegram.
    image = png_image()
    for n, photo in enumerate(photos):
        emulator.files[photo] = StoredFile(photo, f"B{n:06d}", image, f"photos/{n}.png")
    driver = Driver(emulator, pools)
    command, environment, folder = runner(emulator)
    log_path = folder / f"{name.replace(' ', '-')}.log"
    # 5. Start-up: the first update waits in the queue before the bot's process is started.
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

        # 1. Throughput.
        if arguments.round_trip > 0:
            await _throughput_of_people(driver, phase, arguments)
        else:
            await _throughput_at_once(driver, phase, arguments)

        # 2. Latency at a steady rate: each person has one update in flight at most.
        gap = PERSON_GAP_SECONDS if arguments.round_trip > 0 else 0.0
        pushed_from = len(driver.sent)
        total = round(arguments.rate * arguments.seconds)
        began = time.perf_counter()
        for n in range(total):
            delay = began + n / arguments.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = KINDS[n % len(KINDS)]
            free = driver.free_user(kind, gap)
            if free is None:
                phase.skipped += 1
                continue
            driver.push(kind, free)
        await driver.wait_done(driver.sent[-1])
        steady = driver.sent[pushed_from:]
        phase.unanswered = driver.give_up(steady)
        for sent in steady:
            if sent.answered_at is not None:
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
    phase.too_many = emulator.too_many_requests
    phase.too_many_overall = emulator.too_many_overall
    phase.too_many_chats = len(emulator.too_many_requests_by_chat)
    _read_log(phase, log_path, arguments.keep_logs)
    return phase


async def _throughput_at_once(driver: Driver, phase: Phase, arguments: argparse.Namespace) -> None:
    """Every update pushed at once, a round of the mix after another, until all are done."""
    pools = driver.pools
    for _ in range(arguments.rounds):
        began = time.perf_counter()
        for n in range(arguments.updates):
            kind = KINDS[n % len(KINDS)]
            pool = pools[kind]
            driver.push(kind, pool[(n // len(KINDS)) % len(pool)])
        if not await driver.wait_done(driver.sent[-1]):
            raise TimeoutError(f"{phase.name} did not answer the throughput run")
        phase.round_counts.append(arguments.updates)
        phase.round_seconds.append(time.perf_counter() - began)


async def _throughput_of_people(
    driver: Driver, phase: Phase, arguments: argparse.Namespace
) -> None:
    """Everyone writes as fast as people do for `--seconds`; count the answers meanwhile."""
    for _ in range(arguments.rounds):
        pushed_from = len(driver.sent)
        began = time.perf_counter()
        until = began + arguments.seconds
        writers = [
            asyncio.create_task(_person(driver, kind, user, until))
            for kind, users in driver.pools.items()
            for user in users
        ]
        finished, late = await asyncio.wait(
            writers, timeout=arguments.seconds + ANSWER_TIMEOUT_SECONDS
        )
        for writer in late:
            writer.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        for writer in finished:
            writer.result()
        written = driver.sent[pushed_from:]
        phase.round_counts.append(
            sum(sent.answered_at is not None and sent.answered_at <= until for sent in written)
        )
        phase.round_seconds.append(arguments.seconds)
        for sent in written:
            if sent.answered_at is not None:
                phase.loaded.setdefault(sent.kind, []).append(sent.answered_at - sent.pushed_at)
        phase.loaded_unanswered += driver.give_up(written)
        # The next round starts with everything confirmed, as the first did.
        if written and not await driver.wait_confirmed(written[-1]):
            raise TimeoutError(f"{phase.name} did not confirm the updates of a round")


async def _person(driver: Driver, kind: str, user: int, until: float) -> None:
    """One person: the next update once the previous is answered and a second has passed."""
    while True:
        last = driver.last(user)
        if last is not None:
            delay = last.pushed_at + PERSON_GAP_SECONDS - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        if time.perf_counter() >= until:
            return
        sent = driver.push(kind, user)
        assert sent.answered is not None
        await sent.answered


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident set size so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tail(log_path: Path, lines: int = 20) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def _read_log(phase: Phase, log_path: Path, keep: Path | None) -> None:
    """Count the warnings and errors in a bot's log, show the first few, keep it if asked."""
    shown = 0
    for line in log_path.read_text(errors="replace").splitlines():
        match = LOG_LEVEL.search(line)
        if match is None:
            continue
        if match.group(1) == "WARNING":
            phase.log_warnings += 1
        else:
            phase.log_errors += 1
        if shown < 5:
            print(f"  {phase.name} log: {line[:300]}", file=sys.stderr)
            shown += 1
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, keep / log_path.name)


def pacing(round_trip: bool) -> dict[str, str]:
    """The bot's pacing settings: production's with a round trip, lifted without."""
    fields = Settings.model_fields
    return {
        variable: f"{fields[name].default if round_trip else LIFTED_RATE:g}"
        for variable, name in PACING_SETTINGS.items()
    }


def kendang(path: Path, folder: Path, settings: dict[str, str]) -> Runner:
    """The whole bot, `python -m bot run`, on the database at `path`."""

    def command(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str], Path]:
        # Run in a folder of its own, so that no .env of the machine's is read either.
        environment = bot_environment(
            emulator,
            path,
            KENDANG_API_FILE_URL=emulator.base_file_url,
            KENDANG_ADMIN_IDS=f"{ADMIN_ANI},{ADMIN_BUDI}",
            **settings,
        )
        return [sys.executable, "-m", "bot", "run"], environment, folder

    return command


def echo_bot(folder: Path, *, concurrent: bool, edit_taps: bool) -> Runner:
    """The bare python-telegram-bot echo bot of tests.bench.echo_bot."""

    def command(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str], Path]:
        environment = dict(os.environ)
        # Run from any folder: the project's root is where `tests` is found.
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), environment.get("PYTHONPATH")])
        )
        module = [sys.executable, "-m", "tests.bench.echo_bot"]
        options = ["--concurrent", "--rate-limiter"] if concurrent else []
        if edit_taps:
            options.append("--edit-on-tap")
        urls = [emulator.base_url, emulator.base_file_url]
        return [*module, TOKEN, *urls, *options], environment, folder

    return command


def _row(label: str, bot: object, echo: object) -> str:
    return f"{label:38}{bot!s:>14}{echo!s:>14}"


def _pair(values: list[float]) -> str:
    """p50 / p99 in milliseconds."""
    p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
    digits = 0 if p99 >= 100 else 1
    return f"{p50:.{digits}f} / {p99:.{digits}f}"


def _latency_rows(bot: dict[str, list[float]], echo: dict[str, list[float]]) -> list[str]:
    rows = [
        _row(
            "  p50 / p99 ms, all",
            _pair([v for values in bot.values() for v in values]),
            _pair([v for values in echo.values() for v in values]),
        )
    ]
    for kind in KINDS:
        label = f"  p50 / p99 ms, {TEXTS.get(kind, 'tap menu:help')}"
        rows.append(_row(label, _pair(bot.get(kind, [])), _pair(echo.get(kind, []))))
    return rows


def _too_many(phase: Phase) -> str:
    return f"{phase.too_many} ({phase.too_many_chats})"


def _count(values: dict[str, list[float]]) -> int:
    return sum(len(v) for v in values.values())


def describe(arguments: argparse.Namespace) -> str:
    """What the run is, in a few lines above the table."""
    if arguments.round_trip > 0:
        return (
            f"round trip {arguments.round_trip * 1000:g} ms; the emulator answers 429 with"
            f" retry_after past {TELEGRAM_PER_SECOND:g} messages/s in all and"
            f" {CHAT_PER_SECOND:g}/s to a chat (burst {CHAT_BURST})\n"
            f"{arguments.people} people, each with one update in flight and"
            f" {PERSON_GAP_SECONDS:g} s apart at least\n"
            f"kendang-bot: {_settings(pacing(round_trip=True))} (its defaults)\n"
            f"echo bot: concurrent_updates(True), AIORateLimiter(max_retries={ECHO_MAX_RETRIES}),"
            f" {_echo_taps(arguments)}"
        )
    return (
        "round trip 0 ms, no sending limits in the emulator: the processing cost alone\n"
        f"kendang-bot: {_settings(pacing(round_trip=False))} (pacing lifted)\n"
        f"echo bot: one update at a time (PTB's default), {_echo_taps(arguments)}"
    )


def _settings(settings: dict[str, str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in settings.items())


def _echo_taps(arguments: argparse.Namespace) -> str:
    if arguments.echo_taps == "edit":
        return "a tap answered and its message edited"
    return "a tap answered only"


def report(bot: Phase, echo: Phase, arguments: argparse.Namespace) -> bool:
    """Print the table; True if the bot reaches the target ratio to the echo bot."""
    round_trip = arguments.round_trip > 0
    target = TARGET_RATIO_ROUND_TRIP if round_trip else TARGET_RATIO
    ratio = bot.rate / echo.rate
    rows = ["", describe(arguments), _row("", "kendang-bot", "echo bot")]
    if round_trip:
        rows += [
            _row(
                f"people writing for {arguments.seconds:g} s (rounds)",
                len(bot.rates),
                len(echo.rates),
            ),
            _row("  updates / s in each round", _rounds(bot), _rounds(echo)),
            _row("  updates / s, median of rounds", f"{bot.rate:.1f}", f"{echo.rate:.1f}"),
            _row("  answered", f"{_count(bot.loaded):,}", f"{_count(echo.loaded):,}"),
            _row("  unanswered", bot.loaded_unanswered, echo.loaded_unanswered),
            *_latency_rows(bot.loaded, echo.loaded),
        ]
    else:
        rows += [
            _row(
                "updates pushed at once, per round",
                f"{arguments.updates:,}",
                f"{arguments.updates:,}",
            ),
            _row("  updates / s in each round", _rounds(bot), _rounds(echo)),
            _row("  updates / s, median of rounds", f"{bot.rate:.1f}", f"{echo.rate:.1f}"),
        ]
    steady = f"{arguments.rate:g} x {arguments.seconds:g}"
    rows += [
        _row("steady load (updates / s x s)", steady, steady),
        _row("  answered", f"{_count(bot.latencies):,}", f"{_count(echo.latencies):,}"),
        _row(
            "  unanswered / skipped (busy)",
            f"{bot.unanswered} / {bot.skipped}",
            f"{echo.unanswered} / {echo.skipped}",
        ),
        *_latency_rows(bot.latencies, echo.latencies),
        _row("429 answers, in all (chats)", _too_many(bot), _too_many(echo)),
    ]
    if round_trip:
        rows.append(
            _row(
                f"  past the {TELEGRAM_PER_SECOND:g} / s in all",
                bot.too_many_overall,
                echo.too_many_overall,
            )
        )
    rows += [
        _row(
            "log warnings / errors",
            f"{bot.log_warnings} / {bot.log_errors}",
            f"{echo.log_warnings} / {echo.log_errors}",
        ),
        _row("Bot API violations", bot.violations, echo.violations),
        _row(
            "start-up to first answer (s)",
            f"{bot.startup_seconds:.2f}",
            f"{echo.startup_seconds:.2f}",
        ),
        _row("exit status after SIGTERM", bot.exit_status, echo.exit_status),
        _row("peak RSS of the bot process (MiB)", f"{bot.rss_mb:.0f}", f"{echo.rss_mb:.0f}"),
    ]
    print("\n".join(rows))
    met = ratio >= target
    print(
        f"ratio bot / echo bot {ratio:.2f} (target >= {target:.2f}): {'met' if met else 'NOT met'}"
    )
    return met


def _rounds(phase: Phase) -> str:
    return " ".join(f"{rate:.0f}" for rate in phase.rates)


async def _migrate(path: Path) -> None:
    storage = await Storage.open(path)
    await storage.close()


async def run(arguments: argparse.Namespace) -> bool:
    """Build the database, load both bots and print the results."""
    pools, inserted = people(arguments.members, arguments.people)
    round_trip = arguments.round_trip > 0
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
        bot = await run_phase(
            "kendang-bot", kendang(path, Path(folder), pacing(round_trip)), pools, arguments, photos
        )
        print(f"kendang-bot done: {bot.rate:.1f} updates/s", flush=True)
        echo = await run_phase(
            "echo bot",
            echo_bot(Path(folder), concurrent=round_trip, edit_taps=arguments.echo_taps == "edit"),
            pools,
            arguments,
            [],
        )
        print(f"echo bot done: {echo.rate:.1f} updates/s", flush=True)
    return report(bot, echo, arguments)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the load and print the results."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--round-trip", type=float, default=0.0, help="seconds of round trip to the Bot API"
    )
    parser.add_argument(
        "--people",
        type=int,
        help=f"people writing, a fifth of each kind ({PEOPLE}; {PEOPLE_ROUND_TRIP} with a round trip)",  # noqa: E501
    )
    parser.add_argument("--members", type=int, default=100_000, help="members to insert")
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to build")
    parser.add_argument(
        "--updates", type=int, default=2_000, help="updates pushed at once (no round trip)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per bot")
    parser.add_argument(
        "--rate",
        type=float,
        help=f"steady updates a second ({RATE:g}; {RATE_ROUND_TRIP:g} with a round trip)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="seconds of steady load, and of each throughput round with a round trip",
    )
    parser.add_argument(
        "--echo-taps",
        choices=("answer", "edit"),
        help="the echo bot answers a tap, or answers it and edits its message as the bot does"
        " (answer; edit with a round trip)",
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep-logs", type=Path, help="copy the bots' logs into this folder")
    arguments = parser.parse_args(argv)
    if arguments.round_trip < 0:
        parser.error("--round-trip cannot be negative")
    round_trip = arguments.round_trip > 0
    if arguments.people is None:
        arguments.people = PEOPLE_ROUND_TRIP if round_trip else PEOPLE
    if arguments.rate is None:
        arguments.rate = RATE_ROUND_TRIP if round_trip else RATE
    if arguments.echo_taps is None:
        arguments.echo_taps = "edit" if round_trip else "answer"
    return 0 if asyncio.run(run(arguments)) else 1


if __name__ == "__main__":
    sys.exit(main())
