"""Foreign currencies buyers may see prices in, and their Rupiah rates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Currency(StrEnum):
    """A foreign currency buyers may see prices in."""

    USD = "USD"
    CNY = "CNY"


class ExchangeRate(BaseModel):
    """How many Rupiah one unit of a currency is worth, as an admin set it."""

    model_config = ConfigDict(frozen=True)

    currency: Currency
    rupiah_per_unit: int
    set_by: int | None = None
    set_at: datetime
