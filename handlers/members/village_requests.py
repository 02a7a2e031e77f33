"""Admins approve or reject an approved artisan's change of village; the artisan may withdraw it.

The village places an artisan's figures (village summaries, charts, statements), so an approved
artisan's move waits for an admin. Every admin gets the request; the first decision stands, the
other copies show it, and the artisan is told in their own language. Until then the old village
stays. One request is open at a time: another is refused until this one is decided or withdrawn.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.common import (
    answer_button,
    answer_or_reply,
    column,
    esc,
    keyboard,
    refuse_unless_admin,
    show,
    translator_for,
)
from handlers.members.approvals import OPEN_MEMBER
from handlers.members.menu import membership_inactive, profile_screen, profile_text
from handlers.members.profile_buttons import WITHDRAW_VILLAGE
from handlers.notices import Card, edit_copy, notify, revise_queued_copies
from storage.models.members import (
    EDITABLE_STATUSES,
    Member,
    VillageDecision,
    VillageRequest,
    VillageRequestStatus,
)

APPROVE = "vreq:yes:"
REJECT = "vreq:no:"
DECIDE_PATTERN = re.compile(r"^vreq:(yes|no):([0-9]{1,18})$")


async def _admin_name(context: BotContext, admin_id: int | None) -> str:
    """The first name of whoever decided, as Telegram gave it (not escaped)."""
    person = await context.storage.people.get(admin_id) if admin_id is not None else None
    return person.first_name if person and person.first_name else str(admin_id or "?")


async def card(context: BotContext, t: Translator, member: Member, request: VillageRequest) -> Card:
    """The request as an admin reads it: Approve / Reject while open, else the decision."""
    lines = [
        t._("📍 <b>Change of village</b>"),
        "",
        profile_text(t, member),
        "",
        t._("Asks to move from {old} to <b>{new}</b>.").format(
            old=esc(request.from_village or "—"), new=esc(request.to_village)
        ),
        t._(
            "Approving moves all of their figures, past ones too, to the new village: "
            "summaries, charts and statements."
        ),
    ]
    if request.status is VillageRequestStatus.OPEN:
        buttons = [
            [
                (t._("✅ Approve"), f"{APPROVE}{request.id}"),
                (t._("❌ Reject"), f"{REJECT}{request.id}"),
            ]
        ]
        return "\n".join(lines), keyboard(buttons)
    admin = esc(await _admin_name(context, request.decided_by))
    outcomes = {
        VillageRequestStatus.APPROVED: t._("✅ Approved by {admin}"),
        VillageRequestStatus.REJECTED: t._("❌ Not approved by {admin}"),
        VillageRequestStatus.WITHDRAWN: t._("↩️ Withdrawn by the artisan"),
    }
    lines += ["", outcomes[request.status].format(admin=admin)]
    return "\n".join(lines), column([(t._("👤 Open member"), f"{OPEN_MEMBER}{member.id}")])


async def tell_admins(context: BotContext, member: Member, request: VillageRequest) -> None:
    """Send every admin the request with Approve / Reject."""
    for admin_id in context.settings.admin_ids:
        t = await translator_for(context.storage, context.settings.default_locale, admin_id)
        text, markup = await card(context, t, member, request)
        copy_of = copy_name("village", request.id)
        await notify(context, admin_id, text, reply_markup=markup, copy_of=copy_of)


async def _refresh_copies(context: BotContext, decision: VillageDecision) -> None:
    storage = context.storage

    async def render(t: Translator) -> Card:
        return await card(context, t, decision.member, decision.request)

    await revise_queued_copies(context, copy_name("village", decision.request.id), render)
    for chat_id, message_id in await storage.members.village_request_messages(decision.request.id):
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        await edit_copy(context, chat_id, message_id, *await render(t))


async def _tell_artisan(context: BotContext, decision: VillageDecision) -> None:
    member, request = decision.member, decision.request
    t = await translator_for(context.storage, context.settings.default_locale, member.telegram_id)
    if request.status is VillageRequestStatus.APPROVED:
        text = t._("✅ Your village is now {village}: an admin of the cooperative approved it.")
        text = text.format(village=esc(request.to_village))
    elif request.status is VillageRequestStatus.REJECTED:
        text = t._(
            "Your change of village to {village} was not approved, so your village stays {old}. "
            "If you have questions, please contact the cooperative's admin."
        ).format(village=esc(request.to_village), old=esc(member.village or "—"))
    else:
        return
    await notify(context, member.telegram_id, text)


async def _after(context: BotContext, decision: VillageDecision) -> None:
    """Show the outcome on every admin's copy and tell the artisan."""
    await _refresh_copies(context, decision)
    await _tell_artisan(context, decision)


def _fresh(update: Update, decision: VillageDecision) -> bool:
    """Tell whether this update made the decision (also when it is delivered again)."""
    # Delivered again after a crash, it tells again whoever it may not have told; the outbox
    # recognises what it queued the first time.
    return decision.changed or decision.request.decision_update_id == update.update_id


async def decide(update: Update, context: BotContext) -> None:
    """Approve or reject a change of village; a second admin is told it was decided."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None and query.data is not None
    match = DECIDE_PATTERN.match(query.data)
    assert match is not None
    approve, request_id, t = match[1] == "yes", int(match[2]), context.t
    decision = await context.storage.members.decide_village_request(
        request_id, approve=approve, by=query.from_user.id, update_id=update.update_id
    )
    if decision is None:
        await answer_button(update, t._("This request no longer exists."), alert=True)
        return
    if _fresh(update, decision):
        await _after(context, decision)
        await answer_button(update, t._("Approved.") if approve else t._("Not approved."))
        return
    request = decision.request
    if request.status is VillageRequestStatus.WITHDRAWN:
        note = t._("The artisan withdrew this request.")
    else:
        outcome = t._("approved") if request.status is VillageRequestStatus.APPROVED else None
        note = t._("Already decided by {admin}: {status}.").format(
            admin=await _admin_name(context, request.decided_by),
            status=outcome or t._("not approved"),
        )
    # Alerts are plain text: the admin's name is shown as typed.
    await answer_button(update, note, alert=True)
    await show(update, context, *await card(context, t, decision.member, request))


async def withdraw(update: Update, context: BotContext) -> None:
    """Withdraw the sender's change of village still waiting; the village stays as it is."""
    member, t, user = context.member, context.t, update.effective_user
    if member is None or user is None:
        await answer_or_reply(update, context, t._("You have not registered yet. Tap /start."))
        return
    if member.status not in EDITABLE_STATUSES:
        await answer_or_reply(update, context, membership_inactive(t))
        return
    decision = await context.storage.members.withdraw_village_request(
        member.id, by=user.id, update_id=update.update_id
    )
    if decision is None:
        await answer_button(update, t._("No change of village is waiting."), alert=True)
        await show(update, context, *await profile_screen(context, member))
        return
    if _fresh(update, decision):
        await _refresh_copies(context, decision)
    await answer_button(update)
    notice = t._("↩️ Withdrawn: your village stays {village}.").format(
        village=esc(decision.member.village or "—")
    )
    await show(update, context, *await profile_screen(context, decision.member, notice))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handlers of the admins' decisions and the artisan's withdrawal."""
    return [
        CallbackQueryHandler(decide, pattern=DECIDE_PATTERN),
        CallbackQueryHandler(withdraw, pattern=f"^{WITHDRAW_VILLAGE}$"),
    ]
