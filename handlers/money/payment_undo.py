"""Admins undo a recorded payment; the artisan is told, in their language, what changed."""

from __future__ import annotations

import re
from datetime import date

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.common import answer_button, esc, refuse_unless_admin, show, translator_for
from handlers.notices import notify
from storage.models import Member

UNDO = "pay:undo:"
UNDO_PATTERN = re.compile(r"^pay:undo:(\d{1,18})$")
# What the artisan is told, in their own language.
TOLD_PAID = N_(
    "💸 <b>Payment recorded</b>\nThe cooperative recorded {amount} as paid to you on {date}.\n"
    "Still to be paid to you: <b>{owed}</b>."
)
TOLD_UNDONE = N_(
    "↩️ <b>Correction</b>\nThe payment of {amount} recorded for {date} was a mistake and has "
    "been cancelled.\nStill to be paid to you: <b>{owed}</b>."
)


def who(t: Translator, artisan: Member) -> str:
    """Name an artisan with their village, escaped: "Sri Wahyuni (Jiwut)"."""
    return t._("{name} ({village})").format(name=esc(artisan.name), village=esc(artisan.village))


async def tell_artisan(
    context: BotContext, artisan: Member, message: str, amount: int, paid_on: date, owed: int
) -> None:
    """Send the artisan one of the TOLD_* messages in their own language."""
    t = await translator_for(context.storage, context.settings.default_locale, artisan.telegram_id)
    text = t._(message).format(amount=t.rupiah(amount), date=t.date(paid_on), owed=t.rupiah(owed))
    await notify(context, artisan.telegram_id, text)


async def undo(update: Update, context: BotContext) -> None:
    """Reverse a recorded payment once, and tell the artisan it was corrected."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    assert query is not None
    match = UNDO_PATTERN.match(query.data or "")
    assert match is not None
    t, storage = context.t, context.storage
    reversal = await storage.earnings.reverse_payment(
        int(match[1]), by=query.from_user.id, update_id=update.update_id
    )
    artisan = None if reversal is None else await storage.members.get(reversal.payment.artisan_id)
    if reversal is None or artisan is None:
        await answer_button(update, t._("There is no such payment to undo."), alert=True)
        return
    if reversal.reversed:
        await answer_button(update, t._("Payment undone."))
    else:
        await answer_button(update, t._("This payment was already undone."), alert=True)
    amount, paid_on = -reversal.payment.amount, reversal.payment.paid_on or date.min
    text = t._(
        "↩️ Undone: the payment of <b>{amount}</b> to {who} on {date} is cancelled.\n"
        "Owed to them now: <b>{owed}</b>."
    ).format(
        amount=t.rupiah(amount),
        who=who(t, artisan),
        date=t.date(paid_on),
        owed=t.rupiah(reversal.balance.owed),
    )
    await show(update, context, text)
    if reversal.reversed:
        owed = reversal.balance.owed
        await tell_artisan(context, artisan, TOLD_UNDONE, amount, paid_on, owed)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the Undo button's handler (registered through handlers.money.payments)."""
    return [CallbackQueryHandler(undo, pattern=UNDO_PATTERN)]
