"""Where a change of one's profile ends: saved, asked of the admins, refused or cancelled.

A pending member's registration card is brought up to date for the admins; an approved
artisan's village is asked of the admins instead (village_requests) and stays as it is until
one of them approves. Either way the member sees their profile again.
"""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.common import esc, reply, translator_for
from handlers.flow import Flow
from handlers.members.approvals import request_buttons, request_text
from handlers.members.menu import membership_inactive, profile_screen
from handlers.members.village_requests import tell_admins
from handlers.notices import Card, edit_copy, revise_queued_copies
from storage.member_changes import ProfileLockedError, VillageRequestOpenError, changes_directly
from storage.members import PapersLockedError
from storage.models.members import (
    PROFILE_FIELDS,
    Member,
    MemberStatus,
    ProfileField,
    Role,
    VillageRequestStatus,
)
from storage.models.papers import InvoiceCurrency

EDITING = Flow(
    draft_key="profile_edit",
    busy_text=lambda context: context.t._(
        "You are changing your profile. Answer the question above, or send /cancel to stop."
    ),
    finish_first=True,
)
draft = EDITING.draft


def refusal(t: Translator, member: Member | None, field: ProfileField) -> str | None:
    """Why this person may not change this detail; None when they may."""
    if member is None:
        return t._("You have not registered yet. Tap /start.")
    if member.status is MemberStatus.REJECTED:
        return t._("Your registration was not approved. You can register again with /start.")
    if member.status is MemberStatus.DEACTIVATED:
        return membership_inactive(t)
    if field not in PROFILE_FIELDS[member.role]:
        if member.role is Role.BUYER:
            return t._("A village, workshop and phone are for the cooperative's artisans.")
        return t._("A company and a country are for buyers.")
    return None


def papers_refusal(t: Translator, member: Member | None) -> str | None:
    """Why this person may not set an address or invoice currency; None when they may."""
    # Registered and not locked out of their profile: what any detail needs.
    refused = refusal(t, member, ProfileField.NAME)
    if refused is None and member is not None and member.role is not Role.BUYER:
        return t._("An address and an invoice currency are for buyers.")
    return refused


def already_asked(t: Translator) -> str:
    """Say that the artisan's change of village is still waiting for an admin."""
    return t._("Your change of village is already waiting for an admin.")


async def save(
    update: Update, context: BotContext, field: ProfileField, value: str | None
) -> object:
    """Save the new value (or ask the admins for a village), then show the profile again."""
    t, member, members = context.t, context.member, context.storage.members
    refused = refusal(t, member, field)
    if refused is not None or member is None:
        return await finish(update, context, refused or "", None)
    if value == getattr(member, field.value):
        return await finish(update, context, t._("Nothing changed."), member)
    if not changes_directly(member, field):
        return await _ask_admins(update, context, member, value or "")
    try:
        changed = await members.change_detail(member.id, field, value)
    except ProfileLockedError:
        changed = None
    if changed is None:
        return await finish(update, context, t._("This can no longer be changed."), None)
    if changed.status is MemberStatus.PENDING:
        await _refresh_registration(context, changed)
    return await finish(update, context, t._("✅ Saved."), changed)


async def save_papers(
    update: Update,
    context: BotContext,
    *,
    address: str | None = None,
    currency: InvoiceCurrency | None = None,
) -> object:
    """Save the buyer's new address or invoice currency, whichever is given; show the profile."""
    t, member, members = context.t, context.member, context.storage.members
    refused = papers_refusal(t, member)
    if refused is not None or member is None:
        return await finish(update, context, refused or "", None)
    if address in (None, member.address) and currency in (None, member.currency):
        return await finish(update, context, t._("Nothing changed."), member)
    changed: Member | None = member
    try:
        if address is not None:
            changed = await members.set_address(member.id, address)
        if currency is not None and changed is not None:
            changed = await members.set_currency(member.id, currency)
    except PapersLockedError:
        changed = None
    if changed is None:
        return await finish(update, context, t._("This can no longer be changed."), None)
    if changed.status is MemberStatus.PENDING:
        await _refresh_registration(context, changed)
    return await finish(update, context, t._("✅ Saved."), changed)


async def _ask_admins(update: Update, context: BotContext, member: Member, village: str) -> object:
    t = context.t
    key = str(draft(context).get("key", ""))
    try:
        made = await context.storage.members.request_village(member.id, village, key=key)
    except VillageRequestOpenError:
        return await finish(update, context, already_asked(t), member)
    except ProfileLockedError:
        made = None
    if made is None:
        return await finish(update, context, t._("This can no longer be changed."), None)
    request, _ = made
    if request.status is VillageRequestStatus.OPEN:
        # Run again for an update delivered again after a crash: the outbox recognises what
        # that update queued the first time, so no admin gets the card twice.
        await tell_admins(context, member, request)
    notice = t._(
        "📨 Sent to the cooperative's admins. Your village stays {village} until one of them "
        "approves the change; I will tell you here."
    ).format(village=esc(member.village or "—"))
    return await finish(update, context, notice, member)


async def _refresh_registration(context: BotContext, member: Member) -> None:
    """Show the admins a registration waiting for them as it is now."""
    storage = context.storage

    async def render(t: Translator) -> Card:
        return request_text(t, member), request_buttons(t, member.id)

    await revise_queued_copies(context, copy_name("member", member.id), render)
    for chat_id, message_id in await storage.members.approval_messages(member.id):
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        await edit_copy(context, chat_id, message_id, *await render(t))


async def finish(update: Update, context: BotContext, notice: str, member: Member | None) -> object:
    """End the flow with the notice, then the member's profile (none without a member)."""
    if draft(context).get("field") == ProfileField.PHONE:
        # The share-contact keyboard goes away with the notice.
        await reply(update, context, notice, ReplyKeyboardRemove())
        if member is None:
            return EDITING.end(context)
        return await EDITING.leave(update, context, *await profile_screen(context, member))
    if member is None:
        return await EDITING.leave(update, context, notice)
    return await EDITING.leave(update, context, *await profile_screen(context, member, notice))


async def cancel(update: Update, context: BotContext) -> object:
    """Leave without changing anything, showing the profile again."""
    return await finish(update, context, context.t._("Nothing changed."), context.member)
