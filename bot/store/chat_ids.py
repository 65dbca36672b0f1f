"""Integer ids for chats whose own ids are text (table chat_ids; Slack's T…, C…, U…, ts).

The services and every other table key things by integer. A face with text ids maps
each one here, once and for good, and hands the services ``-id``: negative, so it can
never equal a Discord snowflake or the console's ids, and reversible through this table.
"""

from __future__ import annotations

from bot.store.runner import Conn, Runner, change, fetch


class ChatIdQueries(Runner):
    """Map (platform, text id) to a stable negative integer and back; part of Store."""

    async def chat_id(self, platform: str, external_id: str) -> int:
        """The integer for ``external_id`` on ``platform``, made on first use (committed)."""

        async def body(conn: Conn) -> int:
            await change(
                conn,
                "INSERT INTO chat_ids (platform, external_id) VALUES (?, ?) "
                "ON CONFLICT (platform, external_id) DO NOTHING",
                (platform, external_id),
            )
            rows = await fetch(
                conn,
                "SELECT id FROM chat_ids WHERE platform = ? AND external_id = ?",
                (platform, external_id),
            )
            return -int(rows[0][0])

        return await self._run(body, "write")

    async def external_id(self, platform: str, chat_id: int) -> str | None:
        """The text id an integer from ``chat_id`` stands for, or None if it is not one."""
        if chat_id >= 0:
            return None
        rows = await self._query(
            "SELECT external_id FROM chat_ids WHERE id = ? AND platform = ?", (-chat_id, platform)
        )
        return str(rows[0][0]) if rows else None
