"""Every prompt a server has used (table prompt_history): reservations, posts, rounds.

A post is reserved here before it is sent and confirmed after, so a crash or a
second process can never post the same day twice.
"""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.store.models import POST_STATUSES, HistoryEntry, PostStatus
from bot.store.rows import RowReader, check_choice, db_time, parse_date_or_none
from bot.store.runner import Runner, change, fetch
from bot.store.store_error import StoreError

_HISTORY = RowReader(HistoryEntry)


class PromptHistoryQueries(Runner):
    """Reserve, confirm and list prompt posts, and advance rounds; part of Store."""

    async def current_round(self, guild_id: int) -> int:
        """The schedule's round; without a schedule, the highest round used, else 1."""
        rows = await self._query(
            """
            SELECT COALESCE((SELECT round FROM schedules WHERE guild_id = ?),
                            (SELECT MAX(round) FROM prompt_history WHERE guild_id = ?),
                            1)
            """,
            (guild_id, guild_id),
        )
        return int(rows[0][0])

    async def used_prompt_ids(self, guild_id: int, round: int) -> set[str]:
        """Prompt ids posted, skipped or reserved in this round (never to be reused in it)."""
        rows = await self._query(
            "SELECT prompt_id FROM prompt_history WHERE guild_id = ? AND round = ?",
            (guild_id, round),
        )
        return {row[0] for row in rows}

    async def last_scheduled_date(self, guild_id: int) -> date | None:
        """The latest local date with a scheduled post (or reservation), if any."""
        rows = await self._query(
            "SELECT MAX(local_date) FROM prompt_history WHERE guild_id = ?", (guild_id,)
        )
        return parse_date_or_none(rows[0][0])

    async def reserve_post(
        self,
        guild_id: int,
        round: int,
        prompt_id: str,
        local_date: date | None,
        status: PostStatus = "posted",
        *,
        now: datetime,
    ) -> int | None:
        """Claim a prompt (and the date, if given) before sending it to Discord.

        Returns the reservation's row id, committed, or None if this prompt in this
        round or this server's date is already taken: another worker or an earlier run
        got there first, so do not send. After sending call confirm_post; if sending
        failed call release_post so the sequence does not move.

        Reserving first means a crash between sending and recording can never cause a
        second post: at worst a reservation stays unconfirmed (see unconfirmed_posts).
        """
        check_choice(status, POST_STATUSES, "status")
        changed, row_id = await self._write(
            """
            INSERT INTO prompt_history (guild_id, round, prompt_id, status, local_date, at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (
                guild_id,
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                db_time(now),
            ),
        )
        return row_id if changed == 1 else None

    async def confirm_post(
        self, row_id: int, channel_id: int, message_id: int, thread_id: int | None = None
    ) -> bool:
        """Record where a reserved post landed; False if the reservation is gone."""
        changed, _ = await self._write(
            "UPDATE prompt_history SET channel_id = ?, message_id = ?, thread_id = ? WHERE id = ?",
            (channel_id, message_id, thread_id, row_id),
        )
        return changed == 1

    async def release_post(self, row_id: int) -> bool:
        """Drop a reservation whose message was not sent. Confirmed posts are never removed."""
        changed, _ = await self._write(
            "DELETE FROM prompt_history WHERE id = ? AND message_id IS NULL "
            "AND status != 'skipped'",
            (row_id,),
        )
        return changed == 1

    async def record_post(
        self,
        guild_id: int,
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
        changed, _ = await self._write(
            """
            INSERT INTO prompt_history (guild_id, round, prompt_id, status, local_date,
                                        channel_id, message_id, thread_id, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (
                guild_id,
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                channel_id,
                message_id,
                thread_id,
                db_time(now),
            ),
        )
        return changed == 1

    async def unconfirmed_posts(self, *, before: datetime) -> list[HistoryEntry]:
        """Reservations older than `before` never confirmed: the bot stopped mid-send.

        The message may or may not have reached Discord; the caller decides (look in the
        channel, or release to post again).
        """
        rows = await self._query(
            f"SELECT {_HISTORY.columns} FROM prompt_history "
            "WHERE message_id IS NULL AND status != 'skipped' AND at < ? ORDER BY id",
            (db_time(before),),
        )
        return [_HISTORY(row) for row in rows]

    async def history(self, guild_id: int, limit: int = 20) -> list[HistoryEntry]:
        """The server's most recent prompt uses, newest first."""
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        rows = await self._query(
            f"SELECT {_HISTORY.columns} FROM prompt_history WHERE guild_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_HISTORY(row) for row in rows]

    async def start_new_round(self, guild_id: int, *, from_round: int | None = None) -> int:
        """Start the prompt sequence over; return the round now current.

        With `from_round`, only advances if the round is still that one, so two workers
        that both notice the end of the sequence advance it once, not twice. Raises
        StoreError if the server has no schedule (the round lives there).
        """

        async def body(conn: aiosqlite.Connection) -> int:
            if from_round is None:
                await change(
                    conn, "UPDATE schedules SET round = round + 1 WHERE guild_id = ?", (guild_id,)
                )
            else:
                await change(
                    conn,
                    "UPDATE schedules SET round = round + 1 WHERE guild_id = ? AND round = ?",
                    (guild_id, from_round),
                )
            rows = await fetch(conn, "SELECT round FROM schedules WHERE guild_id = ?", (guild_id,))
            if not rows:
                raise StoreError(f"server {guild_id} has no schedule, so no round to advance")
            return int(rows[0][0])

        return await self._run(body, "write")
