"""The one connection every query goes through, and the rules it enforces.

Rules every Store method follows, because the bot's promises depend on them:

* A method that writes returns only after COMMIT, so anything the bot tells a member
  ("saved", "deleted") is already on disk. synchronous=FULL in WAL mode makes that hold
  through power loss, not only a crash of the bot.
* Each method is one transaction. An asyncio.Lock serialises them over the single
  connection, so concurrent tasks never interleave statements inside each other's
  transactions. Writes use BEGIN IMMEDIATE so another process (a second bot, a backup
  script) makes us wait up to busy_timeout instead of failing mid-transaction.
* Once started, a method runs to the end even if the awaiting task is cancelled (it
  runs in a shielded task), so a cancellation can never leave a transaction open on
  the shared connection. The cancelled caller simply does not see the result.
* The store never reads the clock: callers pass `now`, so tests control time.
* Values travel only as `?` parameters (see bot/store/rows.py for how they are stored).

The per-table query classes (schedules, prompt_history, reflections, ...) subclass
Runner and Store combines them, so all of them share this one connection and lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import aiosqlite

from bot.store.migrate import rollback_quietly, scalar
from bot.store.store_error import StoreError

_T = TypeVar("_T")
Transaction = Literal["write", "read", "none"]
"""BEGIN IMMEDIATE ... COMMIT, BEGIN ... COMMIT, or a single statement in autocommit."""
Body = Callable[[aiosqlite.Connection], Awaitable[_T]]


async def fetch(conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()) -> list[Any]:
    """Every row of one SELECT, inside a body given to Runner._run."""
    return list(await conn.execute_fetchall(sql, params))


async def change(
    conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> tuple[int, int | None]:
    """Run one INSERT/UPDATE/DELETE; return (rows changed, last inserted rowid)."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount, cursor.lastrowid
    finally:
        await cursor.close()


class Runner:
    """One open connection: runs each query method as one transaction, then closes."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, schema_version: int) -> None:
        """Use Store.open(); this wraps an already-migrated connection."""
        self._conn = conn
        self._path = path
        self._schema_version = schema_version
        self._lock = asyncio.Lock()
        self._closing = False  # no new operations
        self._closed = False  # connection gone
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def schema_version(self) -> int:
        return self._schema_version

    @property
    def closed(self) -> bool:
        return self._closing or self._closed

    async def close(self) -> None:
        """Finish operations already called, refuse new ones, then close.

        Closing the last connection makes SQLite checkpoint and remove the WAL file.
        """
        self._closing = True
        while self._running:  # asyncio.wait, unlike gather, never cancels them
            await asyncio.wait(set(self._running))
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                await self._conn.close()
            except sqlite3.Error as exc:
                raise StoreError(f"closing {self._path} failed: {exc}") from exc

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------ running queries

    def _check_open(self) -> None:
        if self._closing or self._closed:
            raise StoreError(f"the store for {self._path} is closed")

    async def _run(self, body: Body[_T], tx: Transaction) -> _T:
        """Run `body` as one transaction, shielded from the caller's cancellation."""
        self._check_open()
        task = asyncio.ensure_future(self._locked(body, tx))
        self._running.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def _locked(self, body: Body[_T], tx: Transaction) -> _T:
        async with self._lock:
            if self._closed:
                raise StoreError(f"the store for {self._path} is closed")
            conn = self._conn
            try:
                if tx == "none":  # a single statement is its own transaction
                    return await body(conn)
                await conn.execute("BEGIN IMMEDIATE" if tx == "write" else "BEGIN")
                try:
                    result = await body(conn)
                    await conn.execute("COMMIT")
                except BaseException:
                    await rollback_quietly(conn)
                    raise
                return result
            except sqlite3.Error as exc:
                raise StoreError(f"database error on {self._path}: {exc}") from exc

    async def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        async def body(conn: aiosqlite.Connection) -> list[Any]:
            return await fetch(conn, sql, params)

        return await self._run(body, "none")

    async def _write(self, sql: str, params: Sequence[object] = ()) -> tuple[int, int | None]:
        """One statement: in autocommit mode it is its own transaction, committed (and,
        with synchronous=FULL, durable) when it returns, without BEGIN/COMMIT round trips
        to the database thread."""

        async def body(conn: aiosqlite.Connection) -> tuple[int, int | None]:
            return await change(conn, sql, params)

        return await self._run(body, "none")

    # ------------------------------------------------------------ health

    async def settings(self) -> dict[str, object]:
        """The connection's durability settings, for a startup log line or a status command."""

        async def body(conn: aiosqlite.Connection) -> dict[str, object]:
            names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            values = {name: await scalar(conn, f"PRAGMA {name}") for name in names}
            values["user_version"] = await scalar(conn, "PRAGMA user_version")
            return values

        return await self._run(body, "none")

    async def integrity_check(self) -> list[str]:
        """SQLite's full integrity check: ['ok'] when the file is sound. Slow on big files."""
        rows = await self._query("PRAGMA integrity_check")
        return [str(row[0]) for row in rows]

    # ------------------------------------------------------------ meta

    async def get_meta(self, key: str) -> str | None:
        """A small value the bot keeps between runs, or None if never set."""
        rows = await self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        """Set (or replace) a value; committed when this returns."""
        await self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def delete_meta(self, key: str) -> bool:
        changed, _ = await self._write("DELETE FROM meta WHERE key = ?", (key,))
        return changed == 1
