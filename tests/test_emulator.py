"""The local Bot API emulator answers as Telegram does and catches requests that break the spec."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web

from bot.emulator import BotApiEmulator, Person
from bot.emulator.markup import ParseError, parse_html
from bot.emulator.world import Chat, png_image

TOKEN = "42:emulator-test"


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the emulator's Bot API, as a bot would use it."""
    async with httpx.AsyncClient(
        base_url=f"{emulator.base_url}{TOKEN}/", trust_env=False, timeout=10
    ) as client:
        yield client


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> dict[str, Any]:
    """Call a method with form fields encoded as python-telegram-bot encodes them."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await api.post(method, data=form)
    body: dict[str, Any] = response.json()
    assert body.get("error_code", 200) == response.status_code
    return body


async def test_a_well_formed_message_is_kept_with_its_entities(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    body = await call(
        api,
        "sendMessage",
        chat_id=7,
        text="<b>Sri</b> &amp; <i>Co</i> 🪘",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
    )
    assert body["ok"], body
    message = emulator.messages(7)[-1]
    assert message.plain == "Sri & Co 🪘"
    assert [(e["type"], e["offset"], e["length"]) for e in message.entities] == [
        ("bold", 0, 3),
        ("italic", 6, 2),
    ]
    assert message.buttons == ((("OK", "ok"),),)
    assert emulator.violations == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x < y", "Unclosed start tag"),
        ("Tom & Jerry", "Can't find end of the entity"),
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>a</i>", "Unmatched end tag"),
    ],
)
def test_html_that_telegram_refuses_is_refused(text: str, error: str) -> None:
    with pytest.raises(ParseError, match="can't parse entities") as raised:
        parse_html(text)
    assert error in str(raised.value)


def test_html_entities_and_links_are_parsed() -> None:
    parsed = parse_html('&lt;b&gt; &#128512; <a href="https://x.org">x</a>')
    assert parsed.text == "<b> 😀 x"
    assert parsed.entities == [
        {"type": "text_link", "offset": 7, "length": 1, "url": "https://x.org"}
    ]


def buttons(*row: dict[str, str]) -> dict[str, Any]:
    """Message parameters with one row of inline buttons."""
    return {"chat_id": 7, "text": "hi", "reply_markup": {"inline_keyboard": [list(row)]}}


def commands(*entries: tuple[str, str], **scope: Any) -> dict[str, Any]:
    """setMyCommands parameters."""
    params: dict[str, Any] = {"commands": [{"command": c, "description": d} for c, d in entries]}
    return {**params, "scope": scope} if scope else params


@pytest.mark.parametrize(
    ("method", "params", "problem"),
    [
        ("sendMesage", {"chat_id": 7, "text": "hi"}, "no such method"),
        ("sendMessage", {"chat_id": 7}, "required parameter text is missing"),
        ("sendMessage", {"chat_id": 7, "text": "hi", "colour": "red"}, "unknown parameter"),
        ("sendMessage", buttons({"text": "a", "callback_dat": "x"}), "unknown field"),
        ("sendMessage", {"chat_id": 7, "text": "a" * 4097}, "message is too long"),
        ("sendMessage", {"chat_id": 7, "text": "🙂" * 2049}, "message is too long"),
        ("sendMessage", {"chat_id": 7, "text": "<b>x", "parse_mode": "HTML"}, "parse entities"),
        ("sendMessage", {"chat_id": 7, "text": "  "}, "message text is empty"),
        ("sendMessage", buttons({"text": "a", "callback_data": "é" * 33}), "BUTTON_DATA_INVALID"),
        ("sendMessage", buttons(*[{"text": "a", "callback_data": "x"}] * 9), "8 buttons"),
        ("setMyCommands", commands(("Start", "x")), "BOT_COMMAND_INVALID"),
        ("setMyCommands", commands(("start", "")), "DESCRIPTION_INVALID"),
        ("setMyCommands", commands(type="chat"), "chat_id: required field"),
    ],
)
async def test_requests_that_break_the_spec_or_limits_are_refused_and_recorded(
    emulator: BotApiEmulator,
    api: httpx.AsyncClient,
    method: str,
    params: dict[str, Any],
    problem: str,
) -> None:
    Person(emulator, 7, "Sri")
    body = await call(api, method, **params)
    assert not body["ok"]
    assert body["error_code"] in (400, 404)
    assert any(problem in violation for violation in emulator.violations), emulator.violations
    assert emulator.messages(7) == []
    emulator.violations.clear()


async def test_runtime_errors_are_answered_but_are_not_violations(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    stranger = await call(api, "sendMessage", chat_id=555, text="hello")
    assert stranger["error_code"] == 403
    assert "can't initiate conversation" in stranger["description"]
    assert (await call(api, "sendMessage", chat_id=-100, text="x"))["description"] == (
        "Bad Request: chat not found"
    )
    Person(emulator, 7, "Sri")
    sent = await call(api, "sendMessage", chat_id=7, text="same")
    message_id = sent["result"]["message_id"]
    again = await call(api, "editMessageText", chat_id=7, message_id=message_id, text="same")
    assert "message is not modified" in again["description"]
    edited = await call(api, "editMessageText", chat_id=7, message_id=message_id, text="new")
    assert edited["result"]["text"] == "new"
    assert emulator.messages(7)[-1].plain == "new"
    missing = await call(api, "editMessageText", chat_id=7, message_id=999, text="x")
    assert missing["description"] == "Bad Request: message to edit not found"
    assert emulator.violations == []


async def test_get_updates_confirms_by_offset_and_long_polls(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    first = emulator.send_text(7, "one")
    second = emulator.send_text(7, "two")
    batch = (await call(api, "getUpdates"))["result"]
    assert [u["update_id"] for u in batch] == [first, second]
    assert not emulator.is_confirmed(first)
    batch = (await call(api, "getUpdates", offset=second))["result"]
    assert [u["update_id"] for u in batch] == [second]
    assert emulator.is_confirmed(first) and not emulator.is_confirmed(second)

    waiting = asyncio.create_task(call(api, "getUpdates", offset=second + 1, timeout=5))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    third = emulator.send_text(7, "three")
    batch = (await waiting)["result"]
    assert [u["update_id"] for u in batch] == [third]
    assert batch[0]["message"]["text"] == "three"
    assert emulator.is_confirmed(second)


async def test_a_second_poller_ends_the_first_with_a_conflict(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    older = asyncio.create_task(call(api, "getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    newer = asyncio.create_task(call(api, "getUpdates", timeout=1))
    assert (await older)["error_code"] == 409
    assert (await newer)["ok"]


async def test_a_redelivered_update_comes_again_until_confirmed(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    update_id = emulator.send_text(7, "hi")
    await call(api, "getUpdates")
    await call(api, "getUpdates", offset=update_id + 1)
    assert emulator.is_confirmed(update_id)
    emulator.redeliver(update_id)
    batch = (await call(api, "getUpdates", offset=update_id + 1))["result"]
    assert [u["update_id"] for u in batch] == [update_id]
    await call(api, "getUpdates", offset=update_id + 1)
    assert emulator.is_confirmed(update_id)


async def test_injected_faults_answer_as_telegram_and_run_out(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    emulator.inject("sendMessage", "429", retry_after=7)
    emulator.inject("sendMessage", "403", chat_id=8)
    limited = await call(api, "sendMessage", chat_id=7, text="a")
    assert limited["error_code"] == 429
    assert limited["parameters"] == {"retry_after": 7}
    Person(emulator, 8, "Budi")
    blocked = await call(api, "sendMessage", chat_id=8, text="b")
    assert blocked["description"] == "Forbidden: bot was blocked by the user"
    assert (await call(api, "sendMessage", chat_id=7, text="c"))["ok"]
    assert (await call(api, "sendMessage", chat_id=8, text="d"))["ok"]
    assert emulator.too_many_requests == 1

    emulator.inject("*", "500", count=None)
    assert (await call(api, "getMe"))["error_code"] == 500
    assert (await call(api, "getMe"))["error_code"] == 500
    emulator.clear_faults()
    assert (await call(api, "getMe"))["result"]["is_bot"] is True


async def test_a_delayed_request_is_dropped_when_the_bot_hangs_up(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    emulator.inject("sendMessage", "delay", delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        await api.post("sendMessage", data={"chat_id": "7", "text": "late"}, timeout=0.3)
    await asyncio.sleep(2.2)
    assert emulator.messages(7) == []


async def test_the_rate_limit_answers_429_beyond_the_configured_rate() -> None:
    limited = BotApiEmulator(rate_limit=5)
    await limited.start()
    try:
        Person(limited, 7, "Sri")
        async with httpx.AsyncClient(
            base_url=f"{limited.base_url}{TOKEN}/", trust_env=False
        ) as client:
            answers = [await call(client, "sendMessage", chat_id=7, text=str(i)) for i in range(8)]
    finally:
        await limited.stop()
    assert [a["ok"] for a in answers] == [True] * 5 + [False] * 3
    assert limited.too_many_requests == 3


async def test_photos_upload_download_and_are_checked(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    image = png_image(120, 80)
    response = await api.post(
        "sendPhoto",
        data={"chat_id": "7", "caption": "<b>Drum</b>", "parse_mode": "HTML"},
        files={"photo": ("drum.png", image, "image/png")},
    )
    sent = response.json()["result"]
    photo = sent["photo"][-1]
    assert (photo["width"], photo["height"]) == (120, 80)
    assert sent["caption"] == "Drum"
    again = await call(api, "sendPhoto", chat_id=7, photo=photo["file_id"])
    assert again["ok"]
    path = (await call(api, "getFile", file_id=photo["file_id"]))["result"]["file_path"]
    async with httpx.AsyncClient(trust_env=False) as client:
        download = await client.get(f"{emulator.base_file_url}{TOKEN}/{path}")
    assert download.content == image

    unknown = await call(api, "sendPhoto", chat_id=7, photo="no-such-file")
    assert "wrong file identifier" in unknown["description"]
    assert emulator.violations == []
    not_image = await api.post(
        "sendPhoto", data={"chat_id": "7"}, files={"photo": ("x.png", b"not an image", "image/png")}
    )
    assert "IMAGE_PROCESS_FAILED" in not_image.json()["description"]
    assert emulator.violations


async def test_callback_queries_are_answered_once(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    await call(api, "sendMessage", **buttons({"text": "A", "callback_data": "a"}))
    update_id = emulator.press_button(7, 1, "a")
    query = (await call(api, "getUpdates"))["result"][0]["callback_query"]
    assert query["id"] and query["data"] == "a" and query["message"]["text"] == "hi"
    assert update_id
    assert (await call(api, "answerCallbackQuery", callback_query_id=query["id"], text="ok"))["ok"]
    twice = await call(api, "answerCallbackQuery", callback_query_id=query["id"])
    assert "query is too old" in twice["description"]
    assert emulator.callback_answers == [
        {"callback_query_id": query["id"], "user_id": 7, "text": "ok", "show_alert": False}
    ]


async def test_message_media_is_replaced_with_a_reusable_photo_and_checked(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    Person(emulator, 7, "Sri")
    first = await api.post(
        "sendPhoto",
        data={"chat_id": "7", "caption": "first"},
        files={"photo": ("a.png", png_image(40, 30), "image/png")},
    )
    card = first.json()["result"]
    second = await api.post(
        "sendPhoto",
        data={"chat_id": "7"},
        files={"photo": ("b.png", png_image(90, 60), "image/png")},
    )
    new_photo = second.json()["result"]["photo"][-1]
    keyboard = {"inline_keyboard": [[{"text": "Next ▶️", "callback_data": "shop:2"}]]}
    media = {
        "type": "photo",
        "media": new_photo["file_id"],
        "caption": "<b>Medium</b> &amp; more",
        "parse_mode": "HTML",
    }
    target = {"chat_id": 7, "message_id": card["message_id"]}

    edited = await call(api, "editMessageMedia", **target, media=media, reply_markup=keyboard)

    assert edited["ok"], edited
    result = edited["result"]
    assert result["caption"] == "Medium & more"
    assert result["photo"][-1]["file_id"] == new_photo["file_id"]
    assert (result["photo"][-1]["width"], result["photo"][-1]["height"]) == (90, 60)
    assert result["reply_markup"] == keyboard
    shown = emulator.private_chat(7).messages[card["message_id"]]
    assert shown.plain == "Medium & more" and shown.buttons == ((("Next ▶️", "shop:2"),),)
    assert shown.entities[0]["type"] == "bold" and shown.edit_date is not None
    again = await call(api, "editMessageMedia", **target, media=media, reply_markup=keyboard)
    assert "message is not modified" in again["description"]
    reused = await call(api, "sendPhoto", chat_id=7, photo=result["photo"][-1]["file_id"])
    assert reused["ok"]

    text = await call(api, "sendMessage", chat_id=7, text="no photo yet")
    to_photo = await call(
        api,
        "editMessageMedia",
        chat_id=7,
        message_id=text["result"]["message_id"],
        media={"type": "photo", "media": new_photo["file_id"]},
    )
    assert to_photo["ok"] and to_photo["result"]["photo"]
    unknown = await call(
        api, "editMessageMedia", **target, media={"type": "photo", "media": "no-such-file"}
    )
    assert "wrong file identifier" in unknown["description"]
    missing = await call(
        api, "editMessageMedia", chat_id=7, message_id=999, media={"type": "photo", "media": "x"}
    )
    assert missing["description"] == "Bad Request: message to edit not found"
    assert emulator.violations == []

    long_caption = {**media, "caption": "x" * 1025}
    too_long = await call(api, "editMessageMedia", **target, media=long_caption)
    assert "caption is too long" in too_long["description"]
    reply_keyboard = {"keyboard": [[{"text": "Yes"}]]}
    not_inline = await call(
        api, "editMessageMedia", **target, media=media, reply_markup=reply_keyboard
    )
    assert not not_inline["ok"]
    no_media = await call(api, "editMessageMedia", **target)
    assert "required parameter media is missing" in no_media["description"]
    for problem in ("caption is too long", "unknown field", "parameter media is missing"):
        assert any(problem in violation for violation in emulator.violations), problem
    assert emulator.private_chat(7).messages[card["message_id"]].plain == "Medium & more"
    emulator.violations.clear()


@asynccontextmanager
async def emulator_with(**settings: Any) -> AsyncIterator[tuple[BotApiEmulator, httpx.AsyncClient]]:
    """An emulator built with `settings`, and a client for its Bot API."""
    running = BotApiEmulator(**settings)
    await running.start()
    try:
        async with httpx.AsyncClient(
            base_url=f"{running.base_url}{TOKEN}/", trust_env=False, timeout=10
        ) as client:
            yield running, client
    finally:
        await running.stop()


async def test_the_round_trip_delays_each_request_independently(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.round_trip = 0.2
    Person(emulator, 7, "Sri")
    started = time.monotonic()
    assert (await call(api, "sendMessage", chat_id=7, text="hi"))["ok"]
    answered = time.monotonic()
    took_effect = emulator.requests[-1].at
    # Half the round trip before the message is sent, half before the answer comes back.
    assert took_effect - started >= 0.099
    assert answered - took_effect >= 0.099

    started = time.monotonic()
    assert (await call(api, "getUpdates", timeout=0))["result"] == []
    assert time.monotonic() - started >= 0.199
    stored = emulator.store_file(png_image(), "photos")
    started = time.monotonic()
    async with httpx.AsyncClient(trust_env=False) as client:
        download = await client.get(f"{emulator.base_file_url}{TOKEN}/{stored.path}")
    assert download.content == stored.data
    assert time.monotonic() - started >= 0.199

    emulator.round_trip = 0.3
    started = time.monotonic()
    answers = await asyncio.gather(*(call(api, "getMe") for _ in range(6)))
    elapsed = time.monotonic() - started
    assert all(answer["ok"] for answer in answers)
    assert 0.299 <= elapsed < 0.9  # one after the other they would take 1.8 s


async def test_a_private_chat_gets_a_burst_then_429_until_a_token_is_free(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.chat_limit, emulator.chat_burst = 2.0, 3
    Person(emulator, 7, "Sri")
    Person(emulator, 8, "Budi")
    answers = [await call(api, "sendMessage", chat_id=7, text=str(i)) for i in range(4)]
    assert [answer["ok"] for answer in answers] == [True, True, True, False]
    assert answers[-1]["description"] == "Too Many Requests: retry after 1"
    assert answers[-1]["parameters"] == {"retry_after": 1}
    first = answers[0]["result"]["message_id"]
    edit = await call(api, "editMessageText", chat_id=7, message_id=first, text="edited")
    assert edit["error_code"] == 429
    assert [message.plain for message in emulator.messages(7)] == ["0", "1", "2"]

    assert (await call(api, "sendMessage", chat_id=8, text="other chat"))["ok"]
    await asyncio.sleep(0.6)  # a token comes every 0.5 s
    assert (await call(api, "sendMessage", chat_id=7, text="later"))["ok"]
    assert emulator.too_many_requests == 2
    assert emulator.too_many_requests_by_chat == {7: 2}
    assert emulator.violations == []


async def test_retry_after_is_the_whole_seconds_until_a_token_is_free(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.chat_limit, emulator.chat_burst = 0.25, 1
    Person(emulator, 7, "Sri")
    assert (await call(api, "sendMessage", chat_id=7, text="a"))["ok"]
    refused = await call(api, "sendMessage", chat_id=7, text="b")
    assert refused["parameters"] == {"retry_after": 4}


async def test_a_media_group_counts_one_message_per_item(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.chat_limit, emulator.chat_burst = 1.0, 2
    Person(emulator, 7, "Sri")
    photos = [emulator.store_file(png_image(), "photos").file_id for _ in range(3)]
    media = [{"type": "photo", "media": photo} for photo in photos]
    # Taken while a token is free; its three items leave the chat one message in debt.
    assert (await call(api, "sendMediaGroup", chat_id=7, media=media))["ok"]
    refused = await call(api, "sendMessage", chat_id=7, text="next")
    assert refused["parameters"] == {"retry_after": 2}


async def test_a_group_gets_twenty_messages_a_minute(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.chat_limit = 1.0
    emulator.chats[-100] = Chat(-100, "group", "Pengrajin Kendang")
    answers = [await call(api, "sendMessage", chat_id=-100, text=str(i)) for i in range(21)]
    assert [answer["ok"] for answer in answers] == [True] * 20 + [False]
    assert 55 <= answers[-1]["parameters"]["retry_after"] <= 60
    assert len(emulator.messages(-100)) == 20
    assert emulator.too_many_requests_by_chat == {-100: 1}


async def test_the_round_trip_the_chat_limit_and_the_overall_limit_compose() -> None:
    async with emulator_with(round_trip=0.3, chat_limit=1.0, chat_burst=2, rate_limit=3) as (
        limited,
        client,
    ):
        for user_id in (7, 8, 9):
            Person(limited, user_id, f"User {user_id}")
        started = time.monotonic()
        answers = await asyncio.gather(
            *(call(client, "sendMessage", chat_id=chat, text="x") for chat in (7, 7, 7, 8, 9))
        )
        elapsed = time.monotonic() - started
    # Chat 7 takes two at most, and three go in all: whatever the order, two are refused.
    assert sorted(answer["ok"] for answer in answers) == [False, False, True, True, True]
    assert {answer.get("error_code") for answer in answers} == {None, 429}
    assert limited.too_many_requests == 2
    assert sum(limited.too_many_requests_by_chat.values()) == 2
    assert len(limited.messages(7)) <= 2
    assert 0.299 <= elapsed < 0.9
    assert limited.violations == []


@dataclass
class WebhookRecorder:
    """The bot's end of a webhook: notes what arrives when, and holds each post a moment."""

    wait_for_company: bool
    in_flight: set[int] = field(default_factory=set)
    most_at_once: int = 0
    arrived: list[tuple[int, int, float]] = field(default_factory=list)
    answered: dict[int, float] = field(default_factory=dict)
    overlapping: list[int] = field(default_factory=list)
    together: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, update: dict[str, Any]) -> None:
        """Take one update, as the bot would, and answer after a moment."""
        chat = int(update["message"]["chat"]["id"])
        if chat in self.in_flight:
            self.overlapping.append(chat)
        self.in_flight.add(chat)
        self.most_at_once = max(self.most_at_once, len(self.in_flight))
        self.arrived.append((chat, int(update["update_id"]), time.monotonic()))
        if len(self.in_flight) > 1:
            self.together.set()
        if self.wait_for_company:
            # Held until another chat's update comes, which only concurrent posting allows.
            with suppress(TimeoutError):
                await asyncio.wait_for(self.together.wait(), 3)
        await asyncio.sleep(0.05)
        self.in_flight.discard(chat)
        self.answered[int(update["update_id"])] = time.monotonic()

    def updates_of(self, chat: int) -> list[int]:
        """The update ids of one chat, in the order they arrived."""
        return [update_id for arrived_chat, update_id, _ in self.arrived if arrived_chat == chat]


class _WebhookHandler(tornado.web.RequestHandler):
    def initialize(self, recorder: WebhookRecorder) -> None:
        """Keep the recorder."""
        self.recorder = recorder

    async def post(self) -> None:
        """Take an update."""
        await self.recorder.receive(json.loads(self.request.body))
        self.finish("")


@pytest.mark.parametrize("connections", [40, 1])
async def test_webhook_posts_chats_concurrently_and_each_chat_in_order(
    emulator: BotApiEmulator, api: httpx.AsyncClient, connections: int
) -> None:
    recorder = WebhookRecorder(wait_for_company=connections > 1)
    app = tornado.web.Application([(r"/hook", _WebhookHandler, {"recorder": recorder})])
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
    try:
        emulator.round_trip = 0.1
        sent = {
            chat: [emulator.send_text(chat, f"{chat}-{n}") for n in range(2)] for chat in (7, 8)
        }
        started = time.monotonic()
        assert (await call(api, "setWebhook", url=url, max_connections=connections))["ok"]
        everything = [update_id for ids in sent.values() for update_id in ids]
        await emulator.wait_until(lambda: all(map(emulator.is_confirmed, everything)), 10)
    finally:
        server.stop()
        await server.close_all_connections()
    assert recorder.arrived[0][2] - started >= 0.099  # setWebhook's half trip, then the post's
    assert recorder.overlapping == []
    assert recorder.most_at_once == min(connections, 2)
    for chat, (first, second) in sent.items():
        assert recorder.updates_of(chat) == [first, second]
        second_arrived = next(at for _, update_id, at in recorder.arrived if update_id == second)
        # The answer travels back, then the next post travels out: a whole round trip.
        assert second_arrived - recorder.answered[first] >= 0.099
