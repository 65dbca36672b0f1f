"""Counts of reflections for the facilitators' summary: never text, never who."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import aiosqlite

from bot.store.models import DayCount, Participation, TopicCount
from bot.store.rows import db_time, parse_time
from bot.store.runner import Runner, fetch


class ParticipationQueries(Runner):
    """Participation per card and per day, read from table reflections; part of Store."""

    async def participation(
        self, guild_id: int, *, tz: tzinfo = UTC, since: datetime | None = None
    ) -> Participation:
        """Counts for the summary chart: distinct authors per card, reflections per day.

        Days are local days in `tz` (the server's schedule timezone), which SQLite cannot
        compute, so only the timestamps are fetched and bucketed here.
        """
        since_text = "" if since is None else db_time(since)

        async def body(conn: aiosqlite.Connection) -> Participation:
            topic_rows = await fetch(
                conn,
                """
                SELECT about_kind, about_id, COUNT(DISTINCT author_id), COUNT(*)
                FROM reflections WHERE guild_id = ? AND created_at >= ?
                GROUP BY about_kind, about_id
                ORDER BY 3 DESC, 4 DESC, about_kind, about_id
                """,
                (guild_id, since_text),
            )
            stamp_rows = await fetch(
                conn,
                "SELECT created_at, author_id FROM reflections "
                "WHERE guild_id = ? AND created_at >= ?",
                (guild_id, since_text),
            )
            return _participation(topic_rows, stamp_rows, tz)

        return await self._run(body, "read")


def _participation(topic_rows: list[Any], stamp_rows: list[Any], tz: tzinfo) -> Participation:
    topics = tuple(TopicCount(row[0], row[1], row[2], row[3]) for row in topic_rows)
    per_day: defaultdict[date, list[int]] = defaultdict(list)
    for created_at, author_id in stamp_rows:
        per_day[parse_time(created_at).astimezone(tz).date()].append(author_id)
    days = tuple(
        DayCount(day, len(authors), len(set(authors))) for day, authors in sorted(per_day.items())
    )
    return Participation(
        authors=len({row[1] for row in stamp_rows}),
        reflections=len(stamp_rows),
        topics=topics,
        days=days,
    )
