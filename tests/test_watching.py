"""Watching a model end to end: the quantity, one alert when accepted drums reach it, Stop."""

from __future__ import annotations

import sqlite3

from bot.emulator import Person
from storage import Storage
from tests.conftest import RunningBot, active_artisan, active_buyer
from tests.test_shop import accept, indonesian_buyer

MODEL = "DJ-M-MAH-GOAT-PAINT"  # medium mahogany goatskin painted motif, second medium card
OTHER = "DJ-L-MAH-COW-PLAIN"
ALERT = "you asked to be told at"


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def model_id(bot: RunningBot, code: str) -> int:
    return int(query(bot, "SELECT id FROM drum_models WHERE code = ?", code)[0]["id"])


def watches(bot: RunningBot) -> list[sqlite3.Row]:
    return query(bot, "SELECT * FROM watches ORDER BY id")


async def accept_through_review(bot: RunningBot, artisan: Person, quantity: int) -> None:
    """Report drums of MODEL and have admin Ani accept them all with the review buttons."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(MODEL)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(member.id, model.id, quantity)
    finally:
        await storage.close()
    ani = bot.admin()
    await ani.send("/review")
    card = (await ani.tap(report.reference))[-1]
    await ani.tap("Terima semua", card)
    assert query(bot, "SELECT status FROM reports WHERE id = ?", report.id)[0][0] == "accepted"


async def open_watch_question(buyer: Person, medium: str = "Medium", watch: str = "Watch") -> None:
    """From the catalogue, open MODEL's card (the second medium one) and tap Watch."""
    await buyer.send("/browse")
    card = (await buyer.tap(medium))[-1]
    card = (await buyer.tap("▶️", card))[-1]
    assert MODEL in card.plain
    await buyer.tap(watch, card)


def alerts(buyer: Person, marker: str = ALERT) -> list[str]:
    return [message.plain for message in buyer.inbox if marker in message.plain]


async def test_a_watch_is_told_exactly_once_when_accepted_drums_reach_it(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await open_watch_question(li)
    question = li.last
    assert "Watch Medium · mahogany · goatskin · painted motif" in question.plain
    assert "Available now: none, made to order" in question.plain
    assert question.labels == ["50", "100", "500", "3,500", "✖️ Cancel"]

    await li.tap("100", question)

    assert "I will tell you once when 100 drums are available (now 0)" in li.last_text
    rows = watches(bot)
    assert [(row["model_id"], row["quantity"]) for row in rows] == [(model_id(bot, MODEL), 100)]
    assert rows[0]["notified_at"] is None

    await accept_through_review(bot, sri, 60)
    assert alerts(li) == []
    await accept_through_review(bot, sri, 50)
    told = alerts(li)
    assert len(told) == 1
    assert (
        "👀 Medium · mahogany · goatskin · painted motif: 110 drums are available now "
        "(you asked to be told at 100)" in told[0]
    )
    await accept_through_review(bot, sri, 10)
    assert len(alerts(li)) == 1
    assert watches(bot)[0]["notified_at"] is not None
    replies = await li.send("/watching")
    assert "You are not watching any model" in replies[-1].plain


async def test_typed_quantities_are_checked_and_a_good_one_is_saved(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await open_watch_question(li)
    for typed in ("0", "abc", "3501", "-5", "12.5", "1e3"):
        replies = await li.send(typed)
        assert "whole number of drums from 1 to 3,500" in replies[-1].plain, typed
    replies = await li.send_sticker()
    assert "whole number of drums from 1 to 3,500" in replies[-1].plain
    assert watches(bot) == []
    replies = await li.send("/browse")
    assert "You are choosing how many drums to watch for" in replies[-1].plain
    replies = await li.send("1,200")
    assert "once when 1,200 drums are available" in replies[-1].plain
    assert [row["quantity"] for row in watches(bot)] == [1200]


async def test_a_quantity_already_available_is_said_at_once(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await accept(bot, sri, MODEL, 40)
    await open_watch_question(li)
    assert "Available now: 40 drums" in li.last_text
    replies = await li.send("30")
    assert "Already there: 40 drums of Medium · mahogany · goatskin · painted motif" in (
        replies[-1].plain
    )
    assert replies[-1].button_data("Order") == f"ord:new:{model_id(bot, MODEL)}"
    assert watches(bot) == []


async def test_the_watch_list_stops_only_the_buyers_own_watches(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    dewi = await indonesian_buyer(bot)
    await li.press(f"watch:new:{model_id(bot, MODEL)}", li.last)
    await li.tap("500")
    await li.press(f"watch:new:{model_id(bot, OTHER)}", li.last)
    await li.send("20")
    await dewi.press(f"watch:new:{model_id(bot, OTHER)}", dewi.last)
    await dewi.send("75")
    ids = {(row["buyer_id"], row["model_id"]): row["id"] for row in watches(bot)}
    assert len(ids) == 3
    dewi_watch = max(ids.values())

    listed = (await li.send("/watching"))[-1]
    assert "1. Medium · mahogany · goatskin · painted motif" in listed.plain
    assert "you are told at 500 · available now 0" in listed.plain
    assert "2. Large · mahogany · cowhide · plain" in listed.plain
    assert "75" not in listed.plain
    stops = [label for label in listed.labels if label.startswith("🔕")]
    assert len(stops) == 2

    # Dewi's watch id and nonsense, pressed by Li: refused, nothing changes.
    await li.press(f"watch:stop:{dewi_watch}", listed)
    assert li.callback_answers[-1]["text"] == "This watch is no longer open."
    await li.press("watch:stop:999999", listed)
    assert li.callback_answers[-1]["text"] == "This watch is no longer open."
    await li.press("watch:stop:x1", listed)
    assert "no longer active" in li.callback_answers[-1]["text"]
    open_rows = query(bot, "SELECT id FROM watches WHERE stopped_at IS NULL")
    assert len(open_rows) == 3

    first_stop = listed.button_data("Stop 1")
    assert first_stop is not None
    await li.tap("Stop 1", listed)
    relisted = bot.emulator.private_chat(li.user_id).messages[listed.message_id]
    assert (
        "painted motif" not in relisted.plain and "1. Large · mahogany · cowhide" in relisted.plain
    )
    assert li.callback_answers[-1]["text"] == "🔕 Stopped."
    stopped = query(bot, "SELECT model_id FROM watches WHERE stopped_at IS NOT NULL")
    assert [row["model_id"] for row in stopped] == [model_id(bot, MODEL)]
    # The same Stop again: already over.
    await li.press(first_stop, listed)
    assert li.callback_answers[-1]["text"] == "This watch is no longer open."

    mine = (await dewi.send("/watching"))[-1].plain
    assert "👀 Model yang Anda pantau" in mine
    assert "1. Besar · mahoni · kulit sapi · polos" in mine and "dikabari saat ada 75" in mine
    assert "500" not in mine


async def test_non_buyers_cannot_watch(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await sri.press(f"watch:new:{model_id(bot, MODEL)}", sri.last)
    assert "Memantau model hanya untuk pembeli" in sri.callback_answers[-1]["text"]
    replies = await sri.send("/watching")
    assert "Memantau model hanya untuk pembeli" in replies[-1].plain
    ani = bot.admin()
    await ani.send("/start")
    await ani.press(f"watch:new:{model_id(bot, MODEL)}", ani.last)
    assert "admin bisa melihat stok dengan /stock" in ani.callback_answers[-1]["text"]
    stranger = bot.person(3001, "Joe", "en")
    replies = await stranger.send("/watching")
    assert "Only registered buyers can watch models" in replies[-1].plain
    assert watches(bot) == []


async def test_cancel_and_a_retired_model_leave_nothing_watched(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await open_watch_question(li)
    replies = await li.send("/cancel")
    assert "Watch cancelled. Nothing new is watched." in replies[-1].plain
    replies = await li.send("50")
    assert not any("Watching" in reply.plain for reply in replies)
    await li.press(f"watch:new:{model_id(bot, MODEL)}", li.last)
    await li.tap("Cancel")
    assert "Watch cancelled" in li.last_text
    await li.press(f"watch:new:{model_id(bot, MODEL)}", li.last)
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.catalogue.retire(model_id(bot, MODEL), by=9001)
    finally:
        await storage.close()
    replies = await li.send("50")
    assert "no longer in the catalogue" in replies[-1].plain
    await li.press(f"watch:new:{model_id(bot, MODEL)}", li.last)
    assert "no longer in the catalogue" in li.callback_answers[-1]["text"]
    assert watches(bot) == []


async def test_an_indonesian_buyer_watches_and_is_told_in_indonesian(bot: RunningBot) -> None:
    dewi = await indonesian_buyer(bot)
    sri = await active_artisan(bot)
    await open_watch_question(dewi, "Sedang", "Pantau")
    question = dewi.last
    assert "Pantau Sedang · mahoni · kulit kambing · motif cat" in question.plain
    assert "3.500" in question.labels
    replies = await dewi.send("5")
    assert "Saya akan kabari Anda sekali begitu 5 kendang tersedia" in replies[-1].plain
    await accept_through_review(bot, sri, 6)
    told = alerts(dewi, "Anda minta diberi tahu pada 5")
    assert len(told) == 1 and "sekarang tersedia 6 kendang" in told[0]
