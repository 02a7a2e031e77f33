"""A member changes a detail of their profile: one short step, then the profile again.

Name, workshop and company are typed, the phone is shared with Telegram's button, and village
and country are chosen as at registration, with the same checks; profile_save ends the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import LOCALES, N_, Translator, translator
from handlers.common import Callback, answer_button, answer_or_reply, column, esc, show
from handlers.flow import Handlers
from handlers.members.buyer_registration import COUNTRIES
from handlers.members.menu import profile_screen
from handlers.members.profile_buttons import EDIT, EDIT_PATTERN
from handlers.members.profile_save import EDITING, already_asked, cancel, draft, refusal, save
from handlers.members.registration import NOT_COMMAND, Choice, ask, typed
from storage.member_changes import changes_directly
from storage.models.members import Member, ProfileField

CANCEL = "prof:cancel"
NAME, WORKSHOP, COMPANY, PHONE = "EDIT_NAME", "EDIT_WORKSHOP", "EDIT_COMPANY", "EDIT_PHONE"
VILLAGE, OTHER_VILLAGE = "EDIT_VILLAGE", "EDIT_OTHER_VILLAGE"
COUNTRY, OTHER_COUNTRY = "EDIT_COUNTRY", "EDIT_OTHER_COUNTRY"
SHARE_LABEL = N_("📱 Share my number")
REMOVE_PHONE_LABEL = N_("🗑️ Remove my number")
CANCEL_LABEL = N_("✖️ Cancel")
Text = Callable[[Translator], str]


@dataclass(frozen=True)
class Typed:
    """A detail typed as text: its step, its question and the hint when a text will not do."""

    state: str
    question: Text
    hint: Text


TYPED = {
    ProfileField.NAME: Typed(
        NAME,
        lambda t: t._("What name should the cooperative know you by? Please type it."),
        lambda t: t._("Please type your name in letters, at most {max} characters."),
    ),
    ProfileField.WORKSHOP: Typed(
        WORKSHOP,
        lambda t: t._("Please type the new name of your workshop (for example: Kendang Jaya)."),
        lambda t: t._("Please type the workshop name in letters, at most {max} characters."),
    ),
    ProfileField.COMPANY: Typed(
        COMPANY,
        lambda t: t._("Please type the new name of your company."),
        lambda t: t._("Please type the company name, at most {max} characters."),
    ),
}


def _current(t: Translator, member: Member, field: ProfileField) -> str:
    """The line saying what the detail is now."""
    value: str | None = getattr(member, field.value)
    if field is ProfileField.COUNTRY and value in COUNTRIES:
        value = t._(value)
    return t._("Now: <b>{value}</b>").format(value=esc(value) if value else "—")


class _EditChoice(Choice):
    """A registration step's buttons, its answer kept in this flow's draft, and Cancel."""

    def keyboard(self, context: BotContext) -> InlineKeyboardMarkup:
        """The answers' buttons, then Cancel."""
        cancel = [InlineKeyboardButton(context.t._(CANCEL_LABEL), callback_data=CANCEL)]
        return InlineKeyboardMarkup([*super().keyboard(context).inline_keyboard, cancel])

    async def ask(self, update: Update, context: BotContext) -> object:
        """Ask the step's question, saying what the answer is now."""
        t, question = context.t, self.question(context.t)
        if context.member is not None:
            question += "\n" + _current(t, context.member, ProfileField(self.key))
        await ask(update, context, question, self.keyboard(context))
        return self.state

    async def given(self, update: Update, context: BotContext, answer: str) -> object:
        """Keep the answer and go on."""
        draft(context)[self.key] = answer
        return await self.then(update, context)


async def _save_chosen(update: Update, context: BotContext) -> object:
    field = ProfileField(draft(context)["field"])
    return await save(update, context, field, draft(context)[field.value])


VILLAGE_CHOICE = _EditChoice(
    ProfileField.VILLAGE.value,
    state=VILLAGE,
    other_state=OTHER_VILLAGE,
    prefix="prof:v:",
    options=lambda context: context.settings.villages,
    label=lambda t, village: village,
    question=lambda t: t._("Which village is your workshop in now?"),
    another=lambda t: t._("✏️ Another village"),
    type_another=lambda t: t._("Type the name of your village."),
    use_buttons=lambda t: t._("Please choose your village with a button."),
    typed_hint=lambda t: t._("Please type the village name in letters, at most {max} characters."),
    then=_save_chosen,
)
COUNTRY_CHOICE = _EditChoice(
    ProfileField.COUNTRY.value,
    state=COUNTRY,
    other_state=OTHER_COUNTRY,
    prefix="prof:c:",
    options=lambda context: COUNTRIES,
    label=lambda t, country: t._(country),
    question=lambda t: t._("Which country do you buy for now?"),
    another=lambda t: t._("✏️ Another country"),
    type_another=lambda t: t._("Type the name of your country."),
    use_buttons=lambda t: t._("Please choose your country with a button."),
    typed_hint=lambda t: t._("Please type the country name in letters, at most {max} characters."),
    then=_save_chosen,
)


async def begin(update: Update, context: BotContext) -> object:
    """Ask for the new value of the detail whose Change button was tapped."""
    query = update.callback_query
    assert query is not None and query.data is not None
    field, member, t = ProfileField(query.data.removeprefix(EDIT)), context.member, context.t
    refused = refusal(t, member, field)
    if refused is not None or member is None:
        await answer_or_reply(update, context, refused or "")
        return EDITING.end(context)
    if not changes_directly(member, field):
        waiting = await context.storage.members.open_village_request(member.id)
        if waiting is not None:
            await answer_button(update, already_asked(t), alert=True)
            await show(update, context, *await profile_screen(context, member))
            return EDITING.end(context)
    EDITING.start(context)["field"] = field.value
    if field is ProfileField.VILLAGE:
        return await VILLAGE_CHOICE.ask(update, context)
    if field is ProfileField.COUNTRY:
        return await COUNTRY_CHOICE.ask(update, context)
    if field is ProfileField.PHONE:
        question = t._("Please share your new phone number with the button below.")
        return await _ask_phone(update, context, question)
    question = f"{TYPED[field].question(t)}\n{_current(t, member, field)}"
    await ask(update, context, question, column([(t._(CANCEL_LABEL), CANCEL)]))
    return TYPED[field].state


def _take_typed(field: ProfileField) -> Callback:
    spec = TYPED[field]

    async def take(update: Update, context: BotContext) -> object:
        """Save the detail typed; anything else is asked again."""

        async def given(update: Update, context: BotContext, text: str) -> object:
            return await save(update, context, field, text)

        return await typed(update, context, spec.hint(context.t), spec.state, given)

    return take


async def _ask_phone(update: Update, context: BotContext, text: str) -> object:
    t, member = context.t, context.member
    rows = [[KeyboardButton(t._(SHARE_LABEL), request_contact=True)]]
    if member is not None and member.phone:
        rows.append([KeyboardButton(t._(REMOVE_PHONE_LABEL))])
    rows.append([KeyboardButton(t._(CANCEL_LABEL))])
    if member is not None:
        text = f"{text}\n{_current(t, member, ProfileField.PHONE)}"
    markup = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    await ask(update, context, text, markup)
    return PHONE


async def take_contact(update: Update, context: BotContext) -> object:
    """Save the shared contact when it is the member's own number."""
    message, user = update.message, update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None or contact.user_id != user.id:
        hint = context.t._("Please share your own number with the button below.")
        return await _ask_phone(update, context, hint)
    return await save(update, context, ProfileField.PHONE, contact.phone_number)


def _said(text: str | None, label: str) -> bool:
    """Tell whether a reply keyboard's button with this label, in any language, sent `text`."""
    labels = {translator(locale)._(label).casefold() for locale in LOCALES}
    return text is not None and text.strip().casefold() in labels


async def take_phone_text(update: Update, context: BotContext) -> object:
    """Remove the number or cancel, as the keyboard's buttons say; ask anything else again."""
    text = update.message.text if update.message else None
    if _said(text, REMOVE_PHONE_LABEL):
        return await save(update, context, ProfileField.PHONE, None)
    if _said(text, CANCEL_LABEL):
        return await cancel(update, context)
    hint = context.t._("Please use the button below to share your number.")
    return await _ask_phone(update, context, hint)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the conversation that changes a profile's details."""
    text = filters.TEXT & ~filters.COMMAND
    typed_steps: dict[object, Handlers] = {
        spec.state: [MessageHandler(NOT_COMMAND, _take_typed(f))] for f, spec in TYPED.items()
    }
    return [
        EDITING.conversation(
            "profile_edit",
            entry_points=[CallbackQueryHandler(begin, pattern=EDIT_PATTERN)],
            states={
                **typed_steps,
                **VILLAGE_CHOICE.states(),
                **COUNTRY_CHOICE.states(),
                PHONE: [
                    MessageHandler(filters.CONTACT, take_contact),
                    MessageHandler(text, take_phone_text),
                    MessageHandler(NOT_COMMAND, take_phone_text),
                ],
            },
            cancel=cancel,
            cancel_data=CANCEL,
        )
    ]
