"""Admins keep the catalogue: list the models, open one, retire, restore, show or remove photos.

Adding a model lives in handlers.catalogue.add; changing prices and attaching photos in
handlers.catalogue.edit; its size, weights, HS code and packing in handlers.catalogue.packing.
This module's handlers() returns all four, conversations first.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.catalogue import add, edit, packing
from handlers.catalogue.common import (
    ADD,
    ASK_REMOVE_PHOTO,
    ASK_RETIRE,
    CHANGING,
    ID,
    LIST,
    OPEN,
    PAGE_SIZE,
    REMOVE_PHOTO,
    RESTORE,
    RETIRE,
    SHOW_PHOTO,
    listed_models,
    matched_id,
    model_card,
    tell_gone,
)
from handlers.catalogue.drums import model_name
from handlers.common import answer_button, column, keyboard, page_buttons, reply, show
from handlers.members.menu import CATALOGUE, MAIN_MENU
from handlers.pages import Entry, paginate, pick
from storage.models.catalogue import DrumModel


@CHANGING.admins_only
async def show_catalogue(update: Update, context: BotContext) -> None:
    """Show the first page of the catalogue."""
    await answer_button(update)
    await _show_page(update, context, 0)


@CHANGING.admins_only
async def show_list_page(update: Update, context: BotContext) -> None:
    """Show one page of the catalogue."""
    await answer_button(update)
    await _show_page(update, context, matched_id(context))


async def _show_page(update: Update, context: BotContext, number: int) -> None:
    t = context.t
    models = await listed_models(context)
    active = sum(model.active for model in models)
    header = "\n".join(
        [
            t._("🪘 <b>Catalogue</b>"),
            t._("Active: {active} · retired: {retired}").format(
                active=t.number(active), retired=t.number(len(models) - active)
            ),
            t._("Artisan rate / buyer price per drum:"),
            "",
        ]
    )
    entries = [
        Entry(_line(context, model), (_label(context, model), f"{OPEN}{model.id}"))
        for model in models
    ]
    footer = "\n" + t._("Tap a model to open it.")
    page = pick(paginate(entries, header=header, footer=footer, per_page=PAGE_SIZE), number)
    rows = [*page.rows, *page_buttons(t, LIST, page.number, more=page.more)]
    rows.append([(t._("🆕 Add a model"), ADD)])
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    await show(update, context, page.text, keyboard(rows))


def _line(context: BotContext, model: DrumModel) -> str:
    t = context.t
    line = t._("{model}: {rate} / {price}").format(
        model=model_name(t, model),
        rate=t.rupiah(model.artisan_rate),
        price=t.rupiah(model.buyer_price),
    )
    return line if model.active else t._("⛔ {line} (retired)").format(line=line)


def _label(context: BotContext, model: DrumModel) -> str:
    name = model_name(context.t, model)
    return name if model.active else context.t._("⛔ {model} (retired)").format(model=name)


async def _model(update: Update, context: BotContext) -> DrumModel | None:
    """The model the button names, or None after telling the admin it is gone."""
    model = await context.storage.catalogue.get(matched_id(context))
    if model is None:
        await tell_gone(update, context)
    return model


@CHANGING.admins_only
async def open_model(update: Update, context: BotContext) -> None:
    """Show one model's card."""
    model = await _model(update, context)
    if model is None:
        return
    await answer_button(update)
    await show(update, context, *await model_card(context, model))


@CHANGING.admins_only
async def show_photo(update: Update, context: BotContext) -> None:
    """Send the model's photo with its card as the caption."""
    model = await _model(update, context)
    if model is None:
        return
    await answer_button(update)
    text, markup = await model_card(context, model)
    chat = update.effective_chat
    if model.photo_file_id is None or chat is None:
        await show(update, context, text, markup)
        return
    try:
        await context.bot.send_photo(
            chat.id, model.photo_file_id, caption=text, reply_markup=markup
        )
    except BadRequest:
        # Telegram no longer knows the file (or never did): the admin can attach it again.
        await reply(
            update,
            context,
            context.t._("I could not show this photo. Please attach it again."),
            markup,
        )


@CHANGING.admins_only
async def ask_retire(update: Update, context: BotContext) -> None:
    """Ask the admin to confirm retiring a model."""
    model = await _model(update, context)
    if model is None:
        return
    await answer_button(update)
    t = context.t
    if not model.active:
        await show(update, context, *await model_card(context, model))
        return
    text = t._(
        "Retire <b>{model}</b>?\nArtisans will no longer see it when they report drums. "
        "Its reports, stock and price history stay, and you can restore it at any time."
    ).format(model=model_name(t, model))
    buttons = [
        (t._("⛔ Yes, retire"), f"{RETIRE}{model.id}"),
        (t._("No, keep it"), f"{OPEN}{model.id}"),
    ]
    await show(update, context, text, column(buttons))


@CHANGING.admins_only
async def retire(update: Update, context: BotContext) -> None:
    """Take a model out of the artisans' menus; its history stays."""
    await _set_active(update, context, active=False)


@CHANGING.admins_only
async def restore(update: Update, context: BotContext) -> None:
    """Bring a retired model back, with the prices it had."""
    await _set_active(update, context, active=True)


async def _set_active(update: Update, context: BotContext, *, active: bool) -> None:
    t = context.t
    catalogue = context.storage.catalogue
    by = update.effective_user.id if update.effective_user else 0
    model_id = matched_id(context)
    change = await (catalogue.restore if active else catalogue.retire)(model_id, by=by)
    if change is None:
        await tell_gone(update, context)
        return
    if not change.changed:
        answer = t._("It is already active.") if active else t._("It is already retired.")
    elif active:
        answer = t._("Restored: artisans can report it again.")
    else:
        answer = t._("Retired. You can restore it from its card.")
    await answer_button(update, answer)
    await show(update, context, *await model_card(context, change.model))


@CHANGING.admins_only
async def ask_remove_photo(update: Update, context: BotContext) -> None:
    """Ask the admin to confirm removing a model's photo."""
    model = await _model(update, context)
    if model is None:
        return
    await answer_button(update)
    t = context.t
    if model.photo_file_id is None:
        await show(update, context, *await model_card(context, model))
        return
    text = t._("Remove the photo of <b>{model}</b>?").format(model=model_name(t, model))
    buttons = [
        (t._("🗑 Yes, remove the photo"), f"{REMOVE_PHOTO}{model.id}"),
        (t._("No, keep it"), f"{OPEN}{model.id}"),
    ]
    await show(update, context, text, column(buttons))


@CHANGING.admins_only
async def remove_photo(update: Update, context: BotContext) -> None:
    """Remove a model's photo."""
    model = await context.storage.catalogue.set_photo(matched_id(context), None)
    if model is None:
        await tell_gone(update, context)
        return
    await answer_button(update, context.t._("Photo removed."))
    await show(update, context, *await model_card(context, model))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the catalogue handlers: the conversations first, they own an admin's messages."""
    return [
        *add.handlers(),
        *edit.handlers(),
        *packing.handlers(),
        CommandHandler("catalogue", show_catalogue, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_catalogue, pattern=f"^{CATALOGUE}$"),
        CallbackQueryHandler(show_list_page, pattern=rf"^{LIST}([0-9]{{1,4}})$"),
        CallbackQueryHandler(open_model, pattern=rf"^{OPEN}{ID}$"),
        CallbackQueryHandler(show_photo, pattern=rf"^{SHOW_PHOTO}{ID}$"),
        CallbackQueryHandler(ask_retire, pattern=rf"^{ASK_RETIRE}{ID}$"),
        CallbackQueryHandler(retire, pattern=rf"^{RETIRE}{ID}$"),
        CallbackQueryHandler(restore, pattern=rf"^{RESTORE}{ID}$"),
        CallbackQueryHandler(ask_remove_photo, pattern=rf"^{ASK_REMOVE_PHOTO}{ID}$"),
        CallbackQueryHandler(remove_photo, pattern=rf"^{REMOVE_PHOTO}{ID}$"),
    ]
