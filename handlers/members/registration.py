"""Steps shared by the artisan's and the buyer's registration conversations.

Both ask the name first and end with the details to check and send; a `Registration` holds
what a role asks in between, shows in the summary and stores. A `Choice` is a step answered
with a button of a list, or by typing an answer the list lacks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    MAX_NAME_LENGTH,
    ReplyMarkup,
    answer_button,
    ascii_int,
    clean_text,
    column,
    esc,
    reply,
)
from handlers.flow import Flow, Handlers
from handlers.members.approvals import notify_admins
from handlers.members.menu import send_menu
from storage.members import TooManyRegistrationsError, registration_reopens
from storage.models.members import Member, MemberStatus

NAME, CONFIRM = "NAME", "CONFIRM"
END = ConversationHandler.END
OTHER = "other"
NOT_COMMAND = ~filters.COMMAND

REGISTERING = Flow(
    draft_key="registration",
    busy_text=lambda context: context.t._(
        "You are in the middle of registering. Answer the question above, or send /cancel to stop."
    ),
    finish_first=True,
)
draft = REGISTERING.draft

Step = Callable[[Update, BotContext], Awaitable[object]]
Text = Callable[[Translator], str]


async def ask(
    update: Update, context: BotContext, text: str, markup: ReplyMarkup | None = None
) -> None:
    """Ask the next question, or the same one again, in a new message."""
    await answer_button(update)
    await reply(update, context, text, markup)


async def typed(
    update: Update,
    context: BotContext,
    hint: str,
    state: object,
    given: Callable[[Update, BotContext, str], Awaitable[object]],
) -> object:
    """Go on with the short text typed; anything else gets `hint` and stays at `state`."""
    text = clean_text(update.message.text if update.message else None)
    if text is None:
        await ask(update, context, hint.format(max=MAX_NAME_LENGTH))
        return state
    return await given(update, context, text)


def too_many_registrations(context: BotContext, again_at: datetime) -> str:
    """Say how often a person may register in a day, and when they may again."""
    t, limit = context.t, context.settings.max_registrations_per_day
    return t.ngettext(
        "A person can register at most {count} time in 24 hours, and you have reached that. "
        "Please try again after {moment}, or contact the cooperative's admin if you need help "
        "sooner.",
        "A person can register at most {count} times in 24 hours, and you have reached that. "
        "Please try again after {moment}, or contact the cooperative's admin if you need help "
        "sooner.",
        limit,
    ).format(count=t.number(limit), moment=t.datetime(again_at.astimezone(context.settings.zone)))


async def cancel(update: Update, context: BotContext) -> object:
    """Leave the registration, keeping nothing of it."""
    REGISTERING.discard(context)
    await answer_button(update)
    # A share-contact keyboard may still be showing; removing one that is not there is harmless.
    await reply(
        update,
        context,
        context.t._("Registration cancelled. Nothing was saved."),
        ReplyKeyboardRemove(),
    )
    return await send_menu(update, context)


@dataclass(frozen=True)
class Choice:
    """A step answered with a button of a list, or by typing an answer the list lacks."""

    # The draft's key for the answer, the step's state and that of an answer typed instead.
    key: str
    state: str
    other_state: str
    # The buttons' callback data: this prefix, then the answer's index or OTHER.
    prefix: str
    # The answers the buttons give, and how a button shows its answer.
    options: Callable[[BotContext], Sequence[str]]
    label: Callable[[Translator, str], str]
    question: Text
    another: Text
    type_another: Text
    use_buttons: Text
    typed_hint: Text
    # What comes once the answer is kept.
    then: Step

    def keyboard(self, context: BotContext) -> InlineKeyboardMarkup:
        """One button for each answer of the list, and one to type another."""
        t = context.t
        options = enumerate(self.options(context))
        buttons = [(self.label(t, option), f"{self.prefix}{index}") for index, option in options]
        buttons.append((self.another(t), f"{self.prefix}{OTHER}"))
        return column(buttons)

    async def ask(self, update: Update, context: BotContext) -> object:
        """Ask the step's question with the list's buttons."""
        await ask(update, context, self.question(context.t), self.keyboard(context))
        return self.state

    async def pick(self, update: Update, context: BotContext) -> object:
        """Take the answer from its button, or ask to type another."""
        query = update.callback_query
        assert query is not None and query.data is not None
        choice = query.data.removeprefix(self.prefix)
        if choice == OTHER:
            await ask(update, context, self.type_another(context.t))
            return self.other_state
        options, index = self.options(context), ascii_int(choice)
        if index is None or index >= len(options):
            return await self.remind(update, context)
        return await self.given(update, context, options[index])

    async def remind(self, update: Update, context: BotContext) -> object:
        """Remind the person to answer with the buttons."""
        await ask(update, context, self.use_buttons(context.t), self.keyboard(context))
        return self.state

    async def take_typed(self, update: Update, context: BotContext) -> object:
        """Use the answer the person typed."""
        hint = self.typed_hint(context.t)
        return await typed(update, context, hint, self.other_state, self.given)

    async def given(self, update: Update, context: BotContext, answer: str) -> object:
        """Keep the answer and go on."""
        draft(context)[self.key] = answer
        return await self.then(update, context)

    def states(self) -> dict[object, Handlers]:
        """The step's handlers, and those of the answer typed instead."""
        return {
            self.state: [
                CallbackQueryHandler(self.pick, pattern=f"^{self.prefix}"),
                MessageHandler(NOT_COMMAND, self.remind),
            ],
            self.other_state: [MessageHandler(NOT_COMMAND, self.take_typed)],
        }


@dataclass(frozen=True)
class Registration:
    """One role's registration: what it asks after the name, shows, stores and answers."""

    # The persisted conversation's name.
    conversation_name: str
    # The role button that starts it, and the callback data of its own buttons.
    choose: str
    use_name: str
    submit: str
    restart: str
    # The first question, the name's, with the greeting.
    welcome: Text
    # Asks the role's first own question once the name is kept.
    after_name: Step
    # The summary's lines after the name, as (label, answer), and its Send button.
    details: Callable[[Translator, dict[str, Any]], list[tuple[str, str | None]]]
    send_label: Text
    # What the draft must hold besides the name to be sent, and how it is stored.
    needs: frozenset[str]
    register: Callable[[BotContext, int, dict[str, Any]], Awaitable[Member]]
    # What the person is told once registered.
    done: Callable[[Translator, Member], tuple[str, InlineKeyboardMarkup | None]]

    async def begin(self, update: Update, context: BotContext) -> object:
        """Start registering, unless this person is already registered or an admin."""
        await answer_button(update)
        member = context.member
        if context.is_admin or (member is not None and member.status is not MemberStatus.REJECTED):
            await reply(update, context, context.t._("You are already registered. Send /menu."))
            return END
        user = update.effective_user
        # Said before the person types anything; the Send checks it again as it stores.
        if user is not None:
            recent = await context.storage.members.recent_registrations(user.id)
            again_at = registration_reopens(recent, context.settings.max_registrations_per_day)
            if again_at is not None:
                REGISTERING.discard(context)
                await reply(update, context, too_many_registrations(context, again_at))
                return END
        draft(context).clear()
        first = user.full_name if user else ""
        use_name = context.t._("✅ Use “{name}”").format(name=first[:40])
        await ask(update, context, self.welcome(context.t), column([(use_name, self.use_name)]))
        return NAME

    async def take_telegram_name(self, update: Update, context: BotContext) -> object:
        """Use the name from the Telegram profile."""
        user = update.effective_user
        name = clean_text(user.full_name if user else None)
        if name is None:
            await ask(update, context, context.t._("Please type your name."))
            return NAME
        return await self._name_given(update, context, name)

    async def take_typed_name(self, update: Update, context: BotContext) -> object:
        """Use the name the person typed."""
        hint = context.t._("Please type your name in letters, at most {max} characters.")
        return await typed(update, context, hint, NAME, self._name_given)

    async def _name_given(self, update: Update, context: BotContext, name: str) -> object:
        draft(context)["name"] = name
        return await self.after_name(update, context)

    async def show_summary(self, update: Update, context: BotContext) -> object:
        """Show the details to check, with the buttons to send or start again."""
        t = context.t
        data = draft(context)
        answers = [(t._("Name"), data.get("name")), *self.details(t, data)]
        lines = [f"{label}: <b>{esc(answer) if answer else '—'}</b>" for label, answer in answers]
        buttons = [(self.send_label(t), self.submit), (t._("✏️ Start again"), self.restart)]
        await answer_button(update)
        await reply(
            update,
            context,
            "\n".join([t._("<b>Please check your details:</b>"), *lines]),
            column(buttons),
        )
        return CONFIRM

    async def send(self, update: Update, context: BotContext) -> object:
        """Register the person; tell the admins when their approval is needed."""
        data = draft(context)
        user = update.effective_user
        if user is None or not {"name", *self.needs} <= data.keys():
            text = context.t._(
                "Something is missing from your registration. Please start again with /start."
            )
            return await REGISTERING.leave(update, context, text)
        try:
            member = await self.register(context, user.id, data)
        except TooManyRegistrationsError as error:
            text = too_many_registrations(context, error.again_at)
            return await REGISTERING.leave(update, context, text)
        await REGISTERING.leave(update, context, *self.done(context.t, member))
        if member.status is MemberStatus.PENDING:
            await notify_admins(context, member)
        return END

    def conversation(self, steps: dict[object, Handlers]) -> ConversationHandler[BotContext]:
        """Build the persistent conversation: the name, the role's own `steps`, the summary."""
        return REGISTERING.conversation(
            self.conversation_name,
            entry_points=[CallbackQueryHandler(self.begin, pattern=f"^{self.choose}$")],
            states={
                NAME: [
                    CallbackQueryHandler(self.take_telegram_name, pattern=f"^{self.use_name}$"),
                    MessageHandler(NOT_COMMAND, self.take_typed_name),
                ],
                **steps,
                CONFIRM: [
                    CallbackQueryHandler(self.send, pattern=f"^{self.submit}$"),
                    # Starting again is starting anew, from the name.
                    CallbackQueryHandler(self.begin, pattern=f"^{self.restart}$"),
                    MessageHandler(NOT_COMMAND, self.show_summary),
                ],
            },
            cancel=cancel,
        )
