"""The admins' spreadsheets: storage against a real SQLite file, the files, the flow end to end."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.emulator import Person
from bot.emulator.world import ChatMessage
from bot.i18n import translator
from bot.spreadsheets import (
    MAX_WIDTH,
    Column,
    Kind,
    Table,
    TooManyRowsError,
    build_csv,
    build_workbook,
    sheet_title,
)
from handlers.insights import exports as exports_handlers
from handlers.insights.export_tables import export_tables
from handlers.insights.exports import Span, choices, parse_span
from handlers.insights.menu import EXPORTS
from storage import Storage
from storage.exports import ExportData
from storage.models.catalogue import DrumModel
from storage.models.earnings import EarningsKind
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from storage.models.orders import OrderOutcome
from storage.models.reports import ReportStatus
from storage.models.stock import StockMovementKind
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, Clock, RunningBot, active_artisan, active_buyer
from tests.test_ordering import MODEL as ORDERED
from tests.test_ordering import add_stock, opened, place_order

JAKARTA = ZoneInfo("Asia/Jakarta")
OCTOBER = Span(date(2026, 10, 1), 1)
SMALL = "DJ-S-MAH-GOAT-PLAIN"
SHEETS = [
    "Reports",
    "Stock ledger",
    "Orders",
    "Containers",
    "Earnings and payments",
    "Members",
    "Export papers",
]
TABLES = ("reports", "stock", "orders", "containers", "earnings", "members", "papers")


def _jakarta(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA)


# Before October, inside it (the last one at 23:30 on the 31st, still October in Blitar), and
# after it: 00:30 on 1 November in Blitar is still 31 October in UTC.
BEFORE = _jakarta(20, 9, month=9)
EARLY = _jakarta(5, 10)
LATE = _jakarta(31, 23, 30)
AFTER = _jakarta(1, 0, 30, month=11)


async def _model(storage: Storage, code: str = SMALL) -> DrumModel:
    model = await storage.catalogue.get_by_code(code)
    assert model is not None
    return model


async def _artisan(storage: Storage, telegram_id: int, name: str, village: str) -> int:
    await storage.people.seen(telegram_id, name, None, "id")
    application = ArtisanApplication(
        name=name, village=village, workshop=f"Kendang {name}", phone=f"+62812{telegram_id}"
    )
    member = await storage.members.register_artisan(telegram_id, application)
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    return member.id


async def _buyer(storage: Storage) -> int:
    await storage.people.seen(200, "Li", None, "en")
    application = BuyerApplication(name="Li Wei", company="Yiwu Music", country="China")
    member = await storage.members.register_buyer(200, application, needs_approval=False)
    return member.id


async def _report(
    storage: Storage, artisan: int, quantity: int, accept: int | None, reason: str | None = None
) -> int:
    model = await _model(storage)
    report, _ = await storage.reports.create(artisan, model.id, quantity)
    if accept is not None:
        decision = await storage.reports.decide(report.id, accept, reason, by=ADMIN_ANI)
        assert decision is not None and decision.decided
    return report.id


async def _a_busy_october(storage: Storage, clock: Clock) -> dict[str, int]:
    """Reports, decisions, payments, corrections, orders and a container around October."""
    await storage.people.seen(ADMIN_ANI, "Ani", None, "id")
    ids: dict[str, int] = {}
    model = await _model(storage)
    clock.at(BEFORE)
    sri = await _artisan(storage, 100, "Sri", "Jiwut")
    budi = await _artisan(storage, 101, "Budi", "Ngoran")
    buyer = await _buyer(storage)
    ids["r0"] = await _report(storage, sri, 4, 4)
    declined, _ = await storage.orders.create(buyer, model.id, 2)
    await storage.orders.decline(declined.id, by=ADMIN_ANI)
    ids["declined"] = declined.id
    open_before, _ = await storage.orders.create(buyer, model.id, 2)
    change = await storage.orders.confirm(open_before.id, by=ADMIN_ANI)
    assert change.outcome is OrderOutcome.DONE
    ids["open_before"] = open_before.id

    clock.at(EARLY)
    ids["r1"] = await _report(storage, sri, 10, 8, "cracked_wood")
    ids["r2"] = await _report(storage, budi, 5, 0, "the head is torn & loose")
    ids["r3"] = await _report(storage, sri, 3, None)
    await storage.reports.cancel(ids["r3"], sri)
    order, _ = await storage.orders.create(buyer, model.id, 6)
    change = await storage.orders.confirm(order.id, by=9002)
    assert change.outcome is OrderOutcome.DONE
    ids["shipped"] = order.id
    payment = await storage.earnings.record_payment(
        sri, 500_000, date(2026, 10, 5), "transfer", by=ADMIN_ANI
    )
    ids["payment"] = payment.id
    await storage.stock.correct(model.id, -1, "dropped in the yard", by=ADMIN_ANI)
    container = await storage.containers.create(buyer, "Shanghai", date(2026, 12, 1), by=ADMIN_ANI)
    await storage.containers.add_order(container.id, order.id, by=ADMIN_ANI)
    ids["container"] = container.id

    clock.at(LATE)
    ids["r4"] = await _report(storage, budi, 2, None)
    await storage.earnings.reverse_payment(payment.id, by=ADMIN_ANI)
    shipped = await storage.containers.ship(container.id, by=ADMIN_ANI)
    assert shipped.outcome is OrderOutcome.DONE

    clock.at(AFTER)
    ids["r5"] = await _report(storage, sri, 1, 1)
    later, _ = await storage.orders.create(buyer, model.id, 1)
    ids["later"] = later.id
    return ids


async def _ids(storage: Storage, table: str, column: str) -> list[int]:
    period = OCTOBER.period(JAKARTA)
    rows = await storage.db.fetch_all(
        f"SELECT id FROM {table} WHERE {column} >= ? AND {column} < ? ORDER BY id",
        (
            period.start.astimezone(UTC).isoformat(timespec="seconds"),
            period.end.astimezone(UTC).isoformat(timespec="seconds"),
        ),
    )
    return [int(row[0]) for row in rows]


async def _october(storage: Storage) -> ExportData:
    period = OCTOBER.period(JAKARTA)
    return await storage.exports.snapshot(period.start, period.end)


# Storage


async def test_the_snapshot_holds_exactly_the_ledgers_rows_of_the_period(
    storage: Storage, clock: Clock
) -> None:
    ids = await _a_busy_october(storage, clock)
    data = await _october(storage)
    assert [line.id for line in data.reports] == [ids["r1"], ids["r2"], ids["r3"], ids["r4"]]
    assert [line.id for line in data.reports] == await _ids(storage, "reports", "reported_at")
    assert [line.id for line in data.stock] == await _ids(storage, "stock_movements", "created_at")
    assert [line.id for line in data.earnings] == await _ids(
        storage, "earnings_entries", "created_at"
    )
    # In October: r1's 8 accepted, 6 reserved, a correction, then the 6 shipped.
    kinds = [line.kind for line in data.stock]
    assert kinds == [
        StockMovementKind.ACCEPTED,
        StockMovementKind.RESERVED,
        StockMovementKind.CORRECTION,
        StockMovementKind.SHIPPED,
    ]
    assert [(line.on_hand_delta, line.reserved_delta) for line in data.stock] == [
        (8, 0),
        (0, 6),
        (-1, 0),
        (-6, -6),
    ]
    assert [line.kind for line in data.earnings] == [
        EarningsKind.CREDIT,
        EarningsKind.PAYMENT,
        EarningsKind.PAYMENT,
    ]
    assert [line.amount for line in data.earnings][1:] == [-500_000, 500_000]
    assert data.earnings[2].reverses == ids["payment"]
    assert data.earnings[1].paid_on == date(2026, 10, 5)


async def test_the_snapshot_keeps_decisions_times_and_who_decided(
    storage: Storage, clock: Clock
) -> None:
    ids = await _a_busy_october(storage, clock)
    data = await _october(storage)
    model = await _model(storage)
    first = data.reports[0]
    assert (first.reference, first.artisan, first.village, first.model_code) == (
        f"R-{ids['r1']:06d}",
        "Sri",
        "Jiwut",
        SMALL,
    )
    assert (first.quantity, first.status, first.accepted, first.reason, first.rate) == (
        10,
        ReportStatus.ACCEPTED,
        8,
        "cracked_wood",
        model.artisan_rate,
    )
    assert first.reported_at == EARLY and first.decided_at == EARLY
    assert data.name_of(first.decided_by) == "Ani"
    cancelled, pending = data.reports[2], data.reports[3]
    assert cancelled.status is ReportStatus.CANCELLED and cancelled.decided_by is None
    assert pending.status is ReportStatus.PENDING and pending.decided_at is None
    assert pending.reported_at == LATE
    # Admin 9002 never wrote to the bot: known only by id.
    shipped = next(view for view in data.orders if view.order.id == ids["shipped"])
    assert data.name_of(shipped.order.decided_by) == "9002"


async def test_orders_and_containers_open_at_any_time_in_the_period_are_in_it(
    storage: Storage, clock: Clock
) -> None:
    ids = await _a_busy_october(storage, clock)
    data = await _october(storage)
    # Declined in September and requested in November: out; open since September: in.
    assert [view.order.id for view in data.orders] == [ids["open_before"], ids["shipped"]]
    [line] = data.containers
    assert (line.reference, line.buyer_name, line.orders, line.planned, line.shipped) == (
        f"C-{ids['container']:06d}",
        "Li Wei",
        1,
        0,
        6,
    )
    # Every member, whenever registered.
    assert sorted(member.name for member in data.members) == ["Budi", "Li Wei", "Sri"]


async def test_an_empty_period_has_empty_tables_but_every_member(
    storage: Storage, clock: Clock
) -> None:
    await _a_busy_october(storage, clock)
    period = Span(date(2026, 1, 1), 1).period(JAKARTA)
    data = await storage.exports.snapshot(period.start, period.end)
    assert (data.reports, data.stock, data.orders, data.containers, data.earnings) == (
        [],
        [],
        [],
        [],
        [],
    )
    assert len(data.members) == 3 and data.names == {}


# The files


async def test_the_workbook_holds_a_sheet_per_table_with_typed_cells(
    storage: Storage, clock: Clock
) -> None:
    ids = await _a_busy_october(storage, clock)
    data = await _october(storage)
    tables = export_tables(translator("en"), data, JAKARTA)
    book = load_workbook(io.BytesIO(build_workbook(tables)))
    assert book.sheetnames == SHEETS
    counts = [len(data.reports), len(data.stock), 2, 1, len(data.earnings), 3, 0]
    for sheet, count in zip(book.worksheets, counts, strict=True):
        assert isinstance(sheet, Worksheet)
        assert sheet.max_row == count + 1
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
    reports = _sheet(book, "Reports")
    header = [cell.value for cell in reports[1]]
    assert header == [
        "Reference",
        "Artisan",
        "Village",
        "Model",
        "Quantity",
        "Status",
        "Accepted",
        "Reason",
        "Rate (Rp)",
        "Reported at",
        "Decided at",
        "Decided by",
    ]
    row = {name: cell for name, cell in zip(header, reports[2], strict=True)}
    assert row["Reference"].value == f"R-{ids['r1']:06d}"
    assert row["Quantity"].value == 10 and isinstance(row["Quantity"].value, int)
    assert row["Status"].value == "accepted" and row["Reason"].value == "cracked wood"
    rate = (await _model(storage)).artisan_rate
    assert row["Rate (Rp)"].value == rate and row["Rate (Rp)"].number_format == "#,##0"
    # Times are Blitar's wall clock, naive, as Excel keeps them.
    assert row["Reported at"].value == datetime(2026, 10, 5, 10, 0)
    assert row["Reported at"].is_date and row["Decided by"].value == "Ani"
    rejected = [cell.value for cell in reports[3]]
    assert rejected[7] == "the head is torn & loose"
    pending = [cell.value for cell in reports[5]]
    assert pending[5] == "waiting" and pending[9] == datetime(2026, 10, 31, 23, 30)
    assert pending[10] is None and pending[11] is None
    earnings = _sheet(book, "Earnings and payments")
    assert [cell.value for cell in earnings[3]][3:5] == ["payment", -500_000]
    paid_on = earnings.cell(3, 9)
    assert paid_on.value == datetime(2026, 10, 5) and paid_on.number_format == "yyyy-mm-dd"
    members = _sheet(book, "Members")
    phones = {row[2]: row[5] for row in members.iter_rows(min_row=2, values_only=True)}
    # A text cell starting with "+" would be a formula once edited: the quote keeps it text.
    assert phones == {"Sri": "'+62812100", "Budi": "'+62812101", "Li Wei": None}


def _sheet(book: Workbook, title: str) -> Worksheet:
    sheet = book[title]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_columns_fit_their_longest_value_up_to_a_cap() -> None:
    table = Table(
        "t",
        "T",
        [Column("Name"), Column("Amount (Rp)", Kind.RUPIAH), Column("Note")],
        [("Sri", 17_600_000, "x" * 300), ("Budi Santoso Wibowo", 5, None)],
    )
    sheet = load_workbook(io.BytesIO(build_workbook([table]))).worksheets[0]
    assert isinstance(sheet, Worksheet)
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == len("Budi Santoso Wibowo") + 2
    assert widths[1] >= len("17,600,000") + 2
    assert widths[2] == MAX_WIDTH


def test_sheet_titles_are_what_excel_accepts_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_title("Reports: [2026/11]", taken) == "Reports 2026 11"
    assert sheet_title("reports: [2026/11]", taken) == "reports 2026 11 (2)"
    assert len(sheet_title("A" * 40, taken)) == 31
    assert sheet_title("???", taken) == "Sheet"


def test_a_table_longer_than_a_sheet_is_refused_before_writing() -> None:
    rows = [(1,)] * 1_048_576
    table = Table("big", "Big", [Column("n", Kind.INTEGER)], rows)
    with pytest.raises(TooManyRowsError):
        build_workbook([table])


async def test_csv_parses_back_with_the_same_headers_and_iso_times(
    storage: Storage, clock: Clock
) -> None:
    ids = await _a_busy_october(storage, clock)
    data = await _october(storage)
    tables = export_tables(translator("en"), data, JAKARTA)
    for table in tables:
        content = build_csv(table)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        assert rows[0] == [column.header for column in table.columns]
        assert len(rows) == len(table.rows) + 1
    reports = list(csv.reader(io.StringIO(build_csv(tables[0]).decode("utf-8-sig"))))
    assert reports[1][:5] == [f"R-{ids['r1']:06d}", "Sri", "Jiwut", SMALL, "10"]
    assert reports[1][9] == "2026-10-05 10:00:00"
    assert reports[2][7] == "the head is torn & loose"
    earnings = list(csv.reader(io.StringIO(build_csv(tables[4]).decode("utf-8-sig"))))
    assert earnings[2][4] == "-500000" and earnings[2][8] == "2026-10-05"


# Periods


def test_the_periods_offered_are_whole_months_in_the_cooperatives_zone() -> None:
    # 1 January 2027, 03:00 in Blitar, is still 31 December 2026 in UTC.
    now = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    spans = choices(now, JAKARTA)
    assert spans["this_month"] == Span(date(2027, 1, 1), 1)
    assert spans["last_month"] == Span(date(2026, 12, 1), 1)
    assert spans["this_year"] == Span(date(2027, 1, 1), 12)
    assert spans["last_12_months"] == Span(date(2026, 2, 1), 12)
    assert [span.stem for span in spans.values()] == [
        "2027-01",
        "2026-12",
        "2027",
        "2026-02-to-2027-01",
    ]
    period = spans["last_month"].period(JAKARTA)
    assert (period.start, period.end) == (
        datetime(2026, 12, 1, tzinfo=JAKARTA),
        datetime(2027, 1, 1, tzinfo=JAKARTA),
    )
    t = translator("en")
    assert [span.label(t) for span in spans.values()] == [
        "January 2027",
        "December 2026",
        "2027",
        "Feb 2026 - Jan 2027",
    ]


def test_only_well_formed_past_or_present_spans_are_read_back() -> None:
    now = datetime(2026, 11, 15, tzinfo=UTC)
    assert parse_span("exp:x:2026-11:1", now, JAKARTA) == Span(date(2026, 11, 1), 1)
    assert parse_span("exp:c:2025-12:12", now, JAKARTA) == Span(date(2025, 12, 1), 12)
    for data in ("exp:x:2026-12:1", "exp:x:2026-13:1", "exp:x:2026-11:13", "exp:x:1999-01:1"):
        assert parse_span(data, now, JAKARTA) is None


# End to end


async def _seed_this_month(bot: RunningBot) -> None:
    """An artisan's accepted and pending reports, a payment, and an order, made now."""
    sri = await active_artisan(bot)
    await active_buyer(bot)
    storage = await Storage.open(bot.settings.db_path)
    try:
        artisan = await storage.members.by_telegram_id(sri.user_id)
        buyer = await storage.members.by_telegram_id(2001)
        model = await _model(storage)
        assert artisan is not None and buyer is not None
        accepted, _ = await storage.reports.create(artisan.id, model.id, 12)
        await storage.reports.decide(accepted.id, 10, "cracked_wood", by=ADMIN_ANI)
        await storage.reports.create(artisan.id, model.id, 3)
        today = datetime.now(JAKARTA).date()
        await storage.earnings.record_payment(artisan.id, 100_000, today, by=ADMIN_ANI)
        await storage.orders.create(buyer.id, model.id, 4)
    finally:
        await storage.close()


def _counts(bot: RunningBot) -> list[int]:
    """Rows per table; everything was made this month, so every row is in the export."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        # A paper's sheet has a row per line of each paper.
        lines = "(SELECT json_array_length(content, '$.lines') AS n FROM papers)"
        return [
            int(connection.execute(f"SELECT {count} FROM {table}").fetchone()[0])
            for count, table in (
                ("COUNT(*)", "reports"),
                ("COUNT(*)", "stock_movements"),
                ("COUNT(*)", "orders"),
                ("COUNT(*)", "containers"),
                ("COUNT(*)", "earnings_entries"),
                ("COUNT(*)", "members"),
                ("COALESCE(SUM(n), 0)", lines),
            )
        ]


def _documents(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    return [message.document for message in messages if message.document is not None]


async def _wait_for_summary(bot: RunningBot, user_id: int) -> None:
    def done() -> bool:
        return any(
            "✅" in message.plain
            and any(data == EXPORTS for row in message.buttons for _, data in row)
            for message in bot.emulator.messages(user_id)
        )

    await bot.emulator.wait_until(done, within=20)


def _button(message: ChatMessage, prefix: str) -> str:
    return next(data for row in message.buttons for _, data in row if data.startswith(prefix))


async def test_an_english_admin_gets_this_months_workbook(bot: RunningBot) -> None:
    await _seed_this_month(bot)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    replies = await budi.send("/export")
    assert "Which period?" in replies[-1].plain
    await budi.tap("This month")
    assert "Which format?" in budi.last_text
    await budi.tap("Excel workbook")
    await _wait_for_summary(bot, ADMIN_BUDI)
    [document] = _documents(budi.inbox)
    month = datetime.now(JAKARTA).strftime("%Y-%m")
    assert document["file_name"] == f"kendang-{month}.xlsx"
    stored = bot.emulator.find_file(document["file_id"])
    assert stored is not None
    book = load_workbook(io.BytesIO(stored.data))
    assert book.sheetnames == SHEETS
    counts = _counts(bot)
    assert [sheet.max_row - 1 for sheet in book.worksheets] == counts
    reports = _sheet(book, "Reports")
    assert [cell.value for cell in reports[2]][:7] == [
        "R-000001",
        "Sri Wahyuni",
        "Jiwut",
        SMALL,
        12,
        "accepted",
        10,
    ]
    reported_at = reports.cell(2, 10).value
    assert isinstance(reported_at, datetime) and reported_at.tzinfo is None
    assert abs(reported_at - datetime.now(JAKARTA).replace(tzinfo=None)) < timedelta(minutes=5)
    summary = next(m for m in budi.inbox if "✅" in m.plain)
    assert f"Reports: {counts[0]}" in summary.plain and "Asia/Jakarta" in summary.plain


async def test_an_indonesian_admin_gets_one_csv_file_per_table(bot: RunningBot) -> None:
    await _seed_this_month(bot)
    ani = bot.admin()
    await ani.send("/insights")
    await ani.press(EXPORTS, ani.last)
    await ani.press(_button(ani.last, exports_handlers.FORMATS), ani.last)
    await ani.press(_button(ani.last, exports_handlers.CSV_FILES), ani.last)
    await _wait_for_summary(bot, ADMIN_ANI)
    documents = _documents(ani.inbox)
    month = datetime.now(JAKARTA).strftime("%Y-%m")
    assert [document["file_name"] for document in documents] == [
        f"kendang-{table}-{month}.csv" for table in TABLES
    ]
    counts = _counts(bot)
    for document, count in zip(documents, counts, strict=True):
        stored = bot.emulator.find_file(document["file_id"])
        assert stored is not None and stored.data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(stored.data.decode("utf-8-sig"), newline="")))
        assert len(rows) == count + 1
    reports = bot.emulator.find_file(documents[0]["file_id"])
    assert reports is not None
    rows = list(csv.reader(io.StringIO(reports.data.decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "R-000001" and rows[1][4] == "12" and rows[1][6] == "10"
    assert rows[2][6] == "" and rows[2][10] == ""
    assert datetime.fromisoformat(rows[1][9]).date() == datetime.now(JAKARTA).date()


async def test_a_file_over_telegrams_limit_is_not_sent_and_the_admin_is_told(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed_this_month(bot)
    monkeypatch.setattr(exports_handlers, "MAX_UPLOAD_BYTES", 1000)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/export")
    await budi.tap("Last 12 months")
    await budi.tap("Excel workbook")
    await bot.emulator.wait_until(lambda: "Too big" in budi.last_text, within=20)
    assert _documents(budi.inbox) == []
    assert "kendang-" in budi.last_text and "Choose a shorter period" in budi.last_text


async def test_non_admins_are_refused_and_nothing_is_sent(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    replies = await sri.send("/export")
    assert "hanya admin koperasi" in replies[-1].plain
    month = datetime.now(JAKARTA).strftime("%Y-%m")
    before = len(sri.inbox)
    for data in (EXPORTS, f"exp:s:{month}:1", f"exp:x:{month}:1"):
        await sri.press(data, sri.last)
        assert "hanya admin koperasi" in sri.callback_answers[-1]["text"]
    assert len(sri.inbox) == before and _documents(sri.inbox) == []


# Formula injection


HOSTILE_NAME = "=cmd|' /C calc'!A0 Li"
HOSTILE_COMPANY = "+SUM(1;2)"
HOSTILE_NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_WORKSHOP = '=HYPERLINK("http://x","y")'
HOSTILE_REASON = "-2+3+cmd|' /C calc'!A0"


async def _hostile_members_order_and_correction(bot: RunningBot) -> None:
    """A buyer and an artisan registered, and an order noted, with formulas for answers."""
    ani = bot.admin()
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("Sri Wahyuni")
    await sri.tap("Jiwut")
    await sri.send(HOSTILE_WORKSHOP)
    await sri.tap("Lewati")
    await sri.tap("Kirim pendaftaran")
    await ani.tap("Setujui", ani.last)
    li = bot.person(2001, "Li", "en")
    await li.send("/start")
    await li.tap("I am a buyer")
    await li.send(HOSTILE_NAME)
    await li.send(HOSTILE_COMPANY)
    await li.tap("China")
    await li.tap("Create my account")
    await add_stock(bot, 10)
    await place_order(li, bot, 2, note=HOSTILE_NOTE)
    async with opened(bot) as storage:
        model = await _model(storage, ORDERED)
        assert await storage.stock.correct(model.id, -3, HOSTILE_REASON, by=ADMIN_ANI)


async def _export_this_month(bot: RunningBot, admin: Person, label: str) -> None:
    """Ask for this month's files in the format so labelled; wait until they are all sent."""

    def summaries() -> int:
        return sum("✅" in message.plain for message in bot.emulator.messages(admin.user_id))

    before = summaries()
    await admin.send("/export")
    await admin.tap("This month")
    await admin.tap(label)
    await bot.emulator.wait_until(lambda: summaries() > before, within=20)


async def _export_both_ways(bot: RunningBot) -> tuple[Workbook, dict[str, list[dict[str, str]]]]:
    """Budi's workbook and CSV files of this month, the CSV files read by their headers."""
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await _export_this_month(bot, budi, "Excel workbook")
    await _export_this_month(bot, budi, "CSV files")
    contents = []
    for document in _documents(budi.inbox):
        stored = bot.emulator.find_file(document["file_id"])
        assert stored is not None
        contents.append(stored.data)
    book = load_workbook(io.BytesIO(contents[0]))
    tables = {
        name: list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        for name, data in zip(TABLES, contents[1:], strict=True)
    }
    return book, tables


async def test_text_that_would_start_a_formula_is_quoted_and_numbers_stay_numbers(
    bot: RunningBot,
) -> None:
    await _hostile_members_order_and_correction(bot)
    book, tables = await _export_both_ways(bot)
    # The CSV files: each hostile text behind a quote, the numbers as they were.
    [order] = tables["orders"]
    assert (order["Buyer"], order["Company"], order["Note"]) == (
        f"'{HOSTILE_NAME}",
        f"'{HOSTILE_COMPANY}",
        f"'{HOSTILE_NOTE}",
    )
    assert (order["Quantity"], order["Reserved"]) == ("2", "0")
    members = {row["Role"]: row for row in tables["members"] if row["Name"] != "Stok"}
    assert members["buyer"]["Name"] == f"'{HOSTILE_NAME}"
    assert members["artisan"]["Workshop"] == f"'{HOSTILE_WORKSHOP}"
    [correction] = [row for row in tables["stock"] if row["Kind"] == "correction"]
    assert correction["On hand change"] == "-3" and correction["Reason"] == f"'{HOSTILE_REASON}"
    # The workbook: the same texts behind the same quote, the numbers typed, no formula at all.
    sheet = _sheet(book, "Orders")
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["Buyer"].value == f"'{HOSTILE_NAME}" and cells["Buyer"].data_type == "s"
    assert cells["Company"].value == f"'{HOSTILE_COMPANY}"
    assert cells["Note"].value == f"'{HOSTILE_NOTE}"
    assert cells["Quantity"].value == 2 and cells["Quantity"].data_type == "n"
    members_sheet = _sheet(book, "Members")
    texts = {cell.value for row in members_sheet.iter_rows(min_row=2) for cell in row}
    assert {f"'{HOSTILE_NAME}", f"'{HOSTILE_WORKSHOP}"} <= texts
    stock = _sheet(book, "Stock ledger")
    [moved] = [row for row in stock.iter_rows(min_row=2) if row[2].value == "correction"]
    assert moved[3].value == -3 and moved[3].data_type == "n"
    assert moved[7].value == f"'{HOSTILE_REASON}"
    written = [cell for sheet in book.worksheets for row in sheet.rows for cell in row]
    assert all(cell.data_type != "f" for cell in written)


def test_every_start_of_a_formula_is_quoted_in_text_columns_only() -> None:
    starts = ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"]
    table = Table(
        "t",
        "T",
        [Column("Text"), Column("Change", Kind.INTEGER)],
        [(text, -3) for text in starts] + [("plain - text", -1)],
    )
    rows = list(csv.reader(io.StringIO(build_csv(table).decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == [f"'{text}" for text in starts] + ["plain - text"]
    assert [row[1] for row in rows[1:]] == ["-3"] * len(starts) + ["-1"]
    sheet = load_workbook(io.BytesIO(build_workbook([table]))).worksheets[0]
    assert isinstance(sheet, Worksheet)
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert all(str(text).startswith("'") for text, _ in values[:-1])
    assert [change for _, change in values] == [-3] * len(starts) + [-1]
