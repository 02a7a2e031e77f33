"""The Bot API request each kind of outbox row makes, and its keyboard as stored."""

from __future__ import annotations

import json

from telegram import Bot, InlineKeyboardMarkup, Message

from storage.outbox import OutboxAction, QueuedMessage


def markup_json(markup: InlineKeyboardMarkup | None) -> str | None:
    """An inline keyboard as the JSON the outbox stores."""
    return None if markup is None else json.dumps(markup.to_dict(), ensure_ascii=False)


def markup_from_json(stored: str | None) -> InlineKeyboardMarkup | None:
    """The inline keyboard the outbox stored."""
    return None if stored is None else InlineKeyboardMarkup.de_json(json.loads(stored), None)


async def make_request(bot: Bot, row: QueuedMessage) -> int | None:
    """Send or edit what the row says; return the id of the message sent or edited."""
    chat_id, markup = row.chat_id, markup_from_json(row.reply_markup)
    sent: Message | bool
    if row.action is OutboxAction.SEND_TEXT:
        assert row.text is not None
        sent = await bot.send_message(
            chat_id, row.text, parse_mode=row.parse_mode, reply_markup=markup
        )
    elif row.action is OutboxAction.SEND_PHOTO:
        assert row.photo_file_id is not None
        sent = await bot.send_photo(
            chat_id,
            row.photo_file_id,
            caption=row.text,
            parse_mode=row.parse_mode,
            reply_markup=markup,
        )
    elif row.action is OutboxAction.SEND_DOCUMENT:
        assert row.document is not None and row.file_name is not None
        sent = await bot.send_document(
            chat_id,
            row.document,
            filename=row.file_name,
            caption=row.text,
            parse_mode=row.parse_mode,
            reply_markup=markup,
        )
    elif row.action is OutboxAction.EDIT_TEXT:
        assert row.text is not None
        sent = await bot.edit_message_text(
            row.text,
            chat_id=chat_id,
            message_id=row.message_id,
            parse_mode=row.parse_mode,
            reply_markup=markup,
        )
    else:
        sent = await bot.edit_message_caption(
            chat_id=chat_id,
            message_id=row.message_id,
            caption=row.text,
            parse_mode=row.parse_mode,
            reply_markup=markup,
        )
    return sent.message_id if isinstance(sent, Message) else row.message_id
