"""Dates are read in every form the bot writes them, and every prompt shows one example style."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from babel import Locale
from babel.dates import format_date

from bot.i18n import LOCALES, Translator
from handlers.dates import date_example, read_date
from tests.conftest import ADMIN_BUDI, RunningBot, active_artisan, active_buyer, full_width
from tests.test_payments import accept_drums

# The numeric half of a prompt's example (and its time, for a moment): 07/03/2027 08:00.
EXAMPLE = re.compile(r"([0-9]{2}/[0-9]{2}/[0-9]{4})(?: ([0-9]{2}):([0-9]{2}))?")
DAYS = [date(2027, month, day) for month in range(1, 13) for day in (1, 9, 28)]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_date_the_bot_writes_is_read_back(locale: str) -> None:
    t = Translator(locale)
    for day in DAYS:
        for written in (t.date(day), format_date(day, "medium", locale=locale)):
            assert read_date(written) == day, written
            assert read_date(f"  {written.upper()} ") == day, written
            assert read_date(written.lower().replace(" ", "  ")) == day, written


def test_the_common_numeric_forms_are_read_day_first_or_year_first() -> None:
    for typed in ("15/01/2027", "15-01-2027", "15.01.2027", "15/1/2027", "2027-01-15", "2027/1/15"):
        assert read_date(typed) == date(2027, 1, 15), typed


# Chinese names no month in words beside a day: its dates are 2027年1月7日, read below.
@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "zh"])
def test_month_names_full_and_short_are_read_in_both_languages(locale: str) -> None:
    months = Locale.parse(locale).months["format"]
    for number in range(1, 13):
        for name in (months["wide"][number], months["abbreviated"][number]):
            forms = (f"7 {name} 2027", f"{name} 7, 2027", f"{name}. 7 2027", f"07 {name}. 2027")
            for typed in forms:
                assert read_date(typed) == date(2027, number, 7), typed


def test_chinese_dates_are_read_with_or_without_year_and_typed_full_width() -> None:
    near = date(2026, 12, 7)
    for typed in (
        "2027年1月15日",
        "2027 年 1 月 15 日",
        "2027年1月15号",
        full_width("2027年1月15日"),
    ):
        assert read_date(typed) == date(2027, 1, 15), typed
    assert read_date("1月15日", near=near) == date(2027, 1, 15)
    assert read_date(full_width("15/01/2027")) == date(2027, 1, 15)
    for wrong in ("2027年13月1日", "2027年2月30日", "1月15日后", "年1月15日"):
        assert read_date(wrong, near=near) is None, wrong


def test_no_month_name_means_two_months_across_the_languages() -> None:
    seen: dict[str, int] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for number, name in Locale.parse(locale).months["format"][width].items():
                assert seen.setdefault(name.casefold(), number) == number, name


def test_what_is_not_one_date_is_refused() -> None:
    for typed in (
        "31/02/2027",
        "15/13/2027",
        "15/01/27",  # a two-digit year: which century is a guess
        "01/15/2027",  # month first is not read
        "15-01/2027",
        "2027-01-15-3",
        "15 Foo 2027",
        "Januari 2027",
        "15 Januari 2027 Maret",
        "besok",
        "",
        None,
    ):
        assert read_date(typed) is None, typed


def test_a_date_without_its_year_is_read_only_near_a_given_day() -> None:
    near = date(2026, 11, 20)
    for typed in ("15/01", "15-01", "15 Jan", "15 Januari", "January 15", "Jan 15"):
        assert read_date(typed) is None, typed
        assert read_date(typed, near=near) == date(2027, 1, 15), typed
    assert read_date("19/11", near=near) == date(2026, 11, 19)
    assert read_date("20 Mei", near=near) == date(2027, 5, 20)
    assert read_date("29/02", near=near) is None  # 2026 has no 29 February


def example_in(t: Translator, prompt: str) -> tuple[date, time | None]:
    """The date (and time) of the example a prompt shows, checked to be in the one style."""
    match = EXAMPLE.search(prompt)
    assert match is not None, prompt
    day = read_date(match[1])
    assert day is not None, prompt
    at = None if match[2] is None else time(int(match[2]), int(match[3]))
    assert date_example(t, day, at) in prompt, prompt
    return day, at


def written(t: Translator, day: date, at: time | None = None) -> str:
    """The date as the bot writes it, with the time when asked: what a person may copy."""
    return t.date(day) if at is None else f"{t.date(day)} {at:%H:%M}"


async def test_every_date_prompt_shows_the_same_example_and_takes_it_as_written(
    bot: RunningBot,
) -> None:
    sri = await active_artisan(bot)
    await accept_drums(bot, sri.user_id, 2)
    await active_buyer(bot)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    words = {
        "id": ("Kontainer baru", "Semua anggota", "Tidak, satu versi", "Jadwalkan"),
        "en": ("New container", "Everyone", "No, one version", "Schedule"),
    }
    for admin in (bot.admin(), budi):
        await admin.send("/start")
        t = Translator(admin.language_code or "id")
        new_container, everyone, one_version, schedule = words[t.locale]

        await admin.send("/pay")
        await admin.tap("Sri Wahyuni")
        prompt = (await admin.send("100000"))[-1].plain
        day, _ = example_in(t, prompt)
        taken = (await admin.send(written(t, day)))[-1].plain
        assert t.date(day) in taken and not EXAMPLE.search(taken), taken
        await admin.send("/cancel")

        await admin.send("/containers")
        await admin.tap(new_container)
        await admin.tap("Li Wei")
        await admin.tap("40' HC")
        await admin.send("100")
        prompt = (await admin.send("Shanghai"))[-1].plain
        day, _ = example_in(t, prompt)
        taken = (await admin.send(written(t, day)))[-1].plain
        assert t.date(day) in taken and not EXAMPLE.search(taken), taken
        await admin.send("/cancel")

        await admin.send("/broadcast")
        await admin.tap(everyone)
        await admin.send("Rapat kelompok")
        await admin.tap(one_version)
        prompt = (await admin.tap(schedule))[-1].plain
        day, at = example_in(t, prompt)
        assert at is not None, prompt
        taken = (await admin.send(written(t, day, at)))[-1].plain
        assert t.datetime(datetime.combine(day, at)) in taken, taken
