"""Admins undo a recorded payment; the artisan is told, in their language, what changed."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.common import esc, show, translator_for
from handlers.notices import notify
from handlers.undo import Undo
from storage.earnings import PaymentReversal
from storage.models.members import Member

# What the artisan is told, in their own language.
TOLD_PAID = N_(
    "💸 <b>Payment recorded</b>\nThe cooperative recorded {amount} as paid to you on {date}.\n"
    "Still to be paid to you: <b>{owed}</b>."
)
TOLD_UNDONE = N_(
    "↩️ <b>Correction</b>\nThe payment of {amount} recorded for {date} was a mistake and has "
    "been cancelled.\nStill to be paid to you: <b>{owed}</b>."
)

Reversed = tuple[PaymentReversal, Member]


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


async def _reverse(
    context: BotContext, payment_id: int, *, by: int, update_id: int
) -> Reversed | None:
    storage = context.storage
    reversal = await storage.earnings.reverse_payment(payment_id, by=by, update_id=update_id)
    artisan = None if reversal is None else await storage.members.get(reversal.payment.artisan_id)
    return None if reversal is None or artisan is None else (reversal, artisan)


async def _show_undone(update: Update, context: BotContext, undone: Reversed) -> None:
    """Show the cancelled payment; tell the artisan when this tap cancelled it."""
    (reversal, artisan), t = undone, context.t
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


UNDO = Undo[Reversed](
    prefix="pay:undo:",
    reverse=_reverse,
    undone=lambda undone: undone[0].reversed,
    answers=lambda t: (
        t._("There is no such payment to undo."),
        t._("Payment undone."),
        t._("This payment was already undone."),
    ),
    result=_show_undone,
)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the Undo button's handler (registered through handlers.money.payments)."""
    return [UNDO.handler()]
