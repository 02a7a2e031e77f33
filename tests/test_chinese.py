"""Simplified Chinese readers: chosen by Telegram's language or /language, answered in Chinese."""

from __future__ import annotations

import sqlite3

import pytest

from bot.emulator import Person
from storage import Storage
from storage.models.exchange_rates import Currency
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, full_width


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def chosen_locale(bot: RunningBot, user_id: int) -> str | None:
    """The language a person chose with /language."""
    rows = query(bot, "SELECT chosen_locale FROM telegram_users WHERE telegram_id = ?", user_id)
    return rows[0]["chosen_locale"] if rows else None


async def chinese_buyer(bot: RunningBot) -> Person:
    """Open a buyer account through the real flow, Telegram set to Simplified Chinese."""
    li = bot.person(2001, "李伟", "zh-hans")
    greeting = (await li.send("/start"))[-1]
    assert "李伟，您好！" in greeting.plain
    assert greeting.labels == ["🪘 我是工匠", "🧳 我是买家"]
    await li.tap("我是买家")
    await li.send("李伟")
    await li.send("义乌乐器贸易有限公司")
    await li.tap("中国")
    await li.tap("创建")
    assert (
        query(bot, "SELECT company FROM members WHERE company IS NOT NULL")[0]["company"]
        == "义乌乐器贸易有限公司"
    )
    return li


async def set_rates(bot: RunningBot) -> None:
    """1 USD = Rp16.000 and 1 CNY = Rp2.250."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.exchange_rates.set(Currency.USD, 16_000, by=ADMIN_ANI)
        await storage.exchange_rates.set(Currency.CNY, 2_250, by=ADMIN_ANI)
    finally:
        await storage.close()


async def test_a_chinese_buyer_browses_and_orders_in_chinese_with_yuan_first(
    bot: RunningBot,
) -> None:
    li = await chinese_buyer(bot)
    await set_rates(bot)
    card = (await li.send("/browse"))[-1]
    # The model's name is made of translated words; the price is yuan, dollars, then Rupiah.
    assert "小号 · 桃花心木 · 山羊皮 · 雕刻" in card.plain
    assert "CN¥133.33 · US$18.75 · IDR300,000" in card.plain
    assert "🛒 下单" in card.labels

    await li.tap("下单", card)
    # Typed full width, as a Chinese keyboard does.
    await li.send(full_width("12"))
    summary = (await li.tap("跳过"))[-1]
    assert "数量：12 面" in summary.plain
    # 12 x Rp300.000 = Rp3.600.000 = 1,600 yuan at 2.250 = 225 dollars at 16.000.
    assert "合计：CN¥1,600.00 · US$225.00 · IDR3,600,000" in summary.plain
    await li.tap("发送订单")
    assert "订单已发送" in li.last_text
    [order] = query(bot, "SELECT quantity FROM orders")
    assert order["quantity"] == 12


@pytest.mark.parametrize("language_code", ["zh", "zh-cn", "zh-sg", "zh-hant", "zh-tw", "zh-hk"])
async def test_every_chinese_telegram_reads_simplified(bot: RunningBot, language_code: str) -> None:
    wei = bot.person(2002, "Wei", language_code)
    assert "您好" in (await wei.send("/start"))[-1].plain


async def test_language_offers_chinese_and_a_forged_choice_changes_nothing(
    bot: RunningBot,
) -> None:
    sri = bot.person(1001, "Sri", "id")
    screen = (await sri.send("/language"))[-1]
    assert screen.labels == ["🇮🇩 Bahasa Indonesia", "🇬🇧 English", "🇨🇳 中文"]
    await sri.tap("中文", screen)
    assert "🇨🇳 中文" in sri.last_text and chosen_locale(bot, 1001) == "zh"
    assert "您好" in (await sri.send("/start"))[-1].plain

    # A button for a language the bot does not speak (an old version's, or forged).
    screen = (await sri.send("/language"))[-1]
    await sri.press("lang:set:fr", screen)
    assert "此按钮已失效" in sri.callback_answers[-1]["text"]
    assert chosen_locale(bot, 1001) == "zh"


async def test_the_command_menu_is_registered_in_chinese(bot: RunningBot) -> None:
    chinese = bot.emulator.commands[("default", "zh")]
    assert {"command": "help", "description": "我能做什么"} in chinese
    admins = bot.emulator.commands[(f"chat:{ADMIN_ANI}", "zh")]
    assert {c["command"] for c in chinese} < {c["command"] for c in admins}


async def test_a_chinese_admin_decides_in_chinese_and_the_artisan_hears_indonesian(
    bot: RunningBot,
) -> None:
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="zh-hans")
    await budi.send("/start")
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("Sri Wahyuni")
    await sri.tap("Jiwut")
    await sri.send("Usaha Sri")
    await sri.tap("Lewati")
    await sri.tap("Kirim pendaftaran")
    card = budi.last
    assert "Sri Wahyuni" in card.plain and "✅ 批准" in card.labels, card.labels
    await budi.tap("批准", card)
    assert "Selamat bergabung" in sri.last_text
