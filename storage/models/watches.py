"""Buyers waiting for a model's stock, and the alerts when it arrives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel


class Watch(BaseModel):
    """A buyer waiting for a model's available stock to reach a quantity."""

    model_config = ConfigDict(frozen=True)

    id: int
    buyer_id: int
    model_id: int
    quantity: int
    created_at: datetime
    notified_at: datetime | None = None
    stopped_at: datetime | None = None


class WatchAlert(BaseModel):
    """A watch whose quantity became available: its buyer is to be told, once."""

    model_config = ConfigDict(frozen=True)

    watch: Watch
    model: DrumModel
    buyer_telegram_id: int
    available: int
