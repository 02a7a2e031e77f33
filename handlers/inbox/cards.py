"""A member's message as a card on every admin's phone, kept up to date once it is answered."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.context import BotContext
from bot.i18n import Translator
from bot.outbox_copies import copy_name
from handlers.common import esc, translator_for
from handlers.inbox.screens import card_buttons, card_text, excerpt, from_the_cooperative
from handlers.notices import Card, edit_copy, notify, revise_queued_copies
from handlers.reports.review_cards import admin_name
from storage.models.inbox import ThreadMessage
from storage.models.members import Member

logger = logging.getLogger(__name__)


async def outcome(context: BotContext, t: Translator, message: ThreadMessage) -> str:
    """Whether a member's message was answered, by whom, and with what; empty while it waits."""
    if message.answered_at is None:
        return ""
    admin = esc(await admin_name(context, message.answered_by))
    answer = await context.storage.inbox.message(message.answer_id) if message.answer_id else None
    if answer is None:
        return t._("✅ Marked as answered by {admin}").format(admin=admin)
    return t._("✅ Answered by {admin}: {answer}").format(admin=admin, answer=excerpt(t, answer))


async def card(context: BotContext, t: Translator, member: Member, message: ThreadMessage) -> Card:
    """A member's message as an admin's card, with its buttons."""
    text = card_text(t, member, message, await outcome(context, t, message))
    return text, card_buttons(t, message)


async def announce(context: BotContext, member: Member, message: ThreadMessage) -> None:
    """Send every admin the member's message with Reply; the same update sends it once."""
    storage, settings = context.storage, context.settings
    if not settings.admin_ids:
        logger.warning("no KENDANG_ADMIN_IDS configured: message %s waits unseen", message.id)
    for admin_id in settings.admin_ids:
        t = await translator_for(storage, settings.default_locale, admin_id)
        text, markup = await card(context, t, member, message)
        await notify(
            context,
            admin_id,
            text,
            reply_markup=markup,
            photo=message.photo_file_id,
            copy_of=copy_name("inbox", message.id),
        )


async def refresh_copies(
    context: BotContext, member: Member, messages: Sequence[ThreadMessage]
) -> None:
    """Show every admin's copy of these messages' cards as they stand now (answered, by whom)."""
    storage = context.storage
    for message in messages:

        async def render(t: Translator, message: ThreadMessage = message) -> Card:
            return await card(context, t, member, message)

        await revise_queued_copies(context, copy_name("inbox", message.id), render)
        for chat_id, message_id in await storage.inbox.copies(message.id):
            t = await translator_for(storage, context.settings.default_locale, chat_id)
            text, markup = await render(t)
            caption = message.photo_file_id is not None
            await edit_copy(context, chat_id, message_id, text, markup, caption=caption)


async def tell_member(context: BotContext, member: Member, answer: ThreadMessage) -> None:
    """Send the member an admin's answer as a message from the cooperative, in their language."""
    chat_id = member.telegram_id
    t = await translator_for(context.storage, context.settings.default_locale, chat_id)
    text, markup = from_the_cooperative(t, answer)
    await notify(context, chat_id, text, reply_markup=markup, photo=answer.photo_file_id)
