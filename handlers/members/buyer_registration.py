"""A buyer registers: name, company, country; active at once unless approval is required."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, MessageHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.flow import Handlers
from handlers.members.menu import CHOOSE_BUYER, member_menu
from handlers.members.registration import NOT_COMMAND, Choice, Registration, ask, draft, typed
from storage.models.members import BuyerApplication, Member, MemberStatus

COMPANY, COUNTRY, OTHER_COUNTRY = "COMPANY", "COUNTRY", "OTHER_COUNTRY"

USE_TELEGRAM_NAME = "reg:b:name"
COUNTRY_PREFIX = "reg:b:country:"
SUBMIT = "reg:b:submit"
RESTART = "reg:b:restart"

# Where the village's buyers come from (DOMAIN.md); stored in English, shown translated.
COUNTRIES = (N_("China"), N_("Malaysia"), N_("Japan"), N_("Indonesia"))


async def _ask_company(update: Update, context: BotContext) -> object:
    await ask(update, context, context.t._("<b>2/3</b> What is the name of your company?"))
    return COMPANY


async def take_company(update: Update, context: BotContext) -> object:
    """Use the company name the buyer typed, then ask for the country."""
    hint = context.t._("Please type the company name, at most {max} characters.")
    return await typed(update, context, hint, COMPANY, _company_given)


async def _company_given(update: Update, context: BotContext, company: str) -> object:
    draft(context)["company"] = company
    return await COUNTRY_CHOICE.ask(update, context)


async def _register(context: BotContext, telegram_id: int, data: dict[str, Any]) -> Member:
    application = BuyerApplication(
        name=data["name"], company=data["company"], country=data["country"]
    )
    return await context.storage.members.register_buyer(
        telegram_id,
        application,
        needs_approval=context.settings.buyer_approval,
        limit=context.settings.max_registrations_per_day,
    )


def _done(t: Translator, member: Member) -> tuple[str, InlineKeyboardMarkup | None]:
    if member.status is MemberStatus.PENDING:
        text = t._(
            "✅ Registration sent. An admin of the cooperative will check it; "
            "I will tell you here when your account is approved."
        )
        return text, None
    text, markup = member_menu(t, member)
    return t._("✅ Your buyer account is ready.") + "\n\n" + text, markup


def _country_name(t: Translator, country: str | None) -> str | None:
    return t._(country) if country is not None and country in COUNTRIES else country


REGISTRATION = Registration(
    "buyer_registration",
    choose=CHOOSE_BUYER,
    use_name=USE_TELEGRAM_NAME,
    submit=SUBMIT,
    restart=RESTART,
    welcome=lambda t: t._(
        "Welcome! Let's set up your buyer account.\n\n<b>1/3</b> What is your name?"
    ),
    after_name=_ask_company,
    details=lambda t, data: [
        (t._("Company"), data.get("company")),
        (t._("Country"), _country_name(t, data.get("country"))),
    ],
    send_label=lambda t: t._("✅ Create my account"),
    needs=frozenset({"company", "country"}),
    register=_register,
    done=_done,
)


COUNTRY_CHOICE = Choice(
    "country",
    state=COUNTRY,
    other_state=OTHER_COUNTRY,
    prefix=COUNTRY_PREFIX,
    options=lambda context: COUNTRIES,
    label=lambda t, country: t._(country),
    question=lambda t: t._("<b>3/3</b> Which country do you buy for?"),
    another=lambda t: t._("✏️ Another country"),
    type_another=lambda t: t._("Type the name of your country."),
    use_buttons=lambda t: t._("Please choose your country with a button."),
    typed_hint=lambda t: t._("Please type the country name in letters, at most {max} characters."),
    then=REGISTRATION.show_summary,
)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the buyer registration conversation."""
    steps: dict[object, Handlers] = {
        COMPANY: [MessageHandler(NOT_COMMAND, take_company)],
        **COUNTRY_CHOICE.states(),
    }
    return [REGISTRATION.conversation(steps)]
