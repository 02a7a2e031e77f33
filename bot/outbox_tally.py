"""What the outbox remembers per update, in memory: its messages' numbers and which are out.

An update numbers its messages per chat, so that the same update processed again (after a
crash) finds the rows it queued the first time. It is settled once every row it queued or
revised is sent or failed, or waits out a 429 of its chat (it is safe in the database, and
waiting for it would only hold up the person who caused it); the update processor waits for
that before confirming the update.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

# Updates whose numbering is remembered until they settle; far more than run at once.
NUMBERED_UPDATES = 1000
REMEMBERED_FINISHED = 1000


class UpdateTally:
    """Number each update's messages per chat, and tell when its rows are all out."""

    def __init__(self) -> None:
        self._numbers: OrderedDict[int, dict[int, int]] = OrderedDict()
        # Rows not yet sent or failed, per update that queued (or revised) them, and back.
        self._unsettled: dict[int, set[int]] = {}
        self._waiters: dict[int, set[int]] = {}
        self._rows_of_chat: dict[int, set[int]] = {}
        self._chat_of_row: dict[int, int] = {}
        self._events: dict[int, asyncio.Event] = {}
        # Rows finished lately: one finished before its update noted it is not waited for.
        self._finished: OrderedDict[int, None] = OrderedDict()

    def number(self, update_id: int, chat_id: int) -> int:
        """The next number of the update's messages to the chat: 1, 2, 3…"""
        chats = self._numbers.get(update_id)
        if chats is None:
            chats = self._numbers[update_id] = {}
            if len(self._numbers) > NUMBERED_UPDATES:
                self._numbers.popitem(last=False)
        chats[chat_id] = chats.get(chat_id, 0) + 1
        return chats[chat_id]

    def track(self, update_id: int | None, chat_id: int, row_ids: list[int]) -> None:
        """Have the update wait for these rows to the chat (none outside an update)."""
        if update_id is None:
            return
        for row_id in row_ids:
            if row_id in self._finished:
                continue
            self._unsettled.setdefault(update_id, set()).add(row_id)
            self._waiters.setdefault(row_id, set()).add(update_id)
            self._rows_of_chat.setdefault(chat_id, set()).add(row_id)
            self._chat_of_row[row_id] = chat_id

    def finish(self, row_id: int) -> None:
        """A row is sent or failed: the updates waiting only for it are settled."""
        self._finished[row_id] = None
        if len(self._finished) > REMEMBERED_FINISHED:
            self._finished.popitem(last=False)
        chat_id = self._chat_of_row.get(row_id)
        if chat_id is not None:
            rows = self._rows_of_chat.get(chat_id, set())
            rows.discard(row_id)
            if not rows:
                self._rows_of_chat.pop(chat_id, None)
        self._release(row_id)

    def release_chat(self, chat_id: int) -> None:
        """The chat waits out a 429: no update waits for its rows any longer."""
        for row_id in self._rows_of_chat.pop(chat_id, set()):
            self._release(row_id)

    def _release(self, row_id: int) -> None:
        self._chat_of_row.pop(row_id, None)
        for update_id in self._waiters.pop(row_id, set()):
            rows = self._unsettled.get(update_id)
            if rows is None:
                continue
            rows.discard(row_id)
            if not rows:
                del self._unsettled[update_id]
                event = self._events.pop(update_id, None)
                if event is not None:
                    event.set()

    async def settled(self, update_id: int) -> None:
        """Return once every row the update queued or revised is finished (at once if none)."""
        # The update is done: processed again, it numbers its messages from the start.
        self._numbers.pop(update_id, None)
        if not self._unsettled.get(update_id):
            return
        event = self._events.get(update_id)
        if event is None:
            event = self._events[update_id] = asyncio.Event()
        await event.wait()
