"""python-telegram-bot persistence on the bot's own SQLite database, committed per update."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.state import PendingState, StateStore

UserData = dict[Any, Any]


class SQLitePersistence(BasePersistence[UserData, dict[Any, Any], Any]):
    """Keep conversation states and user drafts in SQLite, committed per update.

    python-telegram-bot hands over changes for the whole application at once, whoever made
    them; they are held here by person and written by `commit`, which the update processor
    calls when one person's update is done, in the same transaction that marks the update
    processed. So a kill -9 loses at most the updates in progress, which Telegram then
    delivers again, and one person's commit never writes another's half-done state.
    """

    def __init__(self, store: StateStore) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            # The update processor commits after every update; this timer only catches strays.
            update_interval=3600,
        )
        self._store = store
        # Conversation states by (name, key), with the ids in the key: a state belongs to the
        # person whose chat and user make its key.
        self._conversations: dict[tuple[str, str], tuple[str | None, frozenset[int]]] = {}
        self._user_data: dict[int, str | None] = {}
        # Whose drafts are in the database: python-telegram-bot hands over every person's
        # (mostly empty) drafts after each update, and an empty one not stored needs no write.
        self._stored_drafts: set[int] = set()
        # People whose update was cancelled unfinished at stop: it comes again after the
        # restart, so their changes are never written (see `abandon`).
        self._abandoned: set[int] = set()

    async def commit(
        self,
        processed_update_id: int | None,
        *,
        owners: set[int] | None = None,
        busy: Collection[int] = (),
    ) -> None:
        """Write what the update's person changed, marking the update processed with it.

        `owners` are the ids of the update's person and chat (None: write everything held);
        changes of the `busy` people, whose own updates are in progress, wait for their commit.
        """
        pending = self._take(owners, busy)
        if not pending and processed_update_id is None:
            return  # a flush with nothing held needs no write lock, which may not be had
        try:
            await self._store.save(pending, processed_update_id)
        except BaseException:
            self._put_back(pending)
            raise
        for user_id, data in pending.user_data.items():
            if data is None:
                self._stored_drafts.discard(user_id)
            else:
                self._stored_drafts.add(user_id)

    def abandon(self, owners: set[int]) -> None:
        """Never write these people's changes: their update stopped unfinished at stop."""
        # Telegram delivers it again after the restart, and it must then start from the state
        # stored before it: its changes, written at shutdown, would have it run from a later step.
        self._abandoned |= owners

    def _take(self, owners: set[int] | None, busy: Collection[int]) -> PendingState:
        def mine(ids: frozenset[int]) -> bool:
            return owners is None or bool(ids & owners) or not any(i in busy for i in ids)

        pending = PendingState()
        for key, (state, ids) in list(self._conversations.items()):
            if ids & self._abandoned:
                del self._conversations[key]
            elif mine(ids):
                pending.conversations[key] = state
                del self._conversations[key]
        for user_id, data in list(self._user_data.items()):
            if user_id in self._abandoned:
                del self._user_data[user_id]
            elif mine(frozenset((user_id,))):
                pending.user_data[user_id] = data
                del self._user_data[user_id]
        return pending

    def _put_back(self, pending: PendingState) -> None:
        """Keep unsaved changes for the next commit, unless newer ones came meanwhile."""
        for key, state in pending.conversations.items():
            ids = frozenset(json.loads(key[1]))
            self._conversations.setdefault(key, (state, _int_ids(ids)))
        for user_id, data in pending.user_data.items():
            self._user_data.setdefault(user_id, data)

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
        state = None if new_state is None else json.dumps(new_state)
        self._conversations[(name, encoded_key)] = (state, _int_ids(key))

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        """Hold a person's drafts until the next commit."""
        if not data and user_id not in self._stored_drafts and user_id not in self._user_data:
            return
        self._user_data[user_id] = json.dumps(data) if data else None

    async def drop_user_data(self, user_id: int) -> None:
        """Forget a person's drafts at the next commit."""
        self._user_data[user_id] = None

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


def _int_ids(key: Iterable[object]) -> frozenset[int]:
    """The chat and user ids in a conversation key."""
    return frozenset(part for part in key if isinstance(part, int))
