"""Artisans report finished drums end to end: the real bot, over HTTP, against the emulator."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, Person
from bot.emulator.world import ChatMessage
from bot.serve import serve
from handlers.members.menu import MY_REPORTS, REPORT
from storage import Storage
from tests.conftest import (
    ADMIN_ANI,
    TOKEN,
    RunningBot,
    active_artisan,
    active_buyer,
    make_settings,
)
from tests.test_durability import STARTUP_SECONDS, BotProcess, wait_for
from tests.test_onboarding import register_artisan

MEDIUM_PAINTED = "DJ-M-MAH-GOAT-PAINT"
SMALL_PLAIN = "DJ-S-MAH-GOAT-PLAIN"


def query(bot: RunningBot | Path, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read the database file directly."""
    path = bot if isinstance(bot, Path) else bot.settings.db_path
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def reports(bot: RunningBot | Path) -> list[sqlite3.Row]:
    """Every stored report, oldest first."""
    return query(bot, "SELECT * FROM reports ORDER BY id")


def model_id(bot: RunningBot | Path, code: str) -> int:
    """The id of a catalogue model."""
    return int(query(bot, "SELECT id FROM drum_models WHERE code = ?", code)[0]["id"])


def states(bot: RunningBot | Path) -> dict[str, str]:
    """The stored conversation states by conversation name."""
    return {row["name"]: row["state"] for row in query(bot, "SELECT * FROM conversation_states")}


def user_data(bot: RunningBot, user_id: int) -> dict[str, object]:
    """A person's stored drafts."""
    rows = query(bot, "SELECT data FROM user_data WHERE user_id = ?", user_id)
    return {} if not rows else dict(json.loads(rows[0]["data"]))


def data_of(message: ChatMessage) -> list[str]:
    """Every callback data on a message's buttons."""
    return [data for row in message.buttons for _, data in row if data]


async def tap_data(person: Person, data: str) -> list[ChatMessage]:
    """Tap the button carrying `data` on the latest message (it must be there)."""
    message = person.last
    assert data in data_of(message), f"no button {data!r} on {message.labels}"
    return await person.press(data, message)


async def choose_model(person: Person, bot: RunningBot | Path, code: str) -> None:
    """Pick a model on the model step: straight from the list, else through its size."""
    wanted = f"rep:m:{model_id(bot, code)}"
    if wanted not in data_of(person.last):
        size = query(bot, "SELECT size FROM drum_models WHERE code = ?", code)[0]["size"]
        await tap_data(person, f"rep:s:{size}")
    await tap_data(person, wanted)


async def report_drums(
    person: Person, bot: RunningBot, code: str = MEDIUM_PAINTED, quantity: str = "10"
) -> None:
    """Walk an artisan through a report, without a photo, up to the summary."""
    await person.send("/report")
    await choose_model(person, bot, code)
    await person.send(quantity)
    await tap_data(person, "rep:nophoto")


def send_data(person: Person) -> str:
    """The callback data of the summary's Send button."""
    return next(data for data in data_of(person.last) if data.startswith("rep:ok:"))


def cards_for(emulator: BotApiEmulator, admin_id: int, reference: str) -> int:
    """How many report cards naming `reference` an admin received."""
    return sum(reference in message.plain for message in emulator.messages(admin_id))


async def test_artisan_reports_a_batch_with_a_photo_in_a_few_taps(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await tap_data(sri, REPORT)
    assert "Kendang apa yang sudah jadi" in sri.last_text
    await choose_model(sri, bot, MEDIUM_PAINTED)
    assert "Berapa kendang" in sri.last_text
    await sri.tap("10")
    assert "Kirim foto" in sri.last_text
    await sri.send_photo()
    own = [m for m in bot.emulator.private_chat(sri.user_id).messages.values() if not m.from_bot]
    largest = own[-1].content["photo"][-1]["file_id"]
    summary = sri.last_text
    assert "10 kendang" in summary
    assert "Foto: ya" in summary
    assert "Rp225.000" in summary
    await sri.tap("Kirim laporan")

    stored = reports(bot)
    assert len(stored) == 1
    row = stored[0]
    assert (row["model_id"], row["quantity"], row["status"]) == (
        model_id(bot, MEDIUM_PAINTED),
        10,
        "pending",
    )
    assert row["photo_file_id"] == largest
    assert "R-000001" in sri.last_text
    assert "cek kualitas" in sri.last_text
    card = ani.last
    assert "R-000001" in card.plain and card.photo
    assert "reporting" not in states(bot)
    assert "report" not in user_data(bot, sri.user_id)


async def test_a_recent_model_comes_first_so_a_report_takes_five_taps_from_the_menu(
    bot: RunningBot,
) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot, SMALL_PLAIN, "3")
    await sri.tap("Kirim laporan")
    await sri.send("/menu")
    await tap_data(sri, REPORT)
    recent = f"rep:m:{model_id(bot, SMALL_PLAIN)}"
    assert data_of(sri.last)[0] == recent, "the model reported last comes first"
    await tap_data(sri, recent)
    await sri.tap("20")
    await tap_data(sri, "rep:nophoto")
    await sri.tap("Kirim laporan")
    assert [(r["model_id"], r["quantity"]) for r in reports(bot)] == [
        (model_id(bot, SMALL_PLAIN), 3),
        (model_id(bot, SMALL_PLAIN), 20),
    ]
    assert "R-000002" in sri.last_text


async def test_bad_quantities_are_asked_again_and_nothing_is_saved(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await sri.send("/report")
    await choose_model(sri, bot, MEDIUM_PAINTED)
    for attempt in ("0", "-3", "12.5", "sepuluh", "1e9", "🙂", "501", "1.000"):
        replies = await sri.send(attempt)
        assert "angka bulat dari 1 sampai 500" in replies[-1].plain, attempt
    for action in (sri.send_sticker(), sri.send_photo(), sri.press("rep:q:501")):
        replies = await action
        assert "angka bulat dari 1 sampai 500" in replies[-1].plain
    assert reports(bot) == []
    assert states(bot)["reporting"] == '"QUANTITY"'
    await sri.send("12")
    assert "Kirim foto" in sri.last_text


async def test_a_double_tap_on_send_makes_one_report(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    summary, data = sri.last, send_data(sri)
    await sri.press(data, summary)
    await sri.press(data, summary)
    assert len(reports(bot)) == 1
    assert "Sudah terkirim sebagai R-000001" in sri.callback_answers[-1]["text"]
    assert "R-000001" in sri.last_text
    assert cards_for(bot.emulator, ani.user_id, "R-000001") == 1


async def test_a_redelivered_send_makes_one_report(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    update_id = bot.emulator.press_button(sri.user_id, sri.last.message_id, send_data(sri))
    await bot.emulator.wait_confirmed(update_id)
    bot.emulator.redeliver(update_id)
    await bot.emulator.wait_confirmed(update_id)
    await asyncio.sleep(0.1)
    assert len(reports(bot)) == 1
    assert cards_for(bot.emulator, ani.user_id, "R-000001") == 1


async def test_send_retried_after_a_failed_answer_makes_one_report_and_reaches_admins(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    summary, data = sri.last, send_data(sri)
    bot.emulator.inject("editMessageText", "500", count=1, chat_id=sri.user_id)
    await sri.press(data, summary)
    assert "R-000001" not in sri.last_text, "the artisan's answer was lost"
    assert cards_for(bot.emulator, ani.user_id, "R-000001") == 1
    assert "reporting" not in states(bot)
    await sri.press(data, summary)
    assert len(reports(bot)) == 1
    assert "Sudah terkirim sebagai R-000001" in sri.callback_answers[-1]["text"]
    assert "R-000001" in sri.last_text
    assert cards_for(bot.emulator, ani.user_id, "R-000001") == 1


async def test_send_of_a_cancelled_draft_sends_nothing(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    summary, data = sri.last, send_data(sri)
    await sri.tap("Batal")
    assert any("Laporan dibatalkan" in m.plain for m in sri.inbox)
    await sri.press(data, summary)
    assert "tidak terkirim" in sri.callback_answers[-1]["text"]
    assert reports(bot) == []


async def test_only_active_artisans_may_report(bot: RunningBot) -> None:
    ani = bot.admin()
    pending = bot.person(1002, "Dewi", "id")
    await register_artisan(pending)
    replies = await pending.send("/report")
    assert "masih menunggu persetujuan admin" in replies[-1].plain
    await pending.press(REPORT)
    assert "masih menunggu persetujuan admin" in pending.last_text

    buyer = await active_buyer(bot)
    replies = await buyer.send("/report")
    assert "for the cooperative's artisans" in replies[-1].plain

    stranger = bot.person(3001, "Tono", "id")
    replies = await stranger.send("/report")
    assert "Hanya perajin yang terdaftar" in replies[-1].plain

    replies = await ani.send("/report")
    assert "/review" in replies[-1].plain

    assert reports(bot) == []
    assert "reporting" not in states(bot)


async def test_a_deactivated_artisan_is_told_why(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await ani.send("/members")
    await ani.tap("Perajin · aktif: 1")
    await ani.tap("Sri")
    await ani.tap("Nonaktifkan")
    await ani.tap("Ya, nonaktifkan")
    replies = await sri.send("/report")
    assert "keanggotaan Anda tidak aktif" in replies[-1].plain


async def test_a_retired_or_unknown_model_is_refused_and_the_step_stays(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    retired = model_id(bot, SMALL_PLAIN)
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.catalogue.retire(retired, by=ADMIN_ANI)
    finally:
        await storage.close()
    await sri.send("/report")
    await tap_data(sri, "rep:s:small")
    assert f"rep:m:{retired}" not in data_of(sri.last)
    for data in (f"rep:m:{retired}", "rep:m:99999"):
        await sri.press(data)
        assert "sudah tidak ada di katalog" in sri.callback_answers[-1]["text"]
        assert states(bot)["reporting"] == '"MODEL"'
    await choose_model(sri, bot, MEDIUM_PAINTED)
    assert "Berapa kendang" in sri.last_text


async def test_a_model_retired_before_sending_asks_for_another(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.catalogue.retire(model_id(bot, MEDIUM_PAINTED), by=ADMIN_ANI)
    finally:
        await storage.close()
    await sri.tap("Kirim laporan")
    assert "sudah tidak ada di katalog" in sri.callback_answers[-1]["text"]
    assert reports(bot) == []
    assert states(bot)["reporting"] == '"MODEL"'


async def test_artisan_cancels_a_report_still_waiting(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot)
    await sri.tap("Kirim laporan")
    replies = await sri.send("/reports")
    listing = replies[-1].plain
    assert "R-000001" in listing and "menunggu cek kualitas" in listing
    report_id = reports(bot)[0]["id"]
    await tap_data(sri, f"rep:x:{report_id}")
    assert "Batalkan laporan R-000001?" in sri.last_text
    await sri.tap("Tidak, simpan")
    assert reports(bot)[0]["status"] == "pending"
    await tap_data(sri, f"rep:x:{report_id}")
    confirm = sri.last
    await sri.tap("Ya, batalkan")
    assert reports(bot)[0]["status"] == "cancelled"
    card = next(m for m in bot.emulator.messages(ani.user_id) if "R-000001" in m.plain)
    assert card.buttons == (), "the admin's copy no longer offers a decision"
    assert "dibatalkan" in sri.last_text
    assert f"rep:x:{report_id}" not in data_of(sri.last)
    await sri.press(f"rep:xy:{report_id}", confirm)
    assert "sudah dibatalkan" in sri.callback_answers[-1]["text"]


async def test_nobody_cancels_another_artisans_or_a_decided_report(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    dewi = await active_artisan(bot, 1002, "Dewi Lestari", "Ngoran")
    await report_drums(dewi, bot)
    await dewi.tap("Kirim laporan")
    await report_drums(sri, bot, SMALL_PLAIN, "10")
    await sri.tap("Kirim laporan")
    dewis, sris = (row["id"] for row in reports(bot))

    await sri.send("/reports")
    for data in (f"rep:x:{dewis}", f"rep:xy:{dewis}"):
        await sri.press(data)
        assert "hanya bisa membatalkan laporan Anda sendiri" in sri.callback_answers[-1]["text"]
    buyer = await active_buyer(bot)
    await buyer.press(f"rep:xy:{dewis}")
    assert "for the cooperative's artisans" in buyer.callback_answers[-1]["text"]
    assert reports(bot)[0]["status"] == "pending"

    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.reports.decide(sris, 8, "cracked_wood", by=ADMIN_ANI)
    finally:
        await storage.close()
    replies = await sri.send("/reports")
    assert "diterima 8 dari 10" in replies[-1].plain
    assert "cracked_wood" not in replies[-1].plain
    await sri.press(f"rep:xy:{sris}")
    assert "sudah dicek" in sri.callback_answers[-1]["text"]
    assert reports(bot)[1]["status"] == "accepted"


async def test_my_reports_are_for_artisans_only(bot: RunningBot) -> None:
    ani = bot.admin()
    replies = await bot.person(3001, "Tono", "id").send("/reports")
    assert "Hanya perajin yang terdaftar" in replies[-1].plain
    replies = await ani.send("/reports")
    assert "/review" in replies[-1].plain
    sri = await active_artisan(bot)
    await tap_data(sri, MY_REPORTS)
    assert "Anda belum melaporkan kendang" in sri.last_text


async def test_the_flow_speaks_english_to_an_artisan_who_chose_it(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await sri.send("/language")
    await sri.tap("English")
    replies = await sri.send("/report")
    assert "Which drums did you finish?" in replies[-1].plain
    await tap_data(sri, "rep:s:medium")
    assert "Size: Medium" in sri.last_text
    await tap_data(sri, f"rep:m:{model_id(bot, MEDIUM_PAINTED)}")
    await sri.tap("5")
    await sri.tap("Skip")
    summary = sri.last_text
    assert "Quantity: 5 drums" in summary
    assert "IDR225,000" in summary
    await sri.tap("Send report")
    assert "Report sent: R-000001" in sri.last_text
    replies = await sri.send("/reports")
    assert "waiting for the quality check" in replies[-1].plain


async def test_cancel_leaves_the_report_and_sends_nothing(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await sri.send("/report")
    await choose_model(sri, bot, MEDIUM_PAINTED)
    replies = await sri.send("/reports")
    assert "Anda sedang membuat laporan" in replies[-1].plain
    replies = await sri.send("/cancel")
    assert any("Laporan dibatalkan" in reply.plain for reply in replies)
    assert reports(bot) == []
    assert "reporting" not in states(bot)
    assert "report" not in user_data(bot, sri.user_id)


@asynccontextmanager
async def serving(emulator: BotApiEmulator, db_path: Path) -> AsyncIterator[RunningBot]:
    """Run one bot on this database until the block ends, then stop it cleanly."""
    settings = make_settings(emulator, db_path)
    mark = len(emulator.requests)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, TOKEN, stop))
    try:
        for _ in range(500):
            if task.done():
                task.result()
            if any(request.method == "getUpdates" for request in emulator.requests[mark:]):
                break
            await asyncio.sleep(0.01)
        yield RunningBot(emulator, settings)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


async def test_a_restart_mid_report_resumes_at_the_step(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db_path = tmp_path / "kendang.db"
    async with serving(emulator, db_path) as first:
        first.admin()
        sri = await active_artisan(first)
        await sri.send("/report")
        await choose_model(sri, first, MEDIUM_PAINTED)
        assert "Berapa kendang" in sri.last_text
    async with serving(emulator, db_path) as second:
        replies = await sri.send("7")
        assert "Kirim foto" in replies[-1].plain
        await tap_data(sri, "rep:nophoto")
        await sri.tap("Kirim laporan")
        assert [(r["model_id"], r["quantity"]) for r in reports(second)] == [
            (model_id(second, MEDIUM_PAINTED), 7)
        ]
    assert emulator.violations == []


async def test_a_typed_reject_reason_is_shown_as_typed(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    await report_drums(sri, bot, SMALL_PLAIN, "4")
    await sri.tap("Kirim laporan")
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.reports.decide(reports(bot)[0]["id"], 0, "<b>retak</b> & kotor", by=ADMIN_ANI)
    finally:
        await storage.close()
    replies = await sri.send("/reports")
    assert "ditolak: <b>retak</b> & kotor" in replies[-1].plain
    assert "rep:x:" not in str(data_of(replies[-1]))


# With the delayed editMessageText, the first process answered the tap before it died, so the
# redelivered tap's answer is refused as too old, which the bot must let go quietly.
@pytest.mark.parametrize("hanging", ["answerCallbackQuery", "editMessageText"])
async def test_kill_9_while_sending_makes_one_report_once_delivered_again(
    emulator: BotApiEmulator, tmp_path: Path, hanging: str
) -> None:
    process = BotProcess(emulator, tmp_path)
    bot = RunningBot(emulator, make_settings(emulator, process.db_path))
    await process.start()
    try:
        await wait_for(lambda: any(r.method == "getUpdates" for r in emulator.requests))
        ani = bot.admin()
        sri = await active_artisan(bot)
        await report_drums(sri, bot)
        # The artisan's answer hangs after the report is stored; the bot dies right then.
        emulator.inject(hanging, "delay", delay=60.0, count=1)
        mark = len(emulator.requests)
        update_id = emulator.press_button(sri.user_id, sri.last.message_id, send_data(sri))
        await wait_for(lambda: any(r.method == hanging for r in emulator.requests[mark:]))
        assert len(reports(bot)) == 1
        await process.kill()
        emulator.clear_faults()

        await process.start()
        await emulator.wait_confirmed(update_id, within=STARTUP_SECONDS)
        assert len(reports(bot)) == 1
        assert "R-000001" in sri.last_text
        assert cards_for(emulator, ani.user_id, "R-000001") == 1
        assert "reporting" not in states(bot)
    finally:
        if process.process is not None and process.process.returncode is None:
            await process.kill()
    assert emulator.violations == []


async def test_my_reports_pages_through_older_reports(bot: RunningBot) -> None:
    bot.admin()
    sri = await active_artisan(bot)
    artisan_id = query(bot, "SELECT id FROM members WHERE telegram_id = ?", sri.user_id)[0]["id"]
    storage = await Storage.open(bot.settings.db_path)
    try:
        for quantity in range(1, 8):
            await storage.reports.create(artisan_id, model_id(bot, SMALL_PLAIN), quantity)
    finally:
        await storage.close()
    replies = await sri.send("/reports")
    first = replies[-1].plain
    assert "R-000007" in first and "R-000003" in first and "R-000002" not in first
    await sri.tap("Lebih lama")
    older = sri.last_text
    assert "R-000002" in older and "R-000001" in older and "R-000003" not in older
    assert "rep:x:1" in data_of(sri.last)
    await sri.tap("Lebih baru")
    assert "R-000007" in sri.last_text


async def test_quick_quantities_stop_at_the_maximum(start_bot: Callable[..., Any]) -> None:
    bot: RunningBot = await start_bot(max_report_quantity=8)
    bot.admin()
    sri = await active_artisan(bot)
    await sri.send("/report")
    await choose_model(sri, bot, MEDIUM_PAINTED)
    assert [d for d in data_of(sri.last) if d.startswith("rep:q:")] == ["rep:q:1", "rep:q:5"]
    replies = await sri.send("9")
    assert "angka bulat dari 1 sampai 8" in replies[-1].plain
    await sri.send("8")
    await tap_data(sri, "rep:nophoto")
    await sri.tap("Kirim laporan")
    assert [row["quantity"] for row in reports(bot)] == [8]
