"""A model's size and packing screen, and the Undo of a change made from it (packing).

An Undo carries the value the change replaced and a stamp of the packing the change left: it
puts the value back while the model's size and packing are still as that change left them.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.common import (
    CHANGING,
    ID,
    OPEN,
    PACKING,
    matched,
    matched_id,
    tell_gone,
)
from handlers.catalogue.drums import model_name
from handlers.catalogue.measures import (
    packing_lines,
    packing_text,
    parse_hs_code,
    size_text,
    weight_text,
)
from handlers.common import answer_button, column, show
from storage.models.catalogue import DrumModel
from storage.models.packing import Carton, Packing

SIZE, NET, GROSS, HS, BOX = "size", "net", "gross", "hs", "box"
FIELDS = (SIZE, NET, GROSS, HS, BOX)
# A value's Change button: this prefix, the field, then the model (packing).
BEGIN = "cat:pk:"
# Undo: the model, the field, the value it had, and a stamp of the packing the change left.
UNDO = "cat:pku:"
LOOSE_MARK = "loose"
_VALUE = r"[0-9a-z.]{1,24}"
UNDO_PATTERN = re.compile(rf"^{UNDO}{ID}:({'|'.join(FIELDS)}):({_VALUE}):([0-9a-f]{{8}})$")
# Telegram refuses button data longer than this.
MAX_BUTTON_DATA = 64


def field_name(t: Translator, field: str) -> str:
    """Name a value of the size and packing, as its button says it."""
    names = {
        SIZE: t._("Outer size"),
        NET: t._("Net weight"),
        GROSS: t._("Gross weight"),
        HS: t._("HS code"),
        BOX: t._("Packing"),
    }
    return names[field]


def value_text(t: Translator, packing: Packing, field: str) -> str:
    """One value of the size and packing, in words."""
    if field == SIZE:
        return size_text(t, packing)
    if field == NET:
        return weight_text(t, packing.net_weight_g)
    if field == GROSS:
        return weight_text(t, packing.gross_weight_g)
    if field == HS:
        return packing.hs_code
    return packing_text(t, packing.carton)


def packing_screen(t: Translator, model: DrumModel) -> tuple[str, InlineKeyboardMarkup]:
    """A model's size and packing, with a button for each value to change."""
    title = t._("📐 <b>{model}</b>: size and packing").format(model=model_name(t, model))
    text = "\n".join(
        [title, *packing_lines(t, model.packing), "", t._("What would you like to change?")]
    )
    buttons = [(f"✏️ {field_name(t, field)}", f"{BEGIN}{field}:{model.id}") for field in FIELDS]
    buttons.append((t._("🪘 Open the model"), f"{OPEN}{model.id}"))
    return text, column(buttons)


async def _model(update: Update, context: BotContext, model_id: int) -> DrumModel | None:
    """The model, or None after telling the admin it is gone."""
    model = await context.storage.catalogue.get(model_id)
    if model is None:
        await tell_gone(update, context)
    return model


@CHANGING.admins_only
async def show_packing(update: Update, context: BotContext) -> None:
    """Show a model's size and packing."""
    model = await _model(update, context, matched_id(context))
    if model is None:
        return
    await answer_button(update)
    await show(update, context, *packing_screen(context.t, model))


def _stamp(packing: Packing) -> str:
    """A short digest of a packing: an Undo holds while the packing is still this."""
    return hashlib.blake2s(packing.model_dump_json().encode(), digest_size=4).hexdigest()


def undo_data(model_id: int, field: str, before: Packing, after: Packing) -> str | None:
    """The Undo button's data; None when the old value cannot travel in it."""
    value = _encoded(before, field)
    data = f"{UNDO}{model_id}:{field}:{value}:{_stamp(after)}"
    fits = len(data.encode()) <= MAX_BUTTON_DATA and UNDO_PATTERN.match(data) is not None
    return data if fits and _decoded(after, field, value) is not None else None


def _encoded(packing: Packing, field: str) -> str:
    if field == SIZE:
        return f"{packing.diameter_cm}x{packing.height_cm}"
    if field == NET:
        return str(packing.net_weight_g)
    if field == GROSS:
        return str(packing.gross_weight_g)
    if field == HS:
        return packing.hs_code
    carton = packing.carton
    if carton is None:
        return LOOSE_MARK
    return f"{carton.per_carton}x{carton.length_cm}x{carton.width_cm}x{carton.height_cm}"


def _decoded(packing: Packing, field: str, value: str) -> Packing | None:
    """The packing with the field set back to the value an Undo carries; None if garbled."""
    numbers = [int(part) for part in value.split("x") if part.isdigit()]
    if field == HS:
        code = parse_hs_code(value)
        return None if code is None else packing.model_copy(update={"hs_code": code})
    if field == BOX and value == LOOSE_MARK:
        return packing.model_copy(update={"carton": None})
    if field == BOX and len(numbers) == 4:
        count, length, width, height = numbers
        carton = Carton(per_carton=count, length_cm=length, width_cm=width, height_cm=height)
        return packing.model_copy(update={"carton": carton})
    if field == SIZE and len(numbers) == 2:
        return packing.model_copy(update={"diameter_cm": numbers[0], "height_cm": numbers[1]})
    if field in (NET, GROSS) and len(numbers) == 1:
        key = "net_weight_g" if field == NET else "gross_weight_g"
        return packing.model_copy(update={key: numbers[0]})
    return None


@CHANGING.admins_only
async def undo(update: Update, context: BotContext) -> None:
    """Set back the value a change replaced, if the size and packing are as it left them."""
    t = context.t
    model = await _model(update, context, matched_id(context))
    if model is None:
        return
    field, value, stamp = matched(context, 2), matched(context, 3), matched(context, 4)
    previous = _decoded(model.packing, field, value)
    if previous is None or _stamp(model.packing) != stamp:
        await answer_button(
            update,
            t._("This can no longer be undone: the size or packing has changed since."),
            alert=True,
        )
        return
    changed = await context.storage.catalogue.set_packing(model.id, previous)
    if changed is None:
        await tell_gone(update, context)
        return
    await answer_button(update, t._("Undone."))
    undone = t._("↩️ Undone. {field}: {value}").format(
        field=field_name(t, field), value=value_text(t, previous, field)
    )
    text, markup = packing_screen(t, changed)
    await show(update, context, f"{undone}\n\n{text}", markup)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the size and packing screen and the Undo of a change."""
    return [
        CallbackQueryHandler(show_packing, pattern=rf"^{PACKING}{ID}$"),
        CallbackQueryHandler(undo, pattern=UNDO_PATTERN),
    ]
