"""Every prompt a cohort has used (table prompt_history): reservations, posts, rounds.

A post is reserved here before it is sent and confirmed after, so a crash or a
second process can never post the same day twice. A cohort's round lives in its row
(bot/store/cohorts.py); the history keeps what each round used, by prompt id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from bot.store.models import POST_STATUSES, HistoryEntry, PostStatus
from bot.store.rows import RowReader, check_choice, db_time, parse_date_or_none
from bot.store.runner import Runner

_HISTORY = RowReader(HistoryEntry)


class PromptHistoryQueries(Runner):
    """Reserve, confirm and list prompt posts, and advance rounds; part of Store."""

    async def used_prompt_ids(self, cohort_id: int, round: int) -> set[str]:
        """Prompt ids posted, skipped or reserved in this round (never to be reused in it)."""
        rows = await self._query(
            "SELECT prompt_id FROM prompt_history WHERE cohort_id = ? AND round = ?",
            (cohort_id, round),
        )
        return {row[0] for row in rows}

    async def last_scheduled_date(self, cohort_id: int) -> date | None:
        """The latest local date with a scheduled post (or reservation), if any."""
        rows = await self._query(
            "SELECT MAX(local_date) FROM prompt_history WHERE cohort_id = ?", (cohort_id,)
        )
        return parse_date_or_none(rows[0][0])

    async def reserve_post(
        self,
        cohort_id: int,
        round: int,
        prompt_id: str,
        local_date: date | None,
        status: PostStatus = "posted",
        *,
        now: datetime,
    ) -> int | None:
        """Claim a prompt (and the date, if given) before sending it to the chat.

        Returns the reservation's row id, committed, or None if this prompt in this
        round or this cohort's date is already taken: another worker or an earlier run
        got there first, so do not send. After sending call confirm_post; if sending
        failed call release_post so the sequence does not move.

        Reserving first means a crash between sending and recording can never cause a
        second post: at worst a reservation stays unconfirmed (see unconfirmed_posts).
        The reservation notes the cohort's channel, where a restart looks for the post.
        """
        check_choice(status, POST_STATUSES, "status")
        return await self._insert(
            """
            INSERT INTO prompt_history (cohort_id, guild_id, channel_id, round, prompt_id,
                                        status, local_date, at)
            SELECT id, guild_id, channel_id, ?, ?, ?, ?, ? FROM cohorts WHERE id = ?
            ON CONFLICT DO NOTHING RETURNING id
            """,
            (
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                db_time(now),
                cohort_id,
            ),
        )

    async def confirm_post(
        self, row_id: int, channel_id: int, message_id: int, thread_id: int | None = None
    ) -> bool:
        """Record where a reserved post landed; False if the reservation is gone."""
        changed = await self._write(
            "UPDATE prompt_history SET channel_id = ?, message_id = ?, thread_id = ? WHERE id = ?",
            (channel_id, message_id, thread_id, row_id),
        )
        return changed == 1

    async def release_post(self, row_id: int) -> bool:
        """Drop a reservation whose message was not sent. Confirmed posts are never removed."""
        changed = await self._write(
            "DELETE FROM prompt_history WHERE id = ? AND message_id IS NULL "
            "AND status != 'skipped'",
            (row_id,),
        )
        return changed == 1

    async def record_post(
        self,
        cohort_id: int,
        round: int,
        prompt_id: str,
        status: PostStatus,
        *,
        now: datetime,
        local_date: date | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        thread_id: int | None = None,
    ) -> bool:
        """Record a finished use (typically a skip) in one step.

        Returns False instead of raising when the prompt (in this round) or the date is
        already taken.
        """
        check_choice(status, POST_STATUSES, "status")
        changed = await self._write(
            """
            INSERT INTO prompt_history (cohort_id, guild_id, round, prompt_id, status,
                                        local_date, channel_id, message_id, thread_id, at)
            SELECT id, guild_id, ?, ?, ?, ?, ?, ?, ?, ? FROM cohorts WHERE id = ?
            ON CONFLICT DO NOTHING
            """,
            (
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                channel_id,
                message_id,
                thread_id,
                db_time(now),
                cohort_id,
            ),
        )
        return changed == 1

    async def unconfirmed_posts(self, *, before: datetime) -> list[HistoryEntry]:
        """Reservations older than `before` never confirmed: the bot stopped mid-send.

        The message may or may not have reached the chat; the caller decides (look in the
        channel, or release to post again).
        """
        rows = await self._query(
            f"SELECT {_HISTORY.columns} FROM prompt_history "
            "WHERE message_id IS NULL AND status != 'skipped' AND at < ? ORDER BY id",
            (db_time(before),),
        )
        return [_HISTORY(row) for row in rows]

    async def history(self, cohort_id: int, limit: int = 20) -> list[HistoryEntry]:
        """The cohort's most recent prompt uses, newest first."""
        return await self._recent("cohort_id", cohort_id, limit)

    async def guild_history(self, guild_id: int, limit: int = 20) -> list[HistoryEntry]:
        """Every cohort's most recent prompt uses in a server, newest first."""
        return await self._recent("guild_id", guild_id, limit)

    async def _recent(
        self, column: Literal["cohort_id", "guild_id"], key: int, limit: int
    ) -> list[HistoryEntry]:
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        rows = await self._query(
            f"SELECT {_HISTORY.columns} FROM prompt_history WHERE {column} = ? "
            "ORDER BY id DESC LIMIT ?",
            (key, limit),
        )
        return [_HISTORY(row) for row in rows]

    async def discussion_of(
        self, prompt_id: str, *, cohort_id: int | None = None, guild_id: int | None = None
    ) -> int | None:
        """Where the latest post of a prompt is discussed (its thread, else its channel), in
        one cohort or, given a server instead, in any of its cohorts; None if never posted."""
        if (cohort_id is None) == (guild_id is None):
            raise ValueError("give cohort_id or guild_id")
        column, key = ("cohort_id", cohort_id) if cohort_id is not None else ("guild_id", guild_id)
        rows = await self._query(
            f"SELECT COALESCE(thread_id, channel_id) FROM prompt_history WHERE {column} = ? "
            "AND prompt_id = ? AND COALESCE(thread_id, channel_id) IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (key, prompt_id),
        )
        return int(rows[0][0]) if rows else None

    async def post_on(self, cohort_id: int, local_date: date) -> HistoryEntry | None:
        """The cohort's scheduled post for a local date, if it has one (or is sending it)."""
        rows = await self._query(
            f"SELECT {_HISTORY.columns} FROM prompt_history WHERE cohort_id = ? AND local_date = ?",
            (cohort_id, local_date.isoformat()),
        )
        return _HISTORY(rows[0]) if rows else None
