"""Numbers on buttons and in typed text are read from the ASCII digits 0-9 alone.

str.isdigit() takes "²", which int() then refuses, and a regex's \\d takes "٣" (Arabic-Indic
three), which int() reads as 3: a crafted button could crash a step or act on a real id.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

import handlers
from bot.emulator import Person
from handlers.announcements.schedule import parse_moment
from handlers.common import ascii_int, parse_quantity
from handlers.dates import read_date
from handlers.members.artisan_registration import VILLAGE_PREFIX
from handlers.members.buyer_registration import COUNTRY_PREFIX
from handlers.orders.cards import CONFIRM
from handlers.reports.review_cards import ACCEPT_ALL
from tests.conftest import RunningBot, active_artisan, active_buyer
from tests.test_ordering import add_stock, place_order, query
from tests.test_reporting import MEDIUM_PAINTED, report_drums, send_data

APOLOGIES = ("Sorry, something went wrong", "Maaf, ada yang salah")
# Decimal digits that are not ASCII, which int() reads as it reads 0-9.
ARABIC_INDIC = {ord(str(digit)): 0x0660 + digit for digit in range(10)}
FULLWIDTH = {ord(str(digit)): 0xFF10 + digit for digit in range(10)}
SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() takes it; int() refuses it


def arabic_indic(text: object) -> str:
    """The text, or number, with Arabic-Indic digits for its ASCII ones."""
    return str(text).translate(ARABIC_INDIC)


def states(bot: RunningBot) -> list[tuple[str, str]]:
    """Every stored conversation state, as (conversation, state)."""
    rows = query(bot, "SELECT name, state FROM conversation_states ORDER BY name")
    return [(row["name"], row["state"]) for row in rows]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors logged while the test ran."""
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


async def press_crafted(person: Person, data: str, reminder: str, bot: RunningBot) -> None:
    """Press a button nobody was shown; the step asks again with its buttons, unchanged."""
    before = states(bot)
    replies = await person.press(data, person.last)
    assert reminder in replies[-1].plain and replies[-1].buttons
    assert not any(apology in reply.plain for reply in replies for apology in APOLOGIES)
    assert states(bot) == before


async def test_a_crafted_village_or_country_button_is_answered_and_the_step_is_kept(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("Sri Wahyuni")
    # Arabic-Indic "1" would be read by int() as 1: the second village, chosen unseen.
    for choice in (SUPERSCRIPT_TWO, arabic_indic(1), "1" + SUPERSCRIPT_TWO):
        await press_crafted(sri, VILLAGE_PREFIX + choice, "pilih desa Anda dengan tombol", bot)
    await sri.tap("Jiwut")
    assert "3/4" in sri.last_text
    li = bot.person(2001, "Li", "en")
    await li.send("/start")
    await li.tap("I am a buyer")
    await li.send("Li Wei")
    await li.send("Yiwu Music Trading")
    for choice in (SUPERSCRIPT_TWO, arabic_indic(1)):
        await press_crafted(li, COUNTRY_PREFIX + choice, "choose your country with a button", bot)
    await li.tap("China")
    await li.tap("Create my account")
    assert "Your buyer account is ready" in li.last_text
    assert query(bot, "SELECT country FROM members WHERE telegram_id = 2001")[0][0] == "China"
    assert errors_logged(caplog) == []


async def test_ids_in_arabic_indic_digits_are_stale_buttons_and_change_nothing(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    ani = bot.admin()
    sri = await active_artisan(bot)
    li = await active_buyer(bot)
    await add_stock(bot, 10, MEDIUM_PAINTED)
    await report_drums(sri, bot, MEDIUM_PAINTED, "3")
    await sri.press(send_data(sri), sri.last)
    order_id = await place_order(li, bot, 2, code=MEDIUM_PAINTED)
    [report] = query(bot, "SELECT id FROM reports WHERE status = 'pending'")
    movements = query(bot, "SELECT COUNT(*) FROM stock_movements")[0][0]
    # Before, the patterns' \d took these and int() read them: the report accepted, the
    # order confirmed, from buttons no admin was shown.
    for data in (ACCEPT_ALL + arabic_indic(report["id"]), CONFIRM + arabic_indic(order_id)):
        await ani.press(data, ani.last)
        assert "Tombol ini sudah tidak berlaku" in ani.callback_answers[-1]["text"]
    assert query(bot, "SELECT status FROM reports WHERE id = ?", report["id"])[0][0] == "pending"
    assert query(bot, "SELECT status FROM orders WHERE id = ?", order_id)[0][0] == "requested"
    assert query(bot, "SELECT COUNT(*) FROM stock_movements")[0][0] == movements
    assert errors_logged(caplog) == []


def test_typed_numbers_and_dates_are_read_from_ascii_digits_only() -> None:
    assert [ascii_int(text) for text in ("0", "12", "007")] == [0, 12, 7]
    odd = [SUPERSCRIPT_TWO, arabic_indic(1), arabic_indic(30)]
    for text in (*odd, "1" + SUPERSCRIPT_TWO, "-1", "+1", " 1", "1 ", "", None, "1.0"):
        assert ascii_int(text) is None
    assert parse_quantity(arabic_indic(3), 10) is None
    # Full-width digits are what a Chinese keyboard types: they mean the ASCII ones.
    assert ascii_int("12".translate(FULLWIDTH)) == 12
    assert parse_quantity("3,500".translate(FULLWIDTH), 5000) == 3500
    for typed in ("15/01/2027", "2027-01-15"):
        assert read_date(typed) == date(2027, 1, 15)
        assert read_date(arabic_indic(typed)) is None
    now = datetime(2026, 11, 15, 9, tzinfo=UTC)
    assert parse_moment("16/11 09:00", now) is not None
    assert parse_moment(arabic_indic("16/11 09:00"), now) is None


def _callback_patterns(handler: BaseHandler[Any, Any, Any]) -> list[re.Pattern[str]]:
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        inner += [step for steps in handler.states.values() for step in steps]
        return [pattern for step in inner for pattern in _callback_patterns(step)]
    if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern):
        return [handler.pattern]
    return []


def test_every_buttons_pattern_takes_ascii_digits_only() -> None:
    patterns = []
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        build = getattr(module, "handlers", None)
        if callable(build) and build.__module__ == info.name:
            patterns += [pattern for made in build() for pattern in _callback_patterns(made)]
    assert len(patterns) > 50
    unicode_digits = [
        pattern.pattern
        for pattern in patterns
        if "\\d" in pattern.pattern and not pattern.flags & re.ASCII
    ]
    assert unicode_digits == []
