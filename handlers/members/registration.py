"""Steps shared by the artisan's and the buyer's registration conversations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
)

from bot.context import BotContext
from handlers import drafts
from handlers.common import (
    ReplyMarkup,
    answer_button,
    column,
    esc,
    modal_fallbacks,
    persistent_conversation,
    reply,
    show,
)
from handlers.members.menu import menu_for

DRAFT = "registration"
END = ConversationHandler.END

StepCallback = Callable[[Update, BotContext], Awaitable[object]]


def draft(context: BotContext) -> dict[str, Any]:
    """Return the person's registration draft, kept in persisted user data."""
    return drafts.draft(context, DRAFT)


def discard_draft(context: BotContext) -> None:
    """Forget the registration draft."""
    drafts.discard(context, DRAFT)


def name_keyboard(update: Update, context: BotContext, use_name_data: str) -> InlineKeyboardMarkup:
    """Offer the Telegram name as a one-tap answer."""
    user = update.effective_user
    first = user.full_name if user else ""
    return column([(context.t._("✅ Use “{name}”").format(name=first[:40]), use_name_data)])


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the registration, keeping nothing of it."""
    discard_draft(context)
    await answer_button(update)
    # A share-contact keyboard may still be showing; removing one that is not there is harmless.
    await reply(
        update,
        context,
        context.t._("Registration cancelled. Nothing was saved."),
        ReplyKeyboardRemove(),
    )
    user = update.effective_user
    text, markup = menu_for(context, user.first_name if user else "")
    await reply(update, context, text, markup)
    return END


async def busy_with_registration(update: Update, context: BotContext) -> None:
    """Answer a command or stale button in the middle of registering, and stay at the step."""
    await answer_button(update, context.t._("Please finish this step first."))
    if update.callback_query is None:
        await reply(
            update,
            context,
            context.t._(
                "You are in the middle of registering. Answer the question above, "
                "or send /cancel to stop."
            ),
        )


def conversation(
    name: str,
    entry: list[BaseHandler[Update, BotContext, Any]],
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]],
) -> ConversationHandler[BotContext]:
    """Build a persistent registration conversation with the shared fallbacks."""
    return persistent_conversation(
        name=name,
        entry_points=entry,
        states=states,
        fallbacks=modal_fallbacks(cancel, busy_with_registration),
    )


async def ask(
    update: Update, context: BotContext, text: str, markup: ReplyMarkup | None = None
) -> None:
    """Ask the next question in a new message."""
    await answer_button(update)
    await reply(update, context, text, markup)


async def reask(
    update: Update, context: BotContext, hint: str, markup: ReplyMarkup | None = None
) -> None:
    """Tell the person what this step expects, without changing anything."""
    await answer_button(update)
    await reply(update, context, hint, markup)


def summary_line(label: str, value: str | None) -> str:
    """One escaped line of a registration summary."""
    return f"{label}: <b>{esc(value) if value else '—'}</b>"


async def edit_or_reply(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show a step's answer in place of its buttons."""
    await answer_button(update)
    await show(update, context, text, markup)
