"""One owner per shard: locks the database (or the OS) guarantees, held while a process runs.

Several processes may each run some shards of one bot over one database. Before one
connects to Discord it takes every shard it is configured for, all or nothing; a second
process for the same shards waits, polling about once a second, and takes over within
seconds of the first exiting or dying. That is how a deploy replaces a process with no
gap and no double answers.

- PostgreSQL: session-level advisory locks ``pg_try_advisory_lock(SHARD_LOCK_NAMESPACE,
  shard)`` on one dedicated connection. The server drops them when that session ends, so a
  killed process frees its shards; a lost connection means lost ownership, noticed by
  asyncpg's termination listener and a ``SELECT 1`` every few seconds.
- SQLite (one machine): ``flock`` on a file per shard beside the database,
  ``<db>.shard-<n>-of-<count>.lock``; the kernel drops it when the process dies.

Losing ownership sets ``ShardOwnership.lost`` (with ``reason``): the runner must stop at
once, since another process may already be answering for those servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.sharding import ShardPlan

log = logging.getLogger(__name__)

# The first key of every shard's advisory lock (the second is the shard id): ASCII "CohB"
# as a 32-bit integer, so cohort-bot's locks never collide with another app's in one
# database. Inspect them with: SELECT * FROM pg_locks WHERE classid = 1131374658.
SHARD_LOCK_NAMESPACE = 0x436F6842
POLL_SECONDS = 1.0  # how often a waiting process tries again
CHECK_SECONDS = 5.0  # how often a holding process checks it still holds them


class _Locks(Protocol):
    """One kind of lock: take a shard without waiting, let it go, check it still holds."""

    async def try_take(self, shard: int) -> bool: ...

    async def release(self, shard: int) -> None: ...

    async def check(self) -> str | None:
        """None while every lock taken is surely still held; else why it may not be."""
        ...

    async def close(self) -> None:
        """Let every lock go."""
        ...


def shard_list(shards: Iterable[int]) -> str:
    return ", ".join(str(shard) for shard in sorted(shards))


class ShardOwnership:
    """The shards this process owns while inside ``acquire``; ``lost`` is set if it stops
    owning them (the runner awaits it and stops at once)."""

    def __init__(self, shard_count: int | None, shard_ids: Iterable[int]) -> None:
        self.shard_count = shard_count
        self.shard_ids = tuple(sorted(set(shard_ids)))
        self.lost = asyncio.Event()
        self.reason = ""
        self._held = False

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @classmethod
    @contextlib.asynccontextmanager
    async def acquire(
        cls,
        database_url: str,
        shard_count: int | None,
        shard_ids: Iterable[int],
        *,
        poll_seconds: float = POLL_SECONDS,
        check_seconds: float = CHECK_SECONDS,
    ) -> AsyncIterator[ShardOwnership]:
        """Wait until every shard in ``shard_ids`` is this process's, hold them inside the
        block, and let them go after. Unsharded (``shard_count`` None): no locks at all."""
        ownership = cls(shard_count, shard_ids)
        if shard_count is None:
            yield ownership
            return
        if not ownership.shard_ids:
            raise ValueError("a sharded process needs at least one shard id")
        locks = _locks_for(database_url, shard_count, ownership._connection_lost)
        try:
            await ownership._take_all(locks, poll_seconds)
            watcher = asyncio.create_task(ownership._watch(locks, check_seconds))
            try:
                yield ownership
            finally:
                ownership._held = False
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
        finally:
            await locks.close()

    async def _take_all(self, locks: _Locks, poll_seconds: float) -> None:
        """All or nothing: a partial set is let go, so two processes wanting overlapping
        shards cannot each hold half and wait for the other forever."""
        waited = False
        while True:
            taken: list[int] = []
            busy: list[int] = []
            try:
                for shard in self.shard_ids:
                    (taken if await locks.try_take(shard) else busy).append(shard)
                if not busy:
                    break
                for shard in taken:
                    await locks.release(shard)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                busy = busy or list(self.shard_ids)
                log.warning("cannot take shard locks yet (%s); trying again", error)
                await locks.close()  # whatever was half taken goes with the connection
            if not waited:
                log.info("waiting for shard(s) %s: another process holds them", shard_list(busy))
                waited = True
            await asyncio.sleep(poll_seconds)
        self._held = True
        verb = "took over" if waited else "own"
        log.info("%s shard(s) %s of %d", verb, shard_list(self.shard_ids), self.shard_count)

    async def _watch(self, locks: _Locks, check_seconds: float) -> None:
        while not self.lost.is_set():
            await asyncio.sleep(check_seconds)
            problem = await locks.check()
            if problem is not None:
                self._lose(problem)

    def _connection_lost(self, reason: str) -> None:
        if self._held:
            self._lose(reason)

    def _lose(self, reason: str) -> None:
        if self.lost.is_set() or not self._held:
            return
        self.reason = f"lost shard(s) {shard_list(self.shard_ids)}: {reason}"
        log.error("%s; stopping, another process may take them over", self.reason)
        self.lost.set()


def hold_shards(
    database_url: str, plan: ShardPlan | None
) -> contextlib.AbstractAsyncContextManager[ShardOwnership]:
    """``ShardOwnership.acquire`` for the settings' shard plan (None: unsharded, no locks)."""
    if plan is None:
        return ShardOwnership.acquire(database_url, None, ())
    return ShardOwnership.acquire(database_url, plan.count, plan.ids)


def _locks_for(database_url: str, shard_count: int, on_lost: Callable[[str], None]) -> _Locks:
    scheme = database_url.partition("://")[0].lower()
    if scheme in ("postgresql", "postgres"):
        return AdvisoryLocks(database_url, on_lost)
    if database_url.lower().startswith("sqlite:///"):
        return FileLocks(Path(database_url[len("sqlite:///") :]), shard_count)
    raise ValueError(f"'{database_url}' is not a database URL shard locks know")


class AdvisoryLocks:
    """PostgreSQL session-level advisory locks on one connection of their own."""

    def __init__(self, url: str, on_lost: Callable[[str], None]) -> None:
        self.url = url
        self.on_lost = on_lost
        self.connection: asyncpg.Connection[Any] | None = None

    async def _connect(self) -> asyncpg.Connection[Any]:
        if self.connection is None or self.connection.is_closed():
            connection: asyncpg.Connection[Any] = await asyncpg.connect(
                self.url, server_settings={"application_name": "cohort-bot shard locks"}
            )
            connection.add_termination_listener(self._terminated)
            self.connection = connection
        return self.connection

    def _terminated(self, connection: asyncpg.Connection[Any] | PoolConnectionProxy[Any]) -> None:
        if connection is self.connection:
            self.on_lost("the database closed the lock connection")

    async def try_take(self, shard: int) -> bool:
        connection = await self._connect()
        taken = await connection.fetchval(
            "SELECT pg_try_advisory_lock($1::int4, $2::int4)", SHARD_LOCK_NAMESPACE, shard
        )
        return bool(taken)

    async def release(self, shard: int) -> None:
        connection = await self._connect()
        await connection.fetchval(
            "SELECT pg_advisory_unlock($1::int4, $2::int4)", SHARD_LOCK_NAMESPACE, shard
        )

    async def check(self) -> str | None:
        connection = self.connection
        if connection is None or connection.is_closed():
            return "the lock connection is closed"
        try:
            await connection.fetchval("SELECT 1", timeout=CHECK_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            return f"the lock connection failed ({type(error).__name__}: {error})"
        return None

    async def close(self) -> None:
        """Closing the session lets every advisory lock it holds go."""
        connection, self.connection = self.connection, None
        if connection is None or connection.is_closed():
            return
        connection.remove_termination_listener(self._terminated)
        try:
            await connection.close(timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            connection.terminate()


class FileLocks:
    """``flock`` on one file per shard beside the SQLite file (one machine only)."""

    def __init__(self, database: Path, shard_count: int) -> None:
        self.database = database
        self.shard_count = shard_count
        self.held: dict[int, int] = {}  # shard -> open file descriptor

    def path(self, shard: int) -> Path:
        return self.database.with_name(
            f"{self.database.name}.shard-{shard}-of-{self.shard_count}.lock"
        )

    async def try_take(self, shard: int) -> bool:
        path = self.path(shard)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # never blocks the loop
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())  # who holds it, for people
        self.held[shard] = descriptor
        return True

    async def release(self, shard: int) -> None:
        descriptor = self.held.pop(shard, None)
        if descriptor is not None:
            os.close(descriptor)  # closing the only descriptor drops the flock

    async def check(self) -> str | None:
        """A lock file deleted or replaced would let another process lock a new one."""
        for shard, descriptor in self.held.items():
            try:
                same = self.path(shard).stat().st_ino == os.fstat(descriptor).st_ino
            except OSError:
                same = False
            if not same:
                return f"its lock file {self.path(shard)} was removed or replaced"
        return None

    async def close(self) -> None:
        for shard in list(self.held):
            await self.release(shard)
