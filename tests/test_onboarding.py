"""Onboarding end to end: the real bot, over HTTP, against the local Bot API emulator."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any

from bot.emulator import Person
from tests.conftest import ADMIN_BUDI, RunningBot


def member_row(bot: RunningBot, telegram_id: int) -> sqlite3.Row | None:
    """Read a member straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        row: sqlite3.Row | None = connection.execute(
            "SELECT * FROM members WHERE telegram_id = ?", (telegram_id,)
        ).fetchone()
        return row


async def register_artisan(sri: Person, *, name: str | None = None) -> None:
    """Walk an artisan through registration up to sending it."""
    await sri.send("/start")
    await sri.tap("Saya perajin")
    if name is None:
        await sri.tap("Pakai")
    else:
        await sri.send(name)
    await sri.tap("Jiwut")
    await sri.send("Kendang Jaya")
    await sri.share_contact(phone="+6281234567890")
    await sri.tap("Kirim pendaftaran")


async def test_start_greets_in_the_persons_language(bot: RunningBot) -> None:
    replies = await bot.person(1001, "Sri", "id").send("/start")
    assert "Ini bot koperasi perajin djembe Blitar" in replies[-1].plain
    assert await bot.person(1002, "Dewi", "jv").send("/start")
    assert "Anda siapa?" in bot.person(1002, "Dewi", "jv").last_text
    replies = await bot.person(2001, "Li", "zh-hans").send("/start")
    assert "这是 Blitar 非洲鼓合作社的机器人" in replies[-1].plain
    replies = await bot.person(2003, "Kenji", "ja").send("/start")
    assert "This is the bot of the djembe drum cooperative" in replies[-1].plain
    replies = await bot.person(2002, "Tom", None).send("/start")
    assert "Anda siapa?" in replies[-1].plain


async def test_admins_get_the_admin_menu(bot: RunningBot) -> None:
    replies = await bot.admin().send("/start")
    assert "Menu admin" in replies[-1].plain
    labels = [text for row in replies[-1].buttons for text, _ in row]
    assert any("Pendaftaran menunggu" in label for label in labels)


async def test_artisan_registers_and_an_admin_approves(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri Wahyuni", "id")
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")  # the bot learns Budi's language when he first opens it
    await register_artisan(sri)
    assert "Pendaftaran terkirim" in sri.last_text
    row = member_row(bot, 1001)
    assert row is not None
    assert (row["status"], row["name"], row["village"]) == ("pending", "Sri Wahyuni", "Jiwut")
    assert row["phone"] == "+6281234567890"

    request_for_ani, request_for_budi = ani.last, budi.last
    assert "Pendaftaran perajin baru" in request_for_ani.plain
    assert "New artisan registration" in request_for_budi.plain
    assert "Kendang Jaya" in request_for_budi.plain

    await ani.tap("Setujui", request_for_ani)
    assert row_status(bot, 1001) == "active"
    assert "Selamat bergabung di koperasi, Sri Wahyuni" in sri.last_text
    refreshed = bot.emulator.messages(ADMIN_BUDI)[-1]
    assert refreshed.message_id == request_for_budi.message_id
    assert "Approved by Ani" in refreshed.plain

    # Budi's old button, pressed anyway: told it was decided, nothing changes.
    await budi.press(f"appr:no:{row['id']}", refreshed)
    assert "Already decided by Ani" in budi.callback_answers[-1]["text"]
    assert row_status(bot, 1001) == "active"


async def test_admin_name_with_markup_is_shown_as_typed_to_the_admin_told_it_was_decided(
    bot: RunningBot,
) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani = bot.admin(first_name="Ani & <Co>")
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    await register_artisan(sri)
    member_id = member_row(bot, 1001)["id"]  # type: ignore[index]
    await ani.tap("Setujui", ani.last)
    refreshed = bot.emulator.messages(ADMIN_BUDI)[-1]
    assert "Approved by Ani & <Co>" in refreshed.plain

    # The alert is plain text: an HTML-escaped name would show as "Ani &amp; &lt;Co&gt;".
    await budi.press(f"appr:no:{member_id}", refreshed)
    assert budi.callback_answers[-1]["text"] == "Already decided by Ani & <Co>: active."
    assert budi.callback_answers[-1]["show_alert"] is True
    assert row_status(bot, 1001) == "active"


def row_status(bot: RunningBot, telegram_id: int) -> str | None:
    row = member_row(bot, telegram_id)
    return None if row is None else str(row["status"])


async def test_two_admins_deciding_at_once_make_one_decision(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await register_artisan(sri)
    member_id = member_row(bot, 1001)["id"]  # type: ignore[index]
    emulator = bot.emulator
    first = emulator.press_button(ani.user_id, ani.last.message_id, f"appr:yes:{member_id}")
    second = emulator.press_button(budi.user_id, budi.last.message_id, f"appr:no:{member_id}")
    await emulator.wait_confirmed(first)
    await emulator.wait_confirmed(second)
    assert row_status(bot, 1001) == "active"
    answers = {answer["text"] for answer in emulator.callback_answers if answer.get("text")}
    assert any("Already decided by Ani" in text for text in answers)
    with sqlite3.connect(bot.settings.db_path) as connection:
        decisions = connection.execute(
            "SELECT COUNT(*) FROM member_status_changes WHERE changed_by IS NOT NULL"
        ).fetchone()[0]
    assert decisions == 1
    assert sum("Selamat bergabung" in m.plain for m in sri.inbox) == 1


async def test_rejected_artisan_is_told_and_may_register_again(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani = bot.admin()
    await register_artisan(sri)
    await ani.tap("Tolak")
    assert row_status(bot, 1001) == "rejected"
    assert "pendaftaran Anda tidak disetujui" in sri.last_text
    replies = await sri.send("/start")
    assert "Anda bisa mendaftar lagi" in replies[-1].plain
    await register_artisan(sri, name="Sri Lestari")
    row = member_row(bot, 1001)
    assert row is not None
    assert (row["status"], row["name"]) == ("pending", "Sri Lestari")


async def test_buyer_is_active_at_once(bot: RunningBot) -> None:
    li = bot.person(2001, "Li Wei", "en")
    await li.send("/start")
    await li.tap("I am a buyer")
    await li.send("Li Wei")
    await li.send("Yiwu Music Trading")
    await li.tap("China")
    assert "Country: China" in li.last_text
    await li.tap("Create my account")
    assert "Your buyer account is ready" in li.last_text
    row = member_row(bot, 2001)
    assert row is not None
    assert (row["status"], row["company"], row["country"]) == (
        "active",
        "Yiwu Music Trading",
        "China",
    )
    assert bot.emulator.messages(9001) == []


async def test_buyer_waits_for_approval_when_the_setting_asks(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(buyer_approval=True)
    bot.admin()
    li = bot.person(2001, "Li Wei", "en")
    await li.send("/start")
    await li.tap("I am a buyer")
    await li.tap("Use")
    await li.send("Yiwu Music Trading")
    await li.tap("Another country")
    await li.send("Germany")
    await li.tap("Create my account")
    assert row_status(bot, 2001) == "pending"
    assert "Pendaftaran pembeli baru" in bot.emulator.messages(9001)[-1].plain


async def test_names_with_markup_are_shown_as_typed(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("<b>Sri</b> & *Co* _x_")
    await sri.tap("Desa lain")
    await sri.send("Desa <i>Baru</i>")
    await sri.send("Bengkel & Putra")
    await sri.tap("Lewati")
    summary = sri.last_text
    assert "<b>Sri</b> & *Co* _x_" in summary
    assert "Desa <i>Baru</i>" in summary
    assert "Bengkel & Putra" in summary


async def test_cancel_leaves_registration_and_saves_nothing(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("Sri")
    replies = await sri.send("/cancel")
    assert any("Pendaftaran dibatalkan" in reply.plain for reply in replies)
    assert member_row(bot, 1001) is None
    replies = await sri.send("Jiwut")
    assert "pakai tombol di menu" in replies[-1].plain


async def test_bad_answers_are_asked_again_and_change_nothing(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    for attempt in (sri.send(""), sri.send("x" * 4096), sri.send("🙂🙂"), sri.send_sticker()):
        replies = await attempt
        assert "Silakan ketik nama Anda" in replies[-1].plain
    replies = await sri.send_location(-8.1, 112.2)
    assert "Silakan ketik nama Anda" in replies[-1].plain
    replies = await sri.send("/unknown")
    assert "Anda sedang mendaftar" in replies[-1].plain
    await sri.send("Sri")
    replies = await sri.send("Jiwut")
    assert "pilih desa Anda dengan tombol" in replies[-1].plain
    await sri.tap("Jiwut")
    await sri.send("Kendang Jaya")
    replies = await sri.share_contact(phone="+628999", own=False)
    assert "nomor HP Anda sendiri" in replies[-1].plain
    assert member_row(bot, 1001) is None
    assert "VILLAGE" not in str(await current_states(bot))


async def current_states(bot: RunningBot) -> list[tuple[str, str]]:
    with sqlite3.connect(bot.settings.db_path) as connection:
        return list(connection.execute("SELECT name, state FROM conversation_states"))


async def test_junk_outside_a_conversation_gets_an_answer(bot: RunningBot) -> None:
    visitor = bot.person(3001, "Visitor", "en")
    for action in (
        visitor.send("hello"),
        visitor.send("/doesnotexist"),
        visitor.send_sticker(),
        visitor.send_photo(),
        visitor.send_location(1.0, 2.0),
        visitor.send_document(b"%PDF-1.4", "x.pdf", "application/pdf"),
        visitor.send("x" * 4096),
    ):
        replies = await action
        assert replies, "every message gets an answer"
    replies = await visitor.send("/cancel")
    assert "nothing to cancel" in replies[-1].plain


async def test_old_and_tampered_buttons_change_nothing(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani = bot.admin()
    await register_artisan(sri)
    member_id = member_row(bot, 1001)["id"]  # type: ignore[index]
    # An old button from the finished registration.
    await sri.press("reg:a:submit", sri.inbox[-1])
    assert "Tombol ini sudah tidak berlaku" in sri.callback_answers[-1]["text"]
    # A non-admin forging an admin's buttons.
    for data in (f"appr:yes:{member_id}", f"mem:set:{member_id}:pending:active", "mem:menu"):
        await sri.press(data, sri.inbox[-1])
        assert "hanya admin koperasi" in sri.callback_answers[-1]["text"]
    for data in ("appr:yes:abc", "mem:list:artisan:nope:0", "x" * 64, "lang:set:fr"):
        await sri.press(data, sri.inbox[-1])
        assert "Tombol ini sudah tidak berlaku" in sri.callback_answers[-1]["text"]
    assert row_status(bot, 1001) == "pending"
    await ani.press("appr:yes:99999", ani.inbox[-1])
    assert "sudah tidak ada" in ani.callback_answers[-1]["text"]


async def test_admin_commands_from_non_admins_are_refused(bot: RunningBot) -> None:
    visitor = bot.person(3001, "Visitor", "en")
    for command in ("/members", "/pending"):
        replies = await visitor.send(command)
        assert "only the cooperative's admins" in replies[-1].plain


async def test_admin_deactivates_and_undoes_it(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani = bot.admin()
    await register_artisan(sri)
    await ani.tap("Setujui")
    await ani.send("/members")
    await ani.tap("Perajin · aktif: 1")
    await ani.tap("Sri")
    await ani.tap("Nonaktifkan")
    await ani.tap("Ya, nonaktifkan")
    assert row_status(bot, 1001) == "deactivated"
    assert "Keanggotaan Anda dinonaktifkan" in sri.last_text
    replies = await sri.send("/start")
    assert "sedang tidak aktif" in replies[-1].plain
    await ani.tap("Aktifkan lagi")
    assert row_status(bot, 1001) == "active"
    assert "Keanggotaan Anda sudah aktif" in sri.last_text


async def test_language_choice_is_kept(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/language")
    await sri.tap("English")
    assert "I will speak" in sri.last_text
    replies = await sri.send("/start")
    assert "Who are you?" in replies[-1].plain


async def test_commands_are_registered_per_language(bot: RunningBot) -> None:
    scopes = bot.emulator.commands
    english, indonesian = scopes[("default", None)], scopes[("default", "id")]
    assert {"command": "help", "description": "What I can do"} in english
    assert {"command": "help", "description": "Yang bisa saya bantu"} in indonesian


async def test_a_redelivered_update_is_applied_once(bot: RunningBot) -> None:
    sri = bot.person(1001, "Sri", "id")
    ani = bot.admin()
    await register_artisan(sri)
    member_id = member_row(bot, 1001)["id"]  # type: ignore[index]
    update_id = bot.emulator.press_button(ani.user_id, ani.last.message_id, f"appr:yes:{member_id}")
    await bot.emulator.wait_confirmed(update_id)
    welcomes = sum("Selamat bergabung" in m.plain for m in sri.inbox)
    bot.emulator.redeliver(update_id)
    await bot.emulator.wait_confirmed(update_id)
    await asyncio.sleep(0.1)
    assert sum("Selamat bergabung" in m.plain for m in sri.inbox) == welcomes == 1


async def test_a_failure_is_reported_to_the_person_and_the_bot_keeps_serving(
    bot: RunningBot,
) -> None:
    sri = bot.person(1001, "Sri", "id")
    bot.emulator.inject("sendMessage", "500", count=1)
    replies = await sri.send("/start")
    assert "Maaf, ada yang salah" in replies[-1].plain
    replies = await sri.send("/start")
    assert "Anda siapa?" in replies[-1].plain


async def test_group_chats_get_a_pointer_to_a_private_chat(bot: RunningBot) -> None:
    group = {"id": -100123, "type": "supergroup", "title": "Koperasi"}
    user = {"id": 1001, "is_bot": False, "first_name": "Sri", "language_code": "id"}
    command = {
        "message_id": 1, "date": 0, "chat": group, "from": user, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }  # fmt: skip
    chatter = {"message_id": 2, "date": 0, "chat": group, "from": user, "text": "halo"}
    first = bot.emulator.push_update({"message": command})
    second = bot.emulator.push_update({"message": chatter})
    await bot.emulator.wait_confirmed(second)
    assert first < second
    texts = [message.plain for message in bot.emulator.messages(-100123)]
    assert len(texts) == 1
    assert "kirim pesan ke saya secara pribadi" in texts[0]


async def test_in_a_group_only_commands_for_this_bot_are_answered_and_nobody_is_seen(
    bot: RunningBot,
) -> None:
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    bot.emulator.block(1001)
    group = {"id": -100123, "type": "supergroup", "title": "Koperasi"}
    user = {"id": 1001, "is_bot": False, "first_name": "Sri", "language_code": "id"}

    def command(text: str) -> dict[str, Any]:
        return {"message_id": 1, "date": 0, "chat": group, "from": user, "text": text}

    bot.emulator.push_update({"message": command("/start@someone_else_bot")})
    bot.emulator.push_update({"message": command("/help@Kendang_Emulated_Bot")})
    query = {"id": "4242", "from": user, "chat_instance": "g", "data": "menu:help"}
    query["message"] = {"message_id": 9, "date": 0, "chat": group, "text": "menu"}
    bot.emulator.callback_owners["4242"] = 1001
    last = bot.emulator.push_update({"callback_query": query})
    await bot.emulator.wait_confirmed(last)

    [pointer] = bot.emulator.messages(-100123)
    assert "kirim pesan ke saya secara pribadi" in pointer.plain
    assert "4242" in bot.emulator.answered_callbacks, "a button in a group stops spinning"
    with closing(sqlite3.connect(bot.settings.db_path)) as db:
        people = db.execute("SELECT telegram_id, blocked_at FROM telegram_users").fetchall()
    assert [(user_id, blocked is not None) for user_id, blocked in people] == [(1001, True)]


async def test_commands_fail_to_register_and_the_bot_serves_anyway(
    emulator: Any, start_bot: Callable[..., Any]
) -> None:
    emulator.inject("setMyCommands", "500", count=None)
    bot: RunningBot = await start_bot()
    emulator.clear_faults()
    replies = await bot.person(1001, "Sri", "id").send("/start")
    assert "Anda siapa?" in replies[-1].plain
