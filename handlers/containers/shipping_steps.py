"""Shipping a container, first part: the checks, then its shipping details one at a time."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from handlers.common import Button, answer_button, column, esc, show
from handlers.containers.screens import (
    ASK_SHIP_PATTERN,
    SHIP,
    VIEW,
    closed_text,
    open_progress,
)
from handlers.containers.shipping_details import (
    FIELDS,
    MAX_MARKS_LENGTH,
    MAX_PORT_LENGTH,
    MAX_SEAL_LENGTH,
    MAX_VESSEL_LENGTH,
    MAX_VOYAGE_LENGTH,
    MIN_SEAL_LENGTH,
    NumberProblem,
    compact_number,
    default_marks,
    details_from,
    details_lines,
    read_container_number,
    read_marks,
    read_port,
    read_seal,
    read_vessel,
    read_voyage,
)
from handlers.flow import Flow
from handlers.papers.content import MissingRate, rate_for
from handlers.papers.screens import missing_rate_text
from storage.clock import utc_now
from storage.models.catalogue import DrumModel
from storage.models.containers import Container, ContainerProgress, ContainerStatus

# One state per detail, in the order of FIELDS, then the summary.
NUMBER, SEAL, VESSEL, VOYAGE, LOADING, DISCHARGE, MARKS, CONFIRM = range(8)

USUAL_LOADING = "box:sd:pol"
DESTINATION_PORT = "box:sd:pod"
USUAL_MARKS = "box:sd:marks"
STOP = "box:sd:stop"
NUMBER_EXAMPLE = "MSKU 123456 5"
EXAMPLES = {SEAL: "ML-ID2048776", VESSEL: "KMTC SHANGHAI", VOYAGE: "2614N"}

SHIPPING = Flow(
    draft_key="shipping",
    busy_text=lambda context: context.t._(
        "You are typing a container's shipping details. Answer the question above, or send "
        "/cancel to stop."
    ),
)
draft = SHIPPING.draft


async def cannot_ship(context: BotContext, progress: ContainerProgress) -> str | None:
    """Why the container cannot ship now: closed, no orders, nothing ready, no rate for papers."""
    t, container = context.t, progress.view.container
    if container.status is not ContainerStatus.OPEN:
        return closed_text(t, container)
    if progress.planned == 0:
        return t._("There are no orders in {reference}: add orders before shipping it.").format(
            reference=container.reference
        )
    if progress.ready == 0:
        return nothing_ready(t, container)
    buyer = await context.storage.members.get(container.buyer_id)
    if buyer is None:
        return t._("There is no such container.")
    rate = rate_for(buyer.invoice_currency, await context.storage.exchange_rates.all())
    return missing_rate_text(t, rate) if isinstance(rate, MissingRate) else None


async def ask_ship(update: Update, context: BotContext) -> int | None:
    """Check that the container can ship, then ask for its shipping details one by one."""
    progress = await open_progress(update, context, ASK_SHIP_PATTERN)
    if progress is None:
        return None
    refusal = await cannot_ship(context, progress)
    if refusal is not None:
        await answer_button(update, refusal, alert=True)
        return None
    await answer_button(update)
    view = progress.view
    SHIPPING.discard(context)
    draft(context).update(
        container=view.container.id,
        reference=view.container.reference,
        destination=view.container.destination,
        marks=default_marks(view),
    )
    return await _ask(update, context, NUMBER)


def _question(t: Translator, context: BotContext, state: int) -> tuple[str, list[Button]]:
    values = draft(context)
    if state == NUMBER:
        text = t._("Type the container number, as written on its door, e.g. {example}.")
        return text.format(example=NUMBER_EXAMPLE), []
    if state == SEAL:
        return t._("Type the seal number, e.g. {example}.").format(example=EXAMPLES[SEAL]), []
    if state == VESSEL:
        text = t._("Type the vessel's name, e.g. {example}.")
        return text.format(example=EXAMPLES[VESSEL]), []
    if state == VOYAGE:
        text = t._("Type the voyage number, e.g. {example}.")
        return text.format(example=EXAMPLES[VOYAGE]), []
    if state == LOADING:
        port = context.settings.incoterm_place
        text = t._("Which is the port of loading? Tap it, or type another.")
        return text, [(f"⚓ {port}", USUAL_LOADING)]
    if state == DISCHARGE:
        text = t._("Which is the port of discharge? Tap the destination, or type another port.")
        return text, [(f"⚓ {values['destination']}", DESTINATION_PORT)]
    text = t._(
        "The shipping marks, as painted on the packages: tap to use these, or type your own "
        "(several lines allowed):"
    )
    return f"{text}\n<code>{esc(values['marks'])}</code>", [
        (t._("✅ Use these marks"), USUAL_MARKS)
    ]


async def _ask(update: Update, context: BotContext, state: int, problem: str = "") -> int:
    """Ask the question of a step (after what was wrong with the last answer); return it."""
    if state == CONFIRM:
        return await _summary(update, context)
    t = context.t
    question, buttons = _question(t, context, state)
    header = f"🚢 <b>{draft(context)['reference']}</b> · {state + 1}/{CONFIRM}"
    text = "\n".join(line for line in (problem, header, question) if line)
    await show(update, context, text, column([*buttons, stop_button(t)]))
    return state


def stop_button(t: Translator) -> Button:
    return (t._("✖️ Cancel"), STOP)


def _typed(update: Update) -> str | None:
    return update.message.text if update.message else None


async def _take(
    update: Update, context: BotContext, state: int, value: str | None, problem: str
) -> int:
    """Keep a step's answer and ask the next question; else say what is wrong and ask again."""
    values = draft(context)
    if "container" not in values:
        await show(update, context, context.t._("This button is no longer active."))
        return SHIPPING.end(context)
    if value is None:
        return await _ask(update, context, state, problem)
    values[FIELDS[state]] = value
    return await _ask(update, context, state + 1)


@SHIPPING.admins_only
async def number_typed(update: Update, context: BotContext) -> int:
    """Take the container number, refusing one whose check digit does not match."""
    t, typed = context.t, _typed(update)
    number = read_container_number(typed)
    if number is NumberProblem.CHECK_DIGIT:
        problem = t._(
            "{number} is not a valid container number: its last digit, the check digit, does "
            "not match the rest. Please copy it again from the container."
        ).format(number=compact_number(typed))
    else:
        problem = t._(
            "That is not a container number: it has 4 letters (the owner code, then U, J or Z) "
            "and 7 digits."
        )
    return await _take(
        update, context, NUMBER, number if isinstance(number, str) else None, problem
    )


@SHIPPING.admins_only
async def seal_typed(update: Update, context: BotContext) -> int:
    """Take the seal number: letters, digits and hyphens only."""
    problem = context.t._(
        "A seal number has {min} to {max} letters, digits or hyphens, and nothing else (no "
        "spaces or other signs)."
    ).format(min=MIN_SEAL_LENGTH, max=MAX_SEAL_LENGTH)
    return await _take(update, context, SEAL, read_seal(_typed(update)), problem)


@SHIPPING.admins_only
async def vessel_typed(update: Update, context: BotContext) -> int:
    """Take the vessel's name."""
    problem = context.t._(
        "Please type the vessel's name in letters, on one line, up to {count} characters."
    ).format(count=MAX_VESSEL_LENGTH)
    return await _take(update, context, VESSEL, read_vessel(_typed(update)), problem)


@SHIPPING.admins_only
async def voyage_typed(update: Update, context: BotContext) -> int:
    """Take the voyage number."""
    problem = context.t._(
        "A voyage number has up to {count} letters, digits, '/', '-' or '.', and nothing else."
    ).format(count=MAX_VOYAGE_LENGTH)
    return await _take(update, context, VOYAGE, read_voyage(_typed(update)), problem)


def _port_problem(t: Translator) -> str:
    return t._(
        "Please type the port's name in letters, on one line, up to {count} characters."
    ).format(count=MAX_PORT_LENGTH)


@SHIPPING.admins_only
async def loading_given(update: Update, context: BotContext) -> int:
    """Take the port of loading: the usual one by button, or typed."""
    if update.callback_query is not None:
        await answer_button(update)
        port: str | None = context.settings.incoterm_place
    else:
        port = read_port(_typed(update))
    return await _take(update, context, LOADING, port, _port_problem(context.t))


@SHIPPING.admins_only
async def discharge_given(update: Update, context: BotContext) -> int:
    """Take the port of discharge: the container's destination by button, or typed."""
    if update.callback_query is not None:
        await answer_button(update)
        port = draft(context).get("destination")
    else:
        port = read_port(_typed(update))
    return await _take(update, context, DISCHARGE, port, _port_problem(context.t))


@SHIPPING.admins_only
async def marks_given(update: Update, context: BotContext) -> int:
    """Take the shipping marks: those offered by button, or typed on several lines."""
    if update.callback_query is not None:
        await answer_button(update)
        marks = draft(context).get("marks")
    else:
        marks = read_marks(_typed(update))
    problem = context.t._(
        "Please type the shipping marks in letters and digits, up to {count} characters in all."
    ).format(count=MAX_MARKS_LENGTH)
    return await _take(update, context, MARKS, marks, problem)


async def _summary(update: Update, context: BotContext) -> int:
    """Show what will leave, what stays, and the details typed; ask to confirm."""
    t, values = context.t, draft(context)
    details = details_from(values)
    progress = await context.storage.containers.progress(int(values["container"]), utc_now())
    if details is None or progress is None:
        await show(update, context, t._("This button is no longer active."))
        return SHIPPING.end(context)
    container = progress.view.container
    refusal = await cannot_ship(context, progress)
    if refusal is not None:
        return await SHIPPING.leave(
            update, context, refusal, column([open_button(t, container.id)])
        )
    lines = [
        t._("🚢 Ship <b>{reference}</b> to {destination} now?").format(
            reference=container.reference, destination=esc(container.destination)
        ),
        "",
        t._("Leaving now: <b>{count}</b>").format(count=t.number(progress.ready)),
    ]
    lines += [_model_line(t, line.model, line.ready) for line in progress.models if line.ready]
    if progress.to_make:
        lines += [
            t._("Staying as backorder: <b>{count}</b>").format(count=t.number(progress.to_make)),
            *[_model_line(t, line.model, line.to_make) for line in progress.models if line.to_make],
            t._("These follow in a later container."),
        ]
    lines += ["", *details_lines(t, details)]
    buttons = column([(t._("🚢 Yes, ship now"), f"{SHIP}{container.id}"), stop_button(t)])
    await show(update, context, "\n".join(lines), buttons)
    return CONFIRM


def _model_line(t: Translator, model: DrumModel, count: int) -> str:
    return t._("• {model}: {count}").format(model=model_name(t, model), count=t.number(count))


def nothing_ready(t: Translator, container: Container) -> str:
    """Say that nothing in the container is ready to ship."""
    return t._("Nothing in {reference} is ready yet, so nothing can be shipped.").format(
        reference=container.reference
    )


def open_button(t: Translator, container_id: int) -> Button:
    """The button that shows the container."""
    return (t._("🚢 Open"), f"{VIEW}{container_id}")


async def leave(update: Update, context: BotContext) -> int:
    """Leave the shipping details: nothing is saved and the container stays open."""
    t, values = context.t, draft(context)
    if "container" not in values:
        return await SHIPPING.leave(update, context, t._("Nothing was shipped."))
    text = t._("Nothing was shipped: {reference} stays open.").format(reference=values["reference"])
    markup = column([open_button(t, int(values["container"]))])
    return await SHIPPING.leave(update, context, text, markup)
