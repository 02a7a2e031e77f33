"""Admins add the announcement's versions in the other languages, one at a time."""

from __future__ import annotations

import re

from telegram import Update

from bot.context import BotContext
from bot.i18n import LOCALES
from handlers.announcements.draft import (
    COMPOSING,
    MAX_CAPTION,
    VERSION_TEXT,
    VERSIONS,
    cancel_button,
    draft,
    drop_buttons,
    too_long,
)
from handlers.announcements.languages import FLAGS, add_label, change_label, type_prompt
from handlers.announcements.preview import show_summary, start_again
from handlers.announcements.screens import PREFIX
from handlers.common import Button, answer_button, column, reply
from handlers.pages import MAX_TEXT

VERSION = f"{PREFIX}ver:"
DONE = "done"
VERSION_PATTERN = re.compile(rf"^{VERSION}({'|'.join(LOCALES)}|{DONE})$")


async def ask_versions(update: Update, context: BotContext) -> int:
    """Offer a version in each other language, and going on to the check."""
    t, data = context.t, draft(context)
    versions: dict[str, str] = data.setdefault("versions", {})
    if versions:
        text = t._(
            "✅ Versions so far: {flags}\nAdd or change a version, or go on to the preview."
        ).format(flags=" ".join(FLAGS[locale] for locale in (data["locale"], *versions)))
        done = t._("✅ Done, no more versions")
    else:
        text = t._(
            "Add a version in another language? Each member gets the version in their own "
            "language; the check before sending shows who gets which."
        )
        done = t._("No, one version for everyone")
    buttons: list[Button] = [
        (change_label(t, locale) if locale in versions else add_label(t, locale), VERSION + locale)
        for locale in LOCALES
        if locale != data["locale"]
    ]
    buttons.extend([(done, VERSION + DONE), cancel_button(t)])
    await reply(update, context, text, column(buttons))
    return VERSIONS


@COMPOSING.admins_only
async def version_chosen(update: Update, context: BotContext) -> int:
    """Ask for the version in the chosen language, or go on to the previews and the check."""
    query = update.callback_query
    assert query is not None
    match = VERSION_PATTERN.match(query.data or "")
    assert match is not None
    await answer_button(update)
    await drop_buttons(update)
    data = draft(context)
    if "text" not in data:
        return await start_again(update, context)
    if match[1] == DONE:
        return await show_summary(update, context, previews=True)
    if match[1] == data["locale"]:
        # Only a forged button names the written language: it has its version already.
        return await ask_versions(update, context)
    data["adding"] = match[1]
    photo = data.get("photo") is not None
    limit = context.t.number(MAX_CAPTION if photo else MAX_TEXT)
    text = type_prompt(context.t, match[1], photo=photo).format(limit=limit)
    await reply(update, context, text, column([cancel_button(context.t)]))
    return VERSION_TEXT


@COMPOSING.admins_only
async def version_typed(update: Update, context: BotContext) -> int:
    """Take a version, replacing one typed before in its language; then offer the others."""
    t, data = context.t, draft(context)
    locale = data.get("adding")
    if locale is None or "text" not in data:
        return await start_again(update, context)
    message = update.message
    typed = message.text if message is not None else None
    if typed is None or not typed.strip():
        await reply(update, context, t._("Please type this version as text."))
        return VERSION_TEXT
    problem = too_long(t, typed, caption=data.get("photo") is not None)
    if problem is not None:
        await reply(update, context, problem)
        return VERSION_TEXT
    data.setdefault("versions", {})[locale] = typed
    del data["adding"]
    return await ask_versions(update, context)
