"""Admins correct the count of drums on hand, saying why; each correction is undoable."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.catalogue.stock_news import announce_stock_rise
from handlers.common import (
    Button,
    answer_button,
    clean_text,
    column,
    esc,
    keyboard,
    parse_change,
    refuse_unless_admin,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.undo import Undo, UndoRefusedError
from storage.models.stock import StockBalance
from storage.stock import CorrectionUndo, InsufficientStockError

MODEL, CHANGE, REASON, CONFIRM = range(4)

FIX = "stk:fix"
CHOOSE = "stk:model:"
WHY = "stk:why:"
APPLY = "stk:ok"
CANCEL = "stk:cancel"
CHOOSE_PATTERN = re.compile(r"^stk:model:([0-9]{1,9})$")
WHY_PATTERN = re.compile(r"^stk:why:(counted|damaged|found)$")
MAX_CHANGE = 100_000
MAX_REASON_LENGTH = 200

CORRECTING = Flow(
    draft_key="stock_fix",
    busy_text=lambda context: context.t._(
        "You are correcting stock. Answer the question above, or send /cancel to stop."
    ),
)
draft = CORRECTING.draft


def signed(t: Translator, delta: int) -> str:
    """Write a change with its sign, e.g. +3 or -2."""
    return ("+" if delta > 0 else "-") + t.number(abs(delta))


def _reasons(t: Translator) -> dict[str, str]:
    return {
        "counted": t._("counted again"),
        "damaged": t._("damaged in store"),
        "found": t._("found"),
    }


def _cancel_button(t: Translator) -> Button:
    return (t._("✖️ Cancel"), CANCEL)


def _numbers(t: Translator, balance: StockBalance) -> str:
    return t._("On hand: {on_hand} · reserved: {reserved}").format(
        on_hand=t.number(balance.on_hand), reserved=t.number(balance.reserved)
    )


@CORRECTING.admins_only
async def choose_model(update: Update, context: BotContext) -> int:
    """Show the models with what is on hand, to choose the one to correct."""
    await answer_button(update)
    CORRECTING.discard(context)
    draft(context)  # from now on a payment waits until this correction is done or cancelled
    t = context.t
    rows: list[list[Button]] = [
        [
            (
                t._("{model} · {count}").format(
                    model=model_name(t, balance.model), count=t.number(balance.on_hand)
                ),
                f"{CHOOSE}{balance.model.id}",
            )
        ]
        for balance in await context.storage.stock.balances()
    ]
    rows.append([_cancel_button(t)])
    text = t._("✏️ <b>Correct stock</b>\nWhich model? (the number is what is on hand now)")
    await reply(update, context, text, keyboard(rows))
    return MODEL


@CORRECTING.admins_only
async def model_chosen(update: Update, context: BotContext) -> int:
    """Show the model's numbers and ask for the change."""
    query = update.callback_query
    assert query is not None
    match = CHOOSE_PATTERN.match(query.data or "")
    assert match is not None
    t = context.t
    balance = await context.storage.stock.balance(int(match[1]))
    if balance is None:
        await answer_button(update, t._("This model no longer exists."), alert=True)
        return MODEL
    await answer_button(update)
    draft(context)["model"] = balance.model.id
    text = t._(
        "<b>{model}</b>\n{numbers}\n\nType the change as a whole number: "
        "+3 adds three drums, -2 takes two away."
    ).format(model=model_name(t, balance.model), numbers=_numbers(t, balance))
    await show(update, context, text, column([_cancel_button(t)]))
    return CHANGE


@CORRECTING.admins_only
async def change_typed(update: Update, context: BotContext) -> int:
    """Take the signed change; refuse one that would leave fewer drums than zero or reserved."""
    t = context.t
    balance = await context.storage.stock.balance(int(draft(context).get("model", 0)))
    if balance is None:
        await reply(update, context, t._("This model no longer exists."))
        return CORRECTING.end(context)
    delta = parse_change(update.message.text if update.message else None, MAX_CHANGE)
    if delta is None:
        text = t._("Please type a whole number other than 0, with + or -, e.g. +3 or -2.")
        await reply(update, context, text)
        return CHANGE
    if balance.on_hand + delta < balance.reserved:
        text = t._(
            "Not possible: there are {on_hand} on hand and {reserved} reserved, so at most "
            "{most} can be taken away. Type another change."
        ).format(
            on_hand=t.number(balance.on_hand),
            reserved=t.number(balance.reserved),
            most=t.number(balance.available),
        )
        await reply(update, context, text)
        return CHANGE
    draft(context)["delta"] = delta
    buttons = [[(label, f"{WHY}{key}")] for key, label in _reasons(t).items()]
    text = t._("Why? Tap a reason or type one.")
    await reply(update, context, text, keyboard([*buttons, [_cancel_button(t)]]))
    return REASON


@CORRECTING.admins_only
async def reason_given(update: Update, context: BotContext) -> int:
    """Take the reason, by button or typed, then show the correction to confirm."""
    t = context.t
    query = update.callback_query
    if query is not None:
        match = WHY_PATTERN.match(query.data or "")
        assert match is not None
        reason: str | None = _reasons(t)[match[1]]
    else:
        reason = clean_text(update.message.text if update.message else None, MAX_REASON_LENGTH)
    if reason is None:
        text = t._("Please type a short reason (up to {count} characters).")
        await reply(update, context, text.format(count=t.number(MAX_REASON_LENGTH)))
        return REASON
    await answer_button(update)
    fix = draft(context)
    fix["reason"] = reason
    balance = await context.storage.stock.balance(int(fix["model"]))
    if balance is None:
        await show(update, context, t._("This model no longer exists."))
        return CORRECTING.end(context)
    lines = [
        t._("<b>Check the correction</b>"),
        t._("Model: {model}").format(model=model_name(t, balance.model)),
        t._("Change: <b>{change}</b>").format(change=signed(t, fix["delta"])),
        t._("On hand: {before} → {after}").format(
            before=t.number(balance.on_hand), after=t.number(balance.on_hand + fix["delta"])
        ),
        t._("Reason: {reason}").format(reason=esc(reason)),
    ]
    buttons = column([(t._("✅ Correct stock"), APPLY), _cancel_button(t)])
    await show(update, context, "\n".join(lines), buttons)
    return CONFIRM


@CORRECTING.admins_only
async def apply(update: Update, context: BotContext) -> int:
    """Record the correction and offer Undo."""
    query = update.callback_query
    assert query is not None
    t, fix, stock = context.t, draft(context), context.storage.stock
    await answer_button(update)
    try:
        movement = await stock.correct(
            int(fix["model"]),
            int(fix["delta"]),
            str(fix["reason"]),
            by=query.from_user.id,
            update_id=update.update_id,
        )
    except InsufficientStockError as error:
        text = t._("Not changed: on hand now {on_hand}, reserved {reserved}.")
        await show(
            update,
            context,
            text.format(on_hand=t.number(error.on_hand), reserved=t.number(error.reserved)),
        )
        return CORRECTING.end(context)
    balance = await stock.balance(int(fix["model"]))
    if movement is None or balance is None:
        await show(update, context, t._("This model no longer exists."))
        return CORRECTING.end(context)
    text = t._("✅ Stock corrected: {change} for {model}.\nOn hand now: <b>{on_hand}</b>.").format(
        model=model_name(t, balance.model),
        change=signed(t, movement.on_hand_delta),
        on_hand=t.number(balance.on_hand),
    )
    await show(update, context, text, UNDO.button(t, movement.id))
    if movement.on_hand_delta > 0:
        await announce_stock_rise(
            context, movement.model_id, by=query.from_user.id, update_id=update.update_id
        )
    return CORRECTING.end(context)


async def _undo_correction(
    context: BotContext, correction_id: int, *, by: int, update_id: int
) -> CorrectionUndo | None:
    """Undo a correction once, unless the drums it added have meanwhile left."""
    try:
        return await context.storage.stock.undo_correction(
            correction_id, by=by, update_id=update_id
        )
    except InsufficientStockError as error:
        t = context.t
        text = t._("Cannot undo: on hand now {on_hand}, reserved {reserved}. Nothing changed.")
        on_hand, reserved = t.number(error.on_hand), t.number(error.reserved)
        raise UndoRefusedError(text.format(on_hand=on_hand, reserved=reserved)) from error


async def _show_undone(update: Update, context: BotContext, outcome: CorrectionUndo) -> None:
    """Announce drums that came back, and show the undone correction with what is on hand."""
    query = update.callback_query
    assert query is not None
    t = context.t
    if outcome.undo.on_hand_delta > 0:
        await announce_stock_rise(
            context, outcome.correction.model_id, by=query.from_user.id, update_id=update.update_id
        )
    balance = await context.storage.stock.balance(outcome.correction.model_id)
    assert balance is not None
    text = t._("↩️ Undone: the correction {change} of {model}.\nOn hand now: <b>{on_hand}</b>.")
    await show(
        update,
        context,
        text.format(
            change=signed(t, outcome.correction.on_hand_delta),
            model=model_name(t, balance.model),
            on_hand=t.number(balance.on_hand),
        ),
    )


UNDO = Undo[CorrectionUndo](
    prefix="stk:undo:",
    reverse=_undo_correction,
    undone=lambda outcome: outcome.undone,
    answers=lambda t: (
        t._("There is no such correction to undo."),
        t._("Correction undone."),
        t._("This correction was already undone."),
    ),
    result=_show_undone,
)


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the correction, changing nothing."""
    text = context.t._("Stock correction cancelled. Nothing changed.")
    return await CORRECTING.leave(update, context, text)


async def stray(update: Update, context: BotContext) -> None:
    """Refuse a stock button from a non-admin; for an admin, it belongs to a finished step."""
    if await refuse_unless_admin(update, context):
        text = context.t._("This button is no longer active. Send /correct to start again.")
        await answer_button(update, text, alert=True)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the stock correction conversation, Undo and the refusal of strays."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    undoing = UNDO.handler()
    conversation = CORRECTING.conversation(
        "stock_correction",
        entry_points=[
            CommandHandler("correct", choose_model, filters=private),
            CallbackQueryHandler(choose_model, pattern=f"^{FIX}$"),
        ],
        states={
            MODEL: [CallbackQueryHandler(model_chosen, pattern=CHOOSE_PATTERN)],
            CHANGE: [MessageHandler(text, change_typed)],
            REASON: [
                CallbackQueryHandler(reason_given, pattern=WHY_PATTERN),
                MessageHandler(text, reason_given),
            ],
            CONFIRM: [CallbackQueryHandler(apply, pattern=f"^{APPLY}$")],
        },
        cancel=cancel,
        cancel_data=CANCEL,
        also=[undoing],
        anything_else=True,
    )
    return [conversation, undoing, CallbackQueryHandler(stray, pattern=r"^stk:")]
