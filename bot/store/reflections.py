"""Members' reflections (table reflections): writing, sharing, exporting, forgetting.

A share is reserved here before it is posted and settled after (see reserve_share), so
no public post of a reflection is ever left untracked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from datetime import datetime

from bot.store.models import (
    ABOUT_KINDS,
    VISIBILITIES,
    AboutKind,
    Reflection,
    ReflectionPage,
    SharedMessage,
    Visibility,
)
from bot.store.rows import RowReader, check_choice, db_time, parse_time
from bot.store.runner import Conn, Runner, change, fetch

_REFLECTION = RowReader(Reflection)


async def _reflection_by_id(conn: Conn, reflection_id: int) -> Reflection:
    """A reflection just changed in the same transaction (so it exists)."""
    rows = await fetch(
        conn, f"SELECT {_REFLECTION.columns} FROM reflections WHERE id = ?", (reflection_id,)
    )
    return _REFLECTION(rows[0])


class ReflectionQueries(Runner):
    """A member's own reflections, their shares, and facilitators' exports; part of Store."""

    async def _update_own(
        self,
        guild_id: int,
        author_id: int,
        reflection_id: int,
        assignments: str,
        values: tuple[object, ...],
    ) -> Reflection | None:
        """SET ``assignments`` on the author's own reflection and read it back; None if it
        is not theirs."""

        async def body(conn: Conn) -> Reflection | None:
            changed = await change(
                conn,
                f"UPDATE reflections SET {assignments} "
                "WHERE id = ? AND guild_id = ? AND author_id = ?",
                (*values, reflection_id, guild_id, author_id),
            )
            if changed != 1:
                return None
            return await _reflection_by_id(conn, reflection_id)

        return await self._run(body, "write")

    async def add_reflection(
        self,
        guild_id: int,
        author_id: int,
        *,
        about_kind: AboutKind,
        about_id: str,
        text: str,
        now: datetime,
        visibility: Visibility = "private",
        cohort_id: int | None = None,
    ) -> Reflection:
        """Save a reflection (in a cohort, if known); it is committed when this returns."""
        check_choice(about_kind, ABOUT_KINDS, "about_kind")
        check_choice(visibility, VISIBILITIES, "visibility")
        created = db_time(now)
        row_id = await self._insert(
            """
            INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text,
                                     visibility, created_at, cohort_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            (guild_id, author_id, about_kind, about_id, text, visibility, created, cohort_id),
        )
        assert row_id is not None  # an INSERT without a conflict clause always has one
        return Reflection(
            id=row_id,
            guild_id=guild_id,
            author_id=author_id,
            about_kind=about_kind,
            about_id=about_id,
            text=text,
            visibility=visibility,
            shared_channel_id=None,
            shared_message_id=None,
            created_at=parse_time(created),
            edited_at=None,
            cohort_id=cohort_id,
        )

    async def get_reflection(
        self, guild_id: int, author_id: int, reflection_id: int
    ) -> Reflection | None:
        """The author's own reflection; None for anyone else's, never their data."""
        rows = await self._query(
            f"SELECT {_REFLECTION.columns} FROM reflections "
            "WHERE id = ? AND guild_id = ? AND author_id = ?",
            (reflection_id, guild_id, author_id),
        )
        return _REFLECTION(rows[0]) if rows else None

    async def list_reflections(
        self, guild_id: int, author_id: int, offset: int = 0, limit: int = 10
    ) -> ReflectionPage:
        """One page of the member's own reflections, newest first, with their total."""
        if offset < 0 or limit < 1:
            raise ValueError(f"need offset >= 0 and limit >= 1, got {offset}, {limit}")

        async def body(conn: Conn) -> ReflectionPage:
            rows = await fetch(
                conn,
                f"SELECT {_REFLECTION.columns} FROM reflections "
                "WHERE guild_id = ? AND author_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                (guild_id, author_id, limit, offset),
            )
            total = await fetch(
                conn,
                "SELECT count(*) FROM reflections WHERE guild_id = ? AND author_id = ?",
                (guild_id, author_id),
            )
            return ReflectionPage(tuple(map(_REFLECTION, rows)), int(total[0][0]), offset)

        return await self._run(body, "read")  # one snapshot: page and total agree

    async def edit_reflection(
        self, guild_id: int, author_id: int, reflection_id: int, text: str, *, now: datetime
    ) -> Reflection | None:
        """Replace the text of the author's own reflection; None if it is not theirs.

        If it was shared, the returned row's shared_* ids say which message to update.
        """
        return await self._update_own(
            guild_id, author_id, reflection_id, "text = ?, edited_at = ?", (text, db_time(now))
        )

    async def set_visibility(
        self,
        guild_id: int,
        author_id: int,
        reflection_id: int,
        visibility: Visibility,
        shared_channel_id: int | None = None,
        shared_message_id: int | None = None,
    ) -> Reflection | None:
        """Share or unshare the author's own reflection; None if it is not theirs.

        'private' must come without message ids (delete the shared message first).
        """
        check_choice(visibility, VISIBILITIES, "visibility")
        if (shared_channel_id is None) != (shared_message_id is None):
            raise ValueError("give both shared_channel_id and shared_message_id, or neither")
        if visibility == "private" and shared_message_id is not None:
            raise ValueError("a private reflection has no shared message")

        return await self._update_own(
            guild_id,
            author_id,
            reflection_id,
            "visibility = ?, shared_channel_id = ?, shared_message_id = ?, "
            "seen_anonymously = CASE WHEN ? = 'anonymous' THEN 1 ELSE seen_anonymously END, "
            "pending_channel_id = NULL, pending_visibility = NULL, pending_since = NULL",
            (visibility, shared_channel_id, shared_message_id, visibility),
        )

    async def reserve_share(
        self,
        guild_id: int,
        author_id: int,
        reflection_id: int,
        channel_id: int,
        visibility: Visibility,
        *,
        now: datetime,
    ) -> Reflection | None:
        """Record that a share is about to be sent, before it is sent; None if not theirs.

        The reflection counts as private (no message) until the share is confirmed, and
        as seen anonymously from now on if that is how it is being shown.
        """
        if visibility == "private":
            raise ValueError("only a shared visibility can be reserved")
        check_choice(visibility, VISIBILITIES, "visibility")

        return await self._update_own(
            guild_id,
            author_id,
            reflection_id,
            "visibility = 'private', shared_channel_id = NULL, shared_message_id = NULL, "
            "pending_channel_id = ?, pending_visibility = ?, pending_since = ?, "
            "seen_anonymously = CASE WHEN ? = 'anonymous' THEN 1 ELSE seen_anonymously END",
            (channel_id, visibility, db_time(now), visibility),
        )

    async def release_share(self, reflection_id: int) -> bool:
        """Forget a reserved share that certainly never went out (it stays private)."""
        changed = await self._write(
            "UPDATE reflections SET pending_channel_id = NULL, pending_visibility = NULL, "
            "pending_since = NULL WHERE id = ? AND pending_since IS NOT NULL",
            (reflection_id,),
        )
        return changed == 1

    async def pending_shares(
        self, *, before: datetime, guild_id: int | None = None, author_id: int | None = None
    ) -> list[Reflection]:
        """Shares reserved before `before` and never confirmed (every server, or one member)."""
        rows = await self._query(
            f"SELECT {_REFLECTION.columns} FROM reflections WHERE pending_since IS NOT NULL "
            "AND pending_since < ? AND (CAST(? AS BIGINT) IS NULL OR guild_id = ?) "
            "AND (CAST(? AS BIGINT) IS NULL OR author_id = ?) ORDER BY id",
            (db_time(before), guild_id, guild_id, author_id, author_id),
        )
        return [_REFLECTION(row) for row in rows]

    async def delete_reflection(self, guild_id: int, author_id: int, reflection_id: int) -> bool:
        """Delete the author's own reflection; False if there is none of theirs by that id."""
        changed = await self._write(
            "DELETE FROM reflections WHERE id = ? AND guild_id = ? AND author_id = ?",
            (reflection_id, guild_id, author_id),
        )
        return changed == 1

    async def shared_messages(self, guild_id: int, author_id: int) -> list[SharedMessage]:
        """Chat messages showing this member's shared reflections.

        Deleting reflections does not delete those messages; call this first when a
        member asks to be forgotten.
        """
        rows = await self._query(
            "SELECT id, shared_channel_id, shared_message_id FROM reflections "
            "WHERE guild_id = ? AND author_id = ? AND shared_message_id IS NOT NULL "
            "ORDER BY id",
            (guild_id, author_id),
        )
        return [SharedMessage(row[0], row[1], row[2]) for row in rows]

    async def export_reflections(
        self,
        guild_id: int,
        since: datetime | None = None,
        *,
        until: datetime | None = None,
        cohort_id: int | None = None,
        visibilities: Collection[Visibility] | None = None,
        batch_size: int = 500,
    ) -> AsyncIterator[Reflection]:
        """All authors' reflections in a server (or one cohort), oldest first, for facilitators.

        `since` is inclusive and `until` exclusive. Includes private ones unless
        `visibilities` narrows it; whether facilitators may see private reflections is
        the caller's policy. Streams in batches and holds no lock between them, so the
        consumer may use the store while iterating.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        kinds = sorted(VISIBILITIES if visibilities is None else set(visibilities))
        for kind in kinds:
            check_choice(kind, VISIBILITIES, "visibility")
        if not kinds:
            return
        placeholders = ", ".join("?" * len(kinds))
        since_text = "" if since is None else db_time(since)
        until_text = "9999" if until is None else db_time(until)  # after any stored time
        after_id = 0
        while True:
            rows = await self._query(
                f"SELECT {_REFLECTION.columns} FROM reflections "
                f"WHERE guild_id = ? AND id > ? AND created_at >= ? AND created_at < ? "
                f"AND (CAST(? AS BIGINT) IS NULL OR cohort_id = ?) "
                f"AND visibility IN ({placeholders}) ORDER BY id LIMIT ?",
                (
                    guild_id,
                    after_id,
                    since_text,
                    until_text,
                    cohort_id,
                    cohort_id,
                    *kinds,
                    batch_size,
                ),
            )
            for row in rows:
                yield _REFLECTION(row)
            if len(rows) < batch_size:
                return
            after_id = rows[-1]["id"]

    async def forget_member(
        self, guild_id: int, user_id: int, *, keep: Collection[int] = ()
    ) -> int:
        """Erase a member from one server: their reflections, rosters, reminders, and id.

        One transaction. Returns how many reflections were deleted; the member's roster
        rows (with their reminders and names) and reminder records go too, and their id
        is cleared from the cohorts they created and the members they added. Call
        shared_messages() first to delete the chat messages of shared reflections;
        `keep` names reflections whose shared post could not be removed, so their record
        still says where it is.
        """

        async def body(conn: Conn) -> int:
            kept = sorted(keep)
            sparing = f"AND id NOT IN ({', '.join('?' * len(kept))})" if kept else ""
            deleted = await change(
                conn,
                f"DELETE FROM reflections WHERE guild_id = ? AND author_id = ? {sparing}",
                (guild_id, user_id, *kept),
            )
            for sql in (
                "DELETE FROM cohort_members WHERE guild_id = ? AND user_id = ?",
                "DELETE FROM cohort_deliveries WHERE cohort_id IN "
                "(SELECT id FROM cohorts WHERE guild_id = ?) AND user_id = ?",
                "UPDATE cohort_members SET added_by = NULL WHERE guild_id = ? AND added_by = ?",
                "UPDATE cohorts SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
            ):
                await change(conn, sql, (guild_id, user_id))
            return deleted

        return await self._run(body, "write")

    async def shared_messages_before(self, cutoff: datetime) -> list[SharedMessage]:
        """Chat messages of shared reflections created before `cutoff` (for retention)."""
        rows = await self._query(
            "SELECT id, shared_channel_id, shared_message_id FROM reflections "
            "WHERE created_at < ? AND shared_message_id IS NOT NULL ORDER BY id",
            (db_time(cutoff),),
        )
        return [SharedMessage(row[0], row[1], row[2]) for row in rows]

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: delete reflections created before `cutoff` in every server."""
        return await self._write("DELETE FROM reflections WHERE created_at < ?", (db_time(cutoff),))

    async def prompt_reflectors(self, cohort_id: int) -> dict[str, set[int]]:
        """Who reflected in a cohort on each prompt: prompt id -> author ids (never text).

        A reflection shown anonymously (ever) does not count: beside the facilitators'
        export, which shows it without a name, a name here would say whose it is.
        """
        rows = await self._query(
            "SELECT DISTINCT about_id, author_id FROM reflections "
            "WHERE cohort_id = ? AND about_kind = 'prompt' "
            "AND visibility != 'anonymous' AND seen_anonymously = 0",
            (cohort_id,),
        )
        found: dict[str, set[int]] = {}
        for about_id, author_id in rows:
            found.setdefault(about_id, set()).add(int(author_id))
        return found

    async def has_reflected(
        self, cohort_id: int, user_id: int, prompt_ids: Collection[str]
    ) -> bool:
        """Whether the member has reflected in this cohort on any of these prompt ids."""
        ids = sorted(prompt_ids)
        if not ids:
            return False
        rows = await self._query(
            "SELECT 1 FROM reflections WHERE cohort_id = ? AND author_id = ? "
            f"AND about_kind = 'prompt' AND about_id IN ({', '.join('?' * len(ids))}) LIMIT 1",
            (cohort_id, user_id, *ids),
        )
        return bool(rows)
