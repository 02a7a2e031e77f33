"""Artisans' reports of finished drums and the admins' decisions on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel


class ReportStatus(StrEnum):
    """Where a report of finished drums stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


def report_reference(report_id: int) -> str:
    """Return the reference people see for a report, e.g. R-000123."""
    return f"R-{report_id:06d}"


class Report(BaseModel):
    """Drums an artisan reports as finished, and the admins' decision on them.

    A partial acceptance is ACCEPTED with accepted_quantity < quantity; a rejection is
    REJECTED with accepted_quantity 0. For a cancellation decided_at is when the artisan
    cancelled and decided_by is None.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    artisan_id: int
    model_id: int
    quantity: int
    photo_file_id: str | None = None
    status: ReportStatus
    accepted_quantity: int | None = None
    reject_reason: str | None = None
    rate: int | None = None
    client_key: str | None = None
    reported_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None

    @property
    def reference(self) -> str:
        """The reference people see, e.g. R-000123."""
        return report_reference(self.id)

    @property
    def rejected_quantity(self) -> int:
        """How many drums were not accepted (0 while pending or cancelled)."""
        if self.accepted_quantity is None:
            return 0
        return self.quantity - self.accepted_quantity

    @property
    def amount(self) -> int:
        """What the artisan was credited for this report, in Rupiah."""
        return (self.accepted_quantity or 0) * (self.rate or 0)


class ReportView(BaseModel):
    """A report with who made the drums and which model they are: what an admin reviews."""

    model_config = ConfigDict(frozen=True)

    report: Report
    model: DrumModel
    artisan_name: str
    artisan_telegram_id: int
    village: str | None = None
    workshop: str | None = None


class CancelOutcome(StrEnum):
    """What happened when an artisan tried to cancel a report."""

    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    ALREADY_DECIDED = "already_decided"


class Cancellation(BaseModel):
    """The outcome of a cancellation; `report` is None when not found or not the artisan's."""

    model_config = ConfigDict(frozen=True)

    outcome: CancelOutcome
    report: Report | None = None


class Decision(BaseModel):
    """The outcome of an admin's decision; `decided` is False if the report was not pending.

    When False, `report` shows the earlier decision: its status, accepted_quantity and
    decided_by (None when the artisan cancelled it).
    """

    model_config = ConfigDict(frozen=True)

    decided: bool
    report: Report
