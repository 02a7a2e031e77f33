"""A buyer's own orders end to end: the list, one order in full, and cancelling it."""

from __future__ import annotations

from datetime import date

from bot.emulator import Person
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer
from tests.test_order_review import copy_of, movements
from tests.test_ordering import (
    add_stock,
    admins,
    balance,
    cards_for,
    data_of,
    ledger_matches_balances,
    ledger_reserved,
    opened,
    order_row,
    orders,
    place_order,
)


async def decide(bot: RunningBot, order_id: int, data: str) -> None:
    """Budi presses a decision on his card of the order."""
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    card = cards_for(bot, ADMIN_BUDI, f"O-{order_id:06d}")[-1]
    await budi.press(f"{data}{order_id}", card)


async def into_container(bot: RunningBot, buyer: Person, order_id: int, *, ship: bool) -> int:
    """Put a confirmed order into a new container of its buyer (and ship it); its id."""
    async with opened(bot) as storage:
        member = await storage.members.by_telegram_id(buyer.user_id)
        assert member is not None
        container = await storage.containers.create(
            member.id, "Shanghai", date(2031, 1, 31), by=ADMIN_ANI
        )
        added = await storage.containers.add_order(container.id, order_id, by=ADMIN_ANI)
        assert added.outcome == "done", added
        if ship:
            await storage.containers.ship(container.id, by=ADMIN_ANI)
    return container.id


async def test_buyer_sees_each_order_with_its_status_newest_first(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 100)
    requested = await place_order(li, bot, 10)
    confirmed = await place_order(li, bot, 20)
    await decide(bot, confirmed, "ordadm:ok:")
    backordered = await place_order(li, bot, 90)
    await decide(bot, backordered, "ordadm:bo:")
    declined = await place_order(li, bot, 5)
    await decide(bot, declined, "ordadm:no:")
    await li.send("/orders")
    listing = li.last_text
    assert "My orders" in listing and "Page 1 of 1" in listing
    positions = [listing.index(f"O-{n:06d}") for n in (declined, backordered, confirmed, requested)]
    assert positions == sorted(positions), "newest first"
    assert "waiting for the cooperative's confirmation" in listing
    assert "confirmed: 20 drums reserved" in listing
    assert "backordered: 80 reserved, 10 to be made" in listing
    assert "❌ declined" in listing
    assert "20 drums · IDR7,500,000" in listing
    assert "90 drums · IDR33,750,000" in listing

    await li.tap(f"O-{confirmed:06d}")
    detail = li.last_text
    assert "Order O-000002" in detail
    assert "IDR375,000 each · total IDR7,500,000" in detail
    assert "Status: ✅ confirmed: 20 drums reserved" in detail
    assert "✖️ Cancel this order" in li.last.labels
    await li.tap("My orders")
    await li.tap(f"O-{declined:06d}")
    assert "Cancel this order" not in " ".join(li.last.labels)


async def test_a_part_confirmed_order_shows_confirmed_of_asked(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 30)
    order_id = await place_order(li, bot, 50)
    card = cards_for(bot, ADMIN_BUDI, "O-000001")[-1]
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.press(f"ordadm:part:{order_id}:30", card)
    await li.send("/orders")
    assert "30 of 50 drums · IDR11,250,000" in li.last_text


async def test_my_orders_pages_through_older_orders(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    for quantity in range(1, 8):
        await place_order(li, bot, quantity)
    await li.tap("My orders")
    first = li.last
    assert "Page 1 of 2" in first.plain and "O-000007" in first.plain
    assert "O-000002" not in first.plain
    await li.tap("Older")
    assert li.last.message_id == first.message_id
    assert "O-000002" in li.last_text and "O-000001" in li.last_text
    assert "O-000007" not in li.last_text
    await li.tap("Newer")
    assert "O-000007" in li.last_text


async def test_cancelling_a_confirmed_order_returns_its_drums_to_stock(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await add_stock(bot, 40)
    order_id = await place_order(li, bot, 40)
    await decide(bot, order_id, "ordadm:ok:")
    card = cards_for(bot, ADMIN_BUDI, "O-000001")[-1]
    waiting = await place_order(wang, bot, 15)
    await decide(bot, waiting, "ordadm:bo:")
    assert balance(bot) == (40, 40)

    await li.send("/orders")
    await li.tap("O-000001")
    await li.tap("Cancel this order")
    assert "Cancel order O-000001? 40 reserved drums return to stock." in li.last_text
    await li.tap("No, keep it")
    assert order_row(bot, order_id)["status"] == "confirmed"
    await li.tap("Cancel this order")
    await li.tap("Yes, cancel it")
    row = order_row(bot, order_id)
    assert (row["status"], row["reserved"], row["closed_by"]) == ("cancelled", 0, li.user_id)
    assert movements(bot, order_id) == [("reserved", 0, 40), ("released", 0, -40)]
    assert ledger_reserved(bot, order_id) == row["reserved"] == 0
    assert "Status: ✖️ cancelled" in li.last_text
    # The released drums fill the other buyer's backorder at once.
    assert order_row(bot, waiting)["reserved"] == 15
    assert "Good news: 15 more drums" in wang.last_text
    assert balance(bot) == (40, 15) and ledger_matches_balances(bot)
    # The admins' copies say the buyer cancelled, and the admins are told.
    refreshed = copy_of(bot, ADMIN_BUDI, card)
    assert "Cancelled by the buyer" in refreshed.plain and refreshed.buttons == ()
    assert any("Li Wei cancelled order O-000001" in m.plain for m in budi.inbox)
    assert any("40 kendang yang disiapkan kembali ke stok" in m.plain for m in ani.inbox)


async def test_cancelling_a_requested_order_tells_the_admins_copies(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    order_id = await place_order(li, bot, 12)
    card = cards_for(bot, ADMIN_BUDI, "O-000001")[-1]
    await li.press(f"ord:xy:{order_id}", li.last)
    assert order_row(bot, order_id)["status"] == "cancelled"
    assert movements(bot, order_id) == []
    refreshed = copy_of(bot, ADMIN_BUDI, card)
    assert "Cancelled by the buyer" in refreshed.plain and refreshed.buttons == ()
    await budi.press(f"ordadm:ok:{order_id}", refreshed)
    assert "The buyer cancelled order O-000001" in budi.callback_answers[-1]["text"]
    assert order_row(bot, order_id)["status"] == "cancelled"
    await li.press(f"ord:xy:{order_id}", li.last)
    assert "O-000001 is already cancelled" in li.callback_answers[-1]["text"]


async def test_an_order_in_a_container_can_no_longer_be_cancelled(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 20)
    order_id = await place_order(li, bot, 20)
    await decide(bot, order_id, "ordadm:ok:")
    await li.send("/orders")
    await li.tap("O-000001")
    await li.tap("Cancel this order")
    question = li.last
    container_id = await into_container(bot, li, order_id, ship=False)
    await li.press(f"ord:xy:{order_id}", question)
    answer = li.callback_answers[-1]["text"]
    assert f"now in container C-{container_id:06d}; it can no longer be cancelled" in answer
    assert order_row(bot, order_id)["status"] == "in_container"
    assert balance(bot) == (20, 20)
    assert f"in container C-{container_id:06d}" in li.last_text
    assert "Cancel this order" not in " ".join(li.last.labels)
    await li.press(f"ord:x:{order_id}", li.last)
    assert "can no longer be cancelled" in li.callback_answers[-1]["text"]


async def test_a_shipped_order_says_so(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 20)
    order_id = await place_order(li, bot, 20)
    await decide(bot, order_id, "ordadm:ok:")
    container_id = await into_container(bot, li, order_id, ship=True)
    await li.send("/orders")
    assert f"shipped in container C-{container_id:06d}" in li.last_text
    await li.press(f"ord:xy:{order_id}", li.last)
    assert "was shipped" in li.callback_answers[-1]["text"]
    assert order_row(bot, order_id)["status"] == "shipped"


async def test_another_buyers_orders_stay_hidden_whatever_the_button_data(
    bot: RunningBot,
) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await add_stock(bot, 30)
    theirs = await place_order(li, bot, 30)
    await decide(bot, theirs, "ordadm:ok:")
    await wang.send("/orders")
    assert "You have no orders yet" in wang.last_text
    for data in (
        f"ord:see:{theirs}",
        f"ord:x:{theirs}",
        f"ord:xy:{theirs}",
        "ord:see:99999",
        "ord:xy:99999",
    ):
        await wang.press(data, wang.last)
        assert wang.callback_answers[-1]["text"] == "Sorry, there is no such order of yours.", data
    assert not any("O-000001" in message.plain for message in wang.inbox)
    row = order_row(bot, theirs)
    assert (row["status"], row["reserved"]) == ("confirmed", 30)
    assert balance(bot) == (30, 30)
    # The admins' buttons are refused to a buyer too.
    await wang.press(f"ordadm:see:{theirs}", wang.last)
    assert "only the cooperative's admins" in wang.callback_answers[-1]["text"]
    assert not any("O-000001" in message.plain for message in wang.inbox)


async def test_orders_serves_admins_their_view_and_refuses_others(bot: RunningBot) -> None:
    _, budi = await admins(bot)
    li = await active_buyer(bot)
    await place_order(li, bot, 10)
    replies = await budi.send("/orders")
    assert "1 order is waiting for a decision" in replies[-1].plain
    await budi.press("ord:mine", budi.last)
    assert "As an admin, use /orders" in budi.callback_answers[-1]["text"]
    sri = await active_artisan(bot)
    replies = await sri.send("/orders")
    assert "Pesanan hanya untuk pembeli" in replies[-1].plain
    stranger = bot.person(3001, "Tom", "en")
    replies = await stranger.send("/orders")
    assert "Only registered buyers have orders" in replies[-1].plain
    assert len(orders(bot)) == 1


async def test_an_indonesian_buyer_reads_orders_in_indonesian(bot: RunningBot) -> None:
    await admins(bot)
    li = await active_buyer(bot)
    li.language_code = "id"
    await add_stock(bot, 10)
    order_id = await place_order(li, bot, 30)
    await decide(bot, order_id, "ordadm:bo:")
    assert "10 sudah disiapkan untuk Anda; 20 akan dibuatkan untuk Anda" in li.last_text
    await li.send("/orders")
    listing = li.last_text
    assert "Pesanan saya" in listing
    assert "inden: 10 disiapkan, 20 masih harus dibuat" in listing
    assert "30 kendang · Rp11.250.000" in listing
    assert "ord:see:1" in data_of(li.last)
