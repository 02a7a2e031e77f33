"""What members and admins read about messages to the cooperative, and the buttons' data."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import Button, column, esc, keyboard
from handlers.members.menu import INBOX, MAIN_MENU, WRITE, status_label
from handlers.pages import cut, utf16_length
from storage.models.inbox import ThreadMessage
from storage.models.members import Member, MemberStatus, Role

# The member's side.
STOP_WRITING = "msg:stop"
# The admins' side: a page of the list; a conversation opened in place (a page of it) or, from
# a card, in a new message; Reply; Mark answered on a card or in a conversation; a photo.
LIST_PAGE = f"{INBOX}:"
OPEN = "inbox:open:"
SEE = "inbox:see:"
REPLY = "inbox:reply:"
STOP_REPLY = "inbox:stop"
MARK = "inbox:done:"
MARK_IN_VIEW = "inbox:donev:"
PHOTO = "inbox:photo:"

# Telegram takes 4096 characters a message and 1024 a caption; a message passed on keeps room
# for what is said about it.
MAX_MESSAGE_LENGTH = 3500
MAX_TEXT = 4096
MAX_CAPTION = 1024
EXCERPT_LENGTH = 120

Screen = tuple[str, InlineKeyboardMarkup]


def refusal(context: BotContext) -> str | None:
    """Say why this person may not write to the cooperative; None for an active or pending one."""
    t, member = context.t, context.member
    if context.is_admin:
        return t._("As an admin, you read and answer members' messages with /inbox.")
    if member is None:
        return t._(
            "Only registered artisans and buyers can write to the cooperative here. "
            "Send /start to register."
        )
    if member.status is MemberStatus.REJECTED:
        return t._(
            "Only registered artisans and buyers can write to the cooperative here. Your "
            "registration was not approved; you can register again with /start."
        )
    if member.status is MemberStatus.DEACTIVATED:
        return t._("Your membership is not active, so you cannot write to the cooperative here.")
    return None


def write_prompt(t: Translator) -> Screen:
    """Ask the member for their message."""
    text = t._(
        "✉️ <b>Write to the cooperative</b>\n"
        "Type your message and send it, or send a photo with a caption. The admins will answer "
        "you here, in this chat.\n\nTo stop, tap Cancel or send /cancel."
    )
    return text, column([(t._("✖️ Cancel"), STOP_WRITING)])


def write_hint(t: Translator) -> str:
    """Tell the member what the message step takes."""
    return t._("Please type your message, or send a photo with a caption. Send /cancel to stop.")


def too_long(t: Translator, length: int) -> str:
    """Say that a message is longer than can be passed on."""
    return t._(
        "This message is too long ({length} characters). Please shorten it to at most {max} "
        "characters, or send it in two parts."
    ).format(length=t.number(length), max=t.number(MAX_MESSAGE_LENGTH))


def sent(t: Translator) -> Screen:
    """Tell the member their message reached the cooperative."""
    text = t._("✅ Your message has been sent to the cooperative. An admin will answer you here.")
    return text, column([(t._("✉️ Write more"), WRITE), (t._("⬅️ Menu"), MAIN_MENU)])


def too_many_waiting(t: Translator, limit: int) -> str:
    """Say that the member has as many unanswered messages as one may have."""
    return t.ngettext(
        "You already have {count} message waiting for the cooperative's answer. Please wait "
        "for their answer before you write again.",
        "You already have {count} messages waiting for the cooperative's answer. Please wait "
        "for their answer before you write again.",
        limit,
    ).format(count=t.number(limit))


def too_many_today(context: BotContext, limit: int, again_at: datetime) -> str:
    """Say how often a member may write in 24 hours, and when they may again."""
    t = context.t
    return t.ngettext(
        "You can write to the cooperative at most {count} time in 24 hours, and you have "
        "reached that. Please write again after {moment}.",
        "You can write to the cooperative at most {count} times in 24 hours, and you have "
        "reached that. Please write again after {moment}.",
        limit,
    ).format(count=t.number(limit), moment=t.datetime(again_at.astimezone(context.settings.zone)))


def not_sent(t: Translator, why: str) -> str:
    """Say that the member's message was not passed on, and why."""
    return t._("Your message was not sent.") + " " + why


def sender_lines(t: Translator, member: Member) -> list[str]:
    """Who a member is, for an admin: name, role and where from, phone, status if not active."""
    name = t._("<b>{name}</b>").format(name=esc(member.name))
    if member.role is Role.ARTISAN:
        where = t._("Artisan · {village} · {workshop}").format(
            village=esc(member.village), workshop=esc(member.workshop)
        )
    else:
        where = t._("Buyer · {company}, {country}").format(
            company=esc(member.company), country=esc(member.country)
        )
    if member.status is not MemberStatus.ACTIVE:
        where += f" · {status_label(t, member.status)}"
    lines = [name, where]
    if member.phone:
        lines.append(t._("Phone: {phone}").format(phone=esc(member.phone)))
    return lines


def excerpt(t: Translator, message: ThreadMessage, length: int = EXCERPT_LENGTH) -> str:
    """A message's start on one line, escaped; a photo is marked."""
    words = " ".join((message.text or "").split())
    if len(words) > length:
        words = words[: length - 1].rstrip() + "…"
    if message.photo_file_id is None:
        return esc(words)
    return f"📷 {esc(words)}".strip() if words else t._("📷 a photo")


def fitted(head: str, body: str, tail: str, limit: int) -> str:
    """The head, the body (HTML, cut short to fit) and the tail, within `limit`."""
    parts = [part for part in (head, tail) if part]
    room = limit - utf16_length("\n\n".join([*parts, ""])) - len("<blockquote></blockquote>")
    if not body:
        return "\n\n".join(parts)
    quoted = f"<blockquote>{cut(body, max(room, 1))}</blockquote>"
    return "\n\n".join(part for part in (head, quoted, tail) if part)


def card_text(
    t: Translator,
    member: Member,
    message: ThreadMessage,
    outcome: str,
) -> str:
    """The card of a member's message for an admin: who wrote, what, and whether answered."""
    head = "\n".join([t._("✉️ <b>Message to the cooperative</b>"), *sender_lines(t, member)])
    limit = MAX_CAPTION if message.photo_file_id else MAX_TEXT
    return fitted(head, esc(message.text or ""), outcome, limit)


def card_buttons(t: Translator, message: ThreadMessage) -> InlineKeyboardMarkup:
    """Reply (and Mark answered while the message waits), and the whole conversation."""
    thread = message.thread_id
    first: list[Button] = [(t._("↩️ Reply"), f"{REPLY}{thread}")]
    if message.waiting:
        first.append((t._("✅ Mark answered"), f"{MARK}{thread}"))
    return keyboard([first, [(t._("💬 Conversation"), f"{SEE}{thread}")]])


def from_the_cooperative(t: Translator, message: ThreadMessage) -> Screen:
    """An admin's reply as the member reads it, with Answer and the menu."""
    head = t._("💬 <b>Message from the cooperative</b>")
    limit = MAX_CAPTION if message.photo_file_id else MAX_TEXT
    body = esc(message.text or "")
    room = limit - utf16_length(head + "\n\n")
    text = f"{head}\n\n{cut(body, room)}" if body else head
    buttons = [[(t._("↩️ Answer"), WRITE), (t._("⬅️ Menu"), MAIN_MENU)]]
    return text, keyboard(buttons)


def reply_prompt(t: Translator, member: Member, answered_by: str | None) -> Screen:
    """Ask an admin for their answer to a member."""
    lines = [
        t._("↩️ <b>Answer {name}</b>").format(name=esc(member.name)),
        t._(
            "Type your answer, or send a photo with a caption. It reaches them in the bot as a "
            "message from the cooperative."
        ),
    ]
    if answered_by is not None:
        lines.append(t._("Already answered by {admin}.").format(admin=esc(answered_by)))
    lines.append(t._("To stop, tap Cancel or send /cancel."))
    return "\n".join(lines), column([(t._("✖️ Cancel"), STOP_REPLY)])


def reply_sent(t: Translator, member: Member, thread_id: int) -> Screen:
    """Tell an admin their answer is on its way to the member."""
    text = t._("✅ Your answer is on its way to {name}.").format(name=esc(member.name))
    buttons = [(t._("💬 Conversation"), f"{SEE}{thread_id}"), (t._("📬 Inbox"), INBOX)]
    return text, column(buttons)
