"""One pattern for multi-step flows: a draft between steps, a Send made once, a way out.

A flow keeps its draft in the person's persisted user data, so a step survives a restart. A
flow that stores something gives its draft a key when it starts and sends it with the Send
button: a Send tapped again (a double tap, a retry after a lost answer) is answered with what
the first one made. /cancel and the flow's cancel button leave the flow; any other command or
button meanwhile is answered with where the person is, and reaches no other flow.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import BotContext
from handlers.common import (
    Callback,
    answer_button,
    answer_or_reply,
    modal_fallbacks,
    persistent_conversation,
    refuse_unless_admin,
    reply,
    show,
)

END = ConversationHandler.END
# How many sent drafts a flow remembers, to answer a Send tapped again.
SENT_REMEMBERED = 5

logger = logging.getLogger(__name__)

Handlers = list[BaseHandler[Update, BotContext, Any]]


class Sent(Protocol):
    """What a flow's Send stored: a record with an id and a reference people quote."""

    @property
    def id(self) -> int: ...

    @property
    def reference(self) -> str: ...


@dataclass(frozen=True)
class Flow:
    """A multi-step flow's draft, its answer to anything else meanwhile, and its conversation."""

    # The draft's key in user data; flows that are one task for the person share it.
    draft_key: str
    # What the person is in the middle of, in their language, with the way out.
    busy_text: Callable[[BotContext], str]
    # With it, a button tapped meanwhile gets a short "finish this step first" and only a typed
    # command gets `busy_text`; without it, both get `busy_text`.
    finish_first: bool = False
    # Where the keys of the latest Sends are kept with the ids of what they stored.
    sent_key: str | None = None
    # The Send button's callback data: this prefix, then the draft's key.
    send_prefix: str = ""

    @property
    def send_pattern(self) -> str:
        """Match the flow's Send buttons, those of earlier drafts included."""
        return rf"^{self.send_prefix}[A-Za-z0-9_-]{{8,32}}$"

    def draft(self, context: BotContext) -> dict[str, Any]:
        """Return the draft, made empty on first use."""
        assert context.user_data is not None
        kept: dict[str, Any] = context.user_data.setdefault(self.draft_key, {})
        return kept

    def start(self, context: BotContext) -> dict[str, Any]:
        """Begin a new draft with its own key, which its Send carries."""
        data = self.draft(context)
        data.clear()
        data["key"] = secrets.token_urlsafe(12)
        return data

    def discard(self, context: BotContext) -> None:
        """Forget the draft."""
        if context.user_data is not None:
            context.user_data.pop(self.draft_key, None)

    def end(self, context: BotContext) -> int:
        """Forget the draft and end the conversation."""
        self.discard(context)
        return END

    def admins_only(self, step: Callback) -> Callback:
        """Run the step for an admin; refuse anyone else, whatever they sent, and end the flow."""

        @functools.wraps(step)
        async def checked(update: Update, context: BotContext) -> object:
            if not await refuse_unless_admin(update, context):
                return self.end(context)
            return await step(update, context)

        return checked

    async def leave(
        self,
        update: Update,
        context: BotContext,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> int:
        """Forget the draft, say what was (not) done in place of the step, and end."""
        self.discard(context)
        await answer_button(update)
        await show(update, context, text, markup)
        return END

    async def busy(self, update: Update, context: BotContext) -> None:
        """Answer a command or another button in the middle of a step, and stay at it."""
        if not self.finish_first:
            await answer_or_reply(update, context, self.busy_text(context))
            return
        await answer_button(update, context.t._("Please finish this step first."))
        if update.callback_query is None:
            await reply(update, context, self.busy_text(context))

    def conversation(
        self,
        name: str,
        *,
        entry_points: Handlers,
        states: dict[object, Handlers],
        cancel: Callback,
        cancel_data: str | None = None,
        also: Sequence[BaseHandler[Update, BotContext, Any]] = (),
        anything_else: bool = False,
        busy: Callback | None = None,
    ) -> ConversationHandler[BotContext]:
        """Build the flow's persistent conversation with /cancel and the holding fallbacks."""
        return persistent_conversation(
            name=name,
            entry_points=entry_points,
            states=states,
            fallbacks=modal_fallbacks(
                cancel,
                busy or self.busy,
                cancel_data=cancel_data,
                also=also,
                anything_else=anything_else,
            ),
        )

    def _tapped_key(self, update: Update) -> str:
        query = update.callback_query
        assert query is not None and query.data is not None
        return query.data.removeprefix(self.send_prefix)

    async def own_send(self, update: Update, context: BotContext, repeated: Callback) -> str | None:
        """Return the tapped Send's key if it is this draft's; else answer it with `repeated`."""
        key = self._tapped_key(update)
        if key == self.draft(context).get("key"):
            return key
        await repeated(update, context)
        return None

    def sent_record(self, context: BotContext, key: str) -> int | None:
        """Return the id a Send with this key stored, if it is still remembered."""
        assert self.sent_key is not None
        sent: dict[str, int] = (context.user_data or {}).get(self.sent_key, {})
        return sent.get(key)

    async def stored(
        self,
        update: Update,
        context: BotContext,
        key: str,
        record_id: int,
        show_sent: Callable[[Update, BotContext, int], Awaitable[None]],
    ) -> int:
        """Remember what the Send stored, end the draft and show the record; end the flow."""
        assert self.sent_key is not None and context.user_data is not None
        sent: dict[str, int] = context.user_data.setdefault(self.sent_key, {})
        sent[key] = record_id
        for old in list(sent)[:-SENT_REMEMBERED]:
            del sent[old]
        self.discard(context)
        await answer_button(update)
        try:
            await show_sent(update, context, record_id)
        except TelegramError as error:
            # What was sent is stored, so the flow ends whatever happened to this answer; a
            # Send tapped again shows it.
            logger.warning("%s %s stored; could not answer: %s", self.draft_key, record_id, error)
        return END

    async def repeated_send(
        self,
        update: Update,
        context: BotContext,
        find: Callable[[int], Awaitable[Sent | None]],
        not_sent: str,
        show_sent: Callable[[Update, BotContext, int], Awaitable[None]],
    ) -> None:
        """Answer a Send tapped again: name what it stored and show it, or say it was not sent."""
        record_id = self.sent_record(context, self._tapped_key(update))
        record = await find(record_id) if record_id else None
        if record is None:
            await answer_button(update, not_sent, alert=True)
            return
        text = context.t._("Already sent as {reference}.").format(reference=record.reference)
        await answer_button(update, text, alert=True)
        await show_sent(update, context, record.id)
