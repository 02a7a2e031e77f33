"""The local Bot API emulator, the Person helper that talks to it, and the terminal chat."""

from bot.emulator.person import Person
from bot.emulator.server import ApiError, BotApiEmulator
from bot.emulator.terminal import Persona, terminal_chat
from bot.emulator.world import ChatMessage

__all__ = ["ApiError", "BotApiEmulator", "ChatMessage", "Person", "Persona", "terminal_chat"]
