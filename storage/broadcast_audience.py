"""Who an announcement reaches: the members of each audience who can be reached."""

from __future__ import annotations

from storage.db import Database
from storage.models.broadcasts import Audience, Recipient

# Recipients per audience (`m` members, `u` telegram_users): people who blocked the bot or
# could not be reached are left out until they write to the bot again.
AUDIENCE_FILTER = {
    Audience.EVERYONE: "m.status = 'active'",
    Audience.ARTISANS: "m.status = 'active' AND m.role = 'artisan'",
    Audience.BUYERS: "m.status = 'active' AND m.role = 'buyer'",
    Audience.VILLAGE: "m.status = 'active' AND m.role = 'artisan' AND m.village = :village",
    Audience.PENDING: "m.status = 'pending'",
}


def recipients_sql(select: str) -> str:
    """Return a query of `select` over the reachable members; format it with a filter."""
    return (
        f"SELECT {select} FROM members m JOIN telegram_users u ON u.telegram_id = m.telegram_id"
        " WHERE u.blocked_at IS NULL AND {filter}"
    )


class BroadcastAudience:
    """The part of Broadcasts that counts and lists an audience's recipients."""

    _db: Database

    async def recipients(self, audience: Audience, village: str | None = None) -> list[Recipient]:
        """Return who would get an announcement for this audience now."""
        sql = recipients_sql("m.telegram_id, u.chosen_locale, u.language_code").format(
            filter=AUDIENCE_FILTER[audience]
        )
        rows = await self._db.fetch_all(sql + " ORDER BY m.telegram_id", {"village": village})
        return [Recipient.model_validate(dict(row)) for row in rows]

    async def count(self, audience: Audience, village: str | None = None) -> int:
        """Count who would get an announcement for this audience now."""
        sql = recipients_sql("COUNT(*)").format(filter=AUDIENCE_FILTER[audience])
        return int(await self._db.fetch_value(sql, {"village": village}))

    async def villages(self) -> list[tuple[str, int]]:
        """Return the villages of active artisans with how many can be reached, by name."""
        rows = await self._db.fetch_all(
            recipients_sql("m.village, COUNT(*) AS people").format(
                filter=AUDIENCE_FILTER[Audience.ARTISANS] + " AND m.village IS NOT NULL"
            )
            + " GROUP BY m.village ORDER BY m.village"
        )
        return [(row["village"], int(row["people"])) for row in rows]
