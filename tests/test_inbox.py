"""Members write to the cooperative and the admins answer: the real bot against the emulator."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

from bot.emulator import BotApiEmulator, Person
from bot.emulator.server import text_content
from bot.emulator.world import ChatMessage
from storage import Storage
from tests.conftest import (
    ADMIN_BUDI,
    RunningBot,
    active_artisan,
    active_buyer,
    make_settings,
)
from tests.test_durability import STARTUP_SECONDS, BotProcess, wait_for

QUESTION = "halo pak, kapan dibayar? <b>&"


def query(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the database file directly."""
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.execute(sql, args))


def stored(bot: RunningBot) -> list[tuple[Any, ...]]:
    """Every stored message: thread, from the member, text, photo, answered by."""
    return query(
        bot.settings.db_path,
        "SELECT thread_id, from_member, text, photo_file_id, answered_by"
        " FROM thread_messages ORDER BY id",
    )


def cards(person: Person, words: str) -> list[ChatMessage]:
    """The cards of members' messages in an admin's chat that contain `words`."""
    titles = ("✉️ Pesan untuk koperasi", "✉️ Message to the cooperative")
    return [
        message
        for message in person.inbox
        if words in message.plain and message.buttons and message.plain.startswith(titles)
    ]


def now(person: Person, message: ChatMessage) -> ChatMessage:
    """A message in a person's chat as it stands now, edits included."""
    return person.emulator.private_chat(person.user_id).messages[message.message_id]


@asynccontextmanager
async def opened(bot: RunningBot) -> AsyncIterator[Storage]:
    """A second connection to the bot's database, for setting things up quickly."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def admins(bot: RunningBot) -> tuple[Person, Person]:
    """Ani (Indonesian) and Budi (English), who has opened the bot so it knows his language."""
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    return ani, budi


async def write(person: Person, text: str) -> list[ChatMessage]:
    """Write to the cooperative with /write; return the bot's answer to the message."""
    await person.send("/write")
    return await person.send(text)


async def test_an_artisan_writes_and_every_admin_gets_the_card_with_reply(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await sri.tap("Tulis ke koperasi")
    assert "Ketik pesan Anda" in sri.last_text
    replies = await sri.send(QUESTION)
    assert replies[-1].plain.startswith("✅ Pesan Anda sudah terkirim ke koperasi")
    [for_ani], [for_budi] = cards(ani, QUESTION), cards(budi, QUESTION)
    assert "Pesan untuk koperasi" in for_ani.plain
    assert "Sri Wahyuni\nPerajin · Jiwut · Bengkel Sri Wahyuni" in for_ani.plain
    assert "Artisan · Jiwut · Bengkel Sri Wahyuni" in for_budi.plain
    assert for_ani.button_data("Jawab") == "inbox:reply:1"
    assert for_budi.labels == ["↩️ Reply", "✅ Mark answered", "💬 Conversation"]
    assert stored(bot) == [(1, 1, QUESTION, None, None)]


async def test_an_admin_replies_the_artisan_answers_and_the_inbox_follows(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await write(sri, QUESTION)
    listing = (await ani.send("/inbox"))[-1]
    assert "1 percakapan menunggu jawaban" in listing.plain
    assert "Menunggu jawaban" in listing.plain and "1 pesan menunggu" in listing.plain

    [card] = cards(ani, QUESTION)
    await ani.tap("Jawab", card)
    assert "Jawab Sri Wahyuni" in ani.last_text
    replies = await ani.send("Besok ditransfer, Bu. <i>")
    assert "Jawaban Anda sedang dikirim ke Sri Wahyuni" in replies[-1].plain
    assert sri.last_text == "💬 Pesan dari koperasi\n\nBesok ditransfer, Bu. <i>"
    assert sri.last.labels == ["↩️ Balas", "⬅️ Menu"]
    # Every admin's copy of the card shows who answered, and what.
    [budi_card] = cards(budi, QUESTION)
    assert "✅ Answered by Ani: Besok ditransfer, Bu. <i>" in budi_card.plain
    assert budi_card.labels == ["↩️ Reply", "💬 Conversation"]
    assert "✅ Dijawab oleh Ani" in now(ani, card).plain
    listing = (await ani.send("/inbox"))[-1]
    assert "0 percakapan menunggu jawaban" in listing.plain
    assert "Sudah dijawab" in listing.plain and "dijawab oleh Ani" in listing.plain

    # The artisan answers again: the same conversation, open again.
    await sri.tap("Balas")
    await sri.send("terima kasih pak")
    assert [row[:2] for row in stored(bot)] == [(1, 1), (1, 0), (1, 1)]
    assert len(cards(budi, "terima kasih pak")) == 1
    await ani.send("/inbox")
    conversation = await ani.tap("Sri Wahyuni")
    text = conversation[-1].plain
    assert "Menunggu jawaban" not in text and "Percakapan" in text
    newest_first = ["terima kasih pak", "Besok ditransfer", "kapan dibayar"]
    assert sorted(newest_first, key=text.index) == newest_first
    assert "Ani, atas nama koperasi" in text and "🟡 menunggu" in text


async def test_an_admin_marks_a_message_answered_without_replying(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await write(sri, QUESTION)
    heard = len(sri.inbox)
    [card] = cards(budi, QUESTION)
    await budi.tap("Mark answered", card)
    assert budi.callback_answers[-1]["text"] == "Marked as answered."
    assert "✅ Marked as answered by Budi" in now(budi, card).plain
    [ani_card] = cards(ani, QUESTION)
    assert "✅ Ditandai sudah dijawab oleh Budi" in ani_card.plain
    assert len(sri.inbox) == heard  # the artisan is told nothing
    await ani.press("inbox:done:1", ani_card)
    assert "Budi sudah menjawabnya" in ani.callback_answers[-1]["text"]
    assert stored(bot) == [(1, 1, QUESTION, None, ADMIN_BUDI)]


async def test_a_photo_with_a_caption_reaches_the_admins_as_a_photo(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await sri.send("/write")
    await sri.send_photo(caption="kulitnya retak, pak")
    assert sri.last_text.startswith("✅ Pesan Anda sudah terkirim")
    [card] = cards(budi, "kulitnya retak, pak")
    assert card.photo and "Message to the cooperative" in card.plain
    await ani.tap("Jawab", cards(ani, "kulitnya retak")[0])
    await ani.send("Tolong bawa ke koperasi besok.")
    assert "Answered by Ani" in now(budi, card).plain
    assert now(budi, card).photo  # still the photo, its caption edited
    await ani.tap("Percakapan")
    assert "📷 kulitnya retak, pak" in ani.last_text
    photos = await ani.tap("📷 Foto")
    assert photos[-1].photo and "kulitnya retak, pak" in photos[-1].plain
    [(photo,)] = query(bot.settings.db_path, "SELECT photo_file_id FROM thread_messages LIMIT 1")
    assert photo


async def test_a_buyer_and_a_pending_artisan_may_write_too(bot: RunningBot) -> None:
    ani, _ = await admins(bot)
    li = await active_buyer(bot)
    await li.tap("Write to the cooperative")
    replies = await li.send("When will my container ship?")
    assert replies[-1].plain.startswith("✅ Your message has been sent to the cooperative")
    assert "Pembeli · Yiwu Music Trading, China" in cards(ani, "container ship")[0].plain
    wati = bot.person(1005, "Wati", "id")
    await wati.send("/start")
    await wati.tap("Saya perajin")
    await wati.send("Wati")
    await wati.tap("Ngoran")
    await wati.send("Bengkel Wati")
    await wati.tap("Lewati")
    await wati.tap("Kirim pendaftaran")
    await wati.send("/menu")
    await wati.tap("Tulis ke koperasi")
    await wati.send("kapan pendaftaran saya disetujui?")
    assert "menunggu persetujuan" in cards(ani, "kapan pendaftaran")[0].plain


async def test_only_members_may_write_and_nothing_reaches_the_admins_otherwise(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    await ani.send("/start")
    dewi = bot.person(3001, "Dewi", "id")
    replies = await dewi.send("/write")
    assert "Kirim /start untuk mendaftar" in replies[-1].plain
    await dewi.press("msg:write", dewi.last)
    assert "yang terdaftar" in dewi.callback_answers[-1]["text"]
    assert "pakai tombol di menu. Kirim /menu" in (await dewi.send("halo"))[-1].plain
    replies = await ani.send("/write")
    assert "Sebagai admin" in replies[-1].plain
    joko = await active_artisan(bot, 1002, "Joko Susilo")
    await joko.send("/write")
    async with opened(bot) as storage:
        member = await storage.members.by_telegram_id(1002)
        assert member is not None
    await ani.press(f"mem:set:{member.id}:active:deactivated")
    replies = await joko.send("halo pak")
    assert "tidak aktif" in replies[-1].plain
    assert stored(bot) == []
    assert not [m for m in ani.inbox if "Pesan untuk koperasi" in m.plain]


async def test_free_text_from_a_member_points_to_writing(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    replies = await sri.send("halo pak, kapan dibayar?")
    assert "Silakan pakai tombol di menu" in replies[-1].plain
    assert "Tulis ke koperasi" in replies[-1].plain
    await sri.tap("Tulis ke koperasi")
    assert "Ketik pesan Anda" in sri.last_text
    await sri.send_sticker()
    assert "Silakan ketik pesan Anda" in sri.last_text
    await sri.send("a" * 3501)
    assert "terlalu panjang (3.501 huruf)" in sri.last_text
    assert stored(bot) == []


async def test_limits_refuse_with_a_message_and_nothing_reaches_the_admins(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(max_waiting_messages=2, max_messages_per_day=3)
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await write(sri, "satu")
    await write(sri, "dua")
    replies = await sri.send("/write")
    assert "Anda sudah punya 2 pesan yang menunggu jawaban koperasi" in replies[-1].plain
    # Counted again as a message is stored: one more arrived while Sri was typing.
    await ani.tap("Jawab", cards(ani, "dua")[0])
    await ani.send("Sudah kami catat.")
    await sri.send("/write")
    async with opened(bot) as storage:
        member = await storage.members.by_telegram_id(sri.user_id)
        assert member is not None
        await storage.inbox.write(member.id, "dari ponsel lain")
        await storage.inbox.write(member.id, "dan lagi")
    replies = await sri.send("tiga")
    assert replies[-1].plain.startswith("Pesan Anda tidak terkirim. Anda sudah punya 2 pesan")
    await ani.tap("Jawab", cards(ani, "dua")[0])
    await ani.send("Baik.")
    replies = await sri.send("/write")
    assert "paling banyak 3 kali dalam 24 jam" in replies[-1].plain
    assert len(cards(budi, "Message to the cooperative")) == 2
    assert [row[2] for row in stored(bot) if row[1]] == [
        "satu",
        "dua",
        "dari ponsel lain",
        "dan lagi",
    ]


async def test_a_message_delivered_again_after_kill_9_is_stored_and_sent_once(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path)
    bot = RunningBot(emulator, make_settings(emulator, process.db_path))
    await process.start()
    try:
        await wait_for(lambda: any(r.method == "getUpdates" for r in emulator.requests))
        ani = bot.admin()
        sri = await active_artisan(bot)
        await sri.send("/write")
        # The answer to the artisan hangs after the message is stored; the bot dies then.
        emulator.inject("sendMessage", "delay", delay=60.0, count=1, chat_id=sri.user_id)
        mark = len(emulator.requests)
        update_id = emulator.user_message(sri.user_id, text_content(QUESTION))
        await wait_for(
            lambda: any(
                r.method == "sendMessage" and r.params.get("chat_id") == sri.user_id
                for r in emulator.requests[mark:]
            )
        )
        assert len(stored(bot)) == 1
        await process.kill()
        emulator.clear_faults()

        await process.start()
        await emulator.wait_confirmed(update_id, within=STARTUP_SECONDS)
        await wait_for(lambda: len(cards(ani, QUESTION)) == 1)
        assert len(stored(bot)) == 1
        assert sri.last_text.startswith("✅ Pesan Anda sudah terkirim")
        assert len(cards(ani, QUESTION)) == 1
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()
    assert emulator.violations == []
