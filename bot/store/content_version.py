"""The content version: how one process's `/content reload` reaches every process.

Several bot processes (shards) share one database. The process that reloads content
bumps a counter, the ``meta`` row ``content_version``, in one committed transaction; on
PostgreSQL the same transaction sends ``NOTIFY cohort_content, '<version>'``, delivered
only if it commits. Every process follows the counter (``follow_content_version``) and
reloads when it sees a version newer than the one it last loaded:

- PostgreSQL: a dedicated connection LISTENs on ``cohort_content``. If it drops, the
  follower reconnects (backing off) and reads the row again once listening, so a NOTIFY
  sent while it was disconnected is not lost. A read of the row every ``check_seconds``
  also notices a connection that died silently.
- SQLite (processes on one machine sharing a file): the row is read every
  ``poll_seconds``, a query on the store's own connection that costs next to nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bot.store.engine import Conn, change, fetch
from bot.store.runner import Runner
from bot.store.store_error import StoreError

log = logging.getLogger(__name__)

CHANNEL = "cohort_content"
KEY = "content_version"
APPLICATION_NAME = "cohort-bot content"  # the listener in pg_stat_activity
POLL_SECONDS = 2.0  # SQLite: how often the row is read
CHECK_SECONDS = 10.0  # PostgreSQL: how often the listening connection reads it anyway
RETRY_SECONDS = 1.0  # PostgreSQL: the first wait before reconnecting (doubles up to MAX)
MAX_RETRY_SECONDS = 30.0

_PG_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)

Seen = Callable[[int], Awaitable[None]]
"""Told every version read or notified (repeats included); it decides what is new."""


class ContentVersionQueries(Runner):
    """Read and bump the content version (``meta`` row ``content_version``)."""

    async def content_version(self) -> int:
        """The version last published; 0 if content was never reloaded by command."""
        value = await self.get_meta(KEY)
        return int(value) if value is not None else 0

    async def bump_content_version(self) -> int:
        """Add one to the version and return it; committed (and, on PostgreSQL, notified
        to every listener in the same transaction) before this returns."""
        notify = self.engine == "postgresql"

        async def body(conn: Conn) -> int:
            await change(
                conn,
                "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) "
                "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
                (KEY,),
            )
            rows = await fetch(conn, "SELECT value FROM meta WHERE key = ?", (KEY,))
            version = int(rows[0][0])
            if notify:  # sent at COMMIT, and only if it commits
                await fetch(conn, "SELECT pg_notify(?, ?)", (CHANNEL, str(version)))
            return version

        return await self._run(body, "write")


async def follow_content_version(
    store: ContentVersionQueries,
    database_url: str,
    seen: Seen,
    *,
    poll_seconds: float = POLL_SECONDS,
    check_seconds: float = CHECK_SECONDS,
    retry_seconds: float = RETRY_SECONDS,
) -> None:
    """Tell ``seen`` each content version as it is published, until cancelled."""
    if store.engine == "postgresql":
        await _listen(database_url, seen, check_seconds, retry_seconds)
    else:
        await _poll(store, seen, poll_seconds)


async def _poll(store: ContentVersionQueries, seen: Seen, poll_seconds: float) -> None:
    failing = False
    while True:
        await asyncio.sleep(poll_seconds)
        try:
            version = await store.content_version()
        except StoreError as error:
            if not failing:  # once per outage, not once per poll
                log.warning("cannot read the content version (%s); trying again", error)
            failing = True
            continue
        failing = False
        await seen(version)


async def _listen(url: str, seen: Seen, check_seconds: float, retry_seconds: float) -> None:
    wait = retry_seconds
    outage = False

    def listening() -> None:
        nonlocal wait, outage
        if outage:
            log.info("content reload listener reconnected; caught up with the version row")
        wait, outage = retry_seconds, False  # the next outage starts afresh

    while True:
        try:
            await _listen_once(url, seen, check_seconds, listening)
            reason = "the database closed the connection"
        except _PG_ERRORS as error:
            reason = f"{type(error).__name__}: {error}"
        if not outage:  # once per outage, not once per try
            log.warning(
                "content reload listener: %s; reconnecting (a reload missed meanwhile is "
                "caught up then)",
                reason,
            )
        outage = True
        await asyncio.sleep(wait)
        wait = min(wait * 2, MAX_RETRY_SECONDS)


async def _listen_once(
    url: str, seen: Seen, check_seconds: float, listening: Callable[[], None]
) -> None:
    """LISTEN on one connection until it is lost; raise what a failed query raises."""
    heard: asyncio.Queue[str] = asyncio.Queue()
    lost = asyncio.Event()
    conn: asyncpg.Connection[Any] = await asyncpg.connect(
        url, server_settings={"application_name": APPLICATION_NAME}
    )
    try:
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: heard.put_nowait(payload))
        # listening first, then read: a reload between the two is seen either way
        await seen(await _read(conn, check_seconds))
        listening()
        while not lost.is_set():
            version = await _next(heard, lost, check_seconds)
            if version is None and not lost.is_set():  # quiet: check the connection
                version = await _read(conn, check_seconds)
            if version is not None:
                await seen(version)
    finally:
        if not conn.is_closed():
            with contextlib.suppress(*_PG_ERRORS):
                await conn.close(timeout=5)
            if not conn.is_closed():
                conn.terminate()


async def _next(heard: asyncio.Queue[str], lost: asyncio.Event, quiet: float) -> int | None:
    """The next notified version; None after ``quiet`` seconds of nothing or a lost connection."""
    getter = asyncio.ensure_future(heard.get())
    loser = asyncio.ensure_future(lost.wait())
    try:
        await asyncio.wait({getter, loser}, timeout=quiet, return_when=asyncio.FIRST_COMPLETED)
    finally:
        loser.cancel()
        if not getter.done():
            getter.cancel()
    if getter.done() and not getter.cancelled():
        payload = getter.result()
        return int(payload) if payload.isdigit() else None
    return None


async def _read(conn: asyncpg.Connection[Any], within: float) -> int:
    value = await conn.fetchval("SELECT value FROM meta WHERE key = $1", KEY, timeout=within)
    return int(value) if value is not None else 0
