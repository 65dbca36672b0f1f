"""Per-server settings changed from Discord by the server's admins (table guild_settings).

A mixin of the Store: the same connection, lock and one-transaction-per-method rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


class GuildSettingsQueries:
    """Read and change one server's settings row; ``Store`` provides the plumbing."""

    async def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        raise NotImplementedError

    async def _write(self, sql: str, params: Sequence[object] = ()) -> tuple[int, int | None]:
        raise NotImplementedError

    async def get_facilitator_role(self, guild_id: int) -> int | None:
        """The id of the server's facilitator role, or None if none was set."""
        rows = await self._query(
            "SELECT facilitator_role_id FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def set_facilitator_role(
        self, guild_id: int, role_id: int | None, *, now: datetime
    ) -> None:
        """Set (or, with None, clear) the facilitator role; committed when this returns."""
        if now.utcoffset() is None:
            raise ValueError(f"timestamps must be timezone-aware, got naive {now!r}")
        await self._write(
            "INSERT INTO guild_settings (guild_id, facilitator_role_id, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "facilitator_role_id = excluded.facilitator_role_id, "
            "updated_at = excluded.updated_at",
            (guild_id, role_id, now.astimezone(UTC).isoformat(timespec="microseconds")),
        )
