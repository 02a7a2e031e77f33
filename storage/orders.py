"""Buyers' orders: requests, the admins' decisions, reservations and backorders."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import aiosqlite

from storage.catalogue import ORDER, drum_model, model_columns
from storage.clock import now_text
from storage.db import Database
from storage.models import (
    CANCELLABLE_ORDER_STATUSES,
    Backorder,
    Demand,
    MemberStatus,
    Order,
    OrderChange,
    OrderFill,
    OrderOutcome,
    OrderStatus,
    OrderView,
    Role,
    StockMovementKind,
)
from storage.stock import move_stock

_FIELDS = (
    "id",
    "buyer_id",
    "model_id",
    "quantity",
    "unit_price",
    "note",
    "status",
    "confirmed",
    "reserved",
    "shipped",
    "container_id",
    "client_key",
    "requested_at",
    "decided_at",
    "decided_by",
    "closed_at",
    "closed_by",
    "updated_at",
)
COLUMNS = ", ".join(_FIELDS)
VIEW = (
    f"SELECT {', '.join(f'o.{name} AS o_{name}' for name in _FIELDS)}, {model_columns('d', 'm_')},"
    " b.name AS buyer_name, b.company AS buyer_company, b.country AS buyer_country,"
    " b.telegram_id AS buyer_telegram_id"
    " FROM orders o JOIN members b ON b.id = o.buyer_id JOIN drum_models d ON d.id = o.model_id"
)
BACKORDER_FILLED = "backorder filled"
# Backorders still waiting for drums (`o` is the alias of orders).
WAITING = "o.status IN ('backordered', 'in_container') AND o.reserved + o.shipped < o.confirmed"


class NotAnActiveBuyerError(Exception):
    """Only an active buyer member can order drums or have a container."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} is not an active buyer")
        self.member_id = member_id


class ModelNotOrderableError(Exception):
    """The model does not exist or is retired, so it cannot be ordered."""

    def __init__(self, model_id: int) -> None:
        super().__init__(f"model {model_id} is not in the active catalogue")
        self.model_id = model_id


class Orders:
    """Reads and writes orders and the stock they set aside."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        buyer_id: int,
        model_id: int,
        quantity: int,
        *,
        note: str | None = None,
        client_key: str | None = None,
    ) -> tuple[Order, bool]:
        """Record a buyer's request at the model's current price; True if newly created.

        With a client_key already used, the order made then is returned with False and nothing
        is written. Raises NotAnActiveBuyerError or ModelNotOrderableError.
        """
        if quantity < 1:
            raise ValueError("an order is of at least one drum")
        note = (note or "").strip() or None
        async with self._db.transaction() as connection:
            if client_key is not None:
                existing = await fetch_order(connection, "client_key = ?", client_key)
                if existing is not None:
                    if existing.buyer_id != buyer_id:
                        raise ValueError("this client_key belongs to another buyer's order")
                    return existing, False
            await check_active_buyer(connection, buyer_id)
            async with connection.execute(
                "SELECT buyer_price FROM drum_models WHERE id = ? AND active = 1", (model_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise ModelNotOrderableError(model_id)
            now = now_text()
            cursor = await connection.execute(
                "INSERT INTO orders (buyer_id, model_id, quantity, unit_price, note, client_key,"
                " requested_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (buyer_id, model_id, quantity, int(row[0]), note, client_key, now, now),
            )
            order = await fetch_order(connection, "id = ?", cursor.lastrowid)
        assert order is not None
        return order, True

    async def get(self, order_id: int) -> Order | None:
        """Return an order by id."""
        row = await self._db.fetch_one(f"SELECT {COLUMNS} FROM orders WHERE id = ?", (order_id,))
        return None if row is None else Order.model_validate(dict(row))

    async def view(self, order_id: int) -> OrderView | None:
        """Return an order with its model and buyer."""
        row = await self._db.fetch_one(f"{VIEW} WHERE o.id = ?", (order_id,))
        return None if row is None else order_view(row)

    async def for_buyer(
        self, buyer_id: int, *, limit: int = 10, offset: int = 0
    ) -> list[OrderView]:
        """Return one page of a buyer's orders, newest first."""
        rows = await self._db.fetch_all(
            f"{VIEW} WHERE o.buyer_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?",
            (buyer_id, limit, offset),
        )
        return [order_view(row) for row in rows]

    async def count_for_buyer(self, buyer_id: int) -> int:
        """Count a buyer's orders."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM orders WHERE buyer_id = ?", (buyer_id,)
            )
        )

    async def requested(self, *, limit: int = 10, offset: int = 0) -> list[OrderView]:
        """Return one page of orders waiting for an admin's decision, oldest first."""
        rows = await self._db.fetch_all(
            f"{VIEW} WHERE o.status = 'requested' ORDER BY o.id LIMIT ? OFFSET ?", (limit, offset)
        )
        return [order_view(row) for row in rows]

    async def requested_count(self) -> int:
        """Count orders waiting for an admin's decision."""
        return int(
            await self._db.fetch_value("SELECT COUNT(*) FROM orders WHERE status = 'requested'")
        )

    async def open_orders(self, *, limit: int = 10, offset: int = 0) -> list[OrderView]:
        """Return one page of confirmed orders not yet shipped, oldest first."""
        rows = await self._db.fetch_all(
            f"{VIEW} WHERE o.status IN ('confirmed', 'backordered', 'in_container')"
            " ORDER BY o.id LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [order_view(row) for row in rows]

    async def ready_for_container(self, buyer_id: int) -> list[OrderView]:
        """Return a buyer's confirmed orders not in a container, oldest first."""
        rows = await self._db.fetch_all(
            f"{VIEW} WHERE o.buyer_id = ? AND o.status IN ('confirmed', 'backordered')"
            " ORDER BY o.id",
            (buyer_id,),
        )
        return [order_view(row) for row in rows]

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

    async def allocate(
        self, model_id: int, *, by: int | None = None, update_id: int | None = None
    ) -> list[OrderFill]:
        """Set available drums of a model aside for its backorders, oldest order first.

        Call it whenever a model's available stock may have grown (drums accepted, an order
        cancelled, a count corrected upwards). It only ever reserves what is available, so
        calling it again changes nothing. The reservations remember `update_id`, the Telegram
        update that made them: called again for that update (delivered again after a crash),
        the fills it made before are returned too, so that their buyers are told.
        """
        async with self._db.transaction() as connection:
            fills = await _fills_made_in(connection, model_id, update_id)
            available = await available_stock(connection, model_id)
            if available <= 0:
                return fills
            async with connection.execute(
                f"{VIEW} WHERE o.model_id = ? AND {WAITING} ORDER BY o.id", (model_id,)
            ) as cursor:
                waiting = [order_view(row) for row in await cursor.fetchall()]
            for view in waiting:
                if available == 0:
                    break
                order = view.order
                take = min(available, order.outstanding)
                await move_stock(
                    connection,
                    model_id,
                    StockMovementKind.RESERVED,
                    reserved_delta=take,
                    order_id=order.id,
                    reason=BACKORDER_FILLED,
                    by=by,
                    update_id=update_id,
                )
                status = order.status
                if status is OrderStatus.BACKORDERED and take == order.outstanding:
                    status = OrderStatus.CONFIRMED
                await connection.execute(
                    "UPDATE orders SET status = ?, reserved = reserved + ?, updated_at = ?"
                    " WHERE id = ?",
                    (status, take, now_text(), order.id),
                )
                filled = await fetch_order(connection, "id = ?", order.id)
                assert filled is not None
                fills.append(
                    OrderFill(
                        order=filled,
                        model=view.model,
                        buyer_telegram_id=view.buyer_telegram_id,
                        filled=take,
                    )
                )
                available -= take
        return fills

    async def backorders(self) -> list[Backorder]:
        """Return every backorder still waiting for drums, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT o.id, o.confirmed - o.reserved - o.shipped AS outstanding,"
            f" o.decided_at, c.target_date, {model_columns('d', 'm_')}"
            " FROM orders o JOIN drum_models d ON d.id = o.model_id"
            " LEFT JOIN containers c ON c.id = o.container_id"
            f" WHERE {WAITING} ORDER BY o.id"
        )
        return [
            Backorder(
                order_id=row["id"],
                model=drum_model(row, "m_"),
                outstanding=row["outstanding"],
                confirmed_at=row["decided_at"],
                needed_by=None
                if row["target_date"] is None
                else date.fromisoformat(row["target_date"]),
            )
            for row in rows
        ]

    async def demand(self, utc_offset: timedelta) -> list[Demand]:
        """Return the drums still to make for backorders, per model and month needed.

        `utc_offset` places the confirmation time in the cooperative's calendar.
        """
        shift = f"{utc_offset.total_seconds():+.0f} seconds"
        rows = await self._db.fetch_all(
            f"SELECT {model_columns('d', 'm_')}, w.month, w.outstanding, w.orders FROM"
            " (SELECT o.model_id,"
            "  COALESCE(substr(c.target_date, 1, 7), strftime('%Y-%m', o.decided_at, ?))"
            "  || '-01' AS month,"
            "  SUM(o.confirmed - o.reserved - o.shipped) AS outstanding, COUNT(*) AS orders"
            "  FROM orders o LEFT JOIN containers c ON c.id = o.container_id"
            f"  WHERE {WAITING} GROUP BY o.model_id, month) w"
            f" JOIN drum_models d ON d.id = w.model_id ORDER BY w.month, {ORDER}",
            (shift,),
        )
        return [
            Demand(
                model=drum_model(row, "m_"),
                month=date.fromisoformat(row["month"]),
                outstanding=row["outstanding"],
                orders=row["orders"],
            )
            for row in rows
        ]

    async def add_message(self, order_id: int, chat_id: int, message_id: int) -> None:
        """Remember a copy of an order request sent to an admin, to update it once decided."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT OR IGNORE INTO order_messages (order_id, chat_id, message_id)"
                " VALUES (?, ?, ?)",
                (order_id, chat_id, message_id),
            )

    async def messages(self, order_id: int) -> list[tuple[int, int]]:
        """Return (chat_id, message_id) of every copy of this order sent to admins."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM order_messages WHERE order_id = ?", (order_id,)
        )
        return [(int(row[0]), int(row[1])) for row in rows]


async def fetch_order(connection: aiosqlite.Connection, where: str, value: object) -> Order | None:
    """Read one order inside the caller's transaction."""
    async with connection.execute(f"SELECT {COLUMNS} FROM orders WHERE {where}", (value,)) as c:
        row = await c.fetchone()
    return None if row is None else Order.model_validate(dict(row))


async def available_stock(connection: aiosqlite.Connection, model_id: int) -> int:
    """Return a model's drums on hand and not reserved, inside the caller's transaction."""
    async with connection.execute(
        "SELECT on_hand - reserved FROM stock_balances WHERE model_id = ?", (model_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


async def check_active_buyer(connection: aiosqlite.Connection, member_id: int) -> None:
    """Raise NotAnActiveBuyerError unless the member is an active buyer."""
    async with connection.execute(
        "SELECT 1 FROM members WHERE id = ? AND role = ? AND status = ?",
        (member_id, Role.BUYER, MemberStatus.ACTIVE),
    ) as cursor:
        if await cursor.fetchone() is None:
            raise NotAnActiveBuyerError(member_id)


def order_view(row: sqlite3.Row) -> OrderView:
    """Build an OrderView from a row of VIEW."""
    return OrderView(
        order=Order.model_validate({name: row[f"o_{name}"] for name in _FIELDS}),
        model=drum_model(row, "m_"),
        buyer_name=row["buyer_name"],
        buyer_company=row["buyer_company"],
        buyer_country=row["buyer_country"],
        buyer_telegram_id=row["buyer_telegram_id"],
    )


async def _fills_made_in(
    connection: aiosqlite.Connection, model_id: int, update_id: int | None
) -> list[OrderFill]:
    """The backorders of a model that this update filled before, as the orders stand now."""
    if update_id is None:
        return []
    async with connection.execute(
        "SELECT order_id, reserved_delta FROM stock_movements"
        " WHERE update_id = ? AND model_id = ? AND reason = ? ORDER BY id",
        (update_id, model_id, BACKORDER_FILLED),
    ) as cursor:
        made = list(await cursor.fetchall())
    fills = []
    for order_id, filled in made:
        async with connection.execute(f"{VIEW} WHERE o.id = ?", (order_id,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        view = order_view(row)
        fills.append(
            OrderFill(
                order=view.order,
                model=view.model,
                buyer_telegram_id=view.buyer_telegram_id,
                filled=filled,
            )
        )
    return fills


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
