"""Admins decide on orders end to end: confirm, in part, with a backorder, decline, cancel."""

from __future__ import annotations

import asyncio

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_buyer
from tests.test_ordering import (
    STOCK_ARTISAN,
    add_stock,
    admins,
    balance,
    cards_for,
    data_of,
    ledger_matches_balances,
    ledger_reserved,
    model_id,
    opened,
    order_row,
    place_order,
    query,
    stock_artisan,
)


def copy_of(bot: RunningBot, admin_id: int, card: ChatMessage) -> ChatMessage:
    """A card as it stands now in an admin's chat."""
    return bot.emulator.private_chat(admin_id).messages[card.message_id]


def movements(bot: RunningBot, order_id: int) -> list[tuple[str, int, int]]:
    """The stock ledger's entries for an order: (kind, on hand delta, reserved delta)."""
    rows = query(
        bot,
        "SELECT kind, on_hand_delta, reserved_delta FROM stock_movements WHERE order_id = ?"
        " ORDER BY id",
        order_id,
    )
    return [(row["kind"], row["on_hand_delta"], row["reserved_delta"]) for row in rows]


async def ordered(
    bot: RunningBot, buyer: Person, quantity: int
) -> tuple[int, ChatMessage, ChatMessage]:
    """An order through the bot; its id and the cards Ani and Budi received."""
    order_id = await place_order(buyer, bot, quantity)
    reference = f"O-{order_id:06d}"
    return (
        order_id,
        cards_for(bot, ADMIN_ANI, reference)[-1],
        cards_for(bot, ADMIN_BUDI, reference)[-1],
    )


async def test_confirming_in_full_reserves_the_drums_and_tells_everyone(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 60)
    order_id, for_ani, for_budi = await ordered(bot, li, 50)
    assert for_budi.labels == ["✅ Confirm", "❌ Decline"]
    await ani.tap("Konfirmasi", for_ani)

    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"], row["decided_by"]) == (
        "confirmed",
        50,
        50,
        ADMIN_ANI,
    )
    assert balance(bot) == (60, 50)
    assert movements(bot, order_id) == [("reserved", 0, 50)]
    assert ledger_reserved(bot, order_id) == 50 and ledger_matches_balances(bot)
    told = li.last_text
    assert "Your order O-000001 is confirmed: 50 drums of Medium" in told
    assert "are reserved for you" in told and "IDR18,750,000" in told
    refreshed = copy_of(bot, ADMIN_BUDI, for_budi)
    assert "Confirmed by Ani: 50 drums" in refreshed.plain
    assert "Now: ✅ confirmed: 50 drums reserved" in refreshed.plain
    assert refreshed.labels == ["📄 Proforma invoice", "✖️ Cancel this order"]
    assert "Dikonfirmasi oleh Ani" in copy_of(bot, ADMIN_ANI, for_ani).plain
    # Budi's old Confirm, pressed anyway: told who decided, nothing changes.
    await budi.press(f"ordadm:ok:{order_id}", refreshed)
    assert "already confirmed by Ani" in budi.callback_answers[-1]["text"]
    assert balance(bot) == (60, 50)


async def test_confirming_the_available_part_drops_the_rest(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 30)
    order_id, _, for_budi = await ordered(bot, li, 50)
    assert "Available now: 30 drums" in for_budi.plain
    assert for_budi.labels == [
        "✅ Confirm the 30 available",
        "📋 Confirm all, 20 as backorder",
        "❌ Decline",
    ]
    assert f"ordadm:part:{order_id}:30" in data_of(for_budi)
    await budi.tap("Confirm the 30", for_budi)
    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"]) == ("confirmed", 30, 30)
    assert balance(bot) == (30, 30)
    assert "partly confirmed: 30 of 50 drums" in li.last_text
    assert "The other 20 drums could not be confirmed" in li.last_text
    assert "IDR11,250,000" in li.last_text
    assert "Confirmed by Budi: 30 of 50 drums" in copy_of(bot, ADMIN_BUDI, for_budi).plain


async def test_a_backorder_is_filled_by_a_later_acceptance_and_the_buyer_told(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 30)
    order_id, _, for_budi = await ordered(bot, li, 50)
    await budi.tap("Confirm all, 20 as backorder", for_budi)
    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"]) == ("backordered", 50, 30)
    assert "Your order O-000001 is confirmed: 50 drums" in li.last_text
    assert "30 are reserved for you now; 20 will be made for you" in li.last_text
    assert (
        "Now: 📋 backordered: 30 reserved, 20 to be made"
        in copy_of(bot, ADMIN_BUDI, for_budi).plain
    )

    # An artisan's 25 drums pass the quality check through the bot: 20 go to the backorder.
    report_id = await make_report(bot, 25)
    await ani.send("/review")
    await ani.tap(f"R-{report_id:06d}")
    await ani.tap("Terima semua")
    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"]) == ("confirmed", 50, 50)
    assert balance(bot) == (55, 50)
    assert ledger_reserved(bot, order_id) == 50 and ledger_matches_balances(bot)
    assert [m[2] for m in movements(bot, order_id)] == [30, 20]
    assert "Good news: 20 more drums of Medium" in li.last_text
    assert "ready for your order O-000001" in li.last_text
    assert "Every drum of this order is now ready" in li.last_text


async def make_report(bot: RunningBot, quantity: int) -> int:
    """A pending report of the model by the stock artisan, as the reporting flow writes it."""
    async with opened(bot) as storage:
        member = await stock_artisan(storage)
        report, _ = await storage.reports.create(member.id, model_id(bot), quantity)
    # The artisan has opened the bot, so the quality check's answer reaches them.
    await bot.person(STOCK_ARTISAN, "Stok").send("/start")
    return report.id


async def test_with_no_stock_an_order_is_backordered_or_declined(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    order_id, for_ani, for_budi = await ordered(bot, li, 40)
    assert for_ani.labels == ["📋 Konfirmasi sebagai inden", "❌ Tolak"]
    assert "Tersedia sekarang: 0 kendang" in for_ani.plain
    await budi.tap("Confirm as backorder", for_budi)
    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"]) == ("backordered", 40, 0)
    assert movements(bot, order_id) == []
    assert "None are in stock now: all 40 will be made for you" in li.last_text
    inden = copy_of(bot, ADMIN_ANI, for_ani).plain
    assert "Dikonfirmasi oleh Budi: 40 kendang" in inden
    assert "inden: 0 disiapkan, 40 masih harus dibuat" in inden


async def test_declining_tells_the_buyer_in_their_language_and_reserves_nothing(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 60)
    order_id, for_ani, for_budi = await ordered(bot, li, 10)
    await ani.tap("Tolak", for_ani)
    row = order_row(bot, order_id)
    assert (row["status"], row["confirmed"], row["reserved"]) == ("declined", None, 0)
    assert balance(bot) == (60, 0) and movements(bot, order_id) == []
    assert "Sorry, your order O-000001 (10 drums of Medium" in li.last_text
    assert "was declined" in li.last_text
    refreshed = copy_of(bot, ADMIN_BUDI, for_budi)
    assert "Declined by Ani" in refreshed.plain and refreshed.buttons == ()
    for data in (f"ordadm:ok:{order_id}", f"ordadm:bo:{order_id}", f"ordadm:no:{order_id}"):
        await budi.press(data, refreshed)
        assert "already declined by Ani" in budi.callback_answers[-1]["text"]
    assert order_row(bot, order_id)["status"] == "declined"


async def test_stock_taken_meanwhile_is_said_and_the_card_offers_what_is_left(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await add_stock(bot, 50)
    first, _, _ = await ordered(bot, li, 50)
    second, _, for_budi = await ordered(bot, wang, 40)
    assert for_budi.labels == ["✅ Confirm", "❌ Decline"]
    await ani.press(f"ordadm:ok:{first}", cards_for(bot, ADMIN_ANI, "O-000001")[-1])
    await budi.tap("Confirm", for_budi)
    assert "only 0 drums of this model are available now" in budi.callback_answers[-1]["text"]
    assert order_row(bot, second)["status"] == "requested"
    refreshed = copy_of(bot, ADMIN_BUDI, for_budi)
    assert "Available now: 0 drums" in refreshed.plain
    assert refreshed.labels == ["📋 Confirm as backorder", "❌ Decline"]
    # A part button carrying more than is available now is refused the same way.
    await add_stock(bot, 10)
    await budi.press(f"ordadm:part:{second}:20", refreshed)
    assert "only 10 drums" in budi.callback_answers[-1]["text"]
    assert order_row(bot, second)["status"] == "requested"
    assert balance(bot) == (60, 50) and ledger_matches_balances(bot)


async def test_concurrent_confirmations_of_the_last_drums_give_them_once(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await add_stock(bot, 40)
    first, for_ani, _ = await ordered(bot, li, 40)
    second, _, for_budi = await ordered(bot, wang, 40)
    await asyncio.gather(
        ani.press(f"ordadm:ok:{first}", for_ani), budi.press(f"ordadm:ok:{second}", for_budi)
    )
    statuses = sorted(order_row(bot, order)["status"] for order in (first, second))
    assert statuses == ["confirmed", "requested"]
    on_hand, reserved = balance(bot)
    assert (on_hand, reserved) == (40, 40)
    assert ledger_matches_balances(bot)
    assert (
        min(row["n"] for row in query(bot, "SELECT on_hand - reserved AS n FROM stock_balances"))
        >= 0
    )
    answers = [a["text"] for a in ani.callback_answers + budi.callback_answers if a.get("text")]
    assert sum("tersedia 0 kendang" in a or "only 0 drums" in a for a in answers) == 1


async def test_admins_list_requests_oldest_first_and_open_orders_with_their_state(
    bot: RunningBot,
) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 100)
    ids = [await place_order(li, bot, quantity) for quantity in (10, 11, 12, 13, 14, 15, 16)]
    replies = await budi.send("/orders")
    page = replies[-1]
    assert "7 orders are waiting for a decision" in page.plain
    assert page.plain.index("O-000001") < page.plain.index("O-000002")
    assert "O-000006" not in page.plain
    await budi.tap("Next")
    assert "O-000006" in budi.last_text and "O-000001" not in budi.last_text
    card = (await budi.tap("O-000007"))[-1]
    assert "Order O-000007" in card.plain and card.labels == ["✅ Confirm", "❌ Decline"]
    await budi.tap("Confirm", card)
    await budi.press(f"ordadm:bo:{ids[0]}", card)
    await budi.send("/orders")
    await budi.tap("Open orders")
    listing = budi.last_text
    assert "O-000001" in listing and "O-000007" in listing and "O-000002" not in listing
    assert "confirmed: 16 drums reserved" in listing and "confirmed: 10 drums reserved" in listing


async def test_an_admin_cancels_an_open_order_and_its_drums_fill_a_backorder(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await add_stock(bot, 30)
    first, _, card = await ordered(bot, li, 30)
    await budi.tap("Confirm", card)
    second, _, other = await ordered(bot, wang, 20)
    await budi.tap("Confirm as backorder", other)
    assert order_row(bot, second)["reserved"] == 0
    await budi.tap("Cancel this order", copy_of(bot, ADMIN_BUDI, card))
    assert "Cancel order O-000001? 30 reserved drums return to stock" in budi.last_text
    await budi.tap("No, keep it")
    assert order_row(bot, first)["status"] == "confirmed"
    await budi.tap("Cancel this order", copy_of(bot, ADMIN_BUDI, card))
    await budi.tap("Yes, cancel the order")
    assert "O-000001 cancelled; 30 drums returned to stock" in budi.callback_answers[-1]["text"]
    row = order_row(bot, first)
    assert (row["status"], row["reserved"], row["closed_by"]) == ("cancelled", 0, ADMIN_BUDI)
    assert movements(bot, first) == [("reserved", 0, 30), ("released", 0, -30)]
    assert "cooperative cancelled your order O-000001" in li.last_text
    # The released drums went to the waiting backorder at once.
    assert (order_row(bot, second)["status"], order_row(bot, second)["reserved"]) == (
        "confirmed",
        20,
    )
    assert "Good news: 20 more drums" in wang.last_text
    assert balance(bot) == (30, 20) and ledger_matches_balances(bot)
    assert "Cancelled by Budi" in copy_of(bot, ADMIN_BUDI, card).plain
    assert "Dibatalkan oleh Budi" in cards_for_any(bot, ADMIN_ANI, "O-000001").plain
    await ani.press(f"ordadm:xy:{first}", ani.last)
    assert "sudah dibatalkan oleh Budi" in ani.callback_answers[-1]["text"]


def cards_for_any(bot: RunningBot, admin_id: int, reference: str) -> ChatMessage:
    """The latest message naming `reference` in an admin's chat, buttons or not."""
    return [m for m in bot.emulator.messages(admin_id) if reference in m.plain][-1]


async def test_order_decisions_from_non_admins_change_nothing(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 60)
    order_id = await place_order(li, bot, 10)
    for data in (
        f"ordadm:ok:{order_id}",
        f"ordadm:part:{order_id}:5",
        f"ordadm:bo:{order_id}",
        f"ordadm:no:{order_id}",
        f"ordadm:x:{order_id}",
        f"ordadm:xy:{order_id}",
        f"ordadm:see:{order_id}",
        f"ordadm:card:{order_id}",
        "ordadm:list",
        "ordadm:open:0",
        "ordadm:whatever",
    ):
        await li.press(data, li.last)
        assert "only the cooperative's admins" in li.callback_answers[-1]["text"], data
    assert order_row(bot, order_id)["status"] == "requested"
    assert balance(bot) == (60, 0)


async def test_unknown_and_tampered_admin_buttons_are_answered(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 60)
    order_id, _, card = await ordered(bot, li, 10)
    await budi.press("ordadm:ok:99999", card)
    assert "This order does not exist" in budi.callback_answers[-1]["text"]
    await budi.press(f"ordadm:part:{order_id}:11", card)
    assert "no longer active" in budi.callback_answers[-1]["text"]
    await budi.press(f"ordadm:x:{order_id}", card)
    assert "still waiting for a decision" in budi.callback_answers[-1]["text"]
    assert order_row(bot, order_id)["status"] == "requested"
    assert balance(bot) == (60, 0)
