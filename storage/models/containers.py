"""Container shipments, their orders and how ready they are."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel
from storage.models.orders import OrderOutcome, OrderView
from storage.models.packing import ContainerKind


class ContainerStatus(StrEnum):
    """Where a container shipment stands."""

    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


def container_reference(container_id: int) -> str:
    """Return the reference people see for a container, e.g. C-000007."""
    return f"C-{container_id:06d}"


class ShippingDetails(BaseModel):
    """What the admin types at shipping, for the commercial invoice and the packing list."""

    model_config = ConfigDict(frozen=True)

    container_number: str
    seal_number: str
    vessel: str
    voyage: str
    port_of_loading: str
    port_of_discharge: str
    shipping_marks: str


class Container(BaseModel):
    """A container shipment for one buyer."""

    model_config = ConfigDict(frozen=True)

    id: int
    buyer_id: int
    capacity: int
    destination: str
    target_date: date
    status: ContainerStatus
    created_by: int | None = None
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: int | None = None
    kind: ContainerKind = ContainerKind.HC40
    # Typed by the admin at shipping, for the commercial invoice and the packing list.
    container_number: str | None = None
    seal_number: str | None = None
    vessel: str | None = None
    voyage: str | None = None
    port_of_loading: str | None = None
    port_of_discharge: str | None = None
    shipping_marks: str | None = None

    @property
    def reference(self) -> str:
        """The reference people see, e.g. C-000007."""
        return container_reference(self.id)


class ContainerChange(BaseModel):
    """The outcome of shipping or cancelling a container; `container` as it is now.

    Not DONE: NOT_FOUND (container None), CONTAINER_CLOSED (already shipped or cancelled)
    or NOTHING_READY (shipping a container with no drums ready).
    """

    model_config = ConfigDict(frozen=True)

    outcome: OrderOutcome
    container: Container | None = None


class ContainerView(BaseModel):
    """A container with its buyer."""

    model_config = ConfigDict(frozen=True)

    container: Container
    buyer_name: str
    buyer_company: str | None = None
    buyer_telegram_id: int


class ModelProgress(BaseModel):
    """One model's part of a container: ready, still to make, and how fast it is made.

    `queue` is the outstanding drums of this model in every backorder up to and including
    this container's (they are filled oldest first); `accepted_recently` counts the drums
    accepted in the last `weeks` weeks.
    """

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    ready: int
    to_make: int
    queue: int
    accepted_recently: int
    weeks: int

    @property
    def days_needed(self) -> float | None:
        """Days until the queue is made at the recent pace; None when nothing was made."""
        if self.to_make == 0:
            return 0.0
        if self.accepted_recently == 0:
            return None
        return self.queue / (self.accepted_recently / (self.weeks * 7))


class ContainerProgress(BaseModel):
    """How full a container is and when it should be ready."""

    model_config = ConfigDict(frozen=True)

    view: ContainerView
    orders: list[OrderView]
    models: list[ModelProgress]
    shipped: int

    @property
    def ready(self) -> int:
        """Drums in stock, set aside for this container's orders."""
        return sum(line.ready for line in self.models)

    @property
    def to_make(self) -> int:
        """Drums of this container's orders not yet made."""
        return sum(line.to_make for line in self.models)

    @property
    def planned(self) -> int:
        """Drums of the orders in it, ready or not."""
        return self.ready + self.to_make

    @property
    def days_needed(self) -> float | None:
        """Days until every drum is made at the recent pace; None when it cannot be told."""
        days = [line.days_needed for line in self.models]
        if any(day is None for day in days):
            return None
        return max((day for day in days if day is not None), default=0.0)
