"""Admins compose, send, schedule and manage announcements, end to end through the emulator."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from handlers.announcements.schedule import parse_moment
from storage import Storage
from storage.models.broadcasts import Audience, BroadcastDraft
from tests.conftest import ADMIN_BUDI, RunningBot, active_artisan, active_buyer

JAKARTA = ZoneInfo("Asia/Jakarta")
CANCELLED = "Announcement cancelled. Nothing was saved."
REFUSED = "only the cooperative's admins"


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def broadcasts(bot: RunningBot) -> list[sqlite3.Row]:
    """Every stored announcement, oldest first."""
    return query(bot, "SELECT * FROM broadcasts ORDER BY id")


def versions(bot: RunningBot, broadcast_id: int) -> dict[str, str]:
    """The versions stored for an announcement besides the written one, by locale."""
    rows = query(
        bot, "SELECT locale, text FROM broadcast_versions WHERE broadcast_id = ?", broadcast_id
    )
    return {row["locale"]: row["text"] for row in rows}


def delivered_to(bot: RunningBot, broadcast_id: int) -> set[int]:
    """Who has a delivery row for an announcement."""
    rows = query(bot, "SELECT telegram_id FROM deliveries WHERE broadcast_id = ?", broadcast_id)
    return {row["telegram_id"] for row in rows}


async def english_admin(bot: RunningBot) -> Person:
    """Budi, an admin who reads English and has opened the bot."""
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    return budi


async def pending_artisan(bot: RunningBot, user_id: int = 1003, name: str = "Joko Santoso") -> None:
    """An artisan whose registration waits for an admin."""
    joko = bot.person(user_id, name.split()[0], "id")
    await joko.send("/start")
    await joko.tap("Saya perajin")
    await joko.send(name)
    await joko.tap("Jeding")
    await joko.send(f"Bengkel {name}")
    await joko.tap("Lewati")
    await joko.tap("Kirim pendaftaran")


async def members(bot: RunningBot) -> Person:
    """Sri (Jiwut) and Tono (Ngoran), artisans; Li, a buyer; Joko, pending. Returns Budi."""
    await active_artisan(bot)
    await active_artisan(bot, 1002, "Tono Hadi", "Ngoran")
    await active_buyer(bot)
    await pending_artisan(bot)
    return await english_admin(bot)


async def compose(admin: Person, audience: str, text: str) -> list[ChatMessage]:
    """Walk an admin to the check before sending, with one version; return the last replies."""
    await admin.send("/broadcast")
    await admin.tap(audience)
    await admin.send(text)
    return await admin.tap("No, one version for everyone")


def progress_message(bot: RunningBot, row: sqlite3.Row) -> ChatMessage:
    """The message an announcement's progress is shown in, as it stands now."""
    chat = bot.emulator.private_chat(row["progress_chat_id"])
    return chat.messages[row["progress_message_id"]]


async def saved(bot: RunningBot, audience: Audience, text: str, **kwargs: Any) -> int:
    """Store an announcement directly; return its id."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        draft = BroadcastDraft(audience=audience, locale="en", text=text)
        summary = await storage.broadcasts.create(draft, by=ADMIN_BUDI, **kwargs)
        return summary.broadcast.id
    finally:
        await storage.close()


@pytest.fixture
async def slow_bot(start_bot: Callable[..., Any]) -> RunningBot:
    """The bot sending announcements so slowly that one stays 'sending' after its first message."""
    running: RunningBot = await start_bot(broadcast_rate=0.01)
    return running


async def test_audience_buttons_show_how_many_people_can_be_reached(bot: RunningBot) -> None:
    budi = await members(bot)
    screen = (await budi.send("/broadcast"))[-1]
    assert "New announcement" in screen.plain
    assert screen.labels == [
        "👥 Everyone (3)",
        "🪘 Artisans (2)",
        "🧳 Buyers (1)",
        "🏡 Artisans of one village (2 villages)",
        "📝 Pending registrations (1)",
        "📜 Past announcements",
        "✖️ Cancel",
    ]
    bot.emulator.block(1002)
    screen = (await budi.send("/broadcast"))[-1]
    assert screen.labels[:5] == [
        "👥 Everyone (2)",
        "🪘 Artisans (1)",
        "🧳 Buyers (1)",
        "🏡 Artisans of one village (1 village)",
        "📝 Pending registrations (1)",
    ]


async def test_text_arrives_intact_and_send_now_writes_one_delivery_per_recipient(
    bot: RunningBot,
) -> None:
    budi = await members(bot)
    typed = "Rapat <b>besok</b> & bawa *kendang* — 1 < 2"
    await budi.send("/broadcast")
    await budi.tap("Artisans (2)")
    assert "Send the announcement: a text, or a photo with a caption." in budi.last_text
    question = (await budi.send(typed))[-1]
    assert question.labels == [
        "🇮🇩 Add the Indonesian version",
        "🇨🇳 Add the Chinese version",
        "No, one version for everyone",
        "✖️ Cancel",
    ]
    replies = await budi.tap("No, one version for everyone")

    previews = [message for message in replies if message.plain == typed]
    assert len(previews) == 1 and previews[0].entities == ()
    summary = replies[-1]
    assert "To: all artisans" in summary.plain
    assert "Recipients now: 2" in summary.plain
    assert "English version: 2 people" in summary.plain
    assert summary.labels == ["✅ Send now", "🕒 Schedule", "👥 Change the audience", "✖️ Cancel"]
    assert broadcasts(bot) == []

    await budi.tap("Send now", summary)

    [row] = broadcasts(bot)
    assert (row["audience"], row["text"], row["locale"]) == ("artisans", typed, "en")
    assert versions(bot, row["id"]) == {} and row["photo_file_id"] is None
    assert row["created_by"] == ADMIN_BUDI and row["status"] in ("sending", "done")
    assert delivered_to(bot, row["id"]) == {1001, 1002}
    progress = progress_message(bot, row)
    assert row["progress_chat_id"] == ADMIN_BUDI
    assert "Announcement B-000001 to all artisans" in progress.plain
    # The check's buttons are gone, and an old Send now does not send twice.
    assert budi.emulator.private_chat(ADMIN_BUDI).messages[summary.message_id].labels == []
    await budi.press("bc:send", summary)
    assert "no longer active" in budi.callback_answers[-1]["text"]
    assert len(broadcasts(bot)) == 1


async def test_an_announcement_to_one_village_reaches_only_its_artisans(bot: RunningBot) -> None:
    budi = await members(bot)
    await budi.send("/broadcast")
    villages = (await budi.tap("Artisans of one village"))[-1]
    assert villages.labels == ["Jiwut (1)", "Ngoran (1)", "⬅️ Back", "✖️ Cancel"]
    await budi.press("bc:vil:7", villages)
    assert "no longer active" in budi.callback_answers[-1]["text"]
    await budi.tap("Ngoran", villages)
    await budi.send("Panen kayu mahoni minggu depan")
    summary = (await budi.tap("No, one version for everyone"))[-1]
    assert "To: the artisans of Ngoran" in summary.plain
    assert "Recipients now: 1" in summary.plain
    await budi.tap("Send now", summary)
    [row] = broadcasts(bot)
    assert (row["audience"], row["village"]) == ("village", "Ngoran")
    assert delivered_to(bot, row["id"]) == {1002}


async def test_a_photo_with_a_caption_and_a_version_in_the_other_language(
    bot: RunningBot,
) -> None:
    budi = await members(bot)
    await budi.send("/broadcast")
    await budi.tap("Everyone")
    await budi.send_photo(caption="New <model> & prices *soon*")
    sent = [m for m in bot.emulator.private_chat(ADMIN_BUDI).messages.values() if not m.from_bot]
    largest = sent[-1].content["photo"][-1]["file_id"]
    await budi.tap("Add the Indonesian version")
    assert "Type the Indonesian caption for the same photo (up to 1,024" in budi.last_text
    question = (await budi.send("Model <baru> & harga"))[-1]
    assert "Versions so far: 🇬🇧 🇮🇩" in question.plain
    assert question.labels == [
        "✏️ Change the Indonesian version",
        "🇨🇳 Add the Chinese version",
        "✅ Done, no more versions",
        "✖️ Cancel",
    ]
    replies = await budi.tap("Done, no more versions")

    photos = [message for message in replies if message.photo]
    assert [message.plain for message in photos] == [
        "New <model> & prices *soon*",
        "Model <baru> & harga",
    ]
    summary = replies[-1].plain
    assert "A photo with a caption" in summary and "Recipients now: 3" in summary
    assert "English version: 1 person" in summary
    assert "Indonesian version: 2 people" in summary
    await budi.tap("Send now")
    [row] = broadcasts(bot)
    assert row["photo_file_id"] == largest
    assert row["text"] == "New <model> & prices *soon*"
    assert versions(bot, row["id"]) == {"id": "Model <baru> & harga"}
    assert delivered_to(bot, row["id"]) == {1001, 1002, 2001}


async def test_other_kinds_and_too_long_messages_are_explained_and_the_step_stays(
    bot: RunningBot,
) -> None:
    budi = await members(bot)
    await budi.send("/broadcast")
    await budi.tap("Buyers")
    for act in (
        budi.send_sticker(),
        budi.send_document(b"%PDF-1.4", "price.pdf", "application/pdf"),
        budi.send_location(-8.1, 112.2),
    ):
        replies = await act
        assert "I can only announce a text, or a photo with a caption" in replies[-1].plain
    replies = await budi.send("x" * 4097)
    assert "That text is 4,097 characters long" in replies[-1].plain
    replies = await budi.send_photo(caption="y" * 1025)
    assert "That caption is 1,025 characters long" in replies[-1].plain
    replies = await budi.send("/stock")
    assert "You are writing an announcement" in replies[-1].plain
    await budi.send("x" * 4096)
    await budi.tap("Add the Indonesian version")
    replies = await budi.send_sticker()
    assert "Please type this version as text." in replies[-1].plain
    replies = await budi.send_photo(caption="Versi foto")
    assert "Please type this version as text." in replies[-1].plain
    replies = await budi.send("z" * 4097)
    assert "That text is 4,097 characters long" in replies[-1].plain
    await budi.send("Versi Indonesia")
    summary = (await budi.tap("Done, no more versions"))[-1]
    assert "Indonesian version: 0 people" in summary.plain
    assert "English version: 1 person" in summary.plain
    assert broadcasts(bot) == []


async def test_scheduling_refuses_garbage_and_past_times_then_keeps_a_valid_one(
    bot: RunningBot,
) -> None:
    budi = await members(bot)
    await compose(budi, "Buyers", "Container closes Friday")
    question = (await budi.tap("Schedule"))[-1]
    assert "When should it be sent?" in question.plain and "Asia/Jakarta" in question.plain
    assert "Tomorrow 07:00" in question.labels and "✖️ Cancel" in question.labels

    replies = await budi.send("next friday")
    assert "I cannot read that date and time." in replies[-1].plain
    replies = await budi.send("01-01-2020 08:00")
    assert "has already passed" in replies[-1].plain
    far = datetime.now(JAKARTA) + timedelta(days=90)
    replies = await budi.send(far.strftime("%d-%m-%Y 08:00"))
    assert "more than 60 days ahead" in replies[-1].plain
    replies = await budi.send_sticker()
    assert "Please type the date and time as text." in replies[-1].plain
    assert broadcasts(bot) == []

    day = datetime.now(JAKARTA).date() + timedelta(days=2)
    await budi.send(day.strftime("%Y-%m-%d 08:30"))

    [row] = broadcasts(bot)
    moment = datetime(day.year, day.month, day.day, 8, 30, tzinfo=JAKARTA)
    assert row["status"] == "scheduled"
    assert datetime.fromisoformat(row["send_at"]) == moment
    assert delivered_to(bot, row["id"]) == set()
    progress = progress_message(bot, row)
    assert "to all buyers: scheduled" in progress.plain
    assert "8:30:00" in progress.plain  # the cooperative's time, not UTC
    assert progress.labels == ["✖️ Cancel the rest"]


async def test_a_quick_button_schedules_tomorrow_morning(bot: RunningBot) -> None:
    budi = await members(bot)
    await compose(budi, "Everyone", "Libur besok")
    await budi.tap("Schedule")
    await budi.tap("Tomorrow 07:00")
    [row] = broadcasts(bot)
    moment = datetime.fromisoformat(row["send_at"]).astimezone(JAKARTA)
    assert (moment.hour, moment.minute) == (7, 0)
    assert timedelta(0) < moment - datetime.now(JAKARTA) <= timedelta(days=1, hours=7)


async def test_cancel_at_every_step_saves_nothing(bot: RunningBot) -> None:
    budi = await members(bot)
    steps: list[list[str]] = [
        [],
        ["Artisans of one village"],
        ["Artisans (2)"],
        ["Artisans (2)", "text:Halo semua"],
        ["Artisans (2)", "text:Halo semua", "Add the Indonesian version"],
        ["Artisans (2)", "text:Halo semua", "Add the Chinese version", "text:大家好"],
        ["Artisans (2)", "text:Halo semua", "Add the Chinese version", "text:大家好"],
        ["Artisans (2)", "text:Halo semua", "No, one version for everyone"],
        ["Artisans (2)", "text:Halo semua", "No, one version for everyone", "Schedule"],
    ]
    for index, path in enumerate(steps):
        await budi.send("/broadcast")
        for step in path:
            if step.startswith("text:"):
                await budi.send(step.removeprefix("text:"))
            else:
                await budi.tap(step)
        if index % 2:
            replies = await budi.send("/cancel")
        else:
            replies = await budi.tap("Cancel")
        assert replies[-1].plain == CANCELLED, path
        replies = await budi.send("Halo semua")
        assert "Please use the buttons of the menu" in replies[-1].plain
        assert broadcasts(bot) == []


async def test_changing_the_audience_keeps_the_message(bot: RunningBot) -> None:
    budi = await members(bot)
    await compose(budi, "Buyers", "Harga naik")
    await budi.tap("Change the audience")
    assert "📜 Past announcements" not in budi.last.labels
    summary = (await budi.tap("Pending registrations"))[-1]
    assert "To: people waiting for approval" in summary.plain
    assert "Recipients now: 1" in summary.plain
    await budi.tap("Send now", summary)
    [row] = broadcasts(bot)
    assert (row["audience"], row["text"]) == ("pending", "Harga naik")
    assert delivered_to(bot, row["id"]) == {1003}


async def test_nobody_to_reach_means_no_announcement(bot: RunningBot) -> None:
    await active_buyer(bot)
    budi = await english_admin(bot)
    await budi.send("/broadcast")
    await budi.tap("Pending registrations (0)")
    assert "Nobody in this audience can be reached now" in budi.callback_answers[-1]["text"]
    await budi.tap("Artisans of one village")
    assert "No artisan in any village" in budi.callback_answers[-1]["text"]
    summary = (await compose(budi, "Buyers (1)", "Hello"))[-1]
    bot.emulator.block(2001)
    await budi.tap("Send now", summary)
    assert "Nobody would receive this announcement" in budi.last_text
    assert budi.last.labels == ["👥 Change the audience", "✖️ Cancel"]
    assert broadcasts(bot) == []
    await budi.tap("Cancel")
    assert budi.last_text == CANCELLED


async def test_non_admins_are_refused_and_nothing_changes(bot: RunningBot) -> None:
    await members(bot)
    li = bot.person(2001, "Li", "en")
    sri = bot.person(1001, "Sri", "id")
    later = datetime.now(UTC) + timedelta(days=1)
    broadcast_id = await saved(bot, Audience.EVERYONE, "Hello", send_at=later)
    replies = await li.send("/broadcast")
    assert REFUSED in replies[-1].plain
    for data in (
        "bc:new",
        "bc:list",
        f"bc:pause:{broadcast_id}",
        f"bc:resume:{broadcast_id}",
        f"bc:stop:{broadcast_id}",
        f"bc:open:{broadcast_id}",
        "bc:stop:999999",
        "bc:pause:-1",
        "bc:aud:everyone",
        "bc:send",
    ):
        await li.press(data, li.last)
        assert REFUSED in li.callback_answers[-1]["text"], data
    await sri.press(f"bc:stop:{broadcast_id}", sri.last)
    assert "hanya admin koperasi" in sri.callback_answers[-1]["text"].lower()
    await li.send("Hello everyone")
    assert [row["status"] for row in broadcasts(bot)] == ["scheduled"]


async def test_admins_are_told_when_there_is_no_such_announcement(bot: RunningBot) -> None:
    budi = await english_admin(bot)
    await budi.send("/menu")
    for data in ("bc:pause:999999", "bc:open:424242", "bc:stop:1"):
        await budi.press(data, budi.last)
        assert budi.callback_answers[-1]["text"] == "There is no such announcement.", data
    await budi.press("bc:pause:x", budi.last)
    assert "no longer active" in budi.callback_answers[-1]["text"]


async def test_the_list_shows_the_ten_newest_and_opens_one(bot: RunningBot) -> None:
    budi = await members(bot)
    later = datetime.now(UTC) + timedelta(days=3)
    for number in range(11):
        await saved(bot, Audience.BUYERS, f"Notice {number} <soon>", send_at=later)
    menu = (await budi.send("/menu"))[-1]
    screen = (await budi.tap("Announcements", menu))[-1]
    assert screen.message_id == menu.message_id
    assert "B-000011" in screen.plain and "B-000002" in screen.plain
    assert "B-000001" not in screen.plain
    assert "all buyers · scheduled" in screen.plain and "Notice 10 <soon>" in screen.plain
    assert "sent 0 of 0 · failed 0 · unreachable 0" in screen.plain
    assert screen.labels[0] == "🆕 New announcement"
    assert screen.labels[1] == "B-000011 · scheduled" and screen.labels[-1] == "⬅️ Menu"
    assert len(screen.labels) == 12

    opened = (await budi.tap("B-000003", screen))[-1]
    assert "Announcement B-000003 to all buyers: scheduled" in opened.plain
    assert opened.labels == ["✖️ Cancel the rest", "⬅️ Announcements"]
    await budi.tap("Cancel the rest", opened)
    assert "Cancelled" in budi.callback_answers[-1]["text"]
    assert broadcasts(bot)[2]["status"] == "cancelled"
    assert "cancelled" in budi.last_text and budi.last.labels == ["⬅️ Announcements"]
    await budi.press("bc:stop:3", budi.last)
    assert "Nothing to cancel: this announcement is cancelled." in budi.callback_answers[-1]["text"]

    # The first screen of /broadcast leads to the list, and the list to a new announcement.
    await budi.send("/broadcast")
    screen = (await budi.tap("Past announcements"))[-1]
    assert "B-000011" in screen.plain
    audience = (await budi.tap("New announcement", screen))[-1]
    assert "Who should receive it?" in audience.plain


async def test_pause_resume_and_cancel_change_the_status(slow_bot: RunningBot) -> None:
    bot = slow_bot
    budi = await members(bot)
    await compose(budi, "Artisans (2)", "Cek kualitas besok")
    await budi.tap("Send now")
    [row] = broadcasts(bot)
    progress = progress_message(bot, row)
    assert "⏸ Pause" in progress.labels

    await budi.tap("Pause", progress)
    assert "Paused" in budi.callback_answers[-1]["text"]
    assert broadcasts(bot)[0]["status"] == "paused"
    progress = progress_message(bot, row)
    assert ": paused" in progress.plain and "▶️ Resume" in progress.labels
    assert "⬅️ Announcements" not in progress.labels
    await budi.press(f"bc:pause:{row['id']}", progress)
    assert "Not paused: this announcement is paused." in budi.callback_answers[-1]["text"]

    await budi.tap("Resume", progress)
    assert "Resumed" in budi.callback_answers[-1]["text"]
    assert broadcasts(bot)[0]["status"] == "sending"

    await budi.tap("Cancel the rest", progress_message(bot, row))
    assert "Cancelled" in budi.callback_answers[-1]["text"]
    assert broadcasts(bot)[0]["status"] == "cancelled"
    statuses = query(bot, "SELECT status FROM deliveries WHERE broadcast_id = ?", row["id"])
    assert "pending" not in {status["status"] for status in statuses}
    assert "cancelled" in progress_message(bot, row).plain
    await budi.press(f"bc:resume:{row['id']}", progress_message(bot, row))
    assert "Not resumed: this announcement is cancelled." in budi.callback_answers[-1]["text"]


async def test_progress_buttons_work_in_the_middle_of_a_new_announcement(
    slow_bot: RunningBot,
) -> None:
    bot = slow_bot
    budi = await members(bot)
    await compose(budi, "Artisans (2)", "Pertama")
    await budi.tap("Send now")
    [row] = broadcasts(bot)
    await budi.send("/broadcast")
    await budi.tap("Buyers")
    await budi.tap("Pause", progress_message(bot, row))
    assert broadcasts(bot)[0]["status"] == "paused"
    await budi.send("Kedua")
    assert "Add the Indonesian version" in budi.last.labels[0]


def test_typed_moments_are_read_in_the_cooperative_time_zone() -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=JAKARTA)
    expected = datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)
    for typed in (
        "30-11-2026 08:00",
        "30/11/2026 08:00",
        "30/11 08:00",
        "30-11 8.00",
        "2026-11-30 08:00",
        "  30/11/2026   08:00 ",
        "30.11.2026 08.00",
        "30 November 2026 08:00",
        "30 Nov 08.00",
        "30 Nov 2026 08.00.00",  # as the bot writes it in Indonesian
        "Nov 30, 2026, 8:00:00 AM",  # and in English
    ):
        assert parse_moment(typed, now) == expected, typed
    assert parse_moment("05/01 07:00", now) == datetime(2027, 1, 5, 7, 0, tzinfo=JAKARTA)
    assert parse_moment("19/11 07:00", now) == datetime(2026, 11, 19, 7, 0, tzinfo=JAKARTA)
    for typed in (
        "31-11-2026 08:00",
        "30-11-2026 24:00",
        "30-11-2026 13:00 PM",
        "30-11-2026",
        "besok 08:00",
        "",
        "8:00",
    ):
        assert parse_moment(typed, now) is None, typed


async def test_an_indonesian_admin_sends_two_versions_and_each_member_gets_their_own(
    bot: RunningBot,
) -> None:
    await members(bot)
    ani = bot.admin()
    await ani.send("/broadcast")
    assert "Pengumuman baru" in ani.last_text
    await ani.tap("Semua anggota (3)")
    await ani.send("Libur Natal: gudang tutup 25 Desember.")
    await ani.tap("Tambah versi bahasa Inggris")
    assert "Ketik versi bahasa Inggris" in ani.last_text
    await ani.send("Christmas holiday: the warehouse is closed on 25 December.")
    summary = (await ani.tap("Selesai, tanpa versi lain"))[-1]
    assert "Versi bahasa Indonesia: 2 orang" in summary.plain
    assert "Versi bahasa Inggris: 1 orang" in summary.plain
    await ani.tap("Kirim sekarang", summary)

    def got(user_id: int, text: str) -> bool:
        return any(m.plain == text for m in bot.emulator.messages(user_id))

    for _ in range(250):
        if "Selesai" in progress_message(bot, broadcasts(bot)[0]).plain:
            break
        await asyncio.sleep(0.02)
    assert "Terkirim 3 dari 3" in progress_message(bot, broadcasts(bot)[0]).plain
    assert got(1001, "Libur Natal: gudang tutup 25 Desember.")
    assert got(1002, "Libur Natal: gudang tutup 25 Desember.")
    assert got(2001, "Christmas holiday: the warehouse is closed on 25 December.")
    assert not got(1003, "Libur Natal: gudang tutup 25 Desember."), "Joko is still pending"
