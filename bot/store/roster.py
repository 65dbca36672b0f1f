"""Who takes part in a cohort (table cohort_members), and their opt-in reminders.

Members join themselves (or a facilitator adds them): no privileged intent is needed to
know who takes part. Their display name is the one recorded when they joined or last
acted, so pulse and exports can name members the bot has no way to look up.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.store.models import RosterMember
from bot.store.rows import RowReader, db_time
from bot.store.runner import Conn, Runner, change

_MEMBER = RowReader(RosterMember)
NAME_MAX = 100


def _name(display_name: str) -> str:
    """A display name as stored: trimmed, never empty, at most NAME_MAX characters."""
    return (display_name.strip() or "member")[:NAME_MAX]


class RosterQueries(Runner):
    """Join, leave, list a cohort's members and their reminders; part of Store."""

    async def join_cohort(
        self,
        cohort_id: int,
        user_id: int,
        display_name: str,
        *,
        now: datetime,
        added_by: int | None = None,
    ) -> bool:
        """Put a member on the roster; False if they were on it (their name is refreshed)."""

        async def body(conn: Conn) -> bool:
            stamp = db_time(now)
            changed = await change(
                conn,
                """
                INSERT INTO cohort_members (cohort_id, user_id, guild_id, display_name,
                                            joined_at, added_by, seen_at)
                SELECT id, ?, guild_id, ?, ?, ?, ? FROM cohorts WHERE id = ?
                ON CONFLICT DO NOTHING
                """,
                (user_id, _name(display_name), stamp, added_by, stamp, cohort_id),
            )
            if changed == 1:
                return True
            await change(
                conn,
                "UPDATE cohort_members SET display_name = ?, seen_at = ? "
                "WHERE cohort_id = ? AND user_id = ?",
                (_name(display_name), stamp, cohort_id, user_id),
            )
            return False

        return await self._run(body, "write")

    async def leave_cohort(self, cohort_id: int, user_id: int) -> bool:
        """Take a member off the roster (their reminder with it); False if not on it."""
        changed = await self._write(
            "DELETE FROM cohort_members WHERE cohort_id = ? AND user_id = ?", (cohort_id, user_id)
        )
        return changed == 1

    async def roster(self, cohort_id: int) -> list[RosterMember]:
        """A cohort's members, in the order they joined."""
        rows = await self._query(
            f"SELECT {_MEMBER.columns} FROM cohort_members WHERE cohort_id = ? "
            "ORDER BY joined_at, user_id",
            (cohort_id,),
        )
        return [_MEMBER(row) for row in rows]

    async def roster_member(self, cohort_id: int, user_id: int) -> RosterMember | None:
        rows = await self._query(
            f"SELECT {_MEMBER.columns} FROM cohort_members WHERE cohort_id = ? AND user_id = ?",
            (cohort_id, user_id),
        )
        return _MEMBER(rows[0]) if rows else None

    async def memberships(self, guild_id: int, user_id: int) -> list[int]:
        """The ids of the server's running cohorts the member is on, oldest first."""
        rows = await self._query(
            "SELECT m.cohort_id FROM cohort_members AS m JOIN cohorts AS c ON c.id = m.cohort_id "
            "WHERE m.guild_id = ? AND m.user_id = ? AND c.ended_at IS NULL ORDER BY m.cohort_id",
            (guild_id, user_id),
        )
        return [int(row[0]) for row in rows]

    async def record_name(
        self, guild_id: int, user_id: int, display_name: str, *, now: datetime
    ) -> None:
        """The member acted: remember the name they go by now, on every roster they are on."""
        await self._write(
            "UPDATE cohort_members SET display_name = ?, seen_at = ? "
            "WHERE guild_id = ? AND user_id = ? AND display_name != ?",
            (_name(display_name), db_time(now), guild_id, user_id, _name(display_name)),
        )

    async def set_reminder(
        self, cohort_id: int, user_id: int, remind_at: str | None, zone: str | None
    ) -> bool:
        """Opt in (a time, and a zone or None for the cohort's) or out (None); False if the
        member is not on the roster."""
        changed = await self._write(
            "UPDATE cohort_members SET remind_at = ?, remind_zone = ?, dm_refused_on = NULL "
            "WHERE cohort_id = ? AND user_id = ?",
            (remind_at, zone if remind_at else None, cohort_id, user_id),
        )
        return changed == 1

    async def reminder_subscribers(self) -> list[RosterMember]:
        """Members who asked for reminders, in every running cohort."""
        rows = await self._query(
            f"SELECT {', '.join('m.' + c for c in _MEMBER.column_names)} "
            "FROM cohort_members AS m JOIN cohorts AS c ON c.id = m.cohort_id "
            "WHERE m.remind_at IS NOT NULL AND c.ended_at IS NULL ORDER BY m.cohort_id, m.user_id"
        )
        return [_MEMBER(row) for row in rows]

    async def note_dm_refused(self, cohort_id: int, user_id: int, day: date) -> None:
        """A reminder DM was refused: the member is told privately at their next command."""
        await self._write(
            "UPDATE cohort_members SET dm_refused_on = ? WHERE cohort_id = ? AND user_id = ?",
            (day.isoformat(), cohort_id, user_id),
        )

    async def members_with_dm_refusals(self) -> set[tuple[int, int]]:
        """(server, member) pairs with a closed-DM note waiting to be said."""
        rows = await self._query(
            "SELECT DISTINCT guild_id, user_id FROM cohort_members WHERE dm_refused_on IS NOT NULL"
        )
        return {(int(row[0]), int(row[1])) for row in rows}

    async def take_dm_refusals(self, guild_id: int, user_id: int) -> list[int]:
        """Cohorts whose reminder DM this member could not get; cleared as it is read.

        Runs on every command, so the usual answer (none) is one read, no write.
        """
        rows = await self._query(
            "SELECT cohort_id FROM cohort_members WHERE guild_id = ? AND user_id = ? "
            "AND dm_refused_on IS NOT NULL ORDER BY cohort_id",
            (guild_id, user_id),
        )
        cohorts = [int(row[0]) for row in rows]
        if cohorts:  # only what was read: a refusal recorded meanwhile waits for next time
            await self._write(
                "UPDATE cohort_members SET dm_refused_on = NULL WHERE guild_id = ? AND user_id = ? "
                f"AND cohort_id IN ({', '.join('?' * len(cohorts))})",
                (guild_id, user_id, *cohorts),
            )
        return cohorts

    async def recorded_names(self, guild_id: int) -> dict[tuple[int | None, int], str]:
        """The names members were recorded under in a server's cohorts: keyed by (cohort,
        member), and by (None, member) for the name they last acted under in any cohort."""
        rows = await self._query(
            "SELECT cohort_id, user_id, display_name FROM cohort_members WHERE guild_id = ? "
            "ORDER BY seen_at",
            (guild_id,),
        )
        names: dict[tuple[int | None, int], str] = {}
        for cohort_id, user_id, display_name in rows:
            names[(int(cohort_id), int(user_id))] = display_name
            names[(None, int(user_id))] = display_name  # the latest seen wins
        return names
