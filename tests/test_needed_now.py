"""The artisans' "needed now" board end to end: backorders per model and month, no names."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.emulator import Person
from storage import Storage
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer
from tests.test_containers import LARGE, SMALL, SMALL_EN, SMALL_ID, confirmed_order, second_storage

LARGE_ID = "Besar · mahoni · kulit kambing · polos"


def this_month() -> date:
    """The first day of this month where the cooperative is."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date().replace(day=1)


def months_later(first: date, count: int) -> date:
    """The first day of the month `count` months after `first`."""
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month(day: date, locale: str) -> str:
    """A month as the board names it."""
    return format_skeleton("yMMMM", day, locale=locale)


async def report(bot: RunningBot, artisan: Person, code: str, quantity: int) -> int:
    """A pending report of finished drums, as the reporting flow writes it; its id."""
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(code)
        assert member is not None and model is not None
        made, _ = await storage.reports.create(member.id, model.id, quantity)
    return made.id


async def accept_through_the_bot(admin: Person, report_id: int) -> None:
    """An admin accepts a whole report from the quality-check queue."""
    await admin.send("/review")
    card = (await admin.tap(f"R-{report_id:06d}"))[-1]
    await admin.tap("Terima semua", card)


async def test_board_groups_backorders_by_month_and_model_without_buyers(
    bot: RunningBot,
) -> None:
    sri = await active_artisan(bot)
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await confirmed_order(bot, li, SMALL, 12, backorder=True)
    await confirmed_order(bot, wang, LARGE, 5, backorder=True)
    await confirmed_order(bot, wang, SMALL, 3, backorder=True)
    # Drums for a container are needed by its target date's month.
    later = months_later(this_month(), 3)
    order_id = await confirmed_order(bot, li, SMALL, 8, backorder=True)
    async with second_storage(bot) as storage:
        buyer = await storage.members.by_telegram_id(li.user_id)
        assert buyer is not None
        container = await storage.containers.create(
            buyer.id, "Shanghai", later.replace(day=20), by=ADMIN_ANI
        )
        await storage.containers.add_order(container.id, order_id, by=ADMIN_ANI)

    await sri.send("/menu")
    await sri.tap("Kendang yang dibutuhkan")
    board = sri.last_text
    now_part = (
        f"Untuk {month(this_month(), 'id')}\n• {SMALL_ID}: 15\n• {LARGE_ID}: 5\n\n"
        f"Untuk {month(later, 'id')}\n• {SMALL_ID}: 8\n\nJumlah: 28 kendang"
    )
    assert "Kendang yang dibutuhkan" in board
    assert now_part in board
    assert "/report" in board
    for private in ("Li Wei", "Wang", "Yiwu", "China", "Shanghai", "O-0000", "C-0000"):
        assert private not in board, private


async def test_board_empties_as_accepted_drums_fill_the_backorders(bot: RunningBot) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    li = await active_buyer(bot)
    order_id = await confirmed_order(bot, li, SMALL, 4, backorder=True)
    await sri.send("/needed")
    assert f"• {SMALL_ID}: 4\n\nJumlah: 4 kendang" in sri.last_text

    await accept_through_the_bot(ani, await report(bot, sri, SMALL, 3))
    await sri.send("/needed")
    assert f"• {SMALL_ID}: 1\n\nJumlah: 1 kendang" in sri.last_text

    await accept_through_the_bot(ani, await report(bot, sri, SMALL, 1))
    await sri.send("/needed")
    assert "Saat ini tidak ada kendang yang ditunggu pembeli." in sri.last_text
    assert SMALL_ID not in sri.last_text
    async with second_storage(bot) as storage:
        order = await storage.orders.get(order_id)
    assert order is not None
    assert (order.status, order.reserved) == ("confirmed", 4)
    assert "Every drum of this order is now ready." in li.last_text


async def test_board_in_english_for_an_admin_and_not_for_buyers(bot: RunningBot) -> None:
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    li = await active_buyer(bot)
    await budi.send("/needed")
    assert "No drums are waiting for buyers right now." in budi.last_text

    await confirmed_order(bot, li, SMALL, 2, backorder=True)
    await budi.tap("Refresh")
    board = budi.last_text
    assert f"For {month(this_month(), 'en')}\n• {SMALL_EN}: 2\n\nTotal: 2 drums" in board
    assert "/report" not in board  # admins do not report drums

    await li.send("/needed")
    assert li.last_text == "This board is for the cooperative's artisans."
    await li.press("need:board")
    assert li.callback_answers[-1]["text"] == "This board is for the cooperative's artisans."


async def test_a_shipped_containers_leftover_stays_on_the_board(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    li = await active_buyer(bot)
    async with second_storage(bot) as storage:
        await _accept(storage, sri, 6)
    order_id = await confirmed_order(bot, li, SMALL, 10, backorder=True)  # 6 ready, 4 to make
    async with second_storage(bot) as storage:
        buyer = await storage.members.by_telegram_id(li.user_id)
        assert buyer is not None
        far = months_later(this_month(), 5)
        container = await storage.containers.create(buyer.id, "Shanghai", far, by=ADMIN_ANI)
        await storage.containers.add_order(container.id, order_id, by=ADMIN_ANI)
    await sri.send("/needed")
    assert f"Untuk {month(far, 'id')}\n• {SMALL_ID}: 4" in sri.last_text

    async with second_storage(bot) as storage:
        await storage.containers.ship(container.id, by=ADMIN_ANI)
    # Out of the shipped container, the 4 drums are needed by the month the order was confirmed.
    await sri.send("/needed")
    assert f"Untuk {month(this_month(), 'id')}\n• {SMALL_ID}: 4" in sri.last_text


async def _accept(storage: Storage, artisan: Person, quantity: int) -> None:
    member = await storage.members.by_telegram_id(artisan.user_id)
    model = await storage.catalogue.get_by_code(SMALL)
    assert member is not None and model is not None
    made, _ = await storage.reports.create(member.id, model.id, quantity)
    await storage.reports.decide(made.id, quantity, None, by=ADMIN_ANI)
