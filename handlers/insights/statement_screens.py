"""An artisan's statement in words: months, the HTML message, the PDF document and its name."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.documents import Column, Details, Document, Highlight, Table, render_pdf
from bot.i18n import Translator
from bot.periods import Period, this_month
from handlers.catalogue.drums import model_name
from handlers.common import esc
from storage.clock import utc_now
from storage.models.members import Member
from storage.statements import Statement

MONTH_KEY = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# The message stays well under Telegram's 4096 characters; the PDF always has every line.
MAX_MESSAGE_LINES = 25
MAX_MESSAGE_PAYMENTS = 10


def months_back(now: datetime, zone: ZoneInfo, count: int) -> list[Period]:
    """This month and the `count - 1` months before it, newest first."""
    months = [this_month(now, zone)]
    while len(months) < count:
        months.append(this_month(months[-1].start - timedelta(days=1), zone))
    return months


def month_key(month: Period) -> str:
    """The month as it travels in callback data, e.g. 2026-11."""
    return month.first_day.strftime("%Y-%m")


def parse_month(key: str, zone: ZoneInfo) -> Period | None:
    """Read a month key back; None for a malformed one or a month after this one."""
    match = MONTH_KEY.match(key)
    if match is None or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        return None
    month = this_month(datetime(int(match[1]), int(match[2]), 15, 12, tzinfo=zone), zone)
    return None if month.start > utc_now() else month


def month_label(t: Translator, month: Period) -> str:
    """Name a month in the reader's language: "November 2026"."""
    return format_date(month.first_day, "LLLL y", locale=t.locale)


def file_name(artisan: Member, month: Period) -> str:
    """Name the PDF after what and when, in ASCII: statement-sri-wahyuni-2026-11.pdf."""
    ascii_name = unicodedata.normalize("NFKD", artisan.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    return f"statement-{slug or f'artisan-{artisan.id}'}-{month_key(month)}.pdf"


def _drums(t: Translator, count: int) -> str:
    return t.ngettext("{count} drum", "{count} drums", count).format(count=t.number(count))


def _more(t: Translator, count: int) -> str:
    return t.ngettext(
        "…and {count} more line, in the PDF", "…and {count} more lines, in the PDF", count
    ).format(count=t.number(count))


def _payment_label(t: Translator, paid_on: date, reversal: bool) -> str:
    if reversal:
        return t._("Payment of {date} cancelled").format(date=t.date(paid_on))
    return t._("Paid on {date}").format(date=t.date(paid_on))


def statement_text(t: Translator, artisan: Member, statement: Statement, today: date) -> str:
    """The statement as an HTML message; stored text is escaped."""
    month = month_label(t, Period(statement.start, statement.end))
    lines = [
        t._("📄 <b>Statement for {month}</b>").format(month=month),
        t._("{name} · {village} · {workshop}").format(
            name=esc(artisan.name), village=esc(artisan.village), workshop=esc(artisan.workshop)
        ),
        "",
        t._("<b>Drums accepted</b>"),
    ]
    for line in statement.lines[:MAX_MESSAGE_LINES]:
        lines.append(
            t._("• {model}: {drums} at {rate} each = {amount}").format(
                model=model_name(t, line.model),
                drums=_drums(t, line.drums),
                rate=t.rupiah(line.rate),
                amount=t.rupiah(line.amount),
            )
        )
    if len(statement.lines) > MAX_MESSAGE_LINES:
        lines.append(_more(t, len(statement.lines) - MAX_MESSAGE_LINES))
    if not statement.lines:
        lines.append(t._("No drums were accepted in {month}.").format(month=month))
    if statement.corrections:
        lines.append(t._("• Corrections: {amount}").format(amount=t.rupiah(statement.corrections)))
    lines.append(
        t._("<b>Earned in {month}: {amount}</b>").format(
            month=month, amount=t.rupiah(statement.earned)
        )
    )
    lines += ["", t._("<b>Payments</b>")]
    for payment in statement.payments[:MAX_MESSAGE_PAYMENTS]:
        label = _payment_label(t, payment.paid_on, payment.is_reversal)
        lines.append(t._("• {what}: {amount}").format(what=label, amount=t.rupiah(payment.amount)))
    if len(statement.payments) > MAX_MESSAGE_PAYMENTS:
        lines.append(_more(t, len(statement.payments) - MAX_MESSAGE_PAYMENTS))
    if not statement.payments:
        lines.append(t._("No payments in {month}.").format(month=month))
    lines += [
        t._("<b>Paid in {month}: {amount}</b>").format(
            month=month, amount=t.rupiah(statement.paid)
        ),
        "",
        t._("<b>Still to be paid on {date}: {amount}</b>").format(
            date=t.date(today), amount=t.rupiah(statement.owed)
        ),
    ]
    return "\n".join(lines)


def statement_document(
    t: Translator, artisan: Member, statement: Statement, today: date
) -> Document:
    """The statement laid out for the PDF, in plain text (no HTML), on one page if it fits."""
    period = Period(statement.start, statement.end)
    month = month_label(t, period)
    rows = [
        (
            model_name(t, line.model),
            t.number(line.drums),
            t.rupiah(line.rate),
            t.rupiah(line.amount),
        )
        for line in statement.lines
    ]
    if statement.corrections:
        rows.append((t._("Corrections"), "", "", t.rupiah(statement.corrections)))
    drums = Table(
        title=t._("Drums accepted"),
        columns=(
            Column(t._("Drum model"), 3.2),
            Column(t._("Drums"), 0.9, numeric=True),
            Column(t._("Rate per drum"), 1.4, numeric=True),
            Column(t._("Amount"), 1.5, numeric=True),
        ),
        rows=tuple(rows),
        total=(
            t._("Earned in {month}").format(month=month),
            t.number(statement.drums),
            "",
            t.rupiah(statement.earned),
        ),
        empty=t._("No drums were accepted in {month}.").format(month=month),
    )
    payments = Table(
        title=t._("Payments"),
        columns=(Column(t._("Payment"), 3.2), Column(t._("Amount"), 1.5, numeric=True)),
        rows=tuple(
            (_payment_label(t, payment.paid_on, payment.is_reversal), t.rupiah(payment.amount))
            for payment in statement.payments
        ),
        total=(t._("Paid in {month}").format(month=month), t.rupiah(statement.paid)),
        empty=t._("No payments in {month}.").format(month=month),
    )
    # Each detail is one translated sentence ("Artisan: {name}"), so it is written whole.
    details = (
        t._("Artisan: {name}").format(name=artisan.name),
        t._("Village: {village}").format(village=artisan.village or "—"),
        t._("Workshop: {workshop}").format(workshop=artisan.workshop or "—"),
        t._("Period: {first} - {last}").format(
            first=t.date(period.first_day), last=t.date(period.last_day)
        ),
    )
    title = t._("Monthly statement · {month}").format(month=month)
    return Document(
        issuer=t._("Djembe drum cooperative of Blitar"),
        title=title,
        blocks=(
            Details(tuple(("", line) for line in details)),
            drums,
            payments,
            Highlight(
                t._("Still to be paid on {date}").format(date=t.date(today)),
                t.rupiah(statement.owed),
            ),
        ),
        footer=t._("Made on {date} by the cooperative's bot.").format(date=t.date(today)),
        reader_title=f"{title} · {artisan.name}",
        one_page=True,
    )


@dataclass(frozen=True)
class Delivery:
    """A statement ready to send: the message, the PDF and its file name and caption."""

    text: str
    pdf: bytes
    file_name: str
    caption: str


async def prepare(context: BotContext, t: Translator, artisan: Member, month: Period) -> Delivery:
    """Read the artisan's month and render it in `t`'s language, the PDF off the event loop."""
    statement = await context.storage.statements.for_period(artisan.id, month.start, month.end)
    today = utc_now().astimezone(context.settings.zone).date()
    document = statement_document(t, artisan, statement, today)
    pdf = await asyncio.to_thread(render_pdf, document)
    caption = t._("📄 Statement of {name} for {month}, to keep.").format(
        name=esc(artisan.name), month=month_label(t, month)
    )
    return Delivery(
        statement_text(t, artisan, statement, today), pdf, file_name(artisan, month), caption
    )


async def send_document(
    context: BotContext, chat_id: int, delivery: Delivery, markup: InlineKeyboardMarkup | None
) -> None:
    """Send the statement's PDF into a chat, with its caption and buttons."""
    await context.bot.send_document(
        chat_id,
        delivery.pdf,
        filename=delivery.file_name,
        caption=delivery.caption,
        reply_markup=markup,
    )
