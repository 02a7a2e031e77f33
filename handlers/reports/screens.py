"""What the artisan sees at each step of a report: texts, buttons and their callback data."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import (
    finish_name,
    head_name,
    model_name,
    size_details,
    size_name,
    wood_name,
)
from handlers.common import Button, column, keyboard
from handlers.members.menu import MAIN_MENU, MY_REPORTS
from handlers.reports.my_reports import drum_count
from storage.models.catalogue import DrumModel, DrumSize
from storage.models.members import Member, MemberStatus, Role
from storage.models.reports import ReportView

MODEL_PREFIX = "rep:m:"
SIZE_PREFIX = "rep:s:"
QUANTITY_PREFIX = "rep:q:"
SEND_PREFIX = "rep:ok:"
MODELS = "rep:back"
NO_PHOTO = "rep:nophoto"
RESTART = "rep:again"
STOP = "rep:stop"

QUICK_QUANTITIES = (1, 5, 10, 20, 50)
# Up to this many active models are listed at once; beyond it the artisan picks a size first,
# so that a cheap phone shows a short list of short buttons.
FULL_LIST = 6

Screen = tuple[str, InlineKeyboardMarkup]


def refusal(context: BotContext) -> str | None:
    """Say why this person may not report drums; None for an active artisan."""
    t, member = context.t, context.member
    if context.is_admin:
        return t._("Artisans report their drums here. As an admin, you check them with /review.")
    if member is None:
        return t._("Only registered artisans can report drums. Send /start to register.")
    if member.role is not Role.ARTISAN:
        return t._("Reporting drums is for the cooperative's artisans. Send /menu to see yours.")
    if member.status is MemberStatus.PENDING:
        return t._(
            "Your registration is still waiting for an admin's approval. "
            "You can report drums once it is approved."
        )
    if member.status is MemberStatus.REJECTED:
        return t._(
            "Your registration was not approved, so you cannot report drums. "
            "You can register again with /start."
        )
    if member.status is MemberStatus.DEACTIVATED:
        return t._(
            "Your membership is not active, so you cannot report drums. "
            "Please contact the cooperative's admin."
        )
    return None


def cancel_button(t: Translator) -> Button:
    """The button that leaves the report at any step."""
    return (t._("✖️ Cancel"), STOP)


def model_unavailable(t: Translator) -> str:
    """Say that a model can no longer be reported."""
    return t._("This model is no longer in the catalogue. Please choose another one.")


async def model_choice(context: BotContext, member: Member) -> tuple[str, Screen | None]:
    """The model step: recent models first, then all models or the sizes; None if none."""
    t = context.t
    catalogue = context.storage.catalogue
    active = await catalogue.list_active()
    if not active:
        return t._("There are no drum models to report yet. Please ask the admin."), None
    recent = await catalogue.recent_for_artisan(member.id)
    rows: list[list[Button]] = [[(model_name(t, m), f"{MODEL_PREFIX}{m.id}")] for m in recent]
    if len(active) <= FULL_LIST:
        listed = {m.id for m in recent}
        rows += [
            [(model_name(t, m), f"{MODEL_PREFIX}{m.id}")] for m in active if m.id not in listed
        ]
        text = t._("<b>1/4</b> Which drums did you finish?")
    else:
        sizes = [size for size in DrumSize if any(m.size is size for m in active)]
        rows.append([(size_name(t, size).capitalize(), f"{SIZE_PREFIX}{size}") for size in sizes])
        if recent:
            text = t._(
                "<b>1/4</b> Which drums did you finish?\n"
                "Your recent models are at the top; for another one, choose its size."
            )
        else:
            text = t._("<b>1/4</b> Which drums did you finish? Choose the size first.")
    rows.append([cancel_button(t)])
    return text, (text, keyboard(rows))


def _short_name(t: Translator, model: DrumModel) -> str:
    return t._("{wood} · {head} · {finish}").format(
        wood=wood_name(t, model.wood).capitalize(),
        head=head_name(t, model.head),
        finish=finish_name(t, model.finish),
    )


def size_list(t: Translator, size: DrumSize, models: list[DrumModel]) -> Screen:
    """The models of one size, named without the size to keep the buttons short."""
    rows: list[list[Button]] = [[(_short_name(t, m), f"{MODEL_PREFIX}{m.id}")] for m in models]
    rows.append([(t._("⬅️ Back"), MODELS), cancel_button(t)])
    text = t._("<b>1/4</b> Size: {size} ({details}). Which model?").format(
        size=size_name(t, size).capitalize(), details=size_details(t, size)
    )
    return text, keyboard(rows)


def quantity_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    """Quick quantities up to the maximum, another model, cancel."""
    t = context.t
    maximum = context.settings.max_report_quantity
    quick = [(t.number(n), f"{QUANTITY_PREFIX}{n}") for n in QUICK_QUANTITIES if n <= maximum]
    return keyboard([quick, [(t._("⬅️ Other model"), MODELS), cancel_button(t)]])


def quantity_question(context: BotContext, model: DrumModel) -> Screen:
    """The quantity step, naming the chosen model."""
    t = context.t
    text = t._(
        "<b>2/4</b> {model}\nHow many drums did you finish? Tap a number or type it."
    ).format(model=f"<b>{model_name(t, model)}</b>")
    return text, quantity_keyboard(context)


def quantity_hint(context: BotContext) -> Screen:
    """What the quantity step accepts, for an answer it could not take."""
    t = context.t
    text = t._("Please send a whole number of drums from 1 to {max}, for example 12.").format(
        max=t.number(context.settings.max_report_quantity)
    )
    return text, quantity_keyboard(context)


def photo_question(t: Translator, *, again: bool = False) -> Screen:
    """The photo step, or its reminder when something else was sent."""
    if again:
        text = t._("Please send a photo (as a picture, not a file), or tap Skip.")
    else:
        text = t._(
            "<b>3/4</b> Send a photo of the drums, so the admin can see them. No photo? Tap Skip."
        )
    return text, keyboard([[(t._("⏭️ Skip"), NO_PHOTO), cancel_button(t)]])


def summary(t: Translator, model: DrumModel, quantity: int, photo: bool, key: str) -> Screen:
    """The report to check, with what each accepted drum pays, and Send / Start again / Cancel."""
    answer = t._("yes") if photo else t._("no")
    lines = [
        t._("<b>4/4</b> Please check your report:"),
        t._("Model: {model}").format(model=f"<b>{model_name(t, model)}</b>"),
        t.ngettext("Quantity: {count} drum", "Quantity: {count} drums", quantity).format(
            count=f"<b>{t.number(quantity)}</b>"
        ),
        t._("Photo: {answer}").format(answer=f"<b>{answer}</b>"),
        t._("Your pay: {rate} for each drum accepted in the quality check.").format(
            rate=f"<b>{t.rupiah(model.artisan_rate)}</b>"
        ),
    ]
    markup = column(
        [
            (t._("✅ Send report"), f"{SEND_PREFIX}{key}"),
            (t._("✏️ Start again"), RESTART),
            cancel_button(t),
        ]
    )
    return "\n".join(lines), markup


def sent(t: Translator, view: ReportView) -> Screen:
    """The report's reference and what happens next."""
    text = t._(
        "✅ Report sent: <b>{reference}</b>\n{drums}: {model}\n\n"
        "An admin of the cooperative will check the quality. I will tell you the result here."
    ).format(
        reference=view.report.reference,
        drums=drum_count(t, view.report.quantity),
        model=model_name(t, view.model),
    )
    return text, column([(t._("🧾 My reports"), MY_REPORTS), (t._("⬅️ Menu"), MAIN_MENU)])
