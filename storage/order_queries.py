"""The orders columns, the order view and the reads of orders that several repositories share."""

from __future__ import annotations

import sqlite3

import aiosqlite

from storage.catalogue import drum_model, model_columns
from storage.models.orders import Order, OrderView

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
# Backorders still waiting for drums (`o` is the alias of orders).
WAITING = "o.status IN ('backordered', 'in_container') AND o.reserved + o.shipped < o.confirmed"


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
