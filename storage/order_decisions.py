"""Deciding on orders: an admin confirms or declines them, a buyer or an admin cancels them."""

from __future__ import annotations

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.models.orders import (
    CANCELLABLE_ORDER_STATUSES,
    Order,
    OrderChange,
    OrderOutcome,
    OrderStatus,
)
from storage.models.stock import StockMovementKind
from storage.order_queries import available_stock, fetch_order
from storage.stock import move_stock


class OrderDecisions:
    """The part of Orders that confirms, declines and cancels orders."""

    _db: Database

    async def confirm(
        self,
        order_id: int,
        *,
        reserve: int | None = None,
        backorder: bool = False,
        by: int,
        update_id: int | None = None,
    ) -> OrderChange:
        """Confirm a requested order and set its drums aside, in one transaction.

        With backorder, all the drums asked for are confirmed: those available now are
        reserved and the rest wait as a backorder. Otherwise exactly `reserve` drums (all of
        them when None) are confirmed and reserved; if fewer are available now, nothing
        changes and the outcome is STOCK_SHORT with what is available. The decision
        remembers `update_id`, the Telegram update that made it: that update delivered again
        after a crash gets DONE back, so that its caller finishes telling everyone.
        """
        async with self._db.transaction() as connection:
            order = await fetch_order(connection, "id = ?", order_id)
            if order is None:
                return OrderChange(outcome=OrderOutcome.NOT_FOUND)
            if order.status is not OrderStatus.REQUESTED:
                return await _decided_before(connection, order, update_id)
            available = await available_stock(connection, order.model_id)
            if backorder:
                confirmed, take = order.quantity, min(available, order.quantity)
            else:
                confirmed = order.quantity if reserve is None else reserve
                if not 1 <= confirmed <= order.quantity:
                    raise ValueError(f"confirm between 1 and {order.quantity} drums")
                if confirmed > available:
                    return OrderChange(
                        outcome=OrderOutcome.STOCK_SHORT, order=order, available=available
                    )
                take = confirmed
            if take > 0:
                await move_stock(
                    connection,
                    order.model_id,
                    StockMovementKind.RESERVED,
                    reserved_delta=take,
                    order_id=order_id,
                    by=by,
                )
            now = now_text()
            status = OrderStatus.CONFIRMED if take == confirmed else OrderStatus.BACKORDERED
            await connection.execute(
                "UPDATE orders SET status = ?, confirmed = ?, reserved = ?, decided_at = ?,"
                " decided_by = ?, decision_update_id = ?, updated_at = ? WHERE id = ?",
                (status, confirmed, take, now, by, update_id, now, order_id),
            )
            return await _done(connection, order_id)

    async def decline(self, order_id: int, *, by: int, update_id: int | None = None) -> OrderChange:
        """Decline a requested order; any other order is left as it is (CHANGED).

        As with confirm, the update that declined it gets DONE back when delivered again.
        """
        async with self._db.transaction() as connection:
            order = await fetch_order(connection, "id = ?", order_id)
            if order is None:
                return OrderChange(outcome=OrderOutcome.NOT_FOUND)
            if order.status is not OrderStatus.REQUESTED:
                return await _decided_before(connection, order, update_id)
            now = now_text()
            await connection.execute(
                "UPDATE orders SET status = ?, decided_at = ?, decided_by = ?,"
                " decision_update_id = ?, updated_at = ? WHERE id = ?",
                (OrderStatus.DECLINED, now, by, update_id, now, order_id),
            )
            return await _done(connection, order_id)

    async def cancel(
        self, order_id: int, *, buyer_id: int | None, by: int, update_id: int | None = None
    ) -> OrderChange:
        """Cancel an order not yet in a container and release its reserved drums.

        With buyer_id, only that buyer's order (else NOT_YOURS, telling nothing about it);
        without, an admin cancels. An order in a container, shipped, declined or cancelled is
        left as it is (CHANGED), except for the update that cancelled it (`update_id`),
        delivered again after a crash: it gets DONE back, so that its caller finishes telling
        everyone. Afterwards call allocate() for the model: the released drums may fill other
        backorders.
        """
        async with self._db.transaction() as connection:
            order = await fetch_order(connection, "id = ?", order_id)
            if order is None:
                return OrderChange(outcome=OrderOutcome.NOT_FOUND)
            if buyer_id is not None and order.buyer_id != buyer_id:
                return OrderChange(outcome=OrderOutcome.NOT_YOURS)
            if order.status not in CANCELLABLE_ORDER_STATUSES:
                return await _cancelled_before(connection, order, update_id)
            if order.reserved > 0:
                await move_stock(
                    connection,
                    order.model_id,
                    StockMovementKind.RELEASED,
                    reserved_delta=-order.reserved,
                    order_id=order_id,
                    reason="order cancelled",
                    by=by,
                    update_id=update_id,
                )
            now = now_text()
            await connection.execute(
                "UPDATE orders SET status = ?, reserved = 0, closed_at = ?, closed_by = ?,"
                " closed_update_id = ?, updated_at = ? WHERE id = ?",
                (OrderStatus.CANCELLED, now, by, update_id, now, order_id),
            )
            done = await _done(connection, order_id)
            return done.model_copy(update={"released": order.reserved})


async def _decided_before(
    connection: aiosqlite.Connection, order: Order, update_id: int | None
) -> OrderChange:
    """DONE when this update made the decision (delivered again), else CHANGED."""
    async with connection.execute(
        "SELECT decision_update_id FROM orders WHERE id = ?", (order.id,)
    ) as cursor:
        row = await cursor.fetchone()
    again = update_id is not None and row is not None and row[0] == update_id
    return OrderChange(outcome=OrderOutcome.DONE if again else OrderOutcome.CHANGED, order=order)


async def _cancelled_before(
    connection: aiosqlite.Connection, order: Order, update_id: int | None
) -> OrderChange:
    """DONE, with the drums it released, when this update cancelled the order; else CHANGED."""
    if update_id is None or order.status is not OrderStatus.CANCELLED:
        return OrderChange(outcome=OrderOutcome.CHANGED, order=order)
    async with connection.execute(
        "SELECT o.closed_update_id, (SELECT COALESCE(-SUM(s.reserved_delta), 0)"
        "  FROM stock_movements s WHERE s.update_id = ? AND s.order_id = o.id)"
        " FROM orders o WHERE o.id = ?",
        (update_id, order.id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != update_id:
        return OrderChange(outcome=OrderOutcome.CHANGED, order=order)
    return OrderChange(outcome=OrderOutcome.DONE, order=order, released=int(row[1]))


async def _done(connection: aiosqlite.Connection, order_id: int) -> OrderChange:
    order = await fetch_order(connection, "id = ?", order_id)
    assert order is not None
    return OrderChange(outcome=OrderOutcome.DONE, order=order)
