"""Time the storage behind the buyers' views on a busy cooperative's database.

Builds the production benchmark's database (artisans, models, a year of reports and their
ledgers), then adds buyers and, through the real repositories, their orders (confirmed,
backordered, some cancelled) and containers; then times the buyers' and admins' trade reads
and writes the way the handlers call them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from storage import Storage
from storage.models.members import MemberStatus, Role
from tests.bench.production import ADMINS, ARTISANS, TARGET_P99_MS, _migrate, _time, build

BUYERS = 200
BUYER_IDS_FROM = 50_000


def add_buyers(path: Path) -> list[int]:
    """Insert active buyers straight into the database; return their member ids."""
    connection = sqlite3.connect(path, isolation_level=None)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO telegram_users (telegram_id, first_name, language_code, first_seen_at,"
        " last_seen_at) VALUES (?, ?, 'en', ?, ?)",
        ((BUYER_IDS_FROM + n, f"Buyer {n}", now, now) for n in range(BUYERS)),
    )
    connection.executemany(
        "INSERT INTO members (id, telegram_id, role, status, name, company, country,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                ARTISANS + 1 + n,
                BUYER_IDS_FROM + n,
                Role.BUYER,
                MemberStatus.ACTIVE,
                f"Buyer {n}",
                f"Trading Co {n}",
                "China",
                now,
                now,
            )
            for n in range(BUYERS)
        ),
    )
    connection.execute("COMMIT")
    connection.close()
    return [ARTISANS + 1 + n for n in range(BUYERS)]


async def add_trade(
    storage: Storage, buyers: list[int], orders: int, containers: int, rng: random.Random
) -> dict[str, int]:
    """Place, decide and pack orders through the repositories, as the bot would."""
    models = [model.id for model in await storage.catalogue.list_active()]
    counts = {"confirmed": 0, "backordered": 0, "declined": 0, "cancelled": 0, "in containers": 0}
    by_buyer: dict[int, list[int]] = {buyer: [] for buyer in buyers}
    for _ in range(orders):
        buyer = rng.choice(buyers)
        order, _created = await storage.orders.create(
            buyer, rng.choice(models), rng.choice((10, 20, 50, 100, 200))
        )
        roll = rng.random()
        if roll < 0.05:
            await storage.orders.decline(order.id, by=ADMINS[0])
            counts["declined"] += 1
            continue
        change = await storage.orders.confirm(order.id, backorder=True, by=ADMINS[0])
        assert change.order is not None
        counts[change.order.status.value] += 1
        if roll < 0.10:
            await storage.orders.cancel(order.id, buyer_id=buyer, by=ADMINS[0])
            counts["cancelled"] += 1
            continue
        by_buyer[buyer].append(order.id)
    target = date.today() + timedelta(days=60)
    for buyer in rng.sample(buyers, containers):
        container = await storage.containers.create(buyer, "Shanghai", target, by=ADMINS[0])
        for order_id in by_buyer[buyer]:
            added = await storage.containers.add_order(container.id, order_id, by=ADMINS[0])
            counts["in containers"] += added.outcome == "done"
    return counts


async def measure(path: Path, calls: int, orders: int, containers: int, seed: int) -> bool:
    """Add the trade, then time the trade reads and writes; True if the reads are on target."""
    rng = random.Random(seed)
    buyers = add_buyers(path)
    storage = await Storage.open(path)
    try:
        began = time.perf_counter()
        counts = await add_trade(storage, buyers, orders, containers, rng)
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        print(f"placed {orders:,} orders in {time.perf_counter() - began:.1f} s: {summary}")
        models = [model.id for model in await storage.catalogue.list_active()]
        boxes = [view.container.id for view in await storage.containers.open_containers()]
        now = datetime.now(UTC)

        async def catalogue(store: Storage) -> None:
            await store.offers.active()
            await store.exchange_rates.all()

        async def card(store: Storage) -> None:
            model = rng.choice(models)
            await store.offers.get(model)
            await store.offers.makers(model)

        async def my_orders(store: Storage) -> None:
            buyer = rng.choice(buyers)
            await store.orders.for_buyer(buyer, limit=10)
            await store.orders.count_for_buyer(buyer)

        async def to_confirm(store: Storage) -> None:
            await store.orders.requested(limit=10)
            await store.orders.requested_count()

        async def needed_now(store: Storage) -> None:
            await store.orders.demand(timedelta(hours=7))

        async def progress(store: Storage) -> None:
            await store.containers.progress(rng.choice(boxes), now)

        async def order_and_confirm(store: Storage) -> None:
            order, _created = await store.orders.create(rng.choice(buyers), rng.choice(models), 5)
            await store.orders.confirm(order.id, backorder=True, by=ADMINS[0])

        async def allocate(store: Storage) -> None:
            await store.orders.allocate(rng.choice(models))

        hot: list[tuple[str, Callable[[Storage], Awaitable[None]]]] = [
            ("buyer catalogue (all models)", catalogue),
            ("catalogue card (offer + makers)", card),
            ("my orders (page of 10 + count)", my_orders),
            ("orders to confirm (10 + count)", to_confirm),
            ("needed-now board (backorders)", needed_now),
        ]
        print(f"{'':34} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8}")
        on_target = True
        for name, call in hot:
            p50, p99 = await _time(calls, call, storage)
            on_target &= p99 < TARGET_P99_MS
            print(f"{name:34} {calls:6d} {p50:8.2f} {p99:8.2f}")
        # Opened now and then by a buyer or an admin, and it sums weeks of production per model.
        print("others, no target:")
        p50, p99 = await _time(calls, progress, storage)
        print(f"{'container progress':34} {calls:6d} {p50:8.2f} {p99:8.2f}")
        for name, call in (
            ("order + confirm (write)", order_and_confirm),
            ("allocate (write)", allocate),
        ):
            p50, p99 = await _time(200, call, storage)
            print(f"{name:34} {200:6d} {p50:8.2f} {p99:8.2f}")
        return on_target
    finally:
        await storage.close()


def main(argv: list[str] | None = None) -> int:
    """Build the benchmark database, add the trade, time it and print the results."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.trade", description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to build")
    parser.add_argument("--orders", type=int, default=5_000, help="orders to place")
    parser.add_argument("--containers", type=int, default=100, help="containers to open")
    parser.add_argument("--calls", type=int, default=1_000, help="timed calls per read")
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kendang-bench-") as folder:
        path = Path(folder) / "bench.db"
        asyncio.run(_migrate(path))
        built = build(path, arguments.reports, arguments.seed)
        print(f"built {built.reports:,} reports in {built.seconds:.1f} s")
        on_target = asyncio.run(
            measure(path, arguments.calls, arguments.orders, arguments.containers, arguments.seed)
        )
    print(f"target p99 < {TARGET_P99_MS:g} ms for the reads: {'met' if on_target else 'NOT met'}")
    return 0 if on_target else 1


if __name__ == "__main__":
    sys.exit(main())
