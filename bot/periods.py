"""This week and this month in the cooperative's time zone, as aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """[start, end) with the first and last day, for showing."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        """The period's first day."""
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The period's last day."""
        return (self.end - timedelta(days=1)).date()


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def this_week(now: datetime, zone: ZoneInfo) -> Period:
    """Monday to Sunday of the week `now` falls in."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return Period(_midnight(monday, zone), _midnight(monday + timedelta(days=7), zone))


def this_month(now: datetime, zone: ZoneInfo) -> Period:
    """The calendar month `now` falls in."""
    today = now.astimezone(zone).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(_midnight(first, zone), _midnight(following, zone))
