"""`cohort-bot db copy`: every row of one cohort-bot database into a new, empty one.

Moving from SQLite up to PostgreSQL (or back down) is a copy, not a conversion: both
engines hold the same schema, so each table's rows go across as they are, ids included
(members quote reflection numbers; chat_ids' numbers are the negative ids of every Slack
row). The rules, and why:

* The tables and columns come from the target's own catalog, and the source must have
  exactly the same ones: a table added by a later migration cannot be left behind.
* The source is only read, in one snapshot. It must already be at this bot's schema; an
  older one is refused rather than upgraded, so a copy never changes its source.
* The target must hold no rows. Everything is written in one transaction, in foreign-key
  order and in batches, and the counts are compared before COMMIT: an error anywhere
  leaves the target as empty as it was.
* Each table's next id goes across too (PostgreSQL's identity sequences, SQLite's
  sqlite_sequence), so a deleted reflection's number is never handed out again.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from bot.store.engine import Conn, EngineName, fetch
from bot.store.migrate import load_migrations
from bot.store.postgres_engine import FIRST_VERSION, safe_url
from bot.store.schema_catalog import Table, copy_order, read_tables
from bot.store.store import Store
from bot.store.store_error import StoreError

BATCH_ROWS = 5000
"""Rows read from the source and written to the target at a time."""

__all__ = ["BATCH_ROWS", "CopyFailed", "CopyResult", "copy_database"]


class CopyFailed(StoreError):
    """The copy began and was rolled back: the target holds no rows, as before."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What was copied: rows per table in the order copied, and how long it took."""

    source: str
    target: str
    schema_version: int
    rows: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> list[str]:
        """Lines for the operator: one per table, then the total."""
        width = max((len(name) for name in self.rows), default=0)
        lines = [f"Copied {self.source} to {self.target} (schema {self.schema_version}):"]
        lines += [
            f"  {name + ':':<{width + 1}} {count:>9,} {'row' if count == 1 else 'rows'}"
            for name, count in self.rows.items()
        ]
        rate = f", {self.total / self.seconds:,.0f} rows/s" if self.seconds > 0 else ""
        lines.append(
            f"{self.total:,} rows in {len(self.rows)} tables in {self.seconds:.1f} s{rate}; "
            "every count matches."
        )
        return lines


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a URL points, without opening it."""

    engine: EngineName
    url: str
    shown: str  # without the password
    path: Path | None  # SQLite's file


async def copy_database(source_url: str, target_url: str) -> CopyResult:
    """Copy every row of `source_url` into `target_url` (created if missing, must be empty).

    Raises StoreError, with one line fit for an operator and never a password, when the
    copy is refused (nothing changed) or CopyFailed when it was rolled back.
    """
    secrets = _passwords(source_url, target_url)
    try:
        return await _copy(_place(source_url), _place(target_url))
    except StoreError as error:
        raise type(error)(_scrub(str(error), secrets)) from None


async def _copy(source: _Place, target: _Place) -> CopyResult:
    if _same(source, target):
        raise StoreError(f"the source and the target are the same database ({target.shown})")
    wanted = _current_version(source.engine)
    found = await _peek(source)
    if found is None:
        raise StoreError(f"{source.shown} holds no cohort-bot database to copy")
    _check_version(source, found, wanted, role="source")
    found = await _peek(target)
    if found is not None:
        _check_version(target, found, _current_version(target.engine), role="target")
    started = time.perf_counter()
    async with Store.open(source.url) as src, Store.open(target.url) as dst:
        rows = await _copy_stores(src, dst, target.shown)
        version = dst.schema_version
    return CopyResult(source.shown, target.shown, version, rows, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The whole source as one read transaction saw it."""

    tables: dict[str, Table]
    rows: dict[str, list[tuple[object, ...]]]
    next_ids: dict[str, int]


async def _copy_stores(src: Store, dst: Store, target: str) -> dict[str, int]:
    """Read the source in one snapshot, then write the target in one transaction.

    Not interleaved: an SQLite engine runs a body on its own thread, where it may await
    nothing but its own connection. So the source is held in memory in between (about
    twice the size of an SQLite file of it); reads and writes go in batches of BATCH_ROWS.
    """
    snapshot = await src._run(lambda conn: _read_source(conn, src.engine), "read")

    async def write(conn: Conn) -> dict[str, int]:
        return await _write_target(conn, dst.engine, snapshot, target)

    try:
        return await dst._run(write, "write")
    except _Refused as refused:
        raise StoreError(str(refused)) from None
    except StoreError as error:
        raise CopyFailed(f"{error}; nothing was written to {target}") from None


class _Refused(Exception):
    """Raised inside the target's transaction when it must not be copied into."""


async def _read_source(conn: Conn, engine: EngineName) -> _Snapshot:
    """Every row of every table, counted, and each table's next id, in one snapshot."""
    tables = await read_tables(conn, engine)
    rows: dict[str, list[tuple[object, ...]]] = {}
    next_ids: dict[str, int] = {}
    for name, table in tables.items():
        rows[name] = await _read_rows(conn, table)
        counted = int((await fetch(conn, f'SELECT count(*) FROM "{name}"'))[0][0])
        if counted != len(rows[name]):
            raise StoreError(
                f"{name}: the source counts {counted:,} rows but {len(rows[name]):,} were read"
            )
        if table.serial is not None:
            next_ids[name] = await _next_id(conn, engine, table)
    return _Snapshot(tables, rows, next_ids)


async def _write_target(
    conn: Conn, engine: EngineName, snapshot: _Snapshot, target: str
) -> dict[str, int]:
    """The whole copy, inside the target's transaction: any raise rolls it all back."""
    tables = await read_tables(conn, engine)
    _check_same_tables(tables, snapshot.tables)
    for name in tables:
        if await fetch(conn, f'SELECT 1 FROM "{name}" LIMIT 1'):
            raise _Refused(
                f"{target} already holds rows (in {name}); db copy only fills an empty "
                "database, so nothing was written"
            )
    copied: dict[str, int] = {}
    for name in copy_order(tables):
        table, rows = tables[name], snapshot.rows[name]
        columns = snapshot.tables[name].columns  # the order the rows were read in
        for start in range(0, len(rows), BATCH_ROWS):
            await conn.insert_many(name, columns, rows[start : start + BATCH_ROWS])
        next_id = snapshot.next_ids.get(name)
        if table.serial is not None and next_id is not None:
            await _set_next_id(conn, engine, table, next_id)
        copied[name] = int((await fetch(conn, f'SELECT count(*) FROM "{name}"'))[0][0])
        if copied[name] != len(rows):
            raise StoreError(
                f"{name}: the source holds {len(rows):,} rows but the target reads back "
                f"{copied[name]:,}"
            )
    return copied


def _check_same_tables(ours: dict[str, Table], theirs: dict[str, Table]) -> None:
    """Refuse unless both hold the same tables with the same columns."""
    if set(ours) != set(theirs):
        missing = sorted(set(ours) - set(theirs))
        extra = sorted(set(theirs) - set(ours))
        raise _Refused(
            f"the two databases have different tables (only in the target: {missing}; "
            f"only in the source: {extra})"
        )
    for name, table in ours.items():
        if set(table.columns) != set(theirs[name].columns):
            raise _Refused(
                f"{name} has different columns in the two databases "
                f"(target: {sorted(table.columns)}; source: {sorted(theirs[name].columns)})"
            )


async def _read_rows(conn: Conn, table: Table) -> list[tuple[object, ...]]:
    """Every row of one table, read in key order a batch at a time (keyset paging)."""
    names = ", ".join(f'"{column}"' for column in table.columns)
    order = ", ".join(f'"{column}"' for column in table.key)
    marks = ", ".join("?" for _ in table.key)
    after = f"({order}) > ({marks})" if len(table.key) > 1 else f"{order} > ?"
    at = [table.columns.index(column) for column in table.key]
    first = f'SELECT {names} FROM "{table.name}" ORDER BY {order} LIMIT {BATCH_ROWS:d}'
    more = f'SELECT {names} FROM "{table.name}" WHERE {after} ORDER BY {order} LIMIT {BATCH_ROWS:d}'
    out: list[tuple[object, ...]] = []
    batch = [tuple(row) for row in await fetch(conn, first)]
    while batch:
        out += batch
        if len(batch) < BATCH_ROWS:
            break
        batch = [tuple(row) for row in await fetch(conn, more, [batch[-1][i] for i in at])]
    return out


async def _next_id(conn: Conn, engine: EngineName, table: Table) -> int:
    """The id the source would give the table's next row: past its largest id and past
    any number already handed out (SQLite's AUTOINCREMENT, PostgreSQL's sequence)."""
    assert table.serial is not None
    largest = (await fetch(conn, f'SELECT max("{table.serial}") FROM "{table.name}"'))[0][0]
    given = 0
    if engine == "postgresql":  # a sequence just restarted is not "called" yet
        sequence = (
            await fetch(conn, "SELECT pg_get_serial_sequence(?, ?)", (table.name, table.serial))
        )[0][0]
        last, called = (await fetch(conn, f"SELECT last_value, is_called FROM {sequence}"))[0]
        given = int(last) if called else int(last) - 1
    elif table.autoincrement:
        rows = await conn.fetch("SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,))
        given = int(rows[0][0] or 0) if rows else 0
    return max(int(largest or 0), given) + 1


async def _set_next_id(conn: Conn, engine: EngineName, table: Table, next_id: int) -> None:
    """Make the target's next generated id `next_id` (no lower than past its rows)."""
    assert table.serial is not None
    if engine == "postgresql":  # transactional: rolled back with the rest on failure
        await conn.change(
            f'ALTER TABLE "{table.name}" ALTER COLUMN "{table.serial}" RESTART WITH {next_id:d}'
        )
    elif table.autoincrement:  # a plain INTEGER PRIMARY KEY always continues past max(id)
        await conn.change("DELETE FROM sqlite_sequence WHERE name = ?", (table.name,))
        if next_id > 1:
            await conn.change(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table.name, next_id - 1)
            )


# ------------------------------------------------------------ before opening anything


def _place(url: str) -> _Place:
    """Which engine a URL names; refuse anything else (as database.url does)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return _Place("postgresql", url, safe_url(url), None)
    if scheme == "sqlite" and url.lower().startswith("sqlite:///") and len(url) > 10:
        path = Path(url[len("sqlite:///") :])
        return _Place("sqlite", url, str(path), path)
    raise StoreError(
        f"'{safe_url(url)}' is not a database URL this bot knows: use "
        "sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/dbname"
    )


def _same(one: _Place, other: _Place) -> bool:
    if one.path is not None and other.path is not None:
        return one.path.resolve() == other.path.resolve()
    if one.engine != other.engine:
        return False
    a, b = urlsplit(one.url), urlsplit(other.url)
    return (a.hostname, a.port or 5432, a.path, a.query) == (
        b.hostname,
        b.port or 5432,
        b.path,
        b.query,
    )


def _current_version(engine: EngineName) -> int:
    if engine == "postgresql":
        return load_migrations("postgresql", first=FIRST_VERSION)[-1].version
    return load_migrations()[-1].version


def _check_version(
    place: _Place, found: int, wanted: int, *, role: Literal["source", "target"]
) -> None:
    if found == 0:
        raise StoreError(f"{place.shown} holds another program's tables, not cohort-bot's")
    if found > wanted:
        raise StoreError(
            f"{place.shown} was written by a newer cohort-bot (schema {found}; this version "
            f"knows up to {wanted}); copy it with that version"
        )
    if found < wanted and role == "source":
        raise StoreError(
            f"{place.shown} is at schema {found}, older than this cohort-bot's {wanted}. "
            "Start this version of the bot on it once (it upgrades the database in place), "
            "then copy; db copy never changes its source"
        )
    if found < wanted:
        raise StoreError(
            f"{place.shown} already holds a cohort-bot database (schema {found}); "
            "db copy only fills a new file or an empty database"
        )


async def _peek(place: _Place) -> int | None:
    """The database's schema number, read without creating or changing anything:
    None when there is nothing there yet (no file, or no tables), 0 for a foreign one."""
    if place.path is not None:
        return await asyncio.to_thread(_peek_sqlite, place.path)
    try:
        conn = await asyncpg.connect(place.url, timeout=30)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StoreError(f"cannot connect to the database {place.shown}: {exc}") from None
    try:
        if await conn.fetchval("SELECT to_regclass('cohort_schema') IS NOT NULL"):
            return int(await conn.fetchval("SELECT version FROM cohort_schema") or 0)
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        return 0 if tables else None
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StoreError(f"cannot read the database {place.shown}: {exc}") from None
    finally:
        await conn.close()


def _peek_sqlite(path: Path) -> int | None:
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version, objects = conn.execute(
                "SELECT (SELECT user_version FROM pragma_user_version), "
                "(SELECT count(*) FROM sqlite_master)"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {path} as an SQLite database ({exc})") from None
    return int(version) if version or objects else None


def _passwords(*urls: str) -> list[str]:
    """Every password the URLs carry, as written and decoded, to keep out of messages."""
    found: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        values = [parts.password or "", *parse_qs(parts.query).get("password", [])]
        found += [form for value in values if value for form in (value, unquote(value))]
    return sorted(set(found), key=len, reverse=True)


def _scrub(message: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        message = message.replace(secret, "***")
    return message
