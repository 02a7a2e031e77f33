"""Translations are complete and consistent; numbers, money and dates follow the locale."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from bot.catalogs import EXTRACT, ROOT, catalog_path
from bot.i18n import LOCALES, Translator, locale_from_language_code, resolve_locale

PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?[a-z][^>]*>")


def _catalog(locale: str) -> Catalog:
    with catalog_path(locale).open("rb") as file:
        return read_po(file, locale=locale)


def _entries(locale: str) -> list[Message]:
    return [message for message in _catalog(locale) if message.id]


def _forms(message: Message) -> list[str]:
    string = message.string
    if isinstance(string, str):
        return [string]
    return [str(form) for form in string or ()]


def _source(message: Message) -> str:
    return message.id if isinstance(message.id, str) else str(message.id[-1])


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [("id", "id"), ("jv", "id"), ("su", "id"), ("ms", "id"), (None, "id"), ("", "id"),
     ("en", "en"), ("en-US", "en"), ("ja", "en"), ("ID", "id"),
     ("zh", "zh"), ("zh-hans", "zh"), ("zh-CN", "zh"), ("zh_sg", "zh"), ("zh-hant", "zh"),
     ("zh-TW", "zh"), ("zh-hk", "zh")],
)  # fmt: skip
def test_language_code_maps_to_a_locale(language_code: str | None, locale: str) -> None:
    assert locale_from_language_code(language_code) == locale


def test_a_stored_choice_beats_the_telegram_language() -> None:
    assert resolve_locale("en", "id", has_user=True) == "en"
    assert resolve_locale(None, "zh", has_user=True) == "zh"
    assert resolve_locale(None, "ko", has_user=True) == "en"


def test_a_stored_locale_a_later_version_dropped_falls_back_to_telegram_language() -> None:
    assert resolve_locale("fr", "zh-hans", has_user=True) == "zh"
    assert resolve_locale("fr", None, has_user=True) == "id"
    assert Translator("fr").locale == "id"
    assert resolve_locale(None, None, has_user=False) is None


def test_numbers_money_and_dates_follow_the_reader() -> None:
    indonesian, english = Translator("id"), Translator("en")
    assert indonesian.rupiah(17_600_000) == "Rp17.600.000"
    assert english.rupiah(17_600_000) == "IDR17,600,000"
    assert indonesian.number(3500) == "3.500"
    assert english.number(3500) == "3,500"
    assert indonesian.date(date(2024, 11, 5)) == "5 November 2024"
    assert english.date(date(2024, 11, 5)) == "November 5, 2024"
    chinese = Translator("zh")
    assert chinese.number(3500) == "3,500"
    assert chinese.date(date(2026, 12, 7)) == "2026年12月7日"


@pytest.mark.parametrize("locale", LOCALES)
def test_whole_numbers_and_rupiah_are_written_as_babel_writes_them(locale: str) -> None:
    t = Translator(locale)
    values = [0, 1, -1, 7, 999, 1000, -3500, 12_345, 1_000_000, -17_600_000, 10**15 + 7]
    for value in values:
        assert t.number(value) == format_decimal(value, locale=locale)
        expected = format_currency(
            value, "IDR", format="¤#,##0", currency_digits=False, locale=locale
        )
        assert t.rupiah(value) == expected
    assert t.number(2.5) == format_decimal(2.5, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_and_not_fuzzy(locale: str) -> None:
    missing = [
        _source(message)
        for message in _entries(locale)
        if message.fuzzy or any(not form for form in _forms(message))
    ]
    assert missing == [], f"{locale}: untranslated or fuzzy: {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    broken = []
    for message in _entries(locale):
        source = _source(message)
        for form in _forms(message):
            if set(PLACEHOLDER.findall(form)) != set(PLACEHOLDER.findall(source)):
                broken.append(f"placeholders differ: {source!r} -> {form!r}")
            if sorted(TAG.findall(form)) != sorted(TAG.findall(source)):
                broken.append(f"markup differs: {source!r} -> {form!r}")
    assert broken == []


def test_catalogs_hold_exactly_the_messages_in_the_code(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    arguments = [*EXTRACT[: EXTRACT.index("-o") + 1], str(template), "."]
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), *arguments], cwd=ROOT, check=True, capture_output=True)
    with template.open("rb") as file:
        in_code = {_source(message) for message in read_po(file) if message.id}
    for locale in LOCALES:
        in_catalog = {_source(message) for message in _entries(locale)}
        assert in_code - in_catalog == set(), f"{locale}: run `python -m bot.catalogs`"
        assert in_catalog - in_code == set(), f"{locale}: obsolete entries"
