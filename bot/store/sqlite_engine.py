"""The embedded engine: one SQLite file, one connection, one transaction at a time.

* A write returns only after COMMIT; synchronous=FULL in WAL mode makes that hold
  through power loss, not only a crash of the bot.
* An asyncio.Lock serialises transactions over the single connection, so concurrent
  tasks never interleave statements inside each other's transactions. Writes use BEGIN
  IMMEDIATE so another process (a backup script, a second bot on the same file) makes
  us wait up to busy_timeout instead of failing mid-transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.store.connection import connect
from bot.store.engine import Body, Conn, EngineName, Row, Transaction, refuse_nul
from bot.store.migrate import Migration, rollback_quietly, scalar
from bot.store.store_error import StoreError

_T = TypeVar("_T")


class SqliteConn:
    """The Conn protocol over one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        refuse_nul(params)
        return list(await self._conn.execute_fetchall(sql, params))

    async def change(self, sql: str, params: Sequence[object] = ()) -> int:
        refuse_nul(params)
        cursor = await self._conn.execute(sql, params)
        try:
            return int(cursor.rowcount)
        finally:
            await cursor.close()

    async def change_unless_duplicate(self, sql: str, params: Sequence[object] = ()) -> int:
        await self._conn.execute("SAVEPOINT unless_duplicate")
        try:
            changed = await self.change(sql, params)
        except sqlite3.IntegrityError as exc:
            await self._conn.execute("ROLLBACK TO unless_duplicate")
            if "UNIQUE" not in str(exc):
                raise
            changed = 0
        finally:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("RELEASE unless_duplicate")
        return changed


class SqliteEngine:
    """Runs each body as one transaction on the single connection, one at a time."""

    name: EngineName = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path, schema_version: int) -> None:
        self._conn = conn
        self.path = path
        self.where = str(path)
        self.schema_version = schema_version
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls, path: Path, migrations: Sequence[Migration] | None, busy_timeout_ms: int
    ) -> SqliteEngine:
        conn, version = await connect(path, migrations, busy_timeout_ms)
        return cls(conn, path, version)

    async def run(self, body: Body[_T], tx: Transaction) -> _T:
        async with self._lock:
            if self._closed:
                raise StoreError(f"the store for {self.where} is closed")
            conn = self._conn
            try:
                if tx == "none":  # a single statement is its own transaction
                    return await body(SqliteConn(conn))
                await conn.execute("BEGIN IMMEDIATE" if tx == "write" else "BEGIN")
                try:
                    result = await body(SqliteConn(conn))
                    await conn.execute("COMMIT")
                except BaseException:
                    await rollback_quietly(conn)
                    raise
                return result
            except sqlite3.Error as exc:
                raise StoreError(f"database error on {self.where}: {exc}") from exc

    async def close(self) -> None:
        """Closing the last connection makes SQLite checkpoint and remove the WAL file."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                await self._conn.close()
            except sqlite3.Error as exc:
                raise StoreError(f"closing {self.where} failed: {exc}") from exc

    async def settings(self) -> dict[str, object]:
        async def body(conn: Conn) -> dict[str, object]:
            names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            values = {name: await scalar(self._conn, f"PRAGMA {name}") for name in names}
            values["user_version"] = await scalar(self._conn, "PRAGMA user_version")
            return values

        return await self.run(body, "none")

    async def integrity_check(self) -> list[str]:
        async def body(conn: Conn) -> list[str]:
            return [str(row[0]) for row in await conn.fetch("PRAGMA integrity_check")]

        return await self.run(body, "none")
