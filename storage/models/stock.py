"""The stock ledger: its movements and each model's balance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel


class StockMovementKind(StrEnum):
    """Why the stock of a model changed."""

    ACCEPTED = "accepted"
    RESERVED = "reserved"
    RELEASED = "released"
    SHIPPED = "shipped"
    CORRECTION = "correction"


class StockMovement(BaseModel):
    """One append-only entry of the stock ledger."""

    model_config = ConfigDict(frozen=True)

    id: int
    model_id: int
    kind: StockMovementKind
    on_hand_delta: int
    reserved_delta: int
    report_id: int | None = None
    order_id: int | None = None
    reason: str | None = None
    created_by: int | None = None
    created_at: datetime


class StockBalance(BaseModel):
    """How many drums of a model the cooperative holds, and how many are promised."""

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """Drums on hand and not reserved for an order."""
        return self.on_hand - self.reserved
