"""Quality check: admins get each new report and accept all, accept part, or reject it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import (
    answer_button,
    column,
    esc,
    keyboard,
    page_buttons,
    refuse_unless_admin,
    show,
    translator_for,
)
from handlers.members.menu import MAIN_MENU, REVIEW
from handlers.pages import MAX_LISTED, Entry, paginate, pick
from handlers.reports.review_cards import (
    ACCEPT_ALL,
    ID,
    admin_id,
    after_decision,
    announce_copy,
    decided_card,
    decision_buttons,
    reason_text,
    report_card,
    send_card,
    tapped_id,
    tell_already_decided,
    tell_unknown_report,
)
from handlers.reports.review_reasons import decision_conversation, stale_button
from storage.models.reports import ReportStatus, ReportView

# reason_text, report_card and decision_buttons are offered to the other flows from here.
__all__ = ["announce_report", "decision_buttons", "handlers", "reason_text", "report_card"]

OPEN = "qc:open:"
PAGE = "qc:page:"
PAGE_SIZE = 5


async def announce_report(context: BotContext, view: ReportView) -> None:
    """Send every admin the new report, with its photo when there is one, and the decisions."""
    storage = context.storage
    for chat_id in context.settings.admin_ids:
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        text = report_card(t, view, context.settings.zone)
        await announce_copy(context, chat_id, view, text, decision_buttons(t, view.report.id))


async def accept_all(update: Update, context: BotContext) -> None:
    """Accept every drum of a report: they go into stock and the artisan is credited."""
    if not await refuse_unless_admin(update, context):
        return
    reports = context.storage.reports
    report = await reports.get(tapped_id(update))
    if report is None:
        await tell_unknown_report(update, context)
        return
    decision = await reports.decide(
        report.id, report.quantity, None, by=admin_id(update), update_id=update.update_id
    )
    if decision is None:
        await tell_unknown_report(update, context)
        return
    if not decision.decided:
        view = await reports.view(report.id)
        assert view is not None
        await tell_already_decided(update, context, view)
        return
    done = context.t._("✅ Accepted: {reference}.").format(reference=report.reference)
    await answer_button(update, done)
    await after_decision(context, report.id, update.update_id)


async def show_queue(update: Update, context: BotContext) -> None:
    """Show the reports waiting for the quality check, oldest first, a page at a time."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    data = query.data if query is not None and query.data is not None else ""
    page = int(data.removeprefix(PAGE)) if data.startswith(PAGE) else 0
    await answer_button(update)
    text, markup = await _queue_page(context, page)
    await show(update, context, text, markup)


async def _queue_page(context: BotContext, number: int) -> tuple[str, InlineKeyboardMarkup]:
    t, reports = context.t, context.storage.reports
    total = await reports.pending_count()
    if total == 0:
        menu = column([(t._("⬅️ Menu"), MAIN_MENU)])
        return t._("✅ No reports are waiting for the quality check."), menu
    title = t.ngettext(
        "🔍 <b>{count} report is waiting for the quality check</b>",
        "🔍 <b>{count} reports are waiting for the quality check</b>",
        total,
    ).format(count=t.number(total))

    def header(page: int, pages: int) -> str:
        where = t._("Oldest first. Page {page} of {pages}.").format(
            page=t.number(page + 1), pages=t.number(pages)
        )
        return f"{title}\n{where}\n"

    zone = context.settings.zone
    entries = [_queue_entry(t, view, zone) for view in await reports.review_queue(MAX_LISTED)]
    page = pick(paginate(entries, header=header, per_page=PAGE_SIZE), number)
    rows = [*page.rows, *page_buttons(t, PAGE, page.number, more=page.more)]
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    return page.text, keyboard(rows)


def _queue_entry(t: Translator, view: ReportView, zone: ZoneInfo) -> Entry:
    line = t._("<b>{reference}</b> · {name} ({village}) · {count} x {model} · {date}").format(
        reference=view.report.reference,
        name=esc(view.artisan_name),
        village=esc(view.village),
        count=t.number(view.report.quantity),
        model=model_name(t, view.model),
        date=t.date(view.report.reported_at.astimezone(zone).date()),
    )
    button = (f"🔎 {view.report.reference} · {view.artisan_name}"[:60], f"{OPEN}{view.report.id}")
    return Entry(line, button)


async def open_report(update: Update, context: BotContext) -> None:
    """Send one report's card: with the decisions while it waits, else with its outcome."""
    if not await refuse_unless_admin(update, context):
        return
    view = await context.storage.reports.view(tapped_id(update))
    chat = update.effective_chat
    if view is None or chat is None:
        await tell_unknown_report(update, context)
        return
    await answer_button(update)
    t = context.t
    if view.report.status is not ReportStatus.PENDING:
        await send_card(context, chat.id, view, await decided_card(context, t, view), None)
        return
    text = report_card(t, view, context.settings.zone)
    sent = await send_card(context, chat.id, view, text, decision_buttons(t, view.report.id))
    await context.storage.reports.add_message(view.report.id, chat.id, sent.message_id)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the quality check's handlers; the conversation first, it owns an admin's typing."""
    return [
        decision_conversation(),
        CallbackQueryHandler(accept_all, pattern=rf"^{ACCEPT_ALL}{ID}$"),
        CommandHandler("review", show_queue, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_queue, pattern=rf"^(?:{REVIEW}|{PAGE}[0-9]{{1,6}})$"),
        CallbackQueryHandler(open_report, pattern=rf"^{OPEN}{ID}$"),
        # Any other qc: button: a step that is over, or tampered data.
        CallbackQueryHandler(stale_button, pattern="^qc:"),
    ]
