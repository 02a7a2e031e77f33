"""A member changes a detail of their profile: one short step, then the profile again.

Name, workshop and company are typed, the phone is shared with Telegram's button, and village
and country are chosen as at registration, with the same checks; profile_save ends the step.
A buyer also types the address and chooses the currency the export papers are made out with.
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
from handlers.common import (
    Callback,
    answer_button,
    answer_or_reply,
    clean_text,
    column,
    esc,
    keyboard,
    show,
)
from handlers.flow import Handlers
from handlers.members.buyer_registration import COUNTRIES
from handlers.members.menu import profile_screen
from handlers.members.profile_buttons import (
    CHOOSE_CURRENCY,
    CURRENCY_PATTERN,
    EDIT,
    EDIT_ADDRESS,
    EDIT_CURRENCY,
    EDIT_PATTERN,
    currency_text,
)
from handlers.members.profile_save import (
    EDITING,
    already_asked,
    cancel,
    draft,
    papers_refusal,
    refusal,
    save,
    save_papers,
)
from handlers.members.registration import NOT_COMMAND, Choice, ask, typed
from storage.member_changes import changes_directly
from storage.models.members import Member, ProfileField
from storage.models.papers import InvoiceCurrency

CANCEL = "prof:cancel"
NAME, WORKSHOP, COMPANY, PHONE = "EDIT_NAME", "EDIT_WORKSHOP", "EDIT_COMPANY", "EDIT_PHONE"
VILLAGE, OTHER_VILLAGE = "EDIT_VILLAGE", "EDIT_OTHER_VILLAGE"
COUNTRY, OTHER_COUNTRY = "EDIT_COUNTRY", "EDIT_OTHER_COUNTRY"
ADDRESS, CURRENCY = "EDIT_ADDRESS", "EDIT_CURRENCY"
# Enough for a street, a district, a city, a postal code and a country, on several lines.
MAX_ADDRESS_LENGTH = 200
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


def clean_address(raw: str | None) -> str | None:
    """Return a typed address, lines trimmed and blank ones dropped; None if empty or too long."""
    lines = (" ".join(line.split()) for line in (raw or "").splitlines())
    address = "\n".join(line for line in lines if line)
    if len(address) > MAX_ADDRESS_LENGTH or clean_text(address, MAX_ADDRESS_LENGTH) is None:
        return None
    return address


def _address_hint(t: Translator) -> str:
    return t._(
        "Please type your address in letters and numbers, at most {max} characters. "
        "You may use several lines."
    ).format(max=t.number(MAX_ADDRESS_LENGTH))


async def _may_set_papers(update: Update, context: BotContext) -> Member | None:
    """The buyer who may set their papers' details; None, once told why, for anyone else."""
    refused = papers_refusal(context.t, context.member)
    if refused is not None or context.member is None:
        await answer_or_reply(update, context, refused or "")
        return None
    return context.member


async def begin_address(update: Update, context: BotContext) -> object:
    """Ask the buyer for the address their export papers are made out to."""
    member, t = await _may_set_papers(update, context), context.t
    if member is None:
        return EDITING.end(context)
    EDITING.start(context)["field"] = "address"
    question = t._(
        "Please type the address for your invoices and packing lists: street, city, postal "
        "code and country."
    )
    now = t._("Now: <b>{value}</b>").format(value=esc(member.address) if member.address else "—")
    text = f"{question}\n{now}\n\n{_address_hint(t)}"
    await ask(update, context, text, column([(t._(CANCEL_LABEL), CANCEL)]))
    return ADDRESS


async def take_address(update: Update, context: BotContext) -> object:
    """Save the address typed; anything else is asked again."""
    address = clean_address(update.message.text if update.message else None)
    if address is None:
        await ask(update, context, _address_hint(context.t))
        return ADDRESS
    return await save_papers(update, context, address=address)


def currency_buttons(t: Translator) -> InlineKeyboardMarkup:
    """A button for each currency a buyer may be invoiced in, then Cancel."""
    names = {
        InvoiceCurrency.USD: t._("USD · US dollar"),
        InvoiceCurrency.CNY: t._("CNY · Chinese yuan"),
        InvoiceCurrency.IDR: t._("IDR · Indonesian Rupiah"),
    }
    rows = [[(names[currency], f"{CHOOSE_CURRENCY}{currency}")] for currency in InvoiceCurrency]
    return keyboard([*rows, [(t._(CANCEL_LABEL), CANCEL)]])


async def begin_currency(update: Update, context: BotContext) -> object:
    """Ask the buyer which currency their invoices should be in."""
    member, t = await _may_set_papers(update, context), context.t
    if member is None:
        return EDITING.end(context)
    EDITING.start(context)["field"] = "currency"
    question = t._("Which currency should your invoices be in?")
    now = t._("Now: <b>{value}</b>").format(value=currency_text(t, member))
    await ask(update, context, f"{question}\n{now}", currency_buttons(t))
    return CURRENCY


async def take_currency(update: Update, context: BotContext) -> object:
    """Save the currency whose button was tapped."""
    match = context.match
    assert match is not None
    if await _may_set_papers(update, context) is None:
        return EDITING.end(context)
    return await save_papers(update, context, currency=InvoiceCurrency(match[1]))


async def remind_currency(update: Update, context: BotContext) -> object:
    """Ask for a currency button when something else was sent."""
    await ask(
        update, context, context.t._("Please choose with the buttons above, or send /cancel.")
    )
    return CURRENCY


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the conversation that changes a profile's details."""
    text = filters.TEXT & ~filters.COMMAND
    typed_steps: dict[object, Handlers] = {
        spec.state: [MessageHandler(NOT_COMMAND, _take_typed(f))] for f, spec in TYPED.items()
    }
    return [
        EDITING.conversation(
            "profile_edit",
            entry_points=[
                CallbackQueryHandler(begin, pattern=EDIT_PATTERN),
                CallbackQueryHandler(begin_address, pattern=f"^{EDIT_ADDRESS}$"),
                CallbackQueryHandler(begin_currency, pattern=f"^{EDIT_CURRENCY}$"),
                # A currency button of an earlier question still chooses.
                CallbackQueryHandler(take_currency, pattern=CURRENCY_PATTERN),
            ],
            states={
                **typed_steps,
                **VILLAGE_CHOICE.states(),
                **COUNTRY_CHOICE.states(),
                ADDRESS: [MessageHandler(NOT_COMMAND, take_address)],
                CURRENCY: [
                    CallbackQueryHandler(take_currency, pattern=CURRENCY_PATTERN),
                    MessageHandler(NOT_COMMAND, remind_currency),
                ],
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
