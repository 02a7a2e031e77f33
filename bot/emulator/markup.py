"""Telegram's HTML parse mode: turn a message's HTML into plain text and entities, or refuse it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_MARKUP = re.compile(r"[<&]")
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]{1,10}));")


class ParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's description."""


@dataclass(frozen=True)
class Parsed:
    """Plain text and its entities, offsets in UTF-16 code units as Telegram counts them."""

    text: str
    entities: list[dict[str, Any]]


def utf16_length(text: str) -> int:
    """Count text the way Telegram does, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> Parsed:
    """Parse Telegram HTML: supported tags only, every tag closed, every `<` and `&` escaped."""
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            i, closed = _tag(source, i, stack, length)
            if closed is not None:
                entities.append(closed)
            continue
        if char == "&":
            match = _ENTITY.match(source, i)
            decoded = _decode_entity(match) if match else None
            if match is None or decoded is None:
                raise ParseError(
                    "Bad Request: can't parse entities: Can't find end of the entity starting "
                    f"at byte offset {_byte_offset(source, i)}"
                )
            out.append(decoded)
            length += utf16_length(decoded)
            i = match.end()
            continue
        # Plain text up to the next tag or entity, counted in one go.
        run_end = _MARKUP.search(source, i)
        stop = len(source) if run_end is None else run_end.start()
        out.append(source[i:stop])
        length += utf16_length(source[i:stop])
        i = stop
    if stack:
        raise ParseError(
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities = [entity for entity in entities if entity["length"] > 0]
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return Parsed("".join(out), entities)


def _tag(
    source: str, start: int, stack: list[tuple[str, int, dict[str, str]]], offset: int
) -> tuple[int, dict[str, Any] | None]:
    end = source.find(">", start)
    if end == -1:
        raise ParseError(
            "Bad Request: can't parse entities: Unclosed start tag at byte offset "
            f"{_byte_offset(source, start)}"
        )
    if source.startswith("</", start):
        name = source[start + 2 : end].strip().lower()
        if not stack or stack[-1][0] != name:
            raise ParseError(
                f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                f'{_byte_offset(source, start)}, expected "</{stack[-1][0] if stack else ""}>", '
                f'found "</{name}>"'
            )
        tag, opened_at, attributes = stack.pop()
        return end + 1, _entity(tag, opened_at, offset - opened_at, attributes)
    match = _TAG_NAME.match(source, start + 1)
    name = match.group(0).lower() if match else ""
    if not name or name not in ENTITY_TYPES:
        raise ParseError(
            f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset '
            f"{_byte_offset(source, start)}"
        )
    assert match is not None
    attributes = _attributes(source[match.end() : end])
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise ParseError(
            'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte '
            f"offset {_byte_offset(source, start)}"
        )
    stack.append((name, offset, attributes))
    return end + 1, None


def _attributes(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        if match.group(1):
            value = next((group for group in match.groups()[1:] if group is not None), "")
            attributes[match.group(1).lower()] = value
    return attributes


def _entity(tag: str, offset: int, length: int, attributes: dict[str, str]) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": ENTITY_TYPES[tag], "offset": offset, "length": length}
    if tag == "a":
        url = attributes.get("href", "")
        if url.startswith("tg://user?id="):
            return {**entity, "type": "text_mention", "user": {"id": int(url.split("=", 1)[1])}}
        entity["url"] = url
    elif tag == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attributes.get("emoji-id", "")
    return entity


def _decode_entity(match: re.Match[str]) -> str | None:
    hex_code, decimal, name = match.groups()
    if name is not None:
        return NAMED_ENTITIES.get(name)
    code = int(hex_code, 16) if hex_code is not None else int(decimal)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))
