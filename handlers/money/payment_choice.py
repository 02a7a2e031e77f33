"""Admins choose whom to pay: the active artisans, a page at a time, with what each is owed."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import Button, answer_button, keyboard, page_buttons, refuse_unless_admin, show
from storage.models.members import MemberStatus, Role

NEW = "pay:new:"
LIST = "pay:list:"
NEW_PATTERN = re.compile(r"^pay:new:([0-9]{1,18})$")
LIST_PATTERN = re.compile(r"^pay:list:([0-9]{1,6})$")
PAGE_SIZE = 8


async def choose_artisan(update: Update, context: BotContext) -> None:
    """List the active artisans, a page at a time, with what each is owed."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    match = LIST_PATTERN.match(query.data or "") if query is not None else None
    page = int(match[1]) if match else 0
    await answer_button(update)
    t, members = context.t, context.storage.members
    total = await members.count(Role.ARTISAN, MemberStatus.ACTIVE)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages - 1)
    artisans = await members.page(
        Role.ARTISAN, MemberStatus.ACTIVE, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    rows: list[list[Button]] = []
    for artisan in artisans:
        owed = (await context.storage.earnings.balance(artisan.id)).owed
        label = t._("{name} · {village} · {owed}").format(
            name=artisan.name[:30], village=(artisan.village or "")[:20], owed=t.rupiah(owed)
        )
        rows.append([(label, f"{NEW}{artisan.id}")])
    rows += page_buttons(t, LIST, page, more=page + 1 < pages)
    if not artisans:
        await show(update, context, t._("No active artisans yet."))
        return
    text = t._("💸 <b>Record a payment</b>\nChoose the artisan ({count} active):").format(
        count=t.number(total)
    )
    await show(update, context, text, keyboard(rows))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /pay and the list's page buttons (registered through handlers.money.payments)."""
    return [
        CommandHandler("pay", choose_artisan, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose_artisan, pattern=LIST_PATTERN),
    ]
