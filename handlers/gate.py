"""Runs before every flow: who wrote, in which language; the bot stays in private chats."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.i18n import resolve_locale, translator

# Handler groups: the gate runs first and may stop an update before any flow sees it.
GATE_GROUP = -1


async def gate(update: Update, context: BotContext) -> None:
    """Note block changes, identify the sender, and stop updates from outside private chats."""
    if update.my_chat_member is not None:
        await track_blocking(update, context)
        raise ApplicationHandlerStop
    await identify_sender(update, context)
    await keep_to_private_chats(update, context)
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
    storage = context.storage
    context.person, context.member = await storage.people.arrived(
        user.id, user.first_name, user.username, user.language_code
    )
    locale = resolve_locale(context.person.chosen_locale, user.language_code, has_user=True)
    context.t = translator(locale or context.settings.default_locale)


async def keep_to_private_chats(update: Update, context: BotContext) -> None:
    """Answer commands in groups with a pointer to a private chat; ignore the rest there."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        return
    message = update.message
    if (
        chat is not None
        and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        and message is not None
        and message.text is not None
        and message.text.startswith("/")
    ):
        await message.reply_text(
            context.t._("Please talk to me in a private chat: open my profile and tap Start.")
        )
    raise ApplicationHandlerStop


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
