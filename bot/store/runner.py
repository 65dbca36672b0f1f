"""The engine every query goes through, and the rules every Store method follows.

Rules every Store method follows, because the bot's promises depend on them:

* A method that writes returns only after COMMIT, so anything the bot tells a member
  ("saved", "deleted") is already durable.
* Each method is one transaction, or one savepoint in a transaction shared with other
  concurrent calls and committed before any of them returns (see the engines:
  bot/store/sqlite_engine.py commits queued calls together on one connection;
  bot/store/postgres_engine.py has a pool and SERIALIZABLE writes), so concurrent tasks
  and processes never see each other's halves.
* Once started, a method runs to the end even if the awaiting task is cancelled (it
  runs in a shielded task), so a cancellation can never leave a transaction open on
  a shared connection. The cancelled caller simply does not see the result.
* The store never reads the clock: callers pass `now`, so tests control time.
* Values travel only as `?` parameters (see bot/store/rows.py for how they are stored),
  in SQL both engines accept.

The per-table query classes (schedules, prompt_history, reflections, ...) subclass
Runner and Store combines them, so all of them share this one engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.store.engine import Body, Conn, Engine, EngineName, Transaction, change, fetch, scalar
from bot.store.store_error import StoreError

__all__ = ["Body", "Conn", "Runner", "Transaction", "change", "fetch", "scalar"]

_T = TypeVar("_T")


class Runner:
    """One open engine: runs each query method as one transaction, then closes."""

    def __init__(self, engine: Engine) -> None:
        """Use Store.open(); this wraps an already-migrated engine."""
        self._engine = engine
        self._closing = False  # no new operations
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def engine(self) -> EngineName:
        return self._engine.name

    @property
    def where(self) -> str:
        """The database, for messages: a file path, or a URL without its password."""
        return self._engine.where

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on a database server."""
        path = getattr(self._engine, "path", None)
        return path if isinstance(path, Path) else None

    @property
    def schema_version(self) -> int:
        return self._engine.schema_version

    @property
    def closed(self) -> bool:
        return self._closing

    async def close(self) -> None:
        """Finish operations already called, refuse new ones, then close."""
        self._closing = True
        while self._running:  # asyncio.wait, unlike gather, never cancels them
            await asyncio.wait(set(self._running))
        await self._engine.close()

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

    async def _run(self, body: Body[_T], tx: Transaction) -> _T:
        """Run `body` as one transaction, shielded from the caller's cancellation."""
        if self._closing:
            raise StoreError(f"the store for {self.where} is closed")
        task = asyncio.ensure_future(self._engine.run(body, tx))
        self._running.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def _query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        async def body(conn: Conn) -> list[Any]:
            return await fetch(conn, sql, params)

        return await self._run(body, "none")

    async def _write(self, sql: str, params: Sequence[object] = ()) -> int:
        """One statement, its own transaction (autocommit): committed and durable when it
        returns, without BEGIN/COMMIT round trips. Returns the rows it changed."""

        async def body(conn: Conn) -> int:
            return await change(conn, sql, params)

        return await self._run(body, "none")

    async def _insert(self, sql: str, params: Sequence[object] = ()) -> int | None:
        """One INSERT ... RETURNING id as its own transaction: the new row's id, or None
        when ON CONFLICT DO NOTHING left it out."""
        rows = await self._query(sql, params)
        return int(rows[0][0]) if rows else None

    # ------------------------------------------------------------ health

    async def settings(self) -> dict[str, object]:
        """The engine's durability settings, for a startup log line or a status command."""
        return await self._engine.settings()

    async def integrity_check(self) -> list[str]:
        """['ok'] when the database is sound (SQLite's full check is slow on big files)."""
        return await self._engine.integrity_check()

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
        return await self._write("DELETE FROM meta WHERE key = ?", (key,)) == 1
