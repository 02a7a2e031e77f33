"""An artisan reports finished drums: model, quantity, photo, confirm; counted once."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from handlers.common import (
    answer_button,
    parse_quantity,
    reply,
    show,
)
from handlers.flow import Flow
from handlers.members.menu import PRIVATE, REPORT, send_menu
from handlers.reports import my_reports, screens
from handlers.reports.review import announce_report
from handlers.reports.screens import (
    MODEL_PREFIX,
    MODELS,
    NO_PHOTO,
    QUANTITY_PREFIX,
    RESTART,
    SEND_PREFIX,
    SIZE_PREFIX,
    STOP,
    model_unavailable,
    refusal,
)
from storage.models.catalogue import DrumSize
from storage.models.reports import ReportStatus
from storage.reports import ModelUnavailableError, NotAnActiveArtisanError

MODEL, QUANTITY, PHOTO, CONFIRM = "MODEL", "QUANTITY", "PHOTO", "CONFIRM"
END = ConversationHandler.END

logger = logging.getLogger(__name__)

REPORTING = Flow(
    draft_key="report",
    busy_text=lambda context: context.t._(
        "You are in the middle of a report. Answer the question above, or send /cancel to stop."
    ),
    finish_first=True,
    send_prefix=SEND_PREFIX,
    sent_key="reports_sent",
)
draft = REPORTING.draft


async def begin(update: Update, context: BotContext) -> object:
    """Start a report for an active artisan; tell anyone else why not."""
    reason = refusal(context)
    if reason is not None:
        await answer_button(update)
        await reply(update, context, reason)
        return END
    REPORTING.start(context)
    return await _offer_models(update, context)


async def _offer_models(update: Update, context: BotContext, hint: str | None = None) -> object:
    assert context.member is not None
    text, screen = await screens.model_choice(context, context.member)
    await answer_button(update)
    if screen is None:
        REPORTING.discard(context)
        await show(update, context, text)
        return END
    text, markup = screen
    if hint is not None:
        await reply(update, context, f"{hint}\n\n{text}", markup)
    else:
        await show(update, context, text, markup)
    return MODEL


async def pick_size(update: Update, context: BotContext) -> object:
    """List the active models of one size."""
    query = update.callback_query
    assert query is not None and query.data is not None
    size = DrumSize(query.data.removeprefix(SIZE_PREFIX))
    models = [m for m in await context.storage.catalogue.list_active() if m.size is size]
    await answer_button(update)
    await show(update, context, *screens.size_list(context.t, size, models))
    return MODEL


async def back_to_models(update: Update, context: BotContext) -> object:
    """Show the model choice again."""
    draft(context).pop("model_id", None)
    return await _offer_models(update, context)


async def pick_model(update: Update, context: BotContext) -> object:
    """Take the model from its button; a retired or unknown one is refused."""
    query = update.callback_query
    assert query is not None and query.data is not None
    model = await context.storage.catalogue.get(int(query.data.removeprefix(MODEL_PREFIX)))
    if model is None or not model.active:
        await answer_button(update, model_unavailable(context.t), alert=True)
        return await _offer_models(update, context)
    draft(context)["model_id"] = model.id
    await answer_button(update)
    await show(update, context, *screens.quantity_question(context, model))
    return QUANTITY


async def remind_model(update: Update, context: BotContext) -> object:
    """Ask for the model with the buttons again."""
    return await _offer_models(
        update, context, hint=context.t._("Please choose the model with a button.")
    )


async def pick_quantity(update: Update, context: BotContext) -> object:
    """Take the quantity from a quick button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return await _quantity_given(update, context, query.data.removeprefix(QUANTITY_PREFIX))


async def take_quantity(update: Update, context: BotContext) -> object:
    """Take the quantity the artisan typed; anything else is asked again."""
    message = update.message
    return await _quantity_given(update, context, message.text if message else None)


async def _quantity_given(update: Update, context: BotContext, raw: str | None) -> object:
    quantity = parse_quantity(raw, context.settings.max_report_quantity)
    await answer_button(update)
    if quantity is None:
        await reply(update, context, *screens.quantity_hint(context))
        return QUANTITY
    draft(context)["quantity"] = quantity
    await show(update, context, *screens.photo_question(context.t))
    return PHOTO


async def take_photo(update: Update, context: BotContext) -> object:
    """Keep the largest size of the photo and show the summary."""
    message = update.message
    assert message is not None and message.photo
    largest = max(message.photo, key=lambda size: size.width * size.height)
    draft(context)["photo"] = largest.file_id
    return await show_summary(update, context)


async def skip_photo(update: Update, context: BotContext) -> object:
    """Go on without a photo."""
    draft(context)["photo"] = None
    return await show_summary(update, context)


async def reask_photo(update: Update, context: BotContext) -> object:
    """Tell the artisan how to answer the photo step."""
    await reply(update, context, *screens.photo_question(context.t, again=True))
    return PHOTO


async def show_summary(update: Update, context: BotContext) -> object:
    """Show the report to check, with Send, Start again and Cancel."""
    data = draft(context)
    model = await context.storage.catalogue.get(int(data.get("model_id") or 0))
    quantity, key = data.get("quantity"), data.get("key")
    if model is None or not isinstance(quantity, int) or not isinstance(key, str):
        return await _lost_draft(update, context)
    screen = screens.summary(context.t, model, quantity, bool(data.get("photo")), key)
    await answer_button(update)
    await show(update, context, *screen)
    return CONFIRM


async def send(update: Update, context: BotContext) -> object:
    """Record the report once, tell the artisan its reference and tell the admins."""
    key = await REPORTING.own_send(update, context, already_sent)
    data = draft(context)
    if key is None:
        # An older report's Send: stay with the draft in progress, if there is one.
        return CONFIRM if data.get("key") else END
    member = context.member
    model_id, quantity = data.get("model_id"), data.get("quantity")
    if member is None or not isinstance(model_id, int) or not isinstance(quantity, int):
        return await _lost_draft(update, context)
    try:
        report, _ = await context.storage.reports.create(
            member.id, model_id, quantity, photo_file_id=data.get("photo"), client_key=key
        )
    except NotAnActiveArtisanError:
        REPORTING.discard(context)
        await answer_button(update)
        await show(update, context, refusal(context) or context.t._("You cannot report drums."))
        return END
    except ModelUnavailableError:
        await answer_button(update, model_unavailable(context.t), alert=True)
        return await back_to_models(update, context)
    return await REPORTING.stored(update, context, key, report.id, _show_sent)


async def _show_sent(update: Update, context: BotContext, report_id: int) -> None:
    """Show the sent report's reference; make sure the admins have it."""
    view = await context.storage.reports.view(report_id)
    if view is None:
        return
    try:
        await show(update, context, *screens.sent(context.t, view))
    finally:
        # The admins get the report even when the artisan's answer failed. One whose
        # announcement was cut short (a crash) is announced when its Send comes again; one the
        # admins already have is not sent twice.
        pending = view.report.status is ReportStatus.PENDING
        if pending and not await context.storage.reports.messages(report_id):
            await announce_report(context, view)


async def already_sent(update: Update, context: BotContext) -> None:
    """Answer a Send tapped again: name the report it made, or say it was not sent."""
    await REPORTING.repeated_send(
        update,
        context,
        context.storage.reports.get,
        context.t._("This report was not sent: it was cancelled or started again. Send /report."),
        _show_sent,
    )


async def restart(update: Update, context: BotContext) -> object:
    """Start the report again from the model."""
    return await begin(update, context)


async def _lost_draft(update: Update, context: BotContext) -> object:
    text = context.t._("Something is missing from this report. Please start again with /report.")
    return await REPORTING.leave(update, context, text)


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the report, sending nothing, and show the menu."""
    await REPORTING.leave(update, context, context.t._("Report cancelled. Nothing was sent."))
    return await send_menu(update, context)


def conversation() -> ConversationHandler[BotContext]:
    """Build the persistent report conversation."""
    not_command = ~filters.COMMAND
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]] = {
        MODEL: [
            CallbackQueryHandler(pick_model, pattern=rf"^{MODEL_PREFIX}[0-9]{{1,9}}$"),
            CallbackQueryHandler(pick_size, pattern=rf"^{SIZE_PREFIX}(?:small|medium|large)$"),
            CallbackQueryHandler(back_to_models, pattern=f"^{MODELS}$"),
            MessageHandler(not_command, remind_model),
        ],
        QUANTITY: [
            CallbackQueryHandler(pick_quantity, pattern=rf"^{QUANTITY_PREFIX}[0-9]{{1,6}}$"),
            CallbackQueryHandler(back_to_models, pattern=f"^{MODELS}$"),
            MessageHandler(not_command, take_quantity),
        ],
        PHOTO: [
            MessageHandler(filters.PHOTO, take_photo),
            CallbackQueryHandler(skip_photo, pattern=f"^{NO_PHOTO}$"),
            CommandHandler("skip", skip_photo),
            MessageHandler(not_command, reask_photo),
        ],
        CONFIRM: [
            CallbackQueryHandler(send, pattern=REPORTING.send_pattern),
            CallbackQueryHandler(restart, pattern=f"^{RESTART}$"),
            MessageHandler(filters.PHOTO, take_photo),
            MessageHandler(not_command, show_summary),
        ],
    }
    return REPORTING.conversation(
        "reporting",
        entry_points=[
            CommandHandler("report", begin, filters=PRIVATE),
            CallbackQueryHandler(begin, pattern=f"^{REPORT}$"),
        ],
        states=states,
        cancel=cancel,
        cancel_data=STOP,
        also=[CallbackQueryHandler(already_sent, pattern=REPORTING.send_pattern)],
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the report conversation, the answer to an old Confirm, and "My reports"."""
    return [
        conversation(),
        CallbackQueryHandler(already_sent, pattern=REPORTING.send_pattern),
        *my_reports.handlers(),
    ]
