"""Run the bot: open storage, build the application, serve updates until told to stop."""

from __future__ import annotations

import asyncio
import logging

from bot.application import build_application, register_commands
from bot.broadcaster import Broadcaster
from bot.polling import poll
from bot.settings import Settings
from bot.webhook import serve_webhook
from storage import Storage

logger = logging.getLogger(__name__)


async def serve(settings: Settings, token: str, stop: asyncio.Event) -> None:
    """Serve by long polling, or by webhook when a webhook URL is set, until `stop` is set."""
    storage = await Storage.open(settings.db_path)
    try:
        assembled = build_application(settings, storage, token)
        application = assembled.application
        # Entering the application fetches getMe and loads persistence; leaving it flushes.
        async with application:
            await register_commands(application, settings)
            await application.start()
            # Announcements go out beside the updates, at a rate that leaves room for replies.
            broadcaster = Broadcaster(application, storage, settings.broadcast_rate)
            sending = asyncio.create_task(broadcaster.run(stop))
            # Notices to third parties too, each chat at its own pace; the outbox stops only
            # after the updates in progress, so that what they queue at stop still goes out.
            outbox_stop = asyncio.Event()
            notifying = asyncio.create_task(application.bot_data.outbox.run(outbox_stop))
            try:
                if settings.webhook_url:
                    await serve_webhook(application, assembled.processor, settings, stop)
                else:
                    await application.bot.delete_webhook()
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
                await sending
                await notifying
                await application.stop()
    finally:
        await storage.close()
