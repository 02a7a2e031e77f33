"""Reading what an admin types at shipping: container and seal numbers, vessel, ports, marks."""

from __future__ import annotations

import re
import string
from enum import Enum
from typing import Any

from bot.i18n import Translator, half_width
from handlers.common import clean_text, esc
from storage.models.containers import ContainerView, ShippingDetails

MAX_VESSEL_LENGTH = 60
MAX_VOYAGE_LENGTH = 20
MAX_PORT_LENGTH = 80
MAX_MARKS_LENGTH = 300
MIN_SEAL_LENGTH, MAX_SEAL_LENGTH = 4, 20
# The draft's keys, in the order they are asked.
FIELDS = tuple(ShippingDetails.model_fields)

# Chinese keyboards type letters full width too; spaces and hyphens people type between the
# parts of a number are dropped.
_FULL_WIDTH_LETTERS = {ord(letter) + 0xFEE0: ord(letter) for letter in string.ascii_letters} | {
    0x3000: ord(" ")
}
_SEPARATORS = re.compile(r"[\s-]+")
_CONTAINER_NUMBER = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_SEAL = re.compile(rf"^[A-Z0-9-]{{{MIN_SEAL_LENGTH},{MAX_SEAL_LENGTH}}}$")
_VOYAGE = re.compile(rf"^[A-Z0-9/.-]{{1,{MAX_VOYAGE_LENGTH}}}$")
# ISO 6346 gives the letters the values 10 to 38, skipping the multiples of 11.
_LETTER_VALUES = {
    letter: value
    for letter, value in zip(
        string.ascii_uppercase, (v for v in range(10, 39) if v % 11), strict=True
    )
}


class NumberProblem(Enum):
    """Why a typed container number was refused."""

    FORM = "form"
    CHECK_DIGIT = "check digit"


def _ascii(raw: str) -> str:
    return half_width(raw).translate(_FULL_WIDTH_LETTERS).strip()


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of an owner code, category letter and serial number."""
    total = sum(
        (_LETTER_VALUES[char] if char.isalpha() else int(char)) << position
        for position, char in enumerate(first_ten)
    )
    return total % 11 % 10


def compact_number(raw: str | None) -> str:
    """A typed container number without spaces and hyphens, in capitals."""
    return _SEPARATORS.sub("", _ascii(raw or "")).upper()


def read_container_number(raw: str | None) -> str | NumberProblem:
    """Read an ISO 6346 container number as "MSKU1234565"; why not, when it is not one."""
    number = compact_number(raw)
    if not _CONTAINER_NUMBER.match(number):
        return NumberProblem.FORM
    if check_digit(number[:10]) != int(number[10]):
        return NumberProblem.CHECK_DIGIT
    return number


def read_seal(raw: str | None) -> str | None:
    """Read a seal number: letters, digits and hyphens, 4 to 20 of them; None otherwise."""
    seal = _ascii(raw or "").upper()
    return seal if _SEAL.match(seal) else None


def read_vessel(raw: str | None) -> str | None:
    """Read a vessel's name on one line, up to 60 characters; None otherwise."""
    return clean_text(raw, MAX_VESSEL_LENGTH)


def read_voyage(raw: str | None) -> str | None:
    """Read a voyage number: letters, digits, '/', '-' and '.', up to 20; None otherwise."""
    voyage = _ascii(raw or "").upper()
    return voyage if _VOYAGE.match(voyage) else None


def read_port(raw: str | None) -> str | None:
    """Read a port's name on one line, up to 80 characters; None otherwise."""
    return clean_text(raw, MAX_PORT_LENGTH)


def read_marks(raw: str | None) -> str | None:
    """Read shipping marks: several lines, each trimmed, up to 300 characters in all."""
    lines = [" ".join(line.split()) for line in (raw or "").splitlines()]
    marks = "\n".join(line for line in lines if line)
    if not marks or len(marks) > MAX_MARKS_LENGTH:
        return None
    if clean_text(marks, MAX_MARKS_LENGTH) is None:
        return None
    return marks


def default_marks(view: ContainerView) -> str:
    """The marks offered: the buyer's company (else name), the destination, the reference."""
    container = view.container
    buyer = view.buyer_company or view.buyer_name
    return "\n".join([buyer.upper(), container.destination.upper(), container.reference])


def details_from(draft: dict[str, Any]) -> ShippingDetails | None:
    """The details in a flow's draft; None until every one was given."""
    if not all(isinstance(draft.get(field), str) for field in FIELDS):
        return None
    return ShippingDetails.model_validate({field: draft[field] for field in FIELDS})


def details_lines(t: Translator, details: ShippingDetails) -> list[str]:
    """The shipping details as the summary lists them, escaped."""
    return [
        t._("Container number: <b>{number}</b>").format(number=details.container_number),
        t._("Seal number: <b>{seal}</b>").format(seal=details.seal_number),
        t._("Vessel and voyage: {vessel} / {voyage}").format(
            vessel=esc(details.vessel), voyage=details.voyage
        ),
        t._("Port of loading: {port}").format(port=esc(details.port_of_loading)),
        t._("Port of discharge: {port}").format(port=esc(details.port_of_discharge)),
        t._("Shipping marks:"),
        f"<code>{esc(details.shipping_marks)}</code>",
    ]
