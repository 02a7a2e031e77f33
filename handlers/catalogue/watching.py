"""Buyers watch a model and are told once when enough of its drums are available."""

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
from handlers.catalogue.common import matched, matched_id
from handlers.catalogue.drums import model_name
from handlers.catalogue.shop_cards import ORDER_PREFIX, WATCH_PREFIX, available_line
from handlers.common import (
    Button,
    answer_button,
    answer_or_reply,
    column,
    keyboard,
    page_buttons,
    parse_quantity,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.members.menu import BROWSE, MAIN_MENU, WATCHES
from handlers.pages import Entry, paginate, pick, tapped_page
from storage.models.members import MemberStatus, Role
from storage.models.offers import Offer

QUANTITY = "QUANTITY"

PICK = "watch:q:"
STOP = "watch:stop:"
CANCEL = "watch:cancel"
NEW_PATTERN = re.compile(r"^watch:new:([0-9]{1,9})$")
PICK_PATTERN = re.compile(r"^watch:q:([0-9]{1,7})$")
STOP_PATTERN = re.compile(r"^watch:stop:([0-9]{1,12})$")
LIST_PAGE = f"{WATCHES}:"
LIST_PATTERN = re.compile(rf"^{WATCHES}(?::([0-9]{{1,6}}))?$")
# Quick answers: a few cartons' worth up to a container's load (about 3,500 drums).
QUICK_QUANTITIES = (50, 100, 500, 3500)


def refusal(context: BotContext) -> str | None:
    """Say why this person may not watch models; None for an active buyer."""
    t, member = context.t, context.member
    if member is not None and member.role is Role.BUYER:
        if member.status is MemberStatus.ACTIVE:
            return None
        if member.status is MemberStatus.PENDING:
            return t._(
                "Your buyer account is still waiting for an admin's approval. "
                "You can watch models once it is approved."
            )
        return t._(
            "Your account is not active, so you cannot watch models. "
            "Please contact the cooperative's admin."
        )
    if context.is_admin:
        return t._("Watching models is for buyers; admins see the stock with /stock.")
    if member is None:
        return t._("Only registered buyers can watch models. Send /start to open a buyer account.")
    return t._("Watching models is for buyers. Send /menu to see what you can do.")


async def _buyer_id(update: Update, context: BotContext) -> int | None:
    """The sender's member id when they may watch models; else refuse them and return None."""
    reason = refusal(context)
    if reason is not None or context.member is None:
        await answer_or_reply(update, context, reason or context.t._("Sorry, you cannot do that."))
        return None
    return context.member.id


WATCHING = Flow(
    draft_key="watch",
    busy_text=lambda context: context.t._(
        "You are choosing how many drums to watch for. Answer the question above, "
        "or send /cancel to stop."
    ),
)
draft = WATCHING.draft


def _model_gone(t: Translator) -> str:
    return t._("This model is no longer in the catalogue.")


def _quantity_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    t, most = context.t, context.settings.max_order_quantity
    quick: list[Button] = [
        (t.number(count), f"{PICK}{count}") for count in QUICK_QUANTITIES if count <= most
    ]
    return keyboard(
        [quick, [(t._("✖️ Cancel"), CANCEL)]] if quick else [[(t._("✖️ Cancel"), CANCEL)]]
    )


def _range_hint(context: BotContext) -> str:
    t = context.t
    return t._("Please tap a number or type a whole number of drums from 1 to {max}.").format(
        max=t.number(context.settings.max_order_quantity)
    )


async def _watched_offer(context: BotContext) -> Offer | None:
    offer = await context.storage.offers.get(int(draft(context).get("model_id") or 0))
    return offer if offer is not None and offer.model.active else None


async def ask_quantity(update: Update, context: BotContext) -> object:
    """Ask how many drums must be available before the buyer is told."""
    reason = refusal(context)
    if reason is not None:
        await answer_or_reply(update, context, reason)
        return WATCHING.end(context)
    t = context.t
    offer = await context.storage.offers.get(matched_id(context))
    if offer is None or not offer.model.active:
        await answer_button(update, _model_gone(t), alert=True)
        return WATCHING.end(context)
    WATCHING.discard(context)
    draft(context)["model_id"] = offer.model.id
    await answer_button(update)
    lines = [
        t._("👀 <b>Watch {model}</b>").format(model=model_name(t, offer.model)),
        available_line(t, offer.available),
        "",
        t._(
            "How many drums must be available before I tell you (once)? "
            "Tap a number or type it (1 to {max})."
        ).format(max=t.number(context.settings.max_order_quantity)),
    ]
    # A new message: the catalogue card stays as it was.
    await reply(update, context, "\n".join(lines), _quantity_keyboard(context))
    return QUANTITY


async def quantity_picked(update: Update, context: BotContext) -> object:
    """Take the quantity from a quick button."""
    return await _quantity_given(update, context, matched(context))


async def quantity_typed(update: Update, context: BotContext) -> object:
    """Take the quantity the buyer typed."""
    message = update.message
    return await _quantity_given(update, context, message.text if message else None)


async def reask(update: Update, context: BotContext) -> object:
    """Answer anything that is not a number with what this step expects."""
    await reply(update, context, _range_hint(context), _quantity_keyboard(context))
    return QUANTITY


async def _quantity_given(update: Update, context: BotContext, raw: str | None) -> object:
    t = context.t
    buyer_id = await _buyer_id(update, context)
    if buyer_id is None:
        return WATCHING.end(context)
    offer = await _watched_offer(context)
    if offer is None:
        await answer_button(update, _model_gone(t), alert=True)
        catalogue = column([(t._("🪘 Catalogue"), BROWSE)])
        return await WATCHING.leave(update, context, _model_gone(t), catalogue)
    quantity = parse_quantity(raw, context.settings.max_order_quantity)
    if quantity is None:
        await answer_button(update)
        return await reask(update, context)
    await answer_button(update)
    name = model_name(t, offer.model)
    if offer.available >= quantity:
        # Nothing to wait for: a watch saved now would only be told at the next rise.
        text = t.ngettext(
            "✅ Already there: {available} drum of {model} is available now. "
            "You can order it right away.",
            "✅ Already there: {available} drums of {model} are available now. "
            "You can order them right away.",
            offer.available,
        ).format(available=t.number(offer.available), model=name)
        buttons = [
            (t._("🛒 Order"), f"{ORDER_PREFIX}{offer.model.id}"),
            (t._("👀 Watch a larger quantity"), f"{WATCH_PREFIX}{offer.model.id}"),
            (t._("⬅️ Menu"), MAIN_MENU),
        ]
        return await WATCHING.leave(update, context, text, column(buttons))
    await context.storage.watches.watch(buyer_id, offer.model.id, quantity)
    text = t._(
        "👀 Watching {model}. I will tell you once when {wanted} drums are available "
        "(now {available})."
    ).format(model=name, wanted=t.number(quantity), available=t.number(offer.available))
    buttons = [
        (t._("👀 Watched models"), WATCHES),
        (t._("🪘 Catalogue"), BROWSE),
        (t._("⬅️ Menu"), MAIN_MENU),
    ]
    return await WATCHING.leave(update, context, text, column(buttons))


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the question, watching nothing new."""
    text = context.t._("Watch cancelled. Nothing new is watched.")
    return await WATCHING.leave(update, context, text, column([(context.t._("⬅️ Menu"), MAIN_MENU)]))


async def _watches_screen(
    context: BotContext, member_id: int, number: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    t, storage = context.t, context.storage
    watches = await storage.watches.open_for_buyer(member_id)
    back = [(t._("🪘 Catalogue"), BROWSE), (t._("⬅️ Menu"), MAIN_MENU)]
    if not watches:
        text = t._(
            "👀 You are not watching any model. Open the catalogue and tap 👀 Watch on a card "
            "to be told when enough drums are available."
        )
        return text, column(back)
    entries: list[Entry] = []
    for place, watch in enumerate(watches, start=1):
        offer = await storage.offers.get(watch.model_id)
        if offer is None:
            continue
        line = t._(
            "{number}. {model}\n   you are told at {wanted} · available now {available}"
        ).format(
            number=t.number(place),
            model=model_name(t, offer.model),
            wanted=t.number(watch.quantity),
            available=t.number(offer.available),
        )
        stop = t._("🔕 Stop {number}: {model}").format(
            number=t.number(place), model=model_name(t, offer.model)
        )
        entries.append(Entry(line, (stop[:60], f"{STOP}{watch.id}")))
    header = t._("👀 <b>Models you watch</b>") + "\n"
    footer = "\n" + t._("I tell you once for each; tap Stop to stop watching a model.")
    page = pick(paginate(entries, header=header, footer=footer), number)
    rows = [*page.rows, *page_buttons(t, LIST_PAGE, page.number, more=page.more), back]
    return page.text, keyboard(rows)


async def list_watches(update: Update, context: BotContext) -> None:
    """List the buyer's open watches, each with a Stop button, a page at a time."""
    buyer_id = await _buyer_id(update, context)
    if buyer_id is None:
        return
    await answer_button(update)
    page = tapped_page(update, LIST_PATTERN)
    await show(update, context, *await _watches_screen(context, buyer_id, page))


async def stop_watch(update: Update, context: BotContext) -> None:
    """Stop one of the buyer's own watches; anyone else's (or a stopped one) changes nothing."""
    buyer_id = await _buyer_id(update, context)
    if buyer_id is None:
        return
    t = context.t
    # The same answer whether the watch is not this buyer's, unknown, or already over.
    if await context.storage.watches.stop(matched_id(context), buyer_id):
        await answer_button(update, t._("🔕 Stopped."))
    else:
        await answer_button(update, t._("This watch is no longer open."), alert=True)
    await show(update, context, *await _watches_screen(context, buyer_id))


async def stray(update: Update, context: BotContext) -> None:
    """Answer a watch button that belongs to a finished step or was tampered with."""
    text = context.t._("This button is no longer active. Send /watching to see your watches.")
    await answer_button(update, text, alert=True)


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent conversation asking how many drums to watch for."""
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    return WATCHING.conversation(
        "watching",
        entry_points=[CallbackQueryHandler(ask_quantity, pattern=NEW_PATTERN)],
        states={
            QUANTITY: [
                CallbackQueryHandler(quantity_picked, pattern=PICK_PATTERN),
                MessageHandler(text, quantity_typed),
                MessageHandler(~filters.COMMAND, reask),
            ],
        },
        cancel=cancel,
        cancel_data=CANCEL,
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the watch conversation, the list of watches with Stop, and the refusal of strays."""
    return [
        conversation(),
        CommandHandler("watching", list_watches, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(list_watches, pattern=LIST_PATTERN),
        CallbackQueryHandler(stop_watch, pattern=STOP_PATTERN),
        CallbackQueryHandler(stray, pattern="^watch:"),
    ]
