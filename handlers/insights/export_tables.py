"""The admins' spreadsheets in words: each table's headers and values in the reader's language."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.spreadsheets import Column, Kind, Table
from handlers.containers.screens import order_status_name
from handlers.members.menu import status_label
from handlers.papers.issuing import kind_name
from handlers.reports.review_cards import reason_text
from storage.exports import ExportData
from storage.models.containers import ContainerStatus, container_reference
from storage.models.earnings import EarningsKind
from storage.models.members import Role
from storage.models.orders import order_reference
from storage.models.papers import PaperKind
from storage.models.reports import ReportStatus, report_reference
from storage.models.stock import StockMovementKind

INTEGER, RUPIAH, DATETIME, DATE = Kind.INTEGER, Kind.RUPIAH, Kind.DATETIME, Kind.DATE
DECIMAL = Kind.DECIMAL


def export_tables(t: Translator, data: ExportData, zone: ZoneInfo) -> list[Table]:
    """Every table of the export, in the order of the workbook's sheets."""
    return [
        reports_table(t, data, zone),
        stock_table(t, data, zone),
        orders_table(t, data, zone),
        containers_table(t, data, zone),
        earnings_table(t, data, zone),
        members_table(t, data, zone),
        papers_table(t, data, zone),
    ]


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored time in the cooperative's time zone, naive as Excel wants it."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _reason(t: Translator, stored: str | None) -> str | None:
    # Quick reasons are codes in the reader's words; reason_text escapes for HTML, not needed.
    return None if stored is None else html.unescape(reason_text(t, stored))


def reports_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Reports of the period with their decisions."""
    statuses = {
        ReportStatus.PENDING: t._("waiting"),
        ReportStatus.ACCEPTED: t._("accepted"),
        ReportStatus.REJECTED: t._("rejected"),
        ReportStatus.CANCELLED: t._("cancelled"),
    }
    columns = [
        Column(t._("Reference")),
        Column(t._("Artisan")),
        Column(t._("Village")),
        Column(t._("Model")),
        Column(t._("Quantity"), INTEGER),
        Column(t._("Status")),
        Column(t._("Accepted"), INTEGER),
        Column(t._("Reason")),
        Column(t._("Rate (Rp)"), RUPIAH),
        Column(t._("Reported at"), DATETIME),
        Column(t._("Decided at"), DATETIME),
        Column(t._("Decided by")),
    ]
    rows = [
        (
            line.reference,
            line.artisan,
            line.village,
            line.model_code,
            line.quantity,
            statuses[line.status],
            line.accepted,
            _reason(t, line.reason),
            line.rate,
            _local(line.reported_at, zone),
            _local(line.decided_at, zone),
            data.name_of(line.decided_by),
        )
        for line in data.reports
    ]
    return Table("reports", t._("Reports"), columns, rows)


def stock_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """The stock ledger's entries of the period."""
    kinds = {
        StockMovementKind.ACCEPTED: t._("accepted"),
        StockMovementKind.RESERVED: t._("reserved"),
        StockMovementKind.RELEASED: t._("released"),
        StockMovementKind.SHIPPED: t._("shipped"),
        StockMovementKind.CORRECTION: t._("correction"),
    }
    columns = [
        Column(t._("No."), INTEGER),
        Column(t._("Model")),
        Column(t._("Kind")),
        Column(t._("On hand change"), INTEGER),
        Column(t._("Reserved change"), INTEGER),
        Column(t._("Report")),
        Column(t._("Order")),
        Column(t._("Reason")),
        Column(t._("By")),
        Column(t._("Time"), DATETIME),
    ]
    rows = [
        (
            line.id,
            line.model_code,
            kinds[line.kind],
            line.on_hand_delta,
            line.reserved_delta,
            None if line.report_id is None else report_reference(line.report_id),
            None if line.order_id is None else order_reference(line.order_id),
            line.reason,
            data.name_of(line.created_by),
            _local(line.created_at, zone),
        )
        for line in data.stock
    ]
    return Table("stock", t._("Stock ledger"), columns, rows)


def orders_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Orders open at any moment of the period."""
    columns = [
        Column(t._("Reference")),
        Column(t._("Buyer")),
        Column(t._("Company")),
        Column(t._("Country")),
        Column(t._("Model")),
        Column(t._("Quantity"), INTEGER),
        Column(t._("Confirmed"), INTEGER),
        Column(t._("Reserved"), INTEGER),
        Column(t._("Shipped"), INTEGER),
        Column(t._("Unit price (Rp)"), RUPIAH),
        Column(t._("Value (Rp)"), RUPIAH),
        Column(t._("Status")),
        Column(t._("Container")),
        Column(t._("Note")),
        Column(t._("Requested at"), DATETIME),
        Column(t._("Decided at"), DATETIME),
        Column(t._("Decided by")),
        Column(t._("Closed at"), DATETIME),
    ]
    rows = []
    for view in data.orders:
        order = view.order
        container = order.container_id
        rows.append(
            (
                order.reference,
                view.buyer_name,
                view.buyer_company,
                view.buyer_country,
                view.model.code,
                order.quantity,
                order.confirmed,
                order.reserved,
                order.shipped,
                order.unit_price,
                order.amount,
                order_status_name(t, order.status),
                None if container is None else container_reference(container),
                order.note,
                _local(order.requested_at, zone),
                _local(order.decided_at, zone),
                data.name_of(order.decided_by),
                _local(order.closed_at, zone),
            )
        )
    return Table("orders", t._("Orders"), columns, rows)


def containers_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Containers open at any moment of the period."""
    statuses = {
        ContainerStatus.OPEN: t._("open"),
        ContainerStatus.SHIPPED: t._("shipped"),
        ContainerStatus.CANCELLED: t._("cancelled"),
    }
    columns = [
        Column(t._("Reference")),
        Column(t._("Buyer")),
        Column(t._("Company")),
        Column(t._("Destination")),
        Column(t._("Capacity"), INTEGER),
        Column(t._("Status")),
        Column(t._("Target date"), DATE),
        Column(t._("Orders"), INTEGER),
        Column(t._("Drums in it"), INTEGER),
        Column(t._("Drums shipped"), INTEGER),
        Column(t._("Opened at"), DATETIME),
        Column(t._("Opened by")),
        Column(t._("Closed at"), DATETIME),
        Column(t._("Closed by")),
    ]
    rows = [
        (
            line.reference,
            line.buyer_name,
            line.buyer_company,
            line.container.destination,
            line.container.capacity,
            statuses[line.container.status],
            line.container.target_date,
            line.orders,
            line.planned,
            line.shipped,
            _local(line.container.created_at, zone),
            data.name_of(line.container.created_by),
            _local(line.container.closed_at, zone),
            data.name_of(line.container.closed_by),
        )
        for line in data.containers
    ]
    return Table("containers", t._("Containers"), columns, rows)


def earnings_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Artisans' earnings and payments recorded in the period."""
    kinds = {
        EarningsKind.CREDIT: t._("credit"),
        EarningsKind.PAYMENT: t._("payment"),
        EarningsKind.CORRECTION: t._("correction"),
    }
    columns = [
        Column(t._("No."), INTEGER),
        Column(t._("Artisan")),
        Column(t._("Village")),
        Column(t._("Kind")),
        Column(t._("Amount (Rp)"), RUPIAH),
        Column(t._("Report")),
        Column(t._("Reverses No."), INTEGER),
        Column(t._("Note")),
        Column(t._("Paid on"), DATE),
        Column(t._("By")),
        Column(t._("Time"), DATETIME),
    ]
    rows = [
        (
            line.id,
            line.artisan,
            line.village,
            kinds[line.kind],
            line.amount,
            None if line.report_id is None else report_reference(line.report_id),
            line.reverses,
            line.note,
            line.paid_on,
            data.name_of(line.created_by),
            _local(line.created_at, zone),
        )
        for line in data.earnings
    ]
    return Table("earnings", t._("Earnings and payments"), columns, rows)


def members_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Every member; the phone only of artisans, whom the admins need to call."""
    roles = {Role.ARTISAN: t._("artisan"), Role.BUYER: t._("buyer")}
    columns = [
        Column(t._("Role")),
        Column(t._("Status")),
        Column(t._("Name")),
        Column(t._("Village")),
        Column(t._("Workshop")),
        Column(t._("Phone")),
        Column(t._("Company")),
        Column(t._("Country")),
        Column(t._("Registered at"), DATETIME),
    ]
    rows = [
        (
            roles[member.role],
            status_label(t, member.status),
            member.name,
            member.village,
            member.workshop,
            member.phone if member.role is Role.ARTISAN else None,
            member.company,
            member.country,
            _local(member.created_at, zone),
        )
        for member in data.members
    ]
    return Table("members", t._("Members"), columns, rows)


def papers_table(t: Translator, data: ExportData, zone: ZoneInfo) -> Table:
    """Every line of the export papers issued in the period, as each paper shows it."""
    columns = [
        Column(t._("Number")),
        Column(t._("Kind")),
        Column(t._("Issued at"), DATETIME),
        Column(t._("Buyer")),
        Column(t._("For")),
        Column(t._("Code")),
        Column(t._("HS code")),
        Column(t._("Quantity"), INTEGER),
        Column(t._("Currency")),
        Column(t._("Unit price"), DECIMAL),
        Column(t._("Amount"), DECIMAL),
        Column(t._("Packages"), INTEGER),
        Column(t._("Net weight (kg)"), DECIMAL),
        Column(t._("Gross weight (kg)"), DECIMAL),
        Column(t._("Volume (m³)"), DECIMAL),
    ]
    rows = []
    for paper in data.papers:
        content = paper.content
        # A packing list shows no prices: neither does its row.
        priced = paper.kind is not PaperKind.PACKING
        for line in content.lines:
            rows.append(
                (
                    paper.number,
                    kind_name(t, paper.kind),
                    _local(paper.issued_at, zone),
                    content.buyer.company or content.buyer.name,
                    content.order_reference or content.container_reference,
                    line.code,
                    line.hs_code,
                    line.quantity,
                    content.currency.value if priced else None,
                    line.unit_price if priced else None,
                    line.amount if priced else None,
                    line.packages,
                    line.net_kg,
                    line.gross_kg,
                    line.volume_m3,
                )
            )
    return Table("papers", t._("Export papers"), columns, rows)
