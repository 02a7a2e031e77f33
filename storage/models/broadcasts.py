"""Admins' announcements, who they go to, and what became of each message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Audience(StrEnum):
    """Who an announcement is for."""

    EVERYONE = "everyone"
    ARTISANS = "artisans"
    BUYERS = "buyers"
    VILLAGE = "village"
    PENDING = "pending"


class BroadcastStatus(StrEnum):
    """Where an announcement stands."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """What became of one recipient's message."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class Broadcast(BaseModel):
    """An announcement and where it stands."""

    model_config = ConfigDict(frozen=True)

    id: int
    audience: Audience
    village: str | None
    locale: str
    text: str
    other_text: str | None
    photo_file_id: str | None
    status: BroadcastStatus
    send_at: datetime
    created_by: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None

    @property
    def reference(self) -> str:
        """The reference people quote, such as B-000012."""
        return f"B-{self.id:06d}"

    def text_for(self, locale: str) -> str:
        """The version for a reader of this locale, else the one given."""
        if locale != self.locale and self.other_text is not None:
            return self.other_text
        return self.text


class BroadcastDraft(BaseModel):
    """What an admin composed, before it is sent or scheduled."""

    model_config = ConfigDict(frozen=True)

    audience: Audience
    village: str | None = None
    locale: str
    text: str
    other_text: str | None = None
    photo_file_id: str | None = None


class Recipient(BaseModel):
    """A person an announcement goes to, with what picks their language."""

    model_config = ConfigDict(frozen=True)

    telegram_id: int
    chosen_locale: str | None
    language_code: str | None


class Delivery(BaseModel):
    """One recipient's message still to send."""

    model_config = ConfigDict(frozen=True)

    broadcast_id: int
    recipient: Recipient
    attempts: int


class BroadcastFigures(BaseModel):
    """How many deliveries of an announcement stand where."""

    model_config = ConfigDict(frozen=True)

    pending: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Every recipient."""
        return self.pending + self.sent + self.failed + self.unreachable + self.cancelled


class BroadcastSummary(BaseModel):
    """An announcement with its figures, for lists and progress."""

    model_config = ConfigDict(frozen=True)

    broadcast: Broadcast
    figures: BroadcastFigures
