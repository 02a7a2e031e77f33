"""A chat in the terminal: type as an artisan, a buyer or an admin and read the bot's answers."""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.emulator.person import Person
from bot.emulator.server import BotApiEmulator
from bot.emulator.world import ChatMessage

HELP = """\
Type a message to send it to the bot as the current person (/start to begin).
  :as artisan | :as buyer | :as admin   become that person
  :lang id | :lang en | :lang zh         change the person's Telegram language
  :tap N   tap button N of the latest message with buttons (:tap Label works too)
  :key N   tap button N of the keyboard under the text field
  :photo  :contact  :sticker  :location  send one
  :help  :quit"""
IMAGE_SUFFIXES = ((b"\xff\xd8", ".jpg"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))


@dataclass
class Persona:
    """One of the people the playground lets you be."""

    key: str
    user_id: int
    first_name: str
    language_code: str


class TerminalChat:
    """Reads commands and messages, shows what the bot sends to each persona."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        personas: list[Persona],
        write: Callable[[str], None],
        files_dir: Path,
    ) -> None:
        self.emulator = emulator
        self.write = write
        self.files_dir = files_dir
        self.people = {
            persona.key: Person(
                emulator,
                persona.user_id,
                persona.first_name,
                language_code=persona.language_code,
            )
            for persona in personas
        }
        self.names = {persona.user_id: persona for persona in personas}
        self.current = personas[0].key
        self.person.timeout = 60.0
        emulator.on_message(self.show)

    @property
    def person(self) -> Person:
        """The persona typing now."""
        return self.people[self.current]

    def show(self, message: ChatMessage) -> None:
        """Print a message the bot sent or edited, with its buttons numbered."""
        persona = self.names.get(message.chat_id)
        who = f"{persona.first_name} ({persona.key})" if persona else str(message.chat_id)
        edited = " (edited)" if message.edit_date else ""
        lines = [f"--- bot → {who}{edited}"]
        attachment = self._save_attachment(message, persona.key if persona else who)
        if attachment is not None:
            lines.append(attachment)
        if message.plain or attachment is None:
            lines.append(message.plain)
        number = 1
        for row in message.buttons:
            cells = []
            for label, _ in row:
                cells.append(f"[{number}] {label}")
                number += 1
            lines.append("   ".join(cells))
        keyboard = self.people[persona.key].keyboard if persona else []
        if keyboard and not edited:
            lines.append("keyboard: " + "   ".join(f"<{i}> {k}" for i, k in enumerate(keyboard, 1)))
        self.write("\n".join(lines))

    def _save_attachment(self, message: ChatMessage, who: str) -> str | None:
        """Save the message's photo or document into `files_dir`; say where and how big."""
        if message.photo:
            kind, attached = "photo", message.photo[-1]
        elif message.document is not None:
            kind, attached = "file", message.document
        else:
            return None
        stored = self.emulator.find_file(str(attached["file_id"]))
        if stored is None:
            return f"[{kind}] {attached['file_id']} (not in the emulator)"
        if kind == "photo":
            name = "photo" + _image_suffix(stored.data)
        else:
            extension = mimetypes.guess_extension(stored.mime_type or "") or ""
            name = Path(stored.file_name or "").name or f"file{extension}"
        path = self.files_dir / f"{who}-{message.message_id}-{name}"
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(stored.data)
        except OSError as error:
            return f"[{kind}] could not be saved as {path}: {error}"
        return f"[{kind}] {path} ({_size(len(stored.data))})"

    async def handle(self, line: str) -> bool:
        """Carry out one line; False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith(":"):
            await self.person.send(line)
            return True
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "q", "exit"):
            return False
        try:
            await self._command(command, argument)
        except AssertionError as error:
            self.write(f"! {error}")
        return True

    async def _command(self, command: str, argument: str) -> None:
        person = self.person
        if command == "as" and argument in self.people:
            self.current = argument
            self.person.timeout = 60.0
            self.write(f"You are now {self.person.first_name} ({argument}).")
        elif command == "lang" and argument:
            person.language_code = argument
            self.write(f"{person.first_name}'s Telegram language is now {argument}.")
        elif command == "tap" and argument:
            await self._tap(argument)
        elif command == "key" and argument.isdigit():
            keyboard = person.keyboard
            index = int(argument) - 1
            if not 0 <= index < len(keyboard):
                raise AssertionError(f"there is no keyboard button {argument}")
            await person.tap(keyboard[index])
        elif command == "photo":
            await person.send_photo()
        elif command == "contact":
            await person.share_contact()
        elif command == "sticker":
            await person.send_sticker()
        elif command == "location":
            await person.send_location(-8.0954, 112.1609)
        else:
            self.write(HELP)

    async def _tap(self, argument: str) -> None:
        person = self.person
        with_buttons = [m for m in person.inbox if m.buttons]
        if not with_buttons:
            raise AssertionError("no message with buttons yet")
        latest = max(with_buttons, key=lambda message: message.activity)
        if not argument.isdigit():
            await person.tap(argument)
            return
        flat = [(label, data) for row in latest.buttons for label, data in row]
        index = int(argument) - 1
        if not 0 <= index < len(flat):
            # A quantity button such as "50" is tapped by its label.
            if any(label == argument for label, _ in flat):
                await person.tap(argument, latest)
                return
            raise AssertionError(f"the latest message has buttons 1 to {len(flat)}")
        await person.press(flat[index][1], latest)


async def terminal_chat(
    emulator: BotApiEmulator,
    personas: list[Persona],
    files_dir: Path,
    stream: TextIO | None = None,
) -> None:
    """Chat with the bot in the terminal until :quit or the end of input."""
    chat = TerminalChat(emulator, personas, lambda text: print(text, flush=True), files_dir)
    reader = await _line_reader(stream or sys.stdin)
    print(f"You are {chat.person.first_name} ({chat.current}). {HELP}", flush=True)
    while True:
        raw = await reader.readline()
        if not raw:
            return
        if not await chat.handle(raw.decode("utf-8", errors="replace")):
            return


async def _line_reader(stream: TextIO) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stream)
    return reader


def _image_suffix(data: bytes) -> str:
    """The extension of a photo's image format (the bot's charts are PNG)."""
    return next((suffix for start, suffix in IMAGE_SUFFIXES if data.startswith(start)), ".png")


def _size(count: int) -> str:
    """A file size as a person reads it."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"
