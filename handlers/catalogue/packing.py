"""An admin changes a model's outer size, weights, HS code or packing, each with Undo.

Each value is one short step: typed (or, for the packing, chosen and then typed), checked
against its range, saved at once and shown with the value it replaced and an Undo
(packing_screen, which also shows the screen the steps start from).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.common import (
    CHANGING,
    ID,
    OPEN,
    PACKING,
    Step,
    cancel,
    draft,
    matched,
    matched_id,
    tell_gone,
)
from handlers.catalogue.drums import model_name
from handlers.catalogue.measures import (
    carton_hint,
    hs_code_hint,
    packing_text,
    parse_carton,
    parse_hs_code,
    parse_per_carton,
    parse_size,
    parse_weight,
    per_carton_hint,
    size_hint,
    weight_hint,
    weight_text,
)
from handlers.catalogue.packing_screen import (
    BEGIN,
    FIELDS,
    GROSS,
    HS,
    NET,
    SIZE,
    field_name,
    packing_screen,
    undo_data,
    value_text,
)
from handlers.catalogue.packing_screen import handlers as screen_handlers
from handlers.common import answer_button, column, reply, show
from handlers.flow import END
from storage.models.catalogue import DrumModel
from storage.models.packing import Carton, Packing

# The packing is chosen first (HOW), then typed; the other values are typed (TYPED).
HOW, PER_CARTON, CARTON = "PACK_HOW", "PACK_PER_CARTON", "PACK_CARTON"

LOOSE = "cat:pk:loose"
CARTONS = "cat:pk:cartons"
STOP = "cat:pk:stop"
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class Typed:
    """A value typed in one step: its question, how it is read and what it changes."""

    state: str
    question: Callable[[Translator], str]
    parse: Callable[[str | None], Any]
    hint: Callable[[Translator], str]
    # The packing's fields the value read sets.
    values: Callable[[Any], dict[str, Any]]


TYPED = {
    SIZE: Typed(
        "PACK_SIZE",
        lambda t: t._(
            "What is the outer size of <b>{model}</b>: its widest diameter and its height?"
        ),
        parse_size,
        size_hint,
        lambda size: {"diameter_cm": size[0], "height_cm": size[1]},
    ),
    NET: Typed(
        "PACK_NET",
        lambda t: t._("What does one <b>{model}</b> weigh, without packing?"),
        parse_weight,
        weight_hint,
        lambda grams: {"net_weight_g": grams},
    ),
    GROSS: Typed(
        "PACK_GROSS",
        lambda t: t._(
            "What does one <b>{model}</b> weigh packed, its share of the carton included?"
        ),
        parse_weight,
        weight_hint,
        lambda grams: {"gross_weight_g": grams},
    ),
    HS: Typed(
        "PACK_HS",
        lambda t: t._("What is the HS code of <b>{model}</b> for the export papers?"),
        parse_hs_code,
        hs_code_hint,
        lambda code: {"hs_code": code},
    ),
}


async def _model(update: Update, context: BotContext, model_id: int) -> DrumModel | None:
    """The model, or None after telling the admin it is gone and ending the step."""
    model = await context.storage.catalogue.get(model_id)
    if model is None:
        CHANGING.discard(context)
        await tell_gone(update, context)
    return model


@CHANGING.admins_only
async def begin(update: Update, context: BotContext) -> object:
    """Ask for the new value of the size or packing whose button was tapped."""
    field = matched(context)
    model = await _model(update, context, matched_id(context, 2))
    if model is None:
        return END
    data = draft(context)
    data.clear()
    data.update(model_id=model.id, field=field)
    t = context.t
    await answer_button(update)
    if field in TYPED:
        spec = TYPED[field]
        question = spec.question(t).format(model=model_name(t, model))
        now = t._("Now: <b>{value}</b>").format(value=value_text(t, model.packing, field))
        text = f"{question}\n{now}\n\n{spec.hint(t)}"
        await reply(update, context, text, _cancel_button(t))
        return spec.state
    question = t._("How is <b>{model}</b> packed for shipping?").format(model=model_name(t, model))
    now = t._("Now: <b>{value}</b>").format(value=packing_text(t, model.packing.carton))
    buttons = [
        (t._("🪘 Loose, one drum a package"), LOOSE),
        (t._("📦 In cartons"), CARTONS),
        (t._("✖️ Cancel"), STOP),
    ]
    await reply(update, context, f"{question}\n{now}", column(buttons))
    return HOW


def _cancel_button(t: Translator) -> InlineKeyboardMarkup:
    return column([(t._("✖️ Cancel"), STOP)])


def _typed_text(update: Update) -> str | None:
    return update.message.text if update.message else None


def _take(field: str) -> Step:
    spec = TYPED[field]

    @CHANGING.admins_only
    async def take(update: Update, context: BotContext) -> object:
        """Change the value typed, or answer with how to type it."""
        value = spec.parse(_typed_text(update))
        if value is None:
            await reply(update, context, spec.hint(context.t))
            return spec.state
        return await _change(update, context, spec.state, **spec.values(value))

    return take


def _remind(hint: Callable[[Translator], str]) -> Step:
    async def remind(update: Update, context: BotContext) -> object:
        """Say again how to answer when something else was sent, staying at the step."""
        await reply(update, context, hint(context.t))
        return None

    return remind


def _use_buttons(t: Translator) -> str:
    return t._("Please choose with the buttons above, or send /cancel.")


@CHANGING.admins_only
async def choose_loose(update: Update, context: BotContext) -> object:
    """Pack the model loose, one drum a package."""
    return await _change(update, context, HOW, carton=None)


@CHANGING.admins_only
async def choose_cartons(update: Update, context: BotContext) -> object:
    """Ask how many drums go in one carton."""
    if "model_id" not in draft(context):
        return await cancel(update, context)
    t = context.t
    await answer_button(update)
    question = t._("How many drums go in one carton?")
    await reply(update, context, f"{question}\n\n{per_carton_hint(t)}", _cancel_button(t))
    return PER_CARTON


@CHANGING.admins_only
async def take_per_carton(update: Update, context: BotContext) -> object:
    """Keep the drums a carton holds and ask for the carton's size."""
    t = context.t
    count = parse_per_carton(_typed_text(update))
    if count is None:
        await reply(update, context, per_carton_hint(t))
        return PER_CARTON
    draft(context)["per_carton"] = count
    question = t._("What is the outer size of a carton of {count}?").format(count=t.number(count))
    await reply(update, context, f"{question}\n\n{carton_hint(t)}", _cancel_button(t))
    return CARTON


@CHANGING.admins_only
async def take_carton(update: Update, context: BotContext) -> object:
    """Pack the model in cartons of the size typed."""
    sides = parse_carton(_typed_text(update))
    if sides is None:
        await reply(update, context, carton_hint(context.t))
        return CARTON
    per_carton = draft(context).get("per_carton")
    if not isinstance(per_carton, int):
        return await cancel(update, context)
    length, width, height = sides
    carton = Carton(per_carton=per_carton, length_cm=length, width_cm=width, height_cm=height)
    return await _change(update, context, CARTON, carton=carton)


async def _change(update: Update, context: BotContext, state: str, **values: Any) -> object:
    """Save the model's packing with these values, unless the weights would not add up."""
    data = draft(context)
    if not {"model_id", "field"} <= data.keys():
        return await cancel(update, context)
    model = await _model(update, context, data["model_id"])
    if model is None:
        return END
    changed = model.packing.model_copy(update=values)
    problem = _weights_problem(context.t, data["field"], changed)
    if problem is not None:
        await reply(update, context, problem)
        return state
    return await _save(update, context, model, data["field"], changed)


def _weights_problem(t: Translator, field: str, packing: Packing) -> str | None:
    if packing.gross_weight_g >= packing.net_weight_g:
        return None
    if field == NET:
        return t._(
            "The net weight cannot be above the gross weight ({gross}). Type a lower weight, "
            "or change the gross weight first."
        ).format(gross=weight_text(t, packing.gross_weight_g))
    return t._(
        "The gross weight cannot be below the net weight ({net}). Type a higher weight, "
        "or change the net weight first."
    ).format(net=weight_text(t, packing.net_weight_g))


async def _save(
    update: Update, context: BotContext, model: DrumModel, field: str, packing: Packing
) -> object:
    t = context.t
    CHANGING.discard(context)
    await answer_button(update)
    if packing == model.packing:
        text, markup = packing_screen(t, model)
        await show(update, context, f"{t._('Nothing changed.')}\n\n{text}", markup)
        return END
    changed = await context.storage.catalogue.set_packing(model.id, packing)
    if changed is None:
        await tell_gone(update, context)
        return END
    done = t._("✅ <b>{model}</b>\n{field}: <b>{new}</b> (was {old})").format(
        model=model_name(t, model),
        field=field_name(t, field),
        new=value_text(t, packing, field),
        old=value_text(t, model.packing, field),
    )
    buttons = [
        (t._("📐 Size and packing"), f"{PACKING}{model.id}"),
        (t._("🪘 Open the model"), f"{OPEN}{model.id}"),
    ]
    undo = undo_data(model.id, field, model.packing, changed.packing)
    if undo is not None:
        buttons.insert(0, (t._("↩️ Undo"), undo))
    await show(update, context, done, column(buttons))
    return END


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the size and packing conversation, then the screen and the Undo of a change."""
    stop = CallbackQueryHandler(cancel, pattern=f"^{STOP}$")
    typed_steps: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        spec.state: [
            MessageHandler(TEXT, _take(field)),
            stop,
            MessageHandler(~filters.COMMAND, _remind(spec.hint)),
        ]
        for field, spec in TYPED.items()
    }
    return [
        CHANGING.conversation(
            "catalogue_packing",
            entry_points=[
                CallbackQueryHandler(begin, pattern=rf"^{BEGIN}({'|'.join(FIELDS)}):{ID}$"),
            ],
            states={
                **typed_steps,
                HOW: [
                    CallbackQueryHandler(choose_loose, pattern=f"^{LOOSE}$"),
                    CallbackQueryHandler(choose_cartons, pattern=f"^{CARTONS}$"),
                    stop,
                    MessageHandler(~filters.COMMAND, _remind(_use_buttons)),
                ],
                PER_CARTON: [
                    MessageHandler(TEXT, take_per_carton),
                    stop,
                    MessageHandler(~filters.COMMAND, _remind(per_carton_hint)),
                ],
                CARTON: [
                    MessageHandler(TEXT, take_carton),
                    stop,
                    MessageHandler(~filters.COMMAND, _remind(carton_hint)),
                ],
            },
            cancel=cancel,
        ),
        *screen_handlers(),
    ]
