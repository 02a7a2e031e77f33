"""The drum catalogue: sizes, woods, heads, finishes, models and their prices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.packing import Packing


class DrumSize(StrEnum):
    """How big a drum is (see SIZE_DIMENSIONS in storage.catalogue)."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Wood(StrEnum):
    """The wood a drum's body is turned from."""

    MAHOGANY = "mahogany"
    JACKFRUIT = "jackfruit"
    MANGO = "mango"


class DrumHead(StrEnum):
    """The skin stretched over the drum."""

    GOAT = "goat"
    COW = "cow"


class Finish(StrEnum):
    """How the body is finished."""

    PLAIN = "plain"
    PAINTED = "painted"
    CARVED = "carved"


class SizeDimensions(BaseModel):
    """A size's head diameter range and height, in centimetres."""

    model_config = ConfigDict(frozen=True)

    head_min_cm: int
    head_max_cm: int
    height_cm: int


class DrumModel(BaseModel):
    """One kind of drum in the catalogue, with what the artisan is paid and the buyer pays."""

    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    size: DrumSize
    wood: Wood
    head: DrumHead
    finish: Finish
    artisan_rate: int
    buyer_price: int
    photo_file_id: str | None = None
    active: bool
    created_at: datetime
    updated_at: datetime
    packing: Packing


class PriceChange(BaseModel):
    """A model's prices from one moment on (the first row is the price it was added with)."""

    model_config = ConfigDict(frozen=True)

    model_id: int
    artisan_rate: int
    buyer_price: int
    changed_by: int | None = None
    changed_at: datetime


class CatalogueChange(BaseModel):
    """The outcome of retiring or restoring a model; `changed` is False if it already was."""

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    changed: bool
