"""The outbox: every message to someone other than the person being served goes out from here.

Handlers queue a message (written to the database at once) and go on; a background sender
delivers it within Telegram's limits, each chat's messages in order and every chat on its own,
so that a chat answering 429 for minutes holds up only its own messages. A message queued while
an update is processed carries the update's id and its number among that update's messages to
the chat: the same update processed again after a crash queues nothing twice. Queued messages
survive a restart; only a message in flight at a `kill -9` (one per chat at most) can arrive
twice.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.outbox_delivery import Delivery, backoff
from bot.outbox_requests import markup_json
from bot.outbox_tally import UpdateTally
from bot.pacing import Pacer, first_of, sleep_unless_stopped
from bot.replies import SENDING_ANNOUNCEMENTS
from storage import Storage
from storage.clock import utc_now
from storage.outbox import OutboxAction, OutboxStatus, OutgoingMessage

logger = logging.getLogger(__name__)

# The update being processed, set by the update processor: messages queued meanwhile carry it.
PROCESSING_UPDATE: ContextVar[int | None] = ContextVar("processing_update", default=None)

# Sent and failed messages are kept this long: an update delivered again finds them.
KEEP_DONE = timedelta(days=2)
PRUNE_EVERY_SECONDS = 3600.0
# At stop, a request under way gets this long to be answered before it is cancelled.
STOP_GRACE_SECONDS = 5.0


class _Default(Enum):
    PARSE_MODE = "the bot's default parse mode"


BOT_DEFAULT = _Default.PARSE_MODE
ParseModeChoice = str | None | _Default


class Outbox:
    """The durable queue of messages to third parties, and its sender."""

    def __init__(self, bot: Bot, storage: Storage, pacer: Pacer) -> None:
        self._bot = bot
        self._storage = storage
        self._pacer = pacer
        # One worker per chat with queued messages; `_again` holds chats queued to since their
        # worker last looked, so that it looks once more before it ends.
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._to_start: set[int] = set()
        self._woken = asyncio.Event()
        self._tally = UpdateTally()
        # Set once the sender has read what was queued before it started.
        self._loaded: asyncio.Event | None = None
        self._delivery = Delivery(bot, storage, pacer, self._tally)

    # -- queueing ----------------------------------------------------------------------------

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        copy_of: str | None = None,
        parse_mode: ParseModeChoice = BOT_DEFAULT,
    ) -> None:
        """Queue a text message."""
        await self._enqueue(
            OutboxAction.SEND_TEXT, chat_id, text, parse_mode, reply_markup, copy_of=copy_of
        )

    async def send_photo(
        self,
        chat_id: int,
        photo: str,
        *,
        caption: str | None = None,
        reply_markup: InlineKeyboardMarkup | None = None,
        copy_of: str | None = None,
        parse_mode: ParseModeChoice = BOT_DEFAULT,
    ) -> None:
        """Queue a photo, by the file id Telegram gave it, with an optional caption."""
        await self._enqueue(
            OutboxAction.SEND_PHOTO,
            chat_id,
            caption,
            parse_mode,
            reply_markup,
            photo_file_id=photo,
            copy_of=copy_of,
        )

    async def send_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        caption: str | None = None,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: ParseModeChoice = BOT_DEFAULT,
    ) -> None:
        """Queue a file to upload, kept in the database until sent."""
        await self._enqueue(
            OutboxAction.SEND_DOCUMENT,
            chat_id,
            caption,
            parse_mode,
            reply_markup,
            document=data,
            file_name=filename,
        )

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        parse_mode: ParseModeChoice = BOT_DEFAULT,
    ) -> None:
        """Queue an edit of a message's text (without `reply_markup` its buttons go)."""
        await self._enqueue(
            OutboxAction.EDIT_TEXT, chat_id, text, parse_mode, reply_markup, message_id=message_id
        )

    async def edit_message_caption(
        self,
        chat_id: int,
        message_id: int,
        caption: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        parse_mode: ParseModeChoice = BOT_DEFAULT,
    ) -> None:
        """Queue an edit of a caption (without `reply_markup` its buttons go)."""
        await self._enqueue(
            OutboxAction.EDIT_CAPTION,
            chat_id,
            caption,
            parse_mode,
            reply_markup,
            message_id=message_id,
        )

    async def queued_copies(self, copy_of: str) -> list[int]:
        """The chats where a copy of this card is still waiting to be sent."""
        return await self._storage.outbox.queued_copies(copy_of)

    async def revise(
        self,
        copy_of: str,
        chat_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Give the queued copies of a card in a chat new content, sent instead of the old."""
        revised = await self._storage.outbox.revise(
            copy_of, chat_id, text, markup_json(reply_markup)
        )
        self._track(chat_id, revised)

    async def revise_edits(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        """Give the queued edits of a message new content; False when none is queued.

        An edit made directly while an older one is still queued would be undone by it.
        """
        revised = await self._storage.outbox.revise_edits(
            chat_id, message_id, text, markup_json(reply_markup)
        )
        self._track(chat_id, revised)
        return bool(revised)

    async def settled(self, update_id: int) -> None:
        """Return once the update's messages are sent or failed, or wait out a 429."""
        if self._loaded is not None:
            # What was queued before a restart counts too: wait until it is known.
            await self._loaded.wait()
        await self._tally.settled(update_id)

    def _parse_mode(self, choice: ParseModeChoice) -> str | None:
        if choice is not BOT_DEFAULT:
            return choice
        defaults = self._bot.defaults if isinstance(self._bot, ExtBot) else None
        return None if defaults is None else defaults.parse_mode

    async def _enqueue(
        self,
        action: OutboxAction,
        chat_id: int,
        text: str | None,
        parse_mode: ParseModeChoice,
        reply_markup: InlineKeyboardMarkup | None,
        **fields: Any,
    ) -> None:
        message = OutgoingMessage(
            chat_id=chat_id,
            action=action,
            text=text,
            parse_mode=self._parse_mode(parse_mode),
            reply_markup=markup_json(reply_markup),
            **fields,
        )
        update_id = PROCESSING_UPDATE.get()
        sequence = None if update_id is None else self._tally.number(update_id, message.chat_id)
        queued = await self._storage.outbox.enqueue(message, update_id, sequence)
        if queued.status is OutboxStatus.QUEUED:
            self._track(message.chat_id, [queued.id])
            self._wake(message.chat_id)

    def _track(self, chat_id: int, row_ids: list[int]) -> None:
        # A chat waiting out a 429 may wait minutes: its messages are safe in the database, and
        # the update that queued them is not held up for them.
        if self._pacer.held_for(chat_id) <= 0:
            self._tally.track(PROCESSING_UPDATE.get(), chat_id, row_ids)

    def _wake(self, chat_id: int) -> None:
        self._again.add(chat_id)
        if chat_id not in self._workers:
            self._to_start.add(chat_id)
            self._woken.set()

    # -- sending -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Send queued messages, those left from before first, until `stop` is set."""
        # The rate limiter leaves this task's requests alone: it paces and retries them itself.
        SENDING_ANNOUNCEMENTS.set(True)
        loaded = self._loaded = asyncio.Event()
        loop = asyncio.get_running_loop()
        look_again_at = loop.time()
        failures = 0
        try:
            while not stop.is_set():
                if loop.time() >= look_again_at:
                    try:
                        await self._look_in_storage()
                    except Exception:  # a database that cannot be read now may be readable soon
                        failures += 1
                        logger.exception("the outbox could not read its queue; trying again")
                        look_again_at = loop.time() + backoff(failures)
                    else:
                        failures = 0
                        look_again_at = loop.time() + PRUNE_EVERY_SECONDS
                    loaded.set()
                self._woken.clear()
                for chat_id in sorted(self._to_start):
                    if chat_id not in self._workers:
                        self._workers[chat_id] = asyncio.create_task(self._work(chat_id, stop))
                self._to_start.clear()
                await first_of(self._woken.wait(), stop.wait(), seconds=look_again_at - loop.time())
        finally:
            loaded.set()
            await self._stop_workers()

    async def _look_in_storage(self) -> None:
        """Forget messages answered long ago; send what is queued (after a restart, too)."""
        pruned = await self._storage.outbox.prune(utc_now() - KEEP_DONE)
        if pruned:
            logger.info("outbox: forgot %s messages answered before %s", pruned, KEEP_DONE)
        for queued in await self._storage.outbox.queued():
            # An update delivered again after a restart, done before or not, is settled once
            # the messages it queued the first time are out.
            if queued.update_id is not None and self._pacer.held_for(queued.chat_id) <= 0:
                self._tally.track(queued.update_id, queued.chat_id, [queued.id])
            self._wake(queued.chat_id)

    async def _stop_workers(self) -> None:
        workers = set(self._workers.values())
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=STOP_GRACE_SECONDS)
        for worker in late:
            worker.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _work(self, chat_id: int, stop: asyncio.Event) -> None:
        """Send one chat's queued messages in order, until there are none."""
        failures = 0
        try:
            while not stop.is_set():
                self._again.discard(chat_id)
                try:
                    head = await self._storage.outbox.next_for_chat(chat_id)
                    if head is None:
                        if chat_id in self._again:
                            continue
                        return
                    if not await self._pacer.background_turn_unless_stopped(chat_id, stop):
                        return
                    # Read it again: a copy may have been revised while waiting for the turn.
                    row = await self._storage.outbox.get(head.id)
                    wait = 0.0
                    if row is not None and row.status is OutboxStatus.QUEUED:
                        wait = await self._delivery.attempt(row)
                    failures = 0
                except Exception:  # one bad moment must not leave the chat's messages behind
                    failures += 1
                    logger.exception("the outbox failed on a message to %s; retrying", chat_id)
                    wait = backoff(failures)
                if wait > 0:
                    await sleep_unless_stopped(stop, wait)
        finally:
            del self._workers[chat_id]
