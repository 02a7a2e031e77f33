"""One pattern for undoing a recorded action from its Undo button: once, by an admin.

The action's own module says how to undo it, what to answer and what to show; the steps
around that (the admin check, the id from the button, no such record, undone now or before)
are the same for every kind of action.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import answer_button, column, refuse_unless_admin

Outcome = TypeVar("Outcome")
Outcome_co = TypeVar("Outcome_co", covariant=True)


class UndoRefusedError(Exception):
    """The action cannot be undone now; the message says why, in the admin's language."""


class Reverse(Protocol[Outcome_co]):
    """Undo the record with this id once; None when there is no such record to undo."""

    def __call__(
        self, context: BotContext, record_id: int, /, *, by: int, update_id: int
    ) -> Awaitable[Outcome_co | None]: ...


@dataclass(frozen=True)
class Undo(Generic[Outcome]):
    """The Undo button of one kind of recorded action, and what tapping it does."""

    # The button's data: this prefix, then the record's id.
    prefix: str
    # May raise UndoRefusedError, answered as an alert with nothing shown.
    reverse: Reverse[Outcome]
    # False when the record had been undone before this tap.
    undone: Callable[[Outcome], bool]
    # The answers to the tap: no such record, undone now, undone before.
    answers: Callable[[Translator], tuple[str, str, str]]
    # Show the admin what was undone, and tell whom it concerns.
    result: Callable[[Update, BotContext, Outcome], Awaitable[None]]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The button data this undo answers."""
        return re.compile(rf"^{re.escape(self.prefix)}([0-9]{{1,18}})$")

    def button(self, t: Translator, record_id: int) -> InlineKeyboardMarkup:
        """The Undo button under the message that says the action was recorded."""
        return column([(t._("↩️ Undo"), f"{self.prefix}{record_id}")])

    async def tapped(self, update: Update, context: BotContext) -> None:
        """Undo the record once for an admin, and say whether it was undone now or before."""
        if not await refuse_unless_admin(update, context):
            return
        query = update.callback_query
        match = self.pattern.match(query.data or "") if query is not None else None
        assert query is not None and match is not None
        no_such, undone_now, undone_before = self.answers(context.t)
        try:
            outcome = await self.reverse(
                context, int(match[1]), by=query.from_user.id, update_id=update.update_id
            )
        except UndoRefusedError as refusal:
            await answer_button(update, str(refusal), alert=True)
            return
        if outcome is None:
            await answer_button(update, no_such, alert=True)
            return
        if self.undone(outcome):
            await answer_button(update, undone_now)
        else:
            await answer_button(update, undone_before, alert=True)
        await self.result(update, context, outcome)

    def handler(self) -> BaseHandler[Update, BotContext, None]:
        """The handler of the Undo button."""
        return CallbackQueryHandler(self.tapped, pattern=self.pattern)
