"""A container's type and volume on screen: how full it is and what still fits in it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bot.i18n import N_, Translator
from handlers.catalogue.drums import model_name
from storage.models.catalogue import DrumModel
from storage.models.container_volume import ContainerVolume
from storage.models.packing import CONTAINER_CM3, CUBIC_CM_PER_M3, ContainerKind, usable_cm3

KIND_NAMES = {
    ContainerKind.GP20: N_("20' GP"),
    ContainerKind.GP40: N_("40' GP"),
    ContainerKind.HC40: N_("40' HC"),
}
# Ten litres: finer than any drum, and what a phone screen has room for.
_HUNDREDTH = Decimal("0.01")


def m3(t: Translator, cm3: int, *, up: bool = False) -> str:
    """Write a volume in cubic metres to two decimals; rounded up, an excess never shows as 0."""
    rounding = ROUND_CEILING if up else ROUND_HALF_UP
    value = (Decimal(cm3) / CUBIC_CM_PER_M3).quantize(_HUNDREDTH, rounding=rounding)
    return t.number(float(value))


def kind_label(t: Translator, kind: ContainerKind, usable_share: float) -> str:
    """Name a container type with its volume and the part of it drums can fill."""
    return t._("{kind} · {size} m³ · {usable} m³ usable").format(
        kind=t._(KIND_NAMES[kind]),
        size=m3(t, CONTAINER_CM3[kind]),
        usable=m3(t, usable_cm3(kind, usable_share)),
    )


def share_percent(t: Translator, usable_share: float) -> str:
    """Write the usable share of a container's volume in percent (85, or 87.5)."""
    return t.number(float(Decimal(str(usable_share)) * 100))


def volume_lines(t: Translator, volume: ContainerVolume, models: Iterable[DrumModel]) -> list[str]:
    """Say how much of the usable volume is taken, and how many more of each model still fit."""
    lines = [
        t._("📦 Volume used: <b>{used} m³</b> of {usable} m³ usable ({percent}%)").format(
            used=m3(t, volume.used_cm3),
            usable=m3(t, volume.usable_cm3),
            percent=t.number(volume.percent),
        )
    ]
    if volume.over_cm3 > 0:
        over = t._("⚠️ Over the usable volume by <b>{over} m³</b>.")
        return [*lines, over.format(over=m3(t, volume.over_cm3, up=True))]
    fits = [
        t._("• {count} more of {model}").format(
            count=t.number(volume.still_fits(model.packing)), model=model_name(t, model)
        )
        for model in {model.id: model for model in models}.values()
    ]
    if volume.free_cm3 == 0:
        lines.append(t._("No free volume left."))
    elif fits:
        header = t._("Still fits in the free {free} m³ (one model at a time):")
        lines += [header.format(free=m3(t, volume.free_cm3)), *fits]
    return lines
