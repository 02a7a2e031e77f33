"""python-telegram-bot persistence on the bot's own SQLite database, committed per update."""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.state import PendingState, StateStore

UserData = dict[Any, Any]


class SQLitePersistence(BasePersistence[UserData, dict[Any, Any], Any]):
    """Keep conversation states and user drafts in SQLite.

    python-telegram-bot hands changes over in `update_*` calls; they are held here and
    written by `commit`, which the update loop calls after each update, in the same
    transaction that marks the update processed. So a kill -9 loses at most the update in
    progress, which Telegram then delivers again.
    """

    def __init__(self, store: StateStore) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            # The update loop commits after every update; this timer only catches strays.
            update_interval=3600,
        )
        self._store = store
        self._pending = PendingState()
        # Whose drafts are in the database: python-telegram-bot hands over every person's
        # (mostly empty) drafts after each update, and an empty one not stored needs no write.
        self._stored_drafts: set[int] = set()

    async def commit(self, processed_update_id: int | None) -> None:
        """Write what changed, marking the update as processed in the same transaction."""
        pending, self._pending = self._pending, PendingState()
        try:
            await self._store.save(pending, processed_update_id)
        except BaseException:
            # Keep the changes so the next commit tries them again.
            pending.conversations.update(self._pending.conversations)
            pending.user_data.update(self._pending.user_data)
            self._pending = pending
            raise
        for user_id, data in pending.user_data.items():
            if data is None:
                self._stored_drafts.discard(user_id)
            else:
                self._stored_drafts.add(user_id)

    async def get_user_data(self) -> dict[int, UserData]:
        """Load every person's drafts."""
        drafts = await self._store.user_data()
        self._stored_drafts = set(drafts)
        return drafts

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Chat data is not used by this bot."""
        return {}

    async def get_bot_data(self) -> Any:
        """Bot data is not persisted: it holds the services, built at start."""
        return None

    async def get_callback_data(self) -> CDCData | None:
        """Arbitrary callback data is not used by this bot."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Load the stored states of one conversation."""
        return await self._store.conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Hold a conversation's new state until the next commit."""
        encoded_key = json.dumps(list(key))
        self._pending.conversations[(name, encoded_key)] = (
            None if new_state is None else json.dumps(new_state)
        )

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """Hold a person's drafts until the next commit."""
        if (
            not data
            and user_id not in self._stored_drafts
            and user_id not in self._pending.user_data
        ):
            return
        self._pending.user_data[user_id] = json.dumps(data) if data else None

    async def drop_user_data(self, user_id: int) -> None:
        """Forget a person's drafts at the next commit."""
        self._pending.user_data[user_id] = None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not used by this bot."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not used by this bot."""

    async def update_bot_data(self, data: Any) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used by this bot."""

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Drafts in memory are always the newest; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not used by this bot."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Write anything still held, at shutdown."""
        await self.commit(None)
