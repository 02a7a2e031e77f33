"""A Telegram user for tests and the playground: sends messages, taps buttons, reads replies."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.emulator.server import DEFAULT_WAIT_SECONDS, BotApiEmulator, text_content
from bot.emulator.world import ChatMessage, png_image


class Person:
    """Someone talking to the bot in a private chat.

    Every action waits until the bot has processed and confirmed the update it made, then
    returns the bot's messages in this chat that were sent or edited meanwhile.
    """

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.timeout = DEFAULT_WAIT_SECONDS
        self._user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self._user["last_name"] = last_name
        if username:
            self._user["username"] = username
        self.language_code = language_code

    @property
    def language_code(self) -> str | None:
        """The language Telegram reports for this person."""
        code = self._user.get("language_code")
        return None if code is None else str(code)

    @language_code.setter
    def language_code(self, code: str | None) -> None:
        if code is None:
            self._user.pop("language_code", None)
        else:
            self._user["language_code"] = code
        self.emulator.add_user(dict(self._user))

    # -- what the person sees ------------------------------------------------------------------

    @property
    def inbox(self) -> list[ChatMessage]:
        """The bot's messages in this chat, oldest first, as they stand now."""
        return self.emulator.messages(self.user_id)

    @property
    def last(self) -> ChatMessage:
        """The bot's message sent or edited most recently."""
        messages = self._by_activity()
        if not messages:
            raise AssertionError(f"{self.first_name} has no message from the bot")
        return messages[0]

    @property
    def last_text(self) -> str:
        """The plain text of the latest message."""
        return self.last.plain

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """The bot's answers to this person's button taps."""
        return [a for a in self.emulator.callback_answers if a["user_id"] == self.user_id]

    @property
    def keyboard(self) -> list[str]:
        """The labels of the reply keyboard shown now, if any."""
        rows = self.emulator.private_chat(self.user_id).reply_keyboard or ()
        return [str(button["text"]) for row in rows for button in row]

    def _by_activity(self) -> list[ChatMessage]:
        return sorted(self.inbox, key=lambda message: message.activity, reverse=True)

    # -- what the person does ------------------------------------------------------------------

    async def send(self, text: str) -> list[ChatMessage]:
        """Write a text message (a command when it starts with /)."""
        return await self._act(lambda: self.emulator.user_message(self.user_id, text_content(text)))

    async def tap(self, label: str, message: ChatMessage | None = None) -> list[ChatMessage]:
        """Tap the button whose label contains `label`: on `message`, else on the screen."""
        chat = self.emulator.private_chat(self.user_id)
        if message is not None:
            current = chat.messages.get(message.message_id, message)
            return await self._tap_inline(label, current)
        latest = self._by_activity()
        if latest and latest[0].button_data(label) is not None:
            return await self._tap_inline(label, latest[0])
        for row in chat.reply_keyboard or ():
            for button in row:
                if label in str(button["text"]):
                    if chat.one_time_keyboard:
                        chat.reply_keyboard = None
                    if button.get("request_contact"):
                        return await self.share_contact()
                    return await self.send(str(button["text"]))
        for candidate in latest:
            if candidate.button_data(label) is not None:
                return await self._tap_inline(label, candidate)
        shown = [candidate.labels for candidate in latest[:3]]
        raise AssertionError(
            f"no button {label!r}; latest buttons: {shown}, keyboard: {self.keyboard}"
        )

    async def _tap_inline(self, label: str, message: ChatMessage) -> list[ChatMessage]:
        data = message.button_data(label)
        if data is None:
            raise AssertionError(f"no button {label!r} on message: {message.labels}")
        return await self.press(data, message)

    async def press(self, data: str, message: ChatMessage | None = None) -> list[ChatMessage]:
        """Send a button tap with any callback data, on `message` (default: the latest)."""
        target = message or self.last
        return await self._act(
            lambda: self.emulator.press_button(self.user_id, target.message_id, data)
        )

    async def share_contact(
        self, phone: str = "+6281200000000", *, own: bool = True
    ) -> list[ChatMessage]:
        """Share a phone number: one's own (as the share-contact button does) or another's."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": self.first_name}
        if own:
            contact["user_id"] = self.user_id
        return await self._act(
            lambda: self.emulator.user_message(self.user_id, {"contact": contact})
        )

    async def send_photo(
        self, data: bytes | None = None, caption: str | None = None
    ) -> list[ChatMessage]:
        """Send a photo (a small PNG unless given), in two sizes as Telegram does."""
        image = data or png_image()
        sizes = []
        for width, height in ((32, 24), (64, 48)):
            stored = self.emulator.store_file(image, "photos")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(image),
                }
            )
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return await self._act(lambda: self.emulator.user_message(self.user_id, content))

    async def send_document(
        self, data: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> list[ChatMessage]:
        """Send a file."""
        stored = self.emulator.store_file(data, "documents", mime_type=mime_type, name=file_name)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return await self._act(lambda: self.emulator.user_message(self.user_id, content))

    async def send_sticker(self, emoji: str = "👍") -> list[ChatMessage]:
        """Send a sticker."""
        stored = self.emulator.store_file(png_image(), "stickers")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._act(
            lambda: self.emulator.user_message(self.user_id, {"sticker": sticker})
        )

    async def send_location(self, latitude: float, longitude: float) -> list[ChatMessage]:
        """Send a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._act(
            lambda: self.emulator.user_message(self.user_id, {"location": location})
        )

    async def edit_last_sent(self, text: str) -> list[ChatMessage]:
        """Edit this person's latest text message (Telegram sends an edited_message update)."""
        chat = self.emulator.private_chat(self.user_id)
        own = [m for m in chat.messages.values() if not m.from_bot]
        if not own:
            raise AssertionError(f"{self.first_name} has sent nothing to edit")
        edited = own[-1].edited(
            self.emulator.next_activity(), plain=text, content={**own[-1].content, "text": text}
        )
        self.emulator.store_message(edited)
        payload = {"edited_message": self.emulator.message_api(edited)}
        return await self._act(lambda: self.emulator.push_update(payload))

    async def _act(self, push: Callable[[], int]) -> list[ChatMessage]:
        mark = self.emulator.next_activity()
        started = time.monotonic()
        update_id = push()
        try:
            await self.emulator.wait_confirmed(update_id, self.timeout)
        except TimeoutError:
            waited = time.monotonic() - started
            raise AssertionError(
                f"the bot did not confirm update {update_id} within {waited:.1f} s"
            ) from None
        replies = [message for message in self.inbox if message.activity > mark]
        return sorted(replies, key=lambda message: message.activity)
