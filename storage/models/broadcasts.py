"""Admins' announcements, who they go to, and what became of each message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


# The versions a reader gets when there is none in their language, nearest first. A Chinese
# reader is most likely a buyer, who trades in English. Indonesian and English share a script
# (and to an English reader Indonesian is the cooperative's own language, which translating apps
# know well), so their readers take each other's version before a Chinese one. A reader of any
# other locale gets the written version.
FALLBACKS: dict[str, tuple[str, ...]] = {"zh": ("en", "id"), "id": ("en", "zh"), "en": ("id", "zh")}


class Wording(BaseModel):
    """An announcement's text: the version it was written in and those added in other languages."""

    model_config = ConfigDict(frozen=True)

    locale: str
    text: str
    # Locale to text, for the languages besides the written one.
    versions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _written_once(self) -> Wording:
        if self.locale in self.versions:
            raise ValueError("the written version is not also an added one")
        return self

    @property
    def locales(self) -> list[str]:
        """The languages it has a version in, the written one first."""
        return [self.locale, *self.versions]

    def version_for(self, locale: str) -> str:
        """The language of the version a reader of this locale gets."""
        for candidate in (locale, *FALLBACKS.get(locale, ())):
            if candidate in self.locales:
                return candidate
        return self.locale

    def text_for(self, locale: str) -> str:
        """The version for a reader of this locale: their own, else the nearest one."""
        chosen = self.version_for(locale)
        return self.text if chosen == self.locale else self.versions[chosen]


class Broadcast(Wording):
    """An announcement and where it stands."""

    id: int
    audience: Audience
    village: str | None
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


class BroadcastDraft(Wording):
    """What an admin composed, before it is sent or scheduled."""

    audience: Audience
    village: str | None = None
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
