"""Members change their profile: a short step per detail, an artisan's village by request."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.emulator import Person
from storage import Storage
from storage.member_changes import ProfileLockedError, VillageRequestOpenError
from storage.models.members import (
    ArtisanApplication,
    MemberStatus,
    ProfileField,
    VillageRequestStatus,
)
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer
from tests.test_onboarding import member_row, register_artisan


def requests_of(bot: RunningBot) -> list[sqlite3.Row]:
    """Every village request, oldest first, read straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT * FROM village_requests ORDER BY id").fetchall()


def village_of(bot: RunningBot, telegram_id: int) -> str:
    """The village the member's figures are counted in now."""
    row = member_row(bot, telegram_id)
    assert row is not None
    return str(row["village"])


async def open_profile(person: Person) -> None:
    """Open the profile from the menu, as a member would."""
    await person.send("/menu")
    await person.tap("👤")


async def ask_for_village(bot: RunningBot, sri: Person, village: str) -> None:
    """An approved artisan asks to move to `village`; both admins get the request."""
    await open_profile(sri)
    await sri.tap("✏️ Desa")
    assert "Sekarang: Jiwut" in sri.last_text
    await sri.tap(village)
    assert "Terkirim ke admin koperasi. Desa Anda tetap Jiwut" in sri.last_text
    assert f"Perubahan desa ke {village}: menunggu persetujuan admin" in sri.last_text


async def test_an_artisan_changes_phone_and_workshop(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await open_profile(sri)
    assert "Usaha: Bengkel Sri Wahyuni" in sri.last_text
    await sri.tap("✏️ Usaha")
    assert "Sekarang: Bengkel Sri Wahyuni" in sri.last_text
    replies = await sri.send("Kendang <Jaya> & Putra")
    assert "✅ Tersimpan." in replies[-1].plain
    assert "Usaha: Kendang <Jaya> & Putra" in replies[-1].plain
    assert member_row(bot, 1001)["workshop"] == "Kendang <Jaya> & Putra"  # type: ignore[index]

    await sri.tap("✏️ No. HP")
    assert "Kirim nomor HP saya" in " ".join(sri.keyboard)
    await sri.share_contact(phone="+6281234500000", own=False)  # someone else's: asked again
    assert "nomor HP Anda sendiri" in sri.last_text
    assert member_row(bot, 1001)["phone"] is None  # type: ignore[index]
    await sri.share_contact(phone="+6281234567890")
    assert member_row(bot, 1001)["phone"] == "+6281234567890"  # type: ignore[index]
    assert "No. HP: +6281234567890" in sri.last_text
    assert sri.keyboard == []  # the share-contact keyboard is gone

    await sri.tap("✏️ No. HP")
    await sri.tap("Hapus nomor saya")
    assert member_row(bot, 1001)["phone"] is None  # type: ignore[index]
    assert "No. HP: —" in sri.last_text


async def test_a_typed_value_that_will_not_do_is_asked_again(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await open_profile(sri)
    await sri.tap("✏️ Nama")
    for bad in ("!!! ???", "x" * 65):
        replies = await sri.send(bad)
        assert "Silakan ketik nama Anda dengan huruf" in replies[-1].plain, replies[-1].plain
    replies = await sri.send_sticker()
    assert "Silakan ketik nama Anda dengan huruf" in replies[-1].plain
    assert member_row(bot, 1001)["name"] == "Sri Wahyuni"  # type: ignore[index]
    await sri.send("Sri Lestari")
    assert member_row(bot, 1001)["name"] == "Sri Lestari"  # type: ignore[index]
    assert sri.last_text.startswith("✅ Tersimpan.\n\nSri Lestari\n")


async def test_an_approved_artisans_village_changes_once_an_admin_approves(
    bot: RunningBot,
) -> None:
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    sri = await active_artisan(bot)
    await ask_for_village(bot, sri, "Ngoran")
    assert village_of(bot, 1001) == "Jiwut"  # the old village stays until an admin approves
    [request] = requests_of(bot)
    assert (request["status"], request["from_village"], request["to_village"]) == (
        "open",
        "Jiwut",
        "Ngoran",
    )

    card_for_ani, card_for_budi = ani.last, budi.last
    assert "Perubahan desa" in card_for_ani.plain
    assert "Minta pindah dari Jiwut ke Ngoran" in card_for_ani.plain
    assert "Asks to move from Jiwut to Ngoran" in card_for_budi.plain

    await ani.tap("Setujui", card_for_ani)
    assert village_of(bot, 1001) == "Ngoran"
    assert "Desa Anda sekarang Ngoran" in sri.last_text
    refreshed = bot.emulator.messages(ADMIN_BUDI)[-1]
    assert refreshed.message_id == card_for_budi.message_id
    assert "Approved by Ani" in refreshed.plain
    [request] = requests_of(bot)
    assert (request["status"], request["decided_by"]) == ("approved", ADMIN_ANI)

    # Budi's old button, pressed anyway: told who decided, nothing changes.
    await budi.press(f"vreq:no:{request['id']}", refreshed)
    assert budi.callback_answers[-1]["text"] == "Already decided by Ani: approved."
    assert village_of(bot, 1001) == "Ngoran"
    assert sum("Desa Anda sekarang" in message.plain for message in sri.inbox) == 1
    await open_profile(sri)
    assert "Desa: Ngoran" in sri.last_text
    assert "menunggu" not in sri.last_text


async def test_a_redelivered_decision_is_applied_once(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await ask_for_village(bot, sri, "Ngoran")
    [request] = requests_of(bot)
    update_id = bot.emulator.press_button(
        ani.user_id, ani.last.message_id, f"vreq:yes:{request['id']}"
    )
    await bot.emulator.wait_confirmed(update_id)
    bot.emulator.redeliver(update_id)
    await bot.emulator.wait_confirmed(update_id)
    await asyncio.sleep(0.1)
    assert sum("Desa Anda sekarang" in message.plain for message in sri.inbox) == 1
    assert [row["status"] for row in requests_of(bot)] == ["approved"]


async def test_a_rejected_village_change_keeps_the_old_village(bot: RunningBot) -> None:
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await ani.send("/start")
    await budi.send("/start")
    sri = await active_artisan(bot)
    await ask_for_village(bot, sri, "Ngoran")

    # One request at a time: another is refused until this one is decided or withdrawn.
    await open_profile(sri)
    await sri.tap("✏️ Desa")
    assert "masih menunggu keputusan admin" in sri.callback_answers[-1]["text"]
    assert len(requests_of(bot)) == 1

    await budi.tap("Reject", budi.last)
    assert village_of(bot, 1001) == "Jiwut"
    assert "perubahan desa Anda ke Ngoran tidak disetujui" in sri.last_text
    assert "desa Anda tetap Jiwut" in sri.last_text
    assert "Tidak disetujui oleh Budi" in bot.emulator.messages(ADMIN_ANI)[-1].plain
    [request] = requests_of(bot)
    assert (request["status"], request["decided_by"]) == ("rejected", ADMIN_BUDI)

    # Decided, a new request may be made.
    await ask_for_village(bot, sri, "Jeding")
    assert [row["status"] for row in requests_of(bot)] == ["rejected", "open"]


async def test_an_artisan_withdraws_a_village_change(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    await ask_for_village(bot, sri, "Ngoran")
    card = ani.last
    await sri.tap("Batalkan perubahan desa")
    assert "Permintaan dibatalkan: desa Anda tetap Jiwut" in sri.last_text
    assert "Ditarik oleh perajin" in bot.emulator.messages(ADMIN_ANI)[-1].plain
    await ani.press(f"vreq:yes:{requests_of(bot)[0]['id']}", card)
    assert ani.callback_answers[-1]["text"] == "Perajin sudah menarik permintaan ini."
    assert village_of(bot, 1001) == "Jiwut"
    assert [row["status"] for row in requests_of(bot)] == ["withdrawn"]


async def test_a_pending_artisan_changes_the_village_at_once_and_the_admins_see_it(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    sri = bot.person(1001, "Sri", "id")
    await register_artisan(sri)
    card = ani.last
    await sri.send("/profile")
    await sri.tap("✏️ Desa")
    await sri.tap("Desa lain")
    await sri.send("Desa <Baru>")
    assert "✅ Tersimpan." in sri.last_text
    assert village_of(bot, 1001) == "Desa <Baru>"
    assert requests_of(bot) == []
    refreshed = bot.emulator.messages(ADMIN_ANI)[-1]
    assert refreshed.message_id == card.message_id
    assert "Desa: Desa <Baru>" in refreshed.plain
    assert refreshed.button_data("Setujui") is not None


async def test_a_buyer_changes_company_and_country(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await open_profile(li)
    assert "✏️ Village" not in li.last.labels
    await li.tap("✏️ Company")
    assert "Now: Yiwu Music Trading" in li.last_text
    replies = await li.send("Guangzhou Drum Co.")
    assert "Company: Guangzhou Drum Co." in replies[-1].plain
    await li.tap("✏️ Country")
    await li.tap("Malaysia")
    row = member_row(bot, 2001)
    assert row is not None
    assert (row["company"], row["country"]) == ("Guangzhou Drum Co.", "Malaysia")
    assert "Country: Malaysia" in li.last_text
    # A detail of an artisan's, with edited button data: refused, nothing changes.
    await li.press("prof:edit:village")
    assert "for the cooperative's artisans" in li.callback_answers[-1]["text"]


async def test_cancel_changes_nothing(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    before = dict(member_row(bot, 1001))  # type: ignore[arg-type]
    await open_profile(sri)
    await sri.tap("✏️ Usaha")
    await sri.tap("Batal")
    assert "Tidak ada yang berubah." in sri.last_text
    await sri.tap("✏️ Desa")
    await sri.tap("Batal")
    await sri.tap("✏️ No. HP")
    replies = await sri.send("/cancel")
    assert sri.keyboard == []
    assert "Tidak ada yang berubah." in replies[0].plain
    await sri.tap("✏️ Nama")
    await sri.send("/cancel")
    await sri.send("Nama Baru")  # after cancelling, a text is no answer to anything
    assert dict(member_row(bot, 1001)) == before  # type: ignore[arg-type]
    assert requests_of(bot) == []


async def test_a_deactivated_member_cannot_change_their_profile(bot: RunningBot) -> None:
    ani = bot.admin()
    await ani.send("/start")
    sri = await active_artisan(bot)
    member_id = member_row(bot, 1001)["id"]  # type: ignore[index]
    await open_profile(sri)
    await sri.tap("✏️ Usaha")  # in the middle of a change when deactivated
    await ani.press(f"mem:set:{member_id}:active:deactivated")
    before = dict(member_row(bot, 1001))  # type: ignore[arg-type]
    replies = await sri.send("Kendang Baru")
    assert "Keanggotaan Anda sedang tidak aktif" in replies[-1].plain
    await sri.press("prof:edit:village")
    assert "tidak aktif" in sri.callback_answers[-1]["text"]
    await sri.send("/profile")
    assert not any(label.startswith("✏️") for label in sri.last.labels)
    assert dict(member_row(bot, 1001)) == before  # type: ignore[arg-type]

    # Nobody but an admin decides a village change; an admin has no profile to change.
    await ani.press("prof:edit:name")
    assert "belum terdaftar" in ani.callback_answers[-1]["text"]
    tono = await active_artisan(bot, 1002, "Tono Hartono", "Ngoran")
    await open_profile(tono)
    await tono.tap("✏️ Desa")
    await tono.tap("Jeding")
    [request] = requests_of(bot)
    await tono.press(f"vreq:yes:{request['id']}")
    assert "hanya admin koperasi" in tono.callback_answers[-1]["text"]
    assert village_of(bot, 1002) == "Ngoran"
    assert [row["status"] for row in requests_of(bot)] == ["open"]


# Storage, against a real SQLite file


async def _artisan(storage: Storage, telegram_id: int = 100, *, approve: bool = True) -> int:
    await storage.people.seen(telegram_id, "Sri", None, "id")
    application = ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya")
    member = await storage.members.register_artisan(telegram_id, application)
    if approve:
        await storage.members.change_status(
            member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
    return member.id


async def test_a_village_request_is_made_once_per_key_and_one_is_open_at_a_time(
    storage: Storage,
) -> None:
    member_id = await _artisan(storage)
    made = await storage.members.request_village(member_id, "Ngoran", key="k1")
    again = await storage.members.request_village(member_id, "Ngoran", key="k1")
    assert made is not None and again is not None
    assert made[1] is True and again == (made[0], False)
    with pytest.raises(VillageRequestOpenError):
        await storage.members.request_village(member_id, "Jeding", key="k2")
    with pytest.raises(ProfileLockedError):
        await storage.members.change_detail(member_id, ProfileField.VILLAGE, "Jeding")


async def test_the_first_decision_stands_and_says_who_decided(storage: Storage) -> None:
    member_id = await _artisan(storage)
    made = await storage.members.request_village(member_id, "Ngoran", key="k1")
    assert made is not None
    request_id = made[0].id
    first = await storage.members.decide_village_request(
        request_id, approve=True, by=ADMIN_ANI, update_id=7
    )
    second = await storage.members.decide_village_request(
        request_id, approve=False, by=ADMIN_BUDI, update_id=8
    )
    assert first is not None and second is not None
    assert first.changed and not second.changed
    assert second.request.status is VillageRequestStatus.APPROVED
    assert (second.request.decided_by, second.request.decision_update_id) == (ADMIN_ANI, 7)
    assert second.member.village == "Ngoran"
    history = await storage.members.village_requests(member_id)
    assert [(r.from_village, r.to_village, r.decided_by) for r in history] == [
        ("Jiwut", "Ngoran", ADMIN_ANI)
    ]


async def test_only_members_who_may_change_a_detail_change_it(storage: Storage) -> None:
    pending = await _artisan(storage, 100, approve=False)
    moved = await storage.members.change_detail(pending, ProfileField.VILLAGE, "Ngoran")
    assert moved is not None and moved.village == "Ngoran"
    with pytest.raises(ProfileLockedError):
        await storage.members.request_village(pending, "Jeding", key="k1")
    with pytest.raises(ProfileLockedError):
        await storage.members.change_detail(pending, ProfileField.COMPANY, "Yiwu")
    active = await _artisan(storage, 101)
    await storage.members.change_status(
        active, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN_ANI
    )
    with pytest.raises(ProfileLockedError):
        await storage.members.change_detail(active, ProfileField.WORKSHOP, "Baru")
    assert await storage.members.change_detail(9999, ProfileField.NAME, "Siapa") is None
