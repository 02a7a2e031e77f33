"""How drums are packed and how much of a container they take: sizes, weights, volumes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

CUBIC_CM_PER_M3 = 1_000_000
GRAMS_PER_KG = 1000
# HS 9206.00: percussion musical instruments (drums, xylophones, cymbals, castanets...).
DRUM_HS_CODE = "9206.00"


class ContainerKind(StrEnum):
    """A shipping container's type."""

    GP20 = "20gp"
    GP40 = "40gp"
    HC40 = "40hc"


# Nominal inside volume in cubic centimetres: 20' GP about 33 m³, 40' GP 67 m³, 40' HC 76 m³.
CONTAINER_CM3 = {
    ContainerKind.GP20: 33 * CUBIC_CM_PER_M3,
    ContainerKind.GP40: 67 * CUBIC_CM_PER_M3,
    ContainerKind.HC40: 76 * CUBIC_CM_PER_M3,
}


class Carton(BaseModel):
    """A carton of `per_carton` drums and its outer size."""

    model_config = ConfigDict(frozen=True)

    per_carton: int
    length_cm: int
    width_cm: int
    height_cm: int

    @property
    def cm3(self) -> int:
        """The carton's outer volume."""
        return self.length_cm * self.width_cm * self.height_cm


class Packing(BaseModel):
    """A model's outer size, weights, HS code and packing (loose when `carton` is None).

    A loose drum takes the box around it (diameter x diameter x height) in the container;
    cartons take their own volume, a part-filled one as much as a full one. The gross weight
    is one packed drum's, its share of the carton included.
    """

    model_config = ConfigDict(frozen=True)

    diameter_cm: int
    height_cm: int
    net_weight_g: int
    gross_weight_g: int
    hs_code: str = DRUM_HS_CODE
    carton: Carton | None = None

    def packages(self, drums: int) -> int:
        """How many packages (loose drums or cartons) this many drums make."""
        if self.carton is None:
            return drums
        return -(-drums // self.carton.per_carton)

    def cm3(self, drums: int) -> int:
        """The container volume this many drums take, packed."""
        if self.carton is None:
            return drums * self.diameter_cm * self.diameter_cm * self.height_cm
        return self.packages(drums) * self.carton.cm3

    def fits_in(self, free_cm3: int) -> int:
        """How many more drums fit in this much free volume, in whole packages."""
        if free_cm3 <= 0:
            return 0
        if self.carton is None:
            return free_cm3 // (self.diameter_cm * self.diameter_cm * self.height_cm)
        return free_cm3 // self.carton.cm3 * self.carton.per_carton

    def net_g(self, drums: int) -> int:
        """The net weight of this many drums."""
        return drums * self.net_weight_g

    def gross_g(self, drums: int) -> int:
        """The gross weight of this many drums, packed."""
        return drums * self.gross_weight_g


def usable_cm3(kind: ContainerKind, usable_share: float) -> int:
    """The volume of a container that drums can fill in practice."""
    return int(CONTAINER_CM3[kind] * Decimal(str(usable_share)))


def cubic_metres(cm3: int) -> Decimal:
    """A volume in cubic metres, to three decimals (a litre)."""
    return (Decimal(cm3) / CUBIC_CM_PER_M3).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def kilograms(grams: int) -> Decimal:
    """A weight in kilograms, to one decimal."""
    return (Decimal(grams) / GRAMS_PER_KG).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Range(BaseModel):
    """The values an admin may give, inclusive."""

    model_config = ConfigDict(frozen=True)

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


# What an admin may type for a model: anything outside is a typo (a zero, a missing or extra
# digit, millimetres for centimetres), answered with the range.
DIAMETER_CM = Range(low=10, high=80)
HEIGHT_CM = Range(low=15, high=150)
WEIGHT_G = Range(low=200, high=50_000)
PER_CARTON = Range(low=1, high=50)
CARTON_SIDE_CM = Range(low=10, high=200)
