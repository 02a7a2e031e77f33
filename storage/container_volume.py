"""The volume a container's planned drums take, read inside a transaction that fills it."""

from __future__ import annotations

import aiosqlite

from storage.catalogue import drum_model, model_columns
from storage.models.orders import OrderStatus


class OverfillError(Exception):
    """An order would take a container past its usable volume; nothing was changed."""

    def __init__(self, used_cm3: int, order_cm3: int, usable_cm3: int) -> None:
        super().__init__(f"{used_cm3} + {order_cm3} cm3 is more than the usable {usable_cm3}")
        self.used_cm3 = used_cm3
        self.order_cm3 = order_cm3
        self.usable_cm3 = usable_cm3

    @property
    def over_cm3(self) -> int:
        """How far the container would go past its usable volume."""
        return self.used_cm3 + self.order_cm3 - self.usable_cm3


async def planned_cm3(connection: aiosqlite.Connection, container_id: int) -> int:
    """Return the volume of the drums planned in a container, each order packed on its own."""
    async with connection.execute(
        f"SELECT COALESCE(o.confirmed, 0) - o.shipped AS drums, {model_columns('d', 'm_')}"
        " FROM orders o JOIN drum_models d ON d.id = o.model_id"
        " WHERE o.container_id = ? AND o.status = ?",
        (container_id, OrderStatus.IN_CONTAINER),
    ) as cursor:
        rows = await cursor.fetchall()
    return sum(drum_model(row, "m_").packing.cm3(int(row["drums"])) for row in rows)


async def check_volume(
    connection: aiosqlite.Connection, container_id: int, model_id: int, drums: int, usable: int
) -> None:
    """Raise OverfillError if these drums, packed, would not fit in the container's volume."""
    async with connection.execute(
        f"SELECT {model_columns('d')} FROM drum_models d WHERE d.id = ?", (model_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    used, needed = await planned_cm3(connection, container_id), drum_model(row).packing.cm3(drums)
    if used + needed > usable:
        raise OverfillError(used, needed, usable)
