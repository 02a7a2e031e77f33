"""Monthly statements: artisans get their own; admins look one up and send it to the artisan."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import Period
from handlers.common import (
    Button,
    answer_button,
    column,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    reply,
    show,
    translator_for,
)
from handlers.insights.menu import STATEMENTS
from handlers.insights.statement_screens import (
    month_key,
    month_label,
    months_back,
    parse_month,
    prepare,
    send_document,
)
from handlers.members.menu import INSIGHTS, MAIN_MENU, MY_STATEMENT, membership_inactive
from handlers.money.payment_undo import who
from storage.clock import utc_now
from storage.models.members import Member, MemberStatus, Role

logger = logging.getLogger(__name__)

# An artisan's own month: the artisan is always the sender, never named in the data.
MINE = f"{MY_STATEMENT}:"
MINE_PATTERN = re.compile(r"^stm:me:([0-9]{4}-[0-9]{2})$")
# The admins' screens name the artisan by member id (at most 35 bytes in all).
LIST = "stm:list:"
ARTISAN = "stm:a:"
SEND = "stm:send:"
LIST_PATTERN = re.compile(r"^stm:list:([0-9]{1,6})$")
ARTISAN_PATTERN = re.compile(r"^stm:a:([0-9]{1,18})$")
MONTH_PATTERN = re.compile(r"^stm:a:([0-9]{1,18}):([0-9]{4}-[0-9]{2})$")
SEND_PATTERN = re.compile(r"^stm:send:([0-9]{1,18}):([0-9]{4}-[0-9]{2})$")
PAGE_SIZE = 8
ADMIN_MONTHS = 3


def _refusal(t: Translator, member: Member | None) -> str | None:
    """Why this sender gets no statement of their own; None for an active artisan."""
    if member is None or member.role is not Role.ARTISAN:
        return t._("Statements are for the cooperative's artisans.")
    if member.status in (MemberStatus.PENDING, MemberStatus.REJECTED):
        return t._("Your registration has not been approved, so there is no statement yet.")
    if member.status is not MemberStatus.ACTIVE:
        return membership_inactive(t)
    return None


async def choose_my_month(update: Update, context: BotContext) -> None:
    """Ask an active artisan which month's statement they want: this one or the last."""
    await answer_button(update)
    t = context.t
    back: Button = (t._("⬅️ Menu"), MAIN_MENU)
    refusal = _refusal(t, context.member)
    if refusal is not None:
        await show(update, context, refusal, column([back]))
        return
    this, last = months_back(utc_now(), context.settings.zone, 2)
    buttons: list[Button] = [
        (t._("This month · {month}").format(month=month_label(t, this)), MINE + month_key(this)),
        (t._("Last month · {month}").format(month=month_label(t, last)), MINE + month_key(last)),
        back,
    ]
    text = t._("📄 <b>Your monthly statement</b>\nWhich month would you like?")
    await show(update, context, text, column(buttons))


async def send_my_statement(update: Update, context: BotContext) -> None:
    """Show an active artisan their own statement for the month tapped, with the PDF."""
    t = context.t
    member = context.member
    refusal = _refusal(t, member)
    if refusal is not None or member is None:
        await answer_button(update, refusal, alert=True)
        return
    month = _month(update, MINE_PATTERN, context)
    if month is None:
        await answer_button(update, _stale(t), alert=True)
        return
    await answer_button(update)
    delivery = await prepare(context, t, member, month)
    await show(update, context, delivery.text)
    chat = update.effective_chat
    assert chat is not None
    await send_document(context, chat.id, delivery, column([(t._("⬅️ Menu"), MAIN_MENU)]))


async def choose_artisan(update: Update, context: BotContext) -> None:
    """List the active artisans by name, a page at a time, for an admin to pick one."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    match = _tapped(update, LIST_PATTERN)
    t, members = context.t, context.storage.members
    total = await members.count(Role.ARTISAN, MemberStatus.ACTIVE)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(int(match[1]) if match else 0, pages - 1)
    artisans = await members.page(
        Role.ARTISAN, MemberStatus.ACTIVE, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    rows: list[list[Button]] = [
        [
            (
                t._("{name} · {village}").format(
                    name=artisan.name[:30], village=(artisan.village or "")[:20]
                ),
                f"{ARTISAN}{artisan.id}",
            )
        ]
        for artisan in artisans
    ]
    rows += page_buttons(t, LIST, page, more=page + 1 < pages)
    rows.append([(t._("⬅️ How we are doing"), INSIGHTS)])
    if artisans:
        text = t._("📄 <b>Artisans' statements</b>\nChoose the artisan ({count} active):")
    else:
        text = t._("📄 <b>Artisans' statements</b>\nNo active artisans yet.")
    await show(update, context, text.format(count=t.number(total)), keyboard(rows))


async def choose_month(update: Update, context: BotContext) -> None:
    """Ask an admin which month of the artisan's statement to see."""
    if not await refuse_unless_admin(update, context):
        return
    t = context.t
    match = _tapped(update, ARTISAN_PATTERN)
    artisan = await _artisan(context, int(match[1])) if match else None
    if artisan is None:
        await answer_button(update, t._("This artisan no longer exists."), alert=True)
        return
    await answer_button(update)
    labels = (
        t._("This month · {month}"),
        t._("Last month · {month}"),
        t._("Two months ago · {month}"),
    )
    months = months_back(utc_now(), context.settings.zone, ADMIN_MONTHS)
    buttons: list[Button] = [
        (label.format(month=month_label(t, month)), f"{ARTISAN}{artisan.id}:{month_key(month)}")
        for label, month in zip(labels, months, strict=True)
    ]
    buttons.append((t._("⬅️ Artisans' statements"), STATEMENTS))
    text = t._("📄 <b>Statement of {who}</b>\nWhich month?").format(who=who(t, artisan))
    await show(update, context, text, column(buttons))


async def show_statement(update: Update, context: BotContext) -> None:
    """Show an admin an artisan's statement for a month, with the PDF and a button to send it."""
    chosen = await _artisan_month(update, context, MONTH_PATTERN)
    if chosen is None:
        return
    artisan, month = chosen
    t = context.t
    delivery = await prepare(context, t, artisan, month)
    await show(update, context, delivery.text)
    buttons: list[Button] = [
        (t._("📨 Send to the artisan"), f"{SEND}{artisan.id}:{month_key(month)}"),
        (t._("⬅️ Artisans' statements"), STATEMENTS),
    ]
    chat = update.effective_chat
    assert chat is not None
    await send_document(context, chat.id, delivery, column(buttons))


async def send_to_artisan(update: Update, context: BotContext) -> None:
    """Send the artisan their statement in their own language, and tell the admin."""
    chosen = await _artisan_month(update, context, SEND_PATTERN)
    if chosen is None:
        return
    artisan, month = chosen
    t = context.t
    details = {"who": who(t, artisan), "month": month_label(t, month)}
    # Known to have blocked the bot (they told Telegram, or a message to them was refused).
    person = await context.storage.people.get(artisan.telegram_id)
    if person is None or person.blocked_at is not None:
        logger.info("artisan %s cannot be reached; their statement is not sent", artisan.id)
        text = t._(
            "⚠️ {who} could not be reached: they may have blocked the bot or never opened it. "
            "The statement for {month} was not sent."
        )
        await reply(update, context, text.format(**details))
        return
    theirs = await translator_for(
        context.storage, context.settings.default_locale, artisan.telegram_id
    )
    delivery = await prepare(context, theirs, artisan, month)
    outbox = context.outbox
    await outbox.send_message(artisan.telegram_id, delivery.text)
    await outbox.send_document(
        artisan.telegram_id, delivery.pdf, delivery.file_name, delivery.caption
    )
    await reply(
        update, context, t._("📨 Sent to {who}: the statement for {month}.").format(**details)
    )


def _stale(t: Translator) -> str:
    return t._("This button is no longer valid.")


async def _artisan(context: BotContext, member_id: int) -> Member | None:
    member = await context.storage.members.get(member_id)
    return member if member is not None and member.role is Role.ARTISAN else None


def _tapped(update: Update, pattern: re.Pattern[str]) -> re.Match[str] | None:
    query = update.callback_query
    return pattern.match(query.data or "") if query is not None else None


def _month(update: Update, pattern: re.Pattern[str], context: BotContext) -> Period | None:
    match = _tapped(update, pattern)
    return parse_month(match[1], context.settings.zone) if match else None


async def _artisan_month(
    update: Update, context: BotContext, pattern: re.Pattern[str]
) -> tuple[Member, Period] | None:
    """Answer an admin's tap on an artisan's month: the two, or None once refused or told why."""
    if not await refuse_unless_admin(update, context):
        return None
    t = context.t
    match = _tapped(update, pattern)
    artisan = await _artisan(context, int(match[1])) if match else None
    month = parse_month(match[2], context.settings.zone) if match else None
    if artisan is None or month is None:
        gone = t._("This artisan no longer exists.") if artisan is None else _stale(t)
        await answer_button(update, gone, alert=True)
        return None
    await answer_button(update)
    return artisan, month


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /statement, the artisan's month buttons and the admins' statement screens."""
    return [
        CommandHandler("statement", choose_my_month, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose_my_month, pattern=f"^{MY_STATEMENT}$"),
        CallbackQueryHandler(send_my_statement, pattern=MINE_PATTERN),
        CallbackQueryHandler(choose_artisan, pattern=f"^{STATEMENTS}$"),
        CallbackQueryHandler(choose_artisan, pattern=LIST_PATTERN),
        CallbackQueryHandler(choose_month, pattern=ARTISAN_PATTERN),
        CallbackQueryHandler(show_statement, pattern=MONTH_PATTERN),
        CallbackQueryHandler(send_to_artisan, pattern=SEND_PATTERN),
    ]
