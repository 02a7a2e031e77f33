"""Admins ask for an order's proforma, get any paper again, and see the list of papers issued."""

from __future__ import annotations

import re
from decimal import Decimal

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.prices import foreign_money
from handlers.common import (
    Button,
    answer_button,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.members.menu import MAIN_MENU
from handlers.papers.content import MissingRate
from handlers.papers.issuing import issue_proforma, kind_name, send_paper
from storage.models.exchange_rates import Currency
from storage.models.papers import InvoiceCurrency, Paper, PaperKind
from storage.papers import Issued

PREFIX = "ppr:"
GET = f"{PREFIX}get:"
PROFORMA = f"{PREFIX}pi:"
PAGE = f"{PREFIX}page:"
GET_PATTERN = re.compile(r"^ppr:get:([0-9]{1,18})$")
PROFORMA_PATTERN = re.compile(r"^ppr:pi:([0-9]{1,18})$")
PAGE_PATTERN = re.compile(r"^ppr:page:([0-9]{1,6})$")
PAGE_SIZE = 8


def money(t: Translator, amount: Decimal, currency: InvoiceCurrency) -> str:
    """An amount in a paper's currency, written as prices are (IDR without cents)."""
    if currency is InvoiceCurrency.IDR:
        return t.rupiah(int(amount))
    return foreign_money(t, amount, Currency(currency.value))


def paper_line(t: Translator, paper: Paper) -> str:
    """One paper in a list: number, date, buyer, what it is for, its total."""
    content = paper.content
    buyer = content.buyer.company or content.buyer.name
    subject = content.order_reference or content.container_reference or ""
    parts = [f"<b>{paper.number}</b>", t.date(content.issued_on), buyer, subject]
    if paper.kind is not PaperKind.PACKING:
        parts.append(money(t, content.total_amount, content.currency))
    return " · ".join(part for part in parts if part)


def paper_button(paper: Paper) -> Button:
    """The button that sends a paper's file again."""
    return (f"📄 {paper.number}", f"{GET}{paper.id}")


def proforma_button(t: Translator, order_id: int) -> Button:
    """The button on an order's card that issues (or sends again) its proforma."""
    return (t._("📄 Proforma invoice"), f"{PROFORMA}{order_id}")


def missing_rate_text(t: Translator, missing: MissingRate) -> str:
    """Say that a paper cannot be issued without the rate of the buyer's currency."""
    return t._(
        "The buyer is invoiced in {currency}, and no {currency} rate is set. Set it with /rates, "
        "then ask again. Nothing was issued."
    ).format(currency=missing.currency.value)


async def tell_buyer_of(context: BotContext, issued: Issued) -> None:
    """Send the buyer a newly issued paper."""
    buyer = await context.storage.members.get(issued.paper.buyer_id)
    if buyer is not None and issued.new:
        await send_paper(context, issued.paper, buyer.telegram_id)


async def proforma_after_confirming(context: BotContext, order_id: int, by: int) -> str:
    """Issue the proforma of an order just confirmed and send it to the buyer; say what it did."""
    issued = await issue_proforma(context, order_id, by=by)
    t = context.t
    if issued is None:
        return ""
    if isinstance(issued, MissingRate):
        return missing_rate_text(t, issued)
    await tell_buyer_of(context, issued)
    return t._("📄 Proforma invoice {number} sent to the buyer.").format(number=issued.paper.number)


async def ask_proforma(update: Update, context: BotContext) -> None:
    """Issue an order's proforma (a revision if the order changed) and send it to the admin."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None
    match = PROFORMA_PATTERN.match(query.data or "")
    assert match is not None
    t = context.t
    issued = await issue_proforma(context, int(match[1]), by=query.from_user.id)
    if issued is None:
        await answer_button(update, t._("This order no longer exists."), alert=True)
        return
    if isinstance(issued, MissingRate):
        await answer_button(update, missing_rate_text(t, issued), alert=True)
        return
    await answer_button(update)
    if issued.new:
        text = t._("📄 {number} issued and sent to the buyer.")
        await tell_buyer_of(context, issued)
    else:
        text = t._("📄 Nothing changed since {number}: here it is again.")
    await reply(update, context, text.format(number=issued.paper.number))
    await send_paper(context, issued.paper, query.from_user.id)


async def get_paper(update: Update, context: BotContext) -> None:
    """Send the admin a paper's file again, as it was issued."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None
    match = GET_PATTERN.match(query.data or "")
    assert match is not None
    paper = await context.storage.papers.get(int(match[1]))
    if paper is None:
        await answer_button(update, context.t._("This paper does not exist."), alert=True)
        return
    await answer_button(update)
    await send_paper(context, paper, query.from_user.id)


async def list_papers(update: Update, context: BotContext) -> None:
    """List the papers issued, newest first, each with a button to get it again."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    match = PAGE_PATTERN.match(query.data or "") if query is not None else None
    page = int(match[1]) if match is not None else 0
    await answer_button(update)
    storage, t = context.storage, context.t
    total = await storage.papers.count()
    papers = await storage.papers.recent(page * PAGE_SIZE, PAGE_SIZE)
    if total == 0:
        text = t._(
            "📄 No paper has been issued yet. A proforma invoice is issued when an order is "
            "confirmed; the commercial invoice and packing list when a container ships."
        )
        await show(update, context, text, keyboard([[(t._("⬅️ Menu"), MAIN_MENU)]]))
        return
    lines = [t._("📄 <b>Papers issued</b>: {count}").format(count=t.number(total)), ""]
    lines += [f"• {kind_name(t, paper.kind)} {paper_line(t, paper)}" for paper in papers]
    rows = [[paper_button(paper)] for paper in papers]
    more = (page + 1) * PAGE_SIZE < total
    rows += page_buttons(t, PAGE, page, more=more)
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the papers' handlers."""
    return [
        CommandHandler("papers", list_papers, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(list_papers, pattern=PAGE_PATTERN),
        CallbackQueryHandler(get_paper, pattern=GET_PATTERN),
        CallbackQueryHandler(ask_proforma, pattern=PROFORMA_PATTERN),
    ]
