"""Trade storage against a real SQLite file: orders, backorders, containers, watches, offers."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage import Storage
from storage import orders as orders_module
from storage.db import Database
from storage.migrations import available_migrations, migrate, schema_version
from storage.models.catalogue import DrumModel, DrumSize
from storage.models.exchange_rates import Currency
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from storage.models.offers import Makers
from storage.models.orders import Order, OrderOutcome, OrderStatus
from storage.models.stock import StockMovementKind
from storage.orders import ModelNotOrderableError, NotAnActiveBuyerError
from tests.conftest import Clock

ADMIN = 9001
OTHER_ADMIN = 9002
JAKARTA = timezone(timedelta(hours=7))
SHIP_BY = date(2025, 9, 1)
SMALL = "DJ-S-MAH-GOAT-PLAIN"
MEDIUM = "DJ-M-MAH-GOAT-PLAIN"
LARGE = "DJ-L-MAH-COW-PLAIN"


async def _artisan(
    storage: Storage, telegram_id: int = 100, name: str = "Sri", village: str = "Jiwut"
) -> int:
    await storage.people.seen(telegram_id, name, None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name=name, village=village, workshop=f"Kendang {name}")
    )
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN
    )
    return member.id


async def _buyer(
    storage: Storage, telegram_id: int = 200, name: str = "Li Wei", *, active: bool = True
) -> int:
    await storage.people.seen(telegram_id, name, None, "en")
    member = await storage.members.register_buyer(
        telegram_id,
        BuyerApplication(name=name, company=f"{name} Trading", country="China"),
        needs_approval=not active,
    )
    return member.id


async def _model(storage: Storage, code: str = SMALL) -> DrumModel:
    model = await storage.catalogue.get_by_code(code)
    assert model is not None
    return model


async def _accepted(
    storage: Storage, artisan_id: int, model_id: int, quantity: int, photo: str | None = None
) -> int:
    report, _ = await storage.reports.create(artisan_id, model_id, quantity, photo_file_id=photo)
    decision = await storage.reports.decide(report.id, quantity, None, by=ADMIN)
    assert decision is not None and decision.decided
    return report.id


async def _confirmed(
    storage: Storage,
    buyer_id: int,
    model_id: int,
    quantity: int,
    *,
    reserve: int | None = None,
    backorder: bool = False,
) -> Order:
    order, _ = await storage.orders.create(buyer_id, model_id, quantity)
    change = await storage.orders.confirm(order.id, reserve=reserve, backorder=backorder, by=ADMIN)
    assert change.outcome is OrderOutcome.DONE and change.order is not None
    return change.order


async def _order(storage: Storage, order_id: int) -> Order:
    order = await storage.orders.get(order_id)
    assert order is not None
    return order


def _shape(order: Order | None) -> tuple[str, int | None, int, int, int | None]:
    """Return an order's status, confirmed, reserved, shipped and container."""
    assert order is not None
    return order.status, order.confirmed, order.reserved, order.shipped, order.container_id


async def _stock(storage: Storage, model_id: int) -> tuple[int, int]:
    balance = await storage.stock.balance(model_id)
    assert balance is not None
    return balance.on_hand, balance.reserved


async def _count(storage: Storage, sql: str, *params: object) -> int:
    return int(await storage.db.fetch_value(sql, params))


async def _assert_trade_ledgers_agree(storage: Storage) -> None:
    """Balances equal the ledger; orders' reserved/shipped equal their movements and rows."""
    drifts = {
        "balance vs ledger": "SELECT COUNT(*) FROM drum_models d"
        " LEFT JOIN stock_balances b ON b.model_id = d.id"
        " LEFT JOIN (SELECT model_id, SUM(on_hand_delta) AS on_hand,"
        "     SUM(reserved_delta) AS reserved FROM stock_movements GROUP BY model_id) s"
        "   ON s.model_id = d.id"
        " WHERE COALESCE(b.on_hand, 0) != COALESCE(s.on_hand, 0)"
        "    OR COALESCE(b.reserved, 0) != COALESCE(s.reserved, 0)",
        "order reserved vs its movements": "SELECT COUNT(*) FROM orders o WHERE o.reserved !="
        " (SELECT COALESCE(SUM(reserved_delta), 0) FROM stock_movements WHERE order_id = o.id)",
        "order shipped vs its movements": "SELECT COUNT(*) FROM orders o WHERE o.shipped !="
        " (SELECT COALESCE(-SUM(on_hand_delta), 0) FROM stock_movements"
        "  WHERE order_id = o.id AND kind = 'shipped')",
        "order shipped vs shipments": "SELECT COUNT(*) FROM orders o WHERE o.shipped !="
        " (SELECT COALESCE(SUM(quantity), 0) FROM shipments WHERE order_id = o.id)",
        "balance reserved vs orders": "SELECT COUNT(*) FROM drum_models d"
        " LEFT JOIN stock_balances b ON b.model_id = d.id"
        " WHERE COALESCE(b.reserved, 0) !="
        " (SELECT COALESCE(SUM(reserved), 0) FROM orders WHERE model_id = d.id)",
        "negative balance": "SELECT COUNT(*) FROM stock_balances"
        " WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand",
        "reservation without an order": "SELECT COUNT(*) FROM stock_movements"
        " WHERE kind IN ('reserved', 'released', 'shipped')"
        " AND order_id NOT IN (SELECT id FROM orders)",
        "order in a closed container": "SELECT COUNT(*) FROM orders o"
        " JOIN containers c ON c.id = o.container_id"
        " WHERE (o.status = 'in_container') != (c.status = 'open')",
        "overfull container": "SELECT COUNT(*) FROM containers c WHERE c.capacity <"
        " (SELECT COALESCE(SUM(confirmed - shipped), 0) FROM orders"
        "  WHERE container_id = c.id AND status = 'in_container')",
    }
    found = {name: await _count(storage, sql) for name, sql in drifts.items()}
    assert found == dict.fromkeys(drifts, 0)
    for offer in await storage.offers.active():
        on_hand, reserved = await _stock(storage, offer.model.id)
        assert offer.available == on_hand - reserved >= 0


# Orders


async def test_the_same_client_key_makes_one_order_and_another_buyer_cannot_use_it(
    storage: Storage,
) -> None:
    li, chen = await _buyer(storage), await _buyer(storage, 201, "Chen")
    model = await _model(storage)

    first, created = await storage.orders.create(li, model.id, 5, note=" red ", client_key="k-1")
    again, created_again = await storage.orders.create(li, model.id, 9, client_key="k-1")
    racing = await asyncio.gather(
        *(storage.orders.create(li, model.id, 2, client_key="k-2") for _ in range(3))
    )

    assert (created, created_again) == (True, False)
    assert again == first and (first.quantity, first.note) == (5, "red")
    assert first.status is OrderStatus.REQUESTED and first.reference == f"O-{first.id:06d}"
    assert [made for _, made in racing].count(True) == 1
    assert len({order.id for order, _ in racing}) == 1
    with pytest.raises(ValueError, match="another buyer"):
        await storage.orders.create(chen, model.id, 5, client_key="k-1")
    assert await storage.orders.count_for_buyer(li) == 2
    assert await storage.orders.count_for_buyer(chen) == 0


async def test_only_an_active_buyer_orders_and_only_active_models(storage: Storage) -> None:
    waiting = await _buyer(storage, 201, "Waiting", active=False)
    gone = await _buyer(storage, 202, "Gone")
    await storage.members.change_status(
        gone, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN
    )
    artisan = await _artisan(storage)
    li = await _buyer(storage)
    model = await _model(storage)
    retired = await _model(storage, MEDIUM)
    await storage.catalogue.retire(retired.id, by=ADMIN)

    for member in (waiting, gone, artisan, 999):
        with pytest.raises(NotAnActiveBuyerError):
            await storage.orders.create(member, model.id, 1)
    for model_id in (retired.id, 999):
        with pytest.raises(ModelNotOrderableError):
            await storage.orders.create(li, model_id, 1)
    with pytest.raises(ValueError, match="at least one"):
        await storage.orders.create(li, model.id, 0)
    assert await _count(storage, "SELECT COUNT(*) FROM orders") == 0


async def test_an_order_keeps_the_price_it_was_ordered_at(storage: Storage) -> None:
    li = await _buyer(storage)
    model = await _model(storage)
    before, _ = await storage.orders.create(li, model.id, 4)

    await storage.catalogue.set_prices(model.id, buyer_price=model.buyer_price + 50_000, by=ADMIN)
    after, _ = await storage.orders.create(li, model.id, 4)
    kept = await _order(storage, before.id)

    assert kept.unit_price == model.buyer_price
    assert kept.amount == 4 * model.buyer_price
    assert after.unit_price == model.buyer_price + 50_000


async def test_confirming_reserves_all_or_exactly_the_drums_agreed(storage: Storage) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 10)
    whole, _ = await storage.orders.create(li, model.id, 4)
    part, _ = await storage.orders.create(li, model.id, 6)

    all_of_it = await storage.orders.confirm(whole.id, by=ADMIN)
    three = await storage.orders.confirm(part.id, reserve=3, by=OTHER_ADMIN)

    assert (all_of_it.outcome, three.outcome) == (OrderOutcome.DONE, OrderOutcome.DONE)
    assert _shape(all_of_it.order) == ("confirmed", 4, 4, 0, None)
    assert _shape(three.order) == ("confirmed", 3, 3, 0, None)
    assert three.order is not None
    assert (three.order.decided_by, three.order.outstanding) == (OTHER_ADMIN, 0)
    assert three.order.amount == 3 * model.buyer_price
    assert await _stock(storage, model.id) == (10, 7)
    movements = await storage.stock.movements(model.id)
    assert [(m.kind, m.reserved_delta, m.order_id) for m in movements[:2]] == [
        (StockMovementKind.RESERVED, 3, part.id),
        (StockMovementKind.RESERVED, 4, whole.id),
    ]
    again = await storage.orders.confirm(whole.id, by=ADMIN)
    assert (again.outcome, again.order) == (OrderOutcome.CHANGED, all_of_it.order)
    extra, _ = await storage.orders.create(li, model.id, 2)
    with pytest.raises(ValueError, match="between 1 and 2"):
        await storage.orders.confirm(extra.id, reserve=3, by=ADMIN)
    assert (await storage.orders.confirm(999, by=ADMIN)).outcome is OrderOutcome.NOT_FOUND
    await _assert_trade_ledgers_agree(storage)


async def test_a_confirmation_beyond_the_stock_changes_nothing(storage: Storage) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 5)
    await _confirmed(storage, li, model.id, 2)
    order, _ = await storage.orders.create(li, model.id, 6)
    movements = await _count(storage, "SELECT COUNT(*) FROM stock_movements")

    short = await storage.orders.confirm(order.id, by=ADMIN)
    short_part = await storage.orders.confirm(order.id, reserve=4, by=ADMIN)

    assert (short.outcome, short.available) == (OrderOutcome.STOCK_SHORT, 3)
    assert (short_part.outcome, short_part.available) == (OrderOutcome.STOCK_SHORT, 3)
    assert await _order(storage, order.id) == order
    assert await _count(storage, "SELECT COUNT(*) FROM stock_movements") == movements
    assert await _stock(storage, model.id) == (5, 2)
    exact = await storage.orders.confirm(order.id, reserve=3, by=ADMIN)
    assert exact.outcome is OrderOutcome.DONE
    assert await _stock(storage, model.id) == (5, 5)


async def test_a_backorder_reserves_what_is_available_and_waits_for_the_rest(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 4)

    partly = await _confirmed(storage, li, model.id, 10, backorder=True)
    nothing = await _confirmed(storage, li, model.id, 3, backorder=True)

    assert (_shape(partly), partly.outstanding) == (("backordered", 10, 4, 0, None), 6)
    assert (_shape(nothing), nothing.outstanding) == (("backordered", 3, 0, 0, None), 3)
    assert partly.amount == 10 * model.buyer_price
    assert await _stock(storage, model.id) == (4, 4)
    waiting = await storage.orders.backorders()
    assert [(b.order_id, b.outstanding, b.needed_by) for b in waiting] == [
        (partly.id, 6, None),
        (nothing.id, 3, None),
    ]
    assert waiting[0].model.id == model.id
    unmade = await _confirmed(storage, li, (await _model(storage, MEDIUM)).id, 2, backorder=True)
    assert (unmade.status, unmade.reserved) == (OrderStatus.BACKORDERED, 0)
    await _assert_trade_ledgers_agree(storage)


async def test_a_declined_order_cannot_be_confirmed_later(storage: Storage) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 5)
    order, _ = await storage.orders.create(li, model.id, 2)

    declined = await storage.orders.decline(order.id, by=OTHER_ADMIN)
    late = await storage.orders.confirm(order.id, by=ADMIN)
    twice = await storage.orders.decline(order.id, by=ADMIN)

    assert declined.outcome is OrderOutcome.DONE and declined.order is not None
    assert (declined.order.status, declined.order.decided_by) == (OrderStatus.DECLINED, OTHER_ADMIN)
    assert (late.outcome, late.order) == (OrderOutcome.CHANGED, declined.order)
    assert twice.outcome is OrderOutcome.CHANGED
    assert (await storage.orders.decline(999, by=ADMIN)).outcome is OrderOutcome.NOT_FOUND
    assert await _stock(storage, model.id) == (5, 0)
    assert await storage.orders.requested_count() == 0


async def test_cancelling_releases_the_drums_and_only_the_buyer_or_an_admin_may(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    chen = await _buyer(storage, 201, "Chen")
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 10)
    mine = await _confirmed(storage, li, model.id, 6)
    requested, _ = await storage.orders.create(li, model.id, 2)
    boxed = await _confirmed(storage, li, model.id, 3)
    container = await storage.containers.create(li, "Shanghai", SHIP_BY, by=ADMIN)
    await storage.containers.add_order(container.id, boxed.id, by=ADMIN)

    not_yours = await storage.orders.cancel(mine.id, buyer_id=chen, by=chen)
    assert (not_yours.outcome, not_yours.order) == (OrderOutcome.NOT_YOURS, None)
    assert await _order(storage, mine.id) == mine
    hidden = await storage.orders.cancel(999, buyer_id=chen, by=chen)
    assert (hidden.outcome, hidden.order) == (OrderOutcome.NOT_FOUND, None)

    cancelled = await storage.orders.cancel(mine.id, buyer_id=li, by=li)
    assert cancelled.outcome is OrderOutcome.DONE and cancelled.order is not None
    assert _shape(cancelled.order) == ("cancelled", 6, 0, 0, None)
    assert (cancelled.order.closed_by, cancelled.order.outstanding) == (li, 0)
    assert await _stock(storage, model.id) == (10, 3)
    released = (await storage.stock.movements(model.id))[0]
    assert (released.kind, released.reserved_delta, released.order_id) == ("released", -6, mine.id)
    twice = await storage.orders.cancel(mine.id, buyer_id=li, by=li)
    assert (twice.outcome, twice.order) == (OrderOutcome.CHANGED, cancelled.order)

    by_admin = await storage.orders.cancel(requested.id, buyer_id=None, by=ADMIN)
    assert by_admin.order is not None and by_admin.order.status is OrderStatus.CANCELLED
    assert by_admin.order.closed_by == ADMIN

    in_container = await storage.orders.cancel(boxed.id, buyer_id=li, by=li)
    assert in_container.outcome is OrderOutcome.CHANGED and in_container.order is not None
    assert in_container.order.status is OrderStatus.IN_CONTAINER
    assert (await storage.orders.cancel(boxed.id, buyer_id=None, by=ADMIN)).outcome is (
        OrderOutcome.CHANGED
    )
    assert await _stock(storage, model.id) == (10, 3)
    assert await storage.orders.backorders() == []
    await _assert_trade_ledgers_agree(storage)


# Backorders filled as drums arrive


async def test_arriving_drums_fill_backorders_oldest_first(storage: Storage) -> None:
    sri, li, chen = await _artisan(storage), await _buyer(storage), await _buyer(storage, 201)
    model, other = await _model(storage), await _model(storage, MEDIUM)
    first = await _confirmed(storage, li, model.id, 5, backorder=True)
    second = await _confirmed(storage, chen, model.id, 3, backorder=True)
    boxed = await _confirmed(storage, li, model.id, 4, backorder=True)
    elsewhere = await _confirmed(storage, li, other.id, 2, backorder=True)
    container = await storage.containers.create(li, "Ningbo", SHIP_BY, by=ADMIN)
    await storage.containers.add_order(container.id, boxed.id, by=ADMIN)

    assert await storage.orders.allocate(model.id) == []
    assert [(b.order_id, b.needed_by) for b in await storage.orders.backorders()] == [
        (first.id, None),
        (second.id, None),
        (boxed.id, SHIP_BY),
        (elsewhere.id, None),
    ]
    await _accepted(storage, sri, model.id, 6)
    fills = await storage.orders.allocate(model.id, by=ADMIN)

    assert [(f.order.id, f.filled, f.order.status) for f in fills] == [
        (first.id, 5, OrderStatus.CONFIRMED),
        (second.id, 1, OrderStatus.BACKORDERED),
    ]
    assert (fills[1].buyer_telegram_id, fills[1].order.outstanding) == (201, 2)
    assert fills[0].model.id == model.id
    assert await _stock(storage, model.id) == (6, 6)
    assert await storage.orders.allocate(model.id) == []

    await _accepted(storage, sri, model.id, 20)
    fills = await storage.orders.allocate(model.id)

    assert [(f.order.id, f.filled, f.order.status) for f in fills] == [
        (second.id, 2, OrderStatus.CONFIRMED),
        (boxed.id, 4, OrderStatus.IN_CONTAINER),
    ]
    assert fills[1].order.container_id == container.id and fills[1].order.outstanding == 0
    assert await _stock(storage, model.id) == (26, 12)
    assert await storage.orders.allocate(model.id) == []
    assert await _stock(storage, model.id) == (26, 12)
    assert [b.order_id for b in await storage.orders.backorders()] == [elsewhere.id]
    moved = [m for m in await storage.stock.movements(model.id) if m.order_id == second.id]
    assert [(m.reserved_delta, m.reason) for m in moved] == [
        (2, orders_module.BACKORDER_FILLED),
        (1, orders_module.BACKORDER_FILLED),
    ]
    await _assert_trade_ledgers_agree(storage)


async def test_a_cancelled_reservation_can_fill_another_backorder(storage: Storage) -> None:
    sri, li, chen = await _artisan(storage), await _buyer(storage), await _buyer(storage, 201)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 5)
    held = await _confirmed(storage, li, model.id, 5)
    waiting = await _confirmed(storage, chen, model.id, 4, backorder=True)

    await storage.orders.cancel(held.id, buyer_id=li, by=li)
    fills = await storage.orders.allocate(model.id)

    assert [(f.order.id, f.filled, f.order.status) for f in fills] == [
        (waiting.id, 4, OrderStatus.CONFIRMED)
    ]
    assert await _stock(storage, model.id) == (5, 4)
    await _assert_trade_ledgers_agree(storage)


# Many admins at once


@pytest.mark.parametrize("connections", [1, 2])
async def test_concurrent_confirmations_of_the_last_drums_never_promise_more_than_there_is(
    storage: Storage, connections: int
) -> None:
    # Two Storage objects on one file behave as two processes would: separate connections.
    second = storage if connections == 1 else await Storage.open(storage.db.path)
    try:
        sri = await _artisan(storage)
        buyers = [await _buyer(storage, 200 + n, f"B{n}") for n in range(3)]
        model, other = await _model(storage), await _model(storage, MEDIUM)
        await _accepted(storage, sri, model.id, 10)
        await _accepted(storage, sri, other.id, 10)
        asks = [(await storage.orders.create(buyers[n % 3], model.id, 3))[0] for n in range(8)]
        backorders = [
            (await storage.orders.create(buyers[n % 3], other.id, 4))[0] for n in range(4)
        ]

        outcomes = await asyncio.gather(
            *(
                (storage, second)[n % 2].orders.confirm(order.id, by=ADMIN + n % 2)
                for n, order in enumerate(asks)
            ),
            *(
                (second, storage)[n % 2].orders.confirm(order.id, backorder=True, by=ADMIN)
                for n, order in enumerate(backorders)
            ),
        )

        plain = outcomes[: len(asks)]
        done = {asks[n].id for n, change in enumerate(plain) if change.outcome is OrderOutcome.DONE}
        assert len(done) == 3
        assert [c.available for c in plain if c.outcome is OrderOutcome.STOCK_SHORT] == [1] * 5
        for order in asks:
            now = await _order(storage, order.id)
            expected = OrderStatus.CONFIRMED if order.id in done else OrderStatus.REQUESTED
            assert (now.status, now.reserved) == (expected, 3 if order.id in done else 0)
        assert await _stock(storage, model.id) == (10, 9)
        reserved = sorted([(await _order(storage, o.id)).reserved for o in backorders])
        assert reserved == [0, 2, 4, 4]
        assert await _stock(storage, other.id) == (10, 10)

        await _accepted(storage, sri, other.id, 5)
        fills = await asyncio.gather(
            storage.orders.allocate(other.id), second.orders.allocate(other.id)
        )
        assert sum(fill.filled for batch in fills for fill in batch) == 5
        assert await _stock(storage, other.id) == (15, 15)
        await _assert_trade_ledgers_agree(storage)
    finally:
        if second is not storage:
            await second.close()


async def test_a_cancel_racing_a_confirmation_leaves_no_drums_reserved(tmp_path: Path) -> None:
    first, second = await Storage.open(tmp_path / "k.db"), await Storage.open(tmp_path / "k.db")
    try:
        sri, li = await _artisan(first), await _buyer(first)
        model = await _model(first)
        await _accepted(first, sri, model.id, 5)
        orders = [(await first.orders.create(li, model.id, 2))[0] for _ in range(6)]

        await asyncio.gather(
            *(first.orders.confirm(order.id, backorder=True, by=ADMIN) for order in orders),
            *(second.orders.cancel(order.id, buyer_id=li, by=li) for order in orders),
        )

        after = [await _order(first, order.id) for order in orders]
        assert {order.status for order in after} == {OrderStatus.CANCELLED}
        assert await _stock(first, model.id) == (5, 0)
        await _assert_trade_ledgers_agree(first)
    finally:
        await first.close()
        await second.close()


async def test_two_admins_filling_one_container_at_once_never_overfill_it(
    tmp_path: Path,
) -> None:
    first, second = await Storage.open(tmp_path / "k.db"), await Storage.open(tmp_path / "k.db")
    try:
        sri, li = await _artisan(first), await _buyer(first)
        model = await _model(first)
        await _accepted(first, sri, model.id, 30)
        orders = [await _confirmed(first, li, model.id, 4) for _ in range(6)]
        container = await first.containers.create(li, "Dalian", SHIP_BY, capacity=10, by=ADMIN)

        changes = await asyncio.gather(
            *(
                (first, second)[n % 2].containers.add_order(container.id, order.id, by=ADMIN)
                for n, order in enumerate(orders)
            )
        )

        assert sorted(change.outcome for change in changes) == sorted(
            [OrderOutcome.DONE] * 2 + [OrderOutcome.OVER_CAPACITY] * 4
        )
        assert len(await first.containers.orders(container.id)) == 2
        await _assert_trade_ledgers_agree(first)
    finally:
        await first.close()
        await second.close()


# Everything together


async def test_ledgers_orders_and_shipments_agree_after_a_random_run_of_trade(
    storage: Storage,
) -> None:
    rng = random.Random(20250304)
    artisans = [await _artisan(storage, 100 + n, f"A{n}") for n in range(2)]
    buyers = [await _buyer(storage, 200 + n, f"B{n}") for n in range(3)]
    models = [model.id for model in (await storage.catalogue.list_active())[:3]]
    seen: Counter[str] = Counter()

    async def order_ids(where: str) -> list[int]:
        rows = await storage.db.fetch_all(f"SELECT id FROM orders WHERE {where} ORDER BY id")
        return [int(row[0]) for row in rows]

    async def open_container_ids() -> list[int]:
        return [view.container.id for view in await storage.containers.open_containers()]

    for step in range(500):
        action = rng.choices(
            [
                "accept",
                "order",
                "confirm",
                "decline",
                "cancel",
                "allocate",
                "open",
                "add",
                "remove",
                "ship",
                "drop",
            ],
            weights=[8, 12, 12, 2, 4, 4, 2, 8, 2, 3, 1],
        )[0]
        if action == "accept":
            model_id = rng.choice(models)
            await _accepted(storage, rng.choice(artisans), model_id, rng.randint(1, 6))
            if rng.random() < 0.6:
                seen["filled"] += len(await storage.orders.allocate(model_id))
        elif action == "order":
            await storage.orders.create(rng.choice(buyers), rng.choice(models), rng.randint(1, 12))
        elif action == "confirm" and (requested := await order_ids("status = 'requested'")):
            order = await _order(storage, rng.choice(requested))
            mode = rng.choice(["all", "some", "backorder"])
            change = await storage.orders.confirm(
                order.id,
                reserve=rng.randint(1, order.quantity) if mode == "some" else None,
                backorder=mode == "backorder",
                by=ADMIN,
            )
            seen[f"confirm {change.outcome}"] += 1
        elif action == "decline" and (requested := await order_ids("status = 'requested'")):
            await storage.orders.decline(rng.choice(requested), by=ADMIN)
        elif action == "cancel" and (every := await order_ids("1")):
            order = await _order(storage, rng.choice(every))
            buyer = rng.choice([order.buyer_id, order.buyer_id, None, rng.choice(buyers)])
            change = await storage.orders.cancel(order.id, buyer_id=buyer, by=buyer or ADMIN)
            seen[f"cancel {change.outcome}"] += 1
            if change.outcome is OrderOutcome.DONE:
                seen["released"] += order.reserved > 0
                await storage.orders.allocate(order.model_id)
        elif action == "allocate":
            seen["filled"] += len(await storage.orders.allocate(rng.choice(models)))
        elif action == "open":
            await storage.containers.create(
                rng.choice(buyers), "Qingdao", SHIP_BY, capacity=rng.choice([8, 16, 40]), by=ADMIN
            )
        elif action == "add" and (containers := await open_container_ids()):
            container = await storage.containers.get(rng.choice(containers))
            assert container is not None
            ready = await storage.orders.ready_for_container(container.buyer_id)
            candidates = [view.order.id for view in ready]
            if not candidates or rng.random() < 0.2:
                candidates = await order_ids("1")
            change = await storage.containers.add_order(
                container.id, rng.choice(candidates), by=ADMIN
            )
            seen[f"add {change.outcome}"] += 1
        elif action == "remove" and (boxed := await order_ids("status = 'in_container'")):
            order = await _order(storage, rng.choice(boxed))
            assert order.container_id is not None
            await storage.containers.remove_order(order.container_id, order.id, by=ADMIN)
        elif action == "ship" and (containers := await open_container_ids()):
            container_id = rng.choice(containers)
            shipping = await storage.containers.ship(container_id, by=ADMIN)
            seen[f"ship {shipping.outcome}"] += 1
        elif action == "drop" and (containers := await open_container_ids()):
            await storage.containers.cancel(rng.choice(containers), by=ADMIN)
        if step % 50 == 49:
            await _assert_trade_ledgers_agree(storage)

    await _assert_trade_ledgers_agree(storage)
    # The run went through every interesting path, so the checks above meant something.
    for event in (
        "filled",
        "released",
        "confirm done",
        "confirm stock_short",
        "cancel done",
        "cancel not_yours",
        "cancel changed",
        "add done",
        "add over_capacity",
        "ship done",
    ):
        assert seen[event] > 0, (event, seen)
    statuses = {row[0] for row in await storage.db.fetch_all("SELECT status FROM orders")}
    assert statuses >= {s.value for s in OrderStatus} - {"in_container"}, statuses
    partly_shipped = await _count(
        storage, "SELECT COUNT(*) FROM orders WHERE shipped > 0 AND status != 'shipped'"
    )
    assert partly_shipped > 0


# Containers


async def test_a_container_is_for_an_active_buyer_and_goes_somewhere(storage: Storage) -> None:
    li = await _buyer(storage)
    waiting = await _buyer(storage, 201, "Waiting", active=False)

    container = await storage.containers.create(li, "  Shanghai ", SHIP_BY, by=ADMIN)

    assert (container.destination, container.target_date) == ("Shanghai", SHIP_BY)
    assert (container.capacity, container.status, container.created_by) == (3500, "open", ADMIN)
    assert container.reference == f"C-{container.id:06d}"
    with pytest.raises(NotAnActiveBuyerError):
        await storage.containers.create(waiting, "Shanghai", SHIP_BY, by=ADMIN)
    with pytest.raises(ValueError, match="destination"):
        await storage.containers.create(li, "   ", SHIP_BY, by=ADMIN)
    with pytest.raises(ValueError, match="at least one"):
        await storage.containers.create(li, "Shanghai", SHIP_BY, capacity=0, by=ADMIN)
    assert [v.container.id for v in await storage.containers.for_buyer(li)] == [container.id]
    assert await storage.containers.for_buyer(waiting) == []


async def test_orders_go_into_a_container_only_if_they_are_the_buyers_and_fit(
    storage: Storage,
) -> None:
    sri, li, chen = await _artisan(storage), await _buyer(storage), await _buyer(storage, 201)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 12)
    six = await _confirmed(storage, li, model.id, 6)
    five = await _confirmed(storage, li, model.id, 5)
    four = await _confirmed(storage, li, model.id, 4, backorder=True)  # 1 set aside, 3 to make
    theirs = await _confirmed(storage, chen, model.id, 2, backorder=True)
    requested, _ = await storage.orders.create(li, model.id, 1)
    container = await storage.containers.create(li, "Xiamen", SHIP_BY, capacity=10, by=ADMIN)

    added = await storage.containers.add_order(container.id, six.id, by=ADMIN)
    other_buyer = await storage.containers.add_order(container.id, theirs.id, by=ADMIN)
    too_big = await storage.containers.add_order(container.id, five.id, by=ADMIN)
    not_confirmed = await storage.containers.add_order(container.id, requested.id, by=ADMIN)
    fits = await storage.containers.add_order(container.id, four.id, by=ADMIN)
    twice = await storage.containers.add_order(container.id, four.id, by=ADMIN)

    assert added.outcome is OrderOutcome.DONE
    assert _shape(added.order) == ("in_container", 6, 6, 0, container.id)
    assert (other_buyer.outcome, other_buyer.order) == (OrderOutcome.OTHER_BUYER, theirs)
    assert (too_big.outcome, too_big.available) == (OrderOutcome.OVER_CAPACITY, 4)
    assert not_confirmed.outcome is OrderOutcome.CHANGED
    assert fits.outcome is OrderOutcome.DONE
    assert twice.outcome is OrderOutcome.CHANGED
    assert await _order(storage, five.id) == five
    assert [v.order.id for v in await storage.containers.orders(container.id)] == [six.id, four.id]
    assert [v.order.id for v in await storage.orders.ready_for_container(li)] == [five.id]
    missing = await storage.containers.add_order(999, five.id, by=ADMIN)
    assert missing.outcome is OrderOutcome.NOT_FOUND

    removed = await storage.containers.remove_order(container.id, four.id, by=ADMIN)
    assert _shape(removed.order) == ("backordered", 4, 1, 0, None)
    removed_again = await storage.containers.remove_order(container.id, four.id, by=ADMIN)
    assert removed_again.outcome is OrderOutcome.CHANGED
    still_too_big = await storage.containers.add_order(container.id, five.id, by=ADMIN)
    assert still_too_big.outcome is OrderOutcome.OVER_CAPACITY
    await storage.containers.remove_order(container.id, six.id, by=ADMIN)
    assert _shape(await _order(storage, six.id)) == ("confirmed", 6, 6, 0, None)

    await storage.containers.add_order(container.id, six.id, by=ADMIN)
    await storage.containers.cancel(container.id, by=ADMIN)
    for late in (storage.containers.add_order, storage.containers.remove_order):
        change = await late(container.id, six.id, by=ADMIN)
        assert change.outcome is OrderOutcome.CONTAINER_CLOSED
    await _assert_trade_ledgers_agree(storage)


async def test_cancelling_a_container_gives_back_its_orders_with_their_drums(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 5)
    ready = await _confirmed(storage, li, model.id, 3)
    waiting = await _confirmed(storage, li, model.id, 6, backorder=True)
    container = await storage.containers.create(li, "Tianjin", SHIP_BY, by=ADMIN)
    for order in (ready, waiting):
        await storage.containers.add_order(container.id, order.id, by=ADMIN)

    cancelled = await storage.containers.cancel(container.id, by=OTHER_ADMIN)
    again = await storage.containers.cancel(container.id, by=ADMIN)

    assert cancelled.outcome is OrderOutcome.DONE and cancelled.container is not None
    assert (cancelled.container.status, cancelled.container.closed_by) == ("cancelled", OTHER_ADMIN)
    assert again.outcome is OrderOutcome.CONTAINER_CLOSED
    assert (await storage.containers.cancel(999, by=ADMIN)).outcome is OrderOutcome.NOT_FOUND
    back = [await _order(storage, order.id) for order in (ready, waiting)]
    assert [_shape(order) for order in back] == [
        ("confirmed", 3, 3, 0, None),
        ("backordered", 6, 2, 0, None),
    ]
    assert await _stock(storage, model.id) == (5, 5)
    assert await storage.containers.open_containers() == []
    await _assert_trade_ledgers_agree(storage)


async def test_shipping_takes_the_ready_drums_and_leaves_the_rest_as_backorders(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    small, large = await _model(storage), await _model(storage, LARGE)
    await _accepted(storage, sri, small.id, 10)
    whole = await _confirmed(storage, li, small.id, 4)
    partly = await _confirmed(storage, li, small.id, 10, backorder=True)
    unmade = await _confirmed(storage, li, large.id, 5, backorder=True)
    container = await storage.containers.create(li, "Shanghai", SHIP_BY, by=ADMIN)
    for order in (whole, partly, unmade):
        await storage.containers.add_order(container.id, order.id, by=ADMIN)

    shipped = await storage.containers.ship(container.id, by=OTHER_ADMIN)

    assert shipped.outcome is OrderOutcome.DONE and shipped.container is not None
    assert (shipped.container.status, shipped.container.closed_by) == ("shipped", OTHER_ADMIN)
    after = [await _order(storage, order.id) for order in (whole, partly, unmade)]
    assert [_shape(order) for order in after] == [
        ("shipped", 4, 0, 4, container.id),
        ("backordered", 10, 0, 6, None),
        ("backordered", 5, 0, 0, None),
    ]
    assert after[0].closed_by == OTHER_ADMIN and after[1].closed_at is None
    assert (after[1].outstanding, after[1].cancellable) == (4, True)
    assert await _stock(storage, small.id) == (0, 0)
    rows = await storage.db.fetch_all(
        "SELECT order_id, model_id, quantity FROM shipments WHERE container_id = ?"
        " ORDER BY order_id",
        (container.id,),
    )
    assert [tuple(row) for row in rows] == [(whole.id, small.id, 4), (partly.id, small.id, 6)]
    assert await storage.containers.shipped_quantity(container.id) == 10
    in_it = await storage.containers.orders(container.id)
    assert [view.order.id for view in in_it] == [whole.id, partly.id]
    left = (await storage.stock.movements(small.id))[0]
    assert (left.kind, left.on_hand_delta, left.reserved_delta) == ("shipped", -6, -6)
    assert (left.order_id, left.reason) == (partly.id, container.reference)
    closed = await storage.containers.ship(container.id, by=ADMIN)
    assert (closed.outcome, closed.container) == (OrderOutcome.CONTAINER_CLOSED, shipped.container)
    assert await storage.containers.shipped_quantity(container.id) == 10
    shipped_progress = await storage.containers.progress(container.id, datetime.now(UTC))
    assert shipped_progress is not None
    assert (shipped_progress.shipped, shipped_progress.planned) == (10, 0)

    # The rest follows in the next container.
    await _accepted(storage, sri, small.id, 4)
    await storage.orders.allocate(small.id)
    following = await storage.containers.create(li, "Shanghai", SHIP_BY, capacity=4, by=ADMIN)
    assert (await storage.containers.add_order(following.id, partly.id, by=ADMIN)).outcome is (
        OrderOutcome.DONE
    )
    await storage.containers.ship(following.id, by=ADMIN)
    assert _shape(await _order(storage, partly.id)) == ("shipped", 10, 0, 10, following.id)
    shipments = "SELECT COUNT(*) FROM shipments WHERE order_id = ?"
    assert await _count(storage, shipments, partly.id) == 2
    await _assert_trade_ledgers_agree(storage)


async def test_a_container_with_nothing_ready_is_not_shipped(storage: Storage) -> None:
    li = await _buyer(storage)
    model = await _model(storage)
    empty = await storage.containers.create(li, "Shanghai", SHIP_BY, by=ADMIN)
    unmade = await _confirmed(storage, li, model.id, 5, backorder=True)
    waiting = await storage.containers.create(li, "Shanghai", SHIP_BY, by=ADMIN)
    await storage.containers.add_order(waiting.id, unmade.id, by=ADMIN)

    for container in (empty, waiting):
        change = await storage.containers.ship(container.id, by=ADMIN)
        assert (change.outcome, change.container) == (OrderOutcome.NOTHING_READY, container)
    assert (await storage.containers.ship(999, by=ADMIN)).outcome is OrderOutcome.NOT_FOUND
    assert _shape(await _order(storage, unmade.id)) == ("in_container", 5, 0, 0, waiting.id)
    assert await _count(storage, "SELECT COUNT(*) FROM shipments") == 0
    assert len(await storage.containers.open_containers()) == 2


async def _progress_scene(storage: Storage, clock: Clock, now: datetime) -> tuple[int, int, int]:
    """Drums of one model made before and inside the last four weeks, orders before and after.

    Returns (container id, id of a model never made, id of a model made long ago).
    """
    sri, li, chen = await _artisan(storage), await _buyer(storage), await _buyer(storage, 201)
    small, medium, large = [await _model(storage, code) for code in (SMALL, MEDIUM, LARGE)]
    clock.at(now - timedelta(weeks=5))
    await _accepted(storage, sri, small.id, 10)
    await _accepted(storage, sri, large.id, 4)
    clock.at(now - timedelta(weeks=4))
    await _accepted(storage, sri, small.id, 14)
    clock.at(now - timedelta(days=1))
    await _accepted(storage, sri, small.id, 14)
    clock.at(now)
    ready = await _confirmed(storage, li, small.id, 30)
    await _confirmed(storage, chen, small.id, 10, backorder=True)  # older: 8 set aside, 2 due
    waiting = await _confirmed(storage, li, small.id, 20, backorder=True)
    await _confirmed(storage, chen, small.id, 50, backorder=True)  # newer: made after ours
    container = await storage.containers.create(li, "Shanghai", SHIP_BY, by=ADMIN)
    for order in (ready, waiting):
        await storage.containers.add_order(container.id, order.id, by=ADMIN)
    return container.id, medium.id, large.id


async def test_progress_counts_ready_drums_the_queue_and_the_recent_pace(
    storage: Storage, clock: Clock
) -> None:
    now = datetime(2025, 6, 30, 5, 0, tzinfo=UTC)
    container_id, never_made, made_long_ago = await _progress_scene(storage, clock, now)

    progress = await storage.containers.progress(container_id, now)

    assert progress is not None
    [line] = progress.models
    assert (line.model.code, line.ready, line.to_make) == (SMALL, 30, 20)
    assert (line.queue, line.accepted_recently, line.weeks) == (2 + 20, 28, 4)
    assert line.days_needed == pytest.approx(22.0)  # 28 drums in 28 days: one a day
    assert (progress.ready, progress.to_make, progress.planned, progress.shipped) == (30, 20, 50, 0)
    assert progress.days_needed == pytest.approx(22.0)
    assert progress.view.buyer_telegram_id == 200
    assert await storage.containers.progress(999, now) is None

    li = progress.view.container.buyer_id
    for model_id in (never_made, made_long_ago):
        order = await _confirmed(storage, li, model_id, 4, backorder=True)
        await storage.containers.add_order(container_id, order.id, by=ADMIN)
    progress = await storage.containers.progress(container_id, now)

    assert progress is not None
    by_model = {line.model.id: line for line in progress.models}
    long_ago = by_model[made_long_ago]
    assert (long_ago.ready, long_ago.to_make, long_ago.accepted_recently) == (4, 0, 0)
    assert long_ago.days_needed == 0.0
    unmade = by_model[never_made]
    assert (unmade.ready, unmade.to_make, unmade.accepted_recently) == (0, 4, 0)
    assert unmade.days_needed is None
    assert progress.days_needed is None
    assert progress.planned == 58


async def test_progress_gives_the_same_pace_whatever_the_zone_of_now(
    storage: Storage, clock: Clock
) -> None:
    now = datetime(2025, 6, 30, 5, 0, tzinfo=UTC)
    container_id, _, _ = await _progress_scene(storage, clock, now)

    in_jakarta = await storage.containers.progress(container_id, now.astimezone(JAKARTA))

    assert in_jakarta is not None
    assert in_jakarta.models[0].accepted_recently == 28


# Watches


async def test_a_new_watch_replaces_the_open_one_and_only_its_buyer_stops_it(
    storage: Storage,
) -> None:
    li, chen = await _buyer(storage), await _buyer(storage, 201)
    model, other = await _model(storage), await _model(storage, MEDIUM)
    first = await storage.watches.watch(li, model.id, 50)
    second = await storage.watches.watch(li, model.id, 20)
    elsewhere = await storage.watches.watch(li, other.id, 5)

    assert [(w.id, w.quantity) for w in await storage.watches.open_for_buyer(li)] == [
        (second.id, 20),
        (elsewhere.id, 5),
    ]
    assert await storage.watches.stop(first.id, li) is False
    assert await storage.watches.stop(second.id, chen) is False
    assert await storage.watches.stop(second.id, li) is True
    assert await storage.watches.stop(second.id, li) is False
    assert [w.id for w in await storage.watches.open_for_buyer(li)] == [elsewhere.id]
    assert await storage.watches.open_for_buyer(chen) == []
    with pytest.raises(ValueError, match="at least one"):
        await storage.watches.watch(li, model.id, 0)


async def test_a_watch_fires_once_when_enough_drums_are_available(storage: Storage) -> None:
    sri, li, chen = await _artisan(storage), await _buyer(storage), await _buyer(storage, 201)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 6)
    await _confirmed(storage, chen, model.id, 2)
    wants_five = await storage.watches.watch(li, model.id, 5)
    wants_four = await storage.watches.watch(chen, model.id, 4)
    stopped = await storage.watches.watch(chen, (await _model(storage, MEDIUM)).id, 1)
    await storage.watches.stop(stopped.id, chen)

    first = await storage.watches.due(model.id)

    assert [(a.watch.id, a.available, a.buyer_telegram_id) for a in first] == [
        (wants_four.id, 4, 201)
    ]
    assert first[0].watch.notified_at is not None and first[0].model.id == model.id
    assert await storage.watches.due(model.id) == []
    await _accepted(storage, sri, model.id, 1)
    second = await storage.watches.due(model.id)
    assert [(a.watch.id, a.available) for a in second] == [(wants_five.id, 5)]
    assert await storage.watches.due(model.id) == []
    await _accepted(storage, sri, stopped.model_id, 3)
    assert await storage.watches.due(stopped.model_id) == []
    assert await storage.watches.open_for_buyer(li) == []


async def test_the_update_that_closed_a_watch_gets_it_again_when_delivered_again(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    model = await _model(storage)
    watch = await storage.watches.watch(li, model.id, 3)
    await _accepted(storage, sri, model.id, 3)

    told = await storage.watches.due(model.id, update_id=41)
    again = await storage.watches.due(model.id, update_id=41)

    assert [alert.watch.id for alert in told] == [alert.watch.id for alert in again] == [watch.id]
    assert again[0].watch.notified_at == told[0].watch.notified_at
    assert await storage.watches.due(model.id, update_id=42) == []
    assert await storage.watches.due(model.id) == []


# Exchange rates


async def test_exchange_rates_are_set_overwritten_cleared_and_never_below_one(
    storage: Storage,
) -> None:
    assert await storage.exchange_rates.all() == {}
    usd = await storage.exchange_rates.set(Currency.USD, 16_250, by=ADMIN)
    await storage.exchange_rates.set(Currency.CNY, 2_250, by=ADMIN)
    newer = await storage.exchange_rates.set(Currency.USD, 16_400, by=OTHER_ADMIN)

    rates = await storage.exchange_rates.all()
    assert (usd.rupiah_per_unit, newer.rupiah_per_unit) == (16_250, 16_400)
    assert {currency: rate.rupiah_per_unit for currency, rate in rates.items()} == {
        Currency.USD: 16_400,
        Currency.CNY: 2_250,
    }
    assert rates[Currency.USD].set_by == OTHER_ADMIN
    for wrong in (0, -5):
        with pytest.raises(ValueError, match="at least one"):
            await storage.exchange_rates.set(Currency.CNY, wrong, by=ADMIN)
    assert (await storage.exchange_rates.all())[Currency.CNY].rupiah_per_unit == 2_250
    assert await storage.exchange_rates.clear(Currency.CNY) is True
    assert await storage.exchange_rates.clear(Currency.CNY) is False
    assert list(await storage.exchange_rates.all()) == [Currency.USD]


# Offers


async def test_offers_show_available_drums_and_only_the_photo_an_admin_attached(
    storage: Storage,
) -> None:
    sri, li = await _artisan(storage), await _buyer(storage)
    small, medium = await _model(storage), await _model(storage, MEDIUM)
    await _accepted(storage, sri, small.id, 3, photo="old-photo")
    await _accepted(storage, sri, small.id, 5, photo="new-photo")
    rejected, _ = await storage.reports.create(sri, small.id, 2, photo_file_id="rejected-photo")
    await storage.reports.decide(rejected.id, 0, "cracked", by=ADMIN)
    await storage.reports.create(sri, small.id, 2, photo_file_id="pending-photo")
    await _confirmed(storage, li, small.id, 6)

    offers = {offer.model.id: offer for offer in await storage.offers.active()}

    # Artisans' report photos are for the quality check: a card shows none of them.
    assert (offers[small.id].available, offers[small.id].photo_file_id) == (2, None)
    assert (offers[medium.id].available, offers[medium.id].photo_file_id) == (0, None)
    assert [o.model.code for o in await storage.offers.active()] == [
        m.code for m in await storage.catalogue.list_active()
    ]
    smalls = await storage.offers.active(DrumSize.SMALL)
    assert smalls and {o.model.size for o in smalls} == {DrumSize.SMALL}
    await storage.catalogue.set_photo(small.id, "model-photo")
    own = await storage.offers.get(small.id)
    assert own is not None and own.photo_file_id == "model-photo"
    await storage.catalogue.retire(medium.id, by=ADMIN)
    assert medium.id not in {o.model.id for o in await storage.offers.active()}
    retired = await storage.offers.get(medium.id)
    assert retired is not None and not retired.model.active
    assert await storage.offers.get(999) is None


async def test_one_offer_is_read_at_a_position_kept_within_the_catalogue(storage: Storage) -> None:
    sri = await _artisan(storage)
    small, _ = await _model(storage), await _model(storage, MEDIUM)
    await _accepted(storage, sri, small.id, 4, photo="small-photo")
    everything = await storage.offers.active()
    smalls = await storage.offers.active(DrumSize.SMALL)

    for position, expected in ((0, 0), (1, 1), (-3, 0), (len(everything) + 5, -1)):
        offer, count = await storage.offers.at(position)
        assert offer == everything[expected] and count == len(everything)
    offer, count = await storage.offers.at(99, DrumSize.SMALL)
    assert offer == smalls[-1] and count == len(smalls)
    assert (await storage.offers.at(0, DrumSize.SMALL))[0] == smalls[0]
    for model in everything:
        await storage.catalogue.retire(model.model.id, by=ADMIN)
    assert await storage.offers.at(0) == (None, 0)
    assert await storage.offers.at(7) == (None, 0)


async def test_makers_are_villages_with_workshop_counts_from_accepted_drums_only(
    storage: Storage,
) -> None:
    model, other = await _model(storage), await _model(storage, MEDIUM)
    sri = await _artisan(storage, 100, "Sri", "Jiwut")
    budi = await _artisan(storage, 101, "Budi", "Jiwut")
    wati = await _artisan(storage, 102, "Wati", "Kemloko")
    dewi = await _artisan(storage, 103, "Dewi", "Kemloko")
    eko = await _artisan(storage, 104, "Eko", "Bangsri")
    for artisan in (sri, sri, budi, wati):
        await _accepted(storage, artisan, model.id, 2)
    refused, _ = await storage.reports.create(dewi, model.id, 2)
    await storage.reports.decide(refused.id, 0, "wet wood", by=ADMIN)
    partly, _ = await storage.reports.create(dewi, other.id, 2)
    await storage.reports.decide(partly.id, 1, "one cracked", by=ADMIN)
    await storage.reports.create(eko, model.id, 3)

    makers = await storage.offers.makers(model.id)

    assert makers == [Makers(village="Jiwut", workshops=2), Makers(village="Kemloko", workshops=1)]
    assert await storage.offers.makers(other.id) == [Makers(village="Kemloko", workshops=1)]
    assert await storage.offers.makers((await _model(storage, LARGE)).id) == []


# Migration


async def test_the_trade_migration_keeps_the_reports_and_stock_of_a_version_2_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v2.db"
    db = await Database.open(path)
    try:
        foundation, production = available_migrations()[:2]
        await db.execute_script(
            [*foundation.statements(), *production.statements(), "PRAGMA user_version = 2"]
        )
        async with db.transaction() as connection:
            for telegram_id, role, name in ((100, "artisan", "Sri"), (200, "buyer", "Li Wei")):
                await connection.execute(
                    "INSERT INTO telegram_users (telegram_id, first_seen_at, last_seen_at)"
                    " VALUES (?, 'x', 'x')",
                    (telegram_id,),
                )
                await connection.execute(
                    "INSERT INTO members (telegram_id, role, status, name, village, created_at,"
                    " updated_at) VALUES (?, ?, 'active', ?, 'Jiwut', 'x', 'x')",
                    (telegram_id, role, name),
                )
            await connection.execute(
                "INSERT INTO reports (artisan_id, model_id, quantity, photo_file_id, status,"
                " accepted_quantity, rate, reported_at, decided_at, decided_by)"
                " VALUES (1, 1, 7, 'AgAC-old', 'accepted', 7, 120000, '2025-01-02T03:00:00+00:00',"
                " '2025-01-02T04:00:00+00:00', 9001)"
            )
            await connection.execute(
                "INSERT INTO stock_movements (model_id, kind, on_hand_delta, reserved_delta,"
                " report_id, created_at) VALUES (1, 'accepted', 7, 0, 1, '2025-01-02T04:00:00')"
            )
        assert (await migrate(db))[0] == 2
        assert await schema_version(db) >= 3
    finally:
        await db.close()

    opened = await Storage.open(path)
    try:
        report = await opened.reports.get(1)
        assert report is not None and (report.accepted_quantity, report.rate) == (7, 120_000)
        assert await _stock(opened, 1) == (7, 0)
        offer = await opened.offers.get(1)
        assert offer is not None and (offer.available, offer.photo_file_id) == (7, None)
        assert await opened.offers.makers(1) == [Makers(village="Jiwut", workshops=1)]
        order = await _confirmed(opened, 2, 1, 5)
        assert (order.reserved, await _stock(opened, 1)) == (5, (7, 5))
        await _assert_trade_ledgers_agree(opened)
    finally:
        await opened.close()
