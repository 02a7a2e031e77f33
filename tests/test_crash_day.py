"""kill -9 at random moments of a scripted day leaves what the same day without kills leaves.

The day (tests/crash_day.py, about 80 updates) is played in five phases, and in each several
people act at once, each person's steps in order, against an emulator with a round trip on
every request, so that their updates are in flight together (a person acts again as soon as
their previous update is saved, before it is confirmed): three artisans fill in reports side
by side (sent in a fixed order, for fixed references) while the admin and the buyers open the
bot; the admin accepts one report whole, 4 of 6 drums of another, rejects a third with a typed
reason and accepts the fourth, while a buyer orders; the admin confirms that order from stock
and another buyer's with a backorder while an artisan reports again; the admin accepts that
report, which fills the backorder, and pays an artisan; the admin announces a meeting to
every member (35 people). Others look at their orders, reports and the stock meanwhile. Each
round kills the bot process three times at seeded moments, restarting it at once: a random
time into a phase, or while a chosen Bot API call (sendMessage, editMessageText,
answerCallbackQuery) made from a random time into a phase is held in flight, so that the kill
lands mid-update after its writes, or mid-announcement.

Compared with the day without kills, without timestamps, must be equal: reports, stock
balances and movements, earnings entries and balances, orders, the announcement and its
deliveries (one 'sent' each), members and conversation states. Also: every update was
confirmed and every step got its answer; every message text someone received without kills
they received at least as often with kills (counted per person: between people the order
varies; a notification sent just before a kill may come twice), and the admin's progress
message ends showing the announcement done whatever it showed on the way; everyone got the
announcement, and the repeated copies number at most the kills (only a copy in flight may
repeat); PRAGMA integrity_check is ok; the bot kept to the Bot API, logged no traceback and
stopped cleanly on SIGTERM.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.conftest import ADMIN_ANI
from tests.crash_day import (
    ANSWER_SECONDS,
    BROADCAST_RATE,
    HOLD_SECONDS,
    MEDIUM,
    SMALL,
    Day,
    DayRun,
    accept_all,
    add_members,
    day_emulator,
    decide_order,
    notice_with,
    open_report_card,
    order,
    pay,
    plan_kills,
    play_day,
    problems,
    reference_run,
    report,
)
from tests.test_durability import BotProcess
from tests.test_stock_admin import SMALL_PLAIN_ID, correct

SEEDS = range(1, 7)
KILLS_PER_DAY = 3
# The day starts with six people acting at once.
MIN_SERVED_AT_ONCE = 6
SRI, JOKO, LI, TANAKA = 1101, 1102, 2101, 2102

_reference: list[DayRun] = []


async def reference_day(tmp_path_factory: pytest.TempPathFactory) -> DayRun:
    """The day without kills, played once for all the rounds."""
    if not _reference:
        _reference.append(await reference_run(tmp_path_factory.mktemp("reference")))
    return _reference[0]


@pytest.mark.parametrize("seed", SEEDS)
async def test_kill_9_at_random_moments_of_a_day_leaves_what_the_day_without_kills_does(
    seed: int, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    reference = await reference_day(tmp_path_factory)
    assert reference.integrity == "ok" and reference.violations == []
    assert reference.progress_finished
    # People were served side by side: several waited for their answers at once.
    assert reference.most_served >= MIN_SERVED_AT_ONCE
    kills = plan_kills(random.Random(seed), reference.phase_seconds, KILLS_PER_DAY)
    async with day_emulator() as emulator:
        crashed = await play_day(emulator, tmp_path, kills)
    assert crashed.kills, "no kill landed"
    assert problems(reference, crashed) == [], crashed.kills


# -- the bugs the day found: an update redelivered after its writes were saved --------------


@pytest.fixture
async def day(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Day]:
    """The day's people and the bot process serving them, the admin's chat open."""
    process = BotProcess(emulator, tmp_path, {"KENDANG_BROADCAST_RATE": BROADCAST_RATE})
    await add_members(process.db_path)
    await process.start()
    running = Day(emulator, process)
    await running.ani.send("/start")
    yield running
    running.close()
    if process.process is not None and process.process.returncode is None:
        await process.kill()
    assert emulator.violations == []


async def kill_while_in_flight(
    day: Day,
    method: str,
    push: Callable[[], int],
    chat_id: int | None = None,
    settled: Callable[[], bool] | None = None,
) -> None:
    """Make an update; kill -9 the bot while its `method` call (to `chat_id`) is in flight.

    `settled`, when given, is waited for too: what else the update sends must be done (a
    message in flight at the kill may arrive twice, by design).
    """
    emulator = day.emulator
    emulator.inject(method, "delay", delay=HOLD_SECONDS, count=1, chat_id=chat_id)
    mark = len(emulator.requests)
    update_id = push()

    def held() -> bool:
        return any(
            r.method == method and chat_id in (None, r.params.get("chat_id"))
            for r in emulator.requests[mark:]
        )

    await emulator.wait_until(held, ANSWER_SECONDS)
    if settled is not None:
        await emulator.wait_until(settled, ANSWER_SECONDS)
    await day.process.kill()
    emulator.clear_faults()
    await day.process.start()
    await emulator.wait_confirmed(update_id, ANSWER_SECONDS)


def told(day: Day, user_id: int, words: str) -> int:
    """How many of the bot's messages to a person contain `words`."""
    return sum(words in message.plain for message in day.emulator.messages(user_id))


async def test_a_decision_delivered_again_after_kill_9_is_made_once_and_the_artisan_told(
    day: Day,
) -> None:
    await report(SRI, MEDIUM, 10, "R-000001").act(day)
    card = await open_report_card(day, 1)
    # The decision is saved; the bot dies as it starts to answer the tap.
    await kill_while_in_flight(
        day,
        "answerCallbackQuery",
        lambda: day.emulator.press_button(ADMIN_ANI, card.message_id, "qc:all:1"),
    )
    assert day.query("SELECT status, accepted_quantity FROM reports") == [("accepted", 10)]
    assert day.query("SELECT COUNT(*) FROM stock_movements WHERE report_id = 1") == [(1,)]
    assert day.query("SELECT COUNT(*) FROM earnings_entries WHERE report_id = 1") == [(1,)]
    assert told(day, SRI, "Laporan R-000001 lolos cek kualitas") == 1
    refreshed = day.emulator.private_chat(ADMIN_ANI).messages[card.message_id]
    assert "Diputuskan oleh Ani" in refreshed.plain and refreshed.buttons == ()


async def test_an_order_decision_delivered_again_after_kill_9_tells_the_buyer_once(
    day: Day,
) -> None:
    await report(SRI, MEDIUM, 10, "R-000001").act(day)
    await accept_all(1).act(day)
    await order(LI, MEDIUM, 8, "O-000001").act(day)
    card = await notice_with(day, "O-000001", "ordadm:ok:1")
    await kill_while_in_flight(
        day,
        "answerCallbackQuery",
        lambda: day.emulator.press_button(ADMIN_ANI, card.message_id, "ordadm:ok:1"),
    )
    assert day.query("SELECT status, confirmed, reserved FROM orders") == [("confirmed", 8, 8)]
    assert day.query("SELECT COUNT(*) FROM stock_movements WHERE order_id = 1") == [(1,)]
    assert told(day, LI, "Your order O-000001 is confirmed") == 1


async def test_a_payment_delivered_again_after_kill_9_is_recorded_once(day: Day) -> None:
    await report(SRI, MEDIUM, 10, "R-000001").act(day)
    await accept_all(1).act(day)
    await day.settled()
    ani = day.ani
    await ani.send("/pay")
    await ani.tap("Sri Wahyuni")
    await ani.send("1.000.000")
    await ani.tap("Hari ini")
    summary = (await ani.send("tunai"))[-1]
    # The payment is saved; the bot dies showing the admin that it is.
    await kill_while_in_flight(
        day,
        "editMessageText",
        lambda: day.emulator.press_button(ADMIN_ANI, summary.message_id, "pay:ok"),
    )
    payments = "SELECT amount FROM earnings_entries WHERE kind = 'payment'"
    assert day.query(payments) == [(-1_000_000,)]
    assert day.query("SELECT earned, paid FROM artisan_balances") == [(2_250_000, 1_000_000)]
    assert "Pembayaran dicatat" in ani.last_text
    assert told(day, SRI, "Koperasi sudah mencatat Rp1.000.000") == 1


async def test_a_backorder_filled_by_a_decision_delivered_again_is_told_to_the_buyer(
    day: Day,
) -> None:
    await report(JOKO, SMALL, 6, "R-000001").act(day)
    await accept_all(1).act(day)
    await order(TANAKA, SMALL, 10, "O-000001").act(day)
    await decide_order(1, "ordadm:bo:").act(day)
    await report(JOKO, SMALL, 5, "R-000002").act(day)
    card = await open_report_card(day, 2)
    # The drums are accepted and 4 of them reserved for the backorder; the bot dies telling
    # the buyer.
    await kill_while_in_flight(
        day,
        "sendMessage",
        lambda: day.emulator.press_button(ADMIN_ANI, card.message_id, "qc:all:2"),
        chat_id=TANAKA,
    )
    assert day.query("SELECT status, confirmed, reserved FROM orders") == [("confirmed", 10, 10)]
    assert told(day, TANAKA, "Good news: 4 more drums") == 1
    # The update delivered again queues no notice twice; only a notice whose answer came back
    # just before the kill, not yet marked sent, can go out once more.
    assert 1 <= told(day, JOKO, "Laporan R-000002 lolos cek kualitas") <= 2


async def li_confirmed_and_tanaka_waiting(day: Day) -> None:
    """10 drums accepted; Li's order of 8 confirmed; Tanaka's of 5 has 2 now and waits for 3."""
    await report(SRI, MEDIUM, 10, "R-000001").act(day)
    await accept_all(1).act(day)
    await order(LI, MEDIUM, 8, "O-000001").act(day)
    await decide_order(1, "ordadm:ok:").act(day)
    await order(TANAKA, MEDIUM, 5, "O-000002").act(day)
    await decide_order(2, "ordadm:bo:").act(day)
    await day.settled()


async def test_an_admin_cancellation_delivered_again_releases_once_and_tells_the_buyer(
    day: Day,
) -> None:
    await li_confirmed_and_tanaka_waiting(day)
    card = await notice_with(day, "O-000001", "ordadm:x:1")
    question = (await day.ani.press("ordadm:x:1", card))[-1]
    # The order is cancelled and its 8 drums released; the bot dies telling the buyer, once
    # the other buyer has heard of the drums that came free.
    tanaka_told = (
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND status = 'sent'"
        " AND text LIKE '%Good news%'"
    )
    await kill_while_in_flight(
        day,
        "sendMessage",
        lambda: day.emulator.press_button(ADMIN_ANI, question.message_id, "ordadm:xy:1"),
        chat_id=LI,
        settled=lambda: day.query(tanaka_told, TANAKA)[0][0] >= 1,
    )
    released = "SELECT COUNT(*) FROM stock_movements WHERE order_id = 1 AND kind = 'released'"
    assert day.query(released) == [(1,)]
    orders = "SELECT status, reserved FROM orders ORDER BY id"
    assert day.query(orders) == [("cancelled", 0), ("confirmed", 5)]
    assert told(day, LI, "The cooperative cancelled your order O-000001") == 1
    assert told(day, TANAKA, "Good news: 3 more drums") == 1
    answers = [answer.get("text") or "" for answer in day.ani.callback_answers]
    assert "O-000001 dibatalkan; 8 kendang kembali ke stok." in answers


async def test_a_buyer_cancellation_delivered_again_releases_once_and_fills_the_backorder(
    day: Day,
) -> None:
    await li_confirmed_and_tanaka_waiting(day)
    li = day.person(LI)
    await li.send("/orders")
    await li.press("ord:x:1", li.last)
    # The buyer's order is cancelled; the bot dies telling the other buyer of their drums.
    await kill_while_in_flight(
        day,
        "sendMessage",
        lambda: day.emulator.press_button(LI, li.last.message_id, "ord:xy:1"),
        chat_id=TANAKA,
    )
    released = "SELECT COUNT(*) FROM stock_movements WHERE order_id = 1 AND kind = 'released'"
    assert day.query(released) == [(1,)]
    orders = "SELECT status, reserved FROM orders ORDER BY id"
    assert day.query(orders) == [("cancelled", 0), ("confirmed", 5)]
    assert told(day, TANAKA, "Good news: 3 more drums") == 1
    assert "O-000001 cancelled." in [answer.get("text") for answer in li.callback_answers]


async def test_a_payment_undone_by_an_update_delivered_again_is_told_to_the_artisan(
    day: Day,
) -> None:
    await report(SRI, MEDIUM, 10, "R-000001").act(day)
    await accept_all(1).act(day)
    await pay("Sri Wahyuni", "1.000.000").act(day)
    await day.settled()
    recorded = [m for m in day.ani.inbox if m.button_data("↩️ Urungkan")][-1]
    undo = recorded.button_data("↩️ Urungkan") or ""
    # The payment is undone; the bot dies telling the artisan.
    await kill_while_in_flight(
        day,
        "sendMessage",
        lambda: day.emulator.press_button(ADMIN_ANI, recorded.message_id, undo),
        chat_id=SRI,
    )
    reversals = "SELECT COUNT(*) FROM earnings_entries WHERE reverses IS NOT NULL"
    assert day.query(reversals) == [(1,)]
    assert day.query("SELECT earned, paid FROM artisan_balances") == [(2_250_000, 0)]
    assert told(day, SRI, "Koreksi") == 1


async def test_a_stock_correction_delivered_again_is_made_once_and_fills_the_backorder(
    day: Day,
) -> None:
    await report(JOKO, SMALL, 6, "R-000001").act(day)
    await accept_all(1).act(day)
    await order(TANAKA, SMALL, 10, "O-000001").act(day)
    await decide_order(1, "ordadm:bo:").act(day)  # 6 drums now, 4 waiting
    await day.settled()
    await correct(day.ani, SMALL_PLAIN_ID, "+3")
    summary = day.ani.last
    # The correction is saved; the bot dies telling the buyer of the drums it gave them.
    await kill_while_in_flight(
        day,
        "sendMessage",
        lambda: day.emulator.press_button(ADMIN_ANI, summary.message_id, "stk:ok"),
        chat_id=TANAKA,
    )
    corrections = "SELECT on_hand_delta FROM stock_movements WHERE kind = 'correction'"
    assert day.query(corrections) == [(3,)]
    assert day.query("SELECT status, reserved FROM orders") == [("backordered", 9)]
    assert told(day, TANAKA, "Good news: 3 more drums") == 1
