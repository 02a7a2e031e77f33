"""Admins record money paid to an artisan, who is told in their language; each is undoable."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    answer_button,
    clean_text,
    column,
    esc,
    keyboard,
    parse_rupiah,
    refuse_unless_admin,
    reply,
    show,
    today,
)
from handlers.dates import date_example, read_date
from handlers.flow import Flow
from handlers.money import payment_choice, payment_undo
from handlers.money.payment_choice import NEW_PATTERN
from handlers.money.payment_undo import TOLD_PAID, UNDO, tell_artisan, who
from handlers.money.stock_corrections import CORRECTING
from storage.earnings import OverpaymentError
from storage.models.members import Member, Role

AMOUNT, PAID_ON, NOTE, CONFIRM = range(4)

DAY = "pay:day:"
SKIP = "pay:skip"
RECORD = "pay:ok"
CANCEL = "pay:cancel"
DAY_PATTERN = re.compile(r"^pay:day:([01])$")
MAX_NOTE_LENGTH = 200
AMOUNT_EXAMPLE = 150_000

PAYING = Flow(
    draft_key="payment",
    busy_text=lambda context: context.t._(
        "You are recording a payment. Answer the question above, or send /cancel to stop."
    ),
)
draft = PAYING.draft


async def _artisan(context: BotContext, member_id: int) -> Member | None:
    member = await context.storage.members.get(member_id)
    return member if member is not None and member.role is Role.ARTISAN else None


def _amount_hint(t: Translator) -> str:
    return t._("Type the amount in Rupiah, e.g. {example}.").format(
        example=t.number(AMOUNT_EXAMPLE)
    )


async def start_payment(update: Update, context: BotContext) -> int | None:
    """Show the artisan and what they are owed, and ask how much was paid.

    A refusal returns None: an admin already in a payment stays at their step.
    """
    if not await refuse_unless_admin(update, context):
        return None
    t = context.t
    if context.user_data is not None and CORRECTING.draft_key in context.user_data:
        await answer_button(update, t._("Please finish this step first."))
        await reply(update, context, t._("You are correcting stock. Finish it, or send /cancel."))
        return None
    query = update.callback_query
    match = NEW_PATTERN.match(query.data or "") if query is not None else None
    artisan = await _artisan(context, int(match[1])) if match else None
    if artisan is None:
        await answer_button(update, t._("This artisan no longer exists."), alert=True)
        return None
    owed = (await context.storage.earnings.balance(artisan.id)).owed
    if owed <= 0:
        text = t._("Nothing is owed to {name} now, so there is nothing to pay.")
        await answer_button(update, text.format(name=artisan.name), alert=True)
        return None
    await answer_button(update)
    PAYING.discard(context)
    draft(context)["artisan"] = artisan.id
    text = t._("💸 <b>Payment to {who}</b>\nOwed now: <b>{owed}</b>").format(
        who=who(t, artisan), owed=t.rupiah(owed)
    )
    question = t._("How much was paid?")
    cancel = column([(t._("✖️ Cancel"), CANCEL)])
    await reply(update, context, f"{text}\n\n{question} {_amount_hint(t)}", cancel)
    return AMOUNT


@PAYING.admins_only
async def amount_typed(update: Update, context: BotContext) -> int:
    """Take the amount paid: a positive whole number of Rupiah, no more than is owed."""
    t = context.t
    artisan = await _artisan(context, int(draft(context).get("artisan", 0)))
    if artisan is None:
        await reply(update, context, t._("This artisan no longer exists."))
        return PAYING.end(context)
    message = update.message
    # No ceiling of its own: a typo with extra digits is caught by "more than owed" below.
    amount = parse_rupiah(message.text if message else None)
    if amount is None:
        await reply(
            update, context, t._("That is not an amount I can use.") + " " + _amount_hint(t)
        )
        return AMOUNT
    owed = (await context.storage.earnings.balance(artisan.id)).owed
    if amount > owed:
        text = t._(
            "That is more than is owed: {name} is owed {owed} now. Type at most that amount."
        )
        await reply(update, context, text.format(name=esc(artisan.name), owed=t.rupiah(owed)))
        return AMOUNT
    draft(context)["amount"] = amount
    await _ask_day(update, context)
    return PAID_ON


async def _ask_day(update: Update, context: BotContext, problem: str | None = None) -> None:
    t = context.t
    question = t._("When was it paid? Tap a button, or type the date, e.g. {example}.").format(
        example=date_example(t, today(context))
    )
    buttons = [[(t._("📅 Today"), f"{DAY}0"), (t._("📅 Yesterday"), f"{DAY}1")]]
    text = f"{problem}\n{question}" if problem else question
    await reply(update, context, text, keyboard([*buttons, [(t._("✖️ Cancel"), CANCEL)]]))


@PAYING.admins_only
async def day_chosen(update: Update, context: BotContext) -> int:
    """Take the payment date: today or yesterday by button, or typed; not future, not old."""
    t, this_day = context.t, today(context)
    query = update.callback_query
    if query is not None:
        match = DAY_PATTERN.match(query.data or "")
        assert match is not None
        await answer_button(update)
        paid_on: date | None = this_day - timedelta(days=int(match[1]))
    else:
        paid_on = read_date(update.message.text if update.message else None)
    if paid_on is None:
        await _ask_day(update, context, t._("I cannot read that date."))
        return PAID_ON
    earliest = this_day - timedelta(days=365)
    if paid_on > this_day:
        await _ask_day(update, context, t._("That date is in the future."))
        return PAID_ON
    if paid_on < earliest:
        problem = t._("That is more than a year ago; the earliest is {date}.")
        await _ask_day(update, context, problem.format(date=t.date(earliest)))
        return PAID_ON
    draft(context)["paid_on"] = paid_on.isoformat()
    text = t._("Paid on {date}. Add a short note (e.g. cash or bank transfer), or tap Skip.")
    await show(
        update,
        context,
        text.format(date=t.date(paid_on)),
        column([(t._("Skip"), SKIP), (t._("✖️ Cancel"), CANCEL)]),
    )
    return NOTE


@PAYING.admins_only
async def note_given(update: Update, context: BotContext) -> int:
    """Take the optional note, then show the payment to confirm."""
    t = context.t
    note: str | None = None
    if update.callback_query is None:
        note = clean_text(update.message.text if update.message else None, MAX_NOTE_LENGTH)
        if note is None:
            text = t._("Please type a short note (up to {count} characters), or tap Skip.")
            await reply(
                update,
                context,
                text.format(count=t.number(MAX_NOTE_LENGTH)),
                column([(t._("Skip"), SKIP)]),
            )
            return NOTE
    await answer_button(update)
    draft(context)["note"] = note
    return await _summary(update, context)


async def _summary(update: Update, context: BotContext) -> int:
    t, payment = context.t, draft(context)
    artisan = await _artisan(context, int(payment["artisan"]))
    if artisan is None:
        await show(update, context, t._("This artisan no longer exists."))
        return PAYING.end(context)
    owed = (await context.storage.earnings.balance(artisan.id)).owed
    lines = [
        t._("<b>Check the payment</b>"),
        t._("To: {who}").format(who=who(t, artisan)),
        t._("Amount: <b>{amount}</b>").format(amount=t.rupiah(payment["amount"])),
        t._("Paid on: {date}").format(date=t.date(date.fromisoformat(payment["paid_on"]))),
        t._("Note: {note}").format(note=esc(payment["note"]) if payment["note"] else "—"),
        t._("Still owed after this: {owed}").format(
            owed=t.rupiah(max(0, owed - payment["amount"]))
        ),
    ]
    buttons = column([(t._("✅ Record payment"), RECORD), (t._("✖️ Cancel"), CANCEL)])
    await show(update, context, "\n".join(lines), buttons)
    return CONFIRM


@PAYING.admins_only
async def record(update: Update, context: BotContext) -> int:
    """Record the payment, tell the artisan, and offer Undo to the admin."""
    t, payment, storage = context.t, draft(context), context.storage
    artisan = await _artisan(context, int(payment.get("artisan", 0)))
    if artisan is None or "paid_on" not in payment:
        await answer_button(update, t._("This artisan no longer exists."), alert=True)
        return PAYING.end(context)
    query = update.callback_query
    assert query is not None
    await answer_button(update)
    paid_on = date.fromisoformat(payment["paid_on"])
    try:
        entry = await storage.earnings.record_payment(
            artisan.id,
            payment["amount"],
            paid_on,
            payment.get("note"),
            by=query.from_user.id,
            update_id=update.update_id,
        )
    except OverpaymentError as error:
        text = t._("Not recorded: {name} is owed only {owed} now. Nothing was changed.")
        await show(update, context, text.format(name=esc(artisan.name), owed=t.rupiah(error.owed)))
        return PAYING.end(context)
    owed = (await storage.earnings.balance(artisan.id)).owed
    text = t._(
        "✅ Payment recorded: <b>{amount}</b> to {who}, paid on {date}.\n"
        "Still owed to them: <b>{owed}</b>."
    ).format(
        amount=t.rupiah(-entry.amount),
        who=who(t, artisan),
        date=t.date(paid_on),
        owed=t.rupiah(owed),
    )
    await show(update, context, text, UNDO.button(t, entry.id))
    await tell_artisan(context, artisan, TOLD_PAID, -entry.amount, paid_on, owed)
    return PAYING.end(context)


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the payment, recording nothing."""
    text = context.t._("Payment cancelled. Nothing was recorded.")
    return await PAYING.leave(update, context, text)


async def stray(update: Update, context: BotContext) -> None:
    """Refuse a payment button from a non-admin; for an admin, it belongs to a finished step."""
    if await refuse_unless_admin(update, context):
        text = context.t._("This button is no longer active. Send /pay to start again.")
        await answer_button(update, text, alert=True)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the payment conversation, the artisan list, Undo and the refusal of strays."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    listing: list[BaseHandler[Update, BotContext, Any]] = [
        # Choosing whom to pay and Undo live in their own modules; they are listed here (the
        # wiring point lists payments only) and among the conversation's fallbacks, so they
        # also work in mid-payment.
        *payment_choice.handlers(),
        *payment_undo.handlers(),
    ]
    conversation = PAYING.conversation(
        "payment",
        entry_points=[CallbackQueryHandler(start_payment, pattern=NEW_PATTERN)],
        states={
            AMOUNT: [MessageHandler(text, amount_typed)],
            PAID_ON: [
                CallbackQueryHandler(day_chosen, pattern=DAY_PATTERN),
                MessageHandler(text, day_chosen),
            ],
            NOTE: [
                CallbackQueryHandler(note_given, pattern=f"^{SKIP}$"),
                MessageHandler(text, note_given),
            ],
            CONFIRM: [CallbackQueryHandler(record, pattern=f"^{RECORD}$")],
        },
        cancel=cancel,
        cancel_data=CANCEL,
        also=listing,
        anything_else=True,
    )
    return [conversation, *listing, CallbackQueryHandler(stray, pattern=r"^pay:")]
