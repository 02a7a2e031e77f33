"""The bot's SQLite storage: connection, migrations and repositories."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.broadcasts import Broadcasts
from storage.catalogue import Catalogue
from storage.chart_series import ChartSeries
from storage.containers import Containers
from storage.db import Database
from storage.earnings import Earnings
from storage.exchange_rates import ExchangeRates
from storage.exports import Exports
from storage.figures import Figures
from storage.inbox import Inbox
from storage.members import Members
from storage.migrations import DatabaseTooNewError, migrate
from storage.offers import Offers
from storage.orders import Orders
from storage.outbox import Outbox
from storage.papers import Papers
from storage.people import People
from storage.reports import Reports
from storage.state import StateStore
from storage.statements import Statements
from storage.stock import Stock
from storage.summary import Summaries
from storage.watches import Watches

__all__ = ["DatabaseTooNewError", "Storage"]


@dataclass(frozen=True)
class Storage:
    """The opened database and one repository per concept."""

    db: Database
    members: Members
    people: People
    state: StateStore
    catalogue: Catalogue
    reports: Reports
    stock: Stock
    earnings: Earnings
    figures: Figures
    offers: Offers
    orders: Orders
    containers: Containers
    watches: Watches
    exchange_rates: ExchangeRates
    broadcasts: Broadcasts
    outbox: Outbox
    exports: Exports
    statements: Statements
    summary: Summaries
    chart_series: ChartSeries
    inbox: Inbox
    papers: Papers

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open the database, apply pending migrations and build the repositories."""
        db = await Database.open(path)
        try:
            await migrate(db)
        except BaseException:
            await db.close()
            raise
        return cls(
            db=db,
            members=Members(db),
            people=People(db),
            state=StateStore(db),
            catalogue=Catalogue(db),
            reports=Reports(db),
            stock=Stock(db),
            earnings=Earnings(db),
            figures=Figures(db),
            offers=Offers(db),
            orders=Orders(db),
            containers=Containers(db),
            watches=Watches(db),
            exchange_rates=ExchangeRates(db),
            broadcasts=Broadcasts(db),
            outbox=Outbox(db),
            exports=Exports(db),
            statements=Statements(db),
            summary=Summaries(db),
            chart_series=ChartSeries(db),
            inbox=Inbox(db),
            papers=Papers(db),
        )

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
