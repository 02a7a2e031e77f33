"""An artisan's recent reports and where each stands; one still waiting can be withdrawn."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import Button, answer_button, keyboard, reply, show
from handlers.members.menu import MAIN_MENU, MY_REPORTS, PRIVATE, REPORT, membership_inactive
from handlers.pages import MAX_LISTED, Entry, newer_older, page_holding, paginate
from handlers.reports.review import reason_text
from handlers.reports.review_cards import refresh_copies
from storage.models.members import Member, MemberStatus, Role
from storage.models.reports import CancelOutcome, Report, ReportStatus, ReportView

PAGE_PREFIX = "rep:mine:"
CANCEL_ASK = "rep:x:"
CANCEL_YES = "rep:xy:"
PAGE_SIZE = 5


def status_text(t: Translator, report: Report) -> str:
    """Where a report stands, in words: waiting, accepted N of M, rejected and why, cancelled."""
    if report.status is ReportStatus.PENDING:
        return t._("⏳ waiting for the quality check")
    if report.status is ReportStatus.CANCELLED:
        return t._("✖️ cancelled")
    reason = reason_text(t, report.reject_reason)
    if report.status is ReportStatus.REJECTED:
        return t._("❌ rejected: {reason}").format(reason=reason)
    text = t._("✅ accepted {accepted} of {quantity}, {amount}").format(
        accepted=t.number(report.accepted_quantity or 0),
        quantity=t.number(report.quantity),
        amount=t.rupiah(report.amount),
    )
    if report.reject_reason:
        text += "\n" + t._("Not accepted: {reason}").format(reason=reason)
    return text


def drum_count(t: Translator, count: int) -> str:
    """Say how many drums: "1 drum", "10 drums"."""
    return t.ngettext("{count} drum", "{count} drums", count).format(count=t.number(count))


def report_entry(t: Translator, view: ReportView, zone: ZoneInfo) -> str:
    """Three lines about one report: reference and date, model, quantity and status."""
    report = view.report
    day = t.date(report.reported_at.astimezone(zone).date())
    drums = drum_count(t, report.quantity)
    return "\n".join(
        [
            f"<b>{report.reference}</b> · {day}",
            model_name(t, view.model),
            f"{drums} · {status_text(t, report)}",
        ]
    )


def _artisan(context: BotContext) -> Member | None:
    member = context.member
    if member is None or member.role is not Role.ARTISAN or context.is_admin:
        return None
    return member


def _refusal(context: BotContext) -> str:
    t = context.t
    if context.is_admin:
        return t._("Artisans see their own reports here. As an admin, use /review.")
    if context.member is None:
        return t._("Only registered artisans have reports. Send /start to register.")
    return t._("Reports are for the cooperative's artisans. Send /menu to see yours.")


async def _refuse(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await answer_button(update, text, alert=True)
    else:
        await reply(update, context, text)


async def list_reports(update: Update, context: BotContext) -> None:
    """Show one page of the artisan's reports, with Cancel for each one still waiting."""
    member = _artisan(context)
    if member is None:
        await _refuse(update, context, _refusal(context))
        return
    query = update.callback_query
    offset = 0
    if query is not None and query.data and query.data.startswith(PAGE_PREFIX):
        offset = int(query.data.removeprefix(PAGE_PREFIX))
    await answer_button(update)
    await _show_page(update, context, member, offset)


async def _show_page(update: Update, context: BotContext, member: Member, offset: int) -> None:
    t = context.t
    views = await context.storage.reports.for_artisan(member.id, limit=MAX_LISTED)
    menu: Button = (t._("⬅️ Menu"), MAIN_MENU)
    if offset >= len(views):
        if offset:
            text = t._("No older reports.")
            rows: list[list[Button]] = [[(t._("🧾 My reports"), MY_REPORTS)], [menu]]
        else:
            text = t._("You have not reported any drums yet.")
            rows = [[(t._("🪘 Report finished drums"), REPORT)], [menu]]
        await show(update, context, text, keyboard(rows))
        return
    zone = context.settings.zone
    entries = [Entry(report_entry(t, view, zone), _cancel_button(t, view)) for view in views]
    pages = paginate(entries, header=t._("<b>My reports</b>"), separator="\n\n", per_page=PAGE_SIZE)
    page = page_holding(pages, offset)
    rows = [*page.rows, *newer_older(t, PAGE_PREFIX, pages, page), [menu]]
    await show(update, context, page.text, keyboard(rows))


def _cancel_button(t: Translator, view: ReportView) -> Button | None:
    if view.report.status is not ReportStatus.PENDING:
        return None
    return (t._("✖️ Cancel {reference}").format(reference=view.report.reference), _ask_data(view))


def _ask_data(view: ReportView) -> str:
    return f"{CANCEL_ASK}{view.report.id}"


async def _own_report(update: Update, context: BotContext, prefix: str) -> Report | None:
    """The report the button names, if it is the sender's; otherwise refuse politely."""
    member = _artisan(context)
    if member is None:
        await _refuse(update, context, _refusal(context))
        return None
    if member.status is not MemberStatus.ACTIVE:
        # A deactivated artisan still sees their reports but no longer withdraws them.
        await _refuse(update, context, membership_inactive(context.t))
        return None
    query = update.callback_query
    assert query is not None and query.data is not None
    report = await context.storage.reports.get(int(query.data.removeprefix(prefix)))
    if report is None or report.artisan_id != member.id:
        await _refuse(update, context, _not_yours(context.t))
        return None
    return report


def _not_yours(t: Translator) -> str:
    return t._("Sorry, you can only cancel your own reports.")


def _decided(t: Translator, report: Report) -> str:
    if report.status is ReportStatus.CANCELLED:
        return t._("{reference} is already cancelled.").format(reference=report.reference)
    return t._("{reference} is already checked, so it cannot be cancelled.").format(
        reference=report.reference
    )


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Ask the artisan to confirm withdrawing a report still waiting for the check."""
    report = await _own_report(update, context, CANCEL_ASK)
    if report is None or context.member is None:
        return
    t = context.t
    if report.status is not ReportStatus.PENDING:
        await answer_button(update, _decided(t, report), alert=True)
        await _show_page(update, context, context.member, 0)
        return
    view = await context.storage.reports.view(report.id)
    assert view is not None
    text = t._(
        "Cancel report <b>{reference}</b>?\n{drums}: {model}\n"
        "The admins will not check these drums."
    ).format(
        reference=report.reference,
        drums=drum_count(t, report.quantity),
        model=model_name(t, view.model),
    )
    buttons = [
        [(t._("✖️ Yes, cancel it"), f"{CANCEL_YES}{report.id}")],
        [(t._("↩️ No, keep it"), MY_REPORTS)],
    ]
    await answer_button(update)
    await show(update, context, text, keyboard(buttons))


async def confirm_cancel(update: Update, context: BotContext) -> None:
    """Withdraw the report if it is the artisan's own and still waiting; say what happened."""
    report = await _own_report(update, context, CANCEL_YES)
    if report is None or context.member is None:
        return
    t = context.t
    outcome = await context.storage.reports.cancel(report.id, context.member.id)
    if outcome.outcome is CancelOutcome.CANCELLED:
        await answer_button(
            update, t._("{reference} cancelled.").format(reference=report.reference)
        )
        # The admins' copies lose their decision buttons and say the artisan cancelled.
        view = await context.storage.reports.view(report.id)
        if view is not None:
            await refresh_copies(context, view)
    elif outcome.outcome is CancelOutcome.ALREADY_DECIDED and outcome.report is not None:
        await answer_button(update, _decided(t, outcome.report), alert=True)
    else:
        await answer_button(update, _not_yours(t), alert=True)
        return
    await _show_page(update, context, context.member, 0)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the handlers of "My reports"."""
    report_id = r"[0-9]{1,18}"
    return [
        CommandHandler("reports", list_reports, filters=PRIVATE),
        CallbackQueryHandler(list_reports, pattern=rf"^{MY_REPORTS}(?::[0-9]{{1,6}})?$"),
        CallbackQueryHandler(ask_cancel, pattern=rf"^{CANCEL_ASK}{report_id}$"),
        CallbackQueryHandler(confirm_cancel, pattern=rf"^{CANCEL_YES}{report_id}$"),
    ]
