"""Opening the database: check the file, switch to WAL, set the pragmas, migrate.

Kept apart from the queries because it is the one place that deals with the file
itself, and with turning SQLite's terse errors into messages an operator can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from bot.store.migrate import (
    Migration,
    apply_migrations,
    check_schema,
    check_sequence,
    load_migrations,
    scalar,
)
from bot.store.store_error import StoreError

log = logging.getLogger(__name__)

MIN_SQLITE = (3, 35, 0)  # INSERT ... ON CONFLICT ... RETURNING
DEFAULT_BUSY_TIMEOUT_MS = 5000


async def connect(
    path: Path, migrations: Sequence[Migration] | None, busy_timeout_ms: int
) -> tuple[aiosqlite.Connection, int]:
    """Open (creating if needed) and upgrade `path`; return the connection and its version.

    Raises StoreError with a message fit for an operator; the connection is closed then.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StoreError(
            f"cohort-bot needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; "
            f"this Python has {sqlite3.sqlite_version}"
        )
    chain = await asyncio.to_thread(_prepare, path, migrations)
    latest = chain[-1].version
    is_new = not await asyncio.to_thread(path.exists)
    try:
        if is_new:  # members' words: readable by the bot's user only (-wal, -shm follow)
            await asyncio.to_thread(_create_private, path)
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
    return conn, version


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


def _create_private(path: Path) -> None:
    """An empty database file with mode 600 (an empty file is an empty SQLite database)."""
    # Created meanwhile: SQLite opens it. Not allowed: SQLite's own error says so, better.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


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
