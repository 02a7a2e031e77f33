"""Recognise a database that cannot be written, and tell the admins once in a while."""

from __future__ import annotations

import html
import logging
import sqlite3
import time
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import Translator, resolve_locale, translator

if TYPE_CHECKING:  # the context holds the alarm, so it cannot be imported at run time here
    from bot.context import Services

logger = logging.getLogger(__name__)

# A flood of failing updates alerts each admin at most once in this many seconds.
ALERT_INTERVAL_SECONDS = 300.0


class StorageFault(Enum):
    """Why the database cannot be written."""

    READ_ONLY = "read-only"
    DISK_FULL = "disk full"
    CANNOT_OPEN = "cannot open"
    IO_ERROR = "disk I/O error"
    LOCKED = "locked by another program"


def storage_fault(error: BaseException | None) -> StorageFault | None:
    """Tell which lasting storage fault an error (or the error behind it) is, or None."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, sqlite3.DatabaseError):
            message = str(error).lower()
            if "readonly" in message or "read-only" in message:
                return StorageFault.READ_ONLY
            if "disk is full" in message:
                return StorageFault.DISK_FULL
            if "unable to open" in message:
                return StorageFault.CANNOT_OPEN
            if "disk i/o error" in message:
                return StorageFault.IO_ERROR
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def database_locked(error: BaseException | None) -> bool:
    """Tell whether an error (or the error behind it) is another program holding the lock."""
    # Not a StorageFault of `storage_fault`: a lock passes, so what failed on it is retried.
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, sqlite3.OperationalError) and (
            getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            or "database is locked" in str(error)
        ):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


class StorageAlarm:
    """Remember, in memory, when each admin was last alerted, to keep alerts rare."""

    def __init__(
        self,
        interval: float = ALERT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last_alert: dict[int, float] = {}

    def due(self, admin_id: int) -> bool:
        """Tell whether this admin should be alerted now, and if so count it as alerted."""
        now = self._clock()
        last = self._last_alert.get(admin_id)
        if last is not None and now - last < self._interval:
            return False
        self._last_alert[admin_id] = now
        return True


def apology(t: Translator) -> str:
    """The message for a person whose update could not be saved."""
    return t._(
        "Sorry, the cooperative's system cannot save anything right now, so what you just"
        " sent was not recorded. Please try again in a little while."
    )


def alert_text(t: Translator, fault: StorageFault, path: str) -> str:
    """The message telling an admin what is wrong with the database and what to check."""
    where = html.escape(path)
    if fault is StorageFault.READ_ONLY:
        text = t._(
            "⚠️ <b>The bot cannot save anything: its database file is read-only.</b>\n"
            "Check that the bot's user can write {path} and its folder, and that the disk"
            " is not mounted read-only."
        )
    elif fault is StorageFault.DISK_FULL:
        text = t._(
            "⚠️ <b>The bot cannot save anything: the disk is full.</b>\n"
            "Free some space on the disk that holds {path}."
        )
    elif fault is StorageFault.CANNOT_OPEN:
        text = t._(
            "⚠️ <b>The bot cannot open its database file.</b>\n"
            "Check that {path} and its folder exist and that the bot's user can write them."
        )
    elif fault is StorageFault.LOCKED:
        text = t._(
            "⚠️ <b>The bot cannot save: another program keeps its database locked.</b>\n"
            "Find what is writing to {path} (an sqlite3 shell, a backup or copy tool) and"
            " end it; the bot saves what is waiting as soon as it can."
        )
    else:
        text = t._(
            "⚠️ <b>The disk fails when the bot reads or writes its database.</b>\n"
            "Check the disk that holds {path}, and make a backup as soon as it works again."
        )
    minutes = int(ALERT_INTERVAL_SECONDS // 60)
    notice = t.ngettext(
        "People who write to the bot are asked to try again later. While this lasts you are"
        " reminded at most every {minutes} minute.",
        "People who write to the bot are asked to try again later. While this lasts you are"
        " reminded at most every {minutes} minutes.",
        minutes,
    ).format(minutes=minutes)
    return text.format(path=f"<code>{where}</code>") + "\n\n" + notice


async def alert_admins(bot: Bot, services: Services, fault: StorageFault) -> None:
    """Tell every admin, in their language, that the database cannot be written (rarely)."""
    settings = services.settings
    for admin_id in settings.admin_ids:
        if not services.storage_alarm.due(admin_id):
            continue
        try:
            admin = await services.storage.people.get(admin_id)
        except sqlite3.Error:  # the database may not even be readable
            admin = None
        locale = resolve_locale(
            admin.chosen_locale if admin else None,
            admin.language_code if admin else None,
            has_user=admin is not None,
        )
        t = translator(locale or settings.default_locale)
        try:
            await bot.send_message(admin_id, alert_text(t, fault, str(settings.db_path)))
        except TelegramError as error:
            logger.warning("could not alert admin %s about the database: %s", admin_id, error)
