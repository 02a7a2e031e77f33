"""The local Bot API emulator: a loopback HTTP server that answers the bot as Telegram would.

It checks every request against the Bot API spec and Telegram's limits (a breach is kept in
`violations` and answered with Telegram's error), keeps chats, messages and files, queues the
updates people send with getUpdates' offset semantics (or posts them to a webhook), and can
inject 429, 403, 400, 5xx, delays and dropped connections.

It can also reproduce production's network and sending limits, all off by default:

- `round_trip` seconds between the bot and Telegram (100-300 ms from Indonesia): half of it
  passes before a request takes effect and half before its answer is written, for every
  method, long polls and file downloads alike; webhook posts see it too. Requests wait
  independently of each other, as they do on the network.
- `chat_limit` messages a second to one private chat after a burst of `chat_burst`, and 20 a
  minute to one group (negative ids): a message sent or edited past them is answered 429
  `retry_after` and has no effect, as Telegram does. A 429 is not a violation.
- `rate_limit` messages a second in all (sends only, whatever the chat).

Updates are posted to a webhook up to setWebhook's `max_connections` at once, each chat's
one after the other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.emulator import methods
from bot.emulator.limits import (
    DEFAULT_WEBHOOK_CONNECTIONS,
    MAX_WEBHOOK_CONNECTIONS,
    SlidingWindow,
    TokenBucket,
    seconds_to_retry,
)
from bot.emulator.spec import UploadedFile, load_spec
from bot.emulator.world import (
    Chat,
    ChatMessage,
    Counter,
    Fault,
    QueuedUpdate,
    RecordedRequest,
    Signal,
    StoredFile,
)

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")
SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage", "forwardMessage"}
)
EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"}
)
CHAT_LIMITED_METHODS = SEND_METHODS | EDIT_METHODS
GROUP_LIMIT = 20
GROUP_WINDOW_SECONDS = 60.0
DEFAULT_CHAT_BURST = 3
WEBHOOK_RETRY_SECONDS = 0.2
FIRST_UPDATE_ID = 100_001
FAULT_ANSWERS = {
    "403": (403, "Forbidden: bot was blocked by the user"),
    "400": (400, "Bad Request: chat not found"),
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "503": (503, "Service Unavailable"),
}
DEFAULT_WAIT_SECONDS = 10.0
MessageListener = Callable[[ChatMessage], None]


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class BotApiEmulator:
    """A Telegram Bot API for one machine: tests and the playground talk to it over HTTP."""

    def __init__(
        self,
        *,
        rate_limit: float | None = None,
        files_dir: Path | None = None,
        round_trip: float = 0.0,
        chat_limit: float | None = None,
        chat_burst: int = DEFAULT_CHAT_BURST,
        first_update_id: int = FIRST_UPDATE_ID,
    ) -> None:
        self.spec = load_spec()
        self.rate_limit = rate_limit
        self.round_trip = round_trip
        self.chat_limit = chat_limit
        self.chat_burst = chat_burst
        self.files_dir = files_dir
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str | None], list[dict[str, str]]] = {}
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.webhook: dict[str, Any] | None = None
        self.webhook_connections = DEFAULT_WEBHOOK_CONNECTIONS
        self.too_many_requests = 0
        self.too_many_requests_by_chat: dict[int, int] = {}
        self.bot_user: dict[str, Any] = {}
        self.next_id = Counter()
        self.next_activity = Counter()
        self.callback_owners: dict[str, int] = {}
        self.answered_callbacks: set[str] = set()
        self._faults: list[Fault] = []
        self._queue: dict[int, QueuedUpdate] = {}
        # Telegram never reuses a bot's update ids: a bot restarted on its database needs
        # `first_update_id` past every id it has processed, or it skips the new updates.
        self._next_update_id = Counter(first_update_id)
        self._allowed_updates: list[str] | None = None
        self._polls = Counter()
        self._current_poll = 0
        self._changed = Signal()
        self._closing = asyncio.Event()
        self._sent_in_all = SlidingWindow(1.0)
        self._chat_buckets: dict[int, TokenBucket] = {}
        self._group_windows: dict[int, SlidingWindow] = {}
        self._listeners: list[MessageListener] = []
        self._server: tornado.httpserver.HTTPServer | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.port = 0
        self._method_names = {name.lower(): name for name in self.spec.methods}

    # -- running -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z]+)", _ApiHandler, {"emulator": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"emulator": self}),
            ],
            log_function=_log_request,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=60 * 1024 * 1024)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        """Stop listening; requests still waiting are answered at once."""
        self._closing.set()
        self._changed.fire()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
        if self._server is not None:
            self._server.stop()
            await asyncio.sleep(0)
            await self._server.close_all_connections()

    @property
    def base_url(self) -> str:
        """The bot's `base_url` (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The bot's `base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- faults --------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        kind: str,
        *,
        count: int | None = 1,
        delay: float = 0.0,
        retry_after: int = 3,
        chat_id: int | None = None,
    ) -> None:
        """Fail the next `count` calls of `method` ("*" for any; None count: until cleared).

        `kind` is "429", "403", "400", "500", "502", "503", "delay" (answer after `delay`
        seconds; nothing happens if the bot hangs up first) or "drop" (close the connection).
        """
        if kind not in (*FAULT_ANSWERS, "429", "delay", "drop"):
            raise ValueError(f"unknown fault {kind}")
        self._faults.append(Fault(method, kind, count, delay, retry_after, chat_id))

    def clear_faults(self) -> None:
        """Stop injecting faults."""
        self._faults.clear()

    def block(self, user_id: int, reason: str = "blocked") -> None:
        """The person blocks the bot ("blocked") or deletes their account ("deactivated")."""
        chat = self.private_chat(user_id)
        chat.blocked = reason
        self.push_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": self.user(user_id),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": self.bot_user},
                    "new_chat_member": {
                        "status": "kicked",
                        "user": self.bot_user,
                        "until_date": 0,
                    },
                }
            }
        )

    def unblock(self, user_id: int) -> None:
        """The person unblocks the bot."""
        self.private_chat(user_id).blocked = None

    # -- people and chats ------------------------------------------------------------------

    def add_user(self, user: dict[str, Any]) -> None:
        """Know a Telegram user (the Person helper does this)."""
        self.users[int(user["id"])] = user
        self.private_chat(int(user["id"])).user = user

    def user(self, user_id: int) -> dict[str, Any]:
        """The User object of a known person (an unknown id gets a plain one)."""
        return self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )

    def private_chat(self, user_id: int) -> Chat:
        """The private chat with a person, made on first use."""
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = Chat(user_id, "private", user=self.user(user_id))
        return chat

    def chat_for(self, chat_id: object) -> Chat:
        """Resolve a chat_id the bot sent, as Telegram does for chats it has never seen.

        A person who never opened the bot cannot be written to; unknown groups do not exist.
        """
        if isinstance(chat_id, str):
            if not re.fullmatch(r"-?\d+", chat_id):
                raise ApiError(400, "Bad Request: chat not found")
            chat_id = int(chat_id)
        assert isinstance(chat_id, int)
        if chat_id > 0:
            if chat_id not in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return self.private_chat(chat_id)
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages in a chat, oldest first, each as it stands now."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [message for message in chat.messages.values() if message.from_bot]

    def on_message(self, listener: MessageListener) -> None:
        """Call `listener` with every message the bot sends or edits."""
        self._listeners.append(listener)

    def store_message(self, message: ChatMessage) -> ChatMessage:
        """Keep a new or edited message and tell the listeners."""
        self.chats[message.chat_id].messages[message.message_id] = message
        if message.from_bot:
            for listener in self._listeners:
                listener(message)
        self._changed.fire()
        return message

    def message_api(self, message: ChatMessage) -> dict[str, Any]:
        """The Message object of the Bot API."""
        chat = self.chats[message.chat_id]
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.to_api(),
        }
        if message.from_bot:
            body["from"] = self.bot_user
        body.update(message.content)
        if message.from_bot:
            if message.photo:
                body["photo"] = list(message.photo)
            if message.document is not None:
                body["document"] = message.document
            text_key = "caption" if message.photo or message.document else "text"
            if message.plain or text_key == "text":
                body[text_key] = message.plain
            if message.entities:
                body["entities" if text_key == "text" else "caption_entities"] = list(
                    message.entities
                )
        if message.inline_markup is not None:
            body["reply_markup"] = message.inline_markup
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        return body

    # -- files -------------------------------------------------------------------------------

    def store_file(
        self, data: bytes, folder: str, *, mime_type: str | None = None, name: str | None = None
    ) -> StoredFile:
        """Keep file contents under a new file id."""
        number = self.next_id()
        suffix = Path(name).suffix if name else (".jpg" if folder == "photos" else "")
        stored = StoredFile(
            file_id=f"EMU{number:06d}-{folder}",
            file_unique_id=f"U{number:06d}",
            data=data,
            path=f"{folder}/file_{number}{suffix}",
            mime_type=mime_type,
            file_name=name,
        )
        self.files[stored.file_id] = stored
        if self.files_dir is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            (self.files_dir / stored.file_id).write_bytes(data)
        return stored

    def find_file(self, file_id: str) -> StoredFile | None:
        """A stored file by id (from disk when the emulator keeps files between runs)."""
        stored = self.files.get(file_id)
        if stored is None and self.files_dir is not None and re.fullmatch(r"EMU\d+-\w+", file_id):
            path = self.files_dir / file_id
            if path.exists():
                folder = file_id.split("-", 1)[1]
                stored = StoredFile(
                    file_id, "U" + file_id[3:9], path.read_bytes(), f"{folder}/{file_id}"
                )
                self.files[file_id] = stored
        return stored

    # -- updates -----------------------------------------------------------------------------

    def push_update(self, payload: dict[str, Any]) -> int:
        """Queue an update (without its id) for the bot; return its update_id."""
        self._learn(payload)
        update_id = self._next_update_id()
        self._queue[update_id] = QueuedUpdate({"update_id": update_id, **payload})
        self._changed.fire()
        return update_id

    def _learn(self, payload: dict[str, Any]) -> None:
        """Know the chats and people an update hand-made by a test mentions."""
        for content in payload.values():
            if not isinstance(content, dict):
                continue
            sender = content.get("from")
            if isinstance(sender, dict) and int(sender["id"]) not in self.users:
                self.add_user(sender)
            chat = content.get("chat") or content.get("message", {}).get("chat")
            if isinstance(chat, dict) and int(chat["id"]) not in self.chats:
                self.chats[int(chat["id"])] = Chat(int(chat["id"]), chat["type"], chat.get("title"))

    def send_text(self, user_id: int, text: str) -> int:
        """A person writes text to the bot; return the update's id."""
        return self.user_message(user_id, text_content(text))

    def user_message(self, user_id: int, content: dict[str, Any]) -> int:
        """A person sends a message with the given content to the bot; return the update's id."""
        chat = self.private_chat(user_id)
        user = self.user(user_id)
        message = ChatMessage(
            chat_id=chat.id,
            message_id=chat.take_message_id(),
            from_bot=False,
            date=int(time.time()),
            plain=str(content.get("text", content.get("caption", ""))),
            content={"from": user, **content},
            activity=self.next_activity(),
        )
        self.store_message(message)
        return self.push_update({"message": self.message_api(message)})

    def press_button(self, user_id: int, message_id: int, data: str) -> int:
        """A person taps an inline button carrying `data`; return the update's id."""
        chat = self.private_chat(user_id)
        query_id = str(random.getrandbits(62))
        self.callback_owners[query_id] = user_id
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.user(user_id),
            "chat_instance": str(abs(chat.id) * 31 + 7),
            "data": data,
        }
        message = chat.messages.get(message_id)
        if message is not None:
            query["message"] = self.message_api(message)
        return self.push_update({"callback_query": query})

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when it did not see the confirmation."""
        queued = self._queue[update_id]
        self._queue[update_id] = QueuedUpdate(queued.update, redelivery=True)
        self._changed.fire()

    def is_confirmed(self, update_id: int) -> bool:
        """Tell whether the bot confirmed the update."""
        queued = self._queue.get(update_id)
        return queued is not None and queued.confirmed

    async def wait_confirmed(self, update_id: int, within: float = DEFAULT_WAIT_SECONDS) -> None:
        """Wait until the bot has processed and confirmed the update."""
        await self.wait_until(lambda: self.is_confirmed(update_id), within)

    async def wait_until(self, condition: Callable[[], bool], within: float) -> None:
        """Wait until `condition` holds, re-checking whenever anything changes."""
        deadline = time.monotonic() + within
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"not reached within {within} s")
            await self._changed.wait(min(remaining, 0.5))

    def pending_updates(self) -> int:
        """How many updates the bot has not confirmed yet."""
        return sum(not queued.confirmed for queued in self._queue.values())

    async def get_updates(self, offset: int | None, limit: int, poll_seconds: float) -> list[Any]:
        """getUpdates: confirm below `offset`, then return what is pending, waiting if none."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        poll = self._current_poll = self._polls()
        self._changed.fire()  # an older long poll still waiting is ended by this one
        if offset is not None:
            self._confirm_below(offset, poll)
        deadline = time.monotonic() + poll_seconds
        while True:
            if poll != self._current_poll:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._deliverable(offset, limit)
            if batch or self._closing.is_set() or time.monotonic() >= deadline:
                break
            await self._changed.wait(deadline - time.monotonic())
        for queued in batch:
            queued.delivered_in = poll
        return [queued.update for queued in batch]

    def _confirm_below(self, offset: int, poll: int) -> None:
        changed = False
        for queued in self._queue.values():
            if queued.confirmed or queued.update_id >= offset:
                continue
            if queued.redelivery and (queued.delivered_in is None or queued.delivered_in >= poll):
                continue
            queued.confirmed = changed = True
        if changed:
            self._changed.fire()

    def _deliverable(self, offset: int | None, limit: int) -> list[QueuedUpdate]:
        ready = [
            queued
            for queued in self._queue.values()
            if not queued.confirmed
            and (offset is None or queued.update_id >= offset or queued.redelivery)
            and self._allowed(queued.update)
        ]
        ready.sort(key=lambda queued: queued.update_id)
        return ready[: max(1, min(limit, 100))]

    def _allowed(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        kinds = set(update) - {"update_id"}
        return bool(kinds & set(self._allowed_updates))

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        """Remember which kinds of update the bot asked for."""
        if allowed is not None:
            self._allowed_updates = list(allowed)

    def set_webhook(
        self,
        settings: dict[str, Any] | None,
        max_connections: int = DEFAULT_WEBHOOK_CONNECTIONS,
    ) -> None:
        """Start or stop posting updates to the bot's webhook, up to `max_connections` at once."""
        self.webhook = settings
        self.webhook_connections = min(max(1, max_connections), MAX_WEBHOOK_CONNECTIONS)
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        if settings is not None:
            self.set_allowed_updates(settings.get("allowed_updates"))
            self._webhook_task = asyncio.get_running_loop().create_task(self._post_updates())

    def drop_pending(self) -> None:
        """Confirm every update still queued, as drop_pending_updates does."""
        for queued in self._queue.values():
            queued.confirmed = True
        self._changed.fire()

    async def _post_updates(self) -> None:
        assert self.webhook is not None
        url, secret = self.webhook["url"], self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        posting: dict[int, int | None] = {}  # update_id -> its chat, while being posted
        limits = httpx.Limits(max_connections=self.webhook_connections)
        async with (
            httpx.AsyncClient(trust_env=False, timeout=60, limits=limits) as client,
            asyncio.TaskGroup() as posts,
        ):
            while not self._closing.is_set():
                batch = self._postable(posting)
                for queued in batch:
                    posting[queued.update_id] = update_chat(queued.update)
                    posts.create_task(self._post_one(client, url, headers, queued, posting))
                if not batch:
                    await self._changed.wait(1.0)

    def _postable(self, posting: dict[int, int | None]) -> list[QueuedUpdate]:
        """The updates to post now: each idle chat's oldest, up to the free connections."""
        room = self.webhook_connections - len(posting)
        busy = {chat for chat in posting.values() if chat is not None}
        batch: list[QueuedUpdate] = []
        # The queue is in update_id order: ids only grow and a redelivery keeps its place.
        for queued in self._queue.values():
            if len(batch) >= room:
                break
            if queued.confirmed or queued.update_id in posting:
                continue
            if not self._allowed(queued.update):
                continue
            chat = update_chat(queued.update)
            if chat is not None and chat in busy:
                continue
            if chat is not None:
                busy.add(chat)
            batch.append(queued)
        return batch

    async def _post_one(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        queued: QueuedUpdate,
        posting: dict[int, int | None],
    ) -> None:
        """POST one update to the webhook; confirm it when the bot answers 200."""
        try:
            await self.half_trip()
            try:
                response = await client.post(url, json=queued.update, headers=headers)
                delivered = response.status_code == 200
            except httpx.HTTPError:
                delivered = False
            # Telegram learns of the answer half a round trip later: the chat waits till then.
            await self.half_trip()
            if delivered:
                queued.confirmed = True
            else:
                await self._sleep(WEBHOOK_RETRY_SECONDS)
        finally:
            del posting[queued.update_id]
            self._changed.fire()

    # -- serving requests --------------------------------------------------------------------

    async def serve(
        self,
        token: str,
        name: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        hung_up: Callable[[], bool],
    ) -> tuple[int, dict[str, Any]] | None:
        """Answer one Bot API request; None means close the connection without an answer."""
        await self.half_trip()
        answer = await self._answer(token, name, raw, files, hung_up)
        await self.half_trip()
        return answer

    async def half_trip(self) -> None:
        """Wait half the round trip (with none, return without yielding to the event loop)."""
        if self.round_trip > 0:
            await self._sleep(self.round_trip / 2)

    async def _answer(
        self,
        token: str,
        name: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile],
        hung_up: Callable[[], bool],
    ) -> tuple[int, dict[str, Any]] | None:
        if not TOKEN.fullmatch(token):
            return 401, ApiError(401, "Unauthorized").body()
        method = self._method_names.get(name.lower())
        if method is None:
            self.violations.append(f"{name}: no such method in Bot API {self.spec.version}")
            return 404, ApiError(404, "Not Found").body()
        if not self.bot_user:
            self.bot_user = bot_user(int(token.split(":", 1)[0]))
        params = self.spec.decode(method, raw, files)
        self.requests.append(RecordedRequest(method, params, time.monotonic()))
        self._changed.fire()
        problems = self.spec.check_method(method, params, files)
        if problems:
            self.violations.extend(problems)
            return 400, ApiError(400, f"Bad Request: {problems[0]}").body()
        chat_id = params.get("chat_id")
        fault = self._take_fault(method, chat_id if isinstance(chat_id, int) else None)
        if fault is not None:
            if fault.kind == "drop":
                return None
            if fault.kind == "delay":
                await self._sleep(fault.delay)
                if hung_up() or self._closing.is_set():
                    return None
            else:
                return self._fault_answer(fault, chat_key(chat_id))
        if method == "sendMediaGroup":
            params = {**params, "_uploads": files}
        try:
            if method in CHAT_LIMITED_METHODS:
                self._keep_limits(method, params)
            result = await self._call(method, params)
        except ApiError as error:
            return error.code, error.body()
        return 200, {"ok": True, "result": result}

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        implementation = methods.IMPLEMENTATIONS.get(method)
        if implementation is None:
            self.violations.append(f"{method}: not supported by the emulator")
            raise ApiError(400, f"Bad Request: {method} is not supported by the emulator")
        result = implementation(self, params)
        if isinstance(result, Awaitable):
            return await result
        return result

    def refuse(self, description: str) -> ApiError:
        """A breach of Telegram's limits: remember it as a violation, answer 400."""
        self.violations.append(description)
        return ApiError(400, f"Bad Request: {description}")

    def _take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _fault_answer(self, fault: Fault, chat_id: int | None) -> tuple[int, dict[str, Any]]:
        if fault.kind == "429":
            error = self._too_many(chat_id, fault.retry_after)
        else:
            error = ApiError(*FAULT_ANSWERS[fault.kind])
        return error.code, error.body()

    def _keep_limits(self, method: str, params: dict[str, Any]) -> None:
        """Raise 429 past the chat's limit or the overall one; otherwise count the message."""
        chat_id = chat_key(params.get("chat_id"))
        now = time.monotonic()
        wait = self._chat_wait(chat_id, now)
        if wait > 0:
            raise self._too_many(chat_id, seconds_to_retry(wait))
        if method in SEND_METHODS:
            self._count_against_rate_limit(chat_id, now)
        if chat_id is not None and self.chat_limit is not None:
            self._chat_take(chat_id, now, message_count(method, params))

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        """Seconds until the chat may get another message (0.0 also when chat limits are off)."""
        if chat_id is None or self.chat_limit is None:
            return 0.0
        if chat_id < 0:
            window = self._group_windows.setdefault(chat_id, SlidingWindow(GROUP_WINDOW_SECONDS))
            return window.wait(now, GROUP_LIMIT)
        bucket = self._chat_buckets.setdefault(chat_id, TokenBucket(self.chat_burst, now))
        return bucket.wait(now, self.chat_limit, self.chat_burst)

    def _chat_take(self, chat_id: int, now: float, cost: int) -> None:
        if chat_id < 0:
            self._group_windows[chat_id].take(now, cost)
        else:
            self._chat_buckets[chat_id].take(cost)

    def _count_against_rate_limit(self, chat_id: int | None, now: float) -> None:
        if self.rate_limit is None:
            return
        if self._sent_in_all.wait(now, self.rate_limit) > 0:
            raise self._too_many(chat_id, 1)
        self._sent_in_all.take(now, 1)

    def _too_many(self, chat_id: int | None, seconds: int) -> ApiError:
        """A 429, counted in all and for its chat: Telegram's normal answer, not a violation."""
        self.too_many_requests += 1
        if chat_id is not None:
            by_chat = self.too_many_requests_by_chat
            by_chat[chat_id] = by_chat.get(chat_id, 0) + 1
        return ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return


def bot_user(bot_id: int) -> dict[str, Any]:
    """The bot's own User object, as getMe returns it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "Kendang Bot",
        "username": "kendang_emulated_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat_key(chat_id: object) -> int | None:
    """The numeric chat id a request names, if it names one by number."""
    if isinstance(chat_id, int) and not isinstance(chat_id, bool):
        return chat_id
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return None


def message_count(method: str, params: dict[str, Any]) -> int:
    """How many messages a request makes: a media group one per item, as Telegram counts."""
    media = params.get("media")
    if method == "sendMediaGroup" and isinstance(media, list):
        return max(1, len(media))
    return 1


def update_chat(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its sender's when it has none; None: neither)."""
    for content in update.values():
        if not isinstance(content, dict):
            continue
        chat = content.get("chat") or content.get("message", {}).get("chat")
        if isinstance(chat, dict):
            return int(chat["id"])
        sender = content.get("from")
        if isinstance(sender, dict):
            return int(sender["id"])
    return None


def text_content(text: str) -> dict[str, Any]:
    """A text message's content, with the bot_command entity Telegram adds to a command."""
    content: dict[str, Any] = {"text": text}
    match = re.match(r"/[A-Za-z0-9_]{1,32}(@\w+)?", text)
    if match:
        length = len(match.group(0).encode("utf-16-le")) // 2
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return content


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # Error answers are the emulator doing its job, not trouble to warn about.
    logger.debug("%s %s %s", handler.get_status(), handler.request.method, handler.request.path)


class _ApiHandler(tornado.web.RequestHandler):
    """POST or GET /bot<token>/<method>."""

    def initialize(self, emulator: BotApiEmulator) -> None:
        """Keep the emulator."""
        self.emulator = emulator
        self.hung_up = False

    def on_connection_close(self) -> None:
        """Remember that the bot went away, so a delayed request is not carried out."""
        self.hung_up = True

    async def get(self, token: str, method: str) -> None:
        """Answer a GET request."""
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        """Answer a request."""
        raw: dict[str, Any] = {
            key: values[-1].decode("utf-8") for key, values in self.request.arguments.items()
        }
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            try:
                raw.update(json.loads(self.request.body))
            except ValueError:
                self.set_status(400)
                self.finish(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
                )
                return
        files = {
            name: UploadedFile(parts[0].filename, parts[0].content_type, parts[0].body)
            for name, parts in self.request.files.items()
        }
        answer = await self.emulator.serve(token, method, raw, files, lambda: self.hung_up)
        if answer is None:
            if self.request.connection is not None:
                self.request.connection.close()  # type: ignore[attr-defined]
            return
        status, body = answer
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class _FileHandler(tornado.web.RequestHandler):
    """GET /file/bot<token>/<file_path>."""

    def initialize(self, emulator: BotApiEmulator) -> None:
        """Keep the emulator."""
        self.emulator = emulator

    async def get(self, token: str, path: str) -> None:
        """Send a stored file's contents, the round trip split around finding it."""
        await self.emulator.half_trip()
        stored = next((f for f in self.emulator.files.values() if f.path == path), None)
        await self.emulator.half_trip()
        if not TOKEN.fullmatch(token) or stored is None:
            self.set_status(404)
            self.finish("Not Found")
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)
