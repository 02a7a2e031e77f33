"""A scripted day of the cooperative, played against the bot process with kill -9 at random moments.

The day: artisans report drums, the admin decides on each report (all, part, rejected),
buyers order and the admin confirms (one with a backorder, filled by a later report), the
admin pays an artisan and announces a meeting to every member. It is played in phases, and in
each phase several people act at once, each person's steps in order: their updates are in
flight together, as the bot serves people side by side. Whatever the interleaving, the day
ends the same: steps whose outcome would depend on it (which report gets which reference, what
stock a buyer sees) wait for another person's step explicitly (a milestone).

`play_day` plays it once; given kills, it kill -9s the bot at the planned moments and
restarts it at once. `problems` compares what a day with kills left with what the day without
them left: the business state without timestamps, the messages each person received (counted
by text: between people their order varies), the announcement's copies.

Run many rounds: `.venv/bin/python -m tests.crash_day --rounds 30 --seed 1` (`--keep DIR`
keeps each round's database and bot log; `--paced` plays it with Telegram's per-chat limit in
the emulator and in the bot, notices then queueing up in the outbox for seconds).
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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator import BotApiEmulator, Person
from bot.emulator.server import text_content
from bot.emulator.world import ChatMessage
from storage import Storage
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from tests.conftest import ADMIN_ANI
from tests.test_durability import BotProcess

MEDIUM = "DJ-M-MAH-GOAT-PAINT"
SMALL = "DJ-S-MAH-GOAT-PLAIN"
ARTISANS = {1101: "Sri Wahyuni", 1102: "Joko Santoso", 1103: "Siti Aminah"}
BUYERS = {2101: "Li Wei", 2102: "Tanaka Ken"}
SRI, JOKO, SITI = ARTISANS
LI, TANAKA = BUYERS
# Members who only receive the announcement: enough that sending it takes a second or two.
LISTENERS = range(3101, 3131)
ANNOUNCEMENT = "Rapat koperasi hari Senin jam 9"
BROADCAST_RATE = "20"
# Every request to the emulator and every answer takes half of this: updates of different
# people really overlap while the bot waits on Telegram.
ROUND_TRIP = 0.02
# Messages a second to one chat, after a burst, when the day is played with Telegram's limits.
PACED_CHAT_LIMIT = 1.0
# A person waits this long for an answer: a kill and a restart come in between.
ANSWER_SECONDS = 90.0
# How often a person waiting for an answer looks whether their update is saved.
SAVED_CHECK_SECONDS = 0.01
# A Bot API call held to make a kill land while it is in flight is never answered in time.
HOLD_SECONDS = 120.0
HOLDABLE = ("sendMessage", "editMessageText", "answerCallbackQuery")
# The admin menu's button to the order requests waiting for a decision.
ORDER_REQUESTS = "ordadm:list"
# The admin's progress message of the announcement, and its last line once all is sent.
PROGRESS_PREFIX = "📣 Pengumuman B-000001"
PROGRESS_DONE = "✅ Selesai."
# The day ends with the announcement: composed and sent off, then going out to everyone.
ANNOUNCING_PHASES = 1


@dataclass(frozen=True)
class Kill:
    """A kill -9 during a phase: `after` seconds in, or while the first `held` call then is."""

    phase: int
    after: float
    held: str | None = None

    def describe(self, phases: Sequence[Phase]) -> str:
        """Say when the kill lands, for the log of a run."""
        moment = f"{self.after:.2f} s into"
        if self.held is not None:
            moment = f"with {self.held} in flight from {self.after:.2f} s into"
        return f"{moment} {phases[self.phase].name!r}"


@dataclass
class Day:
    """The people of the day, talking to the bot process through the emulator.

    A person acts once the bot has answered them: when their update is saved (its id stored
    with its effects), as the bot then goes on to their next update. Its confirmation to
    Telegram comes later, once its notices to others are out (paced per chat), and the day
    waits for every confirmation only at its end.
    """

    emulator: BotApiEmulator
    process: BotProcess
    people: dict[int, Person] = field(default_factory=dict)
    # Milestones some steps wait for: another person's step done, by name.
    milestones: dict[str, asyncio.Event] = field(default_factory=dict)
    # How many people wait for an answer now, and at most: how many the bot serves at once.
    waiting: int = 0
    most_waiting: int = 0
    _reader: sqlite3.Connection | None = None

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

    # -- acting ------------------------------------------------------------------------------

    async def send(self, user_id: int, text: str) -> list[ChatMessage]:
        """A person writes to the bot; return the bot's answers in their chat."""
        return await self._act(
            user_id, lambda: self.emulator.user_message(user_id, text_content(text))
        )

    async def press(self, user_id: int, data: str, message: ChatMessage) -> list[ChatMessage]:
        """A person taps a button carrying `data` on `message`; return the bot's answers."""
        return await self._act(
            user_id, lambda: self.emulator.press_button(user_id, message.message_id, data)
        )

    async def tap(self, user_id: int, replies: list[ChatMessage], label: str) -> list[ChatMessage]:
        """Tap the button labelled `label` on the newest reply with one, else on the keyboard."""
        for message in reversed(replies):
            data = message.button_data(label)
            if data is not None:
                return await self.press(user_id, data, message)
        chat = self.emulator.private_chat(user_id)
        for row in chat.reply_keyboard or ():
            for button in row:
                if label in str(button["text"]):
                    return await self.send(user_id, str(button["text"]))
        raise AssertionError(f"no button {label!r} among {[m.labels for m in replies]}")

    async def _act(self, user_id: int, push: Callable[[], int]) -> list[ChatMessage]:
        self.person(user_id)  # the emulator knows them
        mark = self.emulator.next_activity()
        started = time.monotonic()
        update_id = push()
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        try:
            while not (self.emulator.is_confirmed(update_id) or self.saved(update_id)):
                waited = time.monotonic() - started
                if waited > ANSWER_SECONDS:
                    raise AssertionError(f"update {update_id} not answered within {waited:.1f} s")
                await asyncio.sleep(SAVED_CHECK_SECONDS)
        finally:
            self.waiting -= 1
        answers = [m for m in self.emulator.messages(user_id) if m.activity > mark]
        return sorted(answers, key=lambda message: message.activity)

    async def settled(self) -> None:
        """Wait until the bot has confirmed every update: their notices are out too."""
        emulator = self.emulator
        try:
            await emulator.wait_until(lambda: emulator.pending_updates() == 0, ANSWER_SECONDS)
        except TimeoutError:
            raise AssertionError(f"{emulator.pending_updates()} updates not confirmed") from None

    def saved(self, update_id: int) -> bool:
        """Whether the bot stored the update as processed, with its effects."""
        if self._reader is None:
            uri = f"file:{self.process.db_path}?mode=ro"
            self._reader = sqlite3.connect(uri, uri=True, isolation_level=None)
        found = self._reader.execute(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        ).fetchone()
        return found is not None

    def close(self) -> None:
        """Close the day's reading connection to the database."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- milestones ----------------------------------------------------------------------------

    def reach(self, milestone: str) -> None:
        """Say that a milestone of the day is reached."""
        self.milestones.setdefault(milestone, asyncio.Event()).set()

    async def reached(self, milestone: str) -> None:
        """Wait until a milestone of the day is reached."""
        event = self.milestones.setdefault(milestone, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), 2 * ANSWER_SECONDS)
        except TimeoutError:
            raise AssertionError(f"never reached: {milestone}") from None

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
    who: int
    act: Callable[[Day], Awaitable[None]]


@dataclass(frozen=True)
class Phase:
    """A part of the day: each lane is one person's steps, and the lanes are played at once."""

    name: str
    lanes: tuple[tuple[Step, ...], ...]

    def __post_init__(self) -> None:
        people = [{step.who for step in lane} for lane in self.lanes]
        assert all(len(who) == 1 for who in people), f"{self.name}: a lane is one person's"
        assert len(set.union(*people)) == len(people), f"{self.name}: one lane per person"


def phase(name: str, *lanes: Step | Sequence[Step]) -> Phase:
    """A phase of the day from its people's steps (one step, or a person's steps in order)."""
    return Phase(name, tuple((lane,) if isinstance(lane, Step) else tuple(lane) for lane in lanes))


# -- finding buttons among the answers -----------------------------------------------------


def data_of(message: ChatMessage) -> list[str]:
    """Every callback data on a message's buttons."""
    return [data for row in message.buttons for _, data in row if data]


def carrying(replies: list[ChatMessage], wanted: Callable[[str], bool] | str) -> ChatMessage:
    """The newest of the messages with a button whose data is `wanted` (or passes it).

    Notices caused by other people's steps arrive meanwhile, so a person acts on the message
    that answered them, never simply on their chat's latest.
    """
    test = wanted if callable(wanted) else wanted.__eq__
    for message in reversed(replies):
        if any(test(data) for data in data_of(message)):
            return message
    raise AssertionError(f"no button {wanted!r} among {[m.labels for m in replies]}")


def data_on(message: ChatMessage, prefix: str) -> str:
    """The data of the button on `message` whose data starts with `prefix`."""
    return next(data for data in data_of(message) if data.startswith(prefix))


def said(replies: list[ChatMessage], words: str) -> bool:
    """Whether one of the replies says `words`."""
    return any(words in message.plain for message in replies)


# -- the day's steps -----------------------------------------------------------------------


def report(
    user_id: int, code: str, quantity: int, reference: str, *, after: str | None = None
) -> Step:
    """An artisan reports finished drums, without a photo, and it gets `reference`.

    Given `after`, the artisan fills the report in at once but sends it only once that
    milestone is reached, so that references go to reports in a fixed order. Reaches the
    milestone `reference` once sent.
    """

    async def act(day: Day) -> None:
        replies = await day.send(user_id, "/report")
        wanted = f"rep:m:{day.model_id(code)}"
        choice = carrying(replies, lambda data: data == wanted or data.startswith("rep:s:"))
        if wanted not in data_of(choice):
            size = day.query("SELECT size FROM drum_models WHERE code = ?", code)[0][0]
            choice = carrying(await day.press(user_id, f"rep:s:{size}", choice), wanted)
        await day.press(user_id, wanted, choice)
        replies = await day.send(user_id, str(quantity))
        replies = await day.press(user_id, "rep:nophoto", carrying(replies, "rep:nophoto"))
        summary = carrying(replies, lambda data: data.startswith("rep:ok:"))
        if after is not None:
            await day.reached(after)
        replies = await day.press(user_id, data_on(summary, "rep:ok:"), summary)
        assert said(replies, reference), [m.plain for m in replies]
        day.reach(reference)

    return Step(f"{ARTISANS[user_id]} reports {quantity} x {code}", user_id, act)


async def open_report_card(day: Day, report_id: int) -> ChatMessage:
    """Open a report from the admin's review queue; return its card."""
    listing = carrying(await day.send(ADMIN_ANI, "/review"), f"qc:open:{report_id}")
    replies = await day.press(ADMIN_ANI, f"qc:open:{report_id}", listing)
    return carrying(replies, f"qc:all:{report_id}")


async def report_card(day: Day, report_id: int, *, from_queue: bool) -> ChatMessage:
    """A report's card: opened from the review queue, or the one the admin was sent."""
    if from_queue:
        return await open_report_card(day, report_id)
    return await notice_with(day, f"R-{report_id:06d}", f"qc:all:{report_id}")


async def notice_with(day: Day, reference: str, data: str) -> ChatMessage:
    """The admin's newest message naming `reference` with a button `data`, once it is there.

    Such a card is a notice of someone else's step: it comes when the outbox sends it.
    """

    def cards() -> list[ChatMessage]:
        return [m for m in day.ani.inbox if reference in m.plain and data in data_of(m)]

    try:
        await day.emulator.wait_until(lambda: bool(cards()), ANSWER_SECONDS)
    except TimeoutError:
        raise AssertionError(f"the admin never got {reference} with {data}") from None
    return cards()[-1]


def decided(report_id: int) -> str:
    """The milestone of a report decided."""
    return f"R-{report_id:06d} decided"


def accept_all(report_id: int, *, from_queue: bool = True) -> Step:
    """The admin accepts every drum of a report, on its card from the queue or as sent."""

    async def act(day: Day) -> None:
        card = await report_card(day, report_id, from_queue=from_queue)
        await day.press(ADMIN_ANI, f"qc:all:{report_id}", card)
        day.reach(decided(report_id))

    return Step(f"accept all of R-{report_id:06d}", ADMIN_ANI, act)


def accept_part(report_id: int, accepted: int, *, from_queue: bool = True) -> Step:
    """The admin accepts part of a report, giving a quick reason for the rest."""

    async def act(day: Day) -> None:
        card = await report_card(day, report_id, from_queue=from_queue)
        await day.press(ADMIN_ANI, f"qc:part:{report_id}", card)
        replies = await day.send(ADMIN_ANI, str(accepted))
        reason = f"qc:why:{report_id}:cracked_wood"
        await day.press(ADMIN_ANI, reason, carrying(replies, reason))
        day.reach(decided(report_id))

    return Step(f"accept {accepted} of R-{report_id:06d}", ADMIN_ANI, act)


def reject(report_id: int, reason: str, *, from_queue: bool = True) -> Step:
    """The admin rejects a report with a typed reason."""

    async def act(day: Day) -> None:
        card = await report_card(day, report_id, from_queue=from_queue)
        replies = await day.press(ADMIN_ANI, f"qc:rej:{report_id}", card)
        other = f"qc:why:{report_id}:other"
        await day.press(ADMIN_ANI, other, carrying(replies, other))
        await day.send(ADMIN_ANI, reason)
        day.reach(decided(report_id))

    return Step(f"reject R-{report_id:06d}", ADMIN_ANI, act)


def order(
    user_id: int, code: str, quantity: int, reference: str, *, after: str | None = None
) -> Step:
    """A buyer orders drums of a model, skipping the note; the order gets `reference`.

    Given `after`, the buyer starts only once that milestone is reached (the drums they are
    shown depend on it). Reaches the milestone `reference` once sent.
    """

    async def act(day: Day) -> None:
        if after is not None:
            await day.reached(after)
        menu = (await day.send(user_id, "/start"))[-1]
        await day.press(user_id, f"ord:new:{day.model_id(code)}", menu)
        replies = await day.send(user_id, str(quantity))
        replies = await day.press(user_id, "ord:skip", carrying(replies, "ord:skip"))
        summary = carrying(replies, lambda data: data.startswith("ord:ok:"))
        replies = await day.press(user_id, data_on(summary, "ord:ok:"), summary)
        assert said(replies, reference), [m.plain for m in replies]
        day.reach(reference)

    return Step(f"{BUYERS[user_id]} orders {quantity} x {code}", user_id, act)


def decide_order(order_id: int, prefix: str, *, after: str | None = None) -> Step:
    """The admin opens an order from the requests list and taps a decision on its card.

    `prefix` is the decision: ordadm:ok: confirms, ordadm:bo: confirms with a backorder.
    Given `after`, the admin starts once that milestone is reached (the list depends on it).
    """

    async def act(day: Day) -> None:
        if after is not None:
            await day.reached(after)
        reference, decision, see = (
            f"O-{order_id:06d}",
            f"{prefix}{order_id}",
            f"ordadm:see:{order_id}",
        )
        menu = carrying(await day.send(ADMIN_ANI, "/start"), ORDER_REQUESTS)
        listing = carrying(await day.press(ADMIN_ANI, ORDER_REQUESTS, menu), see)
        card = carrying(await day.press(ADMIN_ANI, see, listing), decision)
        assert reference in card.plain, card.plain
        await day.press(ADMIN_ANI, decision, card)
        day.reach(f"{reference} decided")

    return Step(f"{prefix}{order_id}", ADMIN_ANI, act)


def pay(name: str, amount: str) -> Step:
    """The admin records a payment to an artisan, paid today, with a note."""

    async def act(day: Day) -> None:
        replies = await day.tap(ADMIN_ANI, await day.send(ADMIN_ANI, "/pay"), name)
        replies = await day.tap(ADMIN_ANI, await day.send(ADMIN_ANI, amount), "Hari ini")
        replies = await day.send(ADMIN_ANI, "tunai")
        replies = await day.tap(ADMIN_ANI, replies, "Catat pembayaran")
        assert said(replies, "Pembayaran dicatat"), [m.plain for m in replies]

    return Step(f"pay {name} {amount}", ADMIN_ANI, act)


def look(user_id: int, command: str) -> Step:
    """Someone looks at something the phase does not change (their orders, the stock...)."""

    async def act(day: Day) -> None:
        replies = await day.send(user_id, command)
        assert replies, f"{command} went unanswered"

    return Step(f"{user_id} sends {command}", user_id, act)


async def _admin_starts(day: Day) -> None:
    await day.send(ADMIN_ANI, "/start")


async def _announce(day: Day) -> None:
    replies = await day.tap(ADMIN_ANI, await day.send(ADMIN_ANI, "/broadcast"), "Semua anggota")
    replies = await day.send(ADMIN_ANI, ANNOUNCEMENT)
    replies = await day.tap(ADMIN_ANI, replies, "Tidak, satu versi untuk semua")
    await day.tap(ADMIN_ANI, replies, "Kirim sekarang")


async def _announced(day: Day) -> None:
    # Sending goes on in the background; kills meanwhile must not lose or repeat anyone.
    deadline = time.monotonic() + ANSWER_SECONDS
    while day.query("SELECT status FROM broadcasts") != [("done",)]:
        assert time.monotonic() < deadline, "the announcement was not sent in time"
        await asyncio.sleep(0.05)


def the_day() -> list[Phase]:
    """The day's phases; the references are those the bot gives when run alone.

    Within a phase nobody sees what another person of the phase changes, unless they wait
    for it: reports are sent in a fixed order, a buyer orders a model only once its stock
    stays put, and the admin reviews only when no report is being sent. So every message and
    every ledger is the same whatever the interleaving.
    """
    return [
        phase(
            "artisans report while the admin and the buyers open the bot",
            Step("the admin opens the bot", ADMIN_ANI, _admin_starts),
            [
                report(SRI, MEDIUM, 10, "R-000001"),
                report(SRI, SMALL, 3, "R-000004", after="R-000003"),
            ],
            report(JOKO, SMALL, 6, "R-000002", after="R-000001"),
            report(SITI, MEDIUM, 4, "R-000003", after="R-000002"),
            look(LI, "/available"),
            look(TANAKA, "/start"),
        ),
        phase(
            "the admin reviews while a buyer orders",
            [
                accept_all(1, from_queue=False),
                accept_part(2, 4, from_queue=False),
                reject(3, "kulit sobek & lem lepas"),
                accept_all(4),
            ],
            # Accepting R-000001 is the last change to the stock of its model in this phase.
            order(LI, MEDIUM, 8, "O-000001", after=decided(1)),
            look(JOKO, "/profile"),
            look(SRI, "/help"),
        ),
        phase(
            "orders are decided while another buyer orders and an artisan reports",
            # The admin decides once both orders are in, so that the list shows the same.
            [decide_order(1, "ordadm:ok:", after="O-000002"), decide_order(2, "ordadm:bo:")],
            order(TANAKA, SMALL, 10, "O-000002"),
            report(JOKO, SMALL, 5, "R-000005"),
            look(SITI, "/reports"),
        ),
        phase(
            "the backorder is filled and an artisan paid while others look",
            [accept_all(5), pay("Sri Wahyuni", "1.000.000")],
            look(LI, "/orders"),
            look(SITI, "/production"),
        ),
        phase(
            "the admin announces a meeting to everyone while others look",
            [
                Step("announce to everyone", ADMIN_ANI, _announce),
                Step("announcement sent", ADMIN_ANI, _announced),
            ],
            [look(TANAKA, "/orders"), look(TANAKA, "/available")],
            look(SRI, "/reports"),
            look(JOKO, "/reports"),
            look(LI, "/orders"),
        ),
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
    "broadcasts": "SELECT id, audience, locale, text, status, created_by FROM broadcasts"
    " ORDER BY id",
    "broadcast versions": "SELECT broadcast_id, locale, text FROM broadcast_versions"
    " ORDER BY broadcast_id, locale",
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
    phase_seconds: list[float]
    kills: list[str]
    integrity: str
    violations: list[str]
    unconfirmed: int
    log: str
    # The most people waiting for an answer at one moment: served side by side.
    most_served: int
    # The most updates not yet confirmed at one moment: saved, but their notices still going.
    most_unconfirmed: int
    updates: int  # processed, as the database counts them


def recipients() -> list[int]:
    """Everyone the announcement is for."""
    return [*ARTISANS, *BUYERS, *LISTENERS]


# -- playing it ----------------------------------------------------------------------------


class Killer:
    """kill -9 the bot during a phase as planned, and restart it at once."""

    def __init__(self, day: Day) -> None:
        self.day = day
        self.done: list[Kill] = []
        self._started_at = 0

    async def during(self, kill: Kill | None, act: Awaitable[None]) -> None:
        """Play a phase while the kill planned for it, if any, strikes."""
        if kill is None:
            await act
            return
        # The strike watches this flag rather than being cancelled: asyncio.wait_for in
        # Python 3.11 can swallow a cancellation.
        phase_over = asyncio.Event()
        strike = asyncio.create_task(self._strike(kill, phase_over))
        try:
            await act
        finally:
            phase_over.set()
            await strike

    def polling(self) -> bool:
        """Whether the bot asked for updates since it was last started."""
        requests = self.day.emulator.requests[self._started_at :]
        return any(request.method == "getUpdates" for request in requests)

    async def _strike(self, kill: Kill, phase_over: asyncio.Event) -> None:
        emulator = self.day.emulator
        deadline = time.monotonic() + kill.after
        while time.monotonic() < deadline:
            if phase_over.is_set():
                return
            await asyncio.sleep(0.005)
        if kill.held is not None:
            # Injected and counted with no await between, so the first such call from here on
            # is the held one, whoever it is for.
            emulator.inject(kill.held, "delay", delay=HOLD_SECONDS, count=1)
            mark = len(emulator.requests)
            while not self._held_since(mark, kill):
                if phase_over.is_set():
                    emulator.clear_faults()  # the phase made no such call
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


async def play_lane(day: Day, lane: tuple[Step, ...]) -> None:
    """Play one person's steps of a phase, in order."""
    for step in lane:
        try:
            await step.act(day)
        except (AssertionError, TimeoutError) as error:
            raise AssertionError(f"step {step.name!r}: {error!r}") from error


async def play_phase(day: Day, phase: Phase) -> None:
    """Play a phase: every person's steps at once; the first to fail stops the others."""
    try:
        async with asyncio.TaskGroup() as lanes:
            for lane in phase.lanes:
                lanes.create_task(play_lane(day, lane))
    except ExceptionGroup as failed:
        raise AssertionError("; ".join(str(error) for error in failed.exceptions)) from failed


class Unconfirmed:
    """Watch how many updates are not confirmed yet, at most, while the day runs."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator
        self.most = 0

    async def _watch(self) -> None:
        while True:
            self.most = max(self.most, self.emulator.pending_updates())
            await asyncio.sleep(0.01)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[Unconfirmed]:
        """Watch while the block runs."""
        task = asyncio.create_task(self._watch())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def day_emulator(*, paced: bool = False) -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator with the day's round trip; `paced`: with Telegram's per-chat limit too."""
    emulator = BotApiEmulator(round_trip=ROUND_TRIP, chat_limit=PACED_CHAT_LIMIT if paced else None)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


async def play_day(
    emulator: BotApiEmulator, folder: Path, kills: list[Kill] | None = None
) -> DayRun:
    """Play the day against a fresh bot process; kill -9 it as planned; return what it left."""
    settings = {"KENDANG_BROADCAST_RATE": BROADCAST_RATE}
    if emulator.chat_limit is not None:  # the bot keeps to the limit, as to Telegram's
        settings["KENDANG_CHAT_RATE"] = str(emulator.chat_limit)
    process = BotProcess(emulator, folder, settings)
    await add_members(process.db_path)
    day = Day(emulator, process)
    planned = {kill.phase: kill for kill in kills or []}
    for user_id in recipients():
        day.person(user_id)  # the emulator knows them, so the announcement can reach them
    killer = Killer(day)
    phases = the_day()
    seconds = []
    unconfirmed = Unconfirmed(emulator)
    await process.start()
    try:
        async with unconfirmed.watching():
            for number, part in enumerate(phases):
                started = time.monotonic()
                try:
                    await killer.during(planned.get(number), play_phase(day, part))
                except AssertionError as error:
                    kills_done = "; ".join(kill.describe(phases) for kill in killer.done)
                    message = f"phase {part.name!r}: {error}; kills: {kills_done or 'none'}"
                    raise AssertionError(message) from error
                seconds.append(time.monotonic() - started)
        await day.settled()
        # A bot restarted a moment ago could die of SIGTERM before it handles it.
        await emulator.wait_until(lambda: killer.polling(), ANSWER_SECONDS)
        # A bot killed while showing the announcement's end shows it again when it restarts.
        with contextlib.suppress(TimeoutError):
            await emulator.wait_until(lambda: progress_finished(emulator), ANSWER_SECONDS)
        status = await process.terminate()
        assert status == 0, f"the bot did not stop cleanly: exit status {status}"
    finally:
        day.close()
        if process.process is not None and process.process.returncode is None:
            await process.kill()
    chats = [ADMIN_ANI, *ARTISANS, *BUYERS]
    return DayRun(
        state=snapshot(process.db_path),
        texts=texts_seen(emulator, chats),
        copies={user_id: announcement_copies(emulator, user_id) for user_id in recipients()},
        progress_finished=progress_finished(emulator),
        phase_seconds=seconds,
        kills=[kill.describe(phases) for kill in killer.done],
        integrity=str(process.query("PRAGMA integrity_check")[0][0]),
        violations=list(emulator.violations),
        unconfirmed=emulator.pending_updates(),
        log=process.log_path.read_text(errors="replace"),
        most_served=day.most_waiting,
        most_unconfirmed=unconfirmed.most,
        updates=int(process.query("SELECT COUNT(*) FROM processed_updates")[0][0]),
    )


def announcement_copies(emulator: BotApiEmulator, user_id: int) -> int:
    """How many copies of the announcement a person received."""
    return sum(ANNOUNCEMENT in message.plain for message in emulator.messages(user_id))


def plan_kills(rng: random.Random, phase_seconds: list[float], count: int) -> list[Kill]:
    """Pick `count` phases, the last while the announcement goes out, and a moment in each.

    The moment is a random time into the phase, or the first call of a random Bot API method
    made from then on, held in flight.
    """
    before_announcing = len(phase_seconds) - ANNOUNCING_PHASES
    phases = [
        *sorted(rng.sample(range(before_announcing), count - 1)),
        rng.randrange(before_announcing, len(phase_seconds)),
    ]
    kills = []
    for number in phases:
        after = rng.uniform(0.0, phase_seconds[number])
        held = rng.choice((None, *HOLDABLE))
        kills.append(Kill(number, round(after, 3), held))
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
    """Messages someone received in the day without kills but not (as often) with them.

    Counted by text per person: between people the order varies from day to day, and one
    person's answers interleave with notices about the others. A kill may repeat a message
    (one in flight, an update processed again), never lose one.
    """
    found: list[str] = []
    for user_id, texts in reference.texts.items():
        got = crashed.texts[user_id]
        for text, count in sorted(texts.items()):
            if not is_progress(text) and got[text] < count:
                found.append(f"{user_id} received {got[text]} of {count}: {text!r}")
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


async def reference_run(folder: Path, *, paced: bool = False) -> DayRun:
    """Play the day without kills on a fresh emulator."""
    async with day_emulator(paced=paced) as emulator:
        return await play_day(emulator, folder)


async def crash_round(
    reference: DayRun, folder: Path, rng: random.Random, kills: int, *, paced: bool = False
) -> DayRun:
    """Play the day with kills planned from `rng`; return it."""
    async with day_emulator(paced=paced) as emulator:
        return await play_day(emulator, folder, plan_kills(rng, reference.phase_seconds, kills))


async def main(
    rounds: int, seed: int, kills: int, keep: Path | None = None, *, paced: bool = False
) -> int:
    """Play the reference day, then `rounds` days with kills; print each; 1 if any differed."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(tempfile.mkdtemp(dir=keep)) if keep else Path(scratch)
        (root / "reference").mkdir()
        started = time.monotonic()
        reference = await reference_run(root / "reference", paced=paced)
        if keep:
            print(f"databases and logs in {root}")
        took = time.monotonic() - started
        print(
            f"reference day: {len(reference.phase_seconds)} phases, {reference.updates} updates"
            f" in {took:.1f} s; up to {reference.most_served} people served at once,"
            f" {reference.most_unconfirmed} updates unconfirmed"
        )
        failed = 0
        for number in range(rounds):
            rng = random.Random(seed * 1_000_003 + number)
            folder = root / f"round-{number}"
            folder.mkdir()
            started = time.monotonic()
            try:
                crashed = await crash_round(reference, folder, rng, kills, paced=paced)
                found = problems(reference, crashed)
                repeats = sum(n - 1 for n in crashed.copies.values())
                outcome = "ok" if not found else "DIFFERS"
                kills_said = "; ".join(crashed.kills)
                flight = f", up to {crashed.most_served} people served at once"
            except AssertionError as error:
                found, repeats, outcome, kills_said, flight = [str(error)], 0, "FAILED", "?", ""
            failed += bool(found)
            print(
                f"round {number}: {outcome} in {time.monotonic() - started:.1f} s{flight},"
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
    parser.add_argument(
        "--paced",
        action="store_true",
        help="Telegram's per-chat limit in the emulator, kept by the bot (a day takes a minute)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.keep:
        arguments.keep.mkdir(parents=True, exist_ok=True)
    played = main(
        arguments.rounds, arguments.seed, arguments.kills, arguments.keep, paced=arguments.paced
    )
    sys.exit(asyncio.run(played))
