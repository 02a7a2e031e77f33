"""Exchange rates end to end: admins set, change and clear them; buyers' prices follow."""

from __future__ import annotations

import sqlite3

from bot.emulator import Person
from tests.conftest import ADMIN_BUDI, RunningBot, active_artisan, active_buyer


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def rates(bot: RunningBot) -> dict[str, int]:
    rows = query(bot, "SELECT currency, rupiah_per_unit FROM exchange_rates")
    return {row["currency"]: row["rupiah_per_unit"] for row in rows}


async def english_admin(bot: RunningBot) -> Person:
    """Budi, an admin who reads English and has opened the bot."""
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    return budi


async def set_rate(admin: Person, currency: str, typed: str) -> str:
    """Set a rate through /rates; return the bot's answer."""
    await admin.send("/rates")
    await admin.tap(f"Set {currency}")
    replies = await admin.send(typed)
    return replies[-1].plain


async def first_card(buyer: Person) -> str:
    """The caption of the catalogue's first card (small mahogany carved, Rp300.000)."""
    return (await buyer.send("/browse"))[-1].plain


async def test_an_admin_sets_a_rate_and_setting_it_again_names_the_previous_one(
    bot: RunningBot,
) -> None:
    budi = await english_admin(bot)
    li = await active_buyer(bot)
    screen = (await budi.send("/rates"))[-1]
    assert "USD: not set" in screen.plain and "CNY: not set" in screen.plain
    assert screen.labels == ["✏️ Set USD", "✏️ Set CNY", "⬅️ Menu"]

    question = (await budi.tap("Set USD", screen))[-1]
    assert "How many Rupiah is 1 USD worth now?" in question.plain
    answer = (await budi.send("16.250"))[-1].plain

    assert "✅ USD rate set: 1 USD = IDR16,250. It was not set before" in answer
    assert "USD: 1 USD = IDR16,250 · set by Budi on" in answer
    assert "A drum at IDR100,000 is shown as: IDR100,000 · US$6.15" in answer
    assert rates(bot) == {"USD": 16_250}
    assert query(bot, "SELECT set_by FROM exchange_rates")[0]["set_by"] == ADMIN_BUDI
    card = await first_card(li)
    assert "IDR300,000 · US$18.46 per drum" in card and "CN¥" not in card

    answer = await set_rate(budi, "USD", "Rp 16,500")
    assert "USD rate set: 1 USD = IDR16,500 (it was IDR16,250; to undo, set it again" in answer
    assert rates(bot) == {"USD": 16_500}
    answer = await set_rate(budi, "CNY", "2250")
    assert "CNY rate set: 1 CNY = IDR2,250. It was not set before" in answer
    assert "IDR100,000 · US$6.06 · CN¥44.44" in answer
    card = await first_card(li)
    assert "IDR300,000 · US$18.18 · CN¥133.33 per drum" in card


async def test_wrong_rates_are_asked_again_and_change_nothing(bot: RunningBot) -> None:
    ani = bot.admin()
    await ani.send("/rates")
    await ani.tap("Atur USD")
    for typed in ("0", "abc", "999", "100.001", "16,25", "-16000", "16.250,00", "Rp"):
        replies = await ani.send(typed)
        assert "Sepertinya itu bukan kurs USD yang benar" in replies[-1].plain, typed
        assert "dari Rp1.000 sampai Rp100.000" in replies[-1].plain
    replies = await ani.send_sticker()
    assert "Anda sedang mengatur kurs" in replies[-1].plain
    replies = await ani.send("/browse")
    assert "Anda sedang mengatur kurs" in replies[-1].plain
    assert rates(bot) == {}
    replies = await ani.send("/cancel")
    assert "Tidak ada yang berubah" in replies[-1].plain
    replies = await ani.send("16000")
    assert rates(bot) == {}
    await ani.send("/rates")
    await ani.tap("Atur CNY")
    for typed in ("50", "20.001"):
        replies = await ani.send(typed)
        assert (
            "bukan kurs CNY" in replies[-1].plain and "Rp100 sampai Rp20.000" in replies[-1].plain
        )
    replies = await ani.send("2.250")
    assert "Kurs CNY diatur: 1 CNY = Rp2.250" in replies[-1].plain
    assert rates(bot) == {"CNY": 2_250}


async def test_clearing_a_rate_says_what_it_was_and_buyers_see_rupiah_again(
    bot: RunningBot,
) -> None:
    budi = await english_admin(bot)
    li = await active_buyer(bot)
    await set_rate(budi, "USD", "16000")
    screen = (await budi.send("/rates"))[-1]
    assert "🗑️ Clear USD" in screen.labels and "🗑️ Clear CNY" not in screen.labels

    await budi.tap("Clear USD", screen)

    cleared = bot.emulator.private_chat(ADMIN_BUDI).messages[screen.message_id].plain
    assert "USD rate cleared (it was 1 USD = IDR16,000)" in cleared
    assert "USD: not set" in cleared
    assert rates(bot) == {}
    card = await first_card(li)
    assert "IDR300,000 per drum" in card and "US$" not in card
    await budi.press("rates:clear:USD", budi.last)
    assert budi.callback_answers[-1]["text"] == "No USD rate is set."
    assert rates(bot) == {}


async def test_only_admins_see_or_change_rates(bot: RunningBot) -> None:
    budi = await english_admin(bot)
    await set_rate(budi, "USD", "16000")
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    replies = await li.send("/rates")
    assert "only the cooperative's admins" in replies[-1].plain
    assert "16,000" not in replies[-1].plain
    for data in ("rates:menu", "rates:set:USD", "rates:clear:USD", "rates:set:EUR", "rates:x"):
        await li.press(data, li.last)
        assert "only the cooperative's admins" in li.callback_answers[-1]["text"], data
    replies = await li.send("1")
    assert rates(bot) == {"USD": 16_000}
    await sri.press("rates:set:CNY", sri.last)
    assert "hanya admin koperasi" in sri.callback_answers[-1]["text"].lower()
    await sri.send("2250")
    assert rates(bot) == {"USD": 16_000}

    # Admins reach the rates from their menu.
    menu = (await budi.send("/menu"))[-1]
    screen = (await budi.tap("Exchange rates", menu))[-1]
    assert screen.message_id == menu.message_id
    assert "USD: 1 USD = IDR16,000" in screen.plain
