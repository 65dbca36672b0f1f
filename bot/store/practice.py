"""Practice answers and each member's place on each item (tables practice_answers and
practice_state). A member's rows are read back only for that member; facilitators get
first and latest myth answers per member as counts, built in the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.rows import db_time, parse_time
from bot.store.runner import Conn, Runner, change, fetch


@dataclass(frozen=True, slots=True)
class PracticeStateRow:
    """Where a member stands on one item: the gap reached, when it is due, last answered."""

    item_id: str
    step: int
    due_at: datetime
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class PracticeAnswerRow:
    """One answer a member gave."""

    id: int
    item_id: str
    choice: str
    right: bool
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class NewState:
    """The state an answer moves an item to (computed by the services' spacing rules)."""

    step: int
    due_at: datetime


class PracticeQueries(Runner):
    """Answers and per-item state, per server and member; part of Store."""

    async def practice_states(self, guild_id: int, user_id: int) -> list[PracticeStateRow]:
        """The member's state on every item they have answered."""
        rows = await self._query(
            "SELECT item_id, step, due_at, answered_at FROM practice_state "
            "WHERE guild_id = ? AND user_id = ? ORDER BY item_id",
            (guild_id, user_id),
        )
        return [PracticeStateRow(r[0], r[1], parse_time(r[2]), parse_time(r[3])) for r in rows]

    async def record_practice_answer(
        self,
        guild_id: int,
        user_id: int,
        item_id: str,
        *,
        choice: str,
        right: bool,
        expected: PracticeStateRow | None,
        new: NewState,
        now: datetime,
    ) -> bool:
        """Keep an answer and move the item, in one transaction committed before returning.

        Only if the item is still where ``expected`` says (None: never answered): a
        second click on the same question, or an answer from another window in between,
        returns False and changes nothing, so one showing counts once.
        """

        async def body(conn: Conn) -> bool:
            rows = await fetch(
                conn,
                "SELECT step, due_at FROM practice_state "
                "WHERE guild_id = ? AND user_id = ? AND item_id = ?",
                (guild_id, user_id, item_id),
            )
            current = (rows[0][0], rows[0][1]) if rows else None
            wanted = None if expected is None else (expected.step, db_time(expected.due_at))
            if current != wanted:
                return False
            await change(
                conn,
                "INSERT INTO practice_answers "
                "(guild_id, user_id, item_id, choice, correct, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, user_id, item_id, choice, int(right), db_time(now)),
            )
            await change(
                conn,
                "INSERT INTO practice_state "
                "(guild_id, user_id, item_id, step, due_at, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id, item_id) "
                "DO UPDATE SET step = excluded.step, due_at = excluded.due_at, "
                "answered_at = excluded.answered_at",
                (guild_id, user_id, item_id, new.step, db_time(new.due_at), db_time(now)),
            )
            return True

        return await self._run(body, "write")

    async def practice_answers(self, guild_id: int, user_id: int) -> list[PracticeAnswerRow]:
        """Every answer the member gave in this server, oldest first (their stats, export)."""
        rows = await self._query(
            "SELECT id, item_id, choice, correct, answered_at FROM practice_answers "
            "WHERE guild_id = ? AND user_id = ? ORDER BY id",
            (guild_id, user_id),
        )
        return [PracticeAnswerRow(r[0], r[1], r[2], bool(r[3]), parse_time(r[4])) for r in rows]

    async def answers_in_order(self, guild_id: int, item_prefix: str) -> list[tuple[int, str, str]]:
        """Every answer to items whose id starts with ``item_prefix``, oldest first, as
        (user_id, item_id, choice): for counts of first and latest answers, never shown."""
        rows = await self._query(
            "SELECT user_id, item_id, choice FROM practice_answers "
            "WHERE guild_id = ? AND substr(item_id, 1, ?) = ? ORDER BY id",
            (guild_id, len(item_prefix), item_prefix),
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def forget_practice(self, guild_id: int, user_id: int) -> int:
        """Erase a member's answers and practice state in one server; how many answers."""

        async def body(conn: Conn) -> int:
            deleted = await change(
                conn,
                "DELETE FROM practice_answers WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )
            await change(
                conn,
                "DELETE FROM practice_state WHERE guild_id = ? AND user_id = ?",
                (guild_id, user_id),
            )
            return deleted

        return await self._run(body, "write")
