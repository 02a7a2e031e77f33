"""The catalogue as buyers see it: what is available and where it is made."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel


class Offer(BaseModel):
    """A model as buyers see it: its available stock and the photo to show."""

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    available: int
    photo_file_id: str | None = None


class Makers(BaseModel):
    """Where a model is made: a village and how many of its workshops made it (no names)."""

    model_config = ConfigDict(frozen=True)

    village: str
    workshops: int
