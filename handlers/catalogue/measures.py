"""A model's outer size, weights, HS code and packing: written for the reader, read as typed."""

from __future__ import annotations

import re

from babel.numbers import format_decimal

from bot.i18n import Translator, half_width
from storage.models.packing import (
    CARTON_SIDE_CM,
    DIAMETER_CM,
    GRAMS_PER_KG,
    HEIGHT_CM,
    PER_CARTON,
    WEIGHT_G,
    Carton,
    Packing,
    kilograms,
)

# "26x50", "26 x 50", "26*50 cm", with the multiplication sign or typed full width (Chinese
# keyboards); a carton's three sides the same way.
_TIMES = r"\s*[xX*\u00d7\uff58\uff38\uff0a]\s*"
_SIDE = r"([0-9]{1,4})"
_SIZE = re.compile(rf"^{_SIDE}{_TIMES}{_SIDE}\s*(?:cm)?$", re.IGNORECASE)
_BOX = re.compile(rf"^{_SIDE}{_TIMES}{_SIDE}{_TIMES}{_SIDE}\s*(?:cm)?$", re.IGNORECASE)
# Kilograms with at most one decimal, either mark: "4.5", "4,5", "12", "4.5 kg".
_KG = re.compile(r"^([0-9]{1,3})(?:[.,]([0-9]))?\s*(?:kg)?$", re.IGNORECASE)
# Six digits (the international heading, 9206.00) or eight (Indonesia's, 9206.00.00).
_HS = re.compile(r"^[0-9]{4}\.?[0-9]{2}(?:\.?[0-9]{2})?$")


def _typed(raw: str | None) -> str:
    return half_width(raw or "").strip()


def parse_size(raw: str | None) -> tuple[int, int] | None:
    """Read "diameter x height" in whole centimetres, within the allowed ranges."""
    match = _SIZE.match(_typed(raw))
    if match is None:
        return None
    diameter, height = int(match[1]), int(match[2])
    return (diameter, height) if diameter in DIAMETER_CM and height in HEIGHT_CM else None


def parse_weight(raw: str | None) -> int | None:
    """Read kilograms with at most one decimal as grams, within the allowed range."""
    match = _KG.match(_typed(raw))
    if match is None:
        return None
    grams = int(match[1]) * GRAMS_PER_KG + int(match[2] or 0) * GRAMS_PER_KG // 10
    return grams if grams in WEIGHT_G else None


def parse_hs_code(raw: str | None) -> str | None:
    """Read an HS code of six or eight digits, dots where the admin typed them."""
    text = _typed(raw)
    return text if _HS.match(text) else None


def parse_per_carton(raw: str | None) -> int | None:
    """Read how many drums go in a carton, within the allowed range."""
    text = _typed(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    count = int(text)
    return count if count in PER_CARTON else None


def parse_carton(raw: str | None) -> tuple[int, int, int] | None:
    """Read a carton's "length x width x height" in whole centimetres, within the range."""
    match = _BOX.match(_typed(raw))
    if match is None:
        return None
    sides = (int(match[1]), int(match[2]), int(match[3]))
    return sides if all(side in CARTON_SIDE_CM for side in sides) else None


def kg(t: Translator, grams: int) -> str:
    """A weight in kilograms as the reader writes it: 4.5 or 4,5; 4 for a whole one."""
    return format_decimal(kilograms(grams), format="#,##0.#", locale=t.locale)


def size_text(t: Translator, packing: Packing) -> str:
    """The outer size, diameter by height, e.g. "26 x 50 cm" with a multiplication sign."""
    return t._("{diameter} × {height} cm").format(  # noqa: RUF001
        diameter=t.number(packing.diameter_cm), height=t.number(packing.height_cm)
    )


def weight_text(t: Translator, grams: int) -> str:
    """A weight, e.g. "4.5 kg"."""
    return t._("{weight} kg").format(weight=kg(t, grams))


def packing_text(t: Translator, carton: Carton | None) -> str:
    """How drums are packed: "loose", or "4 per carton, 60 x 60 x 55 cm" (multiplication signs)."""
    if carton is None:
        return t._("loose")
    return t._("{count} per carton, {length} × {width} × {height} cm").format(  # noqa: RUF001
        count=t.number(carton.per_carton),
        length=t.number(carton.length_cm),
        width=t.number(carton.width_cm),
        height=t.number(carton.height_cm),
    )


def packing_lines(t: Translator, packing: Packing) -> list[str]:
    """A model's size, weights, HS code and packing, a line each, as the card shows them."""
    return [
        t._("Outer size: {size}").format(size=size_text(t, packing)),
        t._("Weight: net {net} · gross {gross}").format(
            net=weight_text(t, packing.net_weight_g), gross=weight_text(t, packing.gross_weight_g)
        ),
        t._("HS code: <code>{code}</code>").format(code=packing.hs_code),
        t._("Packing: {packing}").format(packing=packing_text(t, packing.carton)),
    ]


def size_hint(t: Translator) -> str:
    """How to type an outer size, with the allowed ranges."""
    return t._(
        "Please type the diameter and the height in whole cm, for example 26x50. The diameter "
        "can be from {diameter_low} to {diameter_high} cm, the height from {height_low} to "
        "{height_high} cm."
    ).format(
        diameter_low=t.number(DIAMETER_CM.low),
        diameter_high=t.number(DIAMETER_CM.high),
        height_low=t.number(HEIGHT_CM.low),
        height_high=t.number(HEIGHT_CM.high),
    )


def weight_hint(t: Translator) -> str:
    """How to type a weight, with the allowed range."""
    return t._(
        "Please type the weight in kg with at most one decimal, for example 4.5. "
        "It can be from {low} to {high} kg."
    ).format(low=kg(t, WEIGHT_G.low), high=kg(t, WEIGHT_G.high))


def hs_code_hint(t: Translator) -> str:
    """How to type an HS code."""
    return t._(
        "Please type the HS code as 6 or 8 digits, with dots if you like, "
        "for example 9206.00 or 9206.00.00."
    )


def per_carton_hint(t: Translator) -> str:
    """How to type the drums in a carton, with the allowed range."""
    return t._("Please type a whole number of drums from {low} to {high}.").format(
        low=t.number(PER_CARTON.low), high=t.number(PER_CARTON.high)
    )


def carton_hint(t: Translator) -> str:
    """How to type a carton's size, with the allowed range."""
    return t._(
        "Please type the carton's length, width and height in whole cm, for example 60x60x55. "
        "Each side can be from {low} to {high} cm."
    ).format(low=t.number(CARTON_SIDE_CM.low), high=t.number(CARTON_SIDE_CM.high))
