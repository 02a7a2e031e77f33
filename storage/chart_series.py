"""The series behind the admins' charts: accepted drums per week, stock per model."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

from storage.catalogue import ORDER, drum_model, model_columns
from storage.db import Database
from storage.figures import utc_text
from storage.models.catalogue import DrumSize
from storage.models.stock import StockBalance

# Villages drawn apart; the others are summed into one group.
TOP_VILLAGES = 5
# Models drawn apart in the stock chart; the others are summed into one bar.
TOP_MODELS = 10

# Accepted drums of a period from the stock ledger, by when they were accepted. Going through
# the models (CROSS JOIN keeps that order) lets SQLite range-scan the partial index
# stock_movements_accepted_by_time once per model instead of reading the whole ledger.
_FROM_MODELS = " FROM drum_models d CROSS JOIN stock_movements s ON s.model_id = d.id"
_ACCEPTED_IN_PERIOD = (
    " WHERE s.kind = 'accepted' AND s.created_at >= :start AND s.created_at < :end"
)


class GroupDrums(BaseModel):
    """One group's accepted drums in each period, oldest first."""

    model_config = ConfigDict(frozen=True)

    # A size (DrumSize value) or a village; None for every other village together.
    key: str | None
    drums: list[int]

    @property
    def total(self) -> int:
        """The group's drums over every period."""
        return sum(self.drums)


class AcceptedDrums(BaseModel):
    """Drums accepted in consecutive periods, split into groups."""

    model_config = ConfigDict(frozen=True)

    starts: list[datetime]
    groups: list[GroupDrums]

    @property
    def totals(self) -> list[int]:
        """Every group's drums together, per period."""
        return [sum(drums) for drums in zip(*(g.drums for g in self.groups), strict=True)]

    @property
    def total(self) -> int:
        """The drums accepted over every period."""
        return sum(group.total for group in self.groups)


class StockByModel(BaseModel):
    """The models with most drums on hand, and the others summed."""

    model_config = ConfigDict(frozen=True)

    lines: list[StockBalance]
    more_models: int
    more_on_hand: int
    more_reserved: int

    @property
    def on_hand(self) -> int:
        """Drums on hand over every model."""
        return sum(line.on_hand for line in self.lines) + self.more_on_hand

    @property
    def reserved(self) -> int:
        """Drums reserved for orders over every model."""
        return sum(line.reserved for line in self.lines) + self.more_reserved


class ChartSeries:
    """Reads the series the admins' charts draw."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def accepted_by_size(self, bounds: Sequence[datetime]) -> AcceptedDrums:
        """Return the drums accepted per size in each period [bounds[i], bounds[i + 1]).

        One group per size, small to large, even when it has no drums.
        """
        sizes = {size.value: [0] * (len(bounds) - 1) for size in DrumSize}
        for index, start, end in _periods(bounds):
            # One query per period: the database lock is let go between them.
            rows = await self._db.fetch_all(
                "SELECT d.size, SUM(s.on_hand_delta) AS drums"
                f"{_FROM_MODELS}{_ACCEPTED_IN_PERIOD} GROUP BY d.size",
                {"start": start, "end": end},
            )
            for row in rows:
                sizes[row["size"]][index] = int(row["drums"])
        return AcceptedDrums(
            starts=list(bounds[:-1]),
            groups=[GroupDrums(key=key, drums=drums) for key, drums in sizes.items()],
        )

    async def accepted_by_village(
        self, bounds: Sequence[datetime], *, top: int = TOP_VILLAGES
    ) -> AcceptedDrums:
        """Return the drums accepted per village in each period, the `top` villages apart.

        Villages typed in another case are one village; the others, and artisans without a
        village, are summed into the group whose key is None (left out when it has none).
        """
        if top < 1:
            raise ValueError("keep at least one village apart")
        periods = len(bounds) - 1
        villages: dict[str, list[int]] = {}
        spellings: dict[str, str] = {}
        for index, start, end in _periods(bounds):
            # Summed per artisan first, then per village: one members lookup per artisan.
            rows = await self._db.fetch_all(
                "SELECT MIN(m.village) AS village, SUM(a.drums) AS drums FROM"
                f" (SELECT r.artisan_id, SUM(s.on_hand_delta) AS drums{_FROM_MODELS}"
                f"  CROSS JOIN reports r ON r.id = s.report_id{_ACCEPTED_IN_PERIOD}"
                "  GROUP BY r.artisan_id) a"
                " JOIN members m ON m.id = a.artisan_id"
                " GROUP BY COALESCE(m.village, '') COLLATE NOCASE",
                {"start": start, "end": end},
            )
            for row in rows:
                village = row["village"] or ""
                key = village.lower()
                spellings[key] = min(spellings.get(key, village), village)
                villages.setdefault(key, [0] * periods)[index] += int(row["drums"])
        ranked = sorted(
            (key for key in villages if key), key=lambda key: (-sum(villages[key]), key)
        )
        kept, others = ranked[:top], [key for key in villages if key not in ranked[:top]]
        groups = [GroupDrums(key=spellings[key], drums=villages[key]) for key in kept]
        rest = [sum(villages[key][index] for key in others) for index in range(periods)]
        if any(rest):
            groups.append(GroupDrums(key=None, drums=rest))
        return AcceptedDrums(starts=list(bounds[:-1]), groups=groups)

    async def accepted_of_models(
        self, model_ids: Collection[int], bounds: Sequence[datetime]
    ) -> list[int]:
        """Return the drums of these models accepted in each period."""
        totals = [0] * (len(bounds) - 1)
        if not model_ids:
            return totals
        ids = {f"m{n}": model_id for n, model_id in enumerate(sorted(model_ids))}
        wanted = ", ".join(f":{name}" for name in ids)
        for index, start, end in _periods(bounds):
            totals[index] = int(
                await self._db.fetch_value(
                    f"SELECT COALESCE(SUM(s.on_hand_delta), 0){_FROM_MODELS}"
                    f"{_ACCEPTED_IN_PERIOD} AND d.id IN ({wanted})",
                    {"start": start, "end": end, **ids},
                )
            )
        return totals

    async def stock_by_model(self, *, top: int = TOP_MODELS) -> StockByModel:
        """Return the `top` models with most drums on hand, and the rest summed."""
        if top < 1:
            raise ValueError("keep at least one model apart")
        rows = await self._db.fetch_all(
            f"SELECT {model_columns('d', 'm_')}, b.on_hand, b.reserved"
            " FROM stock_balances b JOIN drum_models d ON d.id = b.model_id"
            f" WHERE b.on_hand > 0 ORDER BY b.on_hand DESC, {ORDER}"
        )
        lines = [
            StockBalance(
                model=drum_model(row, "m_"), on_hand=row["on_hand"], reserved=row["reserved"]
            )
            for row in rows
        ]
        rest = lines[top:]
        return StockByModel(
            lines=lines[:top],
            more_models=len(rest),
            more_on_hand=sum(line.on_hand for line in rest),
            more_reserved=sum(line.reserved for line in rest),
        )


def _periods(bounds: Sequence[datetime]) -> list[tuple[int, str, str]]:
    """Number the periods between consecutive bounds, as stored UTC text."""
    if len(bounds) < 2:
        raise ValueError("periods need at least two bounds")
    texts = [utc_text(bound) for bound in bounds]
    if any(later <= earlier for earlier, later in pairwise(bounds)):
        raise ValueError("period bounds must increase")
    return [(index, texts[index], texts[index + 1]) for index in range(len(bounds) - 1)]
