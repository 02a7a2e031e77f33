"""Admins schedule an announcement for a date and time in the cooperative's time zone."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from telegram import Update

from bot.context import BotContext
from handlers.announcements.draft import (
    COMPOSING,
    CONFIRM,
    WHEN,
    cancel_button,
    composed,
    draft,
    drop_buttons,
    post_progress,
)
from handlers.announcements.preview import reachable, start_again
from handlers.announcements.screens import PREFIX
from handlers.common import Button, answer_button, keyboard, reply
from handlers.dates import date_example, read_date
from storage.clock import utc_now

AT = f"{PREFIX}at:"
AT_PATTERN = re.compile(rf"^{AT}([01]):([0-9]{{2}})$")
MAX_DAYS_AHEAD = 60
# The quick choices offered: (days from today, hour); those already past are left out.
QUICK = ((0, 19), (1, 7), (1, 19))
# A date as read_date reads it, then the time: 08:00, 8.00, or as the bot writes it
# (08.00.00, 8:00:00 AM).
_MOMENT = re.compile(
    r"^(?P<date>.+?),? (?P<hour>[0-9]{1,2})[:.](?P<minute>[0-9]{2})(?:[:.][0-9]{2})?"
    r"(?: ?(?P<half>[AaPp][Mm]))?$"
)


def parse_moment(raw: str | None, now: datetime) -> datetime | None:
    """Read a moment typed as 30/11/2026 08:00, 30 Nov 08.00 or 2026-11-30 08:00.

    It is taken in `now`'s time zone. The date is read as read_date reads it; without a year
    it is this year's date, or next year's when this year's is half a year gone. None when it
    is not a real date and time.
    """
    match = _MOMENT.match(" ".join((raw or "").split()))
    if match is None:
        return None
    day = read_date(match["date"], near=now.date())
    hour = int(match["hour"])
    if match["half"] is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0)
    if day is None or hour > 23 or int(match["minute"]) > 59:
        return None
    return datetime.combine(day, time(hour, int(match["minute"])), tzinfo=now.tzinfo)


def _now(context: BotContext) -> datetime:
    return utc_now().astimezone(context.settings.zone)


def _quick(now: datetime, days: int, hour: int) -> datetime:
    return datetime.combine(now.date() + timedelta(days=days), time(hour), tzinfo=now.tzinfo)


def _clock(hour: int) -> str:
    return f"{hour:02d}:00"


async def _ask(update: Update, context: BotContext, problem: str | None = None) -> None:
    t, now = context.t, _now(context)
    buttons: list[Button] = []
    for days, hour in QUICK:
        if _quick(now, days, hour) <= now:
            continue
        label = t._("Today {time}") if days == 0 else t._("Tomorrow {time}")
        buttons.append((label.format(time=_clock(hour)), f"{AT}{days}:{hour:02d}"))
    example = _quick(now, 1, 8)
    text = t._(
        "🕒 <b>When should it be sent?</b>\n"
        "Tap a button, or type the date and time ({zone} time), e.g. {example}. "
        "At most {days} days ahead."
    ).format(
        zone=context.settings.timezone,
        example=date_example(t, example.date(), example.time()),
        days=t.number(MAX_DAYS_AHEAD),
    )
    if problem is not None:
        text = f"{problem}\n\n{text}"
    await reply(update, context, text, keyboard([buttons, [cancel_button(t)]]))


@COMPOSING.admins_only
async def ask_when(update: Update, context: BotContext) -> int:
    """Ask when to send the announcement, with quick choices."""
    announcement = composed(context)
    if announcement is None:
        return await start_again(update, context)
    if not await reachable(update, context, announcement):
        return CONFIRM
    await answer_button(update)
    await drop_buttons(update)
    await _ask(update, context)
    return WHEN


def _chosen(update: Update, now: datetime) -> datetime | None:
    query = update.callback_query
    if query is None:
        return parse_moment(update.message.text if update.message else None, now)
    match = AT_PATTERN.match(query.data or "")
    if match is None or int(match[2]) > 23:
        return None
    return _quick(now, int(match[1]), int(match[2]))


@COMPOSING.admins_only
async def when_given(update: Update, context: BotContext) -> int:
    """Take the moment, tapped or typed: in the future and within 60 days; then schedule."""
    t, now = context.t, _now(context)
    announcement = composed(context)
    user = update.effective_user
    await answer_button(update)
    if announcement is None or user is None:
        await reply(update, context, t._("Something went wrong. Please start again."))
        return COMPOSING.end(context)
    moment = _chosen(update, now)
    latest = now + timedelta(days=MAX_DAYS_AHEAD)
    if moment is None:
        await _ask(update, context, t._("I cannot read that date and time."))
        return WHEN
    if moment <= now:
        problem = t._("{moment} has already passed.").format(moment=t.datetime(moment))
        await _ask(update, context, problem)
        return WHEN
    if moment > latest:
        problem = t._("That is more than {days} days ahead; the latest is {moment}.").format(
            days=t.number(MAX_DAYS_AHEAD),
            moment=t.datetime(latest.replace(second=0, microsecond=0)),
        )
        await _ask(update, context, problem)
        return WHEN
    summary = await context.storage.broadcasts.create(
        announcement, by=user.id, send_at=moment, client_key=draft(context).get("key")
    )
    await drop_buttons(update)
    await post_progress(update, context, summary)
    return COMPOSING.end(context)


async def not_a_moment(update: Update, context: BotContext) -> int:
    """Answer a photo, sticker or anything else where a date and time was asked."""
    await _ask(update, context, context.t._("Please type the date and time as text."))
    return WHEN
