"""Requests to the Bot API over aiohttp, for python-telegram-bot.

python-telegram-bot talks HTTP through a replaceable `BaseRequest`; its own, on httpx, spends
about 0.6 ms of the processor on every request, and aiohttp about a fifth of that. Every
reply and every announcement is a request, so this is most of what an update costs.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# A request URL carries the bot token in its path: error texts show none.
URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of keep-alive connections to the Bot API."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        trust_env: bool = True,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout of requests that do not set one."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (and its connection pool)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                trust_env=self._trust_env,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request; a timeout becomes TimedOut, any other failure NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: a body is written within the read timeout.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
                # The Bot API never redirects: a redirect comes from something in between, and
                # following it would take the request (with a 307, its form too) where it says.
                allow_redirects=False,
            ) as response:
                if 300 <= response.status < 400:
                    # Its body may repeat the URL, token included, into the error text.
                    raise NetworkError(
                        f"the Bot API answered {response.status}, a redirect, which is not followed"
                    )
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are asyncio's (TimeoutError)
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(
                f"aiohttp.{error.__class__.__name__}: {_without_urls(str(error))}"
            ) from error


def _without_urls(text: str) -> str:
    """The text with every URL in it replaced by "<url>"."""
    return URL_PATTERN.sub("<url>", text)


def _body(request_data: RequestData | None) -> Any:
    """The request's parameters as a form, multipart when it uploads files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def no_answer(error: BaseException) -> bool:
    """Tell a request that got no answer at all (refused, dropped, reset) from Telegram's answer.

    A timeout is left out: the request may have arrived and taken effect.
    """
    cause = error.__cause__
    return isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(
        cause, asyncio.TimeoutError
    )
