"""Send announcements in the background at a steady rate, resuming after any crash.

The rate leaves room for replies, and every message also takes its turn from the pacer that
replies and the outbox share, so that together they keep Telegram's limits.

Each recipient has a delivery row written before the first message leaves; a row is marked
as soon as Telegram answers for it. Messages go out one at a time, so a `kill -9` can repeat
at most the one message in flight, and nobody is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import BotApplication
from bot.pacing import retry_seconds, sleep_unless_stopped
from bot.replies import SENDING_ANNOUNCEMENTS
from bot.telegram_http import no_answer
from handlers.announcements.languages import reader_locale
from handlers.announcements.screens import progress_screen
from handlers.common import translator_for
from storage import Storage
from storage.models.broadcasts import Broadcast, BroadcastStatus, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# A network error or a 5xx is tried this many times in all before the delivery is failed.
MAX_ATTEMPTS = 5
# The wait before the first retry, doubled before each next one.
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
PROGRESS_EVERY_SECONDS = 3.0
PROGRESS_TRIES = 3
IDLE_SECONDS = 1.0
# At start, the progress messages of announcements finished this recently are shown again.
FINISHED_LATELY = timedelta(hours=1)
BATCH = 25
# The achieved rate is measured over the last this many messages.
RATE_WINDOW = 100


class Broadcaster:
    """The background sender of announcements."""

    def __init__(self, application: BotApplication, storage: Storage, rate: float) -> None:
        self._application = application
        self._storage = storage
        self._interval = 1.0 / rate
        self._next_send = 0.0
        self._sent_times: deque[float] = deque(maxlen=RATE_WINDOW)
        self._last_progress = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Start due announcements and send them until `stop` is set."""
        SENDING_ANNOUNCEMENTS.set(True)
        try:
            await self._show_lately_finished()
        except Exception:
            logger.exception("could not bring the latest progress messages up to date")
        while not stop.is_set():
            try:
                worked = await self._work_once(stop)
            except Exception:  # one bad moment must not end the sender for good
                logger.exception("the announcement sender failed; retrying")
                worked = False
            if not worked:
                # Nothing to send: look again in a moment (a new announcement is in the
                # database, written by the handler that composed it).
                await sleep_unless_stopped(stop, IDLE_SECONDS)

    async def _show_lately_finished(self) -> None:
        """Show the final figures of the announcements that finished in the last hour.

        An announcement is marked done before its progress message is edited a last time: a
        process stopped in between would leave the admin looking at "sending" for good.
        """
        since = datetime.now(UTC) - FINISHED_LATELY
        for broadcast_id in await self._storage.broadcasts.finished_since(since):
            await self._show_progress(broadcast_id, force=True)

    async def _work_once(self, stop: asyncio.Event) -> bool:
        broadcasts = self._storage.broadcasts
        for started in await broadcasts.start_due(datetime.now(UTC)):
            logger.info("scheduled announcement %s started", started.broadcast.reference)
            await self._show_progress(started.broadcast.id, force=True)
        broadcast = await broadcasts.sending()
        if broadcast is None:
            return False
        deliveries = await broadcasts.pending(broadcast.id, limit=BATCH)
        if not deliveries:
            if await broadcasts.finish(broadcast.id) is not None:
                logger.info("announcement %s finished", broadcast.reference)
            await self._show_progress(broadcast.id, force=True)
            return True
        for delivery in deliveries:
            if stop.is_set():
                return True
            await self._deliver(broadcast, delivery, stop)
            await self._show_progress(broadcast.id)
            # Pause and cancel are seen between messages, not only between batches.
            if await broadcasts.status(broadcast.id) is not BroadcastStatus.SENDING:
                await self._show_progress(broadcast.id, force=True)
                return True
        return True

    async def _deliver(self, broadcast: Broadcast, delivery: Delivery, stop: asyncio.Event) -> None:
        recipient = delivery.recipient
        text = broadcast.text_for(reader_locale(recipient))
        unanswered = 0
        while not stop.is_set():
            await self._pace(stop)
            await self._application.bot_data.pacer.background_turn_unless_stopped(
                recipient.telegram_id, stop
            )
            if stop.is_set():
                return
            try:
                await self._send(broadcast, recipient.telegram_id, text)
            except RetryAfter as error:
                self._application.bot_data.pacer.hold(recipient.telegram_id, retry_seconds(error))
                await sleep_unless_stopped(stop, retry_seconds(error))
                self._next_send = time.monotonic()
                continue
            except Forbidden as error:
                await self._mark(broadcast, delivery, DeliveryStatus.UNREACHABLE, str(error))
                return
            except BadRequest as error:
                unreachable = "chat not found" in str(error).lower()
                status = DeliveryStatus.UNREACHABLE if unreachable else DeliveryStatus.FAILED
                await self._mark(broadcast, delivery, status, str(error))
                return
            except (NetworkError, TelegramError) as error:  # network trouble, 5xx
                if no_answer(error):
                    # Telegram is out of reach for everyone, not only for this person: wait
                    # for it without spending the row's tries, so a long outage fails nobody.
                    unanswered += 1
                    wait = min(BACKOFF_SECONDS * 2 ** (unanswered - 1), MAX_BACKOFF_SECONDS)
                    logger.warning("Telegram unreachable (%s); retrying in %.0f s", error, wait)
                    await sleep_unless_stopped(stop, wait)
                    continue
                attempts = await self._storage.broadcasts.record_attempt(
                    broadcast.id, recipient.telegram_id, str(error)
                )
                if attempts >= MAX_ATTEMPTS:
                    await self._mark(broadcast, delivery, DeliveryStatus.FAILED, str(error))
                    return
                await sleep_unless_stopped(
                    stop, min(BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
                )
                continue
            self._sent_times.append(time.monotonic())
            await self._storage.broadcasts.mark(
                broadcast.id, recipient.telegram_id, DeliveryStatus.SENT
            )
            return

    async def _send(self, broadcast: Broadcast, chat_id: int, text: str) -> None:
        bot = self._application.bot
        # Sent as typed: no parse mode, so <, & and * arrive as the admin wrote them.
        if broadcast.photo_file_id is not None:
            await bot.send_photo(
                chat_id, broadcast.photo_file_id, caption=text or None, parse_mode=None
            )
        else:
            await bot.send_message(chat_id, text, parse_mode=None)

    async def _mark(
        self, broadcast: Broadcast, delivery: Delivery, status: DeliveryStatus, error: str
    ) -> None:
        logger.info(
            "announcement %s to %s: %s (%s)",
            broadcast.reference,
            delivery.recipient.telegram_id,
            status,
            error,
        )
        await self._storage.broadcasts.mark(
            broadcast.id, delivery.recipient.telegram_id, status, error
        )

    async def _pace(self, stop: asyncio.Event) -> None:
        now = time.monotonic()
        if self._next_send > now:
            await sleep_unless_stopped(stop, self._next_send - now)
        # After a slow answer the next message may follow at once, but never a burst.
        slot = max(self._next_send, time.monotonic() - self._interval)
        self._next_send = slot + self._interval

    def achieved_rate(self) -> float | None:
        """Messages a second over the last messages sent, None before there are two."""
        if len(self._sent_times) < 2:
            return None
        span = self._sent_times[-1] - self._sent_times[0]
        return (len(self._sent_times) - 1) / span if span > 0 else None

    async def _show_progress(self, broadcast_id: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_progress < PROGRESS_EVERY_SECONDS:
            return
        self._last_progress = now
        summary = await self._storage.broadcasts.get(broadcast_id)
        if summary is None:
            return
        broadcast = summary.broadcast
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        t = await translator_for(
            self._storage,
            self._application.bot_data.settings.default_locale,
            broadcast.progress_chat_id,
        )
        rate = self.achieved_rate() if broadcast.status is BroadcastStatus.SENDING else None
        pace = rate or 1.0 / self._interval
        text, markup = progress_screen(
            t,
            summary,
            self._application.bot_data.settings.zone,
            rate=rate,
            seconds_left=summary.figures.pending / pace,
        )
        pacer = self._application.bot_data.pacer
        # A forced edit (started, paused, finished) is the one the admin is left looking at: a
        # 429 is waited out for it, a few times.
        for _ in range(PROGRESS_TRIES if force else 1):
            await pacer.background_turn(broadcast.progress_chat_id)
            try:
                await self._application.bot.edit_message_text(
                    text,
                    chat_id=broadcast.progress_chat_id,
                    message_id=broadcast.progress_message_id,
                    reply_markup=markup,
                )
            except RetryAfter as error:
                pacer.hold(broadcast.progress_chat_id, retry_seconds(error))
                logger.info("the progress of %s waits: %s", broadcast.reference, error)
                continue
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    logger.info(
                        "could not update the progress of %s: %s", broadcast.reference, error
                    )
            except TelegramError as error:
                logger.info("could not update the progress of %s: %s", broadcast.reference, error)
            return
