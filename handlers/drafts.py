"""What a person's multi-step flow keeps between steps, in their persisted user data."""

from __future__ import annotations

from typing import Any

from bot.context import BotContext

# How many sent drafts a person's flow remembers, to answer a Send tapped again.
SENT_REMEMBERED = 5


def draft(context: BotContext, key: str) -> dict[str, Any]:
    """Return the draft kept under `key`, made empty on first use."""
    assert context.user_data is not None
    kept: dict[str, Any] = context.user_data.setdefault(key, {})
    return kept


def discard(context: BotContext, key: str) -> None:
    """Forget the draft kept under `key`."""
    if context.user_data is not None:
        context.user_data.pop(key, None)


def remember_sent(context: BotContext, key: str, client_key: str, record_id: int) -> None:
    """Remember what a draft's Send made, keeping only the latest few."""
    sent: dict[str, int] = draft(context, key)
    sent[client_key] = record_id
    for old in list(sent)[:-SENT_REMEMBERED]:
        del sent[old]


def sent_record(context: BotContext, key: str, client_key: str) -> int | None:
    """Return the id a draft's Send made, if it is still remembered."""
    sent: dict[str, int] = (context.user_data or {}).get(key, {})
    return sent.get(client_key)
