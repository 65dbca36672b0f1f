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

A guild's shard depends on the shard count, so processes started with different counts
(a re-shard from 2 to 4 while processes with 2 still run) would serve overlapping servers.
Every sharded process therefore also holds a SHARED layout lock saying "a process with N
shards runs" (``pg_try_advisory_lock_shared(LAYOUT_NAMESPACE, N)``, or ``flock(LOCK_SH)``
on ``<db>.shards-<N>.lock``), taken only under an exclusive gate (a transaction's
``pg_advisory_xact_lock(GATE_NAMESPACE, 0)``, or ``flock(LOCK_EX)`` on
``<db>.shards-gate.lock``) after checking that no other count holds one; so one shard count
runs at a time, and a new count waits (holding nothing) until every old process has
stopped or died. Losing the layout lock is losing ownership, like a shard's.

Losing ownership sets ``ShardOwnership.lost`` (with ``reason``): the runner must stop at
once, since another process may already be answering for those servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.sharding import ShardPlan
from bot.store.postgres_engine import safe_url

log = logging.getLogger(__name__)

# The first key of every shard's advisory lock (the second is the shard id): ASCII "CohB"
# as a 32-bit integer, so cohort-bot's locks never collide with another app's in one
# database. Inspect them with: SELECT * FROM pg_locks WHERE classid = 1131374658.
SHARD_LOCK_NAMESPACE = 0x436F6842
# The first key of the shared "a process with N shards runs" lock (the second is N): "CohL".
# Which counts run: SELECT objid FROM pg_locks WHERE classid = 1131374668 AND objsubid = 2.
LAYOUT_NAMESPACE = 0x436F684C
# The first key of the gate (second key 0) under which a process checks the running counts
# and takes its layout lock, so two counts starting at once cannot both pass: "CohG".
GATE_NAMESPACE = 0x436F6847
GATE_SECONDS = 5.0  # a gate held longer than this (a stuck process) is treated as an error
POLL_SECONDS = 1.0  # how often a waiting process tries again
CHECK_SECONDS = 5.0  # how often a holding process checks it still holds them


class _Locks(Protocol):
    """One kind of lock: take the layout or a shard without waiting, let them go, check
    they still hold."""

    async def take_layout(self) -> tuple[int, ...]:
        """Under the gate: the other shard counts running (nothing taken), or () once this
        count's shared layout lock is held."""
        ...

    async def release_layout(self) -> None: ...

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


def _count_list(counts: Iterable[int]) -> str:
    return " and ".join(str(count) for count in sorted(counts))


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
        """All or nothing, layout first: a partial set is let go (the layout lock too), so
        two processes wanting overlapping shards cannot each hold half and wait for the
        other forever, and a waiting process never keeps another shard count out."""
        waited = False
        said: set[str] = set()  # each kind of wait is logged once
        while True:
            others: tuple[int, ...] = ()
            taken: list[int] = []
            busy: list[int] = []
            try:
                others = await locks.take_layout()
                if not others:
                    for shard in self.shard_ids:
                        (taken if await locks.try_take(shard) else busy).append(shard)
                    if not busy:
                        break
                    for shard in taken:
                        await locks.release(shard)
                    await locks.release_layout()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                busy = busy or list(self.shard_ids)
                log.warning("cannot take shard locks yet (%s); trying again", error)
                await locks.close()  # whatever was half taken goes with the connection
            kind = "layout" if others else "shards"
            if kind not in said:
                said.add(kind)
                if others:
                    log.info(
                        "waiting: processes with %s shards still run; every process must stop"
                        " before the bot runs with %d shards",
                        _count_list(others),
                        self.shard_count,
                    )
                else:
                    log.info(
                        "waiting for shard(s) %s: another process holds them", shard_list(busy)
                    )
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
        return AdvisoryLocks(database_url, shard_count, on_lost)
    if database_url.lower().startswith("sqlite:///"):
        return FileLocks(Path(database_url[len("sqlite:///") :]), shard_count)
    raise ValueError(f"'{safe_url(database_url)}' is not a database URL shard locks know")


class AdvisoryLocks:
    """PostgreSQL session-level advisory locks on one connection of their own."""

    # Advisory locks belong to one database; pg_locks shows every database's. For two int4
    # keys it shows the first in classid, the second in objid, and objsubid = 2.
    OTHER_LAYOUTS = """
        SELECT DISTINCT objid::int8 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = $1::int8::oid AND objid <> $2::int8::oid
        ORDER BY 1
    """

    def __init__(self, url: str, shard_count: int, on_lost: Callable[[str], None]) -> None:
        self.url = url
        self.shard_count = shard_count
        self.on_lost = on_lost
        self.connection: asyncpg.Connection[Any] | None = None
        self.layout_held = False

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

    async def take_layout(self) -> tuple[int, ...]:
        """The gate is a transaction-level lock: commit, rollback or a dead session frees it,
        while the shared layout lock taken inside stays with the session."""
        connection = await self._connect()
        async with connection.transaction():
            await connection.execute(f"SET LOCAL lock_timeout = '{int(GATE_SECONDS * 1000)}ms'")
            await connection.execute("SELECT pg_advisory_xact_lock($1::int4, 0)", GATE_NAMESPACE)
            rows = await connection.fetch(self.OTHER_LAYOUTS, LAYOUT_NAMESPACE, self.shard_count)
            others = tuple(int(row[0]) for row in rows)
            if others:
                return others
            taken = await connection.fetchval(
                "SELECT pg_try_advisory_lock_shared($1::int4, $2::int4)",
                LAYOUT_NAMESPACE,
                self.shard_count,
            )
        if not taken:  # only an exclusive holder could refuse it, and none exists
            raise asyncpg.InterfaceError("the layout lock was refused")
        self.layout_held = True
        return ()

    async def release_layout(self) -> None:
        if self.layout_held:
            connection = await self._connect()
            await connection.fetchval(
                "SELECT pg_advisory_unlock_shared($1::int4, $2::int4)",
                LAYOUT_NAMESPACE,
                self.shard_count,
            )
            self.layout_held = False

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
        self.layout_held = False
        if connection is None or connection.is_closed():
            return
        connection.remove_termination_listener(self._terminated)
        try:
            await connection.close(timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            connection.terminate()


def _try_flock(path: Path, operation: int) -> int | None:
    """An open descriptor of ``path`` holding ``flock(operation)``, or None if another
    holds a conflicting lock; never blocks the event loop."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


class FileLocks:
    """``flock`` on one file per shard beside the SQLite file (one machine only), and a
    shared ``<db>.shards-<count>.lock`` per running count, taken under ``<db>.shards-gate.lock``."""

    LAYOUT_FILE = re.compile(r"shards-(\d+)\.lock")

    def __init__(self, database: Path, shard_count: int) -> None:
        self.database = database
        self.shard_count = shard_count
        self.held: dict[int, int] = {}  # shard -> open file descriptor
        self.layout: int | None = None  # the descriptor holding the shared layout lock

    def path(self, shard: int) -> Path:
        return self.database.with_name(
            f"{self.database.name}.shard-{shard}-of-{self.shard_count}.lock"
        )

    def layout_path(self, count: int | str) -> Path:
        return self.database.with_name(f"{self.database.name}.shards-{count}.lock")

    async def take_layout(self) -> tuple[int, ...]:
        self.database.parent.mkdir(parents=True, exist_ok=True)
        gate = await self._gate()
        try:
            others = self._other_layouts()
            if others:
                return others
            descriptor = _try_flock(self.layout_path(self.shard_count), fcntl.LOCK_SH)
            if descriptor is None:  # only a checker under the gate locks it exclusively
                raise BlockingIOError("the layout lock file is locked although we hold the gate")
            self.layout = descriptor
            return ()
        finally:
            os.close(gate)  # closing the only descriptor drops the flock

    async def _gate(self) -> int:
        """The gate is held for microseconds; wait for it without blocking the loop."""
        deadline = asyncio.get_running_loop().time() + GATE_SECONDS
        while (gate := _try_flock(self.layout_path("gate"), fcntl.LOCK_EX)) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.layout_path('gate')} stayed locked")
            await asyncio.sleep(0.005)
        return gate

    def _other_layouts(self) -> tuple[int, ...]:
        """Each other count whose layout file someone holds (an exclusive try fails)."""
        prefix = f"{self.database.name}."
        running: list[int] = []
        for path in self.database.parent.iterdir():
            name = path.name
            found = self.LAYOUT_FILE.fullmatch(name[len(prefix) :])
            if not name.startswith(prefix) or found is None:
                continue
            count = int(found[1])
            if count == self.shard_count:
                continue
            descriptor = _try_flock(path, fcntl.LOCK_EX)
            if descriptor is None:
                running.append(count)
            else:
                os.close(descriptor)
        return tuple(sorted(running))

    async def release_layout(self) -> None:
        descriptor, self.layout = self.layout, None
        if descriptor is not None:
            os.close(descriptor)

    async def try_take(self, shard: int) -> bool:
        path = self.path(shard)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = _try_flock(path, fcntl.LOCK_EX)
        if descriptor is None:
            return False
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
        held = [(self.path(shard), descriptor) for shard, descriptor in self.held.items()]
        if self.layout is not None:
            held.append((self.layout_path(self.shard_count), self.layout))
        for path, descriptor in held:
            try:
                same = path.stat().st_ino == os.fstat(descriptor).st_ino
            except OSError:
                same = False
            if not same:
                return f"its lock file {path} was removed or replaced"
        return None

    async def close(self) -> None:
        """Shards first, then the layout: another count waits until these are gone."""
        for shard in list(self.held):
            await self.release(shard)
        await self.release_layout()
