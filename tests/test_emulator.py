"""The local Bot API emulator answers as Telegram does and catches requests that break the spec."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.emulator import BotApiEmulator, Person
from bot.emulator.markup import ParseError, parse_html
from bot.emulator.world import png_image

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
