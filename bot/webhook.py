"""Webhook mode: answer Telegram only after the update is processed and its effects saved.

Requests are served concurrently; the update processor keeps each person's updates in order.
A request is judged by its headers first: without the secret, or announcing a body over the
cap, it is refused before any of its body is read.
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
# An update is JSON of a few KiB; a 4096-character text with its entities and the message it
# answers stays well under 100 KiB. 1 MiB fits any real one with room to spare, and bounds what
# one request can make the bot hold in memory.
MAX_UPDATE_BYTES = 1024 * 1024


@tornado.web.stream_request_body
class WebhookHandler(tornado.web.RequestHandler):
    """Receive one update from Telegram, refusing strangers and oversized bodies unread."""

    def initialize(
        self, bot_application: BotApplication, processor: UpdateProcessor, secret: str
    ) -> None:
        """Keep what each request needs (tornado passes its own `application` already)."""
        self._application = bot_application
        self._processor = processor
        self._secret = secret
        self._body = bytearray()

    def prepare(self) -> None:
        """Check the secret and the announced size on the headers, before any body is read."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            raise tornado.web.HTTPError(403)
        # The server's max_body_size would cut such a request off with a bare 400; this says why.
        if _announced_length(self.request.headers.get("Content-Length")) > MAX_UPDATE_BYTES:
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        """Collect the body of a request that passed `prepare`."""
        self._body += chunk

    async def post(self) -> None:
        """Process the update, then answer; an error makes Telegram retry."""
        try:
            update = Update.de_json(json.loads(self._body), self._application.bot)
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("webhook got a body that is not an update: %s", error)
            raise tornado.web.HTTPError(400) from error
        await self._processor.process(update)
        self.set_status(200)


def _announced_length(header: str | None) -> int:
    """The Content-Length a request announces (0 without one); a malformed one is refused."""
    if header is None:
        return 0
    try:
        return int(header.split(",")[0])
    except ValueError as error:
        raise tornado.web.HTTPError(400) from error


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
    # Also bounds a chunked body, which announces no length: tornado stops reading past it.
    server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_UPDATE_BYTES)
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
