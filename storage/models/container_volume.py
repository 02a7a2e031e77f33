"""How much of a container's usable volume the drums planned in it take, and what still fits."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from storage.models.containers import ContainerProgress
from storage.models.orders import Order, OrderStatus
from storage.models.packing import Packing, usable_cm3


def planned_drums(order: Order) -> int:
    """The drums of an order that a container still has to carry: confirmed, not yet shipped."""
    return (order.confirmed or 0) - order.shipped


class ContainerVolume(BaseModel):
    """A container's usable volume and the part of it its planned drums take, packed."""

    model_config = ConfigDict(frozen=True)

    usable_cm3: int
    used_cm3: int

    @property
    def free_cm3(self) -> int:
        """The usable volume still free; below zero when the container is overfilled."""
        return self.usable_cm3 - self.used_cm3

    @property
    def over_cm3(self) -> int:
        """How far the planned drums go past the usable volume; zero when they fit."""
        return max(0, -self.free_cm3)

    @property
    def percent(self) -> int:
        """The share of the usable volume taken, in whole percent rounded down (over 100 too)."""
        return self.used_cm3 * 100 // self.usable_cm3

    def still_fits(self, packing: Packing) -> int:
        """How many more drums packed this way fit in the free volume, with nothing else."""
        return packing.fits_in(self.free_cm3)


def container_volume(progress: ContainerProgress, usable_share: float) -> ContainerVolume:
    """Pack the drums planned in a container, order by order, into its usable volume."""
    container = progress.view.container
    used = sum(
        view.model.packing.cm3(planned_drums(view.order))
        for view in progress.orders
        if view.order.status is OrderStatus.IN_CONTAINER
    )
    return ContainerVolume(usable_cm3=usable_cm3(container.kind, usable_share), used_cm3=used)
