"""Run the bot: open storage, build the application, serve updates until told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from bot.application import AssembledBot, build_application
from bot.broadcaster import Broadcaster
from bot.polling import poll
from bot.settings import Settings
from bot.startup import start
from bot.webhook import serve_webhook
from storage import Storage

logger = logging.getLogger(__name__)

# What a part still busy at stop (registering the webhook while Telegram cannot be reached) is
# given to finish before it is cancelled.
STOP_GRACE_SECONDS = 1.0
# The announcement sender stops between messages; one in flight gets as long as the outbox's.
SENDER_GRACE_SECONDS = 5.0


async def serve(settings: Settings, token: str, stop: asyncio.Event) -> None:
    """Serve by long polling, or by webhook when a webhook URL is set, until `stop` is set."""
    storage = await Storage.open(settings.db_path)
    try:
        assembled = build_application(settings, storage, token)
        application = assembled.application
        try:
            if await until_stopped(start(application, settings), stop):
                await _serve(assembled, settings, storage, stop)
            else:
                logger.info("stopped while starting")
        finally:
            try:
                await application.shutdown()  # flushes persistence, after a start
            finally:
                # The application's shutdown does nothing after a start that failed (a refused
                # token) or was cut short: the bot's own still closes its connections.
                await application.bot.shutdown()
    finally:
        await storage.close()


async def _serve(
    assembled: AssembledBot, settings: Settings, storage: Storage, stop: asyncio.Event
) -> None:
    """Serve updates, and send announcements and notices, until `stop` is set."""
    application = assembled.application
    await application.start()
    # Announcements go out beside the updates, at a rate that leaves room for replies.
    broadcaster = Broadcaster(application, storage, settings.broadcast_rate)
    sending = asyncio.create_task(broadcaster.run(stop))
    # Notices to third parties too, each chat at its own pace; the outbox stops only after the
    # updates in progress, so that what they queue at stop still goes out.
    outbox_stop = asyncio.Event()
    notifying = asyncio.create_task(application.bot_data.outbox.run(outbox_stop))
    try:
        if settings.webhook_url:
            webhook = serve_webhook(application, assembled.processor, settings, stop)
            await until_stopped(webhook, stop, grace=STOP_GRACE_SECONDS)
        else:
            logger.info("serving by long polling as @%s", application.bot.username)
            await poll(
                application,
                assembled.processor,
                storage.state,
                stop,
                poll_timeout=settings.poll_timeout,
            )
    finally:
        stop.set()
        outbox_stop.set()
        await until_stopped(sending, stop, grace=SENDER_GRACE_SECONDS)
        await notifying
        await application.stop()


async def until_stopped(work: Awaitable[None], stop: asyncio.Event, grace: float = 0.0) -> bool:
    """Run `work` to its end (True); once `stop` is set, allow it `grace` s, then cancel (False)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done() and grace > 0:
            await asyncio.wait({task}, timeout=grace)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            # Waited for without raising its cancellation, which would hide one of our own.
            await asyncio.wait({task})
    if task.cancelled():
        return False
    task.result()
    return True
