"""An announcement's languages: which one each member reads, and each named for the admin."""

from __future__ import annotations

from bot.i18n import Translator, locale_from_language_code, resolve_locale
from storage.models.broadcasts import Recipient

# Language-neutral marks of the versions, the same for every admin.
FLAGS = {"id": "🇮🇩", "en": "🇬🇧", "zh": "🇨🇳"}


def reader_locale(recipient: Recipient) -> str:
    """The language a recipient reads: their choice, else their Telegram app's."""
    locale = resolve_locale(recipient.chosen_locale, recipient.language_code, has_user=True)
    # resolve_locale answers None only for an update without a person; a recipient is one.
    return locale or locale_from_language_code(recipient.language_code)


def add_label(t: Translator, locale: str) -> str:
    """The button that adds the version in a language."""
    return {
        "id": t._("🇮🇩 Add the Indonesian version"),
        "en": t._("🇬🇧 Add the English version"),
        "zh": t._("🇨🇳 Add the Chinese version"),
    }[locale]


def change_label(t: Translator, locale: str) -> str:
    """The button that types a language's version again, replacing it."""
    return {
        "id": t._("✏️ Change the Indonesian version"),
        "en": t._("✏️ Change the English version"),
        "zh": t._("✏️ Change the Chinese version"),
    }[locale]


def type_prompt(t: Translator, locale: str, *, photo: bool) -> str:
    """Ask for a language's version, or its caption for the same photo; format it with a limit."""
    if photo:
        return {
            "id": t._("Type the Indonesian caption for the same photo (up to {limit} characters)."),
            "en": t._("Type the English caption for the same photo (up to {limit} characters)."),
            "zh": t._("Type the Chinese caption for the same photo (up to {limit} characters)."),
        }[locale]
    return {
        "id": t._("Type the Indonesian version of the announcement (up to {limit} characters)."),
        "en": t._("Type the English version of the announcement (up to {limit} characters)."),
        "zh": t._("Type the Chinese version of the announcement (up to {limit} characters)."),
    }[locale]


def preview_title(t: Translator, locale: str) -> str:
    """The line above one version's preview."""
    return {
        "id": t._("👀 <b>Preview of the Indonesian version</b>:"),
        "en": t._("👀 <b>Preview of the English version</b>:"),
        "zh": t._("👀 <b>Preview of the Chinese version</b>:"),
    }[locale]


def version_line(t: Translator, locale: str, count: int) -> str:
    """Say how many recipients get a language's version."""
    text = {
        "id": t.ngettext(
            "Indonesian version: {count} person", "Indonesian version: {count} people", count
        ),
        "en": t.ngettext(
            "English version: {count} person", "English version: {count} people", count
        ),
        "zh": t.ngettext(
            "Chinese version: {count} person", "Chinese version: {count} people", count
        ),
    }[locale]
    return text.format(count=t.number(count))
