"""Webhook mode: answer Telegram only after the update is processed and its effects saved.

Requests are served concurrently; the update processor keeps each person's updates in order.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlparse

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.context import BotApplication
from bot.settings import Settings
from bot.updates import ALLOWED_UPDATES, UpdateProcessor

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's most: requests are answered only once their update is saved, so each one is held
# for a few round trips, and people are served side by side (one person's updates in order).
MAX_CONNECTIONS = 100


class WebhookHandler(tornado.web.RequestHandler):
    """Receive one update from Telegram."""

    def initialize(
        self, bot_application: BotApplication, processor: UpdateProcessor, secret: str
    ) -> None:
        """Keep what each request needs (tornado passes its own `application` already)."""
        self._application = bot_application
        self._processor = processor
        self._secret = secret

    async def post(self) -> None:
        """Check the secret, process the update, then answer; an error makes Telegram retry."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self._application.bot)
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("webhook got a body that is not an update: %s", error)
            raise tornado.web.HTTPError(400) from error
        await self._processor.process(update)
        self.set_status(200)


async def serve_webhook(
    application: BotApplication, processor: UpdateProcessor, settings: Settings, stop: asyncio.Event
) -> None:
    """Register the webhook with Telegram and serve it until `stop` is set."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    path = urlparse(settings.webhook_url).path or "/"
    app = tornado.web.Application(
        [
            (
                path,
                WebhookHandler,
                {"bot_application": application, "processor": processor, "secret": secret},
            )
        ]
    )
    server = tornado.httpserver.HTTPServer(app)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    try:
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=MAX_CONNECTIONS,
        )
        logger.info(
            "serving the webhook on %s:%s%s", settings.webhook_listen, settings.webhook_port, path
        )
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
