"""Buyers order drums end to end: quantity, note, confirm; one order per Send; admins told."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from storage import Storage
from storage.models.exchange_rates import Currency
from storage.models.members import ArtisanApplication, Member, MemberStatus
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer

MODEL = "DJ-M-MAH-GOAT-PAINT"  # medium mahogany goatskin painted, buyer price Rp375.000
PRICE = 375_000
STOCK_ARTISAN = 1500


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def model_id(bot: RunningBot, code: str = MODEL) -> int:
    """The id of a catalogue model."""
    return int(query(bot, "SELECT id FROM drum_models WHERE code = ?", code)[0]["id"])


def orders(bot: RunningBot) -> list[sqlite3.Row]:
    """Every stored order, oldest first."""
    return query(bot, "SELECT * FROM orders ORDER BY id")


def order_row(bot: RunningBot, order_id: int) -> sqlite3.Row:
    """One stored order."""
    return query(bot, "SELECT * FROM orders WHERE id = ?", order_id)[0]


def balance(bot: RunningBot, code: str = MODEL) -> tuple[int, int]:
    """A model's (on hand, reserved) from stock_balances."""
    rows = query(
        bot,
        "SELECT on_hand, reserved FROM stock_balances b JOIN drum_models d ON d.id = b.model_id"
        " WHERE d.code = ?",
        code,
    )
    return (0, 0) if not rows else (int(rows[0]["on_hand"]), int(rows[0]["reserved"]))


def ledger_reserved(bot: RunningBot, order_id: int) -> int:
    """The sum of the stock ledger's reservations and releases for an order."""
    rows = query(
        bot,
        "SELECT COALESCE(SUM(reserved_delta), 0) AS n FROM stock_movements WHERE order_id = ?",
        order_id,
    )
    return int(rows[0]["n"])


def ledger_matches_balances(bot: RunningBot) -> bool:
    """Whether every stock balance equals the sum of its movements, and no order disagrees."""
    off = query(
        bot,
        "SELECT b.model_id FROM stock_balances b LEFT JOIN (SELECT model_id,"
        " SUM(on_hand_delta) AS h, SUM(reserved_delta) AS r FROM stock_movements"
        " GROUP BY model_id) m ON m.model_id = b.model_id"
        " WHERE b.on_hand != COALESCE(m.h, 0) OR b.reserved != COALESCE(m.r, 0)",
    )
    orders_off = query(
        bot,
        "SELECT o.id FROM orders o WHERE o.reserved != (SELECT COALESCE(SUM(reserved_delta), 0)"
        " FROM stock_movements s WHERE s.order_id = o.id AND s.kind IN ('reserved', 'released'))",
    )
    return off == [] and orders_off == []


def states(bot: RunningBot) -> dict[str, str]:
    """The stored conversation states by conversation name."""
    return {row["name"]: row["state"] for row in query(bot, "SELECT * FROM conversation_states")}


def user_data(bot: RunningBot, user_id: int) -> dict[str, Any]:
    """A person's stored drafts."""
    rows = query(bot, "SELECT data FROM user_data WHERE user_id = ?", user_id)
    return {} if not rows else dict(json.loads(rows[0]["data"]))


def data_of(message: ChatMessage) -> list[str]:
    """Every callback data on a message's buttons."""
    return [data for row in message.buttons for _, data in row if data]


@asynccontextmanager
async def opened(bot: RunningBot) -> AsyncIterator[Storage]:
    """A second connection to the bot's database, as another process would have."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def stock_artisan(storage: Storage) -> Member:
    """The active artisan whose accepted drums make the tests' stock."""
    artisan = await storage.members.by_telegram_id(STOCK_ARTISAN)
    if artisan is None:
        await storage.people.seen(STOCK_ARTISAN, "Stok", None, "id")
        application = ArtisanApplication(name="Stok", village="Jiwut", workshop="Stok")
        artisan = await storage.members.register_artisan(STOCK_ARTISAN, application)
        await storage.members.change_status(
            artisan.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
    return artisan


async def add_stock(bot: RunningBot, quantity: int, code: str = MODEL) -> None:
    """Put accepted drums on hand, as a quality check does, straight through storage."""
    async with opened(bot) as storage:
        artisan = await stock_artisan(storage)
        model = await storage.catalogue.get_by_code(code)
        assert model is not None
        report, _ = await storage.reports.create(artisan.id, model.id, quantity)
        await storage.reports.decide(report.id, quantity, None, by=ADMIN_ANI)


async def admins(bot: RunningBot) -> tuple[Person, Person]:
    """Ani (Indonesian) and Budi (English), who has opened the bot so it knows his language."""
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    return ani, budi


async def start_order(buyer: Person, bot: RunningBot, code: str = MODEL) -> list[ChatMessage]:
    """Tap Order on a catalogue card of the model (its button carries ord:new:<id>)."""
    return await buyer.press(f"ord:new:{model_id(bot, code)}", buyer.last)


async def place_order(
    buyer: Person, bot: RunningBot, quantity: int, note: str | None = None, code: str = MODEL
) -> int:
    """Order through the whole flow; return the new order's id."""
    await start_order(buyer, bot, code)
    await buyer.send(str(quantity))
    if note is None:
        await buyer.tap("⏭️")
    else:
        await buyer.send(note)
    await buyer.press(send_data(buyer), buyer.last)
    return int(orders(bot)[-1]["id"])


def send_data(person: Person) -> str:
    """The callback data of the summary's Send button."""
    return next(data for data in data_of(person.last) if data.startswith("ord:ok:"))


def cards_for(bot: RunningBot, admin_id: int, reference: str) -> list[ChatMessage]:
    """The order cards naming `reference` an admin received."""
    return [m for m in bot.emulator.messages(admin_id) if reference in m.plain and m.buttons]


async def test_buyer_orders_with_a_quick_quantity_and_a_note_and_admins_get_it(
    bot: RunningBot,
) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 60)
    replies = await start_order(li, bot)
    question = replies[-1]
    assert "Order: Medium · mahogany · goatskin · painted motif" in question.plain
    assert "Price: IDR375,000 each" in question.plain
    assert "Available now: 60 drums" in question.plain
    assert question.labels == ["10", "50", "100", "500", "3,500", "All 60 available", "✖️ Cancel"]
    await li.tap("50")
    assert "Type a short note" in li.last_text
    await li.send("Blue <b>rope</b> & boxes of 10")
    summary = li.last_text
    assert "Quantity: 50 drums" in summary
    assert "Unit price: IDR375,000" in summary
    assert "Total: IDR18,750,000" in summary
    assert "Note: Blue <b>rope</b> & boxes of 10" in summary
    await li.tap("Send order")

    row = orders(bot)[0]
    assert (row["model_id"], row["quantity"], row["status"], row["unit_price"]) == (
        model_id(bot),
        50,
        "requested",
        PRICE,
    )
    assert row["note"] == "Blue <b>rope</b> & boxes of 10"
    assert "Order sent: O-000001" in li.last_text
    assert "admins will confirm it" in li.last_text
    for_budi = cards_for(bot, ADMIN_BUDI, "O-000001")
    assert len(for_budi) == 1 and len(cards_for(bot, ADMIN_ANI, "O-000001")) == 1
    card = for_budi[0].plain
    assert "Buyer: Li Wei (Yiwu Music Trading, China)" in card
    assert "Quantity: 50 drums" in card
    assert "Price: IDR375,000 each · total IDR18,750,000" in card
    assert "Note: Blue <b>rope</b> & boxes of 10" in card
    assert "Available now: 60 drums" in card
    assert for_budi[0].labels == ["✅ Confirm", "❌ Decline"]
    assert cards_for(bot, ADMIN_ANI, "O-000001")[0].labels == ["✅ Konfirmasi", "❌ Tolak"]
    assert "ordering" not in states(bot)
    assert "order" not in user_data(bot, li.user_id)


async def test_a_typed_quantity_without_a_note_shows_prices_in_set_currencies(
    bot: RunningBot,
) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    async with opened(bot) as storage:
        await storage.exchange_rates.set(Currency.USD, 16_000, by=ADMIN_ANI)
    await start_order(li, bot)
    assert "US$23.44" in li.last_text
    await li.send("1,200")
    await li.tap("Skip")
    summary = li.last_text
    assert "Quantity: 1,200 drums" in summary
    assert "Total: IDR450,000,000 · US$28,125.00" in summary
    assert "Note: —" in summary
    assert "more than is available now" in summary
    await li.tap("Send order")
    assert [(r["quantity"], r["note"]) for r in orders(bot)] == [(1200, None)]
    assert "Available now: 0 drums" in cards_for(bot, ADMIN_BUDI, "O-000001")[0].plain
    assert cards_for(bot, ADMIN_BUDI, "O-000001")[0].labels == [
        "📋 Confirm as backorder",
        "❌ Decline",
    ]


async def test_bad_quantities_are_asked_again_and_nothing_is_saved(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    for attempt in ("0", "-3", "12.5", "fifty", "1e9", "🙂", "3501", "1.000.000", "10 drums"):
        replies = await li.send(attempt)
        assert "whole number of drums from 1 to 3,500" in replies[-1].plain, attempt
    for action in (li.send_sticker(), li.send_photo(), li.press("ord:q:3501", li.last)):
        replies = await action
        assert "whole number of drums from 1 to 3,500" in replies[-1].plain
    assert orders(bot) == []
    assert states(bot)["ordering"] == '"QUANTITY"'
    await li.send("3.500")
    assert "Type a short note" in li.last_text


async def test_bad_notes_are_asked_again(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    await li.tap("10")
    for attempt in ("x" * 201, "!!! ???", "   "):
        replies = await li.send(attempt)
        assert "one text of up to 200 characters" in replies[-1].plain, attempt
    for action in (li.send_sticker(), li.send_photo()):
        replies = await action
        assert "one text of up to 200 characters" in replies[-1].plain
    assert states(bot)["ordering"] == '"NOTE"'
    await li.send("Two\nlines  with   spaces " + "y" * 150)
    assert "Note: Two lines with spaces" in li.last_text
    await li.tap("Send order")
    assert orders(bot)[0]["note"] == "Two lines with spaces " + "y" * 150


async def test_a_double_tap_on_send_makes_one_order(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    await li.tap("10")
    await li.tap("Skip")
    summary, data = li.last, send_data(li)
    await li.press(data, summary)
    await li.press(data, summary)
    assert len(orders(bot)) == 1
    assert "Already sent as O-000001" in li.callback_answers[-1]["text"]
    assert "O-000001" in li.last_text
    assert len(cards_for(bot, ADMIN_ANI, "O-000001")) == 1
    assert len(cards_for(bot, ADMIN_BUDI, "O-000001")) == 1


async def test_a_redelivered_send_makes_one_order(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    await li.tap("10")
    await li.tap("Skip")
    update_id = bot.emulator.press_button(li.user_id, li.last.message_id, send_data(li))
    await bot.emulator.wait_confirmed(update_id)
    bot.emulator.redeliver(update_id)
    await bot.emulator.wait_confirmed(update_id)
    await asyncio.sleep(0.1)
    assert len(orders(bot)) == 1
    assert len(cards_for(bot, ADMIN_ANI, "O-000001")) == 1


async def test_send_of_a_cancelled_draft_sends_nothing(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    await li.tap("10")
    await li.tap("Skip")
    summary, data = li.last, send_data(li)
    await li.tap("Cancel")
    assert any("Order cancelled. Nothing was sent." in m.plain for m in li.inbox)
    await li.press(data, summary)
    assert "was not sent" in li.callback_answers[-1]["text"]
    assert orders(bot) == []


async def test_cancel_works_at_every_step(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    for answers in ([], ["50"], ["50", "fine"]):
        await start_order(li, bot)
        for answer in answers:
            await li.send(answer)
        replies = await li.send("/cancel")
        assert "Order cancelled. Nothing was sent." in replies[0].plain
        assert "Main menu" in replies[-1].plain
        assert "ordering" not in states(bot)
    await start_order(li, bot)
    await li.tap("✖️ Cancel")
    assert "Order cancelled" in li.inbox[-2].plain
    assert "ordering" not in states(bot)
    assert orders(bot) == []


async def test_commands_mid_order_keep_the_step(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await start_order(li, bot)
    replies = await li.send("/orders")
    assert "in the middle of an order" in replies[-1].plain
    assert states(bot)["ordering"] == '"QUANTITY"'
    await li.send("5")
    assert "Type a short note" in li.last_text


async def test_quick_quantities_stop_at_the_maximum(start_bot: Callable[..., Any]) -> None:
    bot: RunningBot = await start_bot(max_order_quantity=200)
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 150)
    await start_order(li, bot)
    assert li.last.labels == ["10", "50", "100", "All 150 available", "✖️ Cancel"]
    replies = await li.send("201")
    assert "from 1 to 200" in replies[-1].plain
    await li.press("ord:q:500", li.last)
    assert "from 1 to 200" in li.last_text
    assert orders(bot) == []


async def test_only_active_buyers_may_order(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    model = model_id(bot)
    await budi.press(f"ord:new:{model}", budi.last)
    assert "As an admin, you confirm their orders" in budi.callback_answers[-1]["text"]
    sri = await active_artisan(bot)
    await sri.press(f"ord:new:{model}", sri.last)
    assert "hanya untuk pembeli" in sri.callback_answers[-1]["text"]
    stranger = bot.person(3001, "Tom", "en")
    await stranger.send("/start")
    await stranger.press(f"ord:new:{model}", stranger.last)
    assert "Only registered buyers can order" in stranger.callback_answers[-1]["text"]
    li = await active_buyer(bot)
    async with opened(bot) as storage:
        member = await storage.members.by_telegram_id(li.user_id)
        assert member is not None
        await storage.members.change_status(
            member.id, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN_ANI
        )
    await li.press(f"ord:new:{model}", li.last)
    assert "account is not active" in li.callback_answers[-1]["text"]
    assert orders(bot) == []
    assert "ordering" not in states(bot)


async def test_a_retired_model_cannot_be_ordered(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    async with opened(bot) as storage:
        await storage.catalogue.retire(model_id(bot, "DJ-S-MAH-GOAT-PLAIN"), by=ADMIN_ANI)
    await start_order(li, bot, "DJ-S-MAH-GOAT-PLAIN")
    assert "no longer in the catalogue" in li.callback_answers[-1]["text"]
    assert "ordering" not in states(bot)
    await li.press("ord:new:99999", li.last)
    assert "no longer in the catalogue" in li.callback_answers[-1]["text"]
    # Retired between the summary and Send: a clear answer, nothing stored.
    await start_order(li, bot)
    await li.tap("10")
    await li.tap("Skip")
    summary = li.last
    async with opened(bot) as storage:
        await storage.catalogue.retire(model_id(bot), by=ADMIN_ANI)
    await li.press(send_data(li), summary)
    assert "no longer in the catalogue" in li.callback_answers[-1]["text"]
    assert "Nothing was sent" in li.last_text
    assert orders(bot) == []
    assert "ordering" not in states(bot)


async def test_an_indonesian_buyer_orders_in_indonesian(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    li.language_code = "id"
    await add_stock(bot, 20)
    await start_order(li, bot)
    question = li.last_text
    assert "Pesan: Sedang · mahoni · kulit kambing · motif cat" in question
    assert "Rp375.000" in question and "Tersedia sekarang: 20 kendang" in question
    await li.send("30")
    await li.tap("Lewati")
    summary = li.last_text
    assert "Jumlah: 30 kendang" in summary and "Total: Rp11.250.000" in summary
    await li.tap("Kirim pesanan")
    assert "Pesanan terkirim: O-000001" in li.last_text


async def test_the_catalogue_cards_order_button_starts_an_order_and_keeps_the_card(
    bot: RunningBot,
) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await li.send("/browse")
    card = li.last
    order_data = next(data for data in data_of(card) if data.startswith("ord:new:"))
    replies = await li.tap("Order", card)
    assert replies[-1].message_id != card.message_id, "the question is a new message"
    assert "How many drums?" in replies[-1].plain
    assert bot.emulator.private_chat(li.user_id).messages[card.message_id].plain == card.plain
    await li.tap("10")
    await li.tap("Skip")
    await li.tap("Send order")
    assert orders(bot)[0]["model_id"] == int(order_data.removeprefix("ord:new:"))
