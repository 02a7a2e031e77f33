"""Buyers' orders: their requests, the lists of them, and filling backorders from stock."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.models.members import MemberStatus, Role
from storage.models.orders import Order, OrderFill, OrderStatus, OrderView
from storage.models.stock import StockMovementKind
from storage.order_decisions import OrderDecisions
from storage.order_demand import OrderDemand
from storage.order_queries import COLUMNS, VIEW, WAITING, available_stock, fetch_order, order_view
from storage.stock import move_stock

BACKORDER_FILLED = "backorder filled"
# How long an order the buyer cancelled before a decision still counts as undecided: its card
# reached every admin all the same, and cancelling must not free a place for another at once.
WITHDRAWN_COUNTS_FOR = timedelta(hours=24)
_UNDECIDED_OF_BUYER = (
    "SELECT COUNT(*) FROM orders o JOIN members m ON m.id = o.buyer_id WHERE o.buyer_id = ?"
    " AND (o.status = 'requested' OR (o.status = 'cancelled' AND o.decided_at IS NULL"
    " AND o.closed_by = m.telegram_id AND o.closed_at > ?))"
)


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


class TooManyWaitingOrdersError(Exception):
    """The buyer already has as many undecided orders as one may have."""

    def __init__(self, buyer_id: int, limit: int) -> None:
        super().__init__(f"buyer {buyer_id} already has {limit} undecided orders")
        self.buyer_id = buyer_id
        self.limit = limit


class Orders(OrderDecisions, OrderDemand):
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
        max_waiting: int | None = None,
    ) -> tuple[Order, bool]:
        """Record a buyer's request at the model's current price; True if newly created.

        With a client_key already used, the order made then is returned with False and nothing
        is written. Raises NotAnActiveBuyerError, ModelNotOrderableError, or
        TooManyWaitingOrdersError when the buyer already has `max_waiting` undecided orders
        (see undecided_count).
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
            # Counted in the transaction that writes, so two Sends at once cannot both pass.
            if max_waiting is not None:
                params = (buyer_id, _withdrawn_since())
                async with connection.execute(_UNDECIDED_OF_BUYER, params) as cursor:
                    undecided = await cursor.fetchone()
                if undecided is not None and int(undecided[0]) >= max_waiting:
                    raise TooManyWaitingOrdersError(buyer_id, max_waiting)
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

    async def undecided_count(self, buyer_id: int) -> int:
        """Count a buyer's orders waiting for a decision or cancelled by them before one, lately."""
        params = (buyer_id, _withdrawn_since())
        return int(await self._db.fetch_value(_UNDECIDED_OF_BUYER, params))

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


def _withdrawn_since() -> str:
    """The stored time from which a withdrawn order still counts, comparable as text."""
    moment = datetime.fromisoformat(now_text()) - WITHDRAWN_COUNTS_FOR
    return moment.isoformat(timespec="seconds")


async def check_active_buyer(connection: aiosqlite.Connection, member_id: int) -> None:
    """Raise NotAnActiveBuyerError unless the member is an active buyer."""
    async with connection.execute(
        "SELECT 1 FROM members WHERE id = ? AND role = ? AND status = ?",
        (member_id, Role.BUYER, MemberStatus.ACTIVE),
    ) as cursor:
        if await cursor.fetchone() is None:
            raise NotAnActiveBuyerError(member_id)


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
