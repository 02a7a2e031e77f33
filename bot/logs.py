"""Logging set-up that never writes the bot token."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "<token>"
# A token is "<bot id>:<secret>"; the secret alone is what must never show, also where the
# colon before it was URL-encoded. Shorter pieces would blank out ordinary words.
MIN_SECRET_LENGTH = 8


class RedactingFormatter(logging.Formatter):
    """Format a record with another formatter, then take the bot token out of the whole text.

    The whole text: the message, the traceback and the stack, which a filter on the message
    alone would miss.
    """

    def __init__(self, inner: logging.Formatter, token: str) -> None:
        super().__init__()
        self._inner = inner
        _, _, secret = token.partition(":")
        forms = {token, secret} if len(secret) >= MIN_SECRET_LENGTH else {token}
        self._forms = sorted((form for form in forms if form), key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Return the inner formatter's text without the token."""
        text = self._inner.format(record)
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text


def configure_logging(level: str, token: str | None) -> None:
    """Log to stderr at `level`; keep HTTP request lines quiet and the token out of every line."""
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if token:
        for handler in logging.getLogger().handlers:
            inner = handler.formatter or logging.Formatter()
            handler.setFormatter(RedactingFormatter(inner, token))
