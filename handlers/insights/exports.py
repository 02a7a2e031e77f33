"""Spreadsheets for the admins: choose a period and a format, get the workbook or CSV files."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardMarkup, InputMediaDocument, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.periods import Period, this_month
from bot.spreadsheets import Table, TooManyRowsError, build_csv, build_workbook
from handlers.common import answer_button, answer_or_reply, column, refuse_unless_admin, show
from handlers.insights.export_tables import export_tables
from handlers.insights.menu import EXPORTS
from handlers.members.menu import INSIGHTS, MAIN_MENU
from storage.clock import utc_now

logger = logging.getLogger(__name__)

FORMATS = "exp:s:"
WORKBOOK = "exp:x:"
CSV_FILES = "exp:c:"
_SPAN = r"([0-9]{4})-([0-9]{2}):([0-9]{1,2})"
_TAPPED = re.compile(rf"^exp:[sxc]:{_SPAN}$")
# Telegram's limit on files a bot sends; a bigger file is not sent at all.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MEGABYTE = 1024 * 1024
# Tens of megabytes on a village connection take longer than the usual write timeout.
UPLOAD_TIMEOUT_SECONDS = 300.0
# Admins with a spreadsheet being made, so a second tap does not start another.
_preparing: set[int] = set()


@dataclass(frozen=True)
class Span:
    """Whole months in the cooperative's time zone: the first month's first day, and how many."""

    first: date
    months: int

    @property
    def last(self) -> date:
        """The first day of the last month."""
        return _add_months(self.first, self.months - 1)

    @property
    def key(self) -> str:
        """The span as it travels in callback data, e.g. 2026-11:1."""
        return f"{self.first:%Y-%m}:{self.months}"

    @property
    def stem(self) -> str:
        """The span in file names: 2026-11, 2026 or 2025-12-to-2026-11."""
        if self.months == 1:
            return f"{self.first:%Y-%m}"
        if self.months == 12 and self.first.month == 1:
            return f"{self.first:%Y}"
        return f"{self.first:%Y-%m}-to-{self.last:%Y-%m}"

    def period(self, zone: ZoneInfo) -> Period:
        """The span as [start, end) in the zone."""
        end = _add_months(self.first, self.months)
        return Period(_midnight(self.first, zone), _midnight(end, zone))

    def label(self, t: Translator) -> str:
        """Name the span: "November 2026", "2026" or "Dec 2025 - Nov 2026"."""
        if self.months == 1:
            return format_date(self.first, "LLLL y", locale=t.locale)
        if self.months == 12 and self.first.month == 1:
            return str(self.first.year)
        return t._("{first} - {last}").format(
            first=format_date(self.first, "LLL y", locale=t.locale),
            last=format_date(self.last, "LLL y", locale=t.locale),
        )


@dataclass(frozen=True)
class ExportFile:
    """A file to send: its name, its bytes and its caption."""

    name: str
    content: bytes
    caption: str


def _add_months(first: date, count: int) -> date:
    years, month = divmod(first.month - 1 + count, 12)
    return date(first.year + years, month + 1, 1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def choices(now: datetime, zone: ZoneInfo) -> dict[str, Span]:
    """This month, last month, this year and the last 12 months (this one included)."""
    month = this_month(now, zone).first_day
    return {
        "this_month": Span(month, 1),
        "last_month": Span(_add_months(month, -1), 1),
        "this_year": Span(month.replace(month=1), 12),
        "last_12_months": Span(_add_months(month, -11), 12),
    }


def parse_span(data: str, now: datetime, zone: ZoneInfo) -> Span | None:
    """Read the span of a tapped button; None for a malformed one or one starting later."""
    match = _TAPPED.match(data)
    if match is None:
        return None
    year, month, months = int(match[1]), int(match[2]), int(match[3])
    if not (2000 <= year <= 2100 and 1 <= month <= 12 and 1 <= months <= 12):
        return None
    span = Span(date(year, month, 1), months)
    return span if span.first <= this_month(now, zone).first_day else None


def _tapped_span(update: Update, context: BotContext) -> Span | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    return parse_span(query.data, utc_now(), context.settings.zone)


async def show_periods(update: Update, context: BotContext) -> None:
    """Ask an admin which period the spreadsheet is for."""
    if not await refuse_unless_admin(update, context):
        return
    await answer_button(update)
    t = context.t
    spans = choices(utc_now(), context.settings.zone)
    labels = {
        "this_month": t._("📅 This month ({period})"),
        "last_month": t._("📅 Last month ({period})"),
        "this_year": t._("📅 This year ({period})"),
        "last_12_months": t._("📅 Last 12 months ({period})"),
    }
    buttons = [
        (labels[name].format(period=span.label(t)), FORMATS + span.key)
        for name, span in spans.items()
    ]
    text = t._(
        "📥 <b>Spreadsheets</b>\n"
        "A period's reports and decisions, stock ledger, orders, containers, artisans' "
        "earnings and payments, and the members, to open in Excel.\n\nWhich period?"
    )
    await show(update, context, text, column([*buttons, (t._("⬅️ Back"), INSIGHTS)]))


async def show_formats(update: Update, context: BotContext) -> None:
    """Ask an admin for an Excel workbook or CSV files."""
    if not await refuse_unless_admin(update, context):
        return
    span = _tapped_span(update, context)
    if span is None:
        await show_periods(update, context)
        return
    await answer_button(update)
    t = context.t
    text = t._(
        "📥 <b>Spreadsheets for {period}</b>\n"
        "• Excel workbook: one file, a sheet for each table.\n"
        "• CSV: one file for each table, for any program.\n\nWhich format?"
    ).format(period=span.label(t))
    buttons = [
        (t._("📗 Excel workbook (.xlsx)"), WORKBOOK + span.key),
        (t._("📄 CSV files"), CSV_FILES + span.key),
        (t._("⬅️ Back"), EXPORTS),
    ]
    await show(update, context, text, column(buttons))


async def start_export(update: Update, context: BotContext) -> None:
    """Start making the chosen files in the background and say they are coming."""
    if not await refuse_unless_admin(update, context):
        return
    query = update.callback_query
    span = _tapped_span(update, context)
    if span is None or query is None or not isinstance(query.message, Message):
        await show_periods(update, context)
        return
    admin = query.from_user.id
    t = context.t
    if admin in _preparing:
        await answer_or_reply(update, context, t._("Your spreadsheet is on its way, a moment."))
        return
    await answer_button(update)
    as_csv = query.data is not None and query.data.startswith(CSV_FILES)
    text = t._("⏳ Making the spreadsheet for {period}… A whole year takes a few seconds.").format(
        period=span.label(t)
    )
    await show(update, context, text)
    # Made in the background: a year is a few hundred thousand rows and takes a while, and
    # updates are handled one at a time, so waiting here would keep everyone else waiting.
    # Nothing is written, so an export lost to a restart is simply asked for again.
    _preparing.add(admin)
    job = _export(context, admin, query.message.chat.id, query.message.message_id, span, as_csv)
    context.application.create_task(job, update=update, name=f"export-{admin}")


async def _export(
    context: BotContext, admin: int, chat_id: int, message_id: int, span: Span, as_csv: bool
) -> None:
    """Read the period, make the files off the event loop, send them and sum up."""
    t, zone = context.t, context.settings.zone
    try:
        period = span.period(zone)
        data = await context.storage.exports.snapshot(period.start, period.end)
        tables = await asyncio.to_thread(export_tables, t, data, zone)
        if as_csv:
            files = [
                ExportFile(
                    f"kendang-{table.name}-{span.stem}.csv",
                    await asyncio.to_thread(build_csv, table),
                    _rows_caption(t, table),
                )
                for table in tables
            ]
        else:
            caption = t._("📗 Spreadsheet for {period}").format(period=span.label(t))
            workbook = await asyncio.to_thread(build_workbook, tables)
            files = [ExportFile(f"kendang-{span.stem}.xlsx", workbook, caption)]
        too_big = [file for file in files if len(file.content) > MAX_UPLOAD_BYTES]
        if too_big:
            await _finish(context, chat_id, message_id, _too_big_text(t, too_big))
            return
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        await _send(context, chat_id, files)
        await _finish(context, chat_id, message_id, _summary(context, span, tables, as_csv))
    except TooManyRowsError as error:
        text = t._(
            "⚠️ The table {table} has {count} rows, more than an Excel sheet holds. "
            "Choose a shorter period, or CSV files."
        ).format(table=error.table.title, count=t.number(len(error.table.rows)))
        await _finish(context, chat_id, message_id, text)
    except Exception:
        logger.exception("could not make the spreadsheet for %s", span.key)
        text = t._("Sorry, the spreadsheet could not be made. Please try again.")
        await _finish(context, chat_id, message_id, text)
    finally:
        _preparing.discard(admin)


def _rows_caption(t: Translator, table: Table) -> str:
    count = len(table.rows)
    return t.ngettext("{table}: {count} row", "{table}: {count} rows", count).format(
        table=table.title, count=t.number(count)
    )


def _too_big_text(t: Translator, files: list[ExportFile]) -> str:
    lines = [t._("⚠️ <b>Too big for Telegram</b>")]
    for file in files:
        size = t.number(round(len(file.content) / MEGABYTE, 1))
        lines.append(t._("{file}: {size} MB").format(file=file.name, size=size))
    limit = t.number(MAX_UPLOAD_BYTES // MEGABYTE)
    lines.append(
        t._("Telegram lets a bot send files of up to {limit} MB. Choose a shorter period.").format(
            limit=limit
        )
    )
    return "\n".join(lines)


def _summary(context: BotContext, span: Span, tables: list[Table], as_csv: bool) -> str:
    t = context.t
    title = (
        t._("✅ <b>CSV files for {period}</b>")
        if as_csv
        else t._("✅ <b>Spreadsheet for {period}</b>")
    )
    lines = [title.format(period=span.label(t))]
    lines += [
        t._("{table}: {count}").format(table=table.title, count=t.number(len(table.rows)))
        for table in tables
    ]
    lines += [
        "",
        t._(
            "Reports and ledger entries are those of the period, orders and containers those "
            "open at any time in it, and the members everyone registered. Times are in the "
            "{zone} time zone."
        ).format(zone=context.settings.timezone),
    ]
    return "\n".join(lines)


def _after(t: Translator) -> InlineKeyboardMarkup:
    return column([(t._("📥 Another spreadsheet"), EXPORTS), (t._("⬅️ Menu"), MAIN_MENU)])


async def _send(context: BotContext, chat_id: int, files: list[ExportFile]) -> None:
    """Send one file as a document, several (2-10) as one album of documents."""
    if len(files) == 1:
        file = files[0]
        await context.bot.send_document(
            chat_id,
            file.content,
            filename=file.name,
            caption=file.caption,
            write_timeout=UPLOAD_TIMEOUT_SECONDS,
        )
        return
    media = [
        InputMediaDocument(file.content, filename=file.name, caption=file.caption) for file in files
    ]
    await context.bot.send_media_group(chat_id, media, write_timeout=UPLOAD_TIMEOUT_SECONDS)


async def _finish(context: BotContext, chat_id: int, message_id: int, text: str) -> None:
    """Turn the "making it" message into the outcome, or send it anew if it is gone."""
    markup = _after(context.t)
    try:
        await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
    except BadRequest as error:
        logger.info("could not edit the export message, sending it anew: %s", error)
        await context.bot.send_message(chat_id, text, reply_markup=markup)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return /export and the buttons of the spreadsheets' screens."""
    return [
        CommandHandler("export", show_periods, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_periods, pattern=f"^{EXPORTS}$"),
        CallbackQueryHandler(show_formats, pattern=f"^{FORMATS}{_SPAN}$"),
        CallbackQueryHandler(start_export, pattern=f"^(?:{WORKBOOK}|{CSV_FILES}){_SPAN}$"),
    ]
