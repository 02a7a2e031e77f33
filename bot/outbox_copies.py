"""Copies of a card (an order, a report, a registration, a village change) sent to admins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from storage import Storage

CopyKind = Literal["order", "report", "member", "village", "inbox"]
CopyRecorder = Callable[[int, int, int], Awaitable[None]]


def copy_name(kind: CopyKind, entity_id: int) -> str:
    """Name the card a message is a copy of, for `copy_of`: "order:12"."""
    return f"{kind}:{entity_id}"


async def record_copy(storage: Storage, copy_of: str, chat_id: int, message_id: int) -> None:
    """Remember a sent copy of a card, so that later decisions edit it too."""
    kind, _, entity = copy_of.partition(":")
    # The one place that knows where each kind of card keeps its copies.
    recorders: dict[str, CopyRecorder] = {
        "order": storage.orders.add_message,
        "report": storage.reports.add_message,
        "member": storage.members.add_approval_message,
        "inbox": storage.inbox.add_copy,
        "village": storage.members.add_village_request_message,
    }
    recorder = recorders.get(kind)
    if recorder is None or not (entity.isascii() and entity.isdigit()):
        raise ValueError(f"not a copy of a known card: {copy_of!r}")
    await recorder(int(entity), chat_id, message_id)
