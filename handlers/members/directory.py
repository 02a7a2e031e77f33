"""Admins list members by role and status, open one, and deactivate or reactivate them."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    Button,
    answer_button,
    column,
    esc,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    show,
)
from handlers.members.approvals import OPEN_MEMBER, change_status
from handlers.members.menu import MAIN_MENU, MEMBERS, profile_text, status_label
from storage.models.members import Member, MemberStatus, Role

PAGE_SIZE = 8
LIST = "mem:list:"
SET = "mem:set:"
ASK_DEACTIVATE = "mem:ask:"
LIST_PATTERN = re.compile(
    r"^mem:list:(artisan|buyer):(pending|active|rejected|deactivated):([0-9]{1,6})$"
)
SET_PATTERN = re.compile(
    r"^mem:set:([0-9]{1,18}):(pending|active|rejected|deactivated):(active|rejected|deactivated)$"
)


def role_label(t: Translator, role: Role) -> str:
    """Name a role, plural, in the reader's language."""
    return t._("Artisans") if role is Role.ARTISAN else t._("Buyers")


async def members_menu(update: Update, context: BotContext) -> None:
    """Show how many members there are per role and status, each a button to the list."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    rows: list[list[Button]] = []
    for role in Role:
        for status in MemberStatus:
            count = await context.storage.members.count(role, status)
            label = t._("{role} · {status}: {count}").format(
                role=role_label(t, role), status=status_label(t, status), count=t.number(count)
            )
            rows.append([(label, f"{LIST}{role}:{status}:0")])
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    await show(update, context, t._("<b>Members</b>\nChoose a list:"), keyboard(rows))


async def _admin_tap(
    update: Update, context: BotContext, pattern: re.Pattern[str]
) -> re.Match[str] | None:
    """Match the button an admin tapped; refuse anyone else (None)."""
    if not await refuse_unless_admin(update, context):
        return None
    query = update.callback_query
    assert query is not None and query.data is not None
    match = pattern.match(query.data)
    assert match is not None
    return match


async def _tapped_member(update: Update, context: BotContext, prefix: str) -> Member | None:
    """The member an admin's button names; None, once answered, for anyone else or one gone."""
    if not await refuse_unless_admin(update, context):
        return None
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await context.storage.members.get(int(query.data.removeprefix(prefix)))
    if member is None:
        await answer_button(update, context.t._("This member no longer exists."), alert=True)
        return None
    await answer_button(update)
    return member


async def list_members(update: Update, context: BotContext) -> None:
    """Show one page of members with a role and status."""
    match = await _admin_tap(update, context, LIST_PATTERN)
    if match is None:
        return
    role, status, page = Role(match[1]), MemberStatus(match[2]), int(match[3])
    await answer_button(update)
    await _show_page(update, context, role, status, page)


async def _show_page(
    update: Update, context: BotContext, role: Role, status: MemberStatus, page: int
) -> None:
    t = context.t
    storage = context.storage
    total = await storage.members.count(role, status)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages - 1)
    members = await storage.members.page(role, status, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    title = t._("<b>{role} · {status}</b> ({count})").format(
        role=role_label(t, role), status=status_label(t, status), count=t.number(total)
    )
    if not members:
        title += "\n" + t._("Nobody here.")
    rows: list[list[Button]] = [[(_member_label(m), f"{OPEN_MEMBER}{m.id}")] for m in members]
    rows += page_buttons(t, f"{LIST}{role}:{status}:", page, more=page + 1 < pages)
    rows.append([(t._("⬅️ Members"), MEMBERS)])
    await show(update, context, title, keyboard(rows))


def _member_label(member: Member) -> str:
    place = member.village if member.role is Role.ARTISAN else member.company
    return f"{member.name} · {place}"[:60]


def member_card(t: Translator, member: Member) -> tuple[str, InlineKeyboardMarkup]:
    """A member's details with the actions their status allows."""
    actions: list[Button] = []
    here = member.status
    if here is MemberStatus.PENDING:
        actions.append((t._("✅ Approve"), f"{SET}{member.id}:{here}:{MemberStatus.ACTIVE}"))
        actions.append((t._("❌ Reject"), f"{SET}{member.id}:{here}:{MemberStatus.REJECTED}"))
    elif here is MemberStatus.ACTIVE:
        actions.append((t._("⛔ Deactivate"), f"{ASK_DEACTIVATE}{member.id}"))
    elif here is MemberStatus.DEACTIVATED:
        actions.append((t._("♻️ Reactivate"), f"{SET}{member.id}:{here}:{MemberStatus.ACTIVE}"))
    else:
        actions.append(
            (t._("✅ Approve after all"), f"{SET}{member.id}:{here}:{MemberStatus.ACTIVE}")
        )
    back = (t._("⬅️ Back to the list"), f"{LIST}{member.role}:{here}:0")
    return profile_text(t, member), column([*actions, back])


async def open_member(update: Update, context: BotContext) -> None:
    """Show one member's card."""
    member = await _tapped_member(update, context, OPEN_MEMBER)
    if member is not None:
        await show(update, context, *member_card(context.t, member))


async def ask_deactivate(update: Update, context: BotContext) -> None:
    """Ask the admin to confirm a deactivation."""
    member = await _tapped_member(update, context, ASK_DEACTIVATE)
    if member is None:
        return
    t = context.t
    if member.status is not MemberStatus.ACTIVE:
        await show(update, context, *member_card(t, member))
        return
    text = t._(
        "Deactivate <b>{name}</b>? They will no longer be able to use the bot as a member. "
        "You can reactivate them later."
    ).format(name=esc(member.name))
    active, deactivated = MemberStatus.ACTIVE, MemberStatus.DEACTIVATED
    await show(
        update,
        context,
        text,
        column(
            [
                (t._("⛔ Yes, deactivate"), f"{SET}{member.id}:{active}:{deactivated}"),
                (t._("No, keep active"), f"{OPEN_MEMBER}{member.id}"),
            ]
        ),
    )


async def set_status(update: Update, context: BotContext) -> None:
    """Apply a status change from a member card, if the member is still as the card showed."""
    match = await _admin_tap(update, context, SET_PATTERN)
    admin = update.effective_user
    if match is None or admin is None:
        return
    member_id, expected, to_status = int(match[1]), MemberStatus(match[2]), MemberStatus(match[3])
    t = context.t
    change = await change_status(context, member_id, to_status, expected, by=admin.id)
    if change is None:
        await answer_button(update, t._("This member no longer exists."), alert=True)
        return
    if change.changed:
        await answer_button(
            update, t._("Done: {status}.").format(status=status_label(t, change.member.status))
        )
    else:
        await answer_button(
            update,
            t._("Not changed: this member is now {status}.").format(
                status=status_label(t, change.member.status)
            ),
            alert=True,
        )
    await show(update, context, *member_card(t, change.member))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the member administration handlers."""
    return [
        CommandHandler("members", members_menu, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(members_menu, pattern=f"^{MEMBERS}$"),
        CallbackQueryHandler(list_members, pattern=LIST_PATTERN),
        CallbackQueryHandler(open_member, pattern=rf"^{OPEN_MEMBER}[0-9]{{1,18}}$"),
        CallbackQueryHandler(ask_deactivate, pattern=rf"^{ASK_DEACTIVATE}[0-9]{{1,18}}$"),
        CallbackQueryHandler(set_status, pattern=SET_PATTERN),
    ]
