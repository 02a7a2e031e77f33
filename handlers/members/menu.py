"""/start, the main menu of each role, /help and the profile view."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from handlers.announcements.screens import LIST as ANNOUNCEMENTS
from handlers.common import Button, answer_button, column, esc, keyboard, reply, show
from handlers.members.commands import help_lines, kind_of
from handlers.members.profile_buttons import edit_rows, papers_lines, waiting_note
from storage.models.members import Member, MemberStatus, Role

CHOOSE_ARTISAN = "role:artisan"
CHOOSE_BUYER = "role:buyer"
MAIN_MENU = "menu:main"
HELP = "menu:help"
PROFILE = "menu:profile"
LANGUAGE = "lang:menu"
MEMBERS = "mem:menu"
PENDING = "mem:pending"
# Artisans' work (reports.reporting, insights.production).
REPORT = "rep:new"
MY_REPORTS = "rep:mine"
MY_PRODUCTION = "prod:me"
MY_STATEMENT = "stm:me"
# The admins' trade (reports.review, insights.production, catalogue.admin, orders, containers).
REVIEW = "qc:queue"
STOCK = "prod:stock"
ARTISANS = "prod:artisans"
CATALOGUE = "cat:menu"
ORDERS = "ordadm:list"
CONTAINERS = "box:admin"
RATES = "rates:menu"
INSIGHTS = "ins:menu"
# Buyers' trade (catalogue.shop, orders.my_orders, containers.view, catalogue.watching).
BROWSE = "shop:browse"
BUYER_STOCK = "shop:stock"
MY_ORDERS = "ord:mine"
MY_CONTAINERS = "box:mine"
WATCHES = "watch:list"
# Production demand for artisans (orders.needed_now).
NEEDED_NOW = "need:board"
# Writing to the cooperative, and the admins' inbox (inbox).
WRITE = "msg:write"
INBOX = "inbox:list"

PRIVATE = filters.ChatType.PRIVATE


def role_choice(t: Translator) -> InlineKeyboardMarkup:
    """Buttons for a newcomer to say who they are."""
    return column(
        [(t._("🪘 I am an artisan"), CHOOSE_ARTISAN), (t._("🧳 I am a buyer"), CHOOSE_BUYER)]
    )


def write_button(t: Translator) -> Button:
    """The member's button to write to the cooperative's admins."""
    return (t._("✉️ Write to the cooperative"), WRITE)


def _common_buttons(t: Translator) -> list[Button]:
    return [(t._("🌐 Language"), LANGUAGE), (t._("❓ Help"), HELP)]


def admin_menu(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The admin's main menu."""
    text = t._("<b>Admin menu</b>\nWhat would you like to do?")
    buttons: list[Button] = [
        (t._("🔍 Quality check"), REVIEW),
        (t._("📦 Stock"), STOCK),
        (t._("🧑‍🎨 Artisans and payments"), ARTISANS),
        (t._("🧾 Orders"), ORDERS),
        (t._("🚢 Containers"), CONTAINERS),
        (t._("🪘 Catalogue"), CATALOGUE),
        (t._("💱 Exchange rates"), RATES),
        (t._("📣 Announcements"), ANNOUNCEMENTS),
        (t._("📈 How we are doing"), INSIGHTS),
        (t._("📬 Members' messages"), INBOX),
        (t._("📝 Pending registrations"), PENDING),
        (t._("👥 Members"), MEMBERS),
        *_common_buttons(t),
    ]
    return text, column(buttons)


def member_menu(t: Translator, member: Member) -> tuple[str, InlineKeyboardMarkup]:
    """The main menu of an active artisan or buyer."""
    if member.role is Role.ARTISAN:
        text = t._("<b>Main menu</b>\nHello {name}! What would you like to do?").format(
            name=esc(member.name)
        )
        work: list[Button] = [
            (t._("🪘 Report finished drums"), REPORT),
            (t._("📊 My production and earnings"), MY_PRODUCTION),
            (t._("🧾 My reports"), MY_REPORTS),
            (t._("📋 Drums needed now"), NEEDED_NOW),
            (t._("📄 My statement"), MY_STATEMENT),
        ]
    else:
        text = t._("<b>Main menu</b>\nWelcome, {name}. What would you like to do?").format(
            name=esc(member.name)
        )
        work = [
            (t._("🪘 Catalogue"), BROWSE),
            (t._("📦 Available stock"), BUYER_STOCK),
            (t._("🧾 My orders"), MY_ORDERS),
            (t._("🚢 My containers"), MY_CONTAINERS),
            (t._("👀 Watched models"), WATCHES),
        ]
    profile = (t._("👤 My profile"), PROFILE)
    return text, column([*work, write_button(t), profile, *_common_buttons(t)])


def membership_inactive(t: Translator) -> str:
    """Tell a deactivated member that they can look but no longer act."""
    return t._(
        "Your membership is not active at the moment. Please contact the cooperative's admin."
    )


def menu_for(context: BotContext, first_name: str) -> tuple[str, InlineKeyboardMarkup]:
    """Pick what /start shows this person, from their role and status."""
    t = context.t
    member = context.member
    if context.is_admin:
        return admin_menu(t)
    if member is None:
        text = t._(
            "Hello {name}! 👋\nThis is the bot of the djembe drum cooperative of Blitar.\n"
            "Who are you?"
        ).format(name=esc(first_name))
        return text, role_choice(t)
    if member.status is MemberStatus.ACTIVE:
        return member_menu(t, member)
    if member.status is MemberStatus.PENDING:
        text = t._(
            "Thank you, {name}. Your registration is waiting for an admin's approval. "
            "I will send you a message as soon as it is decided."
        ).format(name=esc(member.name))
        return text, column([write_button(t), *_common_buttons(t)])
    if member.status is MemberStatus.REJECTED:
        text = t._("Your earlier registration was not approved. You can register again:")
        return text, role_choice(t)
    return membership_inactive(t), column(_common_buttons(t))


def _menu_of(update: Update, context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    user = update.effective_user
    return menu_for(context, user.first_name if user else "")


async def start(update: Update, context: BotContext) -> None:
    """Greet the person and show the menu that fits who they are."""
    text, markup = _menu_of(update, context)
    await answer_button(update)
    await show(update, context, text, markup)


async def send_menu(update: Update, context: BotContext) -> int:
    """Send the person's menu in a new message after a flow they left; end that flow."""
    await reply(update, context, *_menu_of(update, context))
    return ConversationHandler.END


def help_text(context: BotContext) -> str:
    """List what this person can do: the commands the permission table gives their kind."""
    t = context.t
    lines = [t._(line) for line in help_lines(kind_of(context))]
    return "\n".join([t._("<b>What I can do</b>"), *lines])


async def show_help(update: Update, context: BotContext) -> None:
    """Show what this person can do."""
    await answer_button(update)
    await show(update, context, help_text(context), column([(context.t._("⬅️ Menu"), MAIN_MENU)]))


def profile_text(t: Translator, member: Member) -> str:
    """Describe a member's registration, escaped for HTML."""
    status = status_label(t, member.status)
    lines = [t._("<b>{name}</b>").format(name=esc(member.name))]
    if member.role is Role.ARTISAN:
        lines.append(t._("Artisan · {status}").format(status=status))
        lines.append(t._("Village: {village}").format(village=esc(member.village)))
        lines.append(t._("Workshop: {workshop}").format(workshop=esc(member.workshop)))
        lines.append(t._("Phone: {phone}").format(phone=esc(member.phone) if member.phone else "—"))
    else:
        lines.append(t._("Buyer · {status}").format(status=status))
        lines.append(t._("Company: {company}").format(company=esc(member.company)))
        lines.append(t._("Country: {country}").format(country=esc(member.country)))
        lines.extend(papers_lines(t, member))
    lines.append(t._("Registered on {date}").format(date=t.date(member.created_at.date())))
    return "\n".join(lines)


def status_label(t: Translator, status: MemberStatus) -> str:
    """Name a member status in the reader's language."""
    labels = {
        MemberStatus.PENDING: t._("waiting for approval"),
        MemberStatus.ACTIVE: t._("active"),
        MemberStatus.REJECTED: t._("not approved"),
        MemberStatus.DEACTIVATED: t._("deactivated"),
    }
    return labels[status]


async def profile_screen(
    context: BotContext, member: Member, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """A member's profile, with a Change button for each detail they may change."""
    t = context.t
    lines = [notice, ""] if notice else []
    lines.append(profile_text(t, member))
    waiting = await context.storage.members.open_village_request(member.id)
    if waiting is not None:
        lines.append(waiting_note(t, waiting))
    rows = [*edit_rows(t, member, waiting), [(t._("⬅️ Menu"), MAIN_MENU)]]
    return "\n".join(lines), keyboard(rows)


async def show_profile(update: Update, context: BotContext) -> None:
    """Show the sender what they registered, and what they may change."""
    await answer_button(update)
    if context.member is None:
        back = column([(context.t._("⬅️ Menu"), MAIN_MENU)])
        await show(update, context, context.t._("You have not registered yet. Tap /start."), back)
        return
    await show(update, context, *await profile_screen(context, context.member))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the menu's handlers."""
    return [
        CommandHandler(["start", "menu"], start, filters=PRIVATE),
        CommandHandler("help", show_help, filters=PRIVATE),
        CommandHandler("profile", show_profile, filters=PRIVATE),
        CallbackQueryHandler(start, pattern=f"^{MAIN_MENU}$"),
        CallbackQueryHandler(show_help, pattern=f"^{HELP}$"),
        CallbackQueryHandler(show_profile, pattern=f"^{PROFILE}$"),
    ]
