"""Per-server settings changed from Discord by the server's admins (table guild_settings)."""

from __future__ import annotations

from datetime import datetime

from bot.store.rows import db_time
from bot.store.runner import Runner


class GuildSettingsQueries(Runner):
    """Read and change one server's settings row; part of Store."""

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
        await self._write(
            "INSERT INTO guild_settings (guild_id, facilitator_role_id, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "facilitator_role_id = excluded.facilitator_role_id, "
            "updated_at = excluded.updated_at",
            (guild_id, role_id, db_time(now)),
        )
