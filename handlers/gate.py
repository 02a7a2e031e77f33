"""Runs before every flow: who wrote, in which language; the bot stays in private chats."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.i18n import resolve_locale, translator
from handlers.common import answer_button

# Handler groups: the gate runs first and may stop an update before any flow sees it.
GATE_GROUP = -1


async def gate(update: Update, context: BotContext) -> None:
    """Note block changes, keep to private chats, and identify the sender."""
    if update.my_chat_member is not None:
        await track_blocking(update, context)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        # Before identifying anyone: a word in a group is not a visit, and must not mark a
        # person who blocked the bot reachable again.
        await keep_to_private_chats(update, context)
        raise ApplicationHandlerStop
    await identify_sender(update, context)
    if update.edited_message is not None:
        await update.edited_message.reply_text(
            context.t._("I only read new messages. Please send it again as a new message.")
        )
        raise ApplicationHandlerStop


async def identify_sender(update: Update, context: BotContext) -> None:
    """Load the sender's record, membership and language into the context."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    context.person, context.member = await context.storage.people.arrived(
        user.id, user.first_name, user.username, user.language_code
    )
    locale = resolve_locale(context.person.chosen_locale, user.language_code, has_user=True)
    context.t = translator(locale or context.settings.default_locale)


async def keep_to_private_chats(update: Update, context: BotContext) -> None:
    """Point a group's commands for this bot to a private chat; let the rest go unanswered."""
    if update.callback_query is not None:
        await answer_button(update)  # a button in a group (or an inline message) stops spinning
        return
    message = update.message
    chat = update.effective_chat
    user = update.effective_user
    if (
        chat is None
        or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP)
        or message is None
        or not _command_for_this_bot(message.text, context.bot.username)
    ):
        return
    known = None if user is None else await context.storage.people.get(user.id)
    locale = resolve_locale(
        known.chosen_locale if known else None,
        user.language_code if user else None,
        has_user=user is not None,
    )
    t = translator(locale or context.settings.default_locale)
    await message.reply_text(
        t._("Please talk to me in a private chat: open my profile and tap Start.")
    )


def _command_for_this_bot(text: str | None, username: str) -> bool:
    """Tell whether a group message is a command meant for this bot (/start or /start@this_bot)."""
    if not text or not text.startswith("/"):
        return False
    _, at, addressee = text.split(maxsplit=1)[0].partition("@")
    return not at or addressee.lower() == username.lower()


async def track_blocking(update: Update, context: BotContext) -> None:
    """Remember when a person blocks or unblocks the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    await context.storage.people.set_blocked(change.chat.id, blocked)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the gate's single handler; it runs in its own group before every flow."""
    return [TypeHandler(Update, gate)]
