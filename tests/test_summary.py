"""The admins' summary: its sums against the ledgers, and the message end to end."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import Person
from bot.periods import Period, this_month, this_week
from storage import Storage
from storage import reports as reports_module
from storage.catalogue import ModelExistsError
from storage.clock import utc_now
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from storage.models.orders import OrderOutcome
from storage.summary import TOP
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer

JAKARTA = ZoneInfo("Asia/Jakarta")
SMALL = "DJ-S-MAH-GOAT-PLAIN"
MEDIUM = "DJ-M-MAH-GOAT-PLAIN"
MEDIUM_PAINTED = "DJ-M-MAH-GOAT-PAINT"
LARGE = "DJ-L-MAH-GOAT-PLAIN"
SMALL_EN = "Small · mahogany · goatskin · plain"
SUMMARY = "ins:summary"
TELEGRAM_LIMIT = 4096


@asynccontextmanager
async def second_storage(bot: RunningBot) -> AsyncIterator[Storage]:
    """Another connection to the bot's database, as other flows would write through."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


def now_period() -> Period:
    """This month in the cooperative's time zone: every report made now falls in it."""
    return this_month(utc_now(), JAKARTA)


async def artisan(storage: Storage, telegram_id: int, name: str, village: str) -> int:
    """An approved artisan's member id."""
    await storage.people.seen(telegram_id, name, None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name=name, village=village, workshop=f"Kendang {name}")
    )
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    return member.id


async def buyer(storage: Storage, telegram_id: int, name: str = "Li Wei") -> int:
    """An active buyer's member id."""
    await storage.people.seen(telegram_id, name, None, "en")
    member = await storage.members.register_buyer(
        telegram_id,
        BuyerApplication(name=name, company=f"{name} Trading", country="China"),
        needs_approval=False,
    )
    return member.id


async def model(storage: Storage, code: str) -> DrumModel:
    """A seeded model by its code."""
    found = await storage.catalogue.get_by_code(code)
    assert found is not None
    return found


async def report(
    storage: Storage,
    artisan_id: int,
    code: str,
    quantity: int,
    accept: int | None = None,
    reason: str | None = None,
) -> int:
    """Report drums and, unless accept is None, decide them; return the report's id."""
    made, _ = await storage.reports.create(artisan_id, (await model(storage, code)).id, quantity)
    if accept is not None:
        decision = await storage.reports.decide(made.id, accept, reason, by=ADMIN_ANI)
        assert decision is not None and decision.decided
    return made.id


async def value(storage: Storage, sql: str) -> int:
    """One number read straight from the database."""
    return int(await storage.db.fetch_value(sql))


# Storage: the sums equal what the reports and ledgers hold


async def test_an_empty_cooperative_sums_to_nothing(storage: Storage) -> None:
    period = now_period()
    figures = await storage.summary.period(period.start, period.end)
    assert (figures.reported, figures.accepted, figures.rejected, figures.pending) == (0, 0, 0, 0)
    assert (figures.reasons, figures.villages, figures.models) == ([], [], [])
    assert (figures.more_reasons, figures.more_villages, figures.more_models) == (0, 0, 0)
    stock = await storage.summary.stock()
    assert (stock.on_hand, stock.reserved, stock.available) == (0, 0, 0)
    orders = await storage.summary.orders()
    assert orders.model_dump() == dict.fromkeys(orders.model_dump(), 0)
    containers = await storage.summary.open_containers()
    assert (containers.first, containers.count, containers.ready, containers.planned) == (
        [],
        0,
        0,
        0,
    )
    owed = await storage.summary.owed()
    assert (owed.owed, owed.artisans) == (0, 0)


async def test_a_periods_drums_add_up_by_village_model_and_reason(storage: Storage) -> None:
    sri = await artisan(storage, 100, "Sri", "Jiwut")
    budi = await artisan(storage, 101, "Budi", "Ngoran")
    tutik = await artisan(storage, 102, "Tutik", "jiwut")  # typed in another case
    await report(storage, sri, SMALL, 10, 10)
    await report(storage, sri, SMALL, 5, 0, "kayu <basah>")
    await report(storage, sri, MEDIUM, 8, 6, "cracked_wood")
    await report(storage, sri, MEDIUM_PAINTED, 4)
    cancelled = await report(storage, sri, SMALL, 3)
    await storage.reports.cancel(cancelled, sri)
    await report(storage, budi, LARGE, 7, 0, "cracked_wood")
    await report(storage, budi, SMALL, 2, 1, "no_reason")
    await report(storage, tutik, SMALL, 1, 1)

    period = now_period()
    figures = await storage.summary.period(period.start, period.end)
    assert (figures.reported, figures.accepted, figures.rejected, figures.pending) == (
        37,
        18,
        15,
        4,
    )
    own = [
        await storage.figures.production(a, period.start, period.end) for a in (sri, budi, tutik)
    ]
    assert figures.reported == sum(f.reported for f in own)
    assert figures.accepted == sum(f.accepted for f in own)
    assert figures.rejected == sum(f.rejected for f in own)
    assert figures.pending == sum(f.pending for f in own)
    # Every accepted drum came on hand through the stock ledger, and was credited.
    assert figures.accepted == await value(
        storage, "SELECT SUM(on_hand_delta) FROM stock_movements WHERE kind = 'accepted'"
    )
    assert [(r.reason, r.drums) for r in figures.reasons] == [
        ("cracked_wood", 9),
        ("kayu <basah>", 5),
        ("no_reason", 1),
    ]
    assert sum(r.drums for r in figures.reasons) == figures.rejected
    assert [(v.village, v.reported, v.accepted, v.rejected) for v in figures.villages] == [
        ("Jiwut", 28, 17, 7),
        ("Ngoran", 9, 1, 8),
    ]
    assert [(m.model.code, m.reported, m.accepted, m.rejected) for m in figures.models] == [
        (SMALL, 18, 12, 6),
        (MEDIUM, 8, 6, 2),
        (LARGE, 7, 0, 7),
    ]
    assert (figures.more_reasons, figures.more_villages, figures.more_models) == (0, 0, 1)

    few = await storage.summary.period(period.start, period.end, top=1)
    assert [r.reason for r in few.reasons] == ["cracked_wood"]
    assert [v.village for v in few.villages] == ["Jiwut"]
    assert [m.model.code for m in few.models] == [SMALL]
    assert (few.more_reasons, few.more_villages, few.more_models) == (2, 1, 3)
    assert (few.reported, few.accepted, few.rejected, few.pending) == (37, 18, 15, 4)


async def test_a_period_counts_reports_by_the_day_they_were_reported_in_jakarta(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sri = await artisan(storage, 100, "Sri", "Jiwut")

    def reported_at(moment: datetime) -> None:
        text = moment.astimezone(UTC).isoformat(timespec="seconds")
        monkeypatch.setattr(reports_module, "now_text", lambda: text)

    # 31 October 23:30 and 1 November 06:00 in Jakarta: both still 31 October in UTC.
    reported_at(datetime(2024, 10, 31, 23, 30, tzinfo=JAKARTA))
    await report(storage, sri, SMALL, 3, 3)
    reported_at(datetime(2024, 11, 1, 6, 0, tzinfo=JAKARTA))
    await report(storage, sri, SMALL, 5, 4, "loose_skin")
    october = this_month(datetime(2024, 10, 15, tzinfo=JAKARTA), JAKARTA)
    november = this_month(datetime(2024, 11, 15, tzinfo=JAKARTA), JAKARTA)
    week = this_week(datetime(2024, 11, 1, tzinfo=JAKARTA), JAKARTA)  # 28 Oct - 3 Nov

    in_october = await storage.summary.period(october.start, october.end)
    in_november = await storage.summary.period(november.start, november.end)
    in_week = await storage.summary.period(week.start, week.end)
    assert (in_october.reported, in_october.accepted, in_october.reasons) == (3, 3, [])
    assert (in_november.reported, in_november.accepted, in_november.rejected) == (5, 4, 1)
    assert [r.reason for r in in_november.reasons] == ["loose_skin"]
    assert (in_week.reported, in_week.accepted, in_week.rejected) == (8, 7, 1)


async def test_stock_orders_containers_and_money_owed_equal_the_ledgers(storage: Storage) -> None:
    sri = await artisan(storage, 100, "Sri", "Jiwut")
    budi = await artisan(storage, 101, "Budi", "Ngoran")
    await artisan(storage, 102, "Tutik", "Jeding")  # made nothing: owed nothing
    await report(storage, sri, SMALL, 10, 10)
    await report(storage, budi, MEDIUM, 6, 6)
    li = await buyer(storage, 200)
    small, medium = await model(storage, SMALL), await model(storage, MEDIUM)

    async def order(model_id: int, quantity: int, *, backorder: bool = False) -> int:
        made, _ = await storage.orders.create(li, model_id, quantity)
        change = await storage.orders.confirm(made.id, backorder=backorder, by=ADMIN_ANI)
        assert change.outcome is OrderOutcome.DONE
        return made.id

    await order(small.id, 4)
    in_container = await order(small.id, 20, backorder=True)  # 6 reserved, 14 to make
    await order(medium.id, 2)
    await storage.orders.create(li, medium.id, 3)  # waiting for a decision
    declined, _ = await storage.orders.create(li, medium.id, 9)
    await storage.orders.decline(declined.id, by=ADMIN_ANI)
    cancelled = await order(medium.id, 1)
    await storage.orders.cancel(cancelled, buyer_id=None, by=ADMIN_ANI)
    soon = await storage.containers.create(li, "Shanghai", date(2030, 1, 10), by=ADMIN_ANI)
    later = await storage.containers.create(li, "Yiwu", date(2030, 3, 1), by=ADMIN_ANI)
    gone = await storage.containers.create(li, "Ningbo", date(2029, 1, 1), by=ADMIN_ANI)
    await storage.containers.cancel(gone.id, by=ADMIN_ANI)
    added = await storage.containers.add_order(soon.id, in_container, by=ADMIN_ANI)
    assert added.outcome is OrderOutcome.DONE
    await storage.earnings.record_payment(budi, 500_000, date(2030, 1, 2), by=ADMIN_ANI)

    stock = await storage.summary.stock()
    assert (stock.on_hand, stock.reserved, stock.available) == (16, 12, 4)
    assert stock.on_hand == await value(storage, "SELECT SUM(on_hand_delta) FROM stock_movements")
    assert stock.reserved == await value(storage, "SELECT SUM(reserved_delta) FROM stock_movements")
    assert stock.available == sum(b.available for b in await storage.stock.balances())

    orders = await storage.summary.orders()
    assert (orders.requested, orders.requested_drums) == (1, 3)
    assert (orders.open, orders.open_drums) == (3, 26)
    assert (orders.backorders, orders.backordered_drums) == (1, 14)
    backorders = await storage.orders.backorders()
    assert orders.backorders == len(backorders)
    assert orders.backordered_drums == sum(b.outstanding for b in backorders)
    assert orders.open == len(await storage.orders.open_orders(limit=100))
    assert orders.requested == await storage.orders.requested_count()

    containers = await storage.summary.open_containers()
    assert containers.count == 2
    assert [(c.container.id, c.ready, c.planned) for c in containers.first] == [
        (soon.id, 6, 20),
        (later.id, 0, 0),
    ]
    progress = await storage.containers.progress(soon.id, utc_now())
    assert progress is not None
    assert (containers.ready, containers.planned) == (progress.ready, progress.planned)
    assert containers.first[0].buyer_name == "Li Wei"
    first = await storage.summary.open_containers(top=1)
    assert ([c.container.id for c in first.first], first.count) == ([soon.id], 2)
    assert (first.ready, first.planned) == (6, 20)

    owed = await storage.summary.owed()
    earned = 10 * small.artisan_rate + 6 * medium.artisan_rate
    assert owed.owed == earned - 500_000
    assert owed.owed == await value(storage, "SELECT SUM(amount) FROM earnings_entries")
    assert owed.artisans == 2


# End to end: the message an admin reads


async def decided(
    bot: RunningBot, person: Person, code: str, quantity: int, accept: int | None, reason: str = ""
) -> None:
    """Have an artisan's drums reported (and decided unless accept is None) through storage."""
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(person.user_id)
        assert member is not None
        await report(storage, member.id, code, quantity, accept, reason or None)


async def test_an_english_admin_reads_the_summary_refreshes_it_and_goes_back(
    bot: RunningBot,
) -> None:
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    sri = await active_artisan(bot)
    await decided(bot, sri, SMALL, 12, 10, "cracked_wood")
    await decided(bot, sri, MEDIUM, 5, None)
    li = await active_buyer(bot)
    async with second_storage(bot) as storage:
        member = await storage.members.by_telegram_id(li.user_id)
        assert member is not None
        made, _ = await storage.orders.create(member.id, (await model(storage, SMALL)).id, 4)
        await storage.orders.confirm(made.id, by=ADMIN_ANI)
        box = await storage.containers.create(
            member.id, "Shanghai <CN>", date(2030, 1, 10), by=ADMIN_ANI
        )
        await storage.containers.add_order(box.id, made.id, by=ADMIN_ANI)

    await budi.send("/insights")
    replies = await budi.tap("Summary")
    text = replies[-1].plain
    assert "📋 Summary" in text
    assert "This week" in text and "This month" in text
    assert text.count("🪘 Reported: 17 · accepted: 10 · rejected: 2 · waiting: 5") == 2
    assert text.count("❌ Why rejected: cracked wood: 2") == 2
    assert text.count("• Jiwut: 17 reported, 10 accepted, 2 rejected") == 2
    assert text.count(f"• {SMALL_EN}: 12 reported, 10 accepted, 2 rejected") == 2
    assert "📦 Stock: 10 on hand · 4 reserved · 6 available" in text
    assert "Waiting for a decision: 0 orders (0 drums)" in text
    assert "Open: 1 order (4 drums)" in text
    assert "Backorders: 0 orders (0 drums) still to make" in text
    assert "🚢 Open containers: 1 (4 of 4 drums ready)" in text
    assert "Li Wei · Shanghai <CN>: 4 of 4 ready, capacity 3,500 · by January 10, 2030" in text
    assert "💰 Owed to artisans: IDR1,200,000 (to 1 artisan)" in text
    assert replies[-1].labels == ["🔄 Refresh", "⬅️ Back"]
    summary_id = replies[-1].message_id

    await decided(bot, sri, LARGE, 1234, 1234)
    replies = await budi.tap("Refresh")
    text = replies[-1].plain
    assert text.count("🪘 Reported: 1,251 · accepted: 1,244 · rejected: 2 · waiting: 5") == 2
    assert "📦 Stock: 1,244 on hand · 4 reserved · 1,240 available" in text
    large_rate = 300_000
    assert f"Owed to artisans: IDR{1_200_000 + 1234 * large_rate:,} (to 1 artisan)" in text
    assert replies[-1].message_id == summary_id, "the summary is refreshed in place"

    replies = await budi.tap("Back")
    assert "How the cooperative is doing" in replies[-1].plain


async def test_an_indonesian_admin_reads_numbers_and_rupiah_the_indonesian_way(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    sri = await active_artisan(bot)
    budi = await active_artisan(bot, 1002, "Budi Santoso", "Ngoran")
    await decided(bot, sri, SMALL, 1234, 1234)
    await decided(bot, budi, SMALL, 10, 0, "tali kendor")
    replies = await ani.send("/summary")
    text = replies[-1].plain
    assert "Rp148.080.000" in text  # owed to Sri: 1,234 drums at Rp120,000
    # Reported in all and of the model, this week and this month.
    assert text.count("1.244") == 4
    assert "1.234" in text  # accepted, and on hand
    assert "1,244" not in text and "1,234" not in text
    assert text.count("tali kendor") == 2
    assert text.count("Jiwut") == 2 and text.count("Ngoran") == 2
    assert len(replies[-1].labels) == 2


async def test_non_admins_are_refused_and_shown_nothing(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await decided(bot, sri, SMALL, 7, 7)
    replies = await sri.send("/summary")
    assert len(replies) == 1
    assert "hanya admin koperasi" in replies[0].plain
    assert "Rp" not in replies[0].plain and replies[0].labels == []
    before = len(sri.inbox)
    await sri.press(SUMMARY, sri.last)
    assert "hanya admin koperasi" in sri.callback_answers[-1]["text"]
    assert len(sri.inbox) == before
    li = await active_buyer(bot)
    replies = await li.send("/summary")
    assert [r.plain for r in replies] == ["Sorry, only the cooperative's admins can do that."]


async def test_the_summary_stays_one_message_with_500_artisans_and_50_models(
    bot: RunningBot,
) -> None:
    long = "Panjang" * 9
    async with second_storage(bot) as storage:
        seeded = {m.code for m in await storage.catalogue.all_models()}
        for size, wood, head, finish in product(DrumSize, Wood, DrumHead, Finish):
            if len(await storage.catalogue.all_models()) == 50:
                break
            try:
                await storage.catalogue.add(size, wood, head, finish, 100_000, 200_000, by=1)
            except ModelExistsError:
                continue
        models = await storage.catalogue.all_models()
        assert len(models) == 50 and seeded < {m.code for m in models}
        for index in range(500):
            village = f"{index:03d} {long}"[:64]
            member = await artisan(storage, 10_000 + index, f"{long} {index}"[:64], village)
            made, _ = await storage.reports.create(member, models[index % 50].id, 1 + index)
            reason = f"{index:03d} {'kayu retak dan kulit kendor ' * 8}"[:200]
            await storage.reports.decide(made.id, index // 2, reason, by=ADMIN_ANI)
        for index in range(12):
            buyer_id = await buyer(storage, 20_000 + index, f"{long} {index}"[:64])
            target = date(2030, 1, 1) + timedelta(days=index)
            await storage.containers.create(buyer_id, f"{long}{index}"[:64], target, by=ADMIN_ANI)

    for admin in (bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")):
        replies = await admin.send("/summary")
        text = replies[-1].plain
        # Telegram counts UTF-16 code units of the text after HTML parsing.
        assert 2000 < len(text.encode("utf-16-le")) // 2 < TELEGRAM_LIMIT, len(text)
        # The top villages and models of the week and the month, and the first containers.
        assert len(re.findall(r"^• ", text, flags=re.MULTILINE)) == 4 * TOP + TOP
    assert text.count("…and 497 more villages") == 2
    assert text.count("…and 47 more models") == 2
    assert text.count("…and 497 more reasons") == 2
    assert "…and 9 more containers" in text
    assert "🚢 Open containers: 12 (0 of 0 drums ready)" in text
    assert "(to 498 artisans)" in text
