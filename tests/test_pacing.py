"""The pacer keeps Telegram's limits: in all, per chat, after a 429, replies first and in turn."""

from __future__ import annotations

import asyncio
import time

from bot.pacing import Pacer


async def timed_turns(pacer: Pacer, chats: list[int], *, background: bool = False) -> list[float]:
    """Ask for a turn for each chat at once; return when each got it, in the order asked."""
    began = time.monotonic()
    got: list[float] = [0.0] * len(chats)

    async def turn(index: int, chat_id: int) -> None:
        if background:
            await pacer.background_turn(chat_id)
        else:
            await pacer.reply_turn(chat_id)
        got[index] = time.monotonic() - began

    await asyncio.gather(*(turn(index, chat_id) for index, chat_id in enumerate(chats)))
    return got


def most_in_a_second(times: list[float]) -> int:
    """The most turns given within any one second."""
    ordered = sorted(times)
    return max(
        sum(1 for other in ordered[start:] if other < moment + 1.0)
        for start, moment in enumerate(ordered)
    )


async def test_replies_keep_the_overall_limit_in_any_second_and_are_served_in_turn() -> None:
    pacer = Pacer(overall_per_second=10)
    got = await timed_turns(pacer, list(range(1, 26)))
    assert most_in_a_second(got) <= 10
    assert got == sorted(got), "a reply that asked first is served first"
    assert 1.9 <= max(got) < 4.0


async def test_a_chat_gets_a_short_burst_then_one_a_second() -> None:
    pacer = Pacer(chat_per_second=2.0, chat_burst=3)
    got = await timed_turns(pacer, [7] * 5)
    assert max(got[:3]) < 0.2
    assert got[3] >= 0.4 and got[4] >= 0.9


async def test_a_429_holds_its_own_chat_and_no_other() -> None:
    pacer = Pacer()
    pacer.hold(7, 0.6)
    assert pacer.held_for(7) > 0.5 and pacer.held_for(8) == 0
    got = await timed_turns(pacer, [7, 8])
    assert got[0] >= 0.55
    assert got[1] < 0.2


async def test_edits_keep_the_chats_limit_but_not_the_overall_one() -> None:
    pacer = Pacer(overall_per_second=2, chat_per_second=1, chat_burst=1)
    began = time.monotonic()
    await pacer.reply_turn(1)
    await pacer.reply_turn(2)
    for chat_id in (3, 4, 5):
        await pacer.reply_turn(chat_id, new_message=False)
    assert time.monotonic() - began < 0.2, "edits to other chats did not wait for the budget"
    await pacer.reply_turn(1, new_message=False)
    assert time.monotonic() - began >= 0.9, "an edit waits for its chat's own turn"


async def test_background_senders_leave_room_for_replies() -> None:
    pacer = Pacer(overall_per_second=12)
    # Reserve: 2 of the 12 a second; the background gets at most 10 of them.
    got = await timed_turns(pacer, list(range(1, 13)), background=True)
    assert sum(1 for moment in got if moment < 0.5) == 10
    began = time.monotonic()
    await pacer.reply_turn(99)
    assert time.monotonic() - began < 0.2, "a reply still had room at once"
