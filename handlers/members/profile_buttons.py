"""The Change buttons of a member's profile, and the line about a village change waiting."""

from __future__ import annotations

from bot.i18n import Translator
from handlers.common import Button, esc
from storage.member_changes import may_change
from storage.models.members import PROFILE_FIELDS, Member, ProfileField, VillageRequest

# A Change button: this prefix, then the detail (profile_edit).
EDIT = "prof:edit:"
EDIT_PATTERN = rf"^{EDIT}({'|'.join(field.value for field in ProfileField)})$"
# Withdraw the village change waiting for an admin (village_requests).
WITHDRAW_VILLAGE = "prof:vwd"


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
    if waiting is not None and buttons:
        rows.append([(t._("↩️ Withdraw the village change"), WITHDRAW_VILLAGE)])
    return rows


def waiting_note(t: Translator, request: VillageRequest) -> str:
    """Say which village the artisan asked to move to, still waiting for an admin."""
    return t._("⏳ Change of village to {village}: waiting for an admin's approval.").format(
        village=esc(request.to_village)
    )
