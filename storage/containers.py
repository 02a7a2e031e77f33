"""Container shipments: opening them, the orders put into them, and how ready they are."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import aiosqlite

from storage.catalogue import drum_model, model_columns
from storage.clock import now_text
from storage.container_queries import COLUMNS, CONTAINER_COLUMNS, container_from, fetch_container
from storage.container_shipping import ContainerShipping, take_out
from storage.container_volume import check_volume
from storage.db import Database
from storage.models.containers import (
    Container,
    ContainerProgress,
    ContainerStatus,
    ContainerView,
    ModelProgress,
)
from storage.models.orders import OrderChange, OrderOutcome, OrderStatus, OrderView
from storage.models.packing import ContainerKind, usable_cm3
from storage.order_queries import VIEW, WAITING, fetch_order, order_view
from storage.orders import check_active_buyer

DEFAULT_CAPACITY = 3500
# The pace of production behind the estimated ready date: drums accepted in these weeks.
PACE_WEEKS = 4

_VIEW = (
    f"SELECT {CONTAINER_COLUMNS}, b.name AS buyer_name,"
    " b.company AS buyer_company, b.telegram_id AS buyer_telegram_id"
    " FROM containers c JOIN members b ON b.id = c.buyer_id"
)


class Containers(ContainerShipping):
    """Reads and writes container shipments."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        buyer_id: int,
        destination: str,
        target_date: date,
        *,
        capacity: int = DEFAULT_CAPACITY,
        kind: ContainerKind = ContainerKind.HC40,
        by: int,
    ) -> Container:
        """Open a container for an active buyer (raises NotAnActiveBuyerError otherwise)."""
        destination = destination.strip()
        if not destination:
            raise ValueError("a container needs a destination")
        if capacity < 1:
            raise ValueError("a container holds at least one drum")
        async with self._db.transaction() as connection:
            await check_active_buyer(connection, buyer_id)
            cursor = await connection.execute(
                "INSERT INTO containers (buyer_id, capacity, kind, destination, target_date,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (buyer_id, capacity, kind, destination, target_date.isoformat(), by, now_text()),
            )
            container = await fetch_container(connection, cursor.lastrowid)
        assert container is not None
        return container

    async def get(self, container_id: int) -> Container | None:
        """Return a container by id."""
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM containers WHERE id = ?", (container_id,)
        )
        return None if row is None else Container.model_validate(dict(row))

    async def view(self, container_id: int) -> ContainerView | None:
        """Return a container with its buyer."""
        row = await self._db.fetch_one(f"{_VIEW} WHERE c.id = ?", (container_id,))
        return None if row is None else _view(row)

    async def for_buyer(self, buyer_id: int, *, limit: int = 10) -> list[ContainerView]:
        """Return a buyer's containers, open ones first, then the newest."""
        rows = await self._db.fetch_all(
            f"{_VIEW} WHERE c.buyer_id = ? ORDER BY c.status != 'open', c.id DESC LIMIT ?",
            (buyer_id, limit),
        )
        return [_view(row) for row in rows]

    async def open_containers(self) -> list[ContainerView]:
        """Return every open container, by target date."""
        rows = await self._db.fetch_all(
            f"{_VIEW} WHERE c.status = 'open' ORDER BY c.target_date, c.id"
        )
        return [_view(row) for row in rows]

    async def recent(self, *, limit: int = 10) -> list[ContainerView]:
        """Return the latest containers of every buyer, open ones first."""
        rows = await self._db.fetch_all(
            f"{_VIEW} ORDER BY c.status != 'open', c.id DESC LIMIT ?", (limit,)
        )
        return [_view(row) for row in rows]

    async def orders(self, container_id: int) -> list[OrderView]:
        """Return the orders in a container (or shipped in it), oldest first."""
        rows = await self._db.fetch_all(
            # A union, not an OR, so that both lookups use their index.
            f"{VIEW} WHERE o.id IN (SELECT id FROM orders WHERE container_id = ?"
            " UNION SELECT order_id FROM shipments WHERE container_id = ?) ORDER BY o.id",
            (container_id, container_id),
        )
        return [order_view(row) for row in rows]

    async def add_order(
        self, container_id: int, order_id: int, *, by: int, usable_share: float | None = None
    ) -> OrderChange:
        """Put a confirmed order of the container's buyer into the open container.

        Refused, changing nothing, when the container is not open (CONTAINER_CLOSED), the order
        is another buyer's (OTHER_BUYER), not confirmed and outside a container (CHANGED), or
        its drums would not fit (OVER_CAPACITY, with the free room as `available`). Given the
        usable share of a container's volume, raises OverfillError, changing nothing, when the
        packed drums would take more; without it the volume is not checked (to overfill).
        """
        async with self._db.transaction() as connection:
            container = await fetch_container(connection, container_id)
            order = await fetch_order(connection, "id = ?", order_id)
            if container is None or order is None:
                return OrderChange(outcome=OrderOutcome.NOT_FOUND)
            if container.status is not ContainerStatus.OPEN:
                return OrderChange(outcome=OrderOutcome.CONTAINER_CLOSED, order=order)
            if order.buyer_id != container.buyer_id:
                return OrderChange(outcome=OrderOutcome.OTHER_BUYER, order=order)
            if order.status not in (OrderStatus.CONFIRMED, OrderStatus.BACKORDERED):
                return OrderChange(outcome=OrderOutcome.CHANGED, order=order)
            room = container.capacity - await _load(connection, container_id)
            drums = (order.confirmed or 0) - order.shipped
            if drums > room:
                return OrderChange(outcome=OrderOutcome.OVER_CAPACITY, order=order, available=room)
            if usable_share is not None:
                usable = usable_cm3(container.kind, usable_share)
                await check_volume(connection, container_id, order.model_id, drums, usable)
            await connection.execute(
                "UPDATE orders SET status = ?, container_id = ?, updated_at = ? WHERE id = ?",
                (OrderStatus.IN_CONTAINER, container_id, now_text(), order_id),
            )
            return await _order_done(connection, order_id)

    async def remove_order(self, container_id: int, order_id: int, *, by: int) -> OrderChange:
        """Take an order out of an open container; it keeps its reserved drums and backorder."""
        async with self._db.transaction() as connection:
            container = await fetch_container(connection, container_id)
            order = await fetch_order(connection, "id = ?", order_id)
            if container is None or order is None:
                return OrderChange(outcome=OrderOutcome.NOT_FOUND)
            if container.status is not ContainerStatus.OPEN:
                return OrderChange(outcome=OrderOutcome.CONTAINER_CLOSED, order=order)
            if order.container_id != container_id or order.status is not OrderStatus.IN_CONTAINER:
                return OrderChange(outcome=OrderOutcome.CHANGED, order=order)
            await take_out(connection, order_id)
            return await _order_done(connection, order_id)

    async def shipped_quantity(self, container_id: int) -> int:
        """Count the drums that left in this container."""
        return int(
            await self._db.fetch_value(
                "SELECT COALESCE(SUM(quantity), 0) FROM shipments WHERE container_id = ?",
                (container_id,),
            )
        )

    async def progress(self, container_id: int, now: datetime) -> ContainerProgress | None:
        """Return what is ready and still to make in a container, and the recent pace."""
        view = await self.view(container_id)
        if view is None:
            return None
        orders = await self.orders(container_id)
        since = (now - timedelta(weeks=PACE_WEEKS)).astimezone(UTC).isoformat(timespec="seconds")
        in_it = [v.order for v in orders if v.order.status is OrderStatus.IN_CONTAINER]
        last_order: dict[int, int] = {}
        for order in in_it:
            last_order[order.model_id] = max(order.id, last_order.get(order.model_id, 0))
        rows = await self._model_figures(sorted(last_order.items()), since)
        lines = [
            ModelProgress(
                model=drum_model(row, "m_"),
                ready=sum(order.reserved for order in in_it if order.model_id == row["m_id"]),
                to_make=sum(order.outstanding for order in in_it if order.model_id == row["m_id"]),
                queue=int(row["queue"]),
                accepted_recently=int(row["made"]),
                weeks=PACE_WEEKS,
            )
            for row in rows
        ]
        return ContainerProgress(
            view=view,
            orders=orders,
            models=lines,
            shipped=await self.shipped_quantity(container_id),
        )

    async def _model_figures(
        self, last_orders: list[tuple[int, int]], since: str
    ) -> list[sqlite3.Row]:
        # One query for all the container's models: per model, the backorders queued up to
        # the container's last order of it, and the drums accepted since `since`.
        if not last_orders:
            return []
        values = ", ".join("(?, ?)" for _ in last_orders)
        return await self._db.fetch_all(
            f"WITH wanted (model_id, last_order) AS (VALUES {values})"
            f" SELECT {model_columns('d', 'm_')},"
            " (SELECT COALESCE(SUM(o.confirmed - o.reserved - o.shipped), 0) FROM orders o"
            f"  WHERE o.model_id = d.id AND o.id <= w.last_order AND {WAITING}) AS queue,"
            " (SELECT COALESCE(SUM(s.on_hand_delta), 0) FROM stock_movements s"
            "  WHERE s.kind = 'accepted' AND s.created_at >= ? AND s.model_id = d.id) AS made"
            " FROM wanted w JOIN drum_models d ON d.id = w.model_id ORDER BY d.id",
            [value for pair in last_orders for value in pair] + [since],
        )


async def _load(connection: aiosqlite.Connection, container_id: int) -> int:
    async with connection.execute(
        "SELECT COALESCE(SUM(confirmed - shipped), 0) FROM orders"
        " WHERE container_id = ? AND status = ?",
        (container_id, OrderStatus.IN_CONTAINER),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _order_done(connection: aiosqlite.Connection, order_id: int) -> OrderChange:
    order = await fetch_order(connection, "id = ?", order_id)
    assert order is not None
    return OrderChange(outcome=OrderOutcome.DONE, order=order)


def _view(row: sqlite3.Row) -> ContainerView:
    return ContainerView(
        container=container_from(row),
        buyer_name=row["buyer_name"],
        buyer_company=row["buyer_company"],
        buyer_telegram_id=row["buyer_telegram_id"],
    )
