"""Admins approve or reject registrations; the member is told in their own language."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.common import (
    answer_button,
    column,
    esc,
    keyboard,
    refuse_unless_admin,
    reply,
    show,
    translator_for,
)
from handlers.members.menu import PENDING, member_menu, profile_text, status_label
from handlers.notices import Card, edit_copy, notify, revise_queued_copies
from storage.models.members import Member, MemberStatus, Role, StatusChange

logger = logging.getLogger(__name__)

APPROVE = "appr:yes:"
REJECT = "appr:no:"
OPEN_MEMBER = "mem:show:"
PENDING_SHOWN = 10


def request_text(t: Translator, member: Member) -> str:
    """The approval request an admin reads."""
    if member.role is Role.ARTISAN:
        title = t._("📝 <b>New artisan registration</b>")
    else:
        title = t._("📝 <b>New buyer registration</b>")
    return f"{title}\n\n{profile_text(t, member)}"


def request_buttons(t: Translator, member_id: int) -> InlineKeyboardMarkup:
    """Approve and Reject for one registration."""
    return keyboard(
        [[(t._("✅ Approve"), f"{APPROVE}{member_id}"), (t._("❌ Reject"), f"{REJECT}{member_id}")]]
    )


async def notify_admins(context: BotContext, member: Member) -> None:
    """Send every admin the registration with Approve / Reject buttons."""
    storage = context.storage
    if not context.settings.admin_ids:
        logger.warning("no KENDANG_ADMIN_IDS configured: member %s waits unseen", member.id)
    for admin_id in context.settings.admin_ids:
        t = await translator_for(storage, context.settings.default_locale, admin_id)
        await notify(
            context,
            admin_id,
            request_text(t, member),
            reply_markup=request_buttons(t, member.id),
            copy_of=copy_name("member", member.id),
        )


async def _admin_name(context: BotContext, admin_id: int | None) -> str:
    """The admin's name as typed, unescaped: alerts are plain text, messages escape it."""
    person = await context.storage.people.get(admin_id) if admin_id is not None else None
    return person.first_name if person and person.first_name else str(admin_id or "?")


async def decided_text(context: BotContext, t: Translator, member: Member, by: int | None) -> str:
    """The approval request once decided, naming the decision and who made it."""
    admin = esc(await _admin_name(context, by))
    if member.status is MemberStatus.ACTIVE:
        outcome = t._("✅ Approved by {admin}").format(admin=admin)
    elif member.status is MemberStatus.REJECTED:
        outcome = t._("❌ Not approved by {admin}").format(admin=admin)
    else:
        outcome = t._("Now: {status}").format(status=status_label(t, member.status))
    return f"{request_text(t, member)}\n\n{outcome}"


async def change_status(
    context: BotContext, member_id: int, to_status: MemberStatus, expected: MemberStatus, by: int
) -> StatusChange | None:
    """Change a member's status once, then tell the member and refresh every admin's copy."""
    change = await context.storage.members.change_status(
        member_id, to_status, expected=expected, by=by
    )
    if change is None or not change.changed:
        return change
    await _tell_member(context, change.member)
    if change.previous is MemberStatus.PENDING:
        await _refresh_admin_copies(context, change.member, by)
    return change


async def _tell_member(context: BotContext, member: Member) -> None:
    t = await translator_for(context.storage, context.settings.default_locale, member.telegram_id)
    markup = None
    if member.status is MemberStatus.ACTIVE:
        text = t._("🎉 Welcome to the cooperative, {name}! Your membership is active.").format(
            name=esc(member.name)
        )
        text = f"{text}\n\n{member_menu(t, member)[0]}"
        markup = member_menu(t, member)[1]
    elif member.status is MemberStatus.REJECTED:
        text = t._(
            "Sorry, your registration was not approved. If you think this is a mistake, "
            "please contact the cooperative's admin, or register again with /start."
        )
    else:
        text = t._(
            "Your membership has been deactivated. Please contact the cooperative's admin "
            "if you have questions."
        )
    await notify(context, member.telegram_id, text, reply_markup=markup)


async def _refresh_admin_copies(context: BotContext, member: Member, by: int) -> None:
    storage = context.storage

    async def render(t: Translator) -> Card:
        text = await decided_text(context, t, member, by)
        return text, column([(t._("👤 Open member"), f"{OPEN_MEMBER}{member.id}")])

    await revise_queued_copies(context, copy_name("member", member.id), render)
    for chat_id, message_id in await storage.members.approval_messages(member.id):
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        text, markup = await render(t)
        await edit_copy(context, chat_id, message_id, text, markup)


async def decide(update: Update, context: BotContext) -> None:
    """Approve or reject a pending registration; a second admin is told it was decided."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None and query.data is not None
    approve = query.data.startswith(APPROVE)
    member_id = int(query.data.rsplit(":", 1)[1])
    to_status = MemberStatus.ACTIVE if approve else MemberStatus.REJECTED
    change = await change_status(
        context, member_id, to_status, MemberStatus.PENDING, by=query.from_user.id
    )
    t = context.t
    if change is None:
        await answer_button(update, t._("This registration no longer exists."), alert=True)
        return
    if not change.changed:
        by = await context.storage.members.last_changed_by(member_id)
        admin = await _admin_name(context, by)
        await answer_button(
            update,
            t._("Already decided by {admin}: {status}.").format(
                admin=admin, status=status_label(t, change.member.status)
            ),
            alert=True,
        )
        text = await decided_text(context, t, change.member, by)
        await show(
            update, context, text, column([(t._("👤 Open member"), f"{OPEN_MEMBER}{member_id}")])
        )
        return
    await answer_button(update, t._("Approved.") if approve else t._("Not approved."))


async def list_pending(update: Update, context: BotContext) -> None:
    """Send each pending registration with its Approve / Reject buttons."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    members = context.storage.members
    pending = [
        *await members.page(Role.ARTISAN, MemberStatus.PENDING, limit=PENDING_SHOWN),
        *await members.page(Role.BUYER, MemberStatus.PENDING, limit=PENDING_SHOWN),
    ]
    if not pending:
        await reply(update, context, t._("No registrations are waiting. 👍"))
        return
    total = await members.count(Role.ARTISAN, MemberStatus.PENDING) + await members.count(
        Role.BUYER, MemberStatus.PENDING
    )
    await reply(
        update,
        context,
        t.ngettext(
            "{count} registration is waiting:",
            "{count} registrations are waiting:",
            total,
        ).format(count=t.number(total)),
    )
    for member in pending[:PENDING_SHOWN]:
        sent = await reply(update, context, request_text(t, member), request_buttons(t, member.id))
        if sent is not None:
            await members.add_approval_message(member.id, sent.chat_id, sent.message_id)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the approval handlers."""
    return [
        CallbackQueryHandler(decide, pattern=rf"^(?:{APPROVE}|{REJECT})[0-9]{{1,18}}$"),
        CommandHandler("pending", list_pending, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(list_pending, pattern=f"^{PENDING}$"),
    ]
