"""The storage layer's notion of now, as stored text."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def now_text() -> str:
    """Return the current UTC time as ISO 8601 text for storing."""
    return utc_now().isoformat(timespec="seconds")
