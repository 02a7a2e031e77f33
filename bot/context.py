"""The typed context every handler receives: settings, storage, the person and their language."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.settings import Settings
from bot.storage_faults import StorageAlarm
from storage import Storage
from storage.models.members import Member, TelegramUser


class Services:
    """What the handlers need, bound once when the application is built."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._storage: Storage | None = None
        # Kept in memory only: after a restart the admins may be alerted once more.
        self.storage_alarm = StorageAlarm()
        self._pacer: Pacer | None = None
        # Messages to third parties; set once the bot it sends with is built.
        self._outbox: Outbox | None = None

    def bind(self, settings: Settings, storage: Storage, pacer: Pacer) -> None:
        """Attach the settings, the opened storage and the keeper of Telegram's limits."""
        self._settings = settings
        self._storage = storage
        self._pacer = pacer

    @property
    def pacer(self) -> Pacer:
        """Telegram's limits, shared by replies, notices and announcements."""
        if self._pacer is None:
            raise RuntimeError("services are not bound yet")
        return self._pacer

    @property
    def settings(self) -> Settings:
        """The bot's settings."""
        if self._settings is None:
            raise RuntimeError("services are not bound yet")
        return self._settings

    @property
    def storage(self) -> Storage:
        """The opened storage."""
        if self._storage is None:
            raise RuntimeError("services are not bound yet")
        return self._storage

    @property
    def outbox(self) -> Outbox:
        """The queue of messages to third parties."""
        if self._outbox is None:
            raise RuntimeError("the outbox is not set yet")
        return self._outbox

    @outbox.setter
    def outbox(self, outbox: Outbox) -> None:
        self._outbox = outbox


UserData = dict[Any, Any]
BotApplication = Application[ExtBot[None], "BotContext", UserData, dict[Any, Any], Services, Any]


class BotContext(CallbackContext[ExtBot[None], UserData, dict[Any, Any], Services]):
    """Callback context with the bot's services and what is known of the sender."""

    def __init__(
        self, application: BotApplication, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.person: TelegramUser | None = None
        self.member: Member | None = None
        self.t: Translator = translator(self.settings.default_locale)

    @property
    def settings(self) -> Settings:
        """The bot's settings."""
        return self.bot_data.settings

    @property
    def storage(self) -> Storage:
        """The bot's storage."""
        return self.bot_data.storage

    @property
    def outbox(self) -> Outbox:
        """The queue of messages to people other than the one being served."""
        return self.bot_data.outbox

    @property
    def chat_id(self) -> int | None:
        """The chat of the update being handled: messages there are replies, sent at once."""
        return self._chat_id

    @property
    def is_admin(self) -> bool:
        """Tell whether the sender of this update is an admin."""
        return self._user_id is not None and self.settings.is_admin(self._user_id)
