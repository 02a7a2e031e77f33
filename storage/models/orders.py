"""Buyers' orders, the outcomes of changing them, and the demand they make."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.catalogue import DrumModel


class OrderStatus(StrEnum):
    """Where a buyer's order stands."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    BACKORDERED = "backordered"
    IN_CONTAINER = "in_container"
    SHIPPED = "shipped"
    DECLINED = "declined"
    CANCELLED = "cancelled"


# A buyer may cancel an order until it is put into a container.
CANCELLABLE_ORDER_STATUSES = frozenset(
    {OrderStatus.REQUESTED, OrderStatus.CONFIRMED, OrderStatus.BACKORDERED}
)


def order_reference(order_id: int) -> str:
    """Return the reference people see for an order, e.g. O-000045."""
    return f"O-{order_id:06d}"


class Order(BaseModel):
    """A buyer's order of one model.

    Of the `confirmed` drums, `reserved` are set aside in stock and `shipped` have left; the
    rest (`outstanding`) is a backorder waiting for production.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    buyer_id: int
    model_id: int
    quantity: int
    unit_price: int
    note: str | None = None
    status: OrderStatus
    confirmed: int | None = None
    reserved: int
    shipped: int
    container_id: int | None = None
    client_key: str | None = None
    requested_at: datetime
    decided_at: datetime | None = None
    decided_by: int | None = None
    closed_at: datetime | None = None
    closed_by: int | None = None
    updated_at: datetime

    @property
    def reference(self) -> str:
        """The reference people see, e.g. O-000045."""
        return order_reference(self.id)

    @property
    def outstanding(self) -> int:
        """Confirmed drums neither set aside nor shipped: the backorder (0 unless confirmed)."""
        if self.status in (OrderStatus.CANCELLED, OrderStatus.DECLINED):
            return 0
        return (self.confirmed or 0) - self.reserved - self.shipped

    @property
    def billed_quantity(self) -> int:
        """The drums the price is for: those confirmed, else those asked for.

        Of an order cancelled after part of it shipped, only the shipped drums count.
        """
        if self.status is OrderStatus.CANCELLED and self.shipped > 0:
            return self.shipped
        return self.quantity if self.confirmed is None else self.confirmed

    @property
    def amount(self) -> int:
        """The order's value in Rupiah at the price it was ordered at."""
        return self.billed_quantity * self.unit_price

    @property
    def cancellable(self) -> bool:
        """Whether the buyer may still cancel it."""
        return self.status in CANCELLABLE_ORDER_STATUSES


class OrderView(BaseModel):
    """An order with its model and buyer (never an artisan)."""

    model_config = ConfigDict(frozen=True)

    order: Order
    model: DrumModel
    buyer_name: str
    buyer_company: str | None = None
    buyer_country: str | None = None
    buyer_telegram_id: int


class OrderOutcome(StrEnum):
    """What happened when someone tried to change an order or a container."""

    DONE = "done"
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"
    CHANGED = "changed"
    STOCK_SHORT = "stock_short"
    OVER_CAPACITY = "over_capacity"
    OTHER_BUYER = "other_buyer"
    CONTAINER_CLOSED = "container_closed"
    NOTHING_READY = "nothing_ready"


class OrderChange(BaseModel):
    """The outcome of confirming, declining, cancelling or moving an order.

    When not DONE, `order` shows it as it is now (None when not found or not the buyer's);
    `available` is the model's available stock when that was short; `released`, the drums a
    cancellation returned to stock.
    """

    model_config = ConfigDict(frozen=True)

    outcome: OrderOutcome
    order: Order | None = None
    available: int | None = None
    released: int = 0


class OrderFill(BaseModel):
    """Drums newly set aside for a backordered order as stock arrived."""

    model_config = ConfigDict(frozen=True)

    order: Order
    model: DrumModel
    buyer_telegram_id: int
    filled: int


class Backorder(BaseModel):
    """Drums confirmed to a buyer but not yet made: production demand for artisans."""

    model_config = ConfigDict(frozen=True)

    order_id: int
    model: DrumModel
    outstanding: int
    confirmed_at: datetime
    needed_by: date | None = None


class Demand(BaseModel):
    """Drums of one model that buyers wait for, needed in one month: work for the artisans.

    The month is the target month of the order's container, else the month it was confirmed.
    """

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    month: date
    outstanding: int
    orders: int
