"""Accepting part of a report, or rejecting it: how many drums passed, and why the rest not."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    answer_button,
    clean_text,
    column,
    keyboard,
    parse_quantity,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.members.menu import REVIEW
from handlers.reports.review_cards import (
    ACCEPT_PART,
    ID,
    NO_REASON,
    QUICK_REASONS,
    REJECT,
    admin_id,
    after_decision,
    outcome,
    reason_text,
    tapped_id,
    tell_already_decided,
    tell_unknown_report,
)
from storage.models.reports import ReportStatus, ReportView, report_reference

WHY = "qc:why:"
STOP = "qc:stop"
TYPE_IT = "other"
WHY_PATTERN = re.compile(rf"^{WHY}({ID}):({'|'.join((*QUICK_REASONS, NO_REASON, TYPE_IT))})$")
MAX_REASON_LENGTH = 200

PART_COUNT, REASON, TYPED_REASON = "PART_COUNT", "REASON", "TYPED_REASON"
END = ConversationHandler.END


def _busy_text(context: BotContext) -> str:
    reference = report_reference(int(DECIDING.draft(context).get("report_id", 0)))
    return context.t._(
        "You are deciding report {reference}. Answer the question above, or send /cancel to stop."
    ).format(reference=reference)


# The admin's step in progress: {"report_id": int, "accepted": int} (0 accepted: a rejection).
DECIDING = Flow(draft_key="quality_check", busy_text=_busy_text)


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a quality-check button whose step is over; refuse non-admins politely."""
    if await refuse_unless_admin(update, context):
        await answer_button(
            update,
            context.t._("This button is no longer active. Send /menu to start again."),
            alert=True,
        )


def _stop_button(t: Translator) -> InlineKeyboardMarkup:
    return column([(t._("✖️ Stop, decide nothing"), STOP)])


async def _pending_report(update: Update, context: BotContext) -> ReportView | None:
    """The tapped report while it waits; otherwise say why not (None)."""
    if not await refuse_unless_admin(update, context):
        return None
    view = await context.storage.reports.view(tapped_id(update))
    if view is None:
        await tell_unknown_report(update, context)
    elif view.report.status is not ReportStatus.PENDING:
        await tell_already_decided(update, context, view)
    else:
        return view
    return None


async def begin_part(update: Update, context: BotContext) -> object:
    """Start accepting part of a report: ask how many drums passed."""
    view = await _pending_report(update, context)
    if view is None:
        return None  # an earlier step in progress stays as it was
    t, quantity = context.t, view.report.quantity
    if quantity < 2:
        await answer_button(
            update, t._("This report is of one drum: accept it or reject it."), alert=True
        )
        return None
    DECIDING.draft(context).clear()
    DECIDING.draft(context)["report_id"] = view.report.id
    await answer_button(update)
    question = t._(
        "✂️ Report {reference}: how many of the {count} drums passed the check? "
        "Type a number from 1 to {max}."
    ).format(
        reference=view.report.reference,
        count=t.number(quantity),
        max=t.number(quantity - 1),
    )
    await reply(update, context, question, _stop_button(t))
    return PART_COUNT


async def begin_reject(update: Update, context: BotContext) -> object:
    """Start rejecting a report: ask why."""
    view = await _pending_report(update, context)
    if view is None:
        return None  # an earlier step in progress stays as it was
    DECIDING.draft(context).clear()
    DECIDING.draft(context).update(report_id=view.report.id, accepted=0)
    await answer_button(update)
    await _ask_reason(update, context, view, 0)
    return REASON


async def take_part_count(update: Update, context: BotContext) -> object:
    """Take how many drums passed (1 to all but one), then ask why the rest did not."""
    view = await context.storage.reports.view(DECIDING.draft(context).get("report_id", 0))
    if view is None or view.report.status is not ReportStatus.PENDING:
        return await _step_over(update, context, view)
    t, quantity = context.t, view.report.quantity
    accepted = parse_quantity(update.message.text if update.message else None, quantity - 1)
    if accepted is None:
        hint = t._("Please type a number from 1 to {max}: how many drums passed the check?")
        await reply(update, context, hint.format(max=t.number(quantity - 1)), _stop_button(t))
        return PART_COUNT
    DECIDING.draft(context)["accepted"] = accepted
    await _ask_reason(update, context, view, accepted)
    return REASON


async def _ask_reason(update: Update, context: BotContext, view: ReportView, accepted: int) -> None:
    t, report = context.t, view.report
    if accepted:
        rest = report.quantity - accepted
        question = t.ngettext(
            "{accepted} of {count} drums accepted. Why did the other {rest} drum not pass? "
            "Pick a reason or type it.",
            "{accepted} of {count} drums accepted. Why did the other {rest} drums not pass? "
            "Pick a reason or type it.",
            rest,
        ).format(accepted=t.number(accepted), count=t.number(report.quantity), rest=t.number(rest))
    else:
        question = t._("❌ Why is report {reference} rejected? Pick a reason or type it.").format(
            reference=report.reference
        )
    quick = [
        (reason_text(t, code).capitalize(), f"{WHY}{report.id}:{code}") for code in QUICK_REASONS
    ]
    rows = [quick[:2], quick[2:], [(t._("✏️ Other: type it"), f"{WHY}{report.id}:{TYPE_IT}")]]
    if accepted:
        rows.append([(reason_text(t, NO_REASON).capitalize(), f"{WHY}{report.id}:{NO_REASON}")])
    rows.append([(t._("✖️ Stop, decide nothing"), STOP)])
    await reply(update, context, question, keyboard(rows))


async def choose_reason(update: Update, context: BotContext) -> object:
    """Take a quick reason from its button, or ask to type one."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = WHY_PATTERN.match(query.data)
    data = DECIDING.draft(context)
    if match is None or int(match[1]) != data.get("report_id") or "accepted" not in data:
        await stale_button(update, context)
        return None
    code = match[2]
    if code == TYPE_IT:
        await answer_button(update)
        hint = context.t._("Type the reason in a few words (at most {max} characters).")
        await reply(update, context, hint.format(max=MAX_REASON_LENGTH), _stop_button(context.t))
        return TYPED_REASON
    if code == NO_REASON and not data["accepted"]:
        await stale_button(update, context)  # a rejection always says why
        return None
    return await _decide(update, context, code)


async def take_typed_reason(update: Update, context: BotContext) -> object:
    """Take the reason the admin typed."""
    reason = clean_text(update.message.text if update.message else None, MAX_REASON_LENGTH)
    if reason is None:
        hint = context.t._("Please type the reason in words, at most {max} characters.")
        await reply(update, context, hint.format(max=MAX_REASON_LENGTH), _stop_button(context.t))
        return None
    return await _decide(update, context, reason)


async def _decide(update: Update, context: BotContext, reason: str) -> object:
    data = DECIDING.draft(context)
    if not await refuse_unless_admin(update, context) or not {"report_id", "accepted"} <= set(data):
        return await cancel(update, context)
    report_id, accepted = int(data["report_id"]), int(data["accepted"])
    reports = context.storage.reports
    decision = await reports.decide(
        report_id, accepted, reason, by=admin_id(update), update_id=update.update_id
    )
    DECIDING.discard(context)
    if decision is None or not decision.decided:
        return await _step_over(update, context, await reports.view(report_id))
    await after_decision(context, report_id, update.update_id)
    t = context.t
    text = t._("Saved: report {reference}, {outcome}. The artisan is told.").format(
        reference=decision.report.reference, outcome=outcome(t, decision.report)
    )
    await answer_button(update)
    # A quick reason's buttons give way to the outcome; a typed reason gets a new message.
    await show(update, context, text, await _queue_button(context))
    return END


async def _step_over(update: Update, context: BotContext, view: ReportView | None) -> object:
    """Leave the step: the report is gone or was decided meanwhile."""
    DECIDING.discard(context)
    if view is None:
        await tell_unknown_report(update, context)
    else:
        await tell_already_decided(update, context, view)
    return END


async def _queue_button(context: BotContext) -> InlineKeyboardMarkup | None:
    waiting = await context.storage.reports.pending_count()
    if not waiting:
        return None
    label = context.t._("🔍 Reports waiting: {count}").format(count=context.t.number(waiting))
    return column([(label, REVIEW)])


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the quality-check step; nothing is decided."""
    text = context.t._("Stopped. Nothing was decided.")
    return await DECIDING.leave(update, context, text, await _queue_button(context))


def decision_conversation() -> ConversationHandler[BotContext]:
    """Build the persistent conversation for accepting part of a report or rejecting it."""
    return DECIDING.conversation(
        "quality_check",
        entry_points=[
            CallbackQueryHandler(begin_part, pattern=rf"^{ACCEPT_PART}{ID}$"),
            CallbackQueryHandler(begin_reject, pattern=rf"^{REJECT}{ID}$"),
        ],
        states={
            PART_COUNT: [MessageHandler(~filters.COMMAND, take_part_count)],
            REASON: [
                CallbackQueryHandler(choose_reason, pattern=WHY_PATTERN),
                MessageHandler(~filters.COMMAND, take_typed_reason),
            ],
            TYPED_REASON: [
                CallbackQueryHandler(choose_reason, pattern=WHY_PATTERN),
                MessageHandler(~filters.COMMAND, take_typed_reason),
            ],
        },
        # Other flows' buttons wait too, or typed answers would reach the wrong flow.
        cancel=cancel,
        cancel_data=STOP,
    )
