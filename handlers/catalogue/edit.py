"""An admin changes a model's artisan rate or buyer price (with Undo), or attaches its photo."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.common import (
    ATTACH_PHOTO,
    CHANGE_PRICE,
    CHANGE_RATE,
    CHANGING,
    ID,
    MAX_PRICE,
    OPEN,
    UNDO_PRICES,
    amount_hint,
    cancel,
    card_text,
    draft,
    matched_id,
    model_card,
    remind_amount,
    tell_gone,
)
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, column, parse_rupiah, reply, show
from handlers.flow import END
from storage.models.catalogue import DrumModel

AMOUNT, CONFIRM, PHOTO = "AMOUNT", "CONFIRM", "PHOTO"

SAVE = "cat:e:save"
STOP = "cat:e:stop"
RATE, PRICE = "rate", "price"
TEXT = filters.TEXT & ~filters.COMMAND


def _kept_rates(t: Translator) -> str:
    return t._(
        "Drums already accepted keep the rate they were accepted at; "
        "drums accepted from now on get the new rate."
    )


async def _model(update: Update, context: BotContext, model_id: int) -> DrumModel | None:
    """The model, or None after telling the admin it is gone and ending the step."""
    model = await context.storage.catalogue.get(model_id)
    if model is None:
        CHANGING.discard(context)
        await tell_gone(update, context)
    return model


async def _begin(update: Update, context: BotContext, **fields: str) -> DrumModel | None:
    """The button's model with a new draft of the change, or None when it is gone."""
    model = await _model(update, context, matched_id(context))
    if model is not None:
        data = draft(context)
        data.clear()
        data.update(model_id=model.id, **fields)
    return model


async def _ask(update: Update, context: BotContext, question: str, state: str) -> object:
    await answer_button(update)
    await reply(update, context, question, column([(context.t._("✖️ Cancel"), STOP)]))
    return state


@CHANGING.admins_only
async def begin_rate(update: Update, context: BotContext) -> object:
    """Ask for a model's new artisan rate."""
    return await _begin_amount(update, context, RATE)


@CHANGING.admins_only
async def begin_price(update: Update, context: BotContext) -> object:
    """Ask for a model's new buyer price."""
    return await _begin_amount(update, context, PRICE)


async def _begin_amount(update: Update, context: BotContext, field: str) -> object:
    model = await _begin(update, context, field=field)
    if model is None:
        return END
    t = context.t
    name = model_name(t, model)
    if field == RATE:
        question = t._(
            "Type the new <b>artisan rate</b> for <b>{model}</b>, in Rupiah (now {rate}). "
            "It must be lower than the buyer price ({price})."
        ).format(model=name, rate=t.rupiah(model.artisan_rate), price=t.rupiah(model.buyer_price))
        question = f"{question}\n\n{_kept_rates(t)}"
    else:
        question = t._(
            "Type the new <b>buyer price</b> for <b>{model}</b>, in Rupiah (now {price}). "
            "It must be higher than the artisan rate ({rate})."
        ).format(model=name, rate=t.rupiah(model.artisan_rate), price=t.rupiah(model.buyer_price))
    return await _ask(update, context, question, AMOUNT)


@CHANGING.admins_only
async def take_amount(update: Update, context: BotContext) -> object:
    """Check the typed amount against the model's other price, then ask to confirm."""
    t = context.t
    data = draft(context)
    if not {"model_id", "field"} <= data.keys():
        return await cancel(update, context)
    amount = parse_rupiah(update.message.text if update.message else None, MAX_PRICE)
    if amount is None:
        await reply(update, context, amount_hint(t))
        return AMOUNT
    model = await _model(update, context, data["model_id"])
    if model is None:
        return END
    rate, price = model.artisan_rate, model.buyer_price
    if data["field"] == RATE:
        problem = _rate_problem(t, amount, model)
        rate = amount
    else:
        problem = _price_problem(t, amount, model)
        price = amount
    if problem is not None:
        await reply(update, context, problem)
        return AMOUNT
    data.update(old_rate=model.artisan_rate, old_price=model.buyer_price, rate=rate, price=price)
    await reply(update, context, _confirm_text(t, model, data), _confirm_buttons(t))
    return CONFIRM


def _rate_problem(t: Translator, rate: int, model: DrumModel) -> str | None:
    if rate == model.artisan_rate:
        return t._("That is the rate already. Type a different amount, or send /cancel.")
    if rate >= model.buyer_price:
        return t._(
            "The artisan rate must be lower than the buyer price ({price}). Type a lower rate, "
            "or change the buyer price first."
        ).format(price=t.rupiah(model.buyer_price))
    return None


def _price_problem(t: Translator, price: int, model: DrumModel) -> str | None:
    if price == model.buyer_price:
        return t._("That is the price already. Type a different amount, or send /cancel.")
    if price <= model.artisan_rate:
        return t._(
            "The buyer price must be higher than the artisan rate ({rate}). Type a higher price."
        ).format(rate=t.rupiah(model.artisan_rate))
    return None


def _confirm_text(t: Translator, model: DrumModel, data: dict[str, Any]) -> str:
    name = model_name(t, model)
    if data["field"] == RATE:
        title = t._("Change the artisan rate of <b>{model}</b>?").format(model=name)
        change = f"{t.rupiah(data['old_rate'])} → <b>{t.rupiah(data['rate'])}</b>"
        return f"{title}\n{change}\n\n{_kept_rates(t)}"
    title = t._("Change the buyer price of <b>{model}</b>?").format(model=name)
    change = f"{t.rupiah(data['old_price'])} → <b>{t.rupiah(data['price'])}</b>"
    return f"{title}\n{change}"


def _confirm_buttons(t: Translator) -> Any:
    return column([(t._("✅ Yes, change it"), SAVE), (t._("✖️ Cancel"), STOP)])


@CHANGING.admins_only
async def remind_confirm(update: Update, context: BotContext) -> object:
    """Show the change to confirm again."""
    data = draft(context)
    if not {"model_id", "field", "rate", "price"} <= data.keys():
        return await cancel(update, context)
    model = await _model(update, context, data["model_id"])
    if model is None:
        return END
    t = context.t
    await reply(update, context, _confirm_text(t, model, data), _confirm_buttons(t))
    return CONFIRM


@CHANGING.admins_only
async def save_amount(update: Update, context: BotContext) -> object:
    """Set the new price, unless it changed meanwhile, and offer Undo."""
    t = context.t
    data = draft(context)
    user = update.effective_user
    if user is None or not {"model_id", "field", "old_rate", "rate", "price"} <= data.keys():
        return await cancel(update, context)
    model = await _model(update, context, data["model_id"])
    if model is None:
        return END
    CHANGING.discard(context)
    if (model.artisan_rate, model.buyer_price) != (data["old_rate"], data["old_price"]):
        await answer_button(update)
        text = t._(
            "The prices of this model were changed meanwhile. Nothing was changed; "
            "please look at them again."
        )
        await show(update, context, text, column([(t._("🪘 Open the model"), f"{OPEN}{model.id}")]))
        return END
    await context.storage.catalogue.set_prices(
        model.id, artisan_rate=data["rate"], buyer_price=data["price"], by=user.id
    )
    changes = len(await context.storage.catalogue.price_history(model.id))
    name = model_name(t, model)
    if data["field"] == RATE:
        done = t._("✅ The artisan rate of <b>{model}</b> is now <b>{new}</b> (was {old}).").format(
            model=name, new=t.rupiah(data["rate"]), old=t.rupiah(data["old_rate"])
        )
        done = f"{done}\n\n{_kept_rates(t)}"
    else:
        done = t._("✅ The buyer price of <b>{model}</b> is now <b>{new}</b> (was {old}).").format(
            model=name, new=t.rupiah(data["price"]), old=t.rupiah(data["old_price"])
        )
    buttons = [
        (t._("↩️ Undo"), f"{UNDO_PRICES}{model.id}:{changes}"),
        (t._("🪘 Open the model"), f"{OPEN}{model.id}"),
    ]
    await answer_button(update, t._("Changed."))
    await show(update, context, done, column(buttons))
    return END


@CHANGING.admins_only
async def undo_prices(update: Update, context: BotContext) -> None:
    """Set back the prices a change replaced, if nothing changed them since."""
    t = context.t
    user = update.effective_user
    assert user is not None
    model_id, changes = matched_id(context), matched_id(context, 2)
    catalogue = context.storage.catalogue
    history = await catalogue.price_history(model_id)
    if len(history) < 2 or len(history) != changes:
        await answer_button(
            update,
            t._("This can no longer be undone: the prices have changed since."),
            alert=True,
        )
        return
    previous = history[-2]
    model = await catalogue.set_prices(
        model_id,
        artisan_rate=previous.artisan_rate,
        buyer_price=previous.buyer_price,
        by=user.id,
    )
    if model is None:
        await tell_gone(update, context)
        return
    await answer_button(update, t._("Undone."))
    text, markup = await model_card(context, model)
    undone = t._("↩️ Undone: the previous prices are back.")
    await show(update, context, f"{undone}\n\n{text}", markup)


@CHANGING.admins_only
async def begin_photo(update: Update, context: BotContext) -> object:
    """Ask for the model's photo."""
    model = await _begin(update, context)
    if model is None:
        return END
    t = context.t
    text = t._("Send the photo of <b>{model}</b> (as a photo, not as a file).").format(
        model=model_name(t, model)
    )
    return await _ask(update, context, text, PHOTO)


@CHANGING.admins_only
async def take_photo(update: Update, context: BotContext) -> object:
    """Keep the largest size of the photo for the model and show the card with it."""
    message = update.message
    data = draft(context)
    if message is None or not message.photo or "model_id" not in data:
        return await cancel(update, context)
    largest = max(message.photo, key=lambda size: size.width * size.height)
    model = await context.storage.catalogue.set_photo(data["model_id"], largest.file_id)
    CHANGING.discard(context)
    if model is None:
        await tell_gone(update, context)
        return END
    _, markup = await model_card(context, model)
    attached = context.t._("✅ Photo attached.")
    caption = f"{attached}\n\n{card_text(context.t, model)}"
    await context.bot.send_photo(
        message.chat_id, largest.file_id, caption=caption, reply_markup=markup
    )
    return END


async def remind_photo(update: Update, context: BotContext) -> object:
    """Ask for a photo when something else was sent."""
    await reply(
        update,
        context,
        context.t._("Please send a photo (not a file), or send /cancel."),
    )
    return None


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the price and photo conversation and the Undo of a price change."""
    return [
        CHANGING.conversation(
            "catalogue_edit",
            entry_points=[
                CallbackQueryHandler(begin_rate, pattern=rf"^{CHANGE_RATE}{ID}$"),
                CallbackQueryHandler(begin_price, pattern=rf"^{CHANGE_PRICE}{ID}$"),
                CallbackQueryHandler(begin_photo, pattern=rf"^{ATTACH_PHOTO}{ID}$"),
            ],
            states={
                AMOUNT: [
                    MessageHandler(TEXT, take_amount),
                    CallbackQueryHandler(cancel, pattern=f"^{STOP}$"),
                    MessageHandler(~filters.COMMAND, remind_amount),
                ],
                CONFIRM: [
                    CallbackQueryHandler(save_amount, pattern=f"^{SAVE}$"),
                    CallbackQueryHandler(cancel, pattern=f"^{STOP}$"),
                    MessageHandler(~filters.COMMAND, remind_confirm),
                ],
                PHOTO: [
                    MessageHandler(filters.PHOTO, take_photo),
                    CallbackQueryHandler(cancel, pattern=f"^{STOP}$"),
                    MessageHandler(~filters.COMMAND, remind_photo),
                ],
            },
            cancel=cancel,
        ),
        CallbackQueryHandler(undo_prices, pattern=rf"^{UNDO_PRICES}{ID}:([0-9]{{1,6}})$"),
    ]
