"""Typed rows returned by the repositories."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """What a member does in the cooperative."""

    ARTISAN = "artisan"
    BUYER = "buyer"


class MemberStatus(StrEnum):
    """Where a member stands."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    DEACTIVATED = "deactivated"


class Member(BaseModel):
    """A registered artisan or buyer."""

    model_config = ConfigDict(frozen=True)

    id: int
    telegram_id: int
    role: Role
    status: MemberStatus
    name: str
    village: str | None = None
    workshop: str | None = None
    phone: str | None = None
    company: str | None = None
    country: str | None = None
    created_at: datetime
    updated_at: datetime


class TelegramUser(BaseModel):
    """Someone who has talked to the bot."""

    model_config = ConfigDict(frozen=True)

    telegram_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    chosen_locale: str | None = None
    blocked_at: datetime | None = None


class StatusChange(BaseModel):
    """The outcome of an attempt to change a member's status."""

    model_config = ConfigDict(frozen=True)

    member: Member
    changed: bool
    previous: MemberStatus


class ArtisanApplication(BaseModel):
    """What an artisan gives when registering."""

    name: str
    village: str
    workshop: str
    phone: str | None = None


class BuyerApplication(BaseModel):
    """What a buyer gives when registering."""

    name: str
    company: str
    country: str


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


class ContainerStatus(StrEnum):
    """Where a container shipment stands."""

    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


def container_reference(container_id: int) -> str:
    """Return the reference people see for a container, e.g. C-000007."""
    return f"C-{container_id:06d}"


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
