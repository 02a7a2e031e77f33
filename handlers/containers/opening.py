"""Admins open a container shipment: buyer, type, capacity, destination, target date, confirm."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import (
    Button,
    answer_button,
    clean_text,
    column,
    esc,
    keyboard,
    page_buttons,
    parse_quantity,
    refuse_unless_admin,
    reply,
    show,
    today,
)
from handlers.containers import filling, shipping
from handlers.containers.screens import (
    ADD,
    NEW,
    VIEW,
    buyer_label,
)
from handlers.containers.volume import kind_label, share_percent
from handlers.dates import date_example, read_date
from handlers.flow import Flow
from handlers.members.menu import CONTAINERS
from storage.models.members import Member, MemberStatus, Role
from storage.models.packing import ContainerKind
from storage.orders import NotAnActiveBuyerError

# The type step came later: numbered last, so that a flow persisted half-way through keeps its
# step across the update (such a draft has no type, and gets the usual 40' HC).
BUYER, CAPACITY, DESTINATION, TARGET, CONFIRM, KIND = range(6)

BUYERS = "box:buyers:"
CHOOSE_BUYER = "box:buyer:"
CHOOSE_KIND = "box:kind:"
USUAL_CAPACITY = "box:cap"
CREATE = "box:create"
STOP = "box:stop"
BUYERS_PATTERN = re.compile(r"^box:buyers:([0-9]{1,6})$")
CHOOSE_BUYER_PATTERN = re.compile(r"^box:buyer:([0-9]{1,18})$")
CHOOSE_KIND_PATTERN = re.compile(rf"^box:kind:({'|'.join(ContainerKind)})$")
PAGE_SIZE = 8
MAX_CAPACITY = 1_000_000
MAX_DESTINATION_LENGTH = 64

OPENING = Flow(
    draft_key="container",
    busy_text=lambda context: context.t._(
        "You are opening a container. Answer the question above, or send /cancel to stop."
    ),
)
draft = OPENING.draft


def _stop_button(t: Translator) -> Button:
    return (t._("✖️ Cancel"), STOP)


async def start_new(update: Update, context: BotContext) -> int | None:
    """Begin a new container: ask whose it is. A refusal keeps an admin at their step."""
    if not await refuse_unless_admin(update, context):
        return None
    await answer_button(update)
    OPENING.discard(context)
    draft(context)
    return await _buyer_page(update, context, 0)


async def buyers_page(update: Update, context: BotContext) -> int:
    """Show another page of active buyers."""
    query = update.callback_query
    match = BUYERS_PATTERN.match(query.data or "") if query is not None else None
    await answer_button(update)
    return await _buyer_page(update, context, int(match[1]) if match else 0)


async def _buyer_page(update: Update, context: BotContext, page: int) -> int:
    t, members = context.t, context.storage.members
    total = await members.count(Role.BUYER, MemberStatus.ACTIVE)
    if total == 0:
        text = t._("No active buyers yet: a buyer opens an account with /start first.")
        await show(update, context, text, column([(t._("⬅️ Containers"), CONTAINERS)]))
        return OPENING.end(context)
    pages = -(-total // PAGE_SIZE)
    page = min(page, pages - 1)
    buyers = await members.page(
        Role.BUYER, MemberStatus.ACTIVE, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    rows: list[list[Button]] = [[(_buyer_button(b), f"{CHOOSE_BUYER}{b.id}")] for b in buyers]
    rows += page_buttons(t, BUYERS, page, more=page + 1 < pages)
    rows.append([_stop_button(t)])
    text = t._("🚢 <b>New container</b>\nWhich buyer is it for? ({count} active)").format(
        count=t.number(total)
    )
    await show(update, context, text, keyboard(rows))
    return BUYER


def _buyer_button(buyer: Member) -> str:
    place = ", ".join(part for part in (buyer.company, buyer.country) if part)
    return f"{buyer.name} · {place}"[:60] if place else buyer.name[:60]


async def _active_buyer(context: BotContext, member_id: int) -> Member | None:
    member = await context.storage.members.get(member_id)
    if member is None or member.role is not Role.BUYER or member.status is not MemberStatus.ACTIVE:
        return None
    return member


def _capacity_question(t: Translator, usual: int) -> tuple[str, InlineKeyboardMarkup]:
    text = t._("How many drums does it hold? Tap the usual capacity, or type a number.")
    label = t.ngettext("📦 {count} drum", "📦 {count} drums", usual)
    usual_button = (label.format(count=t.number(usual)), USUAL_CAPACITY)
    return text, column([usual_button, _stop_button(t)])


def _kind_question(t: Translator, usable_share: float) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "Which type of container? Drums fill about {share}% of its volume in practice, "
        "so that part is counted as usable."
    ).format(share=share_percent(t, usable_share))
    buttons = [
        (kind_label(t, kind, usable_share), f"{CHOOSE_KIND}{kind}") for kind in ContainerKind
    ]
    return text, column([*buttons, _stop_button(t)])


def _draft_kind(context: BotContext) -> ContainerKind:
    return ContainerKind(draft(context).get("kind", ContainerKind.HC40))


@OPENING.admins_only
async def buyer_chosen(update: Update, context: BotContext) -> int:
    """Take the buyer, then ask for the container's type."""
    query = update.callback_query
    match = CHOOSE_BUYER_PATTERN.match(query.data or "") if query is not None else None
    assert match is not None
    t = context.t
    buyer = await _active_buyer(context, int(match[1]))
    if buyer is None:
        await answer_button(update, t._("This buyer is no longer active."), alert=True)
        return await _buyer_page(update, context, 0)
    await answer_button(update)
    draft(context)["buyer"] = buyer.id
    question, markup = _kind_question(t, context.settings.usable_share)
    intro = t._("🚢 New container for <b>{buyer}</b>.").format(buyer=esc(buyer.name))
    await show(update, context, f"{intro}\n{question}", markup)
    return KIND


@OPENING.admins_only
async def kind_chosen(update: Update, context: BotContext) -> int:
    """Take the container's type, then ask for the capacity."""
    query = update.callback_query
    match = CHOOSE_KIND_PATTERN.match(query.data or "") if query is not None else None
    assert match is not None
    await answer_button(update)
    t, kind = context.t, ContainerKind(match[1])
    draft(context)["kind"] = kind.value
    chosen = t._("Container type: {kind}").format(
        kind=kind_label(t, kind, context.settings.usable_share)
    )
    question, markup = _capacity_question(t, context.settings.container_capacity)
    await show(update, context, f"{chosen}\n{question}", markup)
    return CAPACITY


@OPENING.admins_only
async def capacity_given(update: Update, context: BotContext) -> int:
    """Take the capacity (the usual one by button, or typed), then ask for the destination."""
    t = context.t
    if update.callback_query is not None:
        await answer_button(update)
        capacity: int | None = context.settings.container_capacity
    else:
        capacity = parse_quantity(update.message.text if update.message else None, MAX_CAPACITY)
    if capacity is None:
        problem = t._(
            "That is not a capacity I can use: type a whole number of drums from 1 to {max}."
        ).format(max=t.number(MAX_CAPACITY))
        question, markup = _capacity_question(t, context.settings.container_capacity)
        await reply(update, context, f"{problem}\n{question}", markup)
        return CAPACITY
    draft(context)["capacity"] = capacity
    text = t._("Capacity: {count}.\nWhere does it go? Type the destination, e.g. {example}.")
    text = text.format(count=t.number(capacity), example="Shanghai, China")
    await show(update, context, text, column([_stop_button(t)]))
    return DESTINATION


@OPENING.admins_only
async def destination_typed(update: Update, context: BotContext) -> int:
    """Take the destination, then ask for the target date."""
    t = context.t
    text = update.message.text if update.message else None
    destination = clean_text(text, MAX_DESTINATION_LENGTH)
    if destination is None:
        problem = t._(
            "Please type the destination in words (up to {count} characters), e.g. {example}."
        ).format(count=t.number(MAX_DESTINATION_LENGTH), example="Shanghai, China")
        await reply(update, context, problem, column([_stop_button(t)]))
        return DESTINATION
    draft(context)["destination"] = destination
    await _ask_date(update, context)
    return TARGET


async def _ask_date(update: Update, context: BotContext, problem: str | None = None) -> None:
    t = context.t
    example = today(context) + timedelta(days=90)
    question = t._("By which date should it be ready? Type the date, e.g. {example}.").format(
        example=date_example(t, example)
    )
    text = f"{problem}\n{question}" if problem else question
    await reply(update, context, text, column([_stop_button(t)]))


@OPENING.admins_only
async def target_typed(update: Update, context: BotContext) -> int:
    """Take the target date, which must be in the future, then show the summary."""
    t = context.t
    target = read_date(update.message.text if update.message else None)
    if target is None:
        await _ask_date(update, context, t._("I cannot read that date."))
        return TARGET
    now = today(context)
    if target <= now:
        problem = t._("The target date must be in the future, after today ({date}).")
        await _ask_date(update, context, problem.format(date=t.date(now)))
        return TARGET
    draft(context)["target"] = target.isoformat()
    buyer = await _active_buyer(context, int(draft(context).get("buyer", 0)))
    if buyer is None:
        await reply(update, context, t._("This buyer is no longer active."))
        return OPENING.end(context)
    values = draft(context)
    lines = [
        t._("<b>Check the new container</b>"),
        t._("Buyer: {buyer}").format(buyer=esc(buyer.name)),
        t._("Container type: {kind}").format(
            kind=kind_label(t, _draft_kind(context), context.settings.usable_share)
        ),
        t.ngettext("Capacity: {count} drum", "Capacity: {count} drums", values["capacity"]).format(
            count=t.number(values["capacity"])
        ),
        t._("Destination: {destination}").format(destination=esc(values["destination"])),
        t._("Target date: {date}").format(date=t.date(target)),
    ]
    buttons = column([(t._("✅ Create container"), CREATE), _stop_button(t)])
    await reply(update, context, "\n".join(lines), buttons)
    return CONFIRM


@OPENING.admins_only
async def create(update: Update, context: BotContext) -> int:
    """Open the container and offer to put the buyer's orders into it."""
    t, values = context.t, draft(context)
    query = update.callback_query
    assert query is not None
    await answer_button(update)
    if not {"buyer", "capacity", "destination", "target"} <= values.keys():
        await show(update, context, t._("This button is no longer active."))
        return OPENING.end(context)
    try:
        container = await context.storage.containers.create(
            int(values["buyer"]),
            values["destination"],
            date.fromisoformat(values["target"]),
            capacity=int(values["capacity"]),
            kind=_draft_kind(context),
            by=query.from_user.id,
        )
    except NotAnActiveBuyerError:
        await show(update, context, t._("Not created: this buyer is no longer active."))
        return OPENING.end(context)
    view = await context.storage.containers.view(container.id)
    assert view is not None
    text = t.ngettext(
        "✅ Container <b>{reference}</b> opened for {buyer}: {count} drum to {destination}, "
        "ready by {date}.\nNow put the buyer's confirmed orders into it.",
        "✅ Container <b>{reference}</b> opened for {buyer}: {count} drums to {destination}, "
        "ready by {date}.\nNow put the buyer's confirmed orders into it.",
        container.capacity,
    ).format(
        reference=container.reference,
        buyer=buyer_label(view),
        count=t.number(container.capacity),
        destination=esc(container.destination),
        date=t.date(container.target_date),
    )
    buttons = column(
        [
            (t._("\N{HEAVY PLUS SIGN} Add orders"), f"{ADD}{container.id}"),
            (t._("🚢 Open"), f"{VIEW}{container.id}"),
        ]
    )
    await show(update, context, text, buttons)
    return OPENING.end(context)


async def cancel(update: Update, context: BotContext) -> int:
    """Leave the new container, creating nothing."""
    return await OPENING.leave(update, context, context.t._("No container was created."))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Return the new-container conversation and the steps that fill, cancel and ship one."""
    text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    conversation = OPENING.conversation(
        "container_new",
        entry_points=[CallbackQueryHandler(start_new, pattern=f"^{NEW}$")],
        states={
            BUYER: [
                CallbackQueryHandler(buyers_page, pattern=BUYERS_PATTERN),
                CallbackQueryHandler(buyer_chosen, pattern=CHOOSE_BUYER_PATTERN),
            ],
            KIND: [CallbackQueryHandler(kind_chosen, pattern=CHOOSE_KIND_PATTERN)],
            CAPACITY: [
                CallbackQueryHandler(capacity_given, pattern=f"^{USUAL_CAPACITY}$"),
                MessageHandler(text, capacity_given),
            ],
            DESTINATION: [MessageHandler(text, destination_typed)],
            TARGET: [MessageHandler(text, target_typed)],
            CONFIRM: [CallbackQueryHandler(create, pattern=f"^{CREATE}$")],
        },
        cancel=cancel,
        cancel_data=STOP,
        anything_else=True,
    )
    return [conversation, *filling.handlers(), *shipping.handlers()]
