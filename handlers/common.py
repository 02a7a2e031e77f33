"""Small helpers shared by the flows: replying, keyboards, escaping, checks on the sender."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Coroutine, Sequence
from datetime import date
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.i18n import Translator, half_width, resolve_locale, translator
from storage import Storage
from storage.clock import utc_now

Button = tuple[str, str]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

MAX_NAME_LENGTH = 64
# Far above any sum the cooperative handles: it only keeps absurd typed numbers out.
MAX_RUPIAH = 10**12
_CURRENCY = re.compile(r"^\s*(rp\.?|idr)\s*", re.IGNORECASE)
_SIGNED = re.compile(r"^([+-]?)\s*([0-9.,]+)$")
# Phones type these for a minus sign too.
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})
# Recently answered callback queries, oldest first (a dict keeps insertion order).
REMEMBERED_QUERIES = 1000
_answered_queries: dict[str, None] = {}
logger = logging.getLogger(__name__)


def esc(text: str | None) -> str:
    """Escape text typed by a person for HTML parse mode."""
    return html.escape(text or "", quote=False)


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def page_buttons(t: Translator, prefix: str, page: int, *, more: bool) -> list[list[Button]]:
    """The row of Previous and Next buttons of a list's page; none when it is the only one."""
    row: list[Button] = []
    if page > 0:
        row.append((t._("◀️ Previous"), f"{prefix}{page - 1}"))
    if more:
        row.append((t._("Next ▶️"), f"{prefix}{page + 1}"))
    return [row] if row else []


def column(buttons: Sequence[Button]) -> InlineKeyboardMarkup:
    """Build an inline keyboard with one large button per row."""
    return keyboard([[button] for button in buttons])


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: ReplyMarkup | None = None,
) -> Message | None:
    """Send a message into the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer a button tap by editing its message in place; otherwise send a new message."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.text is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
            if "not found" not in str(error).lower():
                raise
    await reply(update, context, text, markup)


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query at once, so the person's button stops spinning.

    Telegram takes one answer per query and refuses a second, so only the first call for a
    query answers it; a query too old to answer (after a restart) is let go.
    """
    query = update.callback_query
    if query is None or query.id in _answered_queries:
        return
    _answered_queries[query.id] = None
    if len(_answered_queries) > REMEMBERED_QUERIES:
        del _answered_queries[next(iter(_answered_queries))]
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        if "query is too old" not in str(error).lower():
            raise
        logger.info("could not answer an old button tap: %s", error)


async def answer_or_reply(update: Update, context: BotContext, text: str) -> None:
    """Tell the person something: in an alert for a button tap, else in a new message."""
    if update.callback_query is not None:
        await answer_button(update, text, alert=True)
    else:
        await reply(update, context, text)


async def refuse_unless_admin(update: Update, context: BotContext) -> bool:
    """Politely refuse a non-admin; return True when the sender is an admin."""
    if context.is_admin:
        return True
    text = context.t._("Sorry, only the cooperative's admins can do that.")
    await answer_or_reply(update, context, text)
    return False


def persistent_conversation(
    *,
    name: str,
    entry_points: list[BaseHandler[Update, BotContext, Any]],
    states: dict[object, list[BaseHandler[Update, BotContext, Any]]],
    fallbacks: list[BaseHandler[Update, BotContext, Any]],
) -> ConversationHandler[BotContext]:
    """Build a conversation kept in SQLite across restarts and re-enterable from its entries."""
    # Tracked per chat and user, not per message: a person may tap a button of an earlier
    # step's message and is then answered for the step they are at. PTB warns about exactly
    # that design choice, so the warning is silenced here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=fallbacks,
            name=name,
            persistent=True,
            allow_reentry=True,
        )


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


def modal_fallbacks(
    cancel: Callback,
    busy: Callback,
    *,
    cancel_data: str | None = None,
    also: Sequence[BaseHandler[Update, BotContext, Any]] = (),
    anything_else: bool = False,
) -> list[BaseHandler[Update, BotContext, Any]]:
    """The fallbacks of a flow that holds the person until it is done or cancelled.

    /cancel (and the flow's cancel button, `cancel_data`) leave it; the flow's own `also`
    handlers come next; any other command or button, and with `anything_else` any other
    message, gets `busy`, so that nothing reaches another flow meanwhile.
    """
    fallbacks: list[BaseHandler[Update, BotContext, Any]] = [CommandHandler("cancel", cancel)]
    if cancel_data is not None:
        fallbacks.append(CallbackQueryHandler(cancel, pattern=f"^{cancel_data}$"))
    fallbacks += [*also, MessageHandler(filters.COMMAND, busy), CallbackQueryHandler(busy)]
    if anything_else:
        fallbacks.append(MessageHandler(filters.ALL, busy))
    return fallbacks


def clean_text(raw: str | None, max_length: int = MAX_NAME_LENGTH) -> str | None:
    """Return typed text trimmed to one line; None if empty, too long or without letters."""
    if raw is None:
        return None
    text = " ".join(raw.split())
    if not text or len(text) > max_length:
        return None
    if not any(unicodedata.category(char)[0] in "LN" for char in text):
        return None
    return text


def ascii_int(text: str | None) -> int | None:
    """Read a whole number written with the digits 0-9 alone; None for anything else."""
    # str.isdigit() takes "²", which int() refuses, and "٣", which int() reads as 3.
    text = half_width(text or "")
    if not text or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def parse_quantity(raw: str | None, maximum: int) -> int | None:
    """Read a whole number of drums from 1 to `maximum`; None for anything else.

    Digits only (thousands dots or commas allowed, as people type them): "0", "-3", "12.5",
    "sepuluh", "1e9" and emoji are all None.
    """
    if raw is None:
        return None
    text = half_width(raw.strip())
    if not text.isascii() or not text.replace(".", "").replace(",", "").isdigit():
        return None
    groups = text.replace(",", ".").split(".")
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return None
    value = int("".join(groups))
    return value if 1 <= value <= maximum else None


def today(context: BotContext) -> date:
    """Today's date in the cooperative's time zone."""
    return utc_now().astimezone(context.settings.zone).date()


def parse_rupiah(raw: str | None, maximum: int = MAX_RUPIAH) -> int | None:
    """Read a whole number of Rupiah from 1 to `maximum`; None for anything else.

    The digits as `parse_quantity` reads them, after an optional "Rp", "Rp." or "IDR" in any
    case: "150000", "150.000", "150,000", "Rp 150.000", "IDR 50,000". Cents ("150.000,00"),
    words ("150rb") and a bare "Rp" are None.
    """
    return parse_quantity(_CURRENCY.sub("", raw or ""), maximum)


def parse_change(raw: str | None, maximum: int) -> int | None:
    """Read a signed whole number of drums ("+3", "-2", "3") up to `maximum` either way.

    None for zero or anything else; the minus signs phones type count as minus.
    """
    match = _SIGNED.match((raw or "").strip().translate(_MINUSES))
    if match is None:
        return None
    size = parse_quantity(match[2], maximum)
    if size is None:
        return None
    return -size if match[1] == "-" else size


async def translator_for(storage: Storage, default_locale: str, telegram_id: int) -> Translator:
    """Return the translator for someone other than the sender (an admin or a member)."""
    person = await storage.people.get(telegram_id)
    locale = resolve_locale(
        person.chosen_locale if person else None,
        person.language_code if person else None,
        has_user=person is not None,
    )
    return translator(locale or default_locale)
