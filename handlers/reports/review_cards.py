"""The quality check's messages: report cards, decisions, reasons, and who is told what."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.catalogue.drums import model_name
from handlers.catalogue.stock_news import announce_stock_rise
from handlers.common import answer_button, esc, keyboard, reply, translator_for
from handlers.notices import Card, edit_copy, notify, revise_queued_copies
from storage.models.reports import Report, ReportStatus, ReportView

ACCEPT_ALL = "qc:all:"
ACCEPT_PART = "qc:part:"
REJECT = "qc:rej:"
ID = r"[0-9]{1,18}"

# Quick reasons are stored as these codes, so every reader sees them in their own language.
QUICK_REASONS = ("cracked_wood", "loose_skin", "poor_paint", "wrong_size")
NO_REASON = "no_reason"
MAX_ANSWER_LENGTH = 200


def tapped_id(update: Update) -> int:
    """The report id at the end of the tapped button's data (its pattern checked the digits)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return int(query.data.rsplit(":", 1)[1])


def admin_id(update: Update) -> int:
    """The Telegram id of the admin acting."""
    user = update.effective_user
    assert user is not None
    return user.id


def reason_text(t: Translator, stored: str | None) -> str:
    """Put a stored reason in the reader's words: quick reasons translated, typed text escaped."""
    if stored is None:
        return "—"
    quick = {
        "cracked_wood": t._("cracked wood"),
        "loose_skin": t._("loose skin"),
        "poor_paint": t._("poor paint"),
        "wrong_size": t._("wrong size"),
        NO_REASON: t._("no reason given"),
    }
    return quick.get(stored) or esc(stored)


def report_card(t: Translator, view: ReportView, zone: ZoneInfo) -> str:
    """What an admin reads about a report: who, where, which drums, how many, when."""
    report = view.report
    reported_on = report.reported_at.astimezone(zone).date()
    lines = [
        t._("🪘 <b>Report {reference}</b>").format(reference=report.reference),
        t._("Artisan: {name} ({workshop}, {village})").format(
            name=esc(view.artisan_name), workshop=esc(view.workshop), village=esc(view.village)
        ),
        t._("Model: {model} ({code})").format(
            model=model_name(t, view.model), code=view.model.code
        ),
        t.ngettext("Quantity: {count} drum", "Quantity: {count} drums", report.quantity).format(
            count=t.number(report.quantity)
        ),
        t._("Reported on {date}").format(date=t.date(reported_on)),
    ]
    return "\n".join(lines)


def decision_buttons(t: Translator, report_id: int) -> InlineKeyboardMarkup:
    """Accept all, accept part, reject."""
    return keyboard(
        [
            [(t._("✅ Accept all"), f"{ACCEPT_ALL}{report_id}")],
            [
                (t._("✂️ Accept part"), f"{ACCEPT_PART}{report_id}"),
                (t._("❌ Reject"), f"{REJECT}{report_id}"),
            ],
        ]
    )


def outcome(t: Translator, report: Report) -> str:
    """Say in a few plain words what was decided on a report."""
    accepted = report.accepted_quantity or 0
    if report.status is ReportStatus.REJECTED:
        return t._("rejected")
    if accepted < report.quantity:
        return t._("{accepted} of {count} drums accepted").format(
            accepted=t.number(accepted), count=t.number(report.quantity)
        )
    return t.ngettext("{count} drum accepted", "all {count} drums accepted", accepted).format(
        count=t.number(accepted)
    )


async def admin_name(context: BotContext, admin_id: int | None) -> str:
    """The first name of the admin who decided, as Telegram gave it (not escaped)."""
    person = await context.storage.people.get(admin_id) if admin_id is not None else None
    return person.first_name if person and person.first_name else str(admin_id or "?")


async def decided_card(context: BotContext, t: Translator, view: ReportView) -> str:
    """The report card once decided: the outcome, who decided, why, and what was credited."""
    report = view.report
    card = report_card(t, view, context.settings.zone)
    if report.status is ReportStatus.CANCELLED:
        cancelled = t._("↩️ Cancelled by the artisan.")
        return f"{card}\n\n{cancelled}"
    emoji = "❌" if report.status is ReportStatus.REJECTED else "✅"
    if report.status is ReportStatus.ACCEPTED and report.rejected_quantity:
        emoji = "✂️"
    decided_by = t._("Decided by {admin}: {outcome}").format(
        admin=esc(await admin_name(context, report.decided_by)), outcome=outcome(t, report)
    )
    lines = [f"{emoji} {decided_by}"]
    if report.reject_reason not in (None, NO_REASON):
        lines.append(t._("Reason: {reason}").format(reason=reason_text(t, report.reject_reason)))
    if report.amount:
        lines.append(t._("Credited: {amount}").format(amount=t.rupiah(report.amount)))
    return card + "\n\n" + "\n".join(lines)


def artisan_message(t: Translator, view: ReportView) -> str:
    """Tell the artisan what the quality check decided, and what they were credited."""
    report = view.report
    values = {"reference": report.reference, "model": model_name(t, view.model)}
    count, accepted = report.quantity, report.accepted_quantity or 0
    reason = t._("Reason: {reason}").format(reason=reason_text(t, report.reject_reason))
    if report.status is ReportStatus.REJECTED:
        text = t.ngettext(
            "❌ Your report {reference} ({count} drum of {model}) was not accepted.",
            "❌ Your report {reference} ({count} drums of {model}) was not accepted.",
            count,
        ).format(count=t.number(count), **values)
        return f"{text}\n{reason}"
    if accepted < count:
        lines = [
            t._(
                "✂️ Your report {reference} was checked: {accepted} of {count} drums "
                "of {model} accepted."
            ).format(accepted=t.number(accepted), count=t.number(count), **values),
            t.ngettext(
                "{count} drum was not accepted.",
                "{count} drums were not accepted.",
                count - accepted,
            ).format(count=t.number(count - accepted)),
        ]
        if report.reject_reason != NO_REASON:
            lines.append(reason)
    else:
        lines = [
            t.ngettext(
                "✅ Your report {reference} passed the quality check: {count} drum of {model} "
                "accepted.",
                "✅ Your report {reference} passed the quality check: all {count} drums of "
                "{model} accepted.",
                count,
            ).format(count=t.number(count), **values)
        ]
    lines.append(
        t._("💰 {amount} has been credited to you ({count} x {rate}).").format(
            amount=t.rupiah(report.amount),
            count=t.number(accepted),
            rate=t.rupiah(report.rate or 0),
        )
    )
    return "\n".join(lines)


async def send_card(
    context: BotContext,
    chat_id: int,
    view: ReportView,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Send a report's card into a chat: as the photo's caption when the report has a photo."""
    # Every copy of a report with a photo is a photo: refresh_copies edits copies by that rule.
    if view.report.photo_file_id:
        return await context.bot.send_photo(
            chat_id, view.report.photo_file_id, caption=text, reply_markup=markup
        )
    return await context.bot.send_message(chat_id, text, reply_markup=markup)


async def announce_copy(
    context: BotContext,
    chat_id: int,
    view: ReportView,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Send an admin a copy of a report's card, kept up to date from then on."""
    await notify(
        context,
        chat_id,
        text,
        reply_markup=markup,
        photo=view.report.photo_file_id or None,
        copy_of=copy_name("report", view.report.id),
    )


async def refresh_copies(
    context: BotContext, view: ReportView, only: tuple[int, int] | None = None
) -> None:
    """Show the decision on every admin's copy of the report (or on one), without buttons."""
    storage = context.storage

    async def render(t: Translator) -> Card:
        return await decided_card(context, t, view), None

    if only is None:
        await revise_queued_copies(context, copy_name("report", view.report.id), render)
    for chat_id, message_id in await storage.reports.messages(view.report.id):
        if only is not None and (chat_id, message_id) != only:
            continue
        t = await translator_for(storage, context.settings.default_locale, chat_id)
        text, _ = await render(t)
        caption = bool(view.report.photo_file_id)
        await edit_copy(context, chat_id, message_id, text, caption=caption)


async def tell_artisan(context: BotContext, view: ReportView) -> None:
    """Tell the artisan the decision in their own language."""
    chat_id = view.artisan_telegram_id
    t = await translator_for(context.storage, context.settings.default_locale, chat_id)
    await notify(context, chat_id, artisan_message(t, view))


async def after_decision(context: BotContext, report_id: int, update_id: int) -> None:
    """Show a fresh decision on every admin's copy, tell the artisan and fill backorders.

    `update_id` is the update that made the decision: delivered again after a crash, it
    tells again whoever it may not have told.
    """
    view = await context.storage.reports.view(report_id)
    if view is not None:
        await refresh_copies(context, view)
        await tell_artisan(context, view)
        await _stock_rose(context, view, update_id)


async def _stock_rose(context: BotContext, view: ReportView, update_id: int) -> None:
    # Also run for an update redelivered after a crash, when the decision was already saved.
    if view.report.status is ReportStatus.ACCEPTED:
        await announce_stock_rise(
            context, view.model.id, by=view.report.decided_by, update_id=update_id
        )


async def tell_already_decided(update: Update, context: BotContext, view: ReportView) -> None:
    """Say who decided the report and what; refresh the copy whose button was tapped."""
    t, report = context.t, view.report
    await _stock_rose(context, view, update.update_id)
    if report.status is ReportStatus.CANCELLED:
        note = t._("The artisan cancelled this report.")
    else:
        note = t._("Report {reference} was already decided by {admin}: {outcome}.").format(
            reference=report.reference,
            admin=await admin_name(context, report.decided_by),
            outcome=outcome(t, report),
        )
    query = update.callback_query
    if query is None:
        await reply(update, context, esc(note))
        return
    # Callback answers are plain text, so the admin's name is shown as typed there.
    await answer_button(update, note[:MAX_ANSWER_LENGTH], alert=True)
    if isinstance(query.message, Message):
        await refresh_copies(context, view, only=(query.message.chat.id, query.message.message_id))


async def tell_unknown_report(update: Update, context: BotContext) -> None:
    """Answer a report id that does not exist (tampered or mistyped)."""
    text = context.t._("This report does not exist.")
    if update.callback_query is not None:
        await answer_button(update, text, alert=True)
    else:
        await reply(update, context, text)
