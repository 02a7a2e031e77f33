"""Per-person commits of conversation state, and the offset that confirms updates to Telegram."""

from __future__ import annotations

import asyncio
import json

from telegram import Chat, Message, Update, User

from bot.persistence import SQLitePersistence
from bot.polling import SPOOL_WHEN_OPEN, Window
from bot.updates import Tracking, UpdateProcessor
from storage import Storage

ANI, SRI = 9001, 1001


async def stored_states(storage: Storage) -> dict[str, object]:
    """The conversation states in the database, by key."""
    states = await storage.state.conversations("report")
    return {json.dumps(list(key)): state for key, state in states.items()}


async def test_a_commit_writes_its_own_persons_state_and_not_a_busy_persons(
    storage: Storage,
) -> None:
    persistence = SQLitePersistence(storage.state)
    await persistence.update_conversation("report", (ANI, ANI), "QUANTITY")
    await persistence.update_conversation("report", (SRI, SRI), "PHOTO")
    await persistence.update_user_data(ANI, {"draft": {"model": 3}})
    await persistence.update_user_data(SRI, {"draft": {"model": 7}})

    # Sri's update is still in progress when Ani's commits.
    await persistence.commit(1, owners={ANI}, busy={SRI})
    assert await stored_states(storage) == {json.dumps([ANI, ANI]): "QUANTITY"}
    assert await storage.state.user_data() == {ANI: {"draft": {"model": 3}}}
    assert await storage.state.is_processed(1)

    await persistence.commit(2, owners={SRI}, busy=set())
    assert await stored_states(storage) == {
        json.dumps([ANI, ANI]): "QUANTITY",
        json.dumps([SRI, SRI]): "PHOTO",
    }
    assert (await storage.state.user_data())[SRI] == {"draft": {"model": 7}}


async def test_a_change_nobody_is_busy_with_goes_with_the_next_commit(storage: Storage) -> None:
    persistence = SQLitePersistence(storage.state)
    # An admin's update changed a draft of someone who is not talking to the bot now.
    await persistence.update_user_data(SRI, {"draft": {"model": 7}})
    await persistence.commit(1, owners={ANI}, busy=set())
    assert await storage.state.user_data() == {SRI: {"draft": {"model": 7}}}


def tracking(update_id: int) -> Tracking:
    """A fetched update as the processor tracks it, nothing done yet."""
    loop = asyncio.get_running_loop()
    user = User(SRI + update_id, "Sri", is_bot=False)
    message = Message(update_id, None, Chat(user.id, "private"), from_user=user, text="/help")  # type: ignore[arg-type]
    return Tracking(Update(update_id, message=message), loop.create_future(), loop.create_future())


class StubProcessor:
    """Hands out trackings for updates, to watch the window decide the offset."""

    def __init__(self) -> None:
        self.tracked: dict[int, Tracking] = {}

    def submit(self, update: Update) -> Tracking:
        """Track the update."""
        return self.tracked.setdefault(update.update_id, tracking(update.update_id))


def finish(tracked: Tracking, *, settled: bool = True) -> None:
    """The update is committed (and its notices sent, when `settled`)."""
    tracked.committed.set_result(None)
    if settled:
        tracked.finished.set_result(None)


async def test_the_offset_stays_at_the_oldest_update_not_finished() -> None:
    window = Window()
    processor = StubProcessor()
    updates = [tracking(n).update for n in (10, 11, 12)]
    assert window.take(updates, processor) == 3  # type: ignore[arg-type]
    assert window.offset() is None

    finish(processor.tracked[11])
    finish(processor.tracked[12])
    assert window.offset() is None  # 10 is in progress: confirming 11 would confirm it too

    finish(processor.tracked[10], settled=False)  # committed, its notices still going out
    assert window.offset() is None
    processor.tracked[10].finished.set_result(None)
    assert window.offset() == 13
    # The same updates delivered again are seen as such, not taken as new.
    assert window.take(updates, processor) == 0  # type: ignore[arg-type]


async def test_with_too_many_open_the_uncommitted_are_spooled_and_the_offset_moves_on() -> None:
    window = Window()
    processor = StubProcessor()
    first, *others = [tracking(n).update for n in range(100, 100 + SPOOL_WHEN_OPEN)]
    window.take([first], processor)  # type: ignore[arg-type]
    assert window.to_spool() == []  # one stuck update alone is waited for
    window.take(others, processor)  # type: ignore[arg-type]
    for update in others[:10]:
        finish(processor.tracked[update.update_id], settled=False)

    spool = window.to_spool()
    assert [update.update_id for update in spool] == [
        first.update_id,
        *(update.update_id for update in others[10:]),
    ]
    window.spooled(spool)
    assert window.offset() == 100 + SPOOL_WHEN_OPEN
    assert len(window) == 0


async def test_the_processor_runs_one_persons_updates_in_order_and_others_beside() -> None:
    order: list[tuple[str, int]] = []
    release = asyncio.Event()

    class Application:
        """Records when each update starts and ends; Sri's first waits for a release."""

        async def process_update(self, update: Update) -> None:
            assert update.effective_user is not None
            order.append(("start", update.update_id))
            if update.update_id == 1:
                await release.wait()
            order.append(("end", update.update_id))

        async def update_persistence(self) -> None:
            """Nothing to flush."""

    class Persistence:
        async def commit(self, update_id: int, **_: object) -> None:
            """Nothing to write."""

    class State:
        async def newest_processed(self) -> int:
            return 0

        async def is_processed(self, update_id: int) -> bool:
            return False

    def update(update_id: int, user_id: int) -> Update:
        user = User(user_id, "P", is_bot=False)
        message = Message(update_id, None, Chat(user_id, "private"), from_user=user, text="x")  # type: ignore[arg-type]
        return Update(update_id, message=message)

    processor = UpdateProcessor(Application(), Persistence(), State())  # type: ignore[arg-type]
    sri_first = processor.submit(update(1, SRI))
    sri_second = processor.submit(update(2, SRI))
    ani = processor.submit(update(3, ANI))
    await asyncio.wait_for(ani.finished, 5)
    assert ("end", 3) in order and ("start", 2) not in order
    release.set()
    await asyncio.wait_for(asyncio.gather(sri_first.finished, sri_second.finished), 5)
    sri = [event for event in order if event[1] in (1, 2)]
    assert sri == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]
