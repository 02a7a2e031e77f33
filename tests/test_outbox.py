"""The outbox: messages to third parties, queued durably, sent per chat, a slow chat alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot.emulator import BotApiEmulator, Person
from bot.emulator.world import ChatMessage
from bot.outbox import PROCESSING_UPDATE, Outbox
from bot.pacing import Pacer
from storage import Storage
from storage.clock import utc_now
from storage.outbox import OutboxAction, OutboxStatus, OutgoingMessage
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, TOKEN, RunningBot
from tests.test_durability import STARTUP_SECONDS, BotProcess

SRI = 1001
JOKO = 1002
# How long Budi's chat asks to wait after each 429: far longer than a message takes.
BUDI_WAITS_SECONDS = 6
# Generous: the machine may be busy; every wait ends as soon as its condition holds.
DEADLINE_SECONDS = 30.0


def text(chat_id: int, body: str = "hello") -> OutgoingMessage:
    """A text message to queue."""
    return OutgoingMessage(
        chat_id=chat_id, action=OutboxAction.SEND_TEXT, text=body, parse_mode=ParseMode.HTML
    )


def has(person: Person, words: str) -> bool:
    """Whether any message in the person's chat says `words`."""
    return bool(cards(person, words))


def cards(person: Person, words: str) -> list[ChatMessage]:
    """The messages in the person's chat that say `words`, oldest first."""
    return [message for message in person.inbox if words in message.plain]


# -- storage ------------------------------------------------------------------------------------


async def test_an_updates_message_to_a_chat_is_queued_once(storage: Storage) -> None:
    outbox = storage.outbox
    first = await outbox.enqueue(text(ADMIN_ANI, "first"), 100, 1)
    again = await outbox.enqueue(text(ADMIN_ANI, "first, as redone"), 100, 1)
    assert not first.existed and again.existed
    assert (again.id, again.status) == (first.id, OutboxStatus.QUEUED)
    stored = await outbox.get(first.id)
    assert stored is not None and stored.text == "first"

    others = [
        await outbox.enqueue(text(ADMIN_ANI), 100, 2),
        await outbox.enqueue(text(ADMIN_BUDI), 100, 1),
        await outbox.enqueue(text(ADMIN_ANI), 101, 1),
        await outbox.enqueue(text(ADMIN_ANI), None, None),
        await outbox.enqueue(text(ADMIN_ANI), None, None),
    ]
    assert len({first.id, *(queued.id for queued in others)}) == 6
    assert not any(queued.existed for queued in others)
    with pytest.raises(ValueError, match="sequence"):
        await outbox.enqueue(text(ADMIN_ANI), 102, None)


async def test_each_chat_is_sent_oldest_first_and_a_sent_message_leaves_the_queue(
    storage: Storage,
) -> None:
    outbox = storage.outbox
    a1 = await outbox.enqueue(text(ADMIN_ANI, "a1"), None, None)
    b1 = await outbox.enqueue(text(ADMIN_BUDI, "b1"), None, None)
    a2 = await outbox.enqueue(text(ADMIN_ANI, "a2"), None, None)
    assert [(ref.id, ref.chat_id) for ref in await outbox.queued()] == [
        (a1.id, ADMIN_ANI),
        (b1.id, ADMIN_BUDI),
        (a2.id, ADMIN_ANI),
    ]

    head = await outbox.next_for_chat(ADMIN_ANI)
    assert head is not None and head.id == a1.id
    assert await outbox.mark_sent(a1.id, head.revision, 555)
    head = await outbox.next_for_chat(ADMIN_ANI)
    assert head is not None and head.id == a2.id
    sent = await outbox.get(a1.id)
    assert sent is not None
    assert (sent.status, sent.sent_message_id) == (OutboxStatus.SENT, 555)
    assert sent.done_at is not None
    other = await outbox.next_for_chat(ADMIN_BUDI)
    assert other is not None and other.id == b1.id


async def test_a_copy_revised_while_in_flight_becomes_an_edit_of_what_was_sent(
    storage: Storage,
) -> None:
    outbox = storage.outbox
    card = text(ADMIN_BUDI, "order, to decide").model_copy(
        update={"copy_of": "order:1", "reply_markup": '{"inline_keyboard": []}'}
    )
    await outbox.enqueue(card, 100, 1)
    assert await outbox.queued_copies("order:1") == [ADMIN_BUDI]
    in_flight = await outbox.next_for_chat(ADMIN_BUDI)
    assert in_flight is not None

    revised = await outbox.revise("order:1", ADMIN_BUDI, "order, confirmed", None)

    assert revised == [in_flight.id]
    assert not await outbox.mark_sent(in_flight.id, in_flight.revision, 321)
    edit = await outbox.next_for_chat(ADMIN_BUDI)
    assert edit is not None and edit.id == in_flight.id
    assert (edit.action, edit.message_id, edit.text) == (
        OutboxAction.EDIT_TEXT,
        321,
        "order, confirmed",
    )
    assert edit.reply_markup is None
    assert await outbox.mark_sent(edit.id, edit.revision, 321)
    assert await outbox.queued_copies("order:1") == []
    assert await outbox.revise("order:1", ADMIN_BUDI, "too late", None) == []


async def test_a_queued_edit_of_a_message_takes_the_newest_content(storage: Storage) -> None:
    outbox = storage.outbox

    def edit(message_id: int, body: str) -> OutgoingMessage:
        return OutgoingMessage(
            chat_id=ADMIN_BUDI, action=OutboxAction.EDIT_CAPTION, text=body, message_id=message_id
        )

    done = await outbox.enqueue(edit(40, "confirmed"), 100, 1)
    await outbox.mark_sent(done.id, 0, 40)
    waiting = await outbox.enqueue(edit(40, "confirmed"), 101, 1)
    other = await outbox.enqueue(edit(41, "other card"), 101, 2)
    await outbox.enqueue(text(ADMIN_BUDI, "a notice"), 101, 3)

    assert await outbox.revise_edits(ADMIN_BUDI, 40, "cancelled", None) == [waiting.id]

    rows = {row.id: row for row in [await outbox.get(n) for n in (done.id, waiting.id)] if row}
    assert (rows[waiting.id].text, rows[waiting.id].revision) == ("cancelled", 1)
    assert rows[waiting.id].action is OutboxAction.EDIT_CAPTION
    assert rows[done.id].text == "confirmed"
    untouched = await outbox.get(other.id)
    assert untouched is not None and untouched.text == "other card"
    assert await outbox.revise_edits(ADMIN_ANI, 40, "cancelled", None) == []


async def test_a_refusing_chat_fails_its_message_and_marks_its_person_blocked(
    storage: Storage,
) -> None:
    await storage.people.seen(SRI, "Sri", None, "id")
    outbox = storage.outbox
    queued = await outbox.enqueue(text(SRI), None, None)
    assert await outbox.record_attempt(queued.id, "Bad Gateway") == 1
    assert await outbox.record_attempt(queued.id, "Bad Gateway") == 2

    await outbox.mark_failed(queued.id, "Forbidden: bot was blocked by the user", unreachable=True)

    failed = await outbox.get(queued.id)
    assert failed is not None
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 2)
    assert failed.error == "Forbidden: bot was blocked by the user"
    assert await outbox.next_for_chat(SRI) is None
    person = await storage.people.get(SRI)
    assert person is not None and person.blocked_at is not None


async def test_answered_messages_are_pruned_after_a_while_and_queued_ones_never(
    storage: Storage,
) -> None:
    outbox = storage.outbox
    sent = await outbox.enqueue(text(ADMIN_ANI), 100, 1)
    failed = await outbox.enqueue(text(ADMIN_BUDI), 100, 1)
    queued = await outbox.enqueue(text(SRI), 100, 1)
    await outbox.mark_sent(sent.id, 0, 1)
    await outbox.mark_failed(failed.id, "chat not found")

    assert await outbox.prune(utc_now() - timedelta(hours=1)) == 0
    assert await outbox.prune(utc_now() + timedelta(minutes=1)) == 2

    assert await outbox.get(sent.id) is None and await outbox.get(failed.id) is None
    assert await outbox.get(queued.id) is not None


async def test_a_document_is_kept_whole_until_sent(storage: Storage) -> None:
    pdf = b"%PDF-1.4\x00\xff\xfe" + bytes(range(256)) * 40
    document = OutgoingMessage(
        chat_id=SRI,
        action=OutboxAction.SEND_DOCUMENT,
        text="Statement",
        document=pdf,
        file_name="statement.pdf",
    )
    queued = await storage.outbox.enqueue(document, None, None)
    stored = await storage.outbox.get(queued.id)
    assert stored is not None
    assert (stored.document, stored.file_name) == (pdf, "statement.pdf")


# -- the sender ---------------------------------------------------------------------------------


async def test_an_update_processed_again_after_a_restart_queues_nothing_twice(
    storage: Storage,
) -> None:
    bot = Bot(TOKEN)
    token = PROCESSING_UPDATE.set(100)
    try:
        for outbox in (Outbox(bot, storage, Pacer()), Outbox(bot, storage, Pacer())):
            await outbox.send_message(ADMIN_ANI, "new order")
            await outbox.send_message(ADMIN_BUDI, "new order")
            await outbox.edit_message_text(ADMIN_ANI, 7, "decided")
        PROCESSING_UPDATE.set(101)
        await outbox.send_message(ADMIN_ANI, "another update")
    finally:
        PROCESSING_UPDATE.reset(token)
    rows = await storage.db.fetch_all(
        "SELECT update_id, chat_id, sequence, text FROM outbox ORDER BY id"
    )
    assert [tuple(row) for row in rows] == [
        (100, ADMIN_ANI, 1, "new order"),
        (100, ADMIN_BUDI, 1, "new order"),
        (100, ADMIN_ANI, 2, "decided"),
        (101, ADMIN_ANI, 1, "another update"),
    ]


async def test_an_update_is_settled_once_its_messages_are_out_in_order(
    storage: Storage, emulator: BotApiEmulator
) -> None:
    li = Person(emulator, 2001, "Li", language_code="en")
    bot: ExtBot[None] = ExtBot(
        TOKEN,
        base_url=emulator.base_url,
        base_file_url=emulator.base_file_url,
        defaults=Defaults(parse_mode=ParseMode.HTML),
    )
    async with bot:
        outbox = Outbox(bot, storage, Pacer())
        token = PROCESSING_UPDATE.set(100)
        try:
            await outbox.send_message(2001, "<b>one</b>")
            await outbox.send_message(2001, "two & <three>", parse_mode=None)
            await outbox.send_document(2001, b"a,b\n1,2\n", "figures.csv", "<i>figures</i>")
        finally:
            PROCESSING_UPDATE.reset(token)
        await asyncio.wait_for(outbox.settled(999), 1)  # nothing queued: at once
        with pytest.raises(TimeoutError):  # nothing sends yet
            await asyncio.wait_for(outbox.settled(100), 0.3)
        assert li.inbox == []

        stop = asyncio.Event()
        sender = asyncio.create_task(outbox.run(stop))
        try:
            await asyncio.wait_for(outbox.settled(100), DEADLINE_SECONDS)
        finally:
            stop.set()
            await sender
    assert [message.plain for message in li.inbox] == ["one", "two & <three>", "figures"]
    assert li.inbox[2].document is not None
    assert li.inbox[2].document["file_name"] == "figures.csv"
    rows = await storage.db.fetch_all("SELECT status FROM outbox")
    assert [row["status"] for row in rows] == ["sent"] * 3
    assert emulator.violations == []


# -- through the running bot --------------------------------------------------------------------


async def up_to_sending_a_registration(sri: Person) -> None:
    """Walk an artisan through registration, stopping before Send."""
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.tap("Pakai")
    await sri.tap("Jiwut")
    await sri.send("Kendang Jaya")
    await sri.tap("Lewati")


async def test_a_chat_answering_429_holds_up_only_its_own_messages(bot: RunningBot) -> None:
    emulator = bot.emulator
    refused = emulator.too_many_requests_by_chat
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    sri, joko = bot.person(SRI, "Sri", "id"), bot.person(JOKO, "Joko", "id")
    for artisan in (sri, joko):
        artisan.timeout = DEADLINE_SECONDS
        await up_to_sending_a_registration(artisan)
    emulator.inject(
        "sendMessage", "429", chat_id=ADMIN_BUDI, count=None, retry_after=BUDI_WAITS_SECONDS
    )

    sending = [asyncio.create_task(sri.tap("Kirim pendaftaran"))]
    await emulator.wait_until(lambda: refused.get(ADMIN_BUDI, 0) >= 1, DEADLINE_SECONDS)
    refusals = refused[ADMIN_BUDI]
    # Queued while Budi's chat waits out its 429: it goes out at once all the same, without
    # waiting for Budi's next try.
    sending.append(asyncio.create_task(joko.tap("Kirim pendaftaran")))
    await emulator.wait_until(
        lambda: (
            has(sri, "Pendaftaran terkirim")
            and has(joko, "Pendaftaran terkirim")
            and len(cards(ani, "Pendaftaran perajin baru")) == 2
        ),
        DEADLINE_SECONDS,
    )
    assert refused[ADMIN_BUDI] == refusals, "Ani's card waited for Budi's turn"
    assert cards(budi, "New artisan registration") == []

    await emulator.wait_until(lambda: refused[ADMIN_BUDI] > refusals, DEADLINE_SECONDS)
    emulator.clear_faults()
    await emulator.wait_until(
        lambda: len(cards(budi, "New artisan registration")) == 2, DEADLINE_SECONDS
    )
    await asyncio.gather(*sending)
    first, second = cards(budi, "New artisan registration")
    assert "Sri" in first.plain and "Joko" in second.plain
    assert len(cards(ani, "Pendaftaran perajin baru")) == 2


async def test_a_copy_still_queued_goes_out_as_the_card_stands_now(bot: RunningBot) -> None:
    emulator = bot.emulator
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    ani.timeout = DEADLINE_SECONDS
    await budi.send("/start")
    sri = bot.person(SRI, "Sri", "id")
    sri.timeout = DEADLINE_SECONDS
    await up_to_sending_a_registration(sri)
    emulator.inject("sendMessage", "429", chat_id=ADMIN_BUDI, count=None, retry_after=1)
    sending = asyncio.create_task(sri.tap("Kirim pendaftaran"))
    await emulator.wait_until(lambda: has(ani, "Pendaftaran perajin baru"), DEADLINE_SECONDS)

    approving = asyncio.create_task(ani.tap("Setujui", ani.last))
    await emulator.wait_until(lambda: has(sri, "Selamat bergabung"), DEADLINE_SECONDS)
    assert not has(budi, "New artisan registration")

    emulator.clear_faults()
    await emulator.wait_until(lambda: has(budi, "New artisan registration"), DEADLINE_SECONDS)
    await asyncio.gather(sending, approving)
    [card] = cards(budi, "New artisan registration")
    assert "Approved by Ani" in card.plain
    assert card.labels == ["👤 Open member"]
    # Sent as it stands, not sent with Approve / Reject and edited afterwards.
    assert not [
        request
        for request in emulator.requests
        if request.method.startswith("editMessage") and request.params["chat_id"] == ADMIN_BUDI
    ]


async def test_a_recipient_who_blocked_the_bot_fails_at_once_without_retries(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    emulator.block(ADMIN_BUDI)
    sri = bot.person(SRI, "Sri", "id")
    sri.timeout = DEADLINE_SECONDS
    await up_to_sending_a_registration(sri)
    before = len(emulator.requests)

    await sri.tap("Kirim pendaftaran")

    await emulator.wait_until(lambda: has(ani, "Pendaftaran perajin baru"), DEADLINE_SECONDS)
    rows = await _outbox_rows(bot, ADMIN_BUDI)
    assert len(rows) == 1
    status, attempts, error = rows[0]
    assert (status, attempts) == ("failed", 0)
    assert "blocked" in error
    to_budi = [
        request
        for request in emulator.requests[before:]
        if request.method == "sendMessage" and request.params["chat_id"] == ADMIN_BUDI
    ]
    assert len(to_budi) == 1


async def _outbox_rows(bot: RunningBot, chat_id: int) -> list[tuple[str, int, str]]:
    storage = await Storage.open(bot.settings.db_path)
    try:
        rows = await storage.db.fetch_all(
            "SELECT status, attempts, error FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
    finally:
        await storage.close()
    return [(row[0], row[1], row[2]) for row in rows]


async def test_messages_queued_before_a_kill_are_sent_after_the_restart(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path, {"KENDANG_ADMIN_IDS": f"{ADMIN_ANI},{ADMIN_BUDI}"})
    await process.start()
    ani = Person(emulator, ADMIN_ANI, "Ani", language_code="id")
    budi = Person(emulator, ADMIN_BUDI, "Budi", language_code="en")
    sri = Person(emulator, SRI, "Sri", language_code="id")
    for person in (ani, budi, sri):
        person.timeout = STARTUP_SECONDS
    await budi.send("/start")
    await up_to_sending_a_registration(sri)
    # Budi's chat asks for a long wait: his copy is still queued when the bot is killed.
    emulator.inject("sendMessage", "429", chat_id=ADMIN_BUDI, count=None, retry_after=600)
    sending = asyncio.create_task(sri.tap("Kirim pendaftaran"))
    # Ani's copy is marked sent (a message in flight at a kill may come twice), and Budi's
    # was refused.
    await emulator.wait_until(
        lambda: (
            _statuses(process, ADMIN_ANI) == ["sent"]
            and emulator.too_many_requests_by_chat.get(ADMIN_BUDI, 0) >= 1
        ),
        STARTUP_SECONDS,
    )
    assert _statuses(process, ADMIN_BUDI) == ["queued"]

    await process.kill()
    emulator.clear_faults()
    await process.start()

    await emulator.wait_until(lambda: has(budi, "New artisan registration"), STARTUP_SECONDS)
    await sending
    assert len(cards(budi, "New artisan registration")) == 1
    assert len(cards(ani, "Pendaftaran perajin baru")) == 1
    await emulator.wait_until(lambda: _statuses(process, ADMIN_BUDI) == ["sent"], STARTUP_SECONDS)
    assert await process.terminate() == 0


def _statuses(process: BotProcess, chat_id: int) -> list[str]:
    rows = process.query(f"SELECT status FROM outbox WHERE chat_id = {chat_id} ORDER BY id")
    return [str(row[0]) for row in rows]
