"""Charts: the pictures drawn, their series against a real SQLite file, and the flow end to end."""

from __future__ import annotations

import struct
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from matplotlib import font_manager

from bot.charts import (
    FillChart,
    Stack,
    StockChart,
    WeeklyChart,
    date_ticks,
    drawable,
    render_fill,
    render_stock,
    render_weekly,
    sparse_labels,
)
from bot.emulator import Person
from bot.emulator.world import ChatMessage
from bot.fonts import CJK_FAMILY
from bot.i18n import Translator
from handlers.insights.charts import BY_SIZE, BY_VILLAGE, CONTAINER, CONTAINERS, STOCK
from handlers.insights.menu import CHARTS
from storage import Storage
from storage.models.catalogue import DrumModel
from storage.models.members import ArtisanApplication, BuyerApplication, MemberStatus
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, Clock, RunningBot, active_artisan, active_buyer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JAKARTA = timezone(timedelta(hours=7))
# A Monday in Blitar: weeks start at its midnight, 17:00 UTC the day before.
MONDAY = datetime(2025, 6, 2, tzinfo=JAKARTA)
BOUNDS = [MONDAY + timedelta(weeks=week) for week in range(4)]
SMALL = "DJ-S-MAH-GOAT-PLAIN"
MEDIUM = "DJ-M-MAH-GOAT-PLAIN"
LARGE = "DJ-L-MAH-COW-PLAIN"
EN, ID = Translator("en"), Translator("id")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, checking that it is a PNG."""
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def assert_phone_sized(data: bytes) -> None:
    """A PNG wide enough to be sharp on a phone, and not a strip."""
    width, height = png_size(data)
    assert width >= 800
    assert 0.5 <= height / width <= 1.5


# The pictures


def _weekly(stacks: list[Stack], totals: list[str]) -> WeeklyChart:
    labels = [f"{day} Jun" for day in range(1, 13)]
    return WeeklyChart(
        title="Accepted drums per week, by size",
        week_labels=sparse_labels(labels),
        stacks=stacks,
        totals=totals,
        y_label="drums",
        empty_text="No drums were accepted in the last 12 weeks.",
        thousands=".",
    )


def test_weekly_chart_is_a_phone_sized_png() -> None:
    stacks = [
        Stack("small", [120, 300, 0, 1500, 80, 0, 220, 500, 610, 420, 380, 90]),
        Stack("medium", [80, 200, 0, 100, 180, 0, 120, 300, 410, 220, 180, 40]),
        Stack("other villages", [1] * 12, other=True),
    ]
    totals = [str(sum(week)) for week in zip(*(stack.values for stack in stacks), strict=True)]
    assert png_size(render_weekly(_weekly(stacks, totals))) == (1200, 900)


def test_weekly_chart_without_drums_is_drawn_empty() -> None:
    png = render_weekly(_weekly([Stack("small", [0] * 12)], [""] * 12))
    assert_phone_sized(png)
    assert_phone_sized(render_weekly(_weekly([], [""] * 12)))


def test_text_the_font_cannot_draw_or_that_looks_like_math_is_drawn_safely() -> None:
    # Warnings are errors in the tests: a missing glyph or bad math would fail here.
    stacks = [Stack("义乌 $x^$ village", [5] * 12), Stack("$$", [1] * 12)]
    assert_phone_sized(render_weekly(_weekly(stacks, ["6"] * 12)))


def _drawn_quietly(draw: Callable[[], bytes]) -> bytes:
    """Draw, failing on any warning: matplotlib warns of each glyph no font has."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = draw()
    assert not [str(warning.message) for warning in caught if "missing" in str(warning.message)]
    assert [str(warning.message) for warning in caught] == []
    return png


def test_chinese_labels_are_drawn_with_real_glyphs() -> None:
    def weekly(name: str) -> bytes:
        chart = _weekly([Stack(name, [5] * 12)], ["5"] * 12)
        return _drawn_quietly(lambda: render_weekly(chart))

    li, wang, nobody = weekly("李伟"), weekly("王芳"), weekly("")
    # Dropped or drawn as boxes, both names would leave the same picture as no name at all.
    assert li != nobody and wang != nobody and li != wang
    path = font_manager.findfont(
        font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False
    )
    assert font_manager.get_font(path).family_name == CJK_FAMILY


def test_chinese_model_names_and_titles_are_drawn_on_every_chart() -> None:
    def stock(names: list[str]) -> bytes:
        chart = StockChart(
            title="每个款式的库存鼓",
            names=names,
            available=[1200, 40],
            reserved=[300, 0],
            on_hand=["1,500", "40"],
            available_label="可用",
            reserved_label="订单预留",
            x_label="库存鼓数",
            empty_text="没有库存。",
            thousands=",",
        )
        return _drawn_quietly(lambda: render_stock(chart))

    assert stock(["中号 · 桃花心木", "小号 · 芒果木"]) != stock(
        ["大号 · 菠萝蜜木", "小号 · 芒果木"]
    )
    assert_phone_sized(_drawn_quietly(lambda: render_fill(_fill(date(2025, 12, 1), [300]))))


def test_a_chinese_name_with_an_emoji_keeps_its_chinese_in_a_chart() -> None:
    assert drawable("李伟 🪘") == "李伟"
    assert drawable("义乌 Yiwu") == "义乌 Yiwu"
    named = _drawn_quietly(lambda: render_fill(_fill(None, [300], buyer="李伟 😀🪘")))
    unnamed = _drawn_quietly(lambda: render_fill(_fill(None, [300], buyer="🪘")))
    assert png_size(named) == (1200, 900) and named != unnamed


def test_stock_chart_is_a_phone_sized_png_with_or_without_drums() -> None:
    names = ["Medium · mahogany · goatskin · painted motif", "Small · mango · goatskin · plain"]
    chart = StockChart(
        title="Drums in stock per model",
        names=names,
        available=[1200, 0],
        reserved=[300, 40],
        on_hand=["1,500", "40"],
        available_label="available",
        reserved_label="reserved for orders",
        x_label="drums on hand",
        empty_text="There are no drums in stock.",
        thousands=",",
    )
    assert png_size(render_stock(chart)) == (1200, 900)
    empty = StockChart(
        title=chart.title,
        names=[],
        available=[],
        reserved=[],
        on_hand=[],
        available_label=chart.available_label,
        reserved_label=chart.reserved_label,
        x_label=chart.x_label,
        empty_text=chart.empty_text,
        thousands=",",
    )
    assert_phone_sized(render_stock(empty))


def _fill(estimate: date | None, accepted: list[int], buyer: str = "Li Wei") -> FillChart:
    first, last = date(2025, 9, 1), date(2025, 12, 29)
    return FillChart(
        title=f"Container C-000007 · {buyer}",
        weeks=[first + timedelta(weeks=week) for week in range(len(accepted))],
        accepted=accepted,
        accepted_label="accepted per week, its models",
        today=date(2025, 10, 20),
        ready=1400,
        ready_label="ready now: 1,400",
        planned=3000,
        planned_label="in its orders: 3,000",
        capacity=3500,
        capacity_label="capacity: 3,500",
        target=date(2025, 12, 15),
        target_label="target date: 15 Dec",
        estimate=estimate,
        estimate_label="estimated ready: 1 Dec",
        first_day=first,
        last_day=last,
        ticks=[(day, day.isoformat()) for day in date_ticks(first, last)],
        y_label="drums",
        thousands=",",
    )


def test_fill_chart_is_a_phone_sized_png_with_or_without_an_estimate() -> None:
    assert png_size(render_fill(_fill(date(2025, 12, 1), [300, 420, 0, 500]))) == (1200, 900)
    assert_phone_sized(render_fill(_fill(None, [0] * 8)))
    # An estimate far beyond the chart's end is cut off, not drawn out of the picture.
    assert_phone_sized(render_fill(_fill(date(2031, 1, 1), [1])))


def test_sparse_labels_keep_the_latest_week_and_every_other_before_it() -> None:
    assert sparse_labels(["a", "b", "c", "d", "e"]) == ["a", "", "c", "", "e"]
    assert sparse_labels(["a", "b", "c", "d"]) == ["", "b", "", "d"]
    assert sparse_labels([]) == []


def test_date_ticks_spread_from_the_first_day_to_the_last() -> None:
    first = date(2025, 9, 1)
    ticks = date_ticks(first, first + timedelta(days=90))
    assert ticks == [first + timedelta(days=days) for days in (0, 30, 60, 90)]
    assert date_ticks(first, first) == [first]


# The series, against a real SQLite file


async def _artisan(storage: Storage, telegram_id: int, name: str, village: str) -> int:
    await storage.people.seen(telegram_id, name, None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name=name, village=village, workshop=f"Kendang {name}")
    )
    await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    return member.id


async def _buyer(storage: Storage, telegram_id: int = 200, name: str = "Li Wei") -> int:
    await storage.people.seen(telegram_id, name, None, "en")
    member = await storage.members.register_buyer(
        telegram_id,
        BuyerApplication(name=name, company="Yiwu Music Trading", country="China"),
        needs_approval=False,
    )
    return member.id


async def _model(storage: Storage, code: str) -> DrumModel:
    model = await storage.catalogue.get_by_code(code)
    assert model is not None
    return model


async def _accepted(
    storage: Storage, artisan_id: int, model_id: int, quantity: int, accepted: int | None = None
) -> None:
    report, _ = await storage.reports.create(artisan_id, model_id, quantity)
    passed = quantity if accepted is None else accepted
    reason = None if passed == quantity else "cracked head"
    decision = await storage.reports.decide(report.id, passed, reason, by=ADMIN_ANI)
    assert decision is not None and decision.decided


async def _ledger_week(storage: Storage, start: datetime, end: datetime) -> int:
    total = await storage.db.fetch_value(
        "SELECT COALESCE(SUM(on_hand_delta), 0) FROM stock_movements"
        " WHERE kind = 'accepted' AND created_at >= ? AND created_at < ?",
        (
            start.astimezone(UTC).isoformat(timespec="seconds"),
            end.astimezone(UTC).isoformat(timespec="seconds"),
        ),
    )
    return int(total)


async def test_accepted_by_size_counts_each_week_as_the_stock_ledger_does(
    storage: Storage, clock: Clock
) -> None:
    sri = await _artisan(storage, 100, "Sri", "Jiwut")
    small, medium, large = [await _model(storage, code) for code in (SMALL, MEDIUM, LARGE)]
    clock.at(MONDAY - timedelta(seconds=1))  # the Sunday before: outside
    await _accepted(storage, sri, small.id, 7)
    clock.at(MONDAY)  # the first second of the first week
    await _accepted(storage, sri, small.id, 3)
    await _accepted(storage, sri, large.id, 2)
    clock.at(BOUNDS[2] - timedelta(seconds=1))  # the last second of the second week
    await _accepted(storage, sri, medium.id, 5)
    clock.at(BOUNDS[2] + timedelta(days=3))
    await _accepted(storage, sri, small.id, 6, accepted=4)  # part passed the check
    await _accepted(storage, sri, large.id, 9, accepted=0)  # all rejected: no stock
    await storage.reports.create(sri, medium.id, 8)  # still waiting for the check
    clock.at(BOUNDS[3])  # the week after: outside
    await _accepted(storage, sri, small.id, 11)

    drums = await storage.chart_series.accepted_by_size(BOUNDS)

    assert drums.starts == BOUNDS[:-1]
    assert [(group.key, group.drums) for group in drums.groups] == [
        ("small", [3, 0, 4]),
        ("medium", [0, 5, 0]),
        ("large", [2, 0, 0]),
    ]
    assert drums.totals == [
        await _ledger_week(storage, start, end) for start, end in pairwise(BOUNDS)
    ]
    assert drums.total == 14


async def test_accepted_by_village_keeps_the_top_villages_and_sums_the_others(
    storage: Storage, clock: Clock
) -> None:
    small = await _model(storage, SMALL)
    artisans = {
        name: await _artisan(storage, 100 + number, name, village)
        for number, (name, village) in enumerate(
            [
                ("Sri", "Jiwut"),
                ("Budi", "jiwut"),  # typed in another case: the same village
                ("Eko", "Ngoran"),
                ("Tutik", "Jeding"),
                ("Hadi", "Minggirsari"),
                ("Joko", "Kanigoro"),
            ]
        )
    }
    await storage.db.execute_script(
        [f"UPDATE members SET village = NULL WHERE id = {artisans['Joko']}"]
    )
    clock.at(MONDAY + timedelta(hours=9))
    for name, quantity in (("Sri", 10), ("Eko", 12), ("Tutik", 3), ("Joko", 1)):
        await _accepted(storage, artisans[name], small.id, quantity)
    clock.at(BOUNDS[2] + timedelta(hours=9))
    for name, quantity in (("Budi", 5), ("Hadi", 2)):
        await _accepted(storage, artisans[name], small.id, quantity)

    drums = await storage.chart_series.accepted_by_village(BOUNDS, top=2)

    assert [(group.key, group.drums) for group in drums.groups] == [
        ("Jiwut", [10, 0, 5]),
        ("Ngoran", [12, 0, 0]),
        (None, [4, 0, 2]),
    ]
    assert drums.totals == [
        await _ledger_week(storage, start, end) for start, end in pairwise(BOUNDS)
    ]
    everyone = await storage.chart_series.accepted_by_village(BOUNDS, top=10)
    assert [group.key for group in everyone.groups] == [
        "Jiwut",
        "Ngoran",
        "Jeding",
        "Minggirsari",
        None,
    ]
    assert everyone.total == drums.total == 33


async def test_accepted_of_models_counts_only_those_models(storage: Storage, clock: Clock) -> None:
    sri = await _artisan(storage, 100, "Sri", "Jiwut")
    small, medium, large = [await _model(storage, code) for code in (SMALL, MEDIUM, LARGE)]
    clock.at(BOUNDS[1] + timedelta(days=2))
    await _accepted(storage, sri, small.id, 4)
    await _accepted(storage, sri, medium.id, 6)
    await _accepted(storage, sri, large.id, 100)

    chart_series = storage.chart_series
    assert await chart_series.accepted_of_models([small.id, medium.id], BOUNDS) == [0, 10, 0]
    assert await chart_series.accepted_of_models([large.id], BOUNDS[1:3]) == [100]
    assert await chart_series.accepted_of_models([], BOUNDS) == [0, 0, 0]


async def test_periods_need_increasing_aware_bounds(storage: Storage) -> None:
    with pytest.raises(ValueError, match="two bounds"):
        await storage.chart_series.accepted_by_size(BOUNDS[:1])
    with pytest.raises(ValueError, match="increase"):
        await storage.chart_series.accepted_by_size([BOUNDS[1], BOUNDS[0]])
    with pytest.raises(ValueError, match="timezone-aware"):
        await storage.chart_series.accepted_by_size([datetime(2025, 6, 2), datetime(2025, 6, 9)])
    with pytest.raises(ValueError, match="village"):
        await storage.chart_series.accepted_by_village(BOUNDS, top=0)


async def test_stock_by_model_keeps_the_fullest_models_and_sums_the_others(
    storage: Storage,
) -> None:
    sri = await _artisan(storage, 100, "Sri", "Jiwut")
    li = await _buyer(storage)
    small, medium, large = [await _model(storage, code) for code in (SMALL, MEDIUM, LARGE)]
    assert (await storage.chart_series.stock_by_model()).lines == []
    await _accepted(storage, sri, small.id, 10)
    await _accepted(storage, sri, medium.id, 5)
    await _accepted(storage, sri, large.id, 20)
    order, _ = await storage.orders.create(li, small.id, 4)
    await storage.orders.confirm(order.id, by=ADMIN_ANI)

    shares = await storage.chart_series.stock_by_model(top=2)

    assert [(line.model.code, line.on_hand, line.reserved) for line in shares.lines] == [
        (LARGE, 20, 0),
        (SMALL, 10, 4),
    ]
    assert (shares.more_models, shares.more_on_hand, shares.more_reserved) == (1, 5, 0)
    for line in shares.lines:
        assert line == await storage.stock.balance(line.model.id)
    ledger = await storage.db.fetch_one(
        "SELECT SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved FROM stock_movements"
    )
    assert ledger is not None
    assert (shares.on_hand, shares.reserved) == (ledger["on_hand"], ledger["reserved"]) == (35, 4)
    with pytest.raises(ValueError, match="model"):
        await storage.chart_series.stock_by_model(top=0)


# End to end through the bot and the emulator


@asynccontextmanager
async def second_storage(bot: RunningBot) -> AsyncIterator[Storage]:
    """Another connection to the bot's database, as other flows would write through."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        yield storage
    finally:
        await storage.close()


async def _member_id(storage: Storage, person: Person) -> int:
    member = await storage.members.by_telegram_id(person.user_id)
    assert member is not None
    return member.id


async def _trade(bot: RunningBot, artisan: Person, buyer: Person) -> int:
    """Accept 1,200 drums now, confirm two orders and put them in a container; its id."""
    async with second_storage(bot) as storage:
        sri, li = await _member_id(storage, artisan), await _member_id(storage, buyer)
        small, medium, large = [await _model(storage, code) for code in (SMALL, MEDIUM, LARGE)]
        await _accepted(storage, sri, small.id, 500)
        await _accepted(storage, sri, medium.id, 500)
        await _accepted(storage, sri, large.id, 200)
        whole, _ = await storage.orders.create(li, small.id, 300)
        await storage.orders.confirm(whole.id, by=ADMIN_ANI)
        short, _ = await storage.orders.create(li, medium.id, 1000)
        await storage.orders.confirm(short.id, backorder=True, by=ADMIN_ANI)
        target = date.today() + timedelta(days=60)
        container = await storage.containers.create(li, "Shanghai", target, by=ADMIN_ANI)
        for order in (whole, short):
            await storage.containers.add_order(container.id, order.id, by=ADMIN_ANI)
    return container.id


def _photo(bot: RunningBot, message: ChatMessage) -> bytes:
    """The bytes of the largest size of a message's photo, as the emulator keeps them."""
    assert message.photo, f"not a photo: {message.text!r}"
    stored = bot.emulator.find_file(message.photo[-1]["file_id"])
    assert stored is not None
    return stored.data


def _assert_chart(bot: RunningBot, message: ChatMessage) -> None:
    data = _photo(bot, message)
    assert_phone_sized(data)
    assert (message.photo[-1]["width"], message.photo[-1]["height"]) == png_size(data)


async def test_an_admin_gets_each_chart_as_a_picture_in_english(bot: RunningBot) -> None:
    artisan = await active_artisan(bot)
    buyer = await active_buyer(bot)
    container = await _trade(bot, artisan, buyer)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")

    await budi.send("/insights")
    await budi.tap("Charts")
    assert "Which would you like?" in budi.last_text
    await budi.tap("by size")
    by_size = budi.last
    _assert_chart(bot, by_size)
    assert "1,200 in the last 12 weeks" in by_size.text
    assert "small: 500 · medium: 500 · large: 200" in by_size.text

    await budi.tap("Other charts", by_size)
    await budi.tap("by village")
    by_village = budi.last
    _assert_chart(bot, by_village)
    assert "Jiwut: 1,200" in by_village.text

    await budi.tap("Other charts", by_village)
    await budi.tap("Stock per model")
    stock = budi.last
    _assert_chart(bot, stock)
    assert "1,200 on hand: 400 available, 800 reserved." in stock.text

    await budi.tap("Other charts", stock)
    await budi.tap("A container's fill")
    assert "Which container?" in budi.last_text
    await budi.tap(f"C-{container:06d}")
    fill = budi.last
    _assert_chart(bot, fill)
    assert "800 of 1,300 drums ready; capacity 3,500" in fill.text
    # 500 medium drums still to make at the pace of the 500 accepted in the last 4 weeks.
    estimate = EN.date(datetime.now(JAKARTA).date() + timedelta(days=28))
    assert f"Estimated ready: {estimate}" in fill.text

    await budi.tap("Back", fill)
    assert "How the cooperative is doing" in budi.last_text


async def test_charts_in_indonesian_write_numbers_the_indonesian_way(bot: RunningBot) -> None:
    artisan = await active_artisan(bot)
    buyer = await active_buyer(bot)
    container = await _trade(bot, artisan, buyer)
    ani = bot.admin()

    await ani.send("/charts")
    for data in (BY_SIZE, BY_VILLAGE, STOCK):
        await ani.press(data)
        _assert_chart(bot, ani.last)
        assert "1.200" in ani.last.text
        assert "1,200" not in ani.last.text
    await ani.press(CONTAINERS)
    await ani.press(f"{CONTAINER}{container}")
    _assert_chart(bot, ani.last)
    assert "1.300" in ani.last.text and "3.500" in ani.last.text
    assert ID.date(datetime.now(JAKARTA).date() + timedelta(days=28)) in ani.last.text


async def test_without_data_each_chart_says_so_instead(bot: RunningBot) -> None:
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/charts")
    for label, text in (
        ("by size", "No drums were accepted in the last 12 weeks."),
        ("by village", "No drums were accepted in the last 12 weeks."),
        ("Stock per model", "There are no drums in stock."),
        ("A container's fill", "There are no open containers."),
    ):
        await budi.tap(label)
        assert text in budi.last_text
        assert not budi.last.photo
        await budi.tap("Other charts")
    assert not any(message.photo for message in budi.inbox)


async def test_a_container_without_orders_or_no_longer_open_is_not_charted(
    bot: RunningBot,
) -> None:
    buyer = await active_buyer(bot)
    async with second_storage(bot) as storage:
        li = await _member_id(storage, buyer)
        target = date.today() + timedelta(days=30)
        empty = await storage.containers.create(li, "Shanghai", target, by=ADMIN_ANI)
        gone = await storage.containers.create(li, "Ningbo", target, by=ADMIN_ANI)
        await storage.containers.cancel(gone.id, by=ADMIN_ANI)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/charts")
    await budi.tap("A container's fill")
    assert f"C-{gone.id:06d}" not in str(budi.last.labels)
    await budi.tap(f"C-{empty.id:06d}")
    assert f"C-{empty.id:06d} has no orders in it yet" in budi.last_text
    await budi.press(f"{CONTAINER}{gone.id}")
    assert budi.callback_answers[-1]["text"] == f"C-{gone.id:06d} was cancelled."
    await budi.press(f"{CONTAINER}999999")
    assert budi.callback_answers[-1]["text"] == "There is no such container."
    assert not any(message.photo for message in budi.inbox)


async def test_a_member_who_is_not_an_admin_is_refused_every_chart(bot: RunningBot) -> None:
    artisan = await active_artisan(bot)
    buyer = await active_buyer(bot)
    container = await _trade(bot, artisan, buyer)
    refusal = ID._("Sorry, only the cooperative's admins can do that.")

    await artisan.send("/charts")
    assert artisan.last_text == refusal
    for data in (CHARTS, BY_SIZE, BY_VILLAGE, STOCK, CONTAINERS, f"{CONTAINER}{container}"):
        await artisan.press(data)
        assert artisan.callback_answers[-1]["text"] == refusal
    await buyer.press(f"{CONTAINER}{container}", buyer.last)
    assert buyer.callback_answers[-1]["text"] == EN._(
        "Sorry, only the cooperative's admins can do that."
    )
    assert not any(message.photo for message in artisan.inbox + buyer.inbox)
    assert not any(request.method == "sendPhoto" for request in bot.emulator.requests)
