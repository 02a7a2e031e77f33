"""An artisan registers: name, village, workshop, phone; then waits for an admin's approval."""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import LOCALES, N_, translator
from handlers.common import reply
from handlers.flow import Handlers
from handlers.members.menu import CHOOSE_ARTISAN
from handlers.members.registration import (
    NOT_COMMAND,
    Choice,
    Registration,
    ask,
    draft,
    typed,
)
from storage.models.members import ArtisanApplication, Member

VILLAGE, OTHER_VILLAGE, WORKSHOP, PHONE = "VILLAGE", "OTHER_VILLAGE", "WORKSHOP", "PHONE"

USE_TELEGRAM_NAME = "reg:a:name"
VILLAGE_PREFIX = "reg:a:village:"
SUBMIT = "reg:a:submit"
RESTART = "reg:a:restart"
SKIP_PHONE_LABEL = N_("Skip")
TEXT = filters.TEXT & ~filters.COMMAND


async def _ask_workshop(update: Update, context: BotContext) -> object:
    question = context.t._(
        "<b>3/4</b> What is the name of your workshop? (for example: Kendang Jaya)"
    )
    await ask(update, context, question)
    return WORKSHOP


VILLAGE_CHOICE = Choice(
    "village",
    state=VILLAGE,
    other_state=OTHER_VILLAGE,
    prefix=VILLAGE_PREFIX,
    options=lambda context: context.settings.villages,
    label=lambda t, village: village,
    question=lambda t: t._("<b>2/4</b> Which village is your workshop in?"),
    another=lambda t: t._("✏️ Another village"),
    type_another=lambda t: t._("Type the name of your village."),
    use_buttons=lambda t: t._("Please choose your village with a button."),
    typed_hint=lambda t: t._("Please type the village name in letters, at most {max} characters."),
    then=_ask_workshop,
)


async def take_workshop(update: Update, context: BotContext) -> object:
    """Use the workshop name the artisan typed, then ask for the phone number."""
    hint = context.t._("Please type the workshop name in letters, at most {max} characters.")
    return await typed(update, context, hint, WORKSHOP, _workshop_given)


async def _workshop_given(update: Update, context: BotContext, workshop: str) -> object:
    draft(context)["workshop"] = workshop
    text = context.t._(
        "<b>4/4</b> Share your phone number with the button below, so the cooperative can "
        "call you. Or tap Skip."
    )
    return await _ask_phone(update, context, text)


async def _ask_phone(update: Update, context: BotContext, text: str) -> object:
    t = context.t
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t._("📱 Share my number"), request_contact=True)],
            [KeyboardButton(t._(SKIP_PHONE_LABEL))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await ask(update, context, text, markup)
    return PHONE


async def take_contact(update: Update, context: BotContext) -> object:
    """Use the shared contact when it is the artisan's own number."""
    message = update.message
    user = update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None or contact.user_id != user.id:
        hint = context.t._("Please share your own number with the button below, or tap Skip.")
        return await _ask_phone(update, context, hint)
    return await _phone_given(update, context, contact.phone_number)


async def skip_phone(update: Update, context: BotContext) -> object:
    """Go on without a phone number."""
    return await _phone_given(update, context, None)


async def reask_phone(update: Update, context: BotContext) -> object:
    """Tell the artisan how to answer the phone step."""
    hint = context.t._("Please use the button below to share your number, or tap Skip.")
    return await _ask_phone(update, context, hint)


def _is_skip(text: str | None) -> bool:
    labels = {translator(locale)._(SKIP_PHONE_LABEL).casefold() for locale in LOCALES}
    return text is not None and text.strip().casefold() in labels


async def take_phone_text(update: Update, context: BotContext) -> object:
    """Treat the Skip button's text as skipping; anything else is asked again."""
    if _is_skip(update.message.text if update.message else None):
        return await skip_phone(update, context)
    return await reask_phone(update, context)


async def _phone_given(update: Update, context: BotContext, phone: str | None) -> object:
    draft(context)["phone"] = phone
    await reply(update, context, context.t._("Thank you."), ReplyKeyboardRemove())
    return await REGISTRATION.show_summary(update, context)


async def _register(context: BotContext, telegram_id: int, data: dict[str, Any]) -> Member:
    application = ArtisanApplication(
        name=data["name"],
        village=data["village"],
        workshop=data["workshop"],
        phone=data.get("phone"),
    )
    limit = context.settings.max_registrations_per_day
    return await context.storage.members.register_artisan(telegram_id, application, limit=limit)


REGISTRATION = Registration(
    "artisan_registration",
    choose=CHOOSE_ARTISAN,
    use_name=USE_TELEGRAM_NAME,
    submit=SUBMIT,
    restart=RESTART,
    welcome=lambda t: t._(
        "Welcome! Let's register your workshop.\n\n<b>1/4</b> What is your name?"
    ),
    after_name=VILLAGE_CHOICE.ask,
    details=lambda t, data: [
        (t._("Village"), data.get("village")),
        (t._("Workshop"), data.get("workshop")),
        (t._("Phone"), data.get("phone")),
    ],
    send_label=lambda t: t._("✅ Send registration"),
    needs=frozenset({"village", "workshop"}),
    register=_register,
    done=lambda t, member: (
        t._(
            "✅ Registration sent. An admin of the cooperative will check it; "
            "I will tell you here when you are approved."
        ),
        None,
    ),
)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the artisan registration conversation."""
    steps: dict[object, Handlers] = {
        **VILLAGE_CHOICE.states(),
        WORKSHOP: [MessageHandler(NOT_COMMAND, take_workshop)],
        PHONE: [
            MessageHandler(filters.CONTACT, take_contact),
            CommandHandler("skip", skip_phone),
            MessageHandler(TEXT, take_phone_text),
            MessageHandler(NOT_COMMAND, reask_phone),
        ],
    }
    return [REGISTRATION.conversation(steps)]
