"""The Change buttons of a member's profile, the line about a village change waiting, and a
buyer's details for the export papers."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.common import Button, esc
from storage.member_changes import may_change
from storage.members import may_set_papers
from storage.models.members import PROFILE_FIELDS, Member, ProfileField, VillageRequest
from storage.models.papers import InvoiceCurrency

# A Change button: this prefix, then the detail (profile_edit).
EDIT = "prof:edit:"
EDIT_PATTERN = rf"^{EDIT}({'|'.join(field.value for field in ProfileField)})$"
# Withdraw the village change waiting for an admin (village_requests).
WITHDRAW_VILLAGE = "prof:vwd"
# A buyer's address and invoice currency (profile_edit); a currency button: this, then its code.
EDIT_ADDRESS = "prof:addr"
EDIT_CURRENCY = "prof:cur"
CHOOSE_CURRENCY = "prof:cur:"
CURRENCY_PATTERN = rf"^{CHOOSE_CURRENCY}({'|'.join(InvoiceCurrency)})$"


def field_label(t: Translator, field: ProfileField) -> str:
    """Name a detail of a profile, as its Change button says it."""
    labels = {
        ProfileField.NAME: t._("✏️ Name"),
        ProfileField.VILLAGE: t._("✏️ Village"),
        ProfileField.WORKSHOP: t._("✏️ Workshop"),
        ProfileField.PHONE: t._("✏️ Phone"),
        ProfileField.COMPANY: t._("✏️ Company"),
        ProfileField.COUNTRY: t._("✏️ Country"),
    }
    return labels[field]


def edit_rows(t: Translator, member: Member, waiting: VillageRequest | None) -> list[list[Button]]:
    """Two Change buttons a row for what the member may change; Withdraw for a village asked."""
    buttons = [
        (field_label(t, field), f"{EDIT}{field}")
        for field in PROFILE_FIELDS[member.role]
        if may_change(member, field)
    ]
    rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    if may_set_papers(member):
        rows.append([(t._("✏️ Address"), EDIT_ADDRESS), (t._("✏️ Currency"), EDIT_CURRENCY)])
    if waiting is not None and buttons:
        rows.append([(t._("↩️ Withdraw the village change"), WITHDRAW_VILLAGE)])
    return rows


def currency_text(t: Translator, member: Member) -> str:
    """The currency a buyer is invoiced in, saying why when they have not chosen one."""
    currency = member.invoice_currency
    if member.currency is not None:
        return currency.value
    if currency is InvoiceCurrency.CNY:
        return t._("{currency} (for China)").format(currency=currency.value)
    return t._("{currency} (the default)").format(currency=currency.value)


def papers_lines(t: Translator, member: Member) -> list[str]:
    """A buyer's address and invoice currency, for the export papers."""
    address = esc(member.address) if member.address else "—"
    return [
        t._("Address: {address}").format(address=address),
        t._("Invoice currency: {currency}").format(currency=currency_text(t, member)),
    ]


def waiting_note(t: Translator, request: VillageRequest) -> str:
    """Say which village the artisan asked to move to, still waiting for an admin."""
    return t._("⏳ Change of village to {village}: waiting for an admin's approval.").format(
        village=esc(request.to_village)
    )
