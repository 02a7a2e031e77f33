"""A scripted day of the cooperative, played against the bot process with kill -9 at random moments.

The day: artisans report drums, the admin decides on each report (all, part, rejected),
buyers order and the admin confirms (one with a backorder, filled by a later report), the
admin pays an artisan and announces a meeting to every member. `play_day` plays it once;
given kills, it kill -9s the bot at the planned moments and restarts it at once. `problems`
compares what a day with kills left with what the day without them left: the business state
without timestamps, the messages people received, the announcement's copies.

Run many rounds: `.venv/bin/python -m tests.crash_day --rounds 30 --seed 1` (`--keep DIR`
keeps each round's database and bot log).
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
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator import BotApiEmulator, Person
from bot.emulator.world import ChatMessage
from storage import Storage
from storage.models import ArtisanApplication, BuyerApplication, MemberStatus
from tests.conftest import ADMIN_ANI
from tests.test_durability import BotProcess
from tests.test_ordering import send_data as order_send_data
from tests.test_reporting import choose_model, send_data, tap_data

MEDIUM = "DJ-M-MAH-GOAT-PAINT"
SMALL = "DJ-S-MAH-GOAT-PLAIN"
ARTISANS = {1101: "Sri Wahyuni", 1102: "Joko Santoso", 1103: "Siti Aminah"}
BUYERS = {2101: "Li Wei", 2102: "Tanaka Ken"}
# Members who only receive the announcement: enough that sending it takes a second or two.
LISTENERS = range(3101, 3131)
ANNOUNCEMENT = "Rapat koperasi hari Senin jam 9"
BROADCAST_RATE = "20"
# A person waits this long for an answer: a kill and a restart come in between.
ANSWER_SECONDS = 90.0
# A Bot API call held to make a kill land while it is in flight is never answered in time.
HOLD_SECONDS = 120.0
HOLDABLE = ("sendMessage", "editMessageText", "answerCallbackQuery")
# The admin's progress message of the announcement, and its last line once all is sent.
PROGRESS_PREFIX = "📣 Pengumuman B-000001"
PROGRESS_DONE = "✅ Selesai."
# The day ends with the announcement: composed and sent off, then going out to everyone.
ANNOUNCING_STEPS = 2


@dataclass(frozen=True)
class Kill:
    """A kill -9 during a step: `after` seconds in, or while the first `held` call then is."""

    step: int
    after: float
    held: str | None = None

    def describe(self, steps: list[Step]) -> str:
        """Say when the kill lands, for the log of a run."""
        moment = f"{self.after:.2f} s into"
        if self.held is not None:
            moment = f"with {self.held} in flight from {self.after:.2f} s into"
        return f"{moment} {steps[self.step].name!r}"


@dataclass
class Day:
    """The people of the day, talking to the bot process through the emulator."""

    emulator: BotApiEmulator
    process: BotProcess
    people: dict[int, Person] = field(default_factory=dict)

    def person(self, user_id: int) -> Person:
        """The person with this Telegram id (made on first use)."""
        if user_id not in self.people:
            language = "en" if user_id in BUYERS or user_id in LISTENERS else "id"
            name = {**ARTISANS, **BUYERS}.get(user_id, "Ani").split()[0]
            person = Person(self.emulator, user_id, name, language_code=language)
            person.timeout = ANSWER_SECONDS
            self.people[user_id] = person
        return self.people[user_id]

    @property
    def ani(self) -> Person:
        """The cooperative's admin."""
        return self.person(ADMIN_ANI)

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        """Read the database file directly."""
        with contextlib.closing(sqlite3.connect(self.process.db_path)) as connection:
            return list(connection.execute(sql, args))

    def model_id(self, code: str) -> int:
        """The id of a catalogue model."""
        return int(self.query("SELECT id FROM drum_models WHERE code = ?", code)[0][0])


@dataclass(frozen=True)
class Step:
    """One thing someone does during the day."""

    name: str
    act: Callable[[Day], Awaitable[None]]


# -- the day -------------------------------------------------------------------------------


def report(user_id: int, code: str, quantity: int, reference: str) -> Step:
    """An artisan reports finished drums, without a photo."""

    async def act(day: Day) -> None:
        artisan = day.person(user_id)
        await artisan.send("/report")
        await choose_model(artisan, day.process.db_path, code)
        await artisan.send(str(quantity))
        await tap_data(artisan, "rep:nophoto")
        await tap_data(artisan, send_data(artisan))
        assert reference in artisan.last_text, artisan.last_text

    return Step(f"{ARTISANS[user_id]} reports {quantity} x {code}", act)


async def open_report_card(day: Day, report_id: int) -> ChatMessage:
    """Open a report from the admin's review queue; return its card."""
    await day.ani.send("/review")
    replies = await day.ani.tap(f"R-{report_id:06d}")
    return replies[-1]


def accept_all(report_id: int) -> Step:
    """The admin accepts every drum of a report."""

    async def act(day: Day) -> None:
        card = await open_report_card(day, report_id)
        await day.ani.press(f"qc:all:{report_id}", card)

    return Step(f"accept all of R-{report_id:06d}", act)


def accept_part(report_id: int, accepted: int) -> Step:
    """The admin accepts part of a report, giving a quick reason for the rest."""

    async def act(day: Day) -> None:
        card = await open_report_card(day, report_id)
        await day.ani.press(f"qc:part:{report_id}", card)
        await day.ani.send(str(accepted))
        await tap_data(day.ani, f"qc:why:{report_id}:cracked_wood")

    return Step(f"accept {accepted} of R-{report_id:06d}", act)


def reject(report_id: int, reason: str) -> Step:
    """The admin rejects a report with a typed reason."""

    async def act(day: Day) -> None:
        card = await open_report_card(day, report_id)
        await day.ani.press(f"qc:rej:{report_id}", card)
        await tap_data(day.ani, f"qc:why:{report_id}:other")
        await day.ani.send(reason)

    return Step(f"reject R-{report_id:06d}", act)


def order(user_id: int, code: str, quantity: int, reference: str) -> Step:
    """A buyer orders drums of a model, skipping the note."""

    async def act(day: Day) -> None:
        buyer = day.person(user_id)
        await buyer.send("/start")
        await buyer.press(f"ord:new:{day.model_id(code)}", buyer.last)
        await buyer.send(str(quantity))
        await tap_data(buyer, "ord:skip")
        await buyer.press(order_send_data(buyer), buyer.last)
        assert reference in buyer.last_text, buyer.last_text

    return Step(f"{BUYERS[user_id]} orders {quantity} x {code}", act)


def decide_order(order_id: int, prefix: str) -> Step:
    """The admin taps a decision (ordadm:ok: confirm, ordadm:bo: backorder) on an order card."""

    async def act(day: Day) -> None:
        reference = f"O-{order_id:06d}"
        cards = [m for m in day.ani.inbox if reference in m.plain and m.buttons]
        await day.ani.press(f"{prefix}{order_id}", cards[-1])

    return Step(f"{prefix}{order_id}", act)


def pay(name: str, amount: str) -> Step:
    """The admin records a payment to an artisan, paid today, with a note."""

    async def act(day: Day) -> None:
        ani = day.ani
        await ani.send("/pay")
        await ani.tap(name)
        await ani.send(amount)
        await ani.tap("Hari ini")
        await ani.send("tunai")
        await ani.tap("Catat pembayaran")
        assert "Pembayaran dicatat" in ani.last_text, ani.last_text

    return Step(f"pay {name} {amount}", act)


async def _admin_starts(day: Day) -> None:
    await day.ani.send("/start")


async def _announce(day: Day) -> None:
    ani = day.ani
    await ani.send("/broadcast")
    await ani.tap("Semua anggota")
    await ani.send(ANNOUNCEMENT)
    summary = (await ani.tap("Tidak, satu versi untuk semua"))[-1]
    await ani.tap("Kirim sekarang", summary)


async def _announced(day: Day) -> None:
    # Sending goes on in the background; kills meanwhile must not lose or repeat anyone.
    deadline = time.monotonic() + ANSWER_SECONDS
    while day.query("SELECT status FROM broadcasts") != [("done",)]:
        assert time.monotonic() < deadline, "the announcement was not sent in time"
        await asyncio.sleep(0.05)


def the_day() -> list[Step]:
    """The day's steps, in order; the references are those the bot gives when run alone."""
    sri, joko, siti = ARTISANS
    li, tanaka = BUYERS
    return [
        Step("the admin opens the bot", _admin_starts),
        report(sri, MEDIUM, 10, "R-000001"),
        report(joko, SMALL, 6, "R-000002"),
        report(siti, MEDIUM, 4, "R-000003"),
        report(sri, SMALL, 3, "R-000004"),
        accept_all(1),
        accept_part(2, 4),
        reject(3, "kulit sobek & lem lepas"),
        accept_all(4),
        order(li, MEDIUM, 8, "O-000001"),
        decide_order(1, "ordadm:ok:"),
        order(tanaka, SMALL, 10, "O-000002"),
        decide_order(2, "ordadm:bo:"),
        report(joko, SMALL, 5, "R-000005"),
        accept_all(5),  # fills the backorder
        pay("Sri Wahyuni", "1.000.000"),
        Step("announce to everyone", _announce),
        Step("announcement sent", _announced),
    ]


async def add_members(db_path: Path) -> None:
    """Register the day's artisans, buyers and listeners, active, before the bot first starts."""
    storage = await Storage.open(db_path)
    try:
        for user_id, name in ARTISANS.items():
            await storage.people.seen(user_id, name.split()[0], None, "id")
            artisan = ArtisanApplication(name=name, village="Jiwut", workshop=f"Bengkel {name}")
            member = await storage.members.register_artisan(user_id, artisan)
            await storage.members.change_status(
                member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
            )
        # Listeners are buyers so that the admin's list of artisans to pay stays one page.
        buyers = {**BUYERS, **{user_id: f"Pembeli {user_id}" for user_id in LISTENERS}}
        for user_id, name in buyers.items():
            await storage.people.seen(user_id, name.split()[0], None, "en")
            buyer = BuyerApplication(name=name, company="Trading", country="China")
            await storage.members.register_buyer(user_id, buyer, needs_approval=False)
    finally:
        await storage.close()


# -- what a day leaves ---------------------------------------------------------------------

SNAPSHOT_QUERIES = {
    "reports": "SELECT r.id, m.telegram_id, d.code, r.quantity, r.status, r.accepted_quantity,"
    " r.reject_reason, r.rate, r.decided_by FROM reports r JOIN members m ON m.id = r.artisan_id"
    " JOIN drum_models d ON d.id = r.model_id ORDER BY r.id",
    "stock balances": "SELECT d.code, b.on_hand, b.reserved FROM stock_balances b"
    " JOIN drum_models d ON d.id = b.model_id ORDER BY d.code",
    "stock movements": "SELECT s.id, d.code, s.kind, s.on_hand_delta, s.reserved_delta,"
    " s.report_id, s.order_id, s.reason FROM stock_movements s"
    " JOIN drum_models d ON d.id = s.model_id ORDER BY s.id",
    "earnings entries": "SELECT e.id, m.telegram_id, e.kind, e.amount, e.report_id, e.note,"
    " e.created_by, e.reverses FROM earnings_entries e JOIN members m ON m.id = e.artisan_id"
    " ORDER BY e.id",
    "artisan balances": "SELECT m.telegram_id, b.earned, b.paid FROM artisan_balances b"
    " JOIN members m ON m.id = b.artisan_id ORDER BY m.telegram_id",
    "orders": "SELECT o.id, m.telegram_id, d.code, o.quantity, o.unit_price, o.status,"
    " o.confirmed, o.reserved, o.shipped, o.decided_by FROM orders o"
    " JOIN members m ON m.id = o.buyer_id JOIN drum_models d ON d.id = o.model_id ORDER BY o.id",
    "broadcasts": "SELECT id, audience, locale, text, other_text, status, created_by"
    " FROM broadcasts ORDER BY id",
    "deliveries": "SELECT broadcast_id, telegram_id, status FROM deliveries"
    " ORDER BY broadcast_id, telegram_id",
    "members": "SELECT telegram_id, role, status FROM members ORDER BY telegram_id",
    "conversation states": "SELECT name, key, state FROM conversation_states ORDER BY name, key",
}

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(db_path: Path) -> Snapshot:
    """The business state in the database file, without timestamps."""
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        return {name: list(connection.execute(sql)) for name, sql in SNAPSHOT_QUERIES.items()}


def differences(expected: Snapshot, actual: Snapshot) -> list[str]:
    """Say which tables differ and how; empty when the snapshots are equal."""
    found = []
    for name, rows in expected.items():
        if actual[name] != rows:
            found.append(f"{name}:\n  expected {rows}\n  actual   {actual[name]}")
    return found


def texts_seen(emulator: BotApiEmulator, user_ids: list[int]) -> dict[int, Counter[str]]:
    """The bot's messages in each chat as they stand at the end, counted by text."""
    return {
        user_id: Counter(message.plain for message in emulator.messages(user_id))
        for user_id in user_ids
    }


@dataclass
class DayRun:
    """What one play of the day left."""

    state: Snapshot
    texts: dict[int, Counter[str]]
    copies: dict[int, int]
    progress_finished: bool
    step_seconds: list[float]
    kills: list[str]
    integrity: str
    violations: list[str]
    unconfirmed: int
    log: str


def recipients() -> list[int]:
    """Everyone the announcement is for."""
    return [*ARTISANS, *BUYERS, *LISTENERS]


# -- playing it ----------------------------------------------------------------------------


class Killer:
    """kill -9 the bot during a step as planned, and restart it at once."""

    def __init__(self, day: Day) -> None:
        self.day = day
        self.done: list[Kill] = []
        self._started_at = 0

    async def during(self, kill: Kill | None, act: Awaitable[None]) -> None:
        """Run a step's action while the kill planned for it, if any, strikes."""
        if kill is None:
            await act
            return
        # The strike watches this flag rather than being cancelled: asyncio.wait_for in
        # Python 3.11 can swallow a cancellation.
        step_over = asyncio.Event()
        strike = asyncio.create_task(self._strike(kill, step_over))
        try:
            await act
        finally:
            step_over.set()
            await strike

    def polling(self) -> bool:
        """Whether the bot asked for updates since it was last started."""
        requests = self.day.emulator.requests[self._started_at :]
        return any(request.method == "getUpdates" for request in requests)

    async def _strike(self, kill: Kill, step_over: asyncio.Event) -> None:
        emulator = self.day.emulator
        deadline = time.monotonic() + kill.after
        while time.monotonic() < deadline:
            if step_over.is_set():
                return
            await asyncio.sleep(0.005)
        if kill.held is not None:
            # Injected and counted with no await between, so the first such call from here on
            # is the held one.
            emulator.inject(kill.held, "delay", delay=HOLD_SECONDS, count=1)
            mark = len(emulator.requests)
            while not self._held_since(mark, kill):
                if step_over.is_set():
                    emulator.clear_faults()  # the step made no such call
                    return
                await asyncio.sleep(0.005)
        await self._kill_and_restart(kill)

    def _held_since(self, mark: int, kill: Kill) -> bool:
        return any(request.method == kill.held for request in self.day.emulator.requests[mark:])

    async def _kill_and_restart(self, kill: Kill) -> None:
        await self.day.process.kill()
        self.day.emulator.clear_faults()
        self.done.append(kill)
        self._started_at = len(self.day.emulator.requests)
        await self.day.process.start()


async def play_day(
    emulator: BotApiEmulator, folder: Path, kills: list[Kill] | None = None
) -> DayRun:
    """Play the day against a fresh bot process; kill -9 it as planned; return what it left."""
    process = BotProcess(emulator, folder, {"KENDANG_BROADCAST_RATE": BROADCAST_RATE})
    await add_members(process.db_path)
    day = Day(emulator, process)
    planned = {kill.step: kill for kill in kills or []}
    for user_id in recipients():
        day.person(user_id)  # the emulator knows them, so the announcement can reach them
    killer = Killer(day)
    steps = the_day()
    seconds = []
    await process.start()
    try:
        for number, step in enumerate(steps):
            started = time.monotonic()
            try:
                await killer.during(planned.get(number), step.act(day))
            except (AssertionError, TimeoutError) as error:
                kills_done = "; ".join(kill.describe(steps) for kill in killer.done)
                message = f"step {step.name!r}: {error!r}; kills: {kills_done}"
                raise AssertionError(message) from error
            seconds.append(time.monotonic() - started)
        await emulator.wait_until(lambda: emulator.pending_updates() == 0, ANSWER_SECONDS)
        # A bot restarted a moment ago could die of SIGTERM before it handles it.
        await emulator.wait_until(lambda: killer.polling(), ANSWER_SECONDS)
        # A bot killed while showing the announcement's end shows it again when it restarts.
        with contextlib.suppress(TimeoutError):
            await emulator.wait_until(lambda: progress_finished(emulator), ANSWER_SECONDS)
        status = await process.terminate()
        assert status == 0, f"the bot did not stop cleanly: exit status {status}"
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()
    chats = [ADMIN_ANI, *ARTISANS, *BUYERS]
    return DayRun(
        state=snapshot(process.db_path),
        texts=texts_seen(emulator, chats),
        copies={user_id: announcement_copies(emulator, user_id) for user_id in recipients()},
        progress_finished=progress_finished(emulator),
        step_seconds=seconds,
        kills=[kill.describe(steps) for kill in killer.done],
        integrity=str(process.query("PRAGMA integrity_check")[0][0]),
        violations=list(emulator.violations),
        unconfirmed=emulator.pending_updates(),
        log=process.log_path.read_text(errors="replace"),
    )


def announcement_copies(emulator: BotApiEmulator, user_id: int) -> int:
    """How many copies of the announcement a person received."""
    return sum(ANNOUNCEMENT in message.plain for message in emulator.messages(user_id))


def plan_kills(rng: random.Random, step_seconds: list[float], count: int) -> list[Kill]:
    """Pick `count` steps, the last while the announcement goes out, and a moment in each.

    The moment is a random time into the step, or the first call of a random Bot API method
    made from then on, held in flight.
    """
    before_announcing = len(step_seconds) - ANNOUNCING_STEPS
    steps = [
        *sorted(rng.sample(range(before_announcing), count - 1)),
        rng.randrange(before_announcing, len(step_seconds)),
    ]
    kills = []
    for step in steps:
        after = rng.uniform(0.0, step_seconds[step])
        held = rng.choice((None, *HOLDABLE))
        kills.append(Kill(step, round(after, 3), held))
    return kills


# -- comparing ---------------------------------------------------------------------------


def problems(reference: DayRun, crashed: DayRun) -> list[str]:
    """Everything in which a day with kills differs from the day without them."""
    found = differences(reference.state, crashed.state)
    if crashed.integrity != "ok":
        found.append(f"integrity_check: {crashed.integrity}")
    if crashed.violations:
        found.append(f"Bot API violations: {crashed.violations}")
    if crashed.unconfirmed:
        found.append(f"{crashed.unconfirmed} updates never confirmed")
    if "Traceback" in crashed.log:
        found.append("an error with a traceback in the bot's log")
    found.extend(lost_messages(reference, crashed))
    found.extend(announcement_problems(crashed))
    if not crashed.progress_finished:
        found.append("the admin's progress message of the announcement was left unfinished")
    return found


def lost_messages(reference: DayRun, crashed: DayRun) -> list[str]:
    """Messages someone received in the day without kills but not in the day with them."""
    found: list[str] = []
    for user_id, texts in reference.texts.items():
        missing = {text for text in texts if not is_progress(text)} - set(crashed.texts[user_id])
        found.extend(f"{user_id} never received: {text!r}" for text in sorted(missing))
    return found


def is_progress(text: str) -> bool:
    """Whether a message is the admin's progress of the announcement.

    Its text tells how far sending had got when it was last edited, so it depends on timing;
    `progress_finished` checks instead that it ends up showing the announcement done.
    """
    return text.startswith(PROGRESS_PREFIX)


def progress_finished(emulator: BotApiEmulator) -> bool:
    """Whether the admin's progress message of the announcement says it is finished."""
    progress = [m.plain for m in emulator.messages(ADMIN_ANI) if is_progress(m.plain)]
    return bool(progress) and progress[-1].endswith(PROGRESS_DONE)


def announcement_problems(crashed: DayRun) -> list[str]:
    """Everyone got the announcement; only a copy in flight at a kill may have gone twice."""
    found = [
        f"{user_id} never got the announcement" for user_id, n in crashed.copies.items() if n < 1
    ]
    repeats = sum(n - 1 for n in crashed.copies.values() if n > 1)
    if repeats > len(crashed.kills):
        found.append(f"{repeats} repeated copies of the announcement, {len(crashed.kills)} kills")
    return found


# -- the script ----------------------------------------------------------------------------


async def reference_run(folder: Path) -> DayRun:
    """Play the day without kills on a fresh emulator."""
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        return await play_day(emulator, folder)
    finally:
        await emulator.stop()


async def crash_round(reference: DayRun, folder: Path, rng: random.Random, kills: int) -> DayRun:
    """Play the day with kills planned from `rng`; return it."""
    emulator = BotApiEmulator()
    await emulator.start()
    try:
        return await play_day(emulator, folder, plan_kills(rng, reference.step_seconds, kills))
    finally:
        await emulator.stop()


async def main(rounds: int, seed: int, kills: int, keep: Path | None = None) -> int:
    """Play the reference day, then `rounds` days with kills; print each; 1 if any differed."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(tempfile.mkdtemp(dir=keep)) if keep else Path(scratch)
        (root / "reference").mkdir()
        started = time.monotonic()
        reference = await reference_run(root / "reference")
        if keep:
            print(f"databases and logs in {root}")
        took = time.monotonic() - started
        print(f"reference day: {len(reference.step_seconds)} steps in {took:.1f} s")
        failed = 0
        for number in range(rounds):
            rng = random.Random(seed * 1_000_003 + number)
            folder = root / f"round-{number}"
            folder.mkdir()
            started = time.monotonic()
            try:
                crashed = await crash_round(reference, folder, rng, kills)
                found = problems(reference, crashed)
                repeats = sum(n - 1 for n in crashed.copies.values())
                outcome = "ok" if not found else "DIFFERS"
                kills_said = "; ".join(crashed.kills)
            except AssertionError as error:
                found, repeats, outcome, kills_said = [str(error)], 0, "FAILED", "?"
            failed += bool(found)
            print(
                f"round {number}: {outcome} in {time.monotonic() - started:.1f} s,"
                f" {repeats} repeated announcement copies; kills: {kills_said}"
            )
            for problem in found:
                print(f"    {problem}")
        print(f"{rounds - failed} of {rounds} rounds matched the day without kills")
        return 1 if failed else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=3, help="kills per round")
    parser.add_argument("--keep", type=Path, help="keep each round's database and log here")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    sys.exit(asyncio.run(main(arguments.rounds, arguments.seed, arguments.kills, arguments.keep)))
