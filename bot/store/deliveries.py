"""What the bot sends for a cohort besides its posts (table cohort_deliveries).

Reminders (one per member and local date), weekly digests (one per week) and the
end-of-cohort summary are reserved here before they are sent and settled after, as
posts are in prompt_history, so a restart or a second process never sends one twice.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.store.models import DELIVERY_KINDS, Delivery, DeliveryKind, DeliveryOutcome
from bot.store.rows import RowReader, check_choice, db_time
from bot.store.runner import Runner

_DELIVERY = RowReader(Delivery)


class DeliveryQueries(Runner):
    """Reserve, settle and look up reminders, digests and summaries; part of Store."""

    async def reserve_delivery(
        self,
        cohort_id: int,
        kind: DeliveryKind,
        local_date: date,
        *,
        now: datetime,
        user_id: int = 0,
        channel_id: int | None = None,
    ) -> int | None:
        """Claim a send before it happens; None if it is already claimed (do not send)."""
        check_choice(kind, DELIVERY_KINDS, "kind")
        return await self._insert(
            "INSERT INTO cohort_deliveries (cohort_id, kind, user_id, local_date, channel_id, at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (cohort_id, kind, user_id, local_date.isoformat(), channel_id, db_time(now)),
        )

    async def settle_delivery(
        self, row_id: int, outcome: DeliveryOutcome, message_id: int | None = None
    ) -> bool:
        """Record how a claimed send ended; False if the claim is gone."""
        changed = await self._write(
            "UPDATE cohort_deliveries SET outcome = ?, message_id = ? WHERE id = ?",
            (outcome, message_id, row_id),
        )
        return changed == 1

    async def release_delivery(self, row_id: int) -> bool:
        """Drop a claim whose message certainly never went out, so it is sent again."""
        changed = await self._write(
            "DELETE FROM cohort_deliveries WHERE id = ? AND outcome IS NULL", (row_id,)
        )
        return changed == 1

    async def unsettled_deliveries(self, *, before: datetime) -> list[Delivery]:
        """Claims older than `before` never settled: the bot stopped while sending."""
        rows = await self._query(
            f"SELECT {_DELIVERY.columns} FROM cohort_deliveries "
            "WHERE outcome IS NULL AND at < ? ORDER BY id",
            (db_time(before),),
        )
        return [_DELIVERY(row) for row in rows]

    async def deliveries(
        self, cohort_id: int, kind: DeliveryKind, *, user_id: int | None = None
    ) -> list[Delivery]:
        """A cohort's sends of one kind (one member's, if given), oldest first."""
        rows = await self._query(
            f"SELECT {_DELIVERY.columns} FROM cohort_deliveries WHERE cohort_id = ? AND kind = ? "
            "AND (CAST(? AS BIGINT) IS NULL OR user_id = ?) ORDER BY id",
            (cohort_id, kind, user_id, user_id),
        )
        return [_DELIVERY(row) for row in rows]

    async def delivered(
        self, cohort_id: int, kind: DeliveryKind, local_date: date, *, user_id: int = 0
    ) -> bool:
        """Whether this send is already claimed (sent, refused or in flight): one lookup."""
        rows = await self._query(
            "SELECT 1 FROM cohort_deliveries WHERE cohort_id = ? AND kind = ? AND user_id = ? "
            "AND local_date = ?",
            (cohort_id, kind, user_id, local_date.isoformat()),
        )
        return bool(rows)
