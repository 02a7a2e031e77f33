"""What catalogue flows share: the change flow, callback data, model card, Rupiah input, checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name, size_details
from handlers.catalogue.measures import packing_lines
from handlers.common import Button, answer_or_reply, column, reply
from handlers.flow import Flow
from handlers.members.menu import CATALOGUE
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood

PAGE_SIZE = 20
# No drum costs a hundred million Rupiah: a longer number is a typing slip.
MAX_PRICE = 100_000_000

LIST = "cat:list:"
OPEN = "cat:open:"
SHOW_PHOTO = "cat:pic:"
ASK_RETIRE = "cat:retire:"
RETIRE = "cat:retok:"
RESTORE = "cat:restore:"
ASK_REMOVE_PHOTO = "cat:rmphoto:"
REMOVE_PHOTO = "cat:rmphok:"
UNDO_PRICES = "cat:undo:"
ADD = "cat:add"
CHANGE_RATE = "cat:rate:"
CHANGE_PRICE = "cat:price:"
ATTACH_PHOTO = "cat:photo:"
# The size and packing screen (handlers.catalogue.packing).
PACKING = "cat:pack:"
ID = r"([0-9]{1,9})"

Step = Callable[[Update, BotContext], Coroutine[Any, Any, object]]

CHANGING = Flow(
    draft_key="catalogue",
    busy_text=lambda context: context.t._(
        "You are in the middle of changing the catalogue. Answer the question above, "
        "or send /cancel to stop."
    ),
    finish_first=True,
)
draft = CHANGING.draft


def amount_hint(t: Translator) -> str:
    """How to type an amount of Rupiah."""
    return t._(
        "Please type the amount in Rupiah as a whole number above zero, for example 150.000 "
        "(no cents, no words)."
    )


async def remind_amount(update: Update, context: BotContext) -> object:
    """Ask for a typed amount when something else was sent, staying at the step."""
    await reply(update, context, amount_hint(context.t))
    return None


def matched(context: BotContext, group: int = 1) -> str:
    """Return a part of the callback data, as matched by the handler's pattern."""
    match = context.match
    assert match is not None
    return str(match[group])


def matched_id(context: BotContext, group: int = 1) -> int:
    """Return a number from the callback data, as matched by the handler's pattern."""
    return int(matched(context, group))


def card_text(t: Translator, model: DrumModel) -> str:
    """A model's details as an admin reads them."""
    status = t._("active") if model.active else t._("⛔ retired (not offered to artisans)")
    photo = t._("✅ attached") if model.photo_file_id else t._("none yet")
    return "\n".join(
        [
            f"🪘 <b>{model_name(t, model)}</b>",
            size_details(t, model.size),
            t._("Code: <code>{code}</code>").format(code=model.code),
            t._("Artisan rate: <b>{amount}</b> per drum").format(
                amount=t.rupiah(model.artisan_rate)
            ),
            t._("Buyer price: <b>{amount}</b>").format(amount=t.rupiah(model.buyer_price)),
            *packing_lines(t, model.packing),
            t._("Photo: {photo}").format(photo=photo),
            t._("Status: {status}").format(status=status),
        ]
    )


async def model_card(context: BotContext, model: DrumModel) -> tuple[str, InlineKeyboardMarkup]:
    """A model's card with what an admin can do to it."""
    t = context.t
    buttons: list[Button] = [
        (t._("✏️ Change artisan rate"), f"{CHANGE_RATE}{model.id}"),
        (t._("✏️ Change buyer price"), f"{CHANGE_PRICE}{model.id}"),
        (t._("📐 Size and packing"), f"{PACKING}{model.id}"),
    ]
    if model.photo_file_id:
        buttons.append((t._("🖼 Show photo"), f"{SHOW_PHOTO}{model.id}"))
        buttons.append((t._("📷 Replace photo"), f"{ATTACH_PHOTO}{model.id}"))
        buttons.append((t._("🗑 Remove photo"), f"{ASK_REMOVE_PHOTO}{model.id}"))
    else:
        buttons.append((t._("📷 Attach photo"), f"{ATTACH_PHOTO}{model.id}"))
    if model.active:
        buttons.append((t._("⛔ Retire"), f"{ASK_RETIRE}{model.id}"))
    else:
        buttons.append((t._("♻️ Restore"), f"{RESTORE}{model.id}"))
    page = await page_of(context, model.id)
    buttons.append((t._("⬅️ Catalogue"), f"{LIST}{page}"))
    return card_text(t, model), column(buttons)


async def listed_models(context: BotContext) -> list[DrumModel]:
    """Every model as the admins' list shows them: active ones first, then retired ones."""
    models = await context.storage.catalogue.all_models()
    return sorted(models, key=_listing_order)


def _listing_order(model: DrumModel) -> tuple[bool, int, int, int, int]:
    # Plain before painted before carved reads better to an admin than the codes' order.
    return (
        not model.active,
        list(DrumSize).index(model.size),
        list(Wood).index(model.wood),
        list(DrumHead).index(model.head),
        list(Finish).index(model.finish),
    )


async def page_of(context: BotContext, model_id: int) -> int:
    """The page of the admins' list a model is on."""
    ids = [model.id for model in await listed_models(context)]
    return ids.index(model_id) // PAGE_SIZE if model_id in ids else 0


async def tell_gone(update: Update, context: BotContext) -> None:
    """Tell the admin the model they act on no longer exists."""
    await answer_or_reply(update, context, context.t._("This model no longer exists."))


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the catalogue change, keeping nothing of it."""
    t = context.t
    return await CHANGING.leave(
        update,
        context,
        t._("Cancelled. Nothing in the catalogue was changed."),
        column([(t._("🪘 Catalogue"), CATALOGUE)]),
    )
