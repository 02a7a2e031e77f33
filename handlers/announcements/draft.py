"""The announcement an admin is composing, kept small and plain in persisted user data."""

from __future__ import annotations

from telegram import Message, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.i18n import Translator
from handlers.announcements.screens import PREFIX, progress_screen
from handlers.common import Button, reply
from handlers.flow import Flow
from handlers.pages import MAX_TEXT, utf16_length
from storage.models.broadcasts import Audience, BroadcastDraft, BroadcastSummary

# Persisted with each conversation: a state keeps its number from one release to the next.
AUDIENCE, VILLAGE, MESSAGE, VERSIONS, VERSION_TEXT, CONFIRM, WHEN = range(7)

NEW = f"{PREFIX}new"
CANCEL = f"{PREFIX}cancel"
# Telegram's limit, in UTF-16 code units, for a photo's caption (MAX_TEXT is a text's).
MAX_CAPTION = 1024

COMPOSING = Flow(
    draft_key="broadcast",
    busy_text=lambda context: context.t._(
        "You are writing an announcement. Finish this step, or send /cancel to stop."
    ),
)
draft = COMPOSING.draft


def cancel_button(t: Translator) -> Button:
    """The button that leaves the announcement, saving nothing."""
    return (t._("✖️ Cancel"), CANCEL)


def too_long(t: Translator, text: str, *, caption: bool) -> str | None:
    """Say that a text or a photo's caption is longer than Telegram takes; None when it fits."""
    length = utf16_length(text)
    limit = MAX_CAPTION if caption else MAX_TEXT
    if length <= limit:
        return None
    if caption:
        problem = t._(
            "That caption is {length} characters long; a photo's caption can have at most "
            "{limit}. Please send it again with a shorter one."
        )
    else:
        problem = t._(
            "That text is {length} characters long; an announcement can have at most {limit}. "
            "Please send a shorter one."
        )
    return problem.format(length=t.number(length), limit=t.number(limit))


def message_content(message: Message | None) -> tuple[str, str | None] | None:
    """The text (or caption) and photo of a message; None when it is neither a text nor a photo."""
    if message is None:
        return None
    if message.text is not None:
        return message.text, None
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return message.caption or "", largest.file_id
    return None


def composed(context: BotContext) -> BroadcastDraft | None:
    """Return the draft as storage takes it; None while it lacks its audience or message."""
    data = draft(context)
    if "audience" not in data or "text" not in data:
        return None
    versions = dict(data.get("versions") or {})
    # A draft kept from before the bot had three languages holds its one other version here.
    if data.get("other_text") is not None:
        versions["en" if data["locale"] == "id" else "id"] = data["other_text"]
    return BroadcastDraft(
        audience=Audience(data["audience"]),
        village=data.get("village"),
        locale=data["locale"],
        text=data["text"],
        versions=versions,
        photo_file_id=data.get("photo"),
    )


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the tapped message, so that a second tap cannot repeat the step."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or not isinstance(message, Message) or message.text is None:
        return
    # The text is sent again because PTB adds the default parse mode to every edit, and
    # editMessageReplyMarkup takes none.
    try:
        await query.edit_message_text(message.text_html, reply_markup=None)
    except BadRequest as error:
        problem = str(error).lower()
        if "not modified" not in problem and "not found" not in problem:
            raise


async def post_progress(update: Update, context: BotContext, summary: BroadcastSummary) -> None:
    """Send the progress message of a new announcement and remember it for the sender."""
    text, markup = progress_screen(context.t, summary, context.settings.zone)
    message = await reply(update, context, text, markup)
    if message is not None:
        await context.storage.broadcasts.set_progress_message(
            summary.broadcast.id, message.chat_id, message.message_id
        )
