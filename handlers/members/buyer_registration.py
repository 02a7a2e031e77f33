"""A buyer registers: name, company, country; active at once unless approval is required."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import N_
from handlers.common import MAX_NAME_LENGTH, answer_button, clean_text, column, reply
from handlers.members.approvals import notify_admins
from handlers.members.menu import CHOOSE_BUYER, member_menu
from handlers.members.registration import (
    END,
    ask,
    conversation,
    discard_draft,
    draft,
    edit_or_reply,
    name_keyboard,
    reask,
    summary_line,
)
from storage.models import BuyerApplication, MemberStatus

NAME, COMPANY, COUNTRY, OTHER_COUNTRY, CONFIRM = (
    "NAME",
    "COMPANY",
    "COUNTRY",
    "OTHER_COUNTRY",
    "CONFIRM",
)

USE_TELEGRAM_NAME = "reg:b:name"
COUNTRY_PREFIX = "reg:b:country:"
OTHER = "other"
SUBMIT = "reg:b:submit"
RESTART = "reg:b:restart"

# Where the village's buyers come from (DOMAIN.md); stored in English, shown translated.
COUNTRIES = (N_("China"), N_("Malaysia"), N_("Japan"), N_("Indonesia"))


async def begin(update: Update, context: BotContext) -> object:
    """Start registering a buyer, unless this person is already registered or an admin."""
    await answer_button(update)
    member = context.member
    if context.is_admin or (member is not None and member.status is not MemberStatus.REJECTED):
        await reply(update, context, context.t._("You are already registered. Send /menu."))
        return END
    draft(context).clear()
    await ask(
        update,
        context,
        context.t._("Welcome! Let's set up your buyer account.\n\n<b>1/3</b> What is your name?"),
        name_keyboard(update, context, USE_TELEGRAM_NAME),
    )
    return NAME


async def take_telegram_name(update: Update, context: BotContext) -> object:
    """Use the name from the Telegram profile."""
    user = update.effective_user
    name = clean_text(user.full_name if user else None)
    if name is None:
        await reask(update, context, context.t._("Please type your name."))
        return NAME
    return await _name_given(update, context, name)


async def take_typed_name(update: Update, context: BotContext) -> object:
    """Use the name the buyer typed."""
    name = clean_text(update.message.text if update.message else None)
    if name is None:
        await reask(
            update,
            context,
            context.t._("Please type your name in letters, at most {max} characters.").format(
                max=MAX_NAME_LENGTH
            ),
        )
        return NAME
    return await _name_given(update, context, name)


async def _name_given(update: Update, context: BotContext, name: str) -> object:
    draft(context)["name"] = name
    await ask(update, context, context.t._("<b>2/3</b> What is the name of your company?"))
    return COMPANY


async def take_company(update: Update, context: BotContext) -> object:
    """Use the company name the buyer typed, then ask for the country."""
    company = clean_text(update.message.text if update.message else None)
    if company is None:
        await reask(
            update,
            context,
            context.t._("Please type the company name, at most {max} characters.").format(
                max=MAX_NAME_LENGTH
            ),
        )
        return COMPANY
    draft(context)["company"] = company
    await ask(
        update,
        context,
        context.t._("<b>3/3</b> Which country do you buy for?"),
        _country_keyboard(context),
    )
    return COUNTRY


def _country_keyboard(context: BotContext) -> Any:
    t = context.t
    buttons = [
        (t._(country), f"{COUNTRY_PREFIX}{index}") for index, country in enumerate(COUNTRIES)
    ]
    buttons.append((t._("✏️ Another country"), f"{COUNTRY_PREFIX}{OTHER}"))
    return column(buttons)


async def pick_country(update: Update, context: BotContext) -> object:
    """Take the country from its button, or ask to type one."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix(COUNTRY_PREFIX)
    if choice == OTHER:
        await ask(update, context, context.t._("Type the name of your country."))
        return OTHER_COUNTRY
    if not choice.isdigit() or int(choice) >= len(COUNTRIES):
        return await reask_country(update, context)
    return await _country_given(update, context, COUNTRIES[int(choice)])


async def reask_country(update: Update, context: BotContext) -> object:
    """Remind the buyer to pick a country with the buttons."""
    await reask(
        update,
        context,
        context.t._("Please choose your country with a button."),
        _country_keyboard(context),
    )
    return COUNTRY


async def take_typed_country(update: Update, context: BotContext) -> object:
    """Use the country the buyer typed."""
    country = clean_text(update.message.text if update.message else None)
    if country is None:
        await reask(
            update,
            context,
            context.t._(
                "Please type the country name in letters, at most {max} characters."
            ).format(max=MAX_NAME_LENGTH),
        )
        return OTHER_COUNTRY
    return await _country_given(update, context, country)


async def _country_given(update: Update, context: BotContext, country: str) -> object:
    draft(context)["country"] = country
    return await show_summary(update, context)


async def show_summary(update: Update, context: BotContext) -> object:
    """Show the details to check, with the buttons to send or start again."""
    t = context.t
    data = draft(context)
    country = data.get("country")
    text = "\n".join(
        [
            t._("<b>Please check your details:</b>"),
            summary_line(t._("Name"), data.get("name")),
            summary_line(t._("Company"), data.get("company")),
            summary_line(t._("Country"), t._(country) if country in COUNTRIES else country),
        ]
    )
    await answer_button(update)
    await reply(
        update,
        context,
        text,
        column(
            [
                (t._("✅ Create my account"), SUBMIT),
                (t._("✏️ Start again"), RESTART),
            ]
        ),
    )
    return CONFIRM


async def submit(update: Update, context: BotContext) -> object:
    """Register the buyer; tell the admins when their approval is needed."""
    data = draft(context)
    user = update.effective_user
    if user is None or not {"name", "company", "country"} <= data.keys():
        await edit_or_reply(
            update,
            context,
            context.t._(
                "Something is missing from your registration. Please start again with /start."
            ),
            None,
        )
        discard_draft(context)
        return END
    needs_approval = context.settings.buyer_approval
    member = await context.storage.members.register_buyer(
        user.id,
        BuyerApplication(name=data["name"], company=data["company"], country=data["country"]),
        needs_approval=needs_approval,
    )
    discard_draft(context)
    t = context.t
    if member.status is MemberStatus.PENDING:
        await edit_or_reply(
            update,
            context,
            t._(
                "✅ Registration sent. An admin of the cooperative will check it; "
                "I will tell you here when your account is approved."
            ),
            None,
        )
        await notify_admins(context, member)
        return END
    text, markup = member_menu(t, member)
    await edit_or_reply(
        update, context, t._("✅ Your buyer account is ready.") + "\n\n" + text, markup
    )
    return END


async def restart(update: Update, context: BotContext) -> object:
    """Start the registration again from the name."""
    return await begin(update, context)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the buyer registration conversation."""
    registration: ConversationHandler[BotContext] = conversation(
        "buyer_registration",
        entry=[CallbackQueryHandler(begin, pattern=f"^{CHOOSE_BUYER}$")],
        states={
            NAME: [
                CallbackQueryHandler(take_telegram_name, pattern=f"^{USE_TELEGRAM_NAME}$"),
                MessageHandler(~filters.COMMAND, take_typed_name),
            ],
            COMPANY: [MessageHandler(~filters.COMMAND, take_company)],
            COUNTRY: [
                CallbackQueryHandler(pick_country, pattern=f"^{COUNTRY_PREFIX}"),
                MessageHandler(~filters.COMMAND, reask_country),
            ],
            OTHER_COUNTRY: [MessageHandler(~filters.COMMAND, take_typed_country)],
            CONFIRM: [
                CallbackQueryHandler(submit, pattern=f"^{SUBMIT}$"),
                CallbackQueryHandler(restart, pattern=f"^{RESTART}$"),
                MessageHandler(~filters.COMMAND, show_summary),
            ],
        },
    )
    return [registration]
