"""Who may do what: every command and button for each kind of person, and nobody else's things.

One table drives the test and the permission matrix in docs/permissions.md (regenerate it with
`.venv/bin/python -m tests.test_permissions`); who may use a command comes from the bot's own
table, which /help is made from too. A forbidden action gets a polite refusal (a reply or an
alert) and changes none of the business tables; an allowed one gets an answer.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

import handlers
from bot.emulator import Person
from handlers.members.commands import Kind, allowed, every_command
from storage import Storage
from tests.conftest import ADMIN_ANI, RunningBot, active_artisan, active_buyer
from tests.test_ordering import send_data as order_send_data
from tests.test_ordering import start_order
from tests.test_reporting import report_drums
from tests.test_reporting import send_data as report_send_data

PEOPLE = ("unknown", "pending", "artisan", "buyer", "deactivated", "admin")
HEADINGS = {
    "unknown": "unknown",
    "pending": "pending artisan",
    "artisan": "active artisan",
    "buyer": "active buyer",
    "deactivated": "deactivated member",
    "admin": "admin",
}
KINDS = {
    "unknown": Kind.UNKNOWN,
    "pending": Kind.PENDING_ARTISAN,
    "artisan": Kind.ARTISAN,
    "buyer": Kind.BUYER,
    "deactivated": Kind.DEACTIVATED_ARTISAN,
    "admin": Kind.ADMIN,
}
ALLOWED, REFUSED, REGISTER = "allowed", "refused", "asked to register"
BUSINESS_TABLES = (
    "reports",
    "stock_movements",
    "earnings_entries",
    "orders",
    "containers",
    "members",
    "broadcasts",
    "deliveries",
    "watches",
    "exchange_rates",
    "drum_models",
    "threads",
    "thread_messages",
)
SMALL = "DJ-S-MAH-GOAT-PLAIN"
# A command named in a text: /help, not a/b or a date's 15/01.
COMMAND_NAME = re.compile(r"(?<![\w/])/([a-z]+)\b")

# Who may do it: one letter per kind of person, in the order of PEOPLE (A allowed, R refused,
# G asked to register). Named once here so that the table below reads as who, not as letters.
CELLS = {"A": ALLOWED, "R": REFUSED, "G": REGISTER}
EVERYONE = "AAAAAA"
MEMBERS = "GAAAAG"  # the admins are not members: they have no profile
CHANGE_PROFILE = "GAAARG"  # a deactivated member may look at their profile, not change it
CHANGE_VILLAGE = "GAARRG"
BUYER_PAPERS = "GRRARG"  # a buyer's address and invoice currency, while they may change them
NEWCOMERS = "ARRRRR"
ARTISANS = "GRARRR"
OWN_REPORTS = "GAARAR"  # a pending or deactivated artisan still sees their own reports
OWN_PRODUCTION = "RRARAR"  # and a deactivated one their own production and what is owed
STATEMENT = "RRARRR"
NEEDED = "RRARRA"
BUYERS = "GRRARR"
SHOP = "GRRARA"
CONTAINERS = "RRRARA"
MY_CONTAINERS = "RRRARR"
ADMINS = "RRRRRA"
WRITERS = "GAAARR"  # members, also while they wait for approval


@dataclass(frozen=True)
class Action:
    """A command or a button's callback data ({…} where an id goes), and who may use it."""

    label: str
    data: str
    who: str
    # Admin actions that decide, ship, pay or undo are covered by their own flow tests; here
    # only the refusal of everyone else is run, so the admin cell is not exercised.
    run_admin: bool = True


def command(name: str, who: str) -> Action:
    """A slash command."""
    return Action(f"`/{name}`", f"/{name}", who)


def button(data: str, who: str, *, run_admin: bool = True) -> Action:
    """A button by its callback data."""
    return Action(f"`{data}`", data, who, run_admin)


# The commands whose refusal points these people to /start; the rest refuse them plainly.
ASKED_TO_REGISTER = {
    "unknown": {
        *("profile", "report", "reports", "browse", "available", "orders", "watching"),
        "write",
    },
    "admin": {"profile"},
}


def command_who(name: str) -> str:
    """Who may use a command, as the bot's table says, in the letters of PEOPLE."""
    letters = []
    for who in PEOPLE:
        if name in allowed(KINDS[who]):
            letters.append("A")
        else:
            letters.append("G" if name in ASKED_TO_REGISTER.get(who, ()) else "R")
    return "".join(letters)


COMMANDS = [command(name, command_who(name)) for name in every_command()]
BUTTONS = [
    # Everyone's menu.
    button("menu:main", EVERYONE),
    button("menu:help", EVERYONE),
    button("lang:menu", EVERYONE),
    button("lang:set:{lang}", EVERYONE),
    button("menu:profile", MEMBERS),
    button("prof:edit:name", CHANGE_PROFILE),
    button("prof:edit:village", CHANGE_VILLAGE),
    button("prof:vwd", CHANGE_PROFILE),
    button("prof:addr", BUYER_PAPERS),
    button("prof:cur", BUYER_PAPERS),
    button("prof:cur:USD", BUYER_PAPERS),
    button("role:artisan", NEWCOMERS),
    button("role:buyer", NEWCOMERS),
    # Artisans.
    button("rep:new", ARTISANS),
    button("rep:mine", OWN_REPORTS),
    button("rep:x:{report}", ARTISANS),
    button("prod:me", OWN_PRODUCTION),
    button("stm:me", STATEMENT),
    button("stm:me:{month}", STATEMENT),
    button("need:board", NEEDED),
    # Buyers.
    button("shop:browse", SHOP),
    button("shop:c:a:0", SHOP),
    button("shop:stock", SHOP),
    button("ord:new:{model}", BUYERS, run_admin=False),
    button("ord:mine", BUYERS),
    button("ord:see:{order}", BUYERS),
    button("ord:x:{order}", BUYERS),
    button("box:mine", MY_CONTAINERS),
    button("box:see:{container}", CONTAINERS),
    button("watch:list", BUYERS),
    button("watch:new:{model}", BUYERS, run_admin=False),
    button("watch:stop:{watch}", BUYERS, run_admin=False),
    # Admins: quality check, stock, artisans and payments.
    button("qc:queue", ADMINS),
    button("qc:open:{report}", ADMINS),
    button("qc:all:{report}", ADMINS, run_admin=False),
    button("qc:part:{report}", ADMINS, run_admin=False),
    button("qc:rej:{report}", ADMINS, run_admin=False),
    button("prod:stock", ADMINS),
    button("stk:fix", ADMINS),
    button("stk:undo:1", ADMINS, run_admin=False),
    button("prod:artisans", ADMINS),
    button("prod:a:{artisan}", ADMINS),
    button("pay:list:0", ADMINS),
    button("pay:new:{artisan}", ADMINS, run_admin=False),
    button("pay:undo:1", ADMINS, run_admin=False),
    # Admins: catalogue and rates.
    button("cat:menu", ADMINS),
    button("cat:list:0", ADMINS),
    button("cat:open:{model}", ADMINS),
    button("cat:add", ADMINS),
    button("cat:rate:{model}", ADMINS, run_admin=False),
    button("cat:price:{model}", ADMINS, run_admin=False),
    button("cat:photo:{model}", ADMINS, run_admin=False),
    button("cat:retire:{model}", ADMINS),
    button("cat:retok:{model}", ADMINS, run_admin=False),
    button("cat:restore:{model}", ADMINS, run_admin=False),
    button("cat:undo:{model}:1", ADMINS, run_admin=False),
    button("cat:pack:{model}", ADMINS),
    button("cat:pk:size:{model}", ADMINS),
    button("cat:pku:{model}:size:20x40:00000000", ADMINS, run_admin=False),
    button("rates:menu", ADMINS),
    button("rates:set:USD", ADMINS, run_admin=False),
    button("rates:clear:USD", ADMINS, run_admin=False),
    # Admins: orders and containers.
    button("ordadm:list", ADMINS),
    button("ordadm:see:{order}", ADMINS),
    button("ordadm:ok:{order}", ADMINS, run_admin=False),
    button("ordadm:part:{order}:1", ADMINS, run_admin=False),
    button("ordadm:bo:{order}", ADMINS, run_admin=False),
    button("ordadm:no:{order}", ADMINS, run_admin=False),
    button("ordadm:xy:{order}", ADMINS, run_admin=False),
    button("box:admin", ADMINS),
    button("box:new", ADMINS),
    button("box:add:{container}", ADMINS, run_admin=False),
    button("box:put:{container}:{order}", ADMINS, run_admin=False),
    button("box:out:{container}:{order}", ADMINS, run_admin=False),
    button("box:qship:{container}", ADMINS, run_admin=False),
    button("box:ship:{container}", ADMINS, run_admin=False),
    button("box:can:{container}", ADMINS, run_admin=False),
    button("box:putx:{container}:{order}", ADMINS, run_admin=False),
    # Admins: export papers.
    button("ppr:page:0", ADMINS),
    button("ppr:get:1", ADMINS, run_admin=False),
    button("ppr:pi:{order}", ADMINS, run_admin=False),
    button("ppr:box:{container}", ADMINS),
    button("ppr:ship:{container}", ADMINS, run_admin=False),
    # Admins: announcements, insights, members.
    button("bc:list", ADMINS),
    button("bc:new", ADMINS),
    button("bc:stop:1", ADMINS, run_admin=False),
    button("ins:menu", ADMINS),
    button("ins:summary", ADMINS),
    button("ins:charts", ADMINS),
    button("chart:stock", ADMINS, run_admin=False),
    button("ins:statements", ADMINS),
    button("stm:a:{artisan}", ADMINS),
    button("stm:send:{artisan}:{month}", ADMINS, run_admin=False),
    button("ins:export", ADMINS),
    button("exp:x:{month}:1", ADMINS, run_admin=False),
    button("mem:pending", ADMINS),
    button("mem:menu", ADMINS),
    button("mem:show:{pending}", ADMINS),
    button("appr:yes:{pending}", ADMINS, run_admin=False),
    button("appr:no:{pending}", ADMINS, run_admin=False),
    button("mem:set:{artisan}:active:deactivated", ADMINS, run_admin=False),
    button("vreq:yes:1", ADMINS, run_admin=False),
    button("vreq:no:1", ADMINS, run_admin=False),
    # Writing to the cooperative, and the admins' inbox.
    button("msg:write", WRITERS),
    button("inbox:list", ADMINS),
    button("inbox:open:1", ADMINS),
    button("inbox:reply:1", ADMINS, run_admin=False),
    button("inbox:done:1", ADMINS, run_admin=False),
]
ACTIONS = COMMANDS + BUTTONS

# Phrases of the refusals, in Indonesian and English. An allowed answer never has one of
# STRICT; a refusal has one of STRICT or WAITING (a member's own menu says "not active" too).
STRICT = (
    "hanya admin koperasi",
    "only the cooperative's admins",
    "untuk perajin koperasi",
    "for the cooperative's artisans",
    "hanya untuk pembeli",
    "for buyers",
    "ini untuk pembeli",
    "yang terdaftar",
    "pembeli terdaftar",
    "itu untuk pembeli",
    "registered buyers",
    "registered artisans",
    "sudah terdaftar",
    "already registered",
    "sebagai admin",
    "as an admin",
    "tidak ada di daftar anda",
    "not in your list",
    "laporan anda sendiri",
    "your own reports",
    "no such order of yours",
    "no such container of yours",
    "this watch is no longer open",
    "tidak ada pesanan seperti itu",
)
WAITING = (
    "tidak aktif",
    "not active",
    "belum disetujui",
    "tidak disetujui",
    "menunggu persetujuan admin. anda bisa",
    "still waiting for an admin's approval",
    "belum terdaftar",
    "not registered yet",
)


def expected(action: Action, who: str) -> str:
    """The cell of the permission matrix for this action and kind of person."""
    return CELLS[action.who[PEOPLE.index(who)]]


def markdown() -> str:
    """The permission matrix as a markdown table."""
    lines = [
        "## Who may do what",
        "",
        "Generated from `tests/test_permissions.py`",
        "(`.venv/bin/python -m tests.test_permissions`), which checks every cell: a refusal is",
        'a polite reply or alert and changes nothing; "asked to register" is a refusal pointing',
        "to `/start`. `{…}` in button data is an id.",
        "Cells marked * are refused to everyone else here; the admin's own use is tested by",
        "that flow's tests (it decides, ships, pays or undoes). The deactivated member is an",
        "artisan; a deactivated buyer, and members deactivated in the middle of a report or an",
        "order, are checked separately, as is pressing another person's report, order,",
        "container or watch with edited button data (always refused, nothing changes).",
        "",
        "| command or button | " + " | ".join(HEADINGS[who] for who in PEOPLE) + " |",
        "| --- |" + " --- |" * len(PEOPLE),
    ]
    for action in ACTIONS:
        cells = [expected(action, who) for who in PEOPLE]
        if not action.run_admin:
            cells[-1] += " *"
        lines.append(f"| {action.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def business_checksum(db_path: Path) -> str:
    """A digest of every row of the business tables."""
    digest = hashlib.sha256()
    with sqlite3.connect(db_path) as connection:
        for table in BUSINESS_TABLES:
            digest.update(table.encode())
            rows = connection.execute(f"SELECT * FROM {table}").fetchall()
            for row in sorted(repr(row) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


@asynccontextmanager
async def opened(bot: RunningBot) -> AsyncIterator[Storage]:
    """A second connection to the bot's database, for setting things up quickly."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def member_id(storage: Storage, person: Person) -> int:
    """The member id of someone registered."""
    member = await storage.members.by_telegram_id(person.user_id)
    assert member is not None
    return member.id


async def pending_artisan(bot: RunningBot, user_id: int, name: str) -> Person:
    """Register an artisan and leave the registration waiting for an admin."""
    artisan = bot.person(user_id, name, "id")
    await artisan.send("/start")
    await artisan.tap("Saya perajin")
    await artisan.send(name)
    await artisan.tap("Jiwut")
    await artisan.send(f"Bengkel {name}")
    await artisan.tap("Lewati")
    await artisan.tap("Kirim pendaftaran")
    return artisan


@dataclass
class World:
    """The six kinds of person, another artisan and buyer, and the ids of their things."""

    people: dict[str, Person]
    other_artisan: Person
    other_buyer: Person
    ids: dict[str, dict[str, str]]


async def build_world(bot: RunningBot) -> World:
    """Register everyone through the bot; make reports, orders and containers in storage."""
    admin = bot.admin()
    await admin.send("/start")
    artisan = await active_artisan(bot, 1001, "Sri Wahyuni")
    other_artisan = await active_artisan(bot, 1002, "Tono Hartono", "Ngoran")
    gone = await active_artisan(bot, 1003, "Joko Susilo")
    pending = await pending_artisan(bot, 1004, "Wati")
    buyer = await active_buyer(bot, 2001, "Li Wei")
    other_buyer = await active_buyer(bot, 2002, "Chen Hui")
    unknown = bot.person(3001, "Dewi", "id")
    await unknown.send("/start")
    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    async with opened(bot) as storage:
        model = await storage.catalogue.get_by_code(SMALL)
        assert model is not None
        ids: dict[str, dict[str, str]] = {}
        for key, person in (("own", buyer), ("other", other_buyer)):
            buyer_id = await member_id(storage, person)
            order, _ = await storage.orders.create(buyer_id, model.id, 5)
            box = await storage.containers.create(
                buyer_id, "Shanghai", date(2031, 1, 31), by=ADMIN_ANI
            )
            watch = await storage.watches.watch(buyer_id, model.id, 5)
            ids[f"buyer-{key}"] = {
                "order": str(order.id),
                "container": str(box.id),
                "watch": str(watch.id),
            }
        for key, person in (("own", artisan), ("other", other_artisan)):
            report, _ = await storage.reports.create(await member_id(storage, person), model.id, 3)
            ids[f"artisan-{key}"] = {"report": str(report.id)}
        common = {
            "model": str(model.id),
            "month": month,
            "artisan": str(await member_id(storage, artisan)),
            "pending": str(await member_id(storage, pending)),
            **ids["buyer-own"],
            **ids["artisan-own"],
        }
        gone_id = await member_id(storage, gone)
    await admin.press(f"mem:set:{gone_id}:active:deactivated")
    assert "nonaktif" in admin.last_text.lower(), admin.last_text
    people = {
        "unknown": unknown,
        "pending": pending,
        "artisan": artisan,
        "buyer": buyer,
        "deactivated": gone,
        "admin": admin,
    }
    values = {
        who: {**common, "lang": person.language_code or "id"} for who, person in people.items()
    }
    return World(people, other_artisan, other_buyer, values | ids)


async def outcome(bot: RunningBot, person: Person, data: str) -> tuple[str, str, bool]:
    """Do one action; return what the bot said, the cell it amounts to, and whether it wrote."""
    before = business_checksum(bot.settings.db_path)
    answered = len(person.callback_answers)
    if data.startswith("/"):
        messages = await person.send(data)
    else:
        messages = await person.press(data)
    alerts = [str(a.get("text") or "") for a in person.callback_answers[answered:]]
    said = "\n".join([*alerts, *(message.plain for message in messages)]).strip()
    changed = business_checksum(bot.settings.db_path) != before
    lowered = said.lower()
    if not said:
        cell = "silent"
    elif any(phrase in lowered for phrase in STRICT + WAITING):
        cell = REGISTER if "/start" in said else REFUSED
    else:
        cell = ALLOWED
    return said, cell, changed


async def test_every_command_and_button_for_every_kind_of_person(bot: RunningBot) -> None:
    world = await build_world(bot)
    wrong: list[str] = []
    cases = 0
    for action in ACTIONS:
        for who in PEOPLE:
            if who == "admin" and not action.run_admin:
                continue
            person = world.people[who]
            data = action.data.format(**world.ids[who])
            said, cell, changed = await outcome(bot, person, data)
            cases += 1
            want = expected(action, who)
            strict = any(phrase in said.lower() for phrase in STRICT)
            if want == ALLOWED and said and not strict:
                cell = ALLOWED  # a member's own menu may say their membership is not active
            if cell != want:
                wrong.append(f"{who} {data}: expected {want}, got {cell}: {said[:140]!r}")
            elif want != ALLOWED and changed:
                wrong.append(f"{who} {data}: refused but the database changed")
            if cell == ALLOWED:
                # Leave any conversation the action opened, so the next one starts clean.
                await person.send("/cancel")
    assert not wrong, f"{len(wrong)} of {cases} cases wrong:\n" + "\n".join(wrong)
    assert cases > 500


async def test_nobody_acts_on_another_persons_report_order_container_or_watch(
    bot: RunningBot,
) -> None:
    world = await build_world(bot)
    theirs = {
        "artisan": [
            "rep:x:{report}",
            "rep:xy:{report}",
        ],
        "buyer": [
            "ord:see:{order}",
            "ord:x:{order}",
            "ord:xy:{order}",
            "box:see:{container}",
            "chart:box:{container}",
            "watch:stop:{watch}",
        ],
    }
    others = {"artisan": world.ids["artisan-other"], "buyer": world.ids["buyer-other"]}
    wrong: list[str] = []
    for who, templates in theirs.items():
        for template in templates:
            data = template.format(**others[who])
            said, cell, changed = await outcome(bot, world.people[who], data)
            if cell not in (REFUSED, REGISTER) or changed:
                wrong.append(f"{who} {data}: {cell}, changed={changed}: {said[:140]!r}")
    assert not wrong, "\n".join(wrong)
    # The owners still can: the same data works for them, so the refusals above are real.
    said, cell, _ = await outcome(bot, world.other_buyer, f"ord:see:{others['buyer']['order']}")
    assert cell == ALLOWED, said
    said, cell, _ = await outcome(bot, world.other_artisan, f"rep:x:{others['artisan']['report']}")
    assert cell == ALLOWED, said


async def test_a_deactivated_member_changes_nothing_with_old_buttons_or_a_flow_begun(
    bot: RunningBot,
) -> None:
    admin = bot.admin()
    await admin.send("/start")
    artisan = await active_artisan(bot)
    buyer = await active_buyer(bot)
    async with opened(bot) as storage:
        model = await storage.catalogue.get_by_code(SMALL)
        assert model is not None
        artisan_id, buyer_id = await member_id(storage, artisan), await member_id(storage, buyer)
        report, _ = await storage.reports.create(artisan_id, model.id, 3)
        order, _ = await storage.orders.create(buyer_id, model.id, 5)
        box = await storage.containers.create(buyer_id, "Shanghai", date(2031, 1, 31), by=ADMIN_ANI)
    # Both are in the middle of a flow, at its last step, when an admin deactivates them.
    await report_drums(artisan, bot, SMALL, "4")
    report_send = report_send_data(artisan)
    await start_order(buyer, bot, SMALL)
    await buyer.send("7")
    await buyer.tap("⏭️")
    order_send = order_send_data(buyer)
    for member in (artisan_id, buyer_id):
        await admin.press(f"mem:set:{member}:active:deactivated")
        assert "nonaktif" in admin.last_text.lower(), admin.last_text
    wrong: list[str] = []
    for person, data in (
        (artisan, report_send),
        (artisan, f"rep:x:{report.id}"),
        (artisan, f"rep:xy:{report.id}"),
        (artisan, "/report"),
        (artisan, "/statement"),
        (buyer, order_send),
        (buyer, f"ord:x:{order.id}"),
        (buyer, f"ord:xy:{order.id}"),
        (buyer, f"box:see:{box.id}"),
        (buyer, "/containers"),
        (buyer, "/browse"),
        (buyer, "/available"),
        (buyer, "/watching"),
        (buyer, f"ord:new:{model.id}"),
        (buyer, f"watch:new:{model.id}"),
    ):
        said, cell, changed = await outcome(bot, person, data)
        if cell != REFUSED or changed:
            wrong.append(f"{data}: {cell}, changed={changed}: {said[:140]!r}")
    assert not wrong, "\n".join(wrong)


async def waiting_buyer(bot: RunningBot, user_id: int, name: str) -> Person:
    """Register a buyer who waits for an admin (the bot must ask for buyers' approval)."""
    buyer = bot.person(user_id, name, "en")
    await buyer.send("/start")
    await buyer.tap("I am a buyer")
    await buyer.send(name)
    await buyer.send("Yiwu Music Trading")
    await buyer.tap("China")
    await buyer.tap("Create my account")
    assert "Registration sent" in buyer.last_text, buyer.last_text
    return buyer


async def every_kind(bot: RunningBot) -> dict[Kind, Person]:
    """One person of every kind, registered and decided through the bot.

    The bot must ask for buyers' approval, so that there is a pending buyer.
    """
    admin = bot.admin()
    await admin.send("/start")
    unknown = bot.person(3001, "Dewi", "id")
    await unknown.send("/start")
    people = {
        Kind.ADMIN: admin,
        Kind.UNKNOWN: unknown,
        Kind.ARTISAN: await active_artisan(bot, 1001, "Sri Wahyuni"),
        Kind.DEACTIVATED_ARTISAN: await active_artisan(bot, 1002, "Joko Susilo"),
        Kind.PENDING_ARTISAN: await pending_artisan(bot, 1003, "Wati"),
        Kind.REJECTED_ARTISAN: await pending_artisan(bot, 1004, "Tono"),
        Kind.PENDING_BUYER: await waiting_buyer(bot, 2001, "Li Wei"),
        Kind.BUYER: await waiting_buyer(bot, 2002, "Chen Hui"),
        Kind.DEACTIVATED_BUYER: await waiting_buyer(bot, 2003, "Wang Fang"),
        Kind.REJECTED_BUYER: await waiting_buyer(bot, 2004, "Zhao Lei"),
    }
    decisions = {
        Kind.DEACTIVATED_ARTISAN: ["active:deactivated"],
        Kind.REJECTED_ARTISAN: ["pending:rejected"],
        Kind.BUYER: ["pending:active"],
        Kind.DEACTIVATED_BUYER: ["pending:active", "active:deactivated"],
        Kind.REJECTED_BUYER: ["pending:rejected"],
    }
    async with opened(bot) as storage:
        ids = {kind: await member_id(storage, people[kind]) for kind in decisions}
    for kind, steps in decisions.items():
        for step in steps:
            await admin.press(f"mem:set:{ids[kind]}:{step}")
    async with opened(bot) as storage:
        for kind, person in people.items():
            member = await storage.members.by_telegram_id(person.user_id)
            if member is not None:
                assert f"{member.status} {member.role}" == kind.value, kind
    assert set(people) == set(Kind)
    return people


async def test_help_lists_exactly_the_commands_each_kind_of_person_may_use(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(buyer_approval=True)
    people = await every_kind(bot)
    wrong: list[str] = []
    for kind, person in people.items():
        listed = COMMAND_NAME.findall((await person.send("/help"))[-1].plain)
        if listed != allowed(kind):
            wrong.append(f"{kind}: /help lists {listed}, may use {allowed(kind)}")
    assert not wrong, "\n".join(wrong)


async def test_every_command_for_the_kinds_of_person_beyond_the_matrix(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(buyer_approval=True)
    people = await every_kind(bot)
    wrong: list[str] = []
    for kind in set(Kind) - set(KINDS.values()):
        person = people[kind]
        for name in every_command():
            said, cell, changed = await outcome(bot, person, f"/{name}")
            strict = any(phrase in said.lower() for phrase in STRICT)
            if name in allowed(kind):
                if not said or strict:
                    wrong.append(f"{kind} /{name}: expected allowed, got {cell}: {said[:140]!r}")
                await person.send("/cancel")
            elif cell not in (REFUSED, REGISTER) or changed:
                wrong.append(f"{kind} /{name}: expected a refusal, got {cell}: {said[:140]!r}")
    assert not wrong, "\n".join(wrong)


def _commands(handler: BaseHandler[Any, Any, Any]) -> set[str]:
    """The commands a handler starts something with; a flow's steps (/skip) are its own."""
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        return {name for step in inner for name in _commands(step)}
    return set(handler.commands) if isinstance(handler, CommandHandler) else set()


def test_every_command_the_bot_answers_is_in_the_table_help_and_matrix_come_from() -> None:
    answered: set[str] = set()
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        build = getattr(module, "handlers", None)
        if callable(build) and build.__module__ == info.name:
            answered |= {name for made in build() for name in _commands(made)}
    assert answered == set(every_command())


MATRIX_PAGE = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
MATRIX_START, MATRIX_END = "<!-- permission matrix -->\n", "<!-- /permission matrix -->\n"


def page_with_matrix(page: str) -> str:
    """The page with its permission matrix section made from the table."""
    before, rest = page.split(MATRIX_START, 1)
    _, after = rest.split(MATRIX_END, 1)
    return f"{before}{MATRIX_START}{markdown()}{MATRIX_END}{after}"


def test_the_documented_permission_matrix_is_up_to_date() -> None:
    page = MATRIX_PAGE.read_text(encoding="utf-8")
    assert page == page_with_matrix(page), "run python -m tests.test_permissions"


if __name__ == "__main__":
    page = MATRIX_PAGE.read_text(encoding="utf-8")
    MATRIX_PAGE.write_text(page_with_matrix(page), encoding="utf-8")
