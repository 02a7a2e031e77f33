"""What the emulator remembers: chats, messages, files, updates and injected faults."""

from __future__ import annotations

import asyncio
import itertools
import struct
import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

Buttons = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class ChatMessage:
    """One message in a chat as it stands now (edits replace it with a new version)."""

    chat_id: int
    message_id: int
    from_bot: bool
    date: int
    plain: str = ""
    html: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    buttons: Buttons = ()
    inline_markup: dict[str, Any] | None = None
    photo: tuple[dict[str, Any], ...] = ()
    document: dict[str, Any] | None = None
    content: dict[str, Any] = field(default_factory=dict)
    edit_date: int | None = None
    activity: int = 0

    @property
    def text(self) -> str:
        """The plain text, or the caption of a photo or document."""
        return self.plain

    @property
    def labels(self) -> list[str]:
        """Every inline button's label, row by row."""
        return [label for row in self.buttons for label, _ in row]

    def button_data(self, label: str) -> str | None:
        """The callback data of the first callback button whose label contains `label`."""
        for row in self.buttons:
            for text, data in row:
                if data and label in text:
                    return data
        return None

    def edited(self, activity: int, **changes: Any) -> ChatMessage:
        """Return the next version of this message."""
        return replace(self, activity=activity, edit_date=int(time.time()), **changes)


@dataclass
class Chat:
    """A private chat with a person, or a group."""

    id: int
    type: str
    title: str | None = None
    user: dict[str, Any] | None = None
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: tuple[tuple[dict[str, Any], ...], ...] | None = None
    one_time_keyboard: bool = False
    blocked: str | None = None

    def take_message_id(self) -> int:
        """Allocate the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_api(self) -> dict[str, Any]:
        """The Chat object of the Bot API."""
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            for key in ("first_name", "last_name", "username"):
                if self.user.get(key):
                    chat[key] = self.user[key]
        elif self.title:
            chat["title"] = self.title
        return chat


@dataclass
class QueuedUpdate:
    """An update waiting to be confirmed by a later getUpdates offset or a webhook answer."""

    update: dict[str, Any]
    redelivery: bool = False
    delivered_in: int | None = None
    confirmed: bool = False

    @property
    def update_id(self) -> int:
        """The update's id."""
        return int(self.update["update_id"])


@dataclass
class StoredFile:
    """A file the emulator holds, by file id."""

    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class Fault:
    """A failure to inject into the next matching requests."""

    method: str
    kind: str
    remaining: int | None = 1
    delay: float = 0.0
    retry_after: int = 3
    chat_id: int | None = None

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Tell whether this fault applies to a request."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass(frozen=True)
class RecordedRequest:
    """A request the bot made, as received."""

    method: str
    params: dict[str, Any]
    at: float


class Signal:
    """Wake every waiter when something changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake the current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait for the next change, at most `seconds`."""
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return


class Counter:
    """Monotonic ids."""

    def __init__(self, start: int = 1) -> None:
        self._numbers = itertools.count(start)

    def __call__(self) -> int:
        return next(self._numbers)


def png_image(
    width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (180, 120, 60)
) -> bytes:
    """A small valid PNG, for photos people send."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP image; None when it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"GIF8") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None
