"""An admin adds a drum model: size, wood, head, finish, artisan rate, buyer price, confirm."""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.common import (
    ADD,
    CHANGING,
    MAX_PRICE,
    OPEN,
    RESTORE,
    amount_hint,
    cancel,
    draft,
    matched,
    model_card,
    remind_amount,
)
from handlers.catalogue.drums import (
    finish_name,
    head_name,
    model_name,
    size_details,
    size_name,
    wood_name,
)
from handlers.common import Button, answer_button, column, parse_rupiah, reply, show
from handlers.flow import END
from handlers.members.menu import CATALOGUE
from storage.catalogue import ModelExistsError, model_code
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood

SIZE, WOOD, HEAD, FINISH, RATE, PRICE, CONFIRM = (
    "SIZE",
    "WOOD",
    "HEAD",
    "FINISH",
    "RATE",
    "PRICE",
    "CONFIRM",
)

PICK_SIZE = "cat:a:size:"
PICK_WOOD = "cat:a:wood:"
PICK_HEAD = "cat:a:head:"
PICK_FINISH = "cat:a:finish:"
SAVE = "cat:a:save"
STOP = "cat:a:stop"
TEXT = filters.TEXT & ~filters.COMMAND


def _choice(prefix: str, kind: type[StrEnum]) -> str:
    return rf"^{prefix}({'|'.join(member.value for member in kind)})$"


def _header(t: Translator, data: dict[str, Any]) -> str:
    """The title of each step, with the attributes chosen so far."""
    chosen = []
    if "size" in data:
        chosen.append(size_name(t, DrumSize(data["size"])).capitalize())
    if "wood" in data:
        chosen.append(wood_name(t, Wood(data["wood"])))
    if "head" in data:
        chosen.append(head_name(t, DrumHead(data["head"])))
    if "finish" in data:
        chosen.append(finish_name(t, Finish(data["finish"])))
    title = t._("🆕 <b>New drum model</b>")
    return f"{title}\n{' · '.join(chosen)}" if chosen else title


async def _ask(update: Update, context: BotContext, state: str) -> object:
    """Ask for the attribute of `state` under the header, with a button for each value."""
    t = context.t
    choices: list[tuple[str, StrEnum]]
    if state == SIZE:
        question, prefix = t._("<b>1/6</b> Which size?"), PICK_SIZE
        choices = [
            (f"{size_name(t, size).capitalize()} ({size_details(t, size)})", size)
            for size in DrumSize
        ]
    elif state == WOOD:
        question, prefix = t._("<b>2/6</b> Which wood?"), PICK_WOOD
        choices = [(wood_name(t, wood).capitalize(), wood) for wood in Wood]
    elif state == HEAD:
        question, prefix = t._("<b>3/6</b> Which skin for the head?"), PICK_HEAD
        choices = [(head_name(t, head).capitalize(), head) for head in DrumHead]
    else:
        question, prefix = t._("<b>4/6</b> Which finish?"), PICK_FINISH
        choices = [(finish_name(t, finish).capitalize(), finish) for finish in Finish]
    buttons = [(label, f"{prefix}{value}") for label, value in choices]
    await _step(update, context, question, buttons)
    return state


async def _step(update: Update, context: BotContext, question: str, buttons: list[Button]) -> None:
    text = f"{_header(context.t, draft(context))}\n\n{question}"
    await answer_button(update)
    await show(update, context, text, column(buttons) if buttons else None)


@CHANGING.admins_only
async def begin(update: Update, context: BotContext) -> object:
    """Start adding a model with its size."""
    draft(context).clear()
    return await _ask(update, context, SIZE)


async def pick(update: Update, context: BotContext, *, field: str, then: str) -> object:
    """Take the size, wood or head from its button, ask for the attribute of `then`."""
    draft(context)[field] = matched(context)
    return await _ask(update, context, then)


@CHANGING.admins_only
async def pick_finish(update: Update, context: BotContext) -> object:
    """Take the finish; refuse a combination already in the catalogue, else ask for the rate."""
    data = draft(context)
    data["finish"] = matched(context)
    attributes = _attributes(data)
    if attributes is None:
        return await _lost(update, context)
    existing = await context.storage.catalogue.get_by_code(model_code(*attributes))
    if existing is not None:
        return await _already_there(update, context, existing)
    question = context.t._(
        "<b>5/6</b> Type the <b>artisan rate</b>: what the artisan is paid per drum, in Rupiah "
        "(for example 150.000)."
    )
    await _step(update, context, question, [])
    return RATE


async def remind_buttons(update: Update, context: BotContext) -> object:
    """Remind the admin that this step is answered with the buttons above."""
    await reply(
        update, context, context.t._("Please choose with the buttons above, or send /cancel.")
    )
    return None


@CHANGING.admins_only
async def take_rate(update: Update, context: BotContext) -> object:
    """Take the artisan rate, ask for the buyer price."""
    t = context.t
    rate = parse_rupiah(update.message.text if update.message else None, MAX_PRICE)
    if rate is None:
        await reply(update, context, amount_hint(t))
        return RATE
    draft(context)["rate"] = rate
    question = t._(
        "<b>6/6</b> Type the <b>buyer price</b>: what a buyer pays per drum, in Rupiah. "
        "It must be higher than the artisan rate ({rate})."
    ).format(rate=t.rupiah(rate))
    await reply(update, context, f"{_header(t, draft(context))}\n\n{question}")
    return PRICE


@CHANGING.admins_only
async def take_price(update: Update, context: BotContext) -> object:
    """Take the buyer price, above the rate, then show the summary."""
    t = context.t
    data = draft(context)
    price = parse_rupiah(update.message.text if update.message else None, MAX_PRICE)
    if price is None:
        await reply(update, context, amount_hint(t))
        return PRICE
    if "rate" not in data:
        return await _lost(update, context)
    if price <= data["rate"]:
        await reply(
            update,
            context,
            t._(
                "The buyer price must be higher than the artisan rate ({rate}). "
                "Please type the buyer price again."
            ).format(rate=t.rupiah(data["rate"])),
        )
        return PRICE
    data["price"] = price
    return await show_summary(update, context)


@CHANGING.admins_only
async def show_summary(update: Update, context: BotContext) -> object:
    """Show the new model to check, with Add and Cancel."""
    t = context.t
    data = draft(context)
    attributes = _attributes(data)
    if attributes is None or not {"rate", "price"} <= data.keys():
        return await _lost(update, context)
    size, wood, head, finish = attributes
    lines = [
        t._("<b>Please check the new model:</b>"),
        t._("{size} · {wood} · {head} · {finish}").format(
            size=size_name(t, size).capitalize(),
            wood=wood_name(t, wood),
            head=head_name(t, head),
            finish=finish_name(t, finish),
        ),
        size_details(t, size),
        t._("Code: <code>{code}</code>").format(code=model_code(size, wood, head, finish)),
        t._("Artisan rate: <b>{amount}</b> per drum").format(amount=t.rupiah(data["rate"])),
        t._("Buyer price: <b>{amount}</b>").format(amount=t.rupiah(data["price"])),
    ]
    buttons = [(t._("✅ Add to the catalogue"), SAVE), (t._("✖️ Cancel"), STOP)]
    await answer_button(update)
    await reply(update, context, "\n".join(lines), column(buttons))
    return CONFIRM


@CHANGING.admins_only
async def save(update: Update, context: BotContext) -> object:
    """Add the model to the catalogue, unless the combination appeared meanwhile."""
    data = draft(context)
    attributes = _attributes(data)
    user = update.effective_user
    if attributes is None or user is None or not {"rate", "price"} <= data.keys():
        return await _lost(update, context)
    try:
        model = await context.storage.catalogue.add(
            *attributes, data["rate"], data["price"], by=user.id
        )
    except ModelExistsError as error:
        return await _already_there(update, context, error.existing)
    CHANGING.discard(context)
    await answer_button(update, context.t._("Added."))
    text, markup = await model_card(context, model)
    added = context.t._("✅ Added to the catalogue. Artisans can report it from now on.")
    await show(update, context, f"{added}\n\n{text}", markup)
    return END


def _attributes(data: dict[str, Any]) -> tuple[DrumSize, Wood, DrumHead, Finish] | None:
    if not {"size", "wood", "head", "finish"} <= data.keys():
        return None
    return (
        DrumSize(data["size"]),
        Wood(data["wood"]),
        DrumHead(data["head"]),
        Finish(data["finish"]),
    )


async def _already_there(update: Update, context: BotContext, existing: DrumModel) -> object:
    t = context.t
    name = model_name(t, existing)
    if existing.active:
        text = t._(
            "<b>{model}</b> ({code}) is already in the catalogue. Nothing was added."
        ).format(model=name, code=existing.code)
        buttons: list[Button] = [(t._("🪘 Open it"), f"{OPEN}{existing.id}")]
    else:
        text = t._(
            "<b>{model}</b> ({code}) is already in the catalogue, retired. Nothing was added: "
            "restore it to offer it again, with its history."
        ).format(model=name, code=existing.code)
        buttons = [
            (t._("♻️ Restore it"), f"{RESTORE}{existing.id}"),
            (t._("🪘 Open it"), f"{OPEN}{existing.id}"),
        ]
    buttons.append((t._("⬅️ Catalogue"), CATALOGUE))
    return await CHANGING.leave(update, context, text, column(buttons))


async def _lost(update: Update, context: BotContext) -> object:
    """End a conversation whose draft was lost, asking to start again."""
    CHANGING.discard(context)
    await answer_button(update)
    t = context.t
    text = t._("Something is missing from this new model. Please start again.")
    await reply(update, context, text, column([(t._("🆕 Add a model"), ADD)]))
    return END


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the add-a-model conversation."""
    choices = {
        SIZE: (CHANGING.admins_only(partial(pick, field="size", then=WOOD)), PICK_SIZE, DrumSize),
        WOOD: (CHANGING.admins_only(partial(pick, field="wood", then=HEAD)), PICK_WOOD, Wood),
        HEAD: (CHANGING.admins_only(partial(pick, field="head", then=FINISH)), PICK_HEAD, DrumHead),
        FINISH: (pick_finish, PICK_FINISH, Finish),
    }
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        state: [
            CallbackQueryHandler(step, pattern=_choice(prefix, kind)),
            MessageHandler(~filters.COMMAND, remind_buttons),
        ]
        for state, (step, prefix, kind) in choices.items()
    }
    for state, take in ((RATE, take_rate), (PRICE, take_price)):
        states[state] = [
            MessageHandler(TEXT, take),
            MessageHandler(~filters.COMMAND, remind_amount),
        ]
    states[CONFIRM] = [
        CallbackQueryHandler(save, pattern=f"^{SAVE}$"),
        CallbackQueryHandler(cancel, pattern=f"^{STOP}$"),
        MessageHandler(~filters.COMMAND, show_summary),
    ]
    return [
        CHANGING.conversation(
            "catalogue_add",
            entry_points=[CallbackQueryHandler(begin, pattern=f"^{ADD}$")],
            states=states,
            cancel=cancel,
        )
    ]
