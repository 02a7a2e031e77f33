"""Closing containers: shipping their ready drums, or cancelling them."""

from __future__ import annotations

import aiosqlite

from storage.clock import now_text
from storage.container_queries import fetch_container
from storage.db import Database
from storage.models.containers import ContainerChange, ContainerStatus, ShippingDetails
from storage.models.orders import OrderOutcome, OrderStatus
from storage.models.stock import StockMovementKind
from storage.order_queries import fetch_order
from storage.stock import move_stock


class ContainerShipping:
    """The part of Containers that ships and cancels containers."""

    _db: Database

    async def cancel(self, container_id: int, *, by: int) -> ContainerChange:
        """Cancel an open container; its orders come out of it, keeping their drums."""
        async with self._db.transaction() as connection:
            container = await fetch_container(connection, container_id)
            if container is None:
                return ContainerChange(outcome=OrderOutcome.NOT_FOUND)
            if container.status is not ContainerStatus.OPEN:
                return ContainerChange(outcome=OrderOutcome.CONTAINER_CLOSED, container=container)
            return await _close(connection, container_id, ContainerStatus.CANCELLED, by)

    async def ship(
        self, container_id: int, *, by: int, details: ShippingDetails | None = None
    ) -> ContainerChange:
        """Ship an open container: its orders' ready drums leave stock, in one transaction.

        An order shipped whole becomes SHIPPED; one with drums still to make goes back to
        BACKORDERED outside the container, its shipped drums counted, to follow in another.
        The shipping details, when given, are stored with it. Nothing changes when the
        container is not open or has no drum ready.
        """
        async with self._db.transaction() as connection:
            container = await fetch_container(connection, container_id)
            if container is None:
                return ContainerChange(outcome=OrderOutcome.NOT_FOUND)
            if container.status is not ContainerStatus.OPEN:
                return ContainerChange(outcome=OrderOutcome.CONTAINER_CLOSED, container=container)
            ready_ids = await _orders_in(connection, container_id, ready_only=True)
            if not ready_ids:
                return ContainerChange(outcome=OrderOutcome.NOTHING_READY, container=container)
            now = now_text()
            for order_id in ready_ids:
                order = await fetch_order(connection, "id = ?", order_id)
                assert order is not None
                await move_stock(
                    connection,
                    order.model_id,
                    StockMovementKind.SHIPPED,
                    on_hand_delta=-order.reserved,
                    reserved_delta=-order.reserved,
                    order_id=order_id,
                    reason=container.reference,
                    by=by,
                )
                await connection.execute(
                    "INSERT INTO shipments (container_id, order_id, model_id, quantity,"
                    " shipped_at) VALUES (?, ?, ?, ?, ?)",
                    (container_id, order_id, order.model_id, order.reserved, now),
                )
                shipped = order.shipped + order.reserved
                whole = shipped == order.confirmed
                await connection.execute(
                    "UPDATE orders SET status = ?, reserved = 0, shipped = ?, container_id = ?,"
                    " closed_at = ?, closed_by = ?, updated_at = ? WHERE id = ?",
                    (
                        OrderStatus.SHIPPED if whole else OrderStatus.BACKORDERED,
                        shipped,
                        container_id if whole else None,
                        now if whole else None,
                        by if whole else None,
                        now,
                        order_id,
                    ),
                )
            if details is not None:
                await _store_details(connection, container_id, details)
            # Orders with nothing ready stay backorders, out of the shipped container.
            return await _close(connection, container_id, ContainerStatus.SHIPPED, by)


async def take_out(connection: aiosqlite.Connection, order_id: int) -> None:
    """Take an order out of its container, back to confirmed or backordered."""
    await connection.execute(
        "UPDATE orders SET status = CASE WHEN reserved + shipped = confirmed THEN ? ELSE ? END,"
        " container_id = NULL, updated_at = ? WHERE id = ?",
        (OrderStatus.CONFIRMED, OrderStatus.BACKORDERED, now_text(), order_id),
    )


async def _orders_in(
    connection: aiosqlite.Connection, container_id: int, *, ready_only: bool = False
) -> list[int]:
    ready = " AND reserved > 0" if ready_only else ""
    async with connection.execute(
        f"SELECT id FROM orders WHERE container_id = ? AND status = ?{ready}",
        (container_id, OrderStatus.IN_CONTAINER),
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def _store_details(
    connection: aiosqlite.Connection, container_id: int, details: ShippingDetails
) -> None:
    await connection.execute(
        "UPDATE containers SET container_number = ?, seal_number = ?, vessel = ?, voyage = ?,"
        " port_of_loading = ?, port_of_discharge = ?, shipping_marks = ? WHERE id = ?",
        (
            details.container_number,
            details.seal_number,
            details.vessel,
            details.voyage,
            details.port_of_loading,
            details.port_of_discharge,
            details.shipping_marks,
            container_id,
        ),
    )


async def _close(
    connection: aiosqlite.Connection, container_id: int, status: ContainerStatus, by: int
) -> ContainerChange:
    """Take out the orders still in the container, close it, and return it as it is now."""
    for order_id in await _orders_in(connection, container_id):
        await take_out(connection, order_id)
    await connection.execute(
        "UPDATE containers SET status = ?, closed_at = ?, closed_by = ? WHERE id = ?",
        (status, now_text(), by, container_id),
    )
    return ContainerChange(
        outcome=OrderOutcome.DONE, container=await fetch_container(connection, container_id)
    )
