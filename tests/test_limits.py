"""What a person's own actions may put on the admins' phones: waiting orders, registrations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.emulator import Person
from storage import Storage
from storage.members import TooManyRegistrationsError
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from storage.models.orders import OrderStatus
from storage.orders import TooManyWaitingOrdersError
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, Clock, RunningBot, active_buyer
from tests.test_onboarding import member_row, register_artisan, row_status
from tests.test_ordering import (
    admins,
    cards_for,
    model_id,
    opened,
    orders,
    place_order,
    query,
    start_order,
    states,
    user_data,
)

JAKARTA = timezone(timedelta(hours=7))
MORNING = datetime(2026, 11, 3, 9, tzinfo=JAKARTA)
SRI = ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya")
LI = BuyerApplication(name="Li Wei", company="Yiwu Music Trading", country="China")


def reaching_admins(bot: RunningBot) -> tuple[int, int, int]:
    """What has reached the admins or is queued for them: each one's messages, the outbox."""
    queued = query(
        bot, "SELECT COUNT(*) AS n FROM outbox WHERE chat_id IN (?, ?)", ADMIN_ANI, ADMIN_BUDI
    )
    ani, budi = bot.emulator.messages(ADMIN_ANI), bot.emulator.messages(ADMIN_BUDI)
    return len(ani), len(budi), int(queued[0]["n"])


# -- orders waiting for a decision -----------------------------------------------------------


async def test_a_buyer_at_the_limit_is_refused_until_an_admin_decides_one(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(max_waiting_orders=2)
    ani, _ = await admins(bot)
    li = await active_buyer(bot)
    await place_order(li, bot, 10)
    await place_order(li, bot, 20)
    before = reaching_admins(bot)

    await start_order(li, bot)
    refusal = li.last
    assert "A buyer can have at most 2 orders waiting for the cooperative's decision" in (
        refusal.plain
    )
    assert "Please wait until an admin confirms or declines one of your orders" in refusal.plain
    assert refusal.labels == ["🧾 My orders", "⬅️ Menu"]
    assert len(orders(bot)) == 2
    assert "ordering" not in states(bot)
    assert reaching_admins(bot) == before

    await ani.tap("Tolak", cards_for(bot, ADMIN_ANI, "O-000001")[0])
    order_id = await place_order(li, bot, 30)
    assert [row["status"] for row in orders(bot)] == ["declined", "requested", "requested"]
    assert "Order sent: O-000003" in li.last_text
    assert len(cards_for(bot, ADMIN_BUDI, "O-000003")) == 1
    assert order_id == 3


async def test_orders_cancelled_before_a_decision_count_for_a_day(
    start_bot: Callable[..., Any], clock: Clock
) -> None:
    bot: RunningBot = await start_bot(max_waiting_orders=2)
    await admins(bot)
    li = await active_buyer(bot)
    clock.at(MORNING)
    for _ in range(2):
        order_id = await place_order(li, bot, 10)
        await li.press(f"ord:xy:{order_id}", li.last)
    assert [row["status"] for row in orders(bot)] == ["cancelled", "cancelled"]
    before = reaching_admins(bot)

    await start_order(li, bot)
    assert "those you cancel before a decision still count for 24 hours" in li.last_text
    assert "or try again tomorrow" in li.last_text
    assert len(orders(bot)) == 2 and reaching_admins(bot) == before

    clock.at(MORNING + timedelta(hours=24))
    await place_order(li, bot, 10)
    assert "Order sent: O-000003" in li.last_text
    assert len(cards_for(bot, ADMIN_BUDI, "O-000003")) == 1


async def test_a_send_past_the_limit_is_refused_as_the_order_is_stored(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(max_waiting_orders=2)
    await admins(bot)
    li = await active_buyer(bot)
    await place_order(li, bot, 10)
    await start_order(li, bot)
    await li.send("15")
    await li.tap("Skip")
    # Another order is stored after the draft began: only the Send's own check sees it.
    async with opened(bot) as storage:
        buyer = await storage.members.by_telegram_id(li.user_id)
        assert buyer is not None
        await storage.orders.create(buyer.id, model_id(bot), 5)
    before = reaching_admins(bot)

    await li.tap("Send order")
    assert "A buyer can have at most 2 orders waiting" in li.last_text
    assert [row["quantity"] for row in orders(bot)] == [10, 5]
    assert reaching_admins(bot) == before
    assert "ordering" not in states(bot)
    assert "order" not in user_data(bot, li.user_id)


# -- registrations in a day --------------------------------------------------------------------


async def register_and_be_rejected(sri: Person, ani: Person) -> None:
    """Register through the real flow and have admin Ani reject it."""
    await register_artisan(sri)
    await ani.tap("Tolak", ani.last)
    assert "pendaftaran Anda tidak disetujui" in sri.last_text


async def test_a_rejected_artisan_registering_again_hits_the_daily_limit(
    bot: RunningBot, clock: Clock
) -> None:
    ani, _ = await admins(bot)
    sri = bot.person(1001, "Sri", "id")
    clock.at(MORNING)
    for _ in range(bot.settings.max_registrations_per_day):
        await register_and_be_rejected(sri, ani)
    before = reaching_admins(bot)

    await sri.send("/start")
    await sri.tap("Saya perajin")
    text = sri.last_text
    assert "satu orang hanya bisa mendaftar paling banyak 3 kali" in text
    assert "Silakan coba lagi setelah 4 Nov 2026 09.00.00" in text
    assert "hubungi admin koperasi" in text
    assert "artisan_registration" not in states(bot)
    assert row_status(bot, 1001) == "rejected"
    assert reaching_admins(bot) == before

    clock.at(MORNING + timedelta(hours=24))
    await register_artisan(sri, name="Sri Lestari")
    assert "Pendaftaran terkirim" in sri.last_text
    assert row_status(bot, 1001) == "pending"
    assert "Sri Lestari" in ani.last.plain and "Pendaftaran perajin baru" in ani.last.plain


async def test_a_send_past_the_daily_limit_is_refused_as_the_registration_is_stored(
    bot: RunningBot, clock: Clock
) -> None:
    ani, _ = await admins(bot)
    sri = bot.person(1001, "Sri", "id")
    clock.at(MORNING)
    await register_and_be_rejected(sri, ani)
    await register_and_be_rejected(sri, ani)
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.tap("Pakai")
    await sri.tap("Jiwut")
    await sri.send("Kendang Jaya")
    await sri.tap("Lewati")
    # A registration is stored after this one began: only the Send's own check sees it.
    async with opened(bot) as storage:
        member = await storage.members.register_artisan(sri.user_id, SRI)
        await storage.members.change_status(
            member.id, MemberStatus.REJECTED, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
    before = reaching_admins(bot)

    await sri.tap("Kirim pendaftaran")
    assert "paling banyak 3 kali" in sri.last_text
    assert row_status(bot, 1001) == "rejected"
    assert reaching_admins(bot) == before
    assert "artisan_registration" not in states(bot)


async def test_a_rejected_buyer_registering_again_hits_the_daily_limit(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(buyer_approval=True, max_registrations_per_day=1)
    ani, _ = await admins(bot)
    li = bot.person(2001, "Li", "en")
    for attempt in range(2):
        await li.send("/start")
        await li.tap("I am a buyer")
        if attempt == 0:
            await li.tap("Use")
            await li.send("Yiwu Music Trading")
            await li.tap("China")
            await li.tap("Create my account")
            await ani.tap("Tolak", ani.last)
    assert "A person can register at most 1 time in 24 hours" in li.last_text
    assert "contact the cooperative's admin" in li.last_text
    row = member_row(bot, 2001)
    assert row is not None and row["status"] == "rejected"


# -- the counting in storage, against a real SQLite file -----------------------------------------


async def _buyer(storage: Storage, telegram_id: int) -> int:
    await storage.people.seen(telegram_id, "Li", None, "en")
    member = await storage.members.register_buyer(telegram_id, LI, needs_approval=False)
    return member.id


async def _model_id(storage: Storage) -> int:
    model = await storage.catalogue.get_by_code("DJ-S-MAH-GOAT-PLAIN")
    assert model is not None
    return model.id


async def test_undecided_orders_are_the_buyers_waiting_and_lately_withdrawn_ones(
    storage: Storage, clock: Clock
) -> None:
    li, tom = await _buyer(storage, 200), await _buyer(storage, 201)
    model = await _model_id(storage)
    clock.at(MORNING)
    declined, _ = await storage.orders.create(li, model, 5)
    withdrawn, _ = await storage.orders.create(li, model, 6)
    confirmed, _ = await storage.orders.create(li, model, 7)
    by_admin, _ = await storage.orders.create(li, model, 8)
    await storage.orders.create(li, model, 9)
    await storage.orders.create(tom, model, 10)
    assert await storage.orders.undecided_count(li) == 5
    await storage.orders.decline(declined.id, by=ADMIN_ANI)
    await storage.orders.cancel(withdrawn.id, buyer_id=li, by=200)
    await storage.orders.confirm(confirmed.id, backorder=True, by=ADMIN_ANI)
    await storage.orders.cancel(confirmed.id, buyer_id=li, by=200)
    await storage.orders.cancel(by_admin.id, buyer_id=None, by=ADMIN_ANI)
    # Waiting: the last one; withdrawn before a decision: one, for a day.
    assert await storage.orders.undecided_count(li) == 2
    assert await storage.orders.undecided_count(tom) == 1
    clock.at(MORNING + timedelta(hours=24))
    assert await storage.orders.undecided_count(li) == 1
    statuses = [view.order.status for view in await storage.orders.for_buyer(li)]
    assert statuses.count(OrderStatus.CANCELLED) == 3


async def test_orders_sent_at_once_at_the_limit_store_only_what_the_limit_allows(
    storage: Storage,
) -> None:
    li = await _buyer(storage, 200)
    model = await _model_id(storage)
    first, _ = await storage.orders.create(li, model, 5, client_key="first-order", max_waiting=2)
    outcomes = await asyncio.gather(
        *(
            storage.orders.create(li, model, 5, client_key=f"key-{n:04d}", max_waiting=2)
            for n in range(5)
        ),
        return_exceptions=True,
    )
    stored = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, TooManyWaitingOrdersError)]
    assert (len(stored), len(refused)) == (1, 4)
    assert refused[0].limit == 2
    assert await storage.orders.undecided_count(li) == 2
    # The first order's Send again, at the limit: answered with that order, nothing refused.
    again, created = await storage.orders.create(
        li, model, 5, client_key="first-order", max_waiting=2
    )
    assert (again.id, created) == (first.id, False)


async def test_recent_registrations_are_the_persons_own_in_the_last_day(
    storage: Storage, clock: Clock
) -> None:
    await storage.people.seen(100, "Sri", None, "id")
    await storage.people.seen(101, "Dewi", None, "id")
    clock.at(MORNING)
    member = await storage.members.register_artisan(100, SRI)
    await storage.members.register_artisan(101, SRI)
    clock.at(MORNING + timedelta(hours=2))
    await storage.members.change_status(
        member.id, MemberStatus.REJECTED, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    await storage.members.register_artisan(100, SRI)
    # The same pending registration sent again (a redelivered Send) is not a new one.
    await storage.members.register_artisan(100, SRI, limit=2)
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    assert await storage.members.recent_registrations(100) == [
        MORNING,
        MORNING + timedelta(hours=2),
    ]
    clock.at(MORNING + timedelta(hours=24))
    assert await storage.members.recent_registrations(100) == [MORNING + timedelta(hours=2)]
    assert await storage.members.recent_registrations(101) == []
    assert await storage.members.recent_registrations(102) == []


async def test_a_registration_past_the_limit_is_refused_and_writes_nothing(
    storage: Storage, clock: Clock
) -> None:
    await storage.people.seen(100, "Sri", None, "id")
    for hour in (0, 5):
        clock.at(MORNING + timedelta(hours=hour))
        member = await storage.members.register_artisan(100, SRI, limit=2)
        await storage.members.change_status(
            member.id, MemberStatus.REJECTED, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
    clock.at(MORNING + timedelta(hours=23))
    with pytest.raises(TooManyRegistrationsError) as refused:
        await storage.members.register_artisan(100, SRI.model_copy(update={"name": "X"}), limit=2)
    assert refused.value.again_at == MORNING + timedelta(hours=24)
    with pytest.raises(TooManyRegistrationsError):
        await storage.members.register_buyer(100, LI, needs_approval=True, limit=2)
    stored = await storage.members.by_telegram_id(100)
    assert stored is not None and (stored.status, stored.name) == (MemberStatus.REJECTED, "Sri")
    assert len(await storage.members.recent_registrations(100)) == 2

    clock.at(MORNING + timedelta(hours=24))
    again = await storage.members.register_artisan(100, SRI, limit=2)
    assert again.status is MemberStatus.PENDING
