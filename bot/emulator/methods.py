"""The Bot API methods the emulator carries out, each checking Telegram's limits."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.emulator.limits import DEFAULT_WEBHOOK_CONNECTIONS
from bot.emulator.markup import Parsed, ParseError, parse_html, utf16_length
from bot.emulator.spec import UploadedFile
from bot.emulator.world import ChatMessage, StoredFile, image_size

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)

Params = dict[str, Any]


def _error(code: int, description: str) -> Exception:
    from bot.emulator.server import ApiError

    return ApiError(code, description)


def get_me(emu: BotApiEmulator, params: Params) -> Any:
    """getMe."""
    return emu.bot_user


def get_updates(emu: BotApiEmulator, params: Params) -> Any:
    """getUpdates, with long polling."""
    emu.set_allowed_updates(params.get("allowed_updates"))
    return emu.get_updates(
        params.get("offset"), int(params.get("limit", 100)), float(params.get("timeout", 0))
    )


def set_webhook(emu: BotApiEmulator, params: Params) -> Any:
    """setWebhook: updates are posted to the URL from now on."""
    url = str(params["url"])
    if not url:
        emu.set_webhook(None)
        return True
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise emu.refuse("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        emu.drop_pending()
    emu.set_webhook(
        {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")},
        max_connections=int(params.get("max_connections", DEFAULT_WEBHOOK_CONNECTIONS)),
    )
    return True


def delete_webhook(emu: BotApiEmulator, params: Params) -> Any:
    """deleteWebhook."""
    if params.get("drop_pending_updates"):
        emu.drop_pending()
    emu.set_webhook(None)
    return True


def get_webhook_info(emu: BotApiEmulator, params: Params) -> Any:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": emu.webhook["url"] if emu.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": emu.pending_updates(),
    }
    if emu.webhook:
        info["max_connections"] = emu.webhook_connections
    return info


def set_my_commands(emu: BotApiEmulator, params: Params) -> Any:
    """setMyCommands, per scope and language."""
    commands = params["commands"]
    if len(commands) > MAX_BUTTONS:
        raise emu.refuse("too many commands")
    for command in commands:
        if not COMMAND.fullmatch(command["command"]):
            raise emu.refuse(f"BOT_COMMAND_INVALID: {command['command']!r}")
        if not 1 <= len(command["description"]) <= 256:
            raise emu.refuse(f"BOT_COMMAND_DESCRIPTION_INVALID for /{command['command']}")
    emu.commands[_scope_key(params), params.get("language_code")] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(emu: BotApiEmulator, params: Params) -> Any:
    """getMyCommands."""
    return emu.commands.get((_scope_key(params), params.get("language_code")), [])


def delete_my_commands(emu: BotApiEmulator, params: Params) -> Any:
    """deleteMyCommands."""
    emu.commands.pop((_scope_key(params), params.get("language_code")), None)
    return True


def _scope_key(params: Params) -> str:
    scope = params.get("scope") or {"type": "default"}
    if "chat_id" in scope:
        return f"{scope['type']}:{scope['chat_id']}"
    return str(scope["type"])


def send_chat_action(emu: BotApiEmulator, params: Params) -> Any:
    """sendChatAction."""
    _writable_chat(emu, params["chat_id"])
    return True


def send_message(emu: BotApiEmulator, params: Params) -> Any:
    """sendMessage."""
    chat = _writable_chat(emu, params["chat_id"])
    parsed = _text(emu, params["text"], params.get("parse_mode"), MAX_TEXT, "message is too long")
    if not parsed.text.strip():
        raise emu.refuse("message text is empty")
    message = _new_message(emu, chat.id, parsed, params.get("reply_markup"))
    return emu.message_api(message)


def send_photo(emu: BotApiEmulator, params: Params) -> Any:
    """sendPhoto, by upload or by file id."""
    chat = _writable_chat(emu, params["chat_id"])
    stored = _file(emu, params["photo"], "photos", MAX_PHOTO_BYTES)
    size = image_size(stored.data)
    if size is None:
        raise emu.refuse("IMAGE_PROCESS_FAILED: the photo is not a PNG, JPEG, GIF or WebP image")
    caption = _caption(emu, params)
    photo = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": size[0],
        "height": size[1],
        "file_size": len(stored.data),
    }
    message = _new_message(emu, chat.id, caption, params.get("reply_markup"), photo=(photo,))
    return emu.message_api(message)


def send_document(emu: BotApiEmulator, params: Params) -> Any:
    """sendDocument, by upload or by file id."""
    chat = _writable_chat(emu, params["chat_id"])
    stored = _file(emu, params["document"], "documents", MAX_DOCUMENT_BYTES)
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    caption = _caption(emu, params)
    message = _new_message(emu, chat.id, caption, params.get("reply_markup"), document=document)
    return emu.message_api(message)


def send_media_group(emu: BotApiEmulator, params: Params) -> Any:
    """sendMediaGroup: 2-10 photos or documents, one message each."""
    chat = _writable_chat(emu, params["chat_id"])
    media = params["media"]
    if not 2 <= len(media) <= 10:
        raise emu.refuse("MEDIA_GROUP_COUNT_INVALID: a media group has 2-10 items")
    sent = []
    for item in media:
        reference = item["media"]
        if isinstance(reference, str) and reference.startswith("attach://"):
            reference = params.get("_uploads", {}).get(reference.removeprefix("attach://"))
            if reference is None:
                raise emu.refuse(f"media {item['media']} was not uploaded")
        sent.append(
            send_photo(emu, {"chat_id": chat.id, "photo": reference, **_caption_params(item)})
            if item["type"] == "photo"
            else send_document(
                emu, {"chat_id": chat.id, "document": reference, **_caption_params(item)}
            )
        )
    return sent


def _caption_params(item: Params) -> Params:
    return {key: item[key] for key in ("caption", "parse_mode") if key in item}


def edit_message_text(emu: BotApiEmulator, params: Params) -> Any:
    """editMessageText."""
    message = _editable(emu, params)
    if message.photo or message.document:
        raise _error(400, "Bad Request: there is no text in the message to edit")
    parsed = _text(emu, params["text"], params.get("parse_mode"), MAX_TEXT, "MESSAGE_TOO_LONG")
    if not parsed.text.strip():
        raise emu.refuse("message text is empty")
    return _edit(emu, message, parsed, params.get("reply_markup"))


def edit_message_caption(emu: BotApiEmulator, params: Params) -> Any:
    """editMessageCaption."""
    message = _editable(emu, params)
    if not (message.photo or message.document):
        raise _error(400, "Bad Request: there is no caption in the message to edit")
    return _edit(emu, message, _caption(emu, params), params.get("reply_markup"))


def edit_message_reply_markup(emu: BotApiEmulator, params: Params) -> Any:
    """editMessageReplyMarkup."""
    message = _editable(emu, params)
    parsed = Parsed(message.plain, list(message.entities))
    return _edit(emu, message, parsed, params.get("reply_markup"))


def edit_message_media(emu: BotApiEmulator, params: Params) -> Any:
    """editMessageMedia: a photo or document (by file id or upload) with its caption.

    As Bot API 10.1 allows, a text message may be replaced with media too; the new file is
    checked as sendPhoto and sendDocument check theirs, and its file id can be reused.
    """
    message = _editable(emu, params)
    media = params["media"]
    kind = media.get("type")
    if kind not in ("photo", "document"):
        raise _error(400, f"Bad Request: {kind} media is not supported by the emulator")
    reference = media.get("media")
    if isinstance(reference, str) and reference.startswith("attach://"):
        reference = params.get("_uploads", {}).get(reference.removeprefix("attach://"))
        if reference is None:
            raise emu.refuse(f"media {media['media']} was not uploaded")
    caption = _caption(emu, _caption_params(media))
    if kind == "photo":
        stored = _file(emu, reference, "photos", MAX_PHOTO_BYTES)
        size = image_size(stored.data)
        if size is None:
            raise emu.refuse(
                "IMAGE_PROCESS_FAILED: the photo is not a PNG, JPEG, GIF or WebP image"
            )
        photo: tuple[dict[str, Any], ...] = (
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": size[0],
                "height": size[1],
                "file_size": len(stored.data),
            },
        )
        document = None
    else:
        stored = _file(emu, reference, "documents", MAX_DOCUMENT_BYTES)
        photo = ()
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
    markup = params.get("reply_markup")
    if markup and "inline_keyboard" not in markup:
        raise emu.refuse("only an inline keyboard can be attached to an edited message")
    buttons, inline = _apply_markup(emu, emu.chats[message.chat_id], markup)
    if (
        _media_key(message.photo, message.document) == _media_key(photo, document)
        and caption.text == message.plain
        and tuple(caption.entities) == message.entities
        and inline == message.inline_markup
    ):
        raise _error(400, NOT_MODIFIED)
    edited = message.edited(
        emu.next_activity(),
        plain=caption.text,
        entities=tuple(caption.entities),
        buttons=buttons,
        inline_markup=inline,
        photo=photo,
        document=document,
    )
    emu.store_message(edited)
    return emu.message_api(edited)


def _media_key(photo: tuple[dict[str, Any], ...], document: dict[str, Any] | None) -> Any:
    if photo:
        return ("photo", photo[-1]["file_unique_id"])
    if document is not None:
        return ("document", document["file_unique_id"])
    return None


def delete_message(emu: BotApiEmulator, params: Params) -> Any:
    """deleteMessage."""
    chat = emu.chat_for(params["chat_id"])
    if chat.messages.pop(int(params["message_id"]), None) is None:
        raise _error(400, "Bad Request: message to delete not found")
    return True


def answer_callback_query(emu: BotApiEmulator, params: Params) -> Any:
    """answerCallbackQuery: once per query."""
    query_id = params["callback_query_id"]
    text = params.get("text") or ""
    if len(text) > MAX_CALLBACK_ANSWER:
        raise emu.refuse("MESSAGE_TOO_LONG: callback answers are at most 200 characters")
    if query_id not in emu.callback_owners or query_id in emu.answered_callbacks:
        raise _error(
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )
    emu.answered_callbacks.add(query_id)
    emu.callback_answers.append(
        {
            "callback_query_id": query_id,
            "user_id": emu.callback_owners[query_id],
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
        }
    )
    return True


def get_file(emu: BotApiEmulator, params: Params) -> Any:
    """getFile."""
    stored = emu.find_file(params["file_id"])
    if stored is None:
        raise _error(400, "Bad Request: invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.path,
    }


# -- helpers -------------------------------------------------------------------------------


def _writable_chat(emu: BotApiEmulator, chat_id: Any) -> Any:
    chat = emu.chat_for(chat_id)
    if chat.blocked == "deactivated":
        raise _error(403, "Forbidden: user is deactivated")
    if chat.blocked:
        raise _error(403, "Forbidden: bot was blocked by the user")
    return chat


def _text(
    emu: BotApiEmulator, text: str, parse_mode: str | None, limit: int, too_long: str
) -> Parsed:
    if parse_mode is None:
        parsed = Parsed(text, [])
    elif parse_mode.upper() == "HTML":
        try:
            parsed = parse_html(text)
        except ParseError as error:
            raise emu.refuse(str(error).removeprefix("Bad Request: ")) from None
    else:
        raise emu.refuse(f"parse mode {parse_mode} is not supported by the emulator; use HTML")
    if utf16_length(parsed.text) > limit:
        raise emu.refuse(too_long)
    return parsed


def _caption(emu: BotApiEmulator, params: Params) -> Parsed:
    return _text(
        emu,
        params.get("caption") or "",
        params.get("parse_mode"),
        MAX_CAPTION,
        "message caption is too long",
    )


def _check_keyboard(emu: BotApiEmulator, markup: Params) -> None:
    rows: list[list[Params]] = markup.get("inline_keyboard") or markup.get("keyboard") or []
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise emu.refuse("REPLY_MARKUP_TOO_LONG: more than 100 buttons")
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise emu.refuse("more than 8 buttons in a row")
        for button in row:
            if not str(button.get("text", "")).strip():
                raise emu.refuse("BUTTON_TEXT_INVALID: a button has no text")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise emu.refuse(f"BUTTON_DATA_INVALID: {data!r} is not 1-64 bytes")
            if "inline_keyboard" in markup:
                actions = set(button) - {"text", "icon_custom_emoji_id", "style"}
                if len(actions) != 1:
                    raise emu.refuse(f"button {button['text']!r} needs exactly one action")


def _new_message(
    emu: BotApiEmulator,
    chat_id: int,
    parsed: Parsed,
    markup: Params | None,
    *,
    photo: tuple[dict[str, Any], ...] = (),
    document: dict[str, Any] | None = None,
) -> ChatMessage:
    chat = emu.chats[chat_id]
    buttons, inline = _apply_markup(emu, chat, markup)
    message = ChatMessage(
        chat_id=chat_id,
        message_id=chat.take_message_id(),
        from_bot=True,
        date=int(time.time()),
        plain=parsed.text,
        entities=tuple(parsed.entities),
        buttons=buttons,
        inline_markup=inline,
        photo=photo,
        document=document,
        activity=emu.next_activity(),
    )
    return emu.store_message(message)


def _apply_markup(
    emu: BotApiEmulator, chat: Any, markup: Params | None
) -> tuple[tuple[tuple[tuple[str, str], ...], ...], Params | None]:
    if not markup:
        return (), None
    _check_keyboard(emu, markup)
    if "inline_keyboard" in markup:
        rows = tuple(
            tuple((str(button["text"]), str(button.get("callback_data", ""))) for button in row)
            for row in markup["inline_keyboard"]
        )
        return rows, markup
    if "keyboard" in markup:
        chat.reply_keyboard = tuple(
            tuple(button if isinstance(button, dict) else {"text": button} for button in row)
            for row in markup["keyboard"]
        )
        chat.one_time_keyboard = bool(markup.get("one_time_keyboard"))
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    return (), None


def _editable(emu: BotApiEmulator, params: Params) -> ChatMessage:
    if "inline_message_id" in params:
        raise _error(400, "Bad Request: inline messages are not supported by the emulator")
    if "chat_id" not in params or "message_id" not in params:
        raise emu.refuse("chat_id and message_id are required to edit a message")
    chat = emu.chat_for(params["chat_id"])
    message = chat.messages.get(int(params["message_id"]))
    if message is None:
        raise _error(400, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise _error(400, "Bad Request: message can't be edited")
    return message


def _edit(emu: BotApiEmulator, message: ChatMessage, parsed: Parsed, markup: Params | None) -> Any:
    if markup and "inline_keyboard" not in markup:
        raise emu.refuse("only an inline keyboard can be attached to an edited message")
    chat = emu.chats[message.chat_id]
    buttons, inline = _apply_markup(emu, chat, markup)
    if (
        parsed.text == message.plain
        and tuple(parsed.entities) == message.entities
        and inline == message.inline_markup
    ):
        raise _error(400, NOT_MODIFIED)
    edited = message.edited(
        emu.next_activity(),
        plain=parsed.text,
        entities=tuple(parsed.entities),
        buttons=buttons,
        inline_markup=inline,
    )
    emu.store_message(edited)
    return emu.message_api(edited)


def _file(emu: BotApiEmulator, value: Any, folder: str, limit: int) -> StoredFile:
    if isinstance(value, UploadedFile):
        if len(value.data) > limit:
            raise emu.refuse("file is too big")
        if not value.data:
            raise emu.refuse("file must be non-empty")
        return emu.store_file(
            value.data, folder, mime_type=value.content_type, name=value.name or None
        )
    stored = emu.find_file(str(value))
    if stored is None:
        raise _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
    return stored


IMPLEMENTATIONS: dict[str, Callable[[BotApiEmulator, Params], Any]] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "sendChatAction": send_chat_action,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendMediaGroup": send_media_group,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "editMessageMedia": edit_message_media,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}
