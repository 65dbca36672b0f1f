"""Counts of reflections for the facilitators' summary: never text, never who.

An anonymous reflection (shown without its author's name at some point) counts as a
member of its own: a count of distinct authors that merged it with its author's named
reflections would tell facilitators, beside the export, whose it is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from bot.store.models import DayCount, Participation, TopicCount
from bot.store.rows import db_time, parse_time
from bot.store.runner import Conn, Runner, fetch


class ParticipationQueries(Runner):
    """Participation per card and per day, read from table reflections; part of Store."""

    async def participation(
        self,
        guild_id: int,
        *,
        tz: tzinfo = UTC,
        since: datetime | None = None,
        cohort_id: int | None = None,
    ) -> Participation:
        """Counts for the summary chart: distinct authors per card, reflections per day.

        Days are local days in `tz` (the cohort's timezone), which SQLite cannot compute,
        so only the timestamps are fetched and bucketed here. With `cohort_id`, only
        reflections written in that cohort count.
        """
        since_text = "" if since is None else db_time(since)
        where = "guild_id = ? AND created_at >= ? AND (CAST(? AS BIGINT) IS NULL OR cohort_id = ?)"
        # Who a reflection counts as: its author, or for an anonymous one, nobody else.
        who = (
            "CASE WHEN visibility = 'anonymous' OR seen_anonymously = 1 "
            "THEN 'anonymous ' || id ELSE CAST(author_id AS TEXT) END"
        )
        params = (guild_id, since_text, cohort_id, cohort_id)

        async def body(conn: Conn) -> Participation:
            topic_rows = await fetch(
                conn,
                f"""
                SELECT about_kind, about_id, COUNT(DISTINCT {who}), COUNT(*)
                FROM reflections WHERE {where}
                GROUP BY about_kind, about_id
                ORDER BY 3 DESC, 4 DESC, about_kind, about_id
                """,
                params,
            )
            stamp_rows = await fetch(
                conn, f"SELECT created_at, {who} FROM reflections WHERE {where}", params
            )
            return _participation(topic_rows, stamp_rows, tz)

        return await self._run(body, "read")


def _participation(topic_rows: list[Any], stamp_rows: list[Any], tz: tzinfo) -> Participation:
    topics = tuple(TopicCount(row[0], row[1], row[2], row[3]) for row in topic_rows)
    per_day: defaultdict[date, list[str]] = defaultdict(list)
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
