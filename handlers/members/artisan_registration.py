"""An artisan registers: name, village, workshop, phone; then waits for an admin's approval."""

from __future__ import annotations

from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import LOCALES, N_, translator
from handlers.common import MAX_NAME_LENGTH, answer_button, clean_text, column, reply
from handlers.members.approvals import notify_admins
from handlers.members.menu import CHOOSE_ARTISAN
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
from storage.models import ArtisanApplication, MemberStatus

NAME, VILLAGE, OTHER_VILLAGE, WORKSHOP, PHONE, CONFIRM = (
    "NAME",
    "VILLAGE",
    "OTHER_VILLAGE",
    "WORKSHOP",
    "PHONE",
    "CONFIRM",
)

USE_TELEGRAM_NAME = "reg:a:name"
VILLAGE_PREFIX = "reg:a:village:"
OTHER = "other"
SUBMIT = "reg:a:submit"
RESTART = "reg:a:restart"
SKIP_PHONE_LABEL = N_("Skip")
TEXT = filters.TEXT & ~filters.COMMAND


async def begin(update: Update, context: BotContext) -> object:
    """Start registering an artisan, unless this person is already registered or an admin."""
    await answer_button(update)
    member = context.member
    if context.is_admin or (member is not None and member.status is not MemberStatus.REJECTED):
        await reply(update, context, context.t._("You are already registered. Send /menu."))
        return END
    draft(context).clear()
    await ask(
        update,
        context,
        context.t._("Welcome! Let's register your workshop.\n\n<b>1/4</b> What is your name?"),
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
    """Use the name the artisan typed."""
    name = clean_text(update.message.text if update.message else None)
    if name is None:
        await reask(update, context, _name_hint(context))
        return NAME
    return await _name_given(update, context, name)


def _name_hint(context: BotContext) -> str:
    return context.t._("Please type your name in letters, at most {max} characters.").format(
        max=MAX_NAME_LENGTH
    )


async def _name_given(update: Update, context: BotContext, name: str) -> object:
    draft(context)["name"] = name
    await ask(
        update,
        context,
        context.t._("<b>2/4</b> Which village is your workshop in?"),
        _village_keyboard(context),
    )
    return VILLAGE


def _village_keyboard(context: BotContext) -> Any:
    villages = context.settings.villages
    buttons = [(village, f"{VILLAGE_PREFIX}{index}") for index, village in enumerate(villages)]
    buttons.append((context.t._("✏️ Another village"), f"{VILLAGE_PREFIX}{OTHER}"))
    return column(buttons)


async def pick_village(update: Update, context: BotContext) -> object:
    """Take the village from its button, or ask to type one."""
    query = update.callback_query
    assert query is not None and query.data is not None
    choice = query.data.removeprefix(VILLAGE_PREFIX)
    if choice == OTHER:
        await ask(update, context, context.t._("Type the name of your village."))
        return OTHER_VILLAGE
    villages = context.settings.villages
    if not choice.isdigit() or int(choice) >= len(villages):
        await reask(
            update,
            context,
            context.t._("Please choose your village with a button."),
            _village_keyboard(context),
        )
        return VILLAGE
    return await _village_given(update, context, villages[int(choice)])


async def take_typed_village(update: Update, context: BotContext) -> object:
    """Use the village the artisan typed."""
    village = clean_text(update.message.text if update.message else None)
    if village is None:
        await reask(
            update,
            context,
            context.t._(
                "Please type the village name in letters, at most {max} characters."
            ).format(max=MAX_NAME_LENGTH),
        )
        return OTHER_VILLAGE
    return await _village_given(update, context, village)


async def reask_village(update: Update, context: BotContext) -> object:
    """Remind the artisan to pick a village with the buttons."""
    await reask(
        update,
        context,
        context.t._("Please choose your village with a button."),
        _village_keyboard(context),
    )
    return VILLAGE


async def _village_given(update: Update, context: BotContext, village: str) -> object:
    draft(context)["village"] = village
    await ask(
        update,
        context,
        context.t._("<b>3/4</b> What is the name of your workshop? (for example: Kendang Jaya)"),
    )
    return WORKSHOP


async def take_workshop(update: Update, context: BotContext) -> object:
    """Use the workshop name the artisan typed, then ask for the phone number."""
    workshop = clean_text(update.message.text if update.message else None)
    if workshop is None:
        await reask(
            update,
            context,
            context.t._(
                "Please type the workshop name in letters, at most {max} characters."
            ).format(max=MAX_NAME_LENGTH),
        )
        return WORKSHOP
    draft(context)["workshop"] = workshop
    await _ask_phone(
        update,
        context,
        context.t._(
            "<b>4/4</b> Share your phone number with the button below, so the cooperative can "
            "call you. Or tap Skip."
        ),
    )
    return PHONE


async def _ask_phone(update: Update, context: BotContext, text: str) -> None:
    t = context.t
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t._("📱 Share my number"), request_contact=True)],
            [KeyboardButton(t._(SKIP_PHONE_LABEL))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await reask(update, context, text, markup)


async def take_contact(update: Update, context: BotContext) -> object:
    """Use the shared contact when it is the artisan's own number."""
    message = update.message
    user = update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None or contact.user_id != user.id:
        await _ask_phone(
            update,
            context,
            context.t._("Please share your own number with the button below, or tap Skip."),
        )
        return PHONE
    draft(context)["phone"] = contact.phone_number
    return await _confirm(update, context)


async def skip_phone(update: Update, context: BotContext) -> object:
    """Go on without a phone number."""
    draft(context)["phone"] = None
    return await _confirm(update, context)


async def reask_phone(update: Update, context: BotContext) -> object:
    """Tell the artisan how to answer the phone step."""
    await _ask_phone(
        update,
        context,
        context.t._("Please use the button below to share your number, or tap Skip."),
    )
    return PHONE


def _is_skip(text: str | None) -> bool:
    labels = {translator(locale)._(SKIP_PHONE_LABEL).casefold() for locale in LOCALES}
    return text is not None and text.strip().casefold() in labels


async def take_phone_text(update: Update, context: BotContext) -> object:
    """Treat the Skip button's text as skipping; anything else is asked again."""
    if _is_skip(update.message.text if update.message else None):
        return await skip_phone(update, context)
    return await reask_phone(update, context)


async def _confirm(update: Update, context: BotContext) -> object:
    await reply(update, context, context.t._("Thank you."), ReplyKeyboardRemove())
    return await show_summary(update, context)


async def show_summary(update: Update, context: BotContext) -> object:
    """Show the details to check, with the buttons to send or start again."""
    t = context.t
    data = draft(context)
    await answer_button(update)
    text = "\n".join(
        [
            t._("<b>Please check your details:</b>"),
            summary_line(t._("Name"), data.get("name")),
            summary_line(t._("Village"), data.get("village")),
            summary_line(t._("Workshop"), data.get("workshop")),
            summary_line(t._("Phone"), data.get("phone")),
        ]
    )
    await reply(
        update,
        context,
        text,
        column(
            [
                (t._("✅ Send registration"), SUBMIT),
                (t._("✏️ Start again"), RESTART),
            ]
        ),
    )
    return CONFIRM


async def submit(update: Update, context: BotContext) -> object:
    """Register the artisan as pending and ask the admins to decide."""
    data = draft(context)
    user = update.effective_user
    if user is None or not {"name", "village", "workshop"} <= data.keys():
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
    application = ArtisanApplication(
        name=data["name"],
        village=data["village"],
        workshop=data["workshop"],
        phone=data.get("phone"),
    )
    member = await context.storage.members.register_artisan(user.id, application)
    discard_draft(context)
    await edit_or_reply(
        update,
        context,
        context.t._(
            "✅ Registration sent. An admin of the cooperative will check it; "
            "I will tell you here when you are approved."
        ),
        None,
    )
    await notify_admins(context, member)
    return END


async def restart(update: Update, context: BotContext) -> object:
    """Start the registration again from the name."""
    return await begin(update, context)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the artisan registration conversation."""
    registration: ConversationHandler[BotContext] = conversation(
        "artisan_registration",
        entry=[CallbackQueryHandler(begin, pattern=f"^{CHOOSE_ARTISAN}$")],
        states={
            NAME: [
                CallbackQueryHandler(take_telegram_name, pattern=f"^{USE_TELEGRAM_NAME}$"),
                MessageHandler(~filters.COMMAND, take_typed_name),
            ],
            VILLAGE: [
                CallbackQueryHandler(pick_village, pattern=f"^{VILLAGE_PREFIX}"),
                MessageHandler(~filters.COMMAND, reask_village),
            ],
            OTHER_VILLAGE: [MessageHandler(~filters.COMMAND, take_typed_village)],
            WORKSHOP: [MessageHandler(~filters.COMMAND, take_workshop)],
            PHONE: [
                MessageHandler(filters.CONTACT, take_contact),
                CommandHandler("skip", skip_phone),
                MessageHandler(TEXT, take_phone_text),
                MessageHandler(~filters.COMMAND, reask_phone),
            ],
            CONFIRM: [
                CallbackQueryHandler(submit, pattern=f"^{SUBMIT}$"),
                CallbackQueryHandler(restart, pattern=f"^{RESTART}$"),
                MessageHandler(~filters.COMMAND, show_summary),
            ],
        },
    )
    return [registration]
