"""Members and the people who talk to the bot: roles, statuses and registrations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.models.papers import InvoiceCurrency


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
    # A buyer's, for the export papers; the currency None until the buyer chooses one.
    address: str | None = None
    currency: InvoiceCurrency | None = None

    @property
    def invoice_currency(self) -> InvoiceCurrency:
        """The currency a buyer is invoiced in: their choice, else yuan for China, else dollars."""
        if self.currency is not None:
            return self.currency
        return InvoiceCurrency.CNY if self.country == "China" else InvoiceCurrency.USD


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


class ProfileField(StrEnum):
    """A detail of their registration a member may change themself."""

    NAME = "name"
    VILLAGE = "village"
    WORKSHOP = "workshop"
    PHONE = "phone"
    COMPANY = "company"
    COUNTRY = "country"


# What each role may change, in the order the profile shows it.
PROFILE_FIELDS: dict[Role, tuple[ProfileField, ...]] = {
    Role.ARTISAN: (
        ProfileField.NAME,
        ProfileField.VILLAGE,
        ProfileField.WORKSHOP,
        ProfileField.PHONE,
    ),
    Role.BUYER: (ProfileField.NAME, ProfileField.COMPANY, ProfileField.COUNTRY),
}
# Who may change their profile: a deactivated or rejected member may only look at it.
EDITABLE_STATUSES = frozenset({MemberStatus.PENDING, MemberStatus.ACTIVE})


class VillageRequestStatus(StrEnum):
    """Where an approved artisan's request to change their village stands."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class VillageRequest(BaseModel):
    """An approved artisan's request to move to another village, and its decision."""

    model_config = ConfigDict(frozen=True)

    id: int
    member_id: int
    from_village: str | None
    to_village: str
    status: VillageRequestStatus
    request_key: str
    requested_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_update_id: int | None = None


class VillageDecision(BaseModel):
    """The outcome of deciding (or withdrawing) a village request."""

    model_config = ConfigDict(frozen=True)

    request: VillageRequest
    member: Member
    # False when the request was no longer open: someone decided first.
    changed: bool
