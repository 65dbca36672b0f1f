"""The data-access class: one SQLite file, one aiosqlite connection, named methods.

Rules every method follows, because the bot's promises depend on them:

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
* Values travel only as `?` parameters. Timestamps are stored as UTC ISO-8601 text
  with microseconds, so comparing the text compares the times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Generator, Sequence
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot.store.guild_settings import GuildSettingsQueries
from bot.store.migrate import (
    Migration,
    apply_migrations,
    check_schema,
    check_sequence,
    load_migrations,
    rollback_quietly,
    scalar,
)
from bot.store.models import (
    ABOUT_KINDS,
    ALL_WEEKDAYS,
    POST_STATUSES,
    VISIBILITIES,
    AboutKind,
    DayCount,
    HistoryEntry,
    Participation,
    PendingShare,
    PostStatus,
    Reflection,
    ReflectionPage,
    ScheduleRow,
    SharedMessage,
    TopicCount,
    Visibility,
)
from bot.store.store_error import StoreError

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_Tx = Literal["write", "read", "none"]
_Body = Callable[[aiosqlite.Connection], Awaitable[_T]]

MIN_SQLITE = (3, 24, 0)  # upsert (INSERT ... ON CONFLICT)
DEFAULT_BUSY_TIMEOUT_MS = 5000

_POST_TIME_RE = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")

_SCHEDULE_COLS = (
    "guild_id, channel_id, post_time, timezone, weekdays, paused, notify_channel_id, "
    "round, created_by, updated_at, starts_on"
)
_HISTORY_COLS = (
    "id, guild_id, round, prompt_id, status, local_date, channel_id, message_id, thread_id, at"
)
_REFLECTION_COLS = (
    "id, guild_id, author_id, about_kind, about_id, text, visibility, "
    "shared_channel_id, shared_message_id, created_at, edited_at, seen_anonymously, "
    "pending_channel_id, pending_visibility, pending_since"
)


# ---------------------------------------------------------------- conversions


def _ts(value: datetime) -> str:
    """Aware datetime -> fixed-width UTC text, so text order is time order."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _parse_ts_or_none(text: str | None) -> datetime | None:
    return None if text is None else _parse_ts(text)


def _parse_date_or_none(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _choice(value: str, allowed: Collection[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")


def _schedule(row: sqlite3.Row) -> ScheduleRow:
    return ScheduleRow(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        post_time=row["post_time"],
        timezone=row["timezone"],
        weekdays=row["weekdays"],
        paused=bool(row["paused"]),
        notify_channel_id=row["notify_channel_id"],
        round=row["round"],
        created_by=row["created_by"],
        updated_at=_parse_ts(row["updated_at"]),
        starts_on=_parse_date_or_none(row["starts_on"]),
    )


def _history(row: sqlite3.Row) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        round=row["round"],
        prompt_id=row["prompt_id"],
        status=row["status"],
        local_date=_parse_date_or_none(row["local_date"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        at=_parse_ts(row["at"]),
    )


def _reflection(row: sqlite3.Row) -> Reflection:
    return Reflection(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        about_kind=row["about_kind"],
        about_id=row["about_id"],
        text=row["text"],
        visibility=row["visibility"],
        shared_channel_id=row["shared_channel_id"],
        shared_message_id=row["shared_message_id"],
        created_at=_parse_ts(row["created_at"]),
        edited_at=_parse_ts_or_none(row["edited_at"]),
        seen_anonymously=bool(row["seen_anonymously"]),
        pending=None
        if row["pending_since"] is None
        else PendingShare(
            row["pending_channel_id"], row["pending_visibility"], _parse_ts(row["pending_since"])
        ),
    )


async def _fetch(conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))


async def _change(
    conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> tuple[int, int | None]:
    """Run one INSERT/UPDATE/DELETE; return (rows changed, last inserted rowid)."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount, cursor.lastrowid
    finally:
        await cursor.close()


def _describe_open_error(path: Path, exc: sqlite3.Error) -> str:
    """Turn SQLite's terse error into something an operator can act on."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return (
            f"{path} is not an SQLite database (SQLite says: {exc}). "
            "Point database.path at another file, or move this one out of the way."
        )
    if name.startswith("SQLITE_CORRUPT"):
        return f"{path} is damaged (SQLite says: {exc}). Restore it from a backup."
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"{path} is locked by another program (SQLite says: {exc}). Try again."
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return f"cannot open {path} for writing (SQLite says: {exc}). Check its permissions."
    return f"cannot use the database {path} (SQLite says: {exc})"


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    try:
        await conn.close()
    except Exception:  # already failing; the first error is the one to report
        log.debug("closing %s after a failed open also failed", conn, exc_info=True)


# ---------------------------------------------------------------- opening


def _prepare(path: Path, migrations: Sequence[Migration] | None) -> tuple[Migration, ...]:
    """The blocking file-system part of opening: read migrations, make the folder."""
    chain = check_sequence(migrations) if migrations is not None else load_migrations()
    if path.is_dir():
        raise StoreError(f"{path} is a folder; point database.path at a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder {path.parent} for the database: {exc.strerror or exc}"
        ) from exc
    return chain


def _sync_folder(folder: Path) -> None:
    """fsync a folder so a newly created database file's name survives power loss.

    SQLite syncs the folder for a new WAL file itself, but not for the main file.
    Not possible on every platform (Windows); the file is still there after a crash.
    """
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


async def _enable_wal(conn: aiosqlite.Connection, busy_timeout_ms: int) -> str:
    """Switch to WAL, retrying: SQLite reports a concurrent switch by another connection
    as SQLITE_BUSY at once, without waiting for busy_timeout (seen with bots starting
    together on a new file)."""
    deadline = asyncio.get_running_loop().time() + busy_timeout_ms / 1000
    while True:
        try:
            return str(await scalar(conn, "PRAGMA journal_mode = WAL")).lower()
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorname", "").startswith("SQLITE_BUSY")
            if not busy or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.01)


async def _open_store(
    path: Path, migrations: Sequence[Migration] | None, busy_timeout_ms: int
) -> Store:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StoreError(
            f"cohort-bot needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; "
            f"this Python has {sqlite3.sqlite_version}"
        )
    chain = await asyncio.to_thread(_prepare, path, migrations)
    latest = chain[-1].version
    is_new = not await asyncio.to_thread(path.exists)
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(_describe_open_error(path, exc)) from exc
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
        # Look before touching: a newer or foreign file must be left byte-for-byte as it
        # is, and switching to WAL would already rewrite its header.
        await check_schema(conn, path, latest)
        mode = await _enable_wal(conn, busy_timeout_ms)
        if mode != "wal":
            log.warning("%s: WAL mode unavailable (journal_mode is %s); continuing", path, mode)
        await conn.execute("PRAGMA synchronous = FULL")
        version = await apply_migrations(conn, path, chain)  # leaves foreign_keys ON
    except sqlite3.Error as exc:
        await _close_quietly(conn)
        raise StoreError(_describe_open_error(path, exc)) from exc
    except BaseException:
        await _close_quietly(conn)
        raise
    if is_new:
        await asyncio.to_thread(_sync_folder, path.parent)
    return Store(conn, path, version)


class StoreOpening:
    """What Store.open returns: `await` it, or use it directly with `async with`."""

    def __init__(self, opener: Callable[[], Awaitable[Store]]) -> None:
        self._opener = opener
        self._store: Store | None = None

    def __await__(self) -> Generator[Any, None, Store]:
        return self._opener().__await__()

    async def __aenter__(self) -> Store:
        self._store = await self._opener()
        return self._store

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._store is not None:
            await self._store.close()


# ---------------------------------------------------------------- the store


class Store(GuildSettingsQueries):
    """cohort-bot's storage. Create with `await Store.open(path)`; close with `close()`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, schema_version: int) -> None:
        """Use Store.open(); this wraps an already-migrated connection."""
        self._conn = conn
        self._path = path
        self._schema_version = schema_version
        self._lock = asyncio.Lock()
        self._closing = False  # no new operations
        self._closed = False  # connection gone
        self._running: set[asyncio.Task[Any]] = set()

    @staticmethod
    def open(
        path: str | os.PathLike[str],
        *,
        migrations: Sequence[Migration] | None = None,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> StoreOpening:
        """Open (creating if needed) and upgrade the database at `path`.

        Raises StoreError, with a message fit to show an operator, if the file is not a
        cohort-bot database, was written by a newer cohort-bot (the file is then left
        untouched), or a migration fails (then nothing is changed). `migrations`
        replaces the shipped ones; tests use it to exercise upgrades.
        """
        where = Path(path)
        return StoreOpening(lambda: _open_store(where, migrations, busy_timeout_ms))

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

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------ plumbing

    def _check_open(self) -> None:
        if self._closing or self._closed:
            raise StoreError(f"the store for {self._path} is closed")

    async def _run(self, body: _Body[_T], tx: _Tx) -> _T:
        """Run `body` as one transaction, shielded from the caller's cancellation."""
        self._check_open()
        task = asyncio.ensure_future(self._locked(body, tx))
        self._running.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def _locked(self, body: _Body[_T], tx: _Tx) -> _T:
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
            return await _fetch(conn, sql, params)

        return await self._run(body, "none")

    async def _write(self, sql: str, params: Sequence[object] = ()) -> tuple[int, int | None]:
        """One statement: in autocommit mode it is its own transaction, committed (and,
        with synchronous=FULL, durable) when it returns, without BEGIN/COMMIT round trips
        to the database thread."""

        async def body(conn: aiosqlite.Connection) -> tuple[int, int | None]:
            return await _change(conn, sql, params)

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

    # ------------------------------------------------------------ schedules

    async def get_schedule(self, guild_id: int) -> ScheduleRow | None:
        rows = await self._query(
            f"SELECT {_SCHEDULE_COLS} FROM schedules WHERE guild_id = ?", (guild_id,)
        )
        return _schedule(rows[0]) if rows else None

    async def upsert_schedule(
        self,
        guild_id: int,
        *,
        channel_id: int,
        post_time: str,
        timezone: str,
        weekdays: int = ALL_WEEKDAYS,
        created_by: int | None,
        now: datetime,
        notify_channel_id: int | None = None,
        starts_on: date | None = None,
    ) -> ScheduleRow:
        """Create or change a server's schedule.

        Keeps `paused`, `round` and the original `created_by` of an existing schedule;
        a notify channel of None keeps the old one. A new schedule continues from the
        server's highest round in its history, so deleting and re-creating a schedule
        does not replay prompts.
        """
        if not _POST_TIME_RE.fullmatch(post_time):
            raise ValueError(f"post_time must be 'HH:MM' (24-hour), got {post_time!r}")
        if not 0 <= weekdays <= ALL_WEEKDAYS:
            raise ValueError(f"weekdays must be a 7-bit mask, got {weekdays!r}")
        try:  # a bad name stored here would break the scheduler loop later
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone must be an IANA name such as 'Europe/Berlin', got {timezone!r}"
            ) from None
        stamp = _ts(now)

        async def body(conn: aiosqlite.Connection) -> ScheduleRow:
            await _change(
                conn,
                """
                INSERT INTO schedules (guild_id, channel_id, post_time, timezone, weekdays,
                                       notify_channel_id, round, created_by, updated_at,
                                       starts_on)
                VALUES (?, ?, ?, ?, ?, ?,
                        (SELECT COALESCE(MAX(round), 1) FROM prompt_history WHERE guild_id = ?),
                        ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    channel_id = excluded.channel_id,
                    post_time = excluded.post_time,
                    timezone = excluded.timezone,
                    weekdays = excluded.weekdays,
                    notify_channel_id = COALESCE(excluded.notify_channel_id,
                                                 schedules.notify_channel_id),
                    created_by = COALESCE(schedules.created_by, excluded.created_by),
                    updated_at = excluded.updated_at,
                    starts_on = excluded.starts_on
                """,
                (
                    guild_id,
                    channel_id,
                    post_time,
                    timezone,
                    weekdays,
                    notify_channel_id,
                    guild_id,
                    created_by,
                    stamp,
                    None if starts_on is None else starts_on.isoformat(),
                ),
            )
            rows = await _fetch(
                conn, f"SELECT {_SCHEDULE_COLS} FROM schedules WHERE guild_id = ?", (guild_id,)
            )
            return _schedule(rows[0])

        return await self._run(body, "write")

    async def set_paused(self, guild_id: int, paused: bool, *, now: datetime) -> bool:
        """Pause or resume; False if the server has no schedule."""
        changed, _ = await self._write(
            "UPDATE schedules SET paused = ?, updated_at = ? WHERE guild_id = ?",
            (int(paused), _ts(now), guild_id),
        )
        return changed == 1

    async def set_notify_channel(
        self, guild_id: int, channel_id: int | None, *, now: datetime
    ) -> bool:
        """Remember where facilitators last spoke to the bot; False if no schedule."""
        changed, _ = await self._write(
            "UPDATE schedules SET notify_channel_id = ?, updated_at = ? WHERE guild_id = ?",
            (channel_id, _ts(now), guild_id),
        )
        return changed == 1

    async def list_schedules(self, *, include_paused: bool = True) -> list[ScheduleRow]:
        """Every server's schedule, for the scheduler loop."""
        where = "" if include_paused else "WHERE paused = 0"
        rows = await self._query(
            f"SELECT {_SCHEDULE_COLS} FROM schedules {where} ORDER BY guild_id"
        )
        return [_schedule(row) for row in rows]

    async def delete_schedule(self, guild_id: int) -> bool:
        """Stop posting for a server. Its history and quiet dates are kept."""
        changed, _ = await self._write("DELETE FROM schedules WHERE guild_id = ?", (guild_id,))
        return changed == 1

    async def add_quiet_date(self, guild_id: int, day: date) -> bool:
        """False if the date was already quiet."""
        changed, _ = await self._write(
            "INSERT INTO quiet_dates (guild_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, day.isoformat()),
        )
        return changed == 1

    async def remove_quiet_date(self, guild_id: int, day: date) -> bool:
        changed, _ = await self._write(
            "DELETE FROM quiet_dates WHERE guild_id = ? AND local_date = ?",
            (guild_id, day.isoformat()),
        )
        return changed == 1

    async def list_quiet_dates(self, guild_id: int, *, start: date | None = None) -> list[date]:
        """Quiet dates in order, optionally only those on or after `start`."""
        rows = await self._query(
            "SELECT local_date FROM quiet_dates WHERE guild_id = ? AND local_date >= ? "
            "ORDER BY local_date",
            (guild_id, "" if start is None else start.isoformat()),
        )
        return [date.fromisoformat(row[0]) for row in rows]

    async def is_quiet_date(self, guild_id: int, day: date) -> bool:
        rows = await self._query(
            "SELECT 1 FROM quiet_dates WHERE guild_id = ? AND local_date = ?",
            (guild_id, day.isoformat()),
        )
        return bool(rows)

    # ------------------------------------------------------------ prompt history

    async def current_round(self, guild_id: int) -> int:
        """The schedule's round; without a schedule, the highest round used, else 1."""
        rows = await self._query(
            """
            SELECT COALESCE((SELECT round FROM schedules WHERE guild_id = ?),
                            (SELECT MAX(round) FROM prompt_history WHERE guild_id = ?),
                            1)
            """,
            (guild_id, guild_id),
        )
        return int(rows[0][0])

    async def used_prompt_ids(self, guild_id: int, round: int) -> set[str]:
        """Prompt ids posted, skipped or reserved in this round (never to be reused in it)."""
        rows = await self._query(
            "SELECT prompt_id FROM prompt_history WHERE guild_id = ? AND round = ?",
            (guild_id, round),
        )
        return {row[0] for row in rows}

    async def last_scheduled_date(self, guild_id: int) -> date | None:
        """The latest local date with a scheduled post (or reservation), if any."""
        rows = await self._query(
            "SELECT MAX(local_date) FROM prompt_history WHERE guild_id = ?", (guild_id,)
        )
        return _parse_date_or_none(rows[0][0])

    async def reserve_post(
        self,
        guild_id: int,
        round: int,
        prompt_id: str,
        local_date: date | None,
        status: PostStatus = "posted",
        *,
        now: datetime,
    ) -> int | None:
        """Claim a prompt (and the date, if given) before sending it to Discord.

        Returns the reservation's row id, committed, or None if this prompt in this
        round or this server's date is already taken: another worker or an earlier run
        got there first, so do not send. After sending call confirm_post; if sending
        failed call release_post so the sequence does not move.

        Reserving first means a crash between sending and recording can never cause a
        second post: at worst a reservation stays unconfirmed (see unconfirmed_posts).
        """
        _choice(status, POST_STATUSES, "status")
        changed, row_id = await self._write(
            """
            INSERT INTO prompt_history (guild_id, round, prompt_id, status, local_date, at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (
                guild_id,
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                _ts(now),
            ),
        )
        return row_id if changed == 1 else None

    async def confirm_post(
        self, row_id: int, channel_id: int, message_id: int, thread_id: int | None = None
    ) -> bool:
        """Record where a reserved post landed; False if the reservation is gone."""
        changed, _ = await self._write(
            "UPDATE prompt_history SET channel_id = ?, message_id = ?, thread_id = ? WHERE id = ?",
            (channel_id, message_id, thread_id, row_id),
        )
        return changed == 1

    async def release_post(self, row_id: int) -> bool:
        """Drop a reservation whose message was not sent. Confirmed posts are never removed."""
        changed, _ = await self._write(
            "DELETE FROM prompt_history WHERE id = ? AND message_id IS NULL "
            "AND status != 'skipped'",
            (row_id,),
        )
        return changed == 1

    async def record_post(
        self,
        guild_id: int,
        round: int,
        prompt_id: str,
        status: PostStatus,
        *,
        now: datetime,
        local_date: date | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        thread_id: int | None = None,
    ) -> bool:
        """Record a finished use (typically a skip) in one step.

        Returns False instead of raising when the prompt (in this round) or the date is
        already taken.
        """
        _choice(status, POST_STATUSES, "status")
        changed, _ = await self._write(
            """
            INSERT INTO prompt_history (guild_id, round, prompt_id, status, local_date,
                                        channel_id, message_id, thread_id, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (
                guild_id,
                round,
                prompt_id,
                status,
                None if local_date is None else local_date.isoformat(),
                channel_id,
                message_id,
                thread_id,
                _ts(now),
            ),
        )
        return changed == 1

    async def unconfirmed_posts(self, *, before: datetime) -> list[HistoryEntry]:
        """Reservations older than `before` never confirmed: the bot stopped mid-send.

        The message may or may not have reached Discord; the caller decides (look in the
        channel, or release to post again).
        """
        rows = await self._query(
            f"SELECT {_HISTORY_COLS} FROM prompt_history "
            "WHERE message_id IS NULL AND status != 'skipped' AND at < ? ORDER BY id",
            (_ts(before),),
        )
        return [_history(row) for row in rows]

    async def history(self, guild_id: int, limit: int = 20) -> list[HistoryEntry]:
        """The server's most recent prompt uses, newest first."""
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        rows = await self._query(
            f"SELECT {_HISTORY_COLS} FROM prompt_history WHERE guild_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_history(row) for row in rows]

    async def start_new_round(self, guild_id: int, *, from_round: int | None = None) -> int:
        """Start the prompt sequence over; return the round now current.

        With `from_round`, only advances if the round is still that one, so two workers
        that both notice the end of the sequence advance it once, not twice. Raises
        StoreError if the server has no schedule (the round lives there).
        """

        async def body(conn: aiosqlite.Connection) -> int:
            if from_round is None:
                await _change(
                    conn, "UPDATE schedules SET round = round + 1 WHERE guild_id = ?", (guild_id,)
                )
            else:
                await _change(
                    conn,
                    "UPDATE schedules SET round = round + 1 WHERE guild_id = ? AND round = ?",
                    (guild_id, from_round),
                )
            rows = await _fetch(conn, "SELECT round FROM schedules WHERE guild_id = ?", (guild_id,))
            if not rows:
                raise StoreError(f"server {guild_id} has no schedule, so no round to advance")
            return int(rows[0][0])

        return await self._run(body, "write")

    # ------------------------------------------------------------ reflections

    async def add_reflection(
        self,
        guild_id: int,
        author_id: int,
        *,
        about_kind: AboutKind,
        about_id: str,
        text: str,
        now: datetime,
        visibility: Visibility = "private",
    ) -> Reflection:
        """Save a reflection; it is committed when this returns."""
        _choice(about_kind, ABOUT_KINDS, "about_kind")
        _choice(visibility, VISIBILITIES, "visibility")
        created = _ts(now)
        _, row_id = await self._write(
            """
            INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text,
                                     visibility, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            (guild_id, author_id, about_kind, about_id, text, visibility, created),
        )
        assert row_id is not None  # an INSERT without a conflict clause always has one
        return Reflection(
            id=row_id,
            guild_id=guild_id,
            author_id=author_id,
            about_kind=about_kind,
            about_id=about_id,
            text=text,
            visibility=visibility,
            shared_channel_id=None,
            shared_message_id=None,
            created_at=_parse_ts(created),
            edited_at=None,
        )

    async def get_reflection(
        self, guild_id: int, author_id: int, reflection_id: int
    ) -> Reflection | None:
        """The author's own reflection; None for anyone else's, never their data."""
        rows = await self._query(
            f"SELECT {_REFLECTION_COLS} FROM reflections "
            "WHERE id = ? AND guild_id = ? AND author_id = ?",
            (reflection_id, guild_id, author_id),
        )
        return _reflection(rows[0]) if rows else None

    async def list_reflections(
        self, guild_id: int, author_id: int, offset: int = 0, limit: int = 10
    ) -> ReflectionPage:
        """One page of the member's own reflections, newest first, with their total."""
        if offset < 0 or limit < 1:
            raise ValueError(f"need offset >= 0 and limit >= 1, got {offset}, {limit}")

        async def body(conn: aiosqlite.Connection) -> ReflectionPage:
            rows = await _fetch(
                conn,
                f"SELECT {_REFLECTION_COLS} FROM reflections "
                "WHERE guild_id = ? AND author_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                (guild_id, author_id, limit, offset),
            )
            total = await _fetch(
                conn,
                "SELECT count(*) FROM reflections WHERE guild_id = ? AND author_id = ?",
                (guild_id, author_id),
            )
            return ReflectionPage(tuple(map(_reflection, rows)), int(total[0][0]), offset)

        return await self._run(body, "read")  # one snapshot: page and total agree

    async def edit_reflection(
        self, guild_id: int, author_id: int, reflection_id: int, text: str, *, now: datetime
    ) -> Reflection | None:
        """Replace the text of the author's own reflection; None if it is not theirs.

        If it was shared, the returned row's shared_* ids say which message to update.
        """
        edited = _ts(now)

        async def body(conn: aiosqlite.Connection) -> Reflection | None:
            changed, _ = await _change(
                conn,
                "UPDATE reflections SET text = ?, edited_at = ? "
                "WHERE id = ? AND guild_id = ? AND author_id = ?",
                (text, edited, reflection_id, guild_id, author_id),
            )
            if changed != 1:
                return None
            rows = await _fetch(
                conn, f"SELECT {_REFLECTION_COLS} FROM reflections WHERE id = ?", (reflection_id,)
            )
            return _reflection(rows[0])

        return await self._run(body, "write")

    async def set_visibility(
        self,
        guild_id: int,
        author_id: int,
        reflection_id: int,
        visibility: Visibility,
        shared_channel_id: int | None = None,
        shared_message_id: int | None = None,
    ) -> Reflection | None:
        """Share or unshare the author's own reflection; None if it is not theirs.

        'private' must come without message ids (delete the shared message first).
        """
        _choice(visibility, VISIBILITIES, "visibility")
        if (shared_channel_id is None) != (shared_message_id is None):
            raise ValueError("give both shared_channel_id and shared_message_id, or neither")
        if visibility == "private" and shared_message_id is not None:
            raise ValueError("a private reflection has no shared message")

        async def body(conn: aiosqlite.Connection) -> Reflection | None:
            changed, _ = await _change(
                conn,
                "UPDATE reflections SET visibility = ?, shared_channel_id = ?, "
                "shared_message_id = ?, seen_anonymously = (seen_anonymously OR ? = 'anonymous'), "
                "pending_channel_id = NULL, pending_visibility = NULL, pending_since = NULL "
                "WHERE id = ? AND guild_id = ? AND author_id = ?",
                (
                    visibility,
                    shared_channel_id,
                    shared_message_id,
                    visibility,
                    reflection_id,
                    guild_id,
                    author_id,
                ),
            )
            if changed != 1:
                return None
            rows = await _fetch(
                conn, f"SELECT {_REFLECTION_COLS} FROM reflections WHERE id = ?", (reflection_id,)
            )
            return _reflection(rows[0])

        return await self._run(body, "write")

    async def reserve_share(
        self,
        guild_id: int,
        author_id: int,
        reflection_id: int,
        channel_id: int,
        visibility: Visibility,
        *,
        now: datetime,
    ) -> Reflection | None:
        """Record that a share is about to be sent, before it is sent; None if not theirs.

        The reflection counts as private (no message) until the share is confirmed, and
        as seen anonymously from now on if that is how it is being shown.
        """
        if visibility == "private":
            raise ValueError("only a shared visibility can be reserved")
        _choice(visibility, VISIBILITIES, "visibility")

        async def body(conn: aiosqlite.Connection) -> Reflection | None:
            changed, _ = await _change(
                conn,
                "UPDATE reflections SET visibility = 'private', shared_channel_id = NULL, "
                "shared_message_id = NULL, pending_channel_id = ?, pending_visibility = ?, "
                "pending_since = ?, seen_anonymously = (seen_anonymously OR ? = 'anonymous') "
                "WHERE id = ? AND guild_id = ? AND author_id = ?",
                (channel_id, visibility, _ts(now), visibility, reflection_id, guild_id, author_id),
            )
            if changed != 1:
                return None
            rows = await _fetch(
                conn, f"SELECT {_REFLECTION_COLS} FROM reflections WHERE id = ?", (reflection_id,)
            )
            return _reflection(rows[0])

        return await self._run(body, "write")

    async def release_share(self, reflection_id: int) -> bool:
        """Forget a reserved share that certainly never went out (it stays private)."""
        changed, _ = await self._write(
            "UPDATE reflections SET pending_channel_id = NULL, pending_visibility = NULL, "
            "pending_since = NULL WHERE id = ? AND pending_since IS NOT NULL",
            (reflection_id,),
        )
        return changed == 1

    async def pending_shares(
        self, *, before: datetime, guild_id: int | None = None, author_id: int | None = None
    ) -> list[Reflection]:
        """Shares reserved before `before` and never confirmed (every server, or one member)."""
        rows = await self._query(
            f"SELECT {_REFLECTION_COLS} FROM reflections WHERE pending_since IS NOT NULL "
            "AND pending_since < ? AND (? IS NULL OR guild_id = ?) "
            "AND (? IS NULL OR author_id = ?) ORDER BY id",
            (_ts(before), guild_id, guild_id, author_id, author_id),
        )
        return [_reflection(row) for row in rows]

    async def delete_reflection(self, guild_id: int, author_id: int, reflection_id: int) -> bool:
        """Delete the author's own reflection; False if there is none of theirs by that id."""
        changed, _ = await self._write(
            "DELETE FROM reflections WHERE id = ? AND guild_id = ? AND author_id = ?",
            (reflection_id, guild_id, author_id),
        )
        return changed == 1

    async def shared_messages(self, guild_id: int, author_id: int) -> list[SharedMessage]:
        """Discord messages showing this member's shared reflections.

        Deleting reflections does not delete those messages; call this first when a
        member asks to be forgotten.
        """
        rows = await self._query(
            "SELECT id, shared_channel_id, shared_message_id FROM reflections "
            "WHERE guild_id = ? AND author_id = ? AND shared_message_id IS NOT NULL "
            "ORDER BY id",
            (guild_id, author_id),
        )
        return [SharedMessage(row[0], row[1], row[2]) for row in rows]

    async def export_reflections(
        self,
        guild_id: int,
        since: datetime | None = None,
        *,
        visibilities: Collection[Visibility] | None = None,
        batch_size: int = 500,
    ) -> AsyncIterator[Reflection]:
        """All authors' reflections in a server, oldest first, for facilitators.

        Includes private ones unless `visibilities` narrows it; whether facilitators may
        see private reflections is the caller's policy. Streams in batches and holds no
        lock between them, so the consumer may use the store while iterating.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        kinds = sorted(VISIBILITIES if visibilities is None else set(visibilities))
        for kind in kinds:
            _choice(kind, VISIBILITIES, "visibility")
        if not kinds:
            return
        placeholders = ", ".join("?" * len(kinds))
        since_text = "" if since is None else _ts(since)
        after_id = 0
        while True:
            rows = await self._query(
                f"SELECT {_REFLECTION_COLS} FROM reflections "
                f"WHERE guild_id = ? AND id > ? AND created_at >= ? "
                f"AND visibility IN ({placeholders}) ORDER BY id LIMIT ?",
                (guild_id, after_id, since_text, *kinds, batch_size),
            )
            for row in rows:
                yield _reflection(row)
            if len(rows) < batch_size:
                return
            after_id = rows[-1]["id"]

    async def participation(
        self, guild_id: int, *, tz: tzinfo = UTC, since: datetime | None = None
    ) -> Participation:
        """Counts for the summary chart: distinct authors per card, reflections per day.

        Days are local days in `tz` (the server's schedule timezone), which SQLite cannot
        compute, so only the timestamps are fetched and bucketed here.
        """
        since_text = "" if since is None else _ts(since)

        async def body(conn: aiosqlite.Connection) -> Participation:
            topic_rows = await _fetch(
                conn,
                """
                SELECT about_kind, about_id, COUNT(DISTINCT author_id), COUNT(*)
                FROM reflections WHERE guild_id = ? AND created_at >= ?
                GROUP BY about_kind, about_id
                ORDER BY 3 DESC, 4 DESC, about_kind, about_id
                """,
                (guild_id, since_text),
            )
            stamp_rows = await _fetch(
                conn,
                "SELECT created_at, author_id FROM reflections "
                "WHERE guild_id = ? AND created_at >= ?",
                (guild_id, since_text),
            )
            return _participation(topic_rows, stamp_rows, tz)

        return await self._run(body, "read")

    async def forget_member(
        self, guild_id: int, user_id: int, *, keep: Collection[int] = ()
    ) -> int:
        """Erase a member from one server: their reflections, and their id elsewhere.

        One transaction. Returns how many reflections were deleted; the member's id is
        also cleared from schedules.created_by. Call shared_messages() first to delete
        the Discord messages of shared reflections; `keep` names reflections whose
        shared post could not be removed, so their record still says where it is.
        """

        async def body(conn: aiosqlite.Connection) -> int:
            kept = sorted(keep)
            deleted, _ = await _change(
                conn,
                "DELETE FROM reflections WHERE guild_id = ? AND author_id = ? "
                f"AND id NOT IN ({', '.join('?' * len(kept))})",
                (guild_id, user_id, *kept),
            )
            await _change(
                conn,
                "UPDATE schedules SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
                (guild_id, user_id),
            )
            return deleted

        return await self._run(body, "write")

    async def shared_messages_before(self, cutoff: datetime) -> list[SharedMessage]:
        """Discord messages of shared reflections created before `cutoff` (for retention)."""
        rows = await self._query(
            "SELECT id, shared_channel_id, shared_message_id FROM reflections "
            "WHERE created_at < ? AND shared_message_id IS NOT NULL ORDER BY id",
            (_ts(cutoff),),
        )
        return [SharedMessage(row[0], row[1], row[2]) for row in rows]

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: delete reflections created before `cutoff` in every server."""
        deleted, _ = await self._write(
            "DELETE FROM reflections WHERE created_at < ?", (_ts(cutoff),)
        )
        return deleted


def _participation(topic_rows: list[Any], stamp_rows: list[Any], tz: tzinfo) -> Participation:
    topics = tuple(TopicCount(row[0], row[1], row[2], row[3]) for row in topic_rows)
    per_day: defaultdict[date, list[int]] = defaultdict(list)
    for created_at, author_id in stamp_rows:
        per_day[_parse_ts(created_at).astimezone(tz).date()].append(author_id)
    days = tuple(
        DayCount(day, len(authors), len(set(authors))) for day, authors in sorted(per_day.items())
    )
    return Participation(
        authors=len({row[1] for row in stamp_rows}),
        reflections=len(stamp_rows),
        topics=topics,
        days=days,
    )
