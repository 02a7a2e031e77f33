"""Every command, who may use it and its line in /help: one table for the help and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.context import BotContext
from bot.i18n import N_
from storage.models.members import MemberStatus, Role


class Kind(StrEnum):
    """The kinds of person the bot treats differently."""

    UNKNOWN = "unknown"
    PENDING_ARTISAN = "pending artisan"
    PENDING_BUYER = "pending buyer"
    ARTISAN = "active artisan"
    BUYER = "active buyer"
    DEACTIVATED_ARTISAN = "deactivated artisan"
    DEACTIVATED_BUYER = "deactivated buyer"
    REJECTED_ARTISAN = "rejected artisan"
    REJECTED_BUYER = "rejected buyer"
    ADMIN = "admin"


_KINDS = {
    (Role.ARTISAN, MemberStatus.PENDING): Kind.PENDING_ARTISAN,
    (Role.ARTISAN, MemberStatus.ACTIVE): Kind.ARTISAN,
    (Role.ARTISAN, MemberStatus.DEACTIVATED): Kind.DEACTIVATED_ARTISAN,
    (Role.ARTISAN, MemberStatus.REJECTED): Kind.REJECTED_ARTISAN,
    (Role.BUYER, MemberStatus.PENDING): Kind.PENDING_BUYER,
    (Role.BUYER, MemberStatus.ACTIVE): Kind.BUYER,
    (Role.BUYER, MemberStatus.DEACTIVATED): Kind.DEACTIVATED_BUYER,
    (Role.BUYER, MemberStatus.REJECTED): Kind.REJECTED_BUYER,
}


def kind_of(context: BotContext) -> Kind:
    """The kind of person who sent the update."""
    if context.is_admin:
        return Kind.ADMIN
    member = context.member
    if member is None:
        return Kind.UNKNOWN
    return _KINDS[member.role, member.status]


EVERYONE = frozenset(Kind)
NEWCOMERS = frozenset({Kind.UNKNOWN, Kind.REJECTED_ARTISAN, Kind.REJECTED_BUYER})
# The admins are not members: they have no profile.
MEMBERS = EVERYONE - {Kind.UNKNOWN, Kind.ADMIN}
ARTISANS = frozenset({Kind.ARTISAN})
# Artisans and buyers who may not act any more (or not yet) still see their own past.
PAST_ARTISANS = frozenset({Kind.PENDING_ARTISAN, Kind.DEACTIVATED_ARTISAN, Kind.REJECTED_ARTISAN})
PAST_BUYERS = frozenset({Kind.PENDING_BUYER, Kind.DEACTIVATED_BUYER, Kind.REJECTED_BUYER})
BUYERS = frozenset({Kind.BUYER})
ADMINS = frozenset({Kind.ADMIN})
# Who may write to the cooperative: its members, also while they wait for approval.
WRITERS = frozenset({Kind.ARTISAN, Kind.BUYER, Kind.PENDING_ARTISAN, Kind.PENDING_BUYER})


@dataclass(frozen=True)
class Command:
    """Commands sharing one /help line, and the kinds of person who may use them.

    A command may have several rows, each for other people: /orders is a buyer's own orders
    and the admins' decisions.
    """

    names: tuple[str, ...]
    who: frozenset[Kind]
    line: str


def _command(names: str, who: frozenset[Kind], line: str) -> Command:
    return Command(tuple(names.split()), who, line)


# In the order /help lists them (and the README's permission matrix).
COMMANDS = (
    _command("start menu", NEWCOMERS, N_("/start or /menu: register as an artisan or a buyer")),
    _command("start menu", EVERYONE - NEWCOMERS, N_("/start or /menu: the main menu")),
    _command("help", EVERYONE, N_("/help: this list")),
    _command("language", EVERYONE, N_("/language: choose Indonesian, English or Chinese")),
    _command("cancel", EVERYONE, N_("/cancel: stop what you are doing")),
    _command("profile", MEMBERS, N_("/profile: what you registered, and changing it")),
    _command("write", WRITERS, N_("/write: write to the cooperative's admins")),
    _command("report", ARTISANS, N_("/report: report drums you have finished")),
    _command(
        "production",
        ARTISANS | {Kind.DEACTIVATED_ARTISAN},
        N_("/production: your drums and earnings this week and month"),
    ),
    _command("reports", ARTISANS, N_("/reports: your recent reports; cancel one still waiting")),
    _command("reports", PAST_ARTISANS, N_("/reports: your reports and their outcome")),
    _command("needed", ARTISANS | ADMINS, N_("/needed: drums buyers are waiting for")),
    _command("statement", ARTISANS, N_("/statement: your monthly statement, with a PDF to keep")),
    _command("browse", BUYERS | ADMINS, N_("/browse: the catalogue with photos, prices and stock")),
    _command("available", BUYERS | ADMINS, N_("/available: drums available now, per model")),
    _command("orders", BUYERS | PAST_BUYERS, N_("/orders: your orders and their status")),
    _command("orders", ADMINS, N_("/orders: orders to confirm, and open orders")),
    _command(
        "containers", BUYERS, N_("/containers: your container shipments and how full they are")
    ),
    _command(
        "containers", ADMINS, N_("/containers: container shipments, their orders and shipping")
    ),
    _command("watching", BUYERS, N_("/watching: models you watch")),
    _command("review", ADMINS, N_("/review: reports waiting for the quality check")),
    _command("stock", ADMINS, N_("/stock: drums in stock per model")),
    _command(
        "papers", ADMINS, N_("/papers: export papers issued (proforma, invoice, packing list)")
    ),
    _command("artisans", ADMINS, N_("/artisans: artisans' month, production and payments")),
    _command("pay", ADMINS, N_("/pay: record a payment to an artisan")),
    _command("correct", ADMINS, N_("/correct: correct the stock of a model, with a reason")),
    _command("catalogue", ADMINS, N_("/catalogue: drum models, rates, prices and photos")),
    _command("rates", ADMINS, N_("/rates: exchange rates for buyers' prices")),
    _command("broadcast", ADMINS, N_("/broadcast: announcements to members, and past ones")),
    _command("insights", ADMINS, N_("/insights: summary, charts, statements and spreadsheets")),
    _command("summary", ADMINS, N_("/summary: this week and month at a glance")),
    _command("charts", ADMINS, N_("/charts: production and stock as pictures")),
    _command("export", ADMINS, N_("/export: spreadsheets of the ledgers for a period")),
    _command("inbox", ADMINS, N_("/inbox: members' messages, waiting and answered")),
    _command("pending", ADMINS, N_("/pending: registrations waiting for approval")),
    _command("members", ADMINS, N_("/members: list members, deactivate or reactivate them")),
)


def allowed(kind: Kind) -> list[str]:
    """The commands this kind of person may use, in the table's order."""
    names = (name for command in COMMANDS if kind in command.who for name in command.names)
    return list(dict.fromkeys(names))


def every_command() -> list[str]:
    """Every command, in the table's order."""
    return list(dict.fromkeys(name for command in COMMANDS for name in command.names))


def help_lines(kind: Kind) -> list[str]:
    """The untranslated /help lines of this kind of person, in the table's order."""
    return [command.line for command in COMMANDS if kind in command.who]
