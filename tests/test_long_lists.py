"""Every list screen pages by length: long names, many items, each page within Telegram's limits."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.emulator import Person
from bot.emulator.markup import utf16_length
from bot.emulator.methods import MAX_BUTTONS, MAX_TEXT
from bot.emulator.world import ChatMessage
from bot.i18n import Translator
from handlers.catalogue.drums import model_name
from storage import Storage
from storage.catalogue import ModelExistsError
from storage.models.broadcasts import Audience, BroadcastDraft
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood
from storage.models.members import ArtisanApplication, BuyerApplication, Member, MemberStatus
from tests.conftest import ADMIN_ANI, RunningBot

EN, ID = Translator("en"), Translator("id")
APOLOGIES = ("Sorry, something went wrong", "Maaf, ada yang salah")
# Typed text at its longest, with what HTML escapes and a character of two UTF-16 units.
FILLER = " Wiryo & Sons <Ltd> 🥁 Ngadirejo Kulon Sumberejo Wlingi Blitar Jawa Timur Indonesia"


def long_text(start: str, length: int = 64) -> str:
    """A name, village or destination as long as one may be, told apart by how it starts."""
    return (start + FILLER * (length // len(FILLER) + 1))[:length]


@asynccontextmanager
async def seeding(bot: RunningBot) -> AsyncIterator[Storage]:
    """Another connection to the bot's database, to write many things at once."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def every_model(storage: Storage) -> list[DrumModel]:
    """Fill the catalogue with every model there can be (54)."""
    for size, wood, head, finish in itertools.product(DrumSize, Wood, DrumHead, Finish):
        with suppress(ModelExistsError):
            await storage.catalogue.add(
                size, wood, head, finish, 99_999_998, 99_999_999, by=ADMIN_ANI
            )
    return await storage.catalogue.list_active()


async def buyer(storage: Storage, telegram_id: int, start: str, *, active: bool = True) -> Member:
    """A buyer with a long name and company."""
    await storage.people.seen(telegram_id, start, None, "en")
    application = BuyerApplication(
        name=long_text(start), company=long_text("Company"), country="China"
    )
    return await storage.members.register_buyer(telegram_id, application, needs_approval=not active)


async def artisan(storage: Storage, telegram_id: int, start: str, *, active: bool = True) -> Member:
    """An artisan with a long name, village and workshop."""
    await storage.people.seen(telegram_id, start, None, "id")
    application = ArtisanApplication(
        name=long_text(start), village=long_text(f"Desa {start}"), workshop=long_text("Bengkel")
    )
    member = await storage.members.register_artisan(telegram_id, application)
    if active:
        change = await storage.members.change_status(
            member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
        )
        assert change is not None and change.changed
    return member


def today() -> date:
    """Today where the cooperative is (the tests run with the default Asia/Jakarta)."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def within_limits(message: ChatMessage) -> None:
    """The message is as Telegram would take it: text and buttons under their limits."""
    assert utf16_length(message.plain) <= MAX_TEXT, utf16_length(message.plain)
    assert sum(len(row) for row in message.buttons) <= MAX_BUTTONS


async def pages(person: Person, forward: str) -> list[ChatMessage]:
    """Every page of the list on screen, turned with the button whose label has `forward`."""
    shown = [person.last]
    while (data := shown[-1].button_data(forward)) is not None:
        await person.press(data, shown[-1])
        assert person.last.message_id == shown[0].message_id, "a page is an edit in place"
        shown.append(person.last)
        assert len(shown) < 100, "the pages go round in a circle"
    for page in shown:
        within_limits(page)
    return shown


def everything(shown: list[ChatMessage]) -> str:
    """The text and button labels of pages, to look for the items in."""
    return "\n".join(f"{page.plain}\n{' | '.join(page.labels)}" for page in shown)


def assert_no_failure(bot: RunningBot, *people: Person) -> None:
    """Nobody was told something went wrong, and the bot kept to the Bot API."""
    for person in people:
        for message in person.inbox:
            assert not any(apology in message.plain for apology in APOLOGIES), message.plain
            within_limits(message)
    assert bot.emulator.violations == []


async def test_thirty_containers_with_long_names_page_and_each_one_is_reachable(
    bot: RunningBot,
) -> None:
    ani, li = bot.admin(), bot.person(2001, "Li", "en")
    async with seeding(bot) as storage:
        models = await every_model(storage)
        owner = await buyer(storage, li.user_id, "Li Wei")
        full = await storage.containers.create(
            owner.id, long_text("Port"), today() + timedelta(days=20), by=ADMIN_ANI
        )
        containers = [full.reference]
        for number in range(29):
            container = await storage.containers.create(
                owner.id,
                long_text(f"Port {number:02d}"),
                today() + timedelta(days=30 + number),
                by=ADMIN_ANI,
            )
            containers.append(container.reference)
        await storage.stock.correct(models[0].id, 1000, "seed", by=ADMIN_ANI)
        for number in range(80):
            order, _ = await storage.orders.create(owner.id, models[0].id, 2)
            await storage.orders.confirm(order.id, by=ADMIN_ANI)
            if number < 40:
                await storage.containers.add_order(full.id, order.id, by=ADMIN_ANI)

    await ani.send("/containers")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(reference in listed for reference in containers)

    await ani.press(f"box:see:{full.id}")
    within_limits(ani.last)
    assert "… dan 10 lagi" in ani.last_text
    await ani.tap("Tambah pesanan")
    within_limits(ani.last)
    assert "… dan 10 lagi" in ani.last_text

    await li.send("/containers")
    listed = everything(await pages(li, "Next"))
    assert all(reference in listed for reference in containers)
    assert_no_failure(bot, ani, li)


async def test_a_hundred_and_more_orders_page_for_admins_buyer_and_artisans(
    bot: RunningBot,
) -> None:
    ani, li, sri = bot.admin(), bot.person(2001, "Li", "en"), bot.person(1001, "Sri")
    async with seeding(bot) as storage:
        models = await every_model(storage)
        owner = await buyer(storage, li.user_id, "Li Wei")
        await artisan(storage, sri.user_id, "Sri Wahyuni")
        soon, later = [
            await storage.containers.create(
                owner.id, long_text("Port"), today() + timedelta(days=days), by=ADMIN_ANI
            )
            for days in (40, 100)
        ]
        backordered = []
        for container, model in itertools.product((soon, later), models):
            order, _ = await storage.orders.create(owner.id, model.id, 7)
            await storage.orders.confirm(order.id, backorder=True, by=ADMIN_ANI)
            await storage.containers.add_order(container.id, order.id, by=ADMIN_ANI)
            backordered.append(order.reference)
        requested = []
        for model in models + models[:10]:
            order, _ = await storage.orders.create(owner.id, model.id, 3)
            requested.append(order.reference)

    await ani.send("/orders")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(reference in listed for reference in requested)
    await ani.tap("Pesanan berjalan")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(reference in listed for reference in backordered)

    await li.send("/orders")
    listed = everything(await pages(li, "Older"))
    assert all(reference in listed for reference in backordered + requested)

    for person in (sri, ani):
        await person.send("/needed")
        board = await pages(person, "Berikutnya")
        assert len(board) > 1
        listed = everything(board)
        assert all(model_name(ID, model) in listed for model in models)
        assert sum(page.plain.count("\n• ") for page in board) == 2 * len(models)
    assert_no_failure(bot, ani, li, sri)


async def test_many_reports_with_long_reasons_page_for_the_artisan_and_the_check(
    bot: RunningBot,
) -> None:
    ani, sri = bot.admin(), bot.person(1001, "Sri")
    reason = long_text("Kulit kendang sobek di tepi", 200)
    async with seeding(bot) as storage:
        models = await every_model(storage)
        member = await artisan(storage, sri.user_id, "Sri Wahyuni")
        waiting, references = [], []
        for number, model in enumerate(models + models[:16]):
            report, _ = await storage.reports.create(member.id, model.id, 9)
            references.append(report.reference)
            if number % 3 == 0:
                waiting.append(report.reference)
            else:
                accepted = 0 if number % 3 == 1 else 4
                await storage.reports.decide(report.id, accepted, reason, by=ADMIN_ANI)

    await sri.send("/reports")
    listed = everything(await pages(sri, "Lebih lama"))
    assert all(reference in listed for reference in references)

    await ani.send("/review")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(reference in listed for reference in waiting)
    assert_no_failure(bot, ani, sri)


async def test_the_whole_catalogue_in_stock_and_watched_pages_for_admins_and_buyers(
    bot: RunningBot,
) -> None:
    ani, li = bot.admin(), bot.person(2001, "Li", "en")
    async with seeding(bot) as storage:
        models = await every_model(storage)
        owner = await buyer(storage, li.user_id, "Li Wei")
        for model in models:
            await storage.stock.correct(model.id, 9_999_999, "seed", by=ADMIN_ANI)
            await storage.watches.watch(owner.id, model.id, 9_999_999)

    await ani.send("/catalogue")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(model_name(ID, model) in listed for model in models)
    await ani.send("/stock")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(model_name(ID, model) in listed for model in models)

    await li.send("/available")
    listed = everything(await pages(li, "Next"))
    assert all(model_name(EN, model) in listed for model in models)
    await li.send("/watching")
    watched = await pages(li, "Next")
    assert len(watched) > 1
    assert all(model_name(EN, model) in everything(watched) for model in models)
    assert_no_failure(bot, ani, li)


async def test_many_members_with_long_names_and_many_announcements_stay_within_limits(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    async with seeding(bot) as storage:
        artisans = [await artisan(storage, 1000 + n, f"Perajin {n:02d}") for n in range(45)]
        for n in range(35):
            await artisan(storage, 3000 + n, f"Calon {n:02d}", active=False)
        buyers = [await buyer(storage, 2000 + n, f"Buyer {n:02d}") for n in range(30)]
        village = long_text("Desa Perajin 00")
        for n in range(12):
            draft = BroadcastDraft(
                audience=Audience.VILLAGE, village=village, locale="id", text=long_text("&<", 900)
            )
            send_at = datetime.now(UTC) + timedelta(days=30 + n)
            await storage.broadcasts.create(draft, by=ADMIN_ANI, send_at=send_at)

    names = [member.name[:12] for member in artisans]
    for opening in ("/pay", "/artisans", "stm:list:0", "mem:list:artisan:active:0"):
        await (ani.send(opening) if opening.startswith("/") else ani.press(opening))
        listed = everything(await pages(ani, "Berikutnya"))
        assert all(name in listed for name in names)
    await ani.press("box:new")
    listed = everything(await pages(ani, "Berikutnya"))
    assert all(member.name[:9] in listed for member in buyers)
    await ani.send("/cancel")

    await ani.send("/pending")
    await ani.send("/summary")
    within_limits(ani.last)
    await ani.press("bc:list")
    within_limits(ani.last)
    assert "B-000012" in ani.last_text
    assert_no_failure(bot, ani)
