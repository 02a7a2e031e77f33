"""The containers columns and the reads of containers that several repositories share."""

from __future__ import annotations

import sqlite3

import aiosqlite

from storage.models.containers import Container

_FIELDS = (
    "id",
    "buyer_id",
    "capacity",
    "destination",
    "target_date",
    "status",
    "created_by",
    "created_at",
    "closed_at",
    "closed_by",
    "kind",
    "container_number",
    "seal_number",
    "vessel",
    "voyage",
    "port_of_loading",
    "port_of_discharge",
    "shipping_marks",
)
COLUMNS = ", ".join(_FIELDS)
# The containers columns from the alias `c`, each prefixed c_ (see container_from).
CONTAINER_COLUMNS = ", ".join(f"c.{name} AS c_{name}" for name in _FIELDS)


async def fetch_container(
    connection: aiosqlite.Connection, container_id: int | None
) -> Container | None:
    """Read one container inside the caller's transaction."""
    async with connection.execute(
        f"SELECT {COLUMNS} FROM containers WHERE id = ?", (container_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else Container.model_validate(dict(row))


def container_from(row: sqlite3.Row) -> Container:
    """Return the container in a row selected with CONTAINER_COLUMNS."""
    return Container.model_validate({name: row[f"c_{name}"] for name in _FIELDS})
