"""Artisans' earnings ledger and what they are owed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class EarningsKind(StrEnum):
    """Why an artisan's earnings changed."""

    CREDIT = "credit"
    PAYMENT = "payment"
    CORRECTION = "correction"


class EarningsEntry(BaseModel):
    """One append-only entry of an artisan's earnings: credits positive, payments negative."""

    model_config = ConfigDict(frozen=True)

    id: int
    artisan_id: int
    kind: EarningsKind
    amount: int
    report_id: int | None = None
    note: str | None = None
    paid_on: date | None = None
    created_by: int | None = None
    created_at: datetime
    reverses: int | None = None


class ArtisanBalance(BaseModel):
    """What an artisan has earned and been paid overall, in Rupiah."""

    model_config = ConfigDict(frozen=True)

    artisan_id: int
    earned: int
    paid: int

    @property
    def owed(self) -> int:
        """What the cooperative still owes the artisan."""
        return self.earned - self.paid
