"""Admins set the USD and CNY exchange rates buyers' prices are shown in, or clear them."""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.common import matched
from handlers.catalogue.prices import CURRENCIES, price_lines
from handlers.common import (
    Button,
    answer_button,
    column,
    esc,
    keyboard,
    parse_rupiah,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.members.menu import MAIN_MENU, RATES
from storage.models.exchange_rates import Currency, ExchangeRate

RUPIAH = "RUPIAH"

SET = "rates:set:"
CLEAR = "rates:clear:"
CANCEL = "rates:cancel"
SET_PATTERN = re.compile(r"^rates:set:(USD|CNY)$")
CLEAR_PATTERN = re.compile(r"^rates:clear:(USD|CNY)$")
# Rupiah per unit accepted: far around today's rates (about 16,000 per dollar and 2,200 per
# yuan), so a slip of the finger (a missing or extra zero twice over) is caught.
BOUNDS = {Currency.USD: (1_000, 100_000), Currency.CNY: (100, 20_000)}
# The price shown as an example of what buyers see.
EXAMPLE_PRICE = 100_000


def _unit(rate: ExchangeRate | Currency) -> str:
    currency = rate.currency if isinstance(rate, ExchangeRate) else rate
    return f"1 {currency.value}"


SETTING = Flow(
    draft_key="rate",
    busy_text=lambda context: context.t._(
        "You are setting an exchange rate. Type it, or send /cancel to stop."
    ),
)
draft = SETTING.draft


async def _rate_line(context: BotContext, currency: Currency, rate: ExchangeRate | None) -> str:
    t = context.t
    if rate is None:
        return t._("{currency}: not set").format(currency=currency.value)
    setter = await context.storage.people.get(rate.set_by) if rate.set_by is not None else None
    return t._("{currency}: <b>{unit} = {rupiah}</b> · set by {name} on {date}").format(
        currency=currency.value,
        unit=_unit(rate),
        rupiah=t.rupiah(rate.rupiah_per_unit),
        name=esc(setter.first_name) if setter is not None else "—",
        date=t.date(rate.set_at.astimezone(context.settings.zone).date()),
    )


async def rates_screen(
    context: BotContext, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The rates as they are now, with Set and Clear for each currency."""
    t = context.t
    rates = await context.storage.exchange_rates.all()
    lines = [notice, ""] if notice else []
    lines.append(t._("💱 <b>Exchange rates</b>"))
    lines.append(t._("Buyers always see Rupiah; with a rate set they also see that currency."))
    lines.append("")
    for currency in CURRENCIES:
        lines.append(await _rate_line(context, currency, rates.get(currency)))
    if rates:
        lines.append("")
        lines.append(
            t._("A drum at {rupiah} is shown as: {price}").format(
                rupiah=t.rupiah(EXAMPLE_PRICE), price=price_lines(t, EXAMPLE_PRICE, rates)
            )
        )
    rows: list[list[Button]] = []
    for currency in CURRENCIES:
        row: list[Button] = [
            (t._("✏️ Set {currency}").format(currency=currency.value), f"{SET}{currency.value}")
        ]
        if currency in rates:
            row.append(
                (
                    t._("🗑️ Clear {currency}").format(currency=currency.value),
                    f"{CLEAR}{currency.value}",
                )
            )
        rows.append(row)
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    return "\n".join(lines), keyboard(rows)


async def show_rates(update: Update, context: BotContext) -> None:
    """Show the exchange rates to an admin."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    await show(update, context, *await rates_screen(context))


def _question(t: Translator, currency: Currency) -> str:
    low, high = BOUNDS[currency]
    return t._(
        "How many Rupiah is {unit} worth now? Type the number, e.g. {example} "
        "(from {low} to {high})."
    ).format(
        unit=_unit(currency),
        example=t.number(16_250 if currency is Currency.USD else 2_250),
        low=t.rupiah(low),
        high=t.rupiah(high),
    )


@SETTING.admins_only
async def ask_rate(update: Update, context: BotContext) -> object:
    """Ask how many Rupiah one unit of the chosen currency is worth."""
    currency = Currency(matched(context))
    SETTING.discard(context)
    draft(context)["currency"] = currency.value
    await answer_button(update)
    t = context.t
    text = t._("💱 <b>Set the {currency} rate</b>").format(currency=currency.value)
    cancel_button = column([(t._("✖️ Cancel"), CANCEL)])
    await reply(update, context, f"{text}\n{_question(t, currency)}", cancel_button)
    return RUPIAH


@SETTING.admins_only
async def rate_typed(update: Update, context: BotContext) -> object:
    """Take the typed rate; refuse 0, words and values far from any real rate."""
    t = context.t
    code = draft(context).get("currency")
    if code not in (Currency.USD.value, Currency.CNY.value):
        return await SETTING.leave(
            update, context, t._("Something went wrong. Please start again.")
        )
    currency = Currency(code)
    low, high = BOUNDS[currency]
    message = update.message
    value = parse_rupiah(message.text if message else None, high)
    if value is None or value < low:
        hint = t._("That does not look like a {currency} rate.").format(currency=currency.value)
        await reply(
            update,
            context,
            f"{hint} {_question(t, currency)}",
            column([(t._("✖️ Cancel"), CANCEL)]),
        )
        return RUPIAH
    before = (await context.storage.exchange_rates.all()).get(currency)
    user = update.effective_user
    assert user is not None
    rate = await context.storage.exchange_rates.set(currency, value, by=user.id)
    if before is None:
        notice = t._(
            "✅ {currency} rate set: {unit} = {rupiah}. It was not set before; "
            "buyers now see prices in {currency} too."
        )
        notice = notice.format(
            currency=currency.value, unit=_unit(rate), rupiah=t.rupiah(rate.rupiah_per_unit)
        )
    else:
        notice = t._(
            "✅ {currency} rate set: {unit} = {rupiah} (it was {before}; "
            "to undo, set it again to that)."
        ).format(
            currency=currency.value,
            unit=_unit(rate),
            rupiah=t.rupiah(rate.rupiah_per_unit),
            before=t.rupiah(before.rupiah_per_unit),
        )
    # Only typed text comes here, so leaving the step replies with the screen.
    return await SETTING.leave(update, context, *await rates_screen(context, notice))


async def clear_rate(update: Update, context: BotContext) -> None:
    """Stop showing prices in a currency, saying what the rate was."""
    if not await refuse_unless_admin(update, context):
        return
    t = context.t
    currency = Currency(matched(context))
    before = (await context.storage.exchange_rates.all()).get(currency)
    if before is None or not await context.storage.exchange_rates.clear(currency):
        await answer_button(
            update, t._("No {currency} rate is set.").format(currency=currency.value), alert=True
        )
        await show(update, context, *await rates_screen(context))
        return
    await answer_button(update)
    notice = t._(
        "🗑️ {currency} rate cleared (it was {unit} = {rupiah}). Buyers see Rupiah without "
        "{currency} now; to undo, set it again."
    ).format(currency=currency.value, unit=_unit(before), rupiah=t.rupiah(before.rupiah_per_unit))
    await show(update, context, *await rates_screen(context, notice))


async def cancel(update: Update, context: BotContext) -> object:
    """Leave without changing any rate."""
    notice = context.t._("Nothing changed.")
    if context.is_admin:
        return await SETTING.leave(update, context, *await rates_screen(context, notice))
    return await SETTING.leave(update, context, notice)


async def stray(update: Update, context: BotContext) -> None:
    """Refuse a rates button from a non-admin; for an admin, it belongs to a finished step."""
    if await refuse_unless_admin(update, context):
        text = context.t._("This button is no longer active. Send /rates to start again.")
        await answer_button(update, text, alert=True)


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent conversation asking for a rate."""
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    return SETTING.conversation(
        "rates",
        entry_points=[CallbackQueryHandler(ask_rate, pattern=SET_PATTERN)],
        states={
            RUPIAH: [
                MessageHandler(text, rate_typed),
                MessageHandler(~filters.COMMAND, SETTING.busy),
            ]
        },
        cancel=cancel,
        cancel_data=CANCEL,
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the rate conversation, the rates screen, Clear and the refusal of strays."""
    return [
        conversation(),
        CommandHandler("rates", show_rates, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_rates, pattern=f"^{RATES}$"),
        CallbackQueryHandler(clear_rate, pattern=CLEAR_PATTERN),
        CallbackQueryHandler(stray, pattern="^rates:"),
    ]
