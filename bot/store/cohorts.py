"""Cohorts (table cohorts) and their quiet dates (quiet_dates).

A server may run several cohorts, each in its own channel; a channel holds at most one
running cohort, and running cohorts' names are unique in a server. Ending a cohort
stops it (posts, reminders, digests) and keeps everything it holds.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.store.models import (
    ALL_WEEKDAYS,
    COHORT_CHANGEABLE,
    WHEN_FINISHED,
    CohortRow,
    WhenFinished,
)
from bot.store.rows import RowReader, check_choice, db_time
from bot.store.runner import Conn, Runner, change, fetch
from bot.store.store_error import StoreError

_POST_TIME_RE = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_COHORT = RowReader(CohortRow)
_SELECT = f"SELECT {_COHORT.columns} FROM cohorts"


def check_schedule_values(post_time: str, timezone: str, weekdays: int) -> None:
    """Refuse values that would break the posting loop later, naming the field."""
    if not _POST_TIME_RE.fullmatch(post_time):
        raise ValueError(f"post_time must be 'HH:MM' (24-hour), got {post_time!r}")
    if not 0 <= weekdays <= ALL_WEEKDAYS:
        raise ValueError(f"weekdays must be a 7-bit mask, got {weekdays!r}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"timezone must be an IANA name such as 'Europe/Berlin', got {timezone!r}"
        ) from None


def _stored(column: str, value: object) -> object:
    """A value as its column holds it (dates as text, flags as 0/1)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if column == "when_finished" and value is not None:
        check_choice(str(value), WHEN_FINISHED, "when_finished")
    return value


class CohortQueries(Runner):
    """Create, read, change and end cohorts; their quiet dates; part of Store."""

    async def create_cohort(
        self,
        guild_id: int,
        *,
        name: str,
        channel_id: int,
        post_time: str,
        timezone: str,
        now: datetime,
        weekdays: int = ALL_WEEKDAYS,
        is_forum: bool = False,
        starts_on: date | None = None,
        ends_on: date | None = None,
        curriculum: str = "default",
        when_finished: WhenFinished | None = None,
        digest_channel_id: int | None = None,
        notify_channel_id: int | None = None,
        created_by: int | None = None,
    ) -> CohortRow | None:
        """A new running cohort, committed; None if its channel or name is taken by one."""
        check_schedule_values(post_time, timezone, weekdays)
        if when_finished is not None:
            check_choice(when_finished, WHEN_FINISHED, "when_finished")
        stamp = db_time(now)

        async def body(conn: Conn) -> CohortRow | None:
            inserted = await fetch(
                conn,
                """
                INSERT INTO cohorts (guild_id, name, channel_id, is_forum, post_time, timezone,
                                     weekdays, starts_on, ends_on, curriculum, when_finished,
                                     digest_channel_id, notify_channel_id, created_by,
                                     created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING id
                """,
                (
                    guild_id,
                    name,
                    channel_id,
                    int(is_forum),
                    post_time,
                    timezone,
                    weekdays,
                    _stored("starts_on", starts_on),
                    _stored("ends_on", ends_on),
                    curriculum,
                    when_finished,
                    digest_channel_id,
                    notify_channel_id,
                    created_by,
                    stamp,
                    stamp,
                ),
            )
            if not inserted:
                return None
            rows = await fetch(conn, f"{_SELECT} WHERE id = ?", (inserted[0][0],))
            return _COHORT(rows[0])

        return await self._run(body, "write")

    async def get_cohort(self, cohort_id: int) -> CohortRow | None:
        rows = await self._query(f"{_SELECT} WHERE id = ?", (cohort_id,))
        return _COHORT(rows[0]) if rows else None

    async def list_cohorts(self, guild_id: int, *, include_ended: bool = False) -> list[CohortRow]:
        """A server's cohorts, oldest first; running ones only unless told."""
        where = "" if include_ended else "AND ended_at IS NULL"
        rows = await self._query(f"{_SELECT} WHERE guild_id = ? {where} ORDER BY id", (guild_id,))
        return [_COHORT(row) for row in rows]

    async def running_cohorts(self, *, include_paused: bool = True) -> list[CohortRow]:
        """Every server's running cohorts, for the posting loop."""
        paused = "" if include_paused else "AND paused = 0"
        rows = await self._query(f"{_SELECT} WHERE ended_at IS NULL {paused} ORDER BY id")
        return [_COHORT(row) for row in rows]

    async def ended_cohorts(self, *, since: datetime) -> list[CohortRow]:
        """Cohorts of every server that ended at or after ``since``, oldest first."""
        rows = await self._query(
            f"{_SELECT} WHERE ended_at IS NOT NULL AND ended_at >= ? ORDER BY ended_at",
            (db_time(since),),
        )
        return [_COHORT(row) for row in rows]

    async def cohort_in_channel(self, guild_id: int, channel_id: int) -> CohortRow | None:
        """The cohort of a channel, or of a thread (or forum post) one of its prompts opened.

        A channel's running cohort comes first; else the latest that ran there.
        """
        rows = await self._query(
            f"""
            {_SELECT} WHERE guild_id = ? AND (
                channel_id = ? OR id IN (SELECT cohort_id FROM prompt_history
                                         WHERE thread_id = ?))
            ORDER BY ended_at IS NULL DESC, id DESC LIMIT 1
            """,
            (guild_id, channel_id, channel_id),
        )
        return _COHORT(rows[0]) if rows else None

    async def update_cohort(
        self, cohort_id: int, *, now: datetime, **changes: Any
    ) -> CohortRow | None:
        """Change some of a cohort's settings; None if it is gone or the change would
        give its channel or name to two running cohorts."""
        unknown = set(changes) - COHORT_CHANGEABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} with update_cohort")

        async def body(conn: Conn) -> CohortRow | None:
            rows = await fetch(conn, f"{_SELECT} WHERE id = ?", (cohort_id,))
            if not rows:
                return None
            current = _COHORT(rows[0])
            check_schedule_values(
                changes.get("post_time", current.post_time),
                changes.get("timezone", current.timezone),
                changes.get("weekdays", current.weekdays),
            )
            if changes:
                sets = ", ".join(f"{column} = ?" for column in changes)
                values = [_stored(column, value) for column, value in changes.items()]
                changed = await conn.change_unless_duplicate(
                    f"UPDATE cohorts SET {sets}, updated_at = ? WHERE id = ?",
                    (*values, db_time(now), cohort_id),
                )
                if changed != 1:
                    return None
            rows = await fetch(conn, f"{_SELECT} WHERE id = ?", (cohort_id,))
            return _COHORT(rows[0])

        return await self._run(body, "write")

    async def end_cohort(self, cohort_id: int, *, now: datetime) -> bool:
        """End a running cohort; False if it had already ended (or does not exist)."""
        changed = await self._write(
            "UPDATE cohorts SET ended_at = ?, updated_at = ? WHERE id = ? AND ended_at IS NULL",
            (db_time(now), db_time(now), cohort_id),
        )
        return changed == 1

    async def set_paused(self, cohort_id: int, paused: bool, *, now: datetime) -> bool:
        """Pause or resume; False if there is no such cohort."""
        changed = await self._write(
            "UPDATE cohorts SET paused = ?, updated_at = ? WHERE id = ?",
            (int(paused), db_time(now), cohort_id),
        )
        return changed == 1

    async def set_notify_channel(
        self, cohort_id: int, channel_id: int | None, *, now: datetime
    ) -> bool:
        """Remember where facilitators last spoke to the bot; False if no such cohort."""
        changed = await self._write(
            "UPDATE cohorts SET notify_channel_id = ?, updated_at = ? WHERE id = ?",
            (channel_id, db_time(now), cohort_id),
        )
        return changed == 1

    async def start_new_round(self, cohort_id: int, *, from_round: int | None = None) -> int:
        """Start the cohort's sequence over; return the round now current.

        With `from_round`, only advances if the round is still that one, so two workers
        that both notice the end of the sequence advance it once, not twice.
        """

        async def body(conn: Conn) -> int:
            await change(
                conn,
                "UPDATE cohorts SET round = round + 1 "
                "WHERE id = ? AND (CAST(? AS INTEGER) IS NULL OR round = ?)",
                (cohort_id, from_round, from_round),
            )
            rows = await fetch(conn, "SELECT round FROM cohorts WHERE id = ?", (cohort_id,))
            if not rows:
                raise StoreError(f"there is no cohort {cohort_id}, so no round to advance")
            return int(rows[0][0])

        return await self._run(body, "write")

    # ------------------------------------------------------------ quiet dates

    async def add_quiet_date(self, cohort_id: int, day: date) -> bool:
        """False if the date was already quiet."""
        changed = await self._write(
            "INSERT INTO quiet_dates (cohort_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (cohort_id, day.isoformat()),
        )
        return changed == 1

    async def remove_quiet_date(self, cohort_id: int, day: date) -> bool:
        changed = await self._write(
            "DELETE FROM quiet_dates WHERE cohort_id = ? AND local_date = ?",
            (cohort_id, day.isoformat()),
        )
        return changed == 1

    async def list_quiet_dates(
        self, cohort_id: int, *, start: date | None = None, end: date | None = None
    ) -> list[date]:
        """Quiet dates in order, optionally only those from `start` up to `end`."""
        rows = await self._query(
            "SELECT local_date FROM quiet_dates WHERE cohort_id = ? AND local_date >= ? "
            "AND local_date <= ? ORDER BY local_date",
            (
                cohort_id,
                "" if start is None else start.isoformat(),
                "9999-12-31" if end is None else end.isoformat(),
            ),
        )
        return [date.fromisoformat(row[0]) for row in rows]

    async def is_quiet_date(self, cohort_id: int, day: date) -> bool:
        rows = await self._query(
            "SELECT 1 FROM quiet_dates WHERE cohort_id = ? AND local_date = ?",
            (cohort_id, day.isoformat()),
        )
        return bool(rows)
