"""Benchmark the production storage on a year of a large cooperative's reports.

    .venv/bin/python -m tests.bench.production [--reports N] [--db PATH] [--calls N]

Builds a database (500 active artisans, 50 models, N reports over the last 12 months with
their stock and earnings ledgers) by bulk insertion with plain sqlite3, then times the hot
reads through the real async repositories and prints calls, p50 and p99 in milliseconds.
With --db PATH an existing file is reused as it is (built there first if missing).
No ANALYZE is run: the bot never runs it, so the plans measured are the bot's plans.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import product
from pathlib import Path

from storage import Storage
from storage.catalogue import model_code
from storage.models.catalogue import DrumHead, DrumSize, Finish, Wood
from storage.models.members import MemberStatus, Role

ARTISANS = 500
MODELS = 50
ADMINS = (9001, 9002)
TARGET_P99_MS = 10.0
JAKARTA = timezone(timedelta(hours=7))
CHUNK = 50_000
VILLAGES = ("Minggirsari", "Ngoran", "Jiwut", "Jeding", "Kanigoro", "Nglegok", "Sanankulon")
NAMES = ("Sri", "Budi", "Slamet", "Wahyu", "Agus", "Siti", "Joko", "Eko", "Tutik", "Hadi")
REASONS = ("cracked head", "wood not dry", "loose rope", "paint runs", "split body")
# Base buyer prices and finish/wood/head surcharges for the models added beyond the seed.
_BASE = {DrumSize.SMALL: 200_000, DrumSize.MEDIUM: 325_000, DrumSize.LARGE: 500_000}
_WOOD = {Wood.MAHOGANY: 0, Wood.JACKFRUIT: 100_000, Wood.MANGO: -50_000}
_FINISH = {Finish.PLAIN: 0, Finish.PAINTED: 50_000, Finish.CARVED: 125_000}
_HEAD = {DrumHead.GOAT: 0, DrumHead.COW: 50_000}


@dataclass(frozen=True)
class Built:
    """What the build inserted."""

    reports: int
    stock_movements: int
    earnings_entries: int
    pending: int
    seconds: float


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), UTC).isoformat()


def _month_starts(start: datetime, end: datetime) -> list[datetime]:
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    starts = []
    while month < end:
        month = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
        starts.append(month)
    return [m for m in starts if m < end]


def _add_people_and_models(connection: sqlite3.Connection, rng: random.Random) -> None:
    now = _stamp(time.time() - 400 * 86400)
    connection.executemany(
        "INSERT INTO telegram_users (telegram_id, first_name, language_code, first_seen_at,"
        " last_seen_at) VALUES (?, ?, 'id', ?, ?)",
        ((10_000 + n, NAMES[n % len(NAMES)], now, now) for n in range(ARTISANS)),
    )
    connection.executemany(
        "INSERT INTO members (id, telegram_id, role, status, name, village, workshop,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                n + 1,
                10_000 + n,
                Role.ARTISAN,
                MemberStatus.ACTIVE,
                f"{NAMES[n % len(NAMES)]} {n + 1}",
                rng.choice(VILLAGES),
                f"Kendang {n + 1}",
                now,
                now,
            )
            for n in range(ARTISANS)
        ),
    )
    seeded = {row[0] for row in connection.execute("SELECT code FROM drum_models")}
    extra: list[tuple[object, ...]] = []
    for size, wood, head, finish in product(DrumSize, Wood, DrumHead, Finish):
        code = model_code(size, wood, head, finish)
        if code in seeded or len(seeded) + len(extra) >= MODELS:
            continue
        price = _BASE[size] + _WOOD[wood] + _FINISH[finish] + _HEAD[head]
        extra.append((code, size, wood, head, finish, price * 3 // 5000 * 1000, price, now, now))
    connection.executemany(
        "INSERT INTO drum_models (code, size, wood, head, finish, artisan_rate, buyer_price,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        extra,
    )
    connection.execute(
        "INSERT INTO model_price_changes (model_id, artisan_rate, buyer_price, changed_at)"
        " SELECT id, artisan_rate, buyer_price, created_at FROM drum_models"
        " WHERE id NOT IN (SELECT model_id FROM model_price_changes)"
    )


def _report_times(count: int, start: float, end: float, rng: random.Random) -> list[float]:
    # Sorted, so ids follow reporting order as in the bot.
    return sorted(rng.uniform(start, end) for _ in range(count))


def build(path: Path, reports: int, seed: int) -> Built:
    """Fill a migrated database with artisans, models, reports and consistent ledgers."""
    began = time.perf_counter()
    rng = random.Random(seed)
    connection = sqlite3.connect(path, isolation_level=None)
    # A throwaway file built in one go: no journal, and a cache that holds the indexes.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")
    connection.execute("BEGIN IMMEDIATE")
    _add_people_and_models(connection, rng)
    models = connection.execute("SELECT id, artisan_rate FROM drum_models").fetchall()
    model_ids = [row[0] for row in models]
    rates = dict(models)
    # Busy workshops report more; the seeded common models sell more than the added ones.
    artisan_weights = [rng.lognormvariate(0, 0.6) for _ in range(ARTISANS)]
    model_weights = [4.0 if model_id <= 16 else 1.0 for model_id in model_ids]
    quantities = list(range(1, 21))
    quantity_weights = [1 / q for q in quantities]

    end = time.time()
    start = end - 365 * 86400
    first, last = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
    month_starts = [moment.timestamp() for moment in _month_starts(first, last)]
    on_hand = dict.fromkeys(model_ids, 0)
    earned = dict.fromkeys(range(1, ARTISANS + 1), 0)
    paid = dict.fromkeys(range(1, ARTISANS + 1), 0)
    report_rows: list[tuple[object, ...]] = []
    movement_rows: list[tuple[object, ...]] = []
    entry_rows: list[tuple[object, ...]] = []
    counts = {"movements": 0, "entries": 0, "pending": 0}

    def flush() -> None:
        connection.executemany(
            "INSERT INTO reports (id, artisan_id, model_id, quantity, status, accepted_quantity,"
            " reject_reason, rate, client_key, reported_at, decided_at, decided_by, photo_file_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            report_rows,
        )
        connection.executemany(
            "INSERT INTO stock_movements (model_id, kind, on_hand_delta, reserved_delta,"
            " report_id, reason, created_by, created_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
            movement_rows,
        )
        connection.executemany(
            "INSERT INTO earnings_entries (artisan_id, kind, amount, report_id, note, paid_on,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            entry_rows,
        )
        counts["movements"] += len(movement_rows)
        counts["entries"] += len(entry_rows)
        report_rows.clear()
        movement_rows.clear()
        entry_rows.clear()

    def month_end(boundary: float) -> None:
        # A container leaves at each month's end with most of the stock; artisans are paid
        # on the 5th what they were owed at the month's end.
        shipped_at = _stamp(boundary)
        for model_id, count in on_hand.items():
            ship = count * 9 // 10
            if ship:
                movement_rows.append(
                    (model_id, "shipped", -ship, None, None, ADMINS[0], shipped_at)
                )
                on_hand[model_id] -= ship
        paid_at = boundary + 4 * 86400
        paid_on = datetime.fromtimestamp(paid_at, JAKARTA).date().isoformat()
        paid_text = _stamp(paid_at)
        for artisan_id in earned:
            owed = earned[artisan_id] - paid[artisan_id]
            if owed > 0:
                entry_rows.append(
                    (artisan_id, "payment", -owed, None, "transfer", paid_on, ADMINS[1], paid_text)
                )
                paid[artisan_id] += owed

    artisans = rng.choices(range(1, ARTISANS + 1), artisan_weights, k=reports)
    picked = rng.choices(model_ids, model_weights, k=reports)
    sizes = rng.choices(quantities, quantity_weights, k=reports)
    next_month = 0
    for index, moment in enumerate(_report_times(reports, start, end, rng)):
        while next_month < len(month_starts) and moment >= month_starts[next_month]:
            month_end(month_starts[next_month])
            next_month += 1
        report_id = index + 1
        artisan_id, model_id, quantity = artisans[index], picked[index], sizes[index]
        decided = moment + rng.uniform(2 * 3600, 48 * 3600)
        roll = rng.random()
        row: tuple[object, ...]
        reported_at = _stamp(moment)
        key = f"bench-{report_id:09d}"
        if roll < 0.04:
            row = ("cancelled", None, None, None, _stamp(moment + 600), None)
        elif decided > end:
            counts["pending"] += 1
            row = ("pending", None, None, None, None, None)
        elif roll < 0.09:
            row = ("rejected", 0, rng.choice(REASONS), None, _stamp(decided), rng.choice(ADMINS))
        else:
            accepted = quantity
            reason = None
            if roll < 0.15 and quantity > 1:
                accepted = rng.randrange(1, quantity)
                reason = rng.choice(REASONS)
            rate = rates[model_id]
            decided_at, by = _stamp(decided), rng.choice(ADMINS)
            row = ("accepted", accepted, reason, rate, decided_at, by)
            movement_rows.append((model_id, "accepted", accepted, report_id, None, by, decided_at))
            entry_rows.append(
                (artisan_id, "credit", accepted * rate, report_id, None, None, by, decided_at)
            )
            on_hand[model_id] += accepted
            earned[artisan_id] += accepted * rate
        # Artisans on weak signal often skip the photo: one report in three has one.
        photo = f"bench-photo-{report_id}" if report_id % 3 == 0 else None
        report_rows.append(
            (report_id, artisan_id, model_id, quantity, *row[:4], key, reported_at, *row[4:], photo)
        )
        if len(report_rows) >= CHUNK:
            flush()
    flush()
    connection.execute(
        "UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM reports) WHERE name = 'reports'"
    )
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.close()
    return Built(
        reports=reports,
        stock_movements=counts["movements"],
        earnings_entries=counts["entries"],
        pending=counts["pending"],
        seconds=time.perf_counter() - began,
    )


async def check_consistency(storage: Storage) -> tuple[int, int]:
    """Count models and artisans whose balances differ from their ledgers' sums (want 0, 0)."""
    stock = await storage.db.fetch_value(
        "SELECT COUNT(*) FROM stock_balances b JOIN (SELECT model_id,"
        " SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved"
        " FROM stock_movements GROUP BY model_id) s ON s.model_id = b.model_id"
        " WHERE b.on_hand != s.on_hand OR b.reserved != s.reserved"
    )
    money = await storage.db.fetch_value(
        "SELECT COUNT(*) FROM artisan_balances b JOIN (SELECT artisan_id, SUM(amount) AS owed"
        " FROM earnings_entries GROUP BY artisan_id) e ON e.artisan_id = b.artisan_id"
        " WHERE b.earned - b.paid != e.owed"
    )
    return int(stock), int(money)


def _periods(now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    local = now.astimezone(JAKARTA)
    today = datetime(local.year, local.month, local.day, tzinfo=JAKARTA)
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    return (week_start, week_start + timedelta(days=7)), (month_start, next_month)


async def _time(
    calls: int, call: Callable[[Storage], Awaitable[object]], storage: Storage
) -> tuple[float, float]:
    for _ in range(min(50, calls)):
        await call(storage)
    timings = []
    for _ in range(calls):
        began = time.perf_counter()
        await call(storage)
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return timings[len(timings) // 2], timings[min(len(timings) - 1, int(len(timings) * 0.99))]


async def _plans(path: Path, calls: Mapping[str, Callable[[Storage], Awaitable[object]]]) -> None:
    # A storage of its own: the trace stays set until it is closed, off the timed one.
    storage = await Storage.open(path)
    statements: list[str] = []
    async with storage.db.transaction() as connection:
        await connection.set_trace_callback(statements.append)
    for name, call in calls.items():
        statements.clear()
        await call(storage)
        print(f"\n  {name}:")
        for statement in list(statements):
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            rows = await storage.db.fetch_all(f"EXPLAIN QUERY PLAN {statement}")
            print(f"    {' '.join(statement.split())[:96]}…")
            for row in rows:
                print(f"      {row['detail']}")
    await storage.close()


async def measure(path: Path, calls: int, seed: int, plans: bool) -> bool:
    """Time the hot reads (and a few writes) through the repositories; True if on target."""
    rng = random.Random(seed + 1)
    storage = await Storage.open(path)
    try:
        stock_drift, money_drift = await check_consistency(storage)
        print(f"balances equal ledger sums: stock {stock_drift} off, earnings {money_drift} off")
        rows = await storage.db.fetch_all(
            "SELECT id FROM members WHERE role = 'artisan' AND status = 'active'"
        )
        artisans = [int(row[0]) for row in rows]
        models = [model.id for model in await storage.catalogue.list_active()]
        pending = [view.report.id for view in await storage.reports.review_queue(limit=calls)]
        week, month = _periods(datetime.now(UTC))

        async def my_production(store: Storage) -> None:
            artisan = rng.choice(artisans)
            await store.figures.production(artisan, *week)
            await store.figures.production(artisan, *month)

        async def stock_view(store: Storage) -> None:
            await store.stock.balances()

        async def review_queue(store: Storage) -> None:
            await store.reports.review_queue(limit=10)
            await store.reports.pending_count()

        async def recent_models(store: Storage) -> None:
            await store.catalogue.recent_for_artisan(rng.choice(artisans))

        async def my_reports(store: Storage) -> None:
            await store.reports.for_artisan(rng.choice(artisans), limit=10)

        async def month_list(store: Storage) -> None:
            await store.figures.month_by_artisan(*month)

        async def decide(store: Storage) -> None:
            report = await store.reports.get(pending.pop())
            assert report is not None
            accepted = rng.randint(0, report.quantity)
            reason = None if accepted == report.quantity else "bench"
            await store.reports.decide(report.id, accepted, reason, by=ADMINS[0])

        async def create(store: Storage) -> None:
            await store.reports.create(rng.choice(artisans), rng.choice(models), 5)

        hot = {
            "my production (week + month)": my_production,
            "stock view (balances)": stock_view,
            "review queue (10 + count)": review_queue,
        }
        if plans:
            await _plans(path, {**hot, "recent models": recent_models, "admin list": month_list})
            print()
        print(f"{'':32} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8}")
        on_target = True
        for name, call in hot.items():
            p50, p99 = await _time(calls, call, storage)
            on_target &= p99 < TARGET_P99_MS
            print(f"{name:32} {calls:6d} {p50:8.2f} {p99:8.2f}")
        print("others, no target:")
        others = [
            ("recent models", calls, recent_models),
            ("my reports (page of 10)", calls, my_reports),
            ("month by artisan (500 rows)", max(1, calls // 20), month_list),
            ("decide (get + decide, write)", min(200, len(pending) - 50), decide),
            ("create report (write)", 200, create),
        ]
        for name, count, call in others:
            if count > 0:
                p50, p99 = await _time(count, call, storage)
                print(f"{name:32} {count:6d} {p50:8.2f} {p99:8.2f}")
        return on_target
    finally:
        await storage.close()


async def _migrate(path: Path) -> None:
    storage = await Storage.open(path)
    await storage.close()


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the benchmark database, time the hot paths and print the results."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench.production", description=__doc__)
    parser.add_argument("--reports", type=int, default=1_000_000, help="reports to build")
    parser.add_argument("--db", type=Path, help="database file to build or reuse")
    parser.add_argument("--calls", type=int, default=2_000, help="timed calls per hot path")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--plans", action="store_true", help="print EXPLAIN QUERY PLAN")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kendang-bench-") as folder:
        path = arguments.db or Path(folder) / "bench.db"
        if path.exists():
            print(f"reusing {path} as it is")
        else:
            asyncio.run(_migrate(path))
            built = build(path, arguments.reports, arguments.seed)
            size = path.stat().st_size / 1e6
            print(
                f"built {path} in {built.seconds:.1f} s ({size:.0f} MB): {ARTISANS} artisans,"
                f" {MODELS} models, {built.reports:,} reports ({built.pending:,} pending),"
                f" {built.stock_movements:,} stock movements,"
                f" {built.earnings_entries:,} earnings entries"
            )
        on_target = asyncio.run(measure(path, arguments.calls, arguments.seed, arguments.plans))
    print(f"target p99 < {TARGET_P99_MS:g} ms: {'met' if on_target else 'NOT met'}")
    return 0 if on_target else 1


if __name__ == "__main__":
    sys.exit(main())
