"""What the store's queries need from a database engine, and nothing more.

Two engines implement it: SQLite through aiosqlite (the embedded default, one file)
and PostgreSQL through asyncpg (several processes, one database server). Queries are
written once, in the SQL both accept, with `?` placeholders; each engine's connection
translates what it must. Bodies given to ``Engine.run`` see only ``Conn``, so a query
cannot reach for something one engine lacks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, Protocol, TypeVar

_T = TypeVar("_T")

Transaction = Literal["write", "read", "none"]
"""A write transaction, a read-only snapshot, or a single statement in autocommit."""

EngineName = Literal["sqlite", "postgresql"]


class Row(Protocol):
    """A result row: by position or by column name (sqlite3.Row and asyncpg.Record both)."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Conn(Protocol):
    """One connection inside one transaction (or one autocommit statement)."""

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Every row of one statement (a SELECT, or a write with RETURNING)."""
        ...

    async def change(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one INSERT/UPDATE/DELETE; return how many rows it changed."""
        ...

    async def change_unless_duplicate(self, sql: str, params: Sequence[object] = ()) -> int:
        """Like change, but a UNIQUE conflict changes nothing (0) instead of failing the
        transaction (SQLite's OR IGNORE, PostgreSQL's savepoint)."""
        ...

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        """Insert many rows at once, ids included (executemany on SQLite, COPY on
        PostgreSQL): how `cohort-bot db copy` moves a whole table. Names are the
        caller's, taken from the database's own catalog, never from input."""
        ...


Body = Callable[[Conn], Awaitable[_T]]


class Engine(Protocol):
    """Runs bodies as transactions, committed (and durable) before ``run`` returns."""

    name: EngineName
    where: str
    """The database, for messages: a file path, or a URL without its password."""
    schema_version: int

    async def run(self, body: Body[_T], tx: Transaction) -> _T: ...

    async def close(self) -> None: ...

    async def settings(self) -> dict[str, object]:
        """The durability settings in force, for a status line."""
        ...

    async def integrity_check(self) -> list[str]:
        """['ok'] when the database is sound."""
        ...


def refuse_nul(params: Sequence[object]) -> None:
    """Neither engine may keep a NUL character (PostgreSQL's text cannot hold one), so
    both refuse it, alike. Members' text never gets here with one: the services refuse
    control characters first."""
    for value in params:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text for the database holds a NUL character (U+0000)")


async def fetch(conn: Conn, sql: str, params: Sequence[object] = ()) -> list[Any]:
    """Every row of one statement, inside a body given to Runner._run."""
    return await conn.fetch(sql, params)


async def change(conn: Conn, sql: str, params: Sequence[object] = ()) -> int:
    """Run one INSERT/UPDATE/DELETE inside a body; return the rows changed."""
    return await conn.change(sql, params)


async def scalar(conn: Conn, sql: str, params: Sequence[object] = ()) -> object:
    """First column of the first row, or None."""
    rows = await conn.fetch(sql, params)
    return rows[0][0] if rows else None
