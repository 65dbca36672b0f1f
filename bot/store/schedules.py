"""Each server's posting schedule (table schedules) and its quiet dates (quiet_dates)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot.store.models import ALL_WEEKDAYS, ScheduleRow
from bot.store.rows import RowReader, db_time
from bot.store.runner import Runner, change, fetch

_POST_TIME_RE = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_SCHEDULE = RowReader(ScheduleRow)


class ScheduleQueries(Runner):
    """Read and change schedules and quiet dates; part of Store."""

    async def get_schedule(self, guild_id: int) -> ScheduleRow | None:
        rows = await self._query(
            f"SELECT {_SCHEDULE.columns} FROM schedules WHERE guild_id = ?", (guild_id,)
        )
        return _SCHEDULE(rows[0]) if rows else None

    async def upsert_schedule(
        self,
        guild_id: int,
        *,
        channel_id: int,
        post_time: str,
        timezone: str,
        weekdays: int = ALL_WEEKDAYS,
        created_by: int | None,
        now: datetime,
        notify_channel_id: int | None = None,
        starts_on: date | None = None,
    ) -> ScheduleRow:
        """Create or change a server's schedule.

        Keeps `paused`, `round` and the original `created_by` of an existing schedule;
        a notify channel of None keeps the old one. A new schedule continues from the
        server's highest round in its history, so deleting and re-creating a schedule
        does not replay prompts.
        """
        if not _POST_TIME_RE.fullmatch(post_time):
            raise ValueError(f"post_time must be 'HH:MM' (24-hour), got {post_time!r}")
        if not 0 <= weekdays <= ALL_WEEKDAYS:
            raise ValueError(f"weekdays must be a 7-bit mask, got {weekdays!r}")
        try:  # a bad name stored here would break the scheduler loop later
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone must be an IANA name such as 'Europe/Berlin', got {timezone!r}"
            ) from None
        stamp = db_time(now)

        async def body(conn: aiosqlite.Connection) -> ScheduleRow:
            await change(
                conn,
                """
                INSERT INTO schedules (guild_id, channel_id, post_time, timezone, weekdays,
                                       notify_channel_id, round, created_by, updated_at,
                                       starts_on)
                VALUES (?, ?, ?, ?, ?, ?,
                        (SELECT COALESCE(MAX(round), 1) FROM prompt_history WHERE guild_id = ?),
                        ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    channel_id = excluded.channel_id,
                    post_time = excluded.post_time,
                    timezone = excluded.timezone,
                    weekdays = excluded.weekdays,
                    notify_channel_id = COALESCE(excluded.notify_channel_id,
                                                 schedules.notify_channel_id),
                    created_by = COALESCE(schedules.created_by, excluded.created_by),
                    updated_at = excluded.updated_at,
                    starts_on = excluded.starts_on
                """,
                (
                    guild_id,
                    channel_id,
                    post_time,
                    timezone,
                    weekdays,
                    notify_channel_id,
                    guild_id,
                    created_by,
                    stamp,
                    None if starts_on is None else starts_on.isoformat(),
                ),
            )
            rows = await fetch(
                conn, f"SELECT {_SCHEDULE.columns} FROM schedules WHERE guild_id = ?", (guild_id,)
            )
            return _SCHEDULE(rows[0])

        return await self._run(body, "write")

    async def set_paused(self, guild_id: int, paused: bool, *, now: datetime) -> bool:
        """Pause or resume; False if the server has no schedule."""
        changed, _ = await self._write(
            "UPDATE schedules SET paused = ?, updated_at = ? WHERE guild_id = ?",
            (int(paused), db_time(now), guild_id),
        )
        return changed == 1

    async def set_notify_channel(
        self, guild_id: int, channel_id: int | None, *, now: datetime
    ) -> bool:
        """Remember where facilitators last spoke to the bot; False if no schedule."""
        changed, _ = await self._write(
            "UPDATE schedules SET notify_channel_id = ?, updated_at = ? WHERE guild_id = ?",
            (channel_id, db_time(now), guild_id),
        )
        return changed == 1

    async def list_schedules(self, *, include_paused: bool = True) -> list[ScheduleRow]:
        """Every server's schedule, for the scheduler loop."""
        where = "" if include_paused else "WHERE paused = 0"
        rows = await self._query(
            f"SELECT {_SCHEDULE.columns} FROM schedules {where} ORDER BY guild_id"
        )
        return [_SCHEDULE(row) for row in rows]

    async def delete_schedule(self, guild_id: int) -> bool:
        """Stop posting for a server. Its history and quiet dates are kept."""
        changed, _ = await self._write("DELETE FROM schedules WHERE guild_id = ?", (guild_id,))
        return changed == 1

    async def add_quiet_date(self, guild_id: int, day: date) -> bool:
        """False if the date was already quiet."""
        changed, _ = await self._write(
            "INSERT INTO quiet_dates (guild_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, day.isoformat()),
        )
        return changed == 1

    async def remove_quiet_date(self, guild_id: int, day: date) -> bool:
        changed, _ = await self._write(
            "DELETE FROM quiet_dates WHERE guild_id = ? AND local_date = ?",
            (guild_id, day.isoformat()),
        )
        return changed == 1

    async def list_quiet_dates(self, guild_id: int, *, start: date | None = None) -> list[date]:
        """Quiet dates in order, optionally only those on or after `start`."""
        rows = await self._query(
            "SELECT local_date FROM quiet_dates WHERE guild_id = ? AND local_date >= ? "
            "ORDER BY local_date",
            (guild_id, "" if start is None else start.isoformat()),
        )
        return [date.fromisoformat(row[0]) for row in rows]

    async def is_quiet_date(self, guild_id: int, day: date) -> bool:
        rows = await self._query(
            "SELECT 1 FROM quiet_dates WHERE guild_id = ? AND local_date = ?",
            (guild_id, day.isoformat()),
        )
        return bool(rows)
