"""Admins add an announcement's versions in three languages; each member gets their own."""

from __future__ import annotations

import asyncio
import itertools

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from storage import Storage
from storage.models.members import BuyerApplication
from tests.conftest import ADMIN_BUDI, RunningBot
from tests.test_broadcast_compose import broadcasts, members, versions

SRI, TONO, LI, WANG, MEI = 1001, 1002, 2001, 2002, 2003
PEOPLE = (SRI, TONO, LI, WANG, MEI)


async def chinese_buyers(bot: RunningBot) -> list[Person]:
    """Wang, whose Telegram is in Chinese, and Mei, who chose Chinese in an English Telegram."""
    people = [bot.person(WANG, "Wang", "zh-hans"), bot.person(MEI, "Mei", "en")]
    storage = await Storage.open(bot.settings.db_path)
    try:
        for person in people:
            name = person.first_name
            await storage.people.seen(person.user_id, name, None, person.language_code)
            application = BuyerApplication(name=name, company="Yiwu Drums", country="China")
            await storage.members.register_buyer(person.user_id, application, needs_approval=False)
        await storage.people.choose_locale(MEI, "zh")
    finally:
        await storage.close()
    return people


async def all_sent(bot: RunningBot) -> None:
    """Wait until every announcement is sent."""
    for _ in range(500):
        if all(row["status"] == "done" for row in broadcasts(bot)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the announcement was not sent in time")


def received(bot: RunningBot, user_id: int) -> list[str]:
    """The texts and captions a person received from the bot."""
    return [message.plain for message in bot.emulator.messages(user_id)]


def previews(replies: list[ChatMessage]) -> list[str]:
    """The versions shown before the check: each message right after a preview's title."""
    return [
        after.plain
        for before, after in itertools.pairwise(replies)
        if before.plain.startswith("👀")
    ]


async def test_an_indonesian_admin_adds_english_and_chinese_and_each_member_gets_theirs(
    bot: RunningBot,
) -> None:
    await members(bot)
    await chinese_buyers(bot)
    ani = bot.admin()
    await ani.send("/broadcast")
    await ani.tap("Semua anggota (5)")
    question = (await ani.send("Rapat koperasi Senin jam 9."))[-1]
    assert question.labels[:3] == [
        "🇬🇧 Tambah versi bahasa Inggris",
        "🇨🇳 Tambah versi bahasa Mandarin",
        "Tidak, satu versi untuk semua",
    ]
    await ani.tap("Tambah versi bahasa Mandarin")
    assert "Ketik versi bahasa Mandarin dari pengumuman ini" in ani.last_text
    question = (await ani.send("合作社周一上午9点开会。"))[-1]
    assert "Versi yang sudah ada: 🇮🇩 🇨🇳" in question.plain
    assert question.labels[:3] == [
        "🇬🇧 Tambah versi bahasa Inggris",
        "✏️ Ubah versi bahasa Mandarin",
        "✅ Selesai, tanpa versi lain",
    ]
    await ani.tap("Tambah versi bahasa Inggris")
    await ani.send("Cooperative meting Monday 9 am.")
    # Typing a language's version again replaces it.
    await ani.tap("Ubah versi bahasa Inggris")
    question = (await ani.send("Cooperative meeting on Monday at 9 am."))[-1]
    assert "Versi yang sudah ada: 🇮🇩 🇨🇳 🇬🇧" in question.plain

    replies = await ani.tap("Selesai, tanpa versi lain")
    assert previews(replies) == [
        "Rapat koperasi Senin jam 9.",
        "合作社周一上午9点开会。",
        "Cooperative meeting on Monday at 9 am.",
    ]
    titles = [message.plain for message in replies if "Pratinjau versi" in message.plain]
    assert titles == [
        "👀 Pratinjau versi bahasa Indonesia:",
        "👀 Pratinjau versi bahasa Mandarin:",
        "👀 Pratinjau versi bahasa Inggris:",
    ]
    summary = replies[-1].plain
    assert "Penerima saat ini: 5" in summary
    assert "Versi bahasa Indonesia: 2 orang" in summary
    assert "Versi bahasa Mandarin: 2 orang" in summary
    assert "Versi bahasa Inggris: 1 orang" in summary
    await ani.tap("Kirim sekarang")
    await all_sent(bot)

    [row] = broadcasts(bot)
    assert (row["locale"], row["text"]) == ("id", "Rapat koperasi Senin jam 9.")
    assert versions(bot, row["id"]) == {
        "zh": "合作社周一上午9点开会。",
        "en": "Cooperative meeting on Monday at 9 am.",
    }
    indonesian, chinese = "Rapat koperasi Senin jam 9.", "合作社周一上午9点开会。"
    english, typo = "Cooperative meeting on Monday at 9 am.", "Cooperative meting Monday 9 am."
    texts = {indonesian, chinese, english, typo}
    got = {user_id: [t for t in received(bot, user_id) if t in texts] for user_id in PEOPLE}
    assert got == {
        SRI: [indonesian],
        TONO: [indonesian],
        LI: [english],
        WANG: [chinese],
        MEI: [chinese],
    }


async def test_without_their_own_version_readers_get_the_nearest_and_the_check_says_so(
    bot: RunningBot,
) -> None:
    budi = await members(bot)
    await chinese_buyers(bot)
    await budi.send("/broadcast")
    await budi.tap("Everyone (5)")
    await budi.send_photo(caption="New carved djembes in stock")
    await budi.tap("Add the Chinese version")
    assert "Type the Chinese caption for the same photo (up to 1,024" in budi.last_text
    replies = await budi.send("鼓" * 1025)
    assert "That caption is 1,025 characters long" in replies[-1].plain
    await budi.send("雕刻非洲鼓现货")
    replies = await budi.tap("Done, no more versions")

    photos = [message for message in replies if message.photo]
    assert [message.plain for message in photos] == [
        "New carved djembes in stock",
        "雕刻非洲鼓现货",
    ]
    summary = replies[-1].plain
    # Sri and Tono read Indonesian, which has no version: they get the English one.
    assert "English version: 3 people" in summary and "Chinese version: 2 people" in summary
    assert "Indonesian version" not in summary
    await budi.tap("Send now")
    await all_sent(bot)

    for user_id in (SRI, TONO, LI):
        [photo] = [message for message in bot.emulator.messages(user_id) if message.photo]
        assert photo.plain == "New carved djembes in stock"
    for user_id in (WANG, MEI):
        [photo] = [message for message in bot.emulator.messages(user_id) if message.photo]
        assert photo.plain == "雕刻非洲鼓现货"


async def test_a_chinese_admin_writes_in_chinese_and_adds_indonesian(bot: RunningBot) -> None:
    budi = await members(bot)
    await chinese_buyers(bot)
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.people.choose_locale(ADMIN_BUDI, "zh")
    finally:
        await storage.close()
    # Buttons by their data: the Chinese labels are still being translated.
    await budi.send("/broadcast")
    await budi.press("bc:aud:everyone")
    question = (await budi.send("明天放假仓库关门。"))[-1]
    assert [data for row in question.buttons for _, data in row][:3] == [
        "bc:ver:id",
        "bc:ver:en",
        "bc:ver:done",
    ]
    # The written language has its version already: a forged button for it adds nothing.
    await budi.press("bc:ver:zh", question)
    await budi.press("bc:ver:id", budi.last)
    assert "4,096" in budi.last_text
    await budi.send("Besok libur, gudang tutup.")
    replies = await budi.press("bc:ver:done", budi.last)
    assert previews(replies) == ["明天放假仓库关门。", "Besok libur, gudang tutup."]
    assert "中文版" in replies[-1].plain and "2 人" in replies[-1].plain
    await budi.press("bc:send", replies[-1])
    await all_sent(bot)

    [row] = broadcasts(bot)
    assert (row["locale"], row["text"]) == ("zh", "明天放假仓库关门。")
    assert versions(bot, row["id"]) == {"id": "Besok libur, gudang tutup."}
    # Li reads English, which has no version: Indonesian comes before Chinese for him.
    for user_id in (SRI, TONO, LI):
        assert "Besok libur, gudang tutup." in received(bot, user_id)
    for user_id in (WANG, MEI):
        assert "明天放假仓库关门。" in received(bot, user_id)
