"""People served side by side: each person's updates in order, nobody waits on another's chat.

The real bot over real HTTP against the emulator, with its round trip and per-chat limit on
where it matters. Updates are pushed without waiting (`emulator.send_text`, `press_button`)
and the test then waits on conditions: confirmations, messages, rows.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, Person
from bot.emulator.world import ChatMessage
from bot.replies import MAX_RETRIES
from bot.serve import serve
from handlers.members.artisan_registration import SUBMIT, VILLAGE_PREFIX
from handlers.members.menu import CHOOSE_ARTISAN
from storage.state import StateStore
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, TOKEN, RunningBot
from tests.test_durability import STARTUP_SECONDS, BotProcess
from tests.test_modes import webhook_settings
from tests.test_onboarding import register_artisan
from tests.test_reporting import cards_for, report_drums, reports
from tests.test_reporting import send_data as report_send_data

# Deadlines for conditions: generous, the machine is shared.
SETTLED = 60.0

Step = tuple[str, str]  # ("say", text), ("tap", callback data) or ("contact", own phone)


@dataclass(frozen=True)
class Seen:
    """A message the bot sent or edited, as the emulator took it."""

    chat_id: int
    message_id: int
    plain: str
    at: float


class Arrivals:
    """Every message the bot sends or edits, in the order the emulator takes them."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.seen: list[Seen] = []
        emulator.on_message(self._take)

    def _take(self, message: ChatMessage) -> None:
        self.seen.append(Seen(message.chat_id, message.message_id, message.plain, time.monotonic()))

    def to(self, chat_id: int) -> list[str]:
        """What the chat was shown, send by send and edit by edit."""
        return [seen.plain for seen in self.seen if seen.chat_id == chat_id]

    def first_to(self, chat_id: int, after: float = 0.0) -> float | None:
        """When the chat first got a message after `after`."""
        return next((s.at for s in self.seen if s.chat_id == chat_id and s.at > after), None)


def query(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the database file on a connection of its own."""
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(sql, args))


def push(emulator: BotApiEmulator, user_id: int, step: Step, on: ChatMessage) -> int:
    """Send a step without waiting: a text, or a tap on a button of the message `on`."""
    kind, value = step
    if kind == "tap":
        return emulator.press_button(user_id, on.message_id, value)
    if kind == "contact":
        contact = {"phone_number": value, "first_name": "Me", "user_id": user_id}
        return emulator.user_message(user_id, {"contact": contact})
    return emulator.send_text(user_id, value)


async def all_confirmed(emulator: BotApiEmulator, update_ids: Iterable[int], within: float) -> None:
    """Wait until the bot has confirmed every one of the updates."""
    ids = list(update_ids)
    await emulator.wait_until(lambda: all(emulator.is_confirmed(i) for i in ids), within)


def registration(name: str, village: Step, workshop: str, *, chatty: bool) -> list[Step]:
    """An artisan's registration from the role button to Send, all of it typed or tapped.

    The taps are on the /start menu, an earlier message: the conversation answers a button
    for the step the person is at, whichever message it is on. `chatty` adds commands and
    stray words in between, each answered without leaving the step.
    """
    steps: list[Step] = [("tap", CHOOSE_ARTISAN)]
    steps += [("say", "/help")] if chatty else []
    steps += [("say", name)]
    steps += [("say", "/help"), ("say", "di sini saja")] if chatty else []
    steps += [village]
    steps += [("say", workshop)]
    steps += [("say", "/help")] if chatty else []
    steps += [("say", "Lewati"), ("tap", SUBMIT)]
    steps += [("say", "/help"), ("say", "/start")] if chatty else []
    return steps


def tap_village(index: int) -> Step:
    """The village button of the default villages (Minggirsari, Ngoran, Jiwut, Jeding)."""
    return ("tap", f"{VILLAGE_PREFIX}{index}")


def typed_village(name: str) -> list[Step]:
    """Another village: its button, then its name typed."""
    return [("tap", f"{VILLAGE_PREFIX}other"), ("say", name)]


def members(path: Path) -> dict[int, tuple[Any, ...]]:
    """Every member by Telegram id: (role, status, name, village, workshop, phone)."""
    rows = query(
        path, "SELECT telegram_id, role, status, name, village, workshop, phone FROM members"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def conversation_states(path: Path, name: str) -> dict[int, str]:
    """A conversation's stored states by user id (private chats: key [chat, user])."""
    rows = query(path, "SELECT key, state FROM conversation_states WHERE name = ?", name)
    return {json.loads(key)[1]: json.loads(state) for key, state in rows}


def drafts(path: Path) -> dict[int, dict[str, Any]]:
    """Every stored draft by user id."""
    return {user_id: json.loads(data) for user_id, data in query(path, "SELECT * FROM user_data")}


async def outbox_idle(path: Path, within: float = SETTLED) -> None:
    """Wait until the outbox has nothing queued."""
    deadline = time.monotonic() + within
    while query(path, "SELECT count(*) FROM outbox WHERE status = 'queued'") != [(0,)]:
        if time.monotonic() > deadline:
            raise TimeoutError("the outbox still has messages queued")
        await asyncio.sleep(0.05)


async def approved_artisan(bot: RunningBot, user_id: int = 1001, name: str = "Sri") -> Person:
    """Register an artisan and have Ani approve them, waiting for the cards and the welcome."""
    ani = bot.admin()
    artisan = bot.person(user_id, name, "id")
    await register_artisan(artisan, name=name)
    await outbox_idle(bot.settings.db_path)
    [card] = [m for m in ani.inbox if "Pendaftaran perajin baru" in m.plain and name in m.plain]
    await ani.tap("Setujui", card)
    await bot.emulator.wait_until(
        lambda: any("Selamat bergabung" in m.plain for m in artisan.inbox), SETTLED
    )
    return artisan


# What the chatty registration's person is shown, in order: the beginning of each message.
RUN = [
    "Halo Sri! 👋",  # /start, before the run
    "Selamat datang! Mari daftarkan usaha Anda.",  # the role button
    "Anda sedang mendaftar.",  # /help
    "2/4 Usaha Anda ada di desa mana?",  # the name
    "Anda sedang mendaftar.",  # /help
    "Silakan pilih desa Anda dengan tombol.",  # a word instead of the village
    "3/4 Apa nama usaha Anda?",  # the village button
    "4/4 Kirim nomor HP Anda",  # the workshop
    "Anda sedang mendaftar.",  # /help
    "Terima kasih.",  # Lewati (Skip)...
    "Mohon periksa data Anda:\nNama: Sri Wahyuni\nDesa: Jiwut\nUsaha: Bengkel Sri",  # ...
    "✅ Pendaftaran terkirim.",  # Send: the menu the taps were on, edited
    "Yang bisa saya bantu",  # /help
    "Terima kasih, Sri Wahyuni. Pendaftaran Anda sedang menunggu persetujuan admin.",  # /start
]


# -- 1. one person's rapid updates --------------------------------------------------------------


async def test_one_persons_rapid_updates_are_answered_in_order_as_when_sent_one_by_one(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    emulator.round_trip = 0.05
    arrivals = Arrivals(emulator)
    bot.admin()  # the registrations' cards go to Ani
    careful = bot.person(1001, "Sri", "id")
    hasty = bot.person(1002, "Sri", "id")
    menus = {person.user_id: (await person.send("/start"))[-1] for person in (careful, hasty)}
    steps = registration("Sri Wahyuni", tap_village(2), "Bengkel Sri", chatty=True)

    for step in steps:  # one by one, each confirmed before the next
        update_id = push(emulator, careful.user_id, step, menus[careful.user_id])
        await emulator.wait_confirmed(update_id, SETTLED)
    started = time.monotonic()
    pushed = [push(emulator, hasty.user_id, step, menus[hasty.user_id]) for step in steps]
    await all_confirmed(emulator, pushed, SETTLED)
    took = time.monotonic() - started

    one_by_one = arrivals.to(careful.user_id)
    at_once = arrivals.to(hasty.user_id)
    assert at_once == one_by_one
    # The run is what the flow says, in the order the updates were sent.
    busy = "Anda sedang mendaftar. Jawab pertanyaan di atas"
    assert [text[: len(prefix)] for text, prefix in zip(at_once, RUN, strict=True)] == RUN
    assert at_once.count(at_once[2]) == 3 and at_once[2].startswith(busy)
    assert len(emulator.messages(hasty.user_id)) == len(emulator.messages(careful.user_id))
    expected = ("artisan", "pending", "Sri Wahyuni", "Jiwut", "Bengkel Sri", None)
    assert members(bot.settings.db_path) == {1001: expected, 1002: expected}
    assert conversation_states(bot.settings.db_path, "artisan_registration") == {}
    assert drafts(bot.settings.db_path) == {}
    print(f"{len(steps)} updates pushed at once, all confirmed in {took:.2f} s")


# -- 2. a burst of taps on one button -----------------------------------------------------------


async def test_ten_taps_at_once_on_approve_by_two_admins_approve_once_and_each_is_answered(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    emulator.round_trip = 0.05
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    sri = bot.person(1001, "Sri", "id")
    await register_artisan(sri)
    await outbox_idle(bot.settings.db_path)
    card_ani = next(m for m in reversed(ani.inbox) if "Pendaftaran perajin baru" in m.plain)
    card_budi = next(m for m in reversed(budi.inbox) if "New artisan registration" in m.plain)
    approve_ani, approve_budi = card_ani.button_data("Setujui"), card_budi.button_data("Approve")
    assert approve_ani is not None and approve_ani == approve_budi

    taps = []
    for _ in range(5):  # both admins tap their card's Approve five times, all at once
        taps.append(emulator.press_button(ADMIN_ANI, card_ani.message_id, approve_ani))
        taps.append(emulator.press_button(ADMIN_BUDI, card_budi.message_id, approve_budi))
    await all_confirmed(emulator, taps, SETTLED)
    await outbox_idle(bot.settings.db_path)

    assert members(bot.settings.db_path)[1001][:2] == ("artisan", "active")
    changes = query(
        bot.settings.db_path, "SELECT from_status, to_status FROM member_status_changes"
    )
    assert changes == [(None, "pending"), ("pending", "active")]
    welcomes = [m for m in sri.inbox if "Selamat bergabung di koperasi" in m.plain]
    assert len(welcomes) == 1
    # Every tap is answered, once: one says it approved, the nine others who decided first.
    answers = [a for a in emulator.callback_answers if a["user_id"] in (ADMIN_ANI, ADMIN_BUDI)]
    assert len(answers) == 10
    assert len({a["callback_query_id"] for a in answers}) == 10
    approved = [a for a in answers if a["text"] in ("Disetujui.", "Approved.")]
    assert len(approved) == 1
    winner = "Ani" if approved[0]["user_id"] == ADMIN_ANI else "Budi"
    told = sorted(a["text"] for a in answers if a is not approved[0])
    expected = {
        ADMIN_ANI: f"Sudah diputuskan oleh {winner}: aktif.",
        ADMIN_BUDI: f"Already decided by {winner}: active.",
    }
    assert told == sorted(expected[a["user_id"]] for a in answers if a is not approved[0])
    # Both cards end showing the one decision, still in place.
    assert (
        f"✅ Disetujui oleh {winner}"
        in emulator.private_chat(ADMIN_ANI).messages[card_ani.message_id].plain
    )
    assert (
        f"✅ Approved by {winner}"
        in emulator.private_chat(ADMIN_BUDI).messages[card_budi.message_id].plain
    )


async def test_ten_taps_at_once_on_a_reports_send_make_one_report(bot: RunningBot) -> None:
    emulator = bot.emulator
    ani = bot.admin()
    sri = await approved_artisan(bot)
    await report_drums(sri, bot)
    emulator.round_trip = 0.05
    summary, data = sri.last, report_send_data(sri)
    answered_before = len(sri.callback_answers)
    taps = [emulator.press_button(sri.user_id, summary.message_id, data) for _ in range(10)]
    await all_confirmed(emulator, taps, SETTLED)
    await outbox_idle(bot.settings.db_path)

    assert len(reports(bot)) == 1
    answers = sri.callback_answers[answered_before:]
    assert len(answers) == 10 == len({a["callback_query_id"] for a in answers})
    # The first sends it (its summary is edited to say so); the nine others are told it went.
    assert answers[0]["text"] == ""
    assert all(a["text"] == "Sudah terkirim sebagai R-000001." for a in answers[1:]), answers
    assert "R-000001" in emulator.private_chat(sri.user_id).messages[summary.message_id].plain
    assert cards_for(emulator, ani.user_id, "R-000001") == 1


# -- 3. different people's conversations interleaved ----------------------------------------


def interleave(runs: list[list[Step]]) -> list[tuple[int, Step]]:
    """The steps of several people, one of each in turn: (whose, step)."""
    mixed = []
    for turn in range(max(len(run) for run in runs)):
        mixed += [(who, run[turn]) for who, run in enumerate(runs) if turn < len(run)]
    return mixed


async def test_three_registrations_pushed_interleaved_each_end_with_their_own_data(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    emulator.round_trip = 0.05
    path = bot.settings.db_path
    ani = bot.admin()
    people = [bot.person(1001, "Sri", "id"), bot.person(1002, "Dewi", "id")]
    people.append(bot.person(1003, "Wayan", "id"))
    menus = [(await person.send("/start"))[-1] for person in people]
    wanted = [
        ("Sri Wahyuni", "Jiwut", "Kendang Jaya", None),
        ("Dewi Lestari", "Sumberingin", "Dewi Djembe", "+6281200000002"),
        ("Wayan Sudarsa", "Minggirsari", "Sanggar Wayan", None),
    ]
    before_phone: list[list[Step]] = [
        [("tap", CHOOSE_ARTISAN), ("say", "Sri Wahyuni"), tap_village(2), ("say", "Kendang Jaya")],
        [
            ("tap", CHOOSE_ARTISAN),
            ("say", "Dewi Lestari"),
            *typed_village("Sumberingin"),
            ("say", "Dewi Djembe"),
        ],
        [
            ("tap", CHOOSE_ARTISAN),
            ("say", "Wayan Sudarsa"),
            tap_village(0),
            ("say", "Sanggar Wayan"),
        ],
    ]
    to_send: list[list[Step]] = [
        [("say", "Lewati"), ("tap", SUBMIT)],
        [("contact", "+6281200000002"), ("tap", SUBMIT)],
        [("say", "/help"), ("say", "Lewati"), ("tap", SUBMIT)],
    ]

    def push_all(runs: list[list[Step]]) -> list[int]:
        return [
            push(emulator, people[who].user_id, step, menus[who]) for who, step in interleave(runs)
        ]

    await all_confirmed(emulator, push_all(before_phone), SETTLED)
    # Halfway, each person's step and draft are stored as their own.
    assert conversation_states(path, "artisan_registration") == {
        1001: "PHONE",
        1002: "PHONE",
        1003: "PHONE",
    }
    stored = drafts(path)
    for person, (name, village, workshop, _) in zip(people, wanted, strict=True):
        assert stored[person.user_id] == {
            "registration": {"name": name, "village": village, "workshop": workshop}
        }

    await all_confirmed(emulator, push_all(to_send), SETTLED)
    await outbox_idle(path)
    assert members(path) == {
        person.user_id: ("artisan", "pending", *data)
        for person, data in zip(people, wanted, strict=True)
    }
    assert conversation_states(path, "artisan_registration") == {}
    assert drafts(path) == {}
    for person, (name, village, workshop, phone) in zip(people, wanted, strict=True):
        summary = next(m.plain for m in person.inbox if m.plain.startswith("Mohon periksa"))
        assert f"Nama: {name}\nDesa: {village}\nUsaha: {workshop}" in summary
        assert f"No. HP: {phone or '—'}" in summary
        assert person.last_text.startswith("✅ Pendaftaran terkirim")
        cards = [m.plain for m in ani.inbox if "Pendaftaran perajin baru" in m.plain]
        [card] = [card for card in cards if name in card]
        assert village in card and workshop in card
    assert len([m for m in ani.inbox if "Pendaftaran perajin baru" in m.plain]) == 3


# -- 4. a bystander while another floods past the chat limit ----------------------------------

# Five messages whose answers differ, so that their order shows: (sent, answer begins).
CYCLE = [
    ("/help", "Yang bisa saya bantu"),
    ("/start", "Halo Banjir!"),
    ("/profile", "Anda belum terdaftar."),
    ("/cancel", "Tidak ada yang perlu dibatalkan."),
    ("halo?", "Silakan pakai tombol di menu."),
]


async def test_a_bystander_is_answered_within_2_s_while_another_floods_past_the_chat_limit(
    start_bot: Callable[..., Any],
) -> None:
    # Telegram's limit for one chat, kept by the bot and by the emulator.
    bot: RunningBot = await start_bot(chat_rate=1.0)
    emulator = bot.emulator
    emulator.round_trip = 0.15
    emulator.chat_limit = 1.0
    arrivals = Arrivals(emulator)
    flooder, bystander = bot.person(5001, "Banjir", "id"), bot.person(5002, "Tamu", "id")
    texts = [CYCLE[i % len(CYCLE)] for i in range(30)]
    flood = [emulator.send_text(flooder.user_id, sent) for sent, _ in texts]
    # The flood is under way: the chat's burst is spent and its answers come a second apart.
    await emulator.wait_until(lambda: len(flooder.inbox) >= 4, SETTLED)

    sent = time.monotonic()
    own = emulator.send_text(bystander.user_id, "/help")
    await emulator.wait_until(lambda: bool(bystander.inbox), SETTLED)
    answered = arrivals.first_to(bystander.user_id)
    assert answered is not None
    waited = answered - sent
    assert waited < 2.0, f"the bystander waited {waited:.2f} s"
    flood_done = len([s for s in arrivals.seen if s.chat_id == flooder.user_id and s.at < answered])
    assert flood_done < 20, "the bystander came while the flood was still going"

    # The bystander's update is confirmed with the flood's, which came before it.
    await all_confirmed(emulator, [*flood, own], 120)
    answers = arrivals.to(flooder.user_id)
    assert len(answers) == 30 == len(flooder.inbox), "each answered once, nothing edited"
    for answer, (sent_text, begins) in zip(answers, texts, strict=True):
        assert answer.startswith(begins), (sent_text, answer)
    assert [m.plain for m in bystander.inbox] == [bystander.inbox[0].plain]
    assert bystander.inbox[0].plain.startswith("Yang bisa saya bantu")
    by_chat = emulator.too_many_requests_by_chat
    print(
        f"bystander answered in {waited:.2f} s; 429s: {emulator.too_many_requests} in all,"
        f" {by_chat.get(flooder.user_id, 0)} to the flooder, {by_chat.get(bystander.user_id, 0)}"
        " to the bystander"
    )
    assert by_chat.get(bystander.user_id, 0) == 0
    # Telegram's 429 is the bot's last resort, not its pacing: a handful, not one per answer.
    sends = [r for r in emulator.requests if r.method == "sendMessage"]
    to_flooder = len([r for r in sends if r.params.get("chat_id") == flooder.user_id])
    assert emulator.too_many_requests <= 3, (
        f"{to_flooder} sendMessage to the flooder for 30 answers,"
        f" {by_chat.get(flooder.user_id, 0)} of them refused with 429"
    )


# -- 5. a chat answering 429 for a long while ------------------------------------------------

HELP = "Yang bisa saya bantu"
APOLOGY = "Maaf, ada yang salah. Silakan coba lagi, atau kirim /menu."


async def answered_at_once(bot: RunningBot, arrivals: Arrivals, user_ids: list[int]) -> float:
    """Each of these people sends /help; return the longest wait for an answer."""
    longest = 0.0
    for user_id in user_ids:
        sent = time.monotonic()
        bot.emulator.send_text(user_id, "/help")

        def answered(user_id: int = user_id, sent: float = sent) -> float | None:
            return arrivals.first_to(user_id, sent)

        await bot.emulator.wait_until(lambda: answered() is not None, SETTLED)
        at = answered()
        assert at is not None
        longest = max(longest, at - sent)
    assert longest < 2.0, f"someone else waited {longest:.2f} s for an answer"
    return longest


def refused(emulator: BotApiEmulator, chat_id: int) -> int:
    """How many of the bot's requests to this chat were answered 429."""
    return emulator.too_many_requests_by_chat.get(chat_id, 0)


def held_chat_beside_two_others(bot: RunningBot, *, retry_after: int) -> tuple[Person, list[int]]:
    """Sri, whose chat answers 429 from now on, and two others; a 50 ms round trip."""
    bot.emulator.round_trip = 0.05
    held, others = bot.person(5001, "Sri", "id"), [5002, 5003]
    for user_id in others:
        bot.person(user_id, f"P{user_id}", "id")
    bot.emulator.inject(
        "sendMessage", "429", chat_id=held.user_id, count=None, retry_after=retry_after
    )
    return held, others


async def test_a_chat_answering_429_waits_alone_and_gets_its_answers_once_when_it_stops(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    arrivals = Arrivals(emulator)
    held, others = held_chat_beside_two_others(bot, retry_after=3)
    updates = [emulator.send_text(held.user_id, text) for text in ("/help", "/start")]
    await emulator.wait_until(lambda: refused(emulator, held.user_id) >= 1, SETTLED)

    await answered_at_once(bot, arrivals, others)
    # The reply is sent again after the wait Telegram asked for, not before: refused again.
    await emulator.wait_until(lambda: refused(emulator, held.user_id) >= 2, SETTLED)
    await answered_at_once(bot, arrivals, others)
    assert held.inbox == []
    emulator.clear_faults()  # the chat takes messages again

    await all_confirmed(emulator, updates, SETTLED)
    assert [text.split("\n")[0] for text in arrivals.to(held.user_id)] == [
        "Yang bisa saya bantu",
        "Halo Sri! 👋",
    ]
    assert 2 <= refused(emulator, held.user_id) <= 3, "one try per wait, within MAX_RETRIES"
    assert all(refused(emulator, user_id) == 0 for user_id in others)
    for user_id in others:
        assert [m.plain.split("\n")[0] for m in emulator.messages(user_id)] == [HELP, HELP]


async def test_a_chat_answering_429_for_good_gives_the_reply_up_after_its_retries(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    arrivals = Arrivals(emulator)
    held, others = held_chat_beside_two_others(bot, retry_after=1)
    update = emulator.send_text(held.user_id, "/help")
    await emulator.wait_until(lambda: refused(emulator, held.user_id) >= 1, SETTLED)
    await answered_at_once(bot, arrivals, others)

    # The reply is tried 1 + MAX_RETRIES times, then the apology as often: then it is let go.
    await emulator.wait_confirmed(update, SETTLED)
    tries = 2 * (MAX_RETRIES + 1)
    assert refused(emulator, held.user_id) == tries
    sends = [r for r in emulator.requests if r.method == "sendMessage"]
    assert len([r for r in sends if r.params.get("chat_id") == held.user_id]) == tries
    # Nothing is retried afterwards: others' traffic goes on and the chat gets no request.
    await answered_at_once(bot, arrivals, others)
    assert refused(emulator, held.user_id) == tries
    emulator.clear_faults()
    replies = await held.send("/help")
    assert [m.plain.split("\n")[0] for m in replies] == [HELP]
    assert [m.plain.split("\n")[0] for m in held.inbox] == [HELP]


async def test_a_429_longer_than_max_wait_gives_the_reply_and_the_apology_up_at_once(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram asks to wait minutes: scaled down, 5 s past a MAX_WAIT_SECONDS of 2 s.
    monkeypatch.setattr("bot.replies.MAX_WAIT_SECONDS", 2.0)
    emulator = bot.emulator
    emulator.round_trip = 0.05
    arrivals = Arrivals(emulator)
    held, others = bot.person(5001, "Sri", "id"), [5002, 5003]
    for user_id in others:
        bot.person(user_id, f"P{user_id}", "id")
    emulator.inject("sendMessage", "429", chat_id=held.user_id, count=None, retry_after=5)
    update = emulator.send_text(held.user_id, "/help")
    await emulator.wait_until(lambda: refused(emulator, held.user_id) >= 1, SETTLED)
    await answered_at_once(bot, arrivals, others)
    emulator.clear_faults()  # the 429s stop while the chat's wait runs

    # The update ends without waiting the 5 s out: neither the reply nor the apology is sent
    # (the apology would have to wait as long), and the person's next message is served.
    began = time.monotonic()
    await emulator.wait_confirmed(update, SETTLED)
    assert time.monotonic() - began < 4.0
    assert refused(emulator, held.user_id) == 1, "the reply is not tried again"
    assert held.inbox == []
    await answered_at_once(bot, arrivals, others)
    assert held.inbox == []


# -- 6. spooling past a stuck person -----------------------------------------------------------


def spooled(path: Path) -> list[int]:
    """The ids in spooled_updates."""
    return [row[0] for row in query(path, "SELECT update_id FROM spooled_updates ORDER BY 1")]


def processed(path: Path, update_ids: Iterable[int]) -> set[int]:
    """Which of these updates are marked processed."""
    done = {row[0] for row in query(path, "SELECT update_id FROM processed_updates")}
    return done & set(update_ids)


async def until(condition: Callable[[], bool], within: float = SETTLED) -> None:
    """Wait until a condition on something the emulator does not signal (the database) holds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def sixty_behind_a_stuck_person(
    bot: RunningBot,
) -> tuple[Person, list[Person], int, list[int]]:
    """One person's reply held by 429s for their chat, then 60 updates from 20 others."""
    emulator = bot.emulator
    stuck = bot.person(5000, "Macet", "id")
    people = [bot.person(6000 + i, f"P{i}", "id") for i in range(20)]
    # The stuck person's reply waits 8 s for their chat, inside their own lane.
    emulator.inject("sendMessage", "429", chat_id=stuck.user_id, count=None, retry_after=8)
    held = emulator.send_text(stuck.user_id, "/help")
    await emulator.wait_until(lambda: refused(emulator, stuck.user_id) >= 1, SETTLED)
    others = [emulator.send_text(p.user_id, text) for p in people for text in ("/start", "/help")]
    others += [emulator.send_text(p.user_id, "/profile") for p in people]
    assert len(others) == 60
    return stuck, people, held, others


async def test_past_a_stuck_person_over_50_updates_are_answered_through_the_spool(
    bot: RunningBot,
) -> None:
    emulator, path = bot.emulator, bot.settings.db_path
    stuck, people, held, others = await sixty_behind_a_stuck_person(bot)
    # Everyone else is answered and confirmed, although an older update is not finished...
    await emulator.wait_until(lambda: all(len(p.inbox) == 3 for p in people), SETTLED)
    await all_confirmed(emulator, others, SETTLED)
    await until(lambda: processed(path, others) == set(others))
    # ...because it is kept in the database, which let the offset move on.
    assert emulator.is_confirmed(held)
    assert spooled(path) == [held]
    assert stuck.inbox == [] and not processed(path, [held])
    for person in people:
        firsts = [m.plain.split("\n")[0] for m in person.inbox]
        assert firsts == [
            f"Halo {person.first_name}! 👋",
            HELP,
            "Anda belum terdaftar. Ketuk /start.",
        ]

    emulator.clear_faults()  # released: the reply goes at its next try
    await until(lambda: processed(path, [held]) == {held})
    assert spooled(path) == []
    assert [m.plain.split("\n")[0] for m in stuck.inbox] == [HELP]
    tries = refused(emulator, stuck.user_id)
    replies = await stuck.send("/help")  # the lane is free again, and nothing came twice
    assert len(replies) == 1
    assert [m.plain.split("\n")[0] for m in stuck.inbox] == [HELP, HELP]
    assert refused(emulator, stuck.user_id) == tries


async def test_a_spool_kept_out_by_a_lock_is_tried_again_and_nobody_waits_for_it(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_spool = StateStore.spool
    refused_spools: list[int] = []

    async def locked_twice(self: StateStore, updates: list[tuple[int, str]]) -> None:
        if len(refused_spools) < 2:
            refused_spools.append(len(updates))
            raise sqlite3.OperationalError("database is locked")
        await real_spool(self, updates)

    monkeypatch.setattr(StateStore, "spool", locked_twice)
    emulator, path = bot.emulator, bot.settings.db_path
    stuck, people, held, others = await sixty_behind_a_stuck_person(bot)
    await emulator.wait_until(lambda: all(len(p.inbox) == 3 for p in people), SETTLED)
    await all_confirmed(emulator, others, SETTLED)
    # The lock refused the spool twice; the bot went on and spooled at a later turn.
    assert len(refused_spools) == 2
    await until(lambda: spooled(path) == [held])
    assert emulator.is_confirmed(held)
    emulator.clear_faults()
    await until(lambda: processed(path, [held]) == {held})
    assert [m.plain.split("\n")[0] for m in stuck.inbox] == [HELP]


async def test_spooled_updates_survive_kill_9_and_are_processed_once_after_restart(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path)
    await process.start()
    try:
        await emulator.wait_until(
            lambda: any(r.method == "getUpdates" for r in emulator.requests), STARTUP_SECONDS
        )
        people = [Person(emulator, 6000 + i, f"P{i}", language_code="id") for i in range(30)]
        # Every chat answers 429 for 30 s: no update can finish, so over 50 are open.
        emulator.inject("sendMessage", "429", count=None, retry_after=30)
        updates = [
            emulator.send_text(person.user_id, text)
            for person in people
            for text in ("/start", "/help")
        ]
        await all_confirmed(emulator, updates, STARTUP_SECONDS)
        await until(lambda: spooled(process.db_path) == updates, STARTUP_SECONDS)
        assert all(emulator.messages(person.user_id) == [] for person in people)
        assert not processed(process.db_path, updates)

        await process.kill()
        emulator.clear_faults()
        await process.start()
        await until(lambda: spooled(process.db_path) == [], STARTUP_SECONDS)
        await emulator.wait_until(
            lambda: all(len(emulator.messages(p.user_id)) == 2 for p in people), STARTUP_SECONDS
        )
        assert await process.terminate() == 0
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()

    assert processed(process.db_path, updates) == set(updates)
    for person in people:  # each answered once, in order
        firsts = [m.plain.split("\n")[0] for m in emulator.messages(person.user_id)]
        assert firsts == [f"Halo {person.first_name}! 👋", HELP]
    log = process.log_path.read_text()
    assert "processing 60 spooled updates first" in log
    assert "Traceback" not in log.split("processing 60 spooled updates first", 1)[1]
    assert emulator.violations == []


# -- 7. webhook mode ---------------------------------------------------------------------------


SLOW_REPLY = 0.6


def cycle(name: str) -> list[tuple[str, str]]:
    """The five messages of CYCLE, with the /start greeting for `name`."""
    return [(sent, f"Halo {name}!" if sent == "/start" else begins) for sent, begins in CYCLE]


async def test_webhook_serves_two_people_side_by_side_each_in_order(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    settings = webhook_settings(emulator, tmp_path)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, TOKEN, stop))
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None, STARTUP_SECONDS)
        assert emulator.webhook_connections == 100
        arrivals = Arrivals(emulator)
        sri, dewi = Person(emulator, 5001, "Sri"), Person(emulator, 5002, "Dewi")
        await sri.send("/help")  # the first request of all sets things up: not timed
        # Each answer takes Telegram a while: processing, not the webhook's own round trip,
        # is then most of an update's time, so that serving two people one after the other
        # would show.
        emulator.round_trip = 0.1
        emulator.inject("sendMessage", "delay", delay=SLOW_REPLY, count=None)

        started = time.monotonic()
        alone = [emulator.send_text(sri.user_id, sent) for sent, _ in cycle("Sri")]
        await all_confirmed(emulator, alone, SETTLED)
        one_person = time.monotonic() - started

        started = time.monotonic()
        both = [
            emulator.send_text(person.user_id, sent)
            for pair in zip(cycle("Sri"), cycle("Dewi"), strict=True)
            for person, (sent, _) in zip((sri, dewi), pair, strict=True)
        ]
        await all_confirmed(emulator, both, SETTLED)
        two_people = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)

    print(f"webhook: one person's 5 updates {one_person:.2f} s, two people's {two_people:.2f} s")
    # Side by side two people take about as long as one; one after the other, twice as long.
    assert two_people < 1.4 * one_person
    expected = {
        sri.user_id: [HELP] + 2 * [begins for _, begins in cycle("Sri")],
        dewi.user_id: [begins for _, begins in cycle("Dewi")],
    }
    for user_id, beginnings in expected.items():
        answers = arrivals.to(user_id)
        assert len(answers) == len(beginnings), answers
        for answer, begins in zip(answers, beginnings, strict=True):
            assert answer.startswith(begins), (answer, begins)
    assert emulator.violations == []


# -- 8. a person blocks the bot while a notice to them is queued ------------------------------


async def test_a_notice_to_someone_who_blocked_the_bot_fails_alone_and_is_not_retried(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    path = bot.settings.db_path
    arrivals = Arrivals(emulator)
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    sri = bot.person(1001, "Sri", "id")
    await register_artisan(sri)
    await outbox_idle(path)
    card_ani = next(m for m in reversed(ani.inbox) if "Pendaftaran perajin baru" in m.plain)
    card_budi = next(m for m in reversed(budi.inbox) if "New artisan registration" in m.plain)
    bystanders = [5002, 5003]
    for user_id in bystanders:
        bot.person(user_id, f"P{user_id}", "id")
    sri_before = len(sri.inbox)
    requests_before = len(emulator.requests)

    # Sri's chat makes the welcome wait (a 429), and Sri blocks the bot meanwhile.
    emulator.inject("sendMessage", "429", chat_id=sri.user_id, count=1, retry_after=3)
    await ani.tap("Setujui", card_ani)
    assert ani.callback_answers[-1]["text"] == "Disetujui."
    await emulator.wait_until(lambda: refused(emulator, sri.user_id) == 1, SETTLED)
    emulator.block(sri.user_id)
    await answered_at_once(bot, arrivals, bystanders)
    await outbox_idle(path)

    rows = query(path, "SELECT chat_id, status, error FROM outbox ORDER BY id")
    [(chat_id, _, error)] = [row for row in rows if row[1] != "sent"]
    assert chat_id == sri.user_id and error == "Forbidden: bot was blocked by the user"
    assert len(rows) >= 3, "both cards, Budi's edit and the welcome went through the outbox"
    assert members(path)[sri.user_id][:2] == ("artisan", "active")
    assert query(
        path, "SELECT blocked_at IS NOT NULL FROM telegram_users WHERE telegram_id = ?", sri.user_id
    ) == [(1,)]
    # Everyone else's part of the decision went through: both cards show it.
    assert (
        "✅ Disetujui oleh Ani"
        in emulator.private_chat(ADMIN_ANI).messages[card_ani.message_id].plain
    )
    await emulator.wait_until(
        lambda: (
            "✅ Approved by Ani"
            in emulator.private_chat(ADMIN_BUDI).messages[card_budi.message_id].plain
        ),
        SETTLED,
    )
    assert len(sri.inbox) == sri_before

    # Tried twice (the 429, then the 403), and not again while others keep the bot busy.
    def to_sri() -> list[str]:
        since = emulator.requests[requests_before:]
        return [r.method for r in since if r.params.get("chat_id") == sri.user_id]

    assert to_sri() == ["sendMessage", "sendMessage"]
    await answered_at_once(bot, arrivals, bystanders)
    replies = await ani.send("/help")
    assert replies and replies[-1].plain.startswith(HELP)
    assert to_sri() == ["sendMessage", "sendMessage"]
