"""The embedded engine: one SQLite file, one connection, concurrent calls committed together.

* A call returns only after the COMMIT holding its work; synchronous=FULL in WAL mode
  makes that hold through power loss, not only a crash of the bot.
* Group commit: calls queue up while a transaction is committing, and the next
  transaction takes all of them (up to ``BATCH`` bodies), each inside its own SAVEPOINT.
  So 50 concurrent writers pay for one fsync, not 50. A body that raises rolls back
  only its savepoint and gets its own exception; a COMMIT that fails fails every body
  it held (none of them was committed). Nothing waits to fill a batch: a lone call is
  a transaction of one.
* aiosqlite keeps the connection on its own thread; a whole transaction runs there in
  one hop (``Connection._execute``, the call aiosqlite's own methods are built on; the
  version is pinned in pyproject.toml and the store tests would catch a change). Bodies
  only await their ``Conn``, whose methods finish without suspending, so the thread
  drives each body's coroutine to its end itself. A body that awaits anything else is
  refused (it would need the event loop the thread does not have).
* Writes use BEGIN IMMEDIATE so another process (a backup script, a second bot on the
  same file) makes us wait up to busy_timeout instead of failing mid-transaction.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.connection import connect
from bot.store.engine import (
    Body,
    Conn,
    EngineName,
    Row,
    Transaction,
    refuse_nul,
)
from bot.store.migrate import Migration
from bot.store.store_error import StoreError

_T = TypeVar("_T")

BATCH = 64
"""The most bodies one transaction takes: a bound on how long a call waits behind others."""


class SqliteConn:
    """The Conn protocol over a plain sqlite3 connection, used on the engine's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        refuse_nul(params)
        rows: list[Row] = self._conn.execute(sql, params).fetchall()
        return rows

    async def change(self, sql: str, params: Sequence[object] = ()) -> int:
        refuse_nul(params)
        return int(self._conn.execute(sql, params).rowcount)

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        for row in rows:
            refuse_nul(row)
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        self._conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def change_unless_duplicate(self, sql: str, params: Sequence[object] = ()) -> int:
        self._conn.execute("SAVEPOINT unless_duplicate")
        try:
            changed = await self.change(sql, params)
        except sqlite3.IntegrityError as exc:
            self._conn.execute("ROLLBACK TO unless_duplicate")
            if "UNIQUE" not in str(exc):
                raise
            changed = 0
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("RELEASE unless_duplicate")
        return changed


@dataclass(slots=True)
class _Call:
    """One queued body and the future its caller awaits."""

    body: Body[Any]
    tx: Transaction
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _Outcome:
    """What a body came to, decided on the thread and handed to its caller on the loop."""

    value: Any = None
    error: BaseException | None = None


def _drive(awaitable: Awaitable[_T]) -> _T:
    """Run a body's coroutine to its end here: its Conn calls never suspend."""
    steps = awaitable.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        result: _T = done.value
        return result
    steps.close()
    raise RuntimeError("a store body awaited something other than its connection")


class SqliteEngine:
    """Runs queued bodies on one connection, many to a transaction, one fsync each."""

    name: EngineName = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path, version: int) -> None:
        """Use open(): ``connection`` is checked, migrated and set up by connection.connect."""
        self._aio = connection
        self._conn: sqlite3.Connection = connection._conn  # used only on aiosqlite's thread
        self.path = path
        self.where = str(path)
        self.schema_version = version
        self._queue: collections.deque[_Call] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self._close_lock = asyncio.Lock()
        self._finished = False
        self.commits = 0
        """Transactions committed so far: with concurrent callers, fewer than calls."""

    @classmethod
    async def open(
        cls, path: Path, migrations: Sequence[Migration] | None, busy_timeout_ms: int
    ) -> SqliteEngine:
        """Check, switch to WAL, set the pragmas and migrate (connection.connect)."""
        connection, version = await connect(path, migrations, busy_timeout_ms)
        return cls(connection, path, version)

    async def run(self, body: Body[_T], tx: Transaction) -> _T:
        """Queue ``body``; return its result once the transaction holding it committed.

        A caller cancelled before its body started takes it out of the queue; one
        cancelled later does not stop it (the Runner shields callers anyway)."""
        if self._closed:
            raise StoreError(f"the store for {self.where} is closed")
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Call(body, tx, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_queued())
        return await future

    async def _write_queued(self) -> None:
        """Run the queue, a batch per transaction, until it is empty."""
        batch: list[_Call] = []
        try:
            while self._queue:
                batch = []
                while self._queue and len(batch) < BATCH:
                    call = self._queue.popleft()
                    if not call.future.done():  # a caller cancelled before it started
                        batch.append(call)
                if not batch:
                    continue
                outcomes: list[_Outcome] = await self._aio._execute(  # type: ignore[no-untyped-call]
                    self._transaction, batch
                )
                self._queue.extendleft(reversed(batch[len(outcomes) :]))  # not started
                for call, outcome in zip(batch, outcomes, strict=False):
                    if call.future.done():
                        continue
                    if outcome.error is not None:
                        call.future.set_exception(outcome.error)
                    else:
                        call.future.set_result(outcome.value)
        except BaseException as exc:  # cancelled at shutdown, or a bug: tell every caller
            failure = StoreError(f"the store for {self.where} stopped before confirming this")
            failure.__cause__ = exc
            for call in [*batch, *self._queue]:
                if not call.future.done():
                    call.future.set_exception(failure)
            self._queue.clear()
            raise
        finally:
            self._writer = None

    def _begin(self, write: bool) -> _Outcome:
        """BEGIN on the thread (after ending one a cancelled writer may have left open)."""
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            return _Outcome(error=self._error(exc))
        return _Outcome()

    def _transaction(self, batch: list[_Call]) -> list[_Outcome]:
        """On the thread: one transaction for ``batch``, a savepoint per body.

        Returns an outcome for each body it ran, in order; the rest (after an error
        that ended the whole transaction) go back to the queue unstarted."""
        conn = self._conn
        began = self._begin(any(call.tx != "read" for call in batch))
        if began.error is not None:  # e.g. another process held the lock past busy_timeout
            return [began] * len(batch)
        outcomes: list[_Outcome] = []
        try:
            outcomes = self._bodies(batch)
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException as exc:  # a failed COMMIT, or a bug: nothing here was saved
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")  # a failed COMMIT may leave it open
            if not isinstance(exc, sqlite3.Error):
                raise
            failed = _Outcome(error=self._error(exc, "nothing in this transaction was saved"))
            return [failed if o.error is None else o for o in outcomes]
        self.commits += 1
        return outcomes

    def _bodies(self, batch: list[_Call]) -> list[_Outcome]:
        """Each body in its own savepoint, inside the open transaction."""
        conn = self._conn
        outcomes: list[_Outcome] = []
        for call in batch:
            try:
                conn.execute("SAVEPOINT store_call")
                value = _drive(call.body(SqliteConn(conn)))
                conn.execute("RELEASE store_call")
            except Exception as exc:
                outcomes.append(_Outcome(error=self._error(exc)))
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK TO store_call")
                    conn.execute("RELEASE store_call")
                if not conn.in_transaction:  # SQLite ended it (disk full, I/O error)
                    lost = _Outcome(error=self._error(exc, "rolled back by a later call's error"))
                    return [lost if o.error is None else o for o in outcomes]
            else:
                outcomes.append(_Outcome(value=value))
        return outcomes

    def _error(self, exc: BaseException, why: str = "") -> BaseException:
        """SQLite's errors become StoreError (as every engine reports them); a body's
        own exceptions reach its caller as they are."""
        if not isinstance(exc, sqlite3.Error) and not why:
            return exc
        error = StoreError(f"database error on {self.where}: {exc}" + (f" ({why})" if why else ""))
        error.__cause__ = exc
        return error

    async def close(self) -> None:
        """Finish every queued call, then close the connection and its thread. Closing
        the last connection makes SQLite checkpoint and remove the WAL file."""
        self._closed = True
        async with self._close_lock:
            while (writer := self._writer) is not None:
                await asyncio.wait({writer})  # unlike gather, never cancels it
            if self._finished:
                return
            self._finished = True
            try:
                await self._aio.close()
            except sqlite3.Error as exc:
                raise StoreError(f"closing {self.where} failed: {exc}") from exc

    async def settings(self) -> dict[str, object]:
        async def body(conn: Conn) -> dict[str, object]:
            names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "user_version")
            return {name: (await conn.fetch(f"PRAGMA {name}"))[0][0] for name in names}

        return await self.run(body, "none")

    async def integrity_check(self) -> list[str]:
        async def body(conn: Conn) -> list[str]:
            return [str(row[0]) for row in await conn.fetch("PRAGMA integrity_check")]

        return await self.run(body, "none")
