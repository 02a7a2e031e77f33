"""Artisans' drums and money over a period, one or all of them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ProductionSummary(BaseModel):
    """An artisan's drums and money in a period [start, end).

    Drum counts are of drums, not reports, by when they were reported: reported =
    accepted + rejected + pending (rejected includes the rest of partial acceptances;
    cancelled reports are left out). earned and paid are ledger entries recorded in the
    period, so a past period's money never changes; owed is overall, now.
    """

    model_config = ConfigDict(frozen=True)

    artisan_id: int
    start: datetime
    end: datetime
    reported: int
    accepted: int
    rejected: int
    pending: int
    earned: int
    paid: int
    owed: int


class ArtisanFigures(BaseModel):
    """One active artisan's line in the admins' period list (counted as ProductionSummary)."""

    model_config = ConfigDict(frozen=True)

    artisan_id: int
    name: str
    village: str | None = None
    workshop: str | None = None
    reported: int
    accepted: int
    earned: int
    paid: int
    owed: int
