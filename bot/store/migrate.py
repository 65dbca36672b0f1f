"""Numbered SQL migrations, applied at open in one transaction.

`PRAGMA user_version` holds the number of the last applied migration. Migration files
live in bot/store/migrations/ as NNNN_name.sql and are read with importlib.resources so
they travel with the package. All pending migrations run in a single transaction: a
failure anywhere rolls every one of them back and leaves user_version unchanged, so a
half-upgraded database cannot exist.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.store.store_error import StoreError

_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LEADING_NOISE_RE = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
# The runner owns the transaction; a migration that ends or opens one would break the
# all-or-nothing guarantee.
_FORBIDDEN_FIRST_WORDS = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "VACUUM"})


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: migration `version` takes the database from version-1 to version."""

    version: int
    name: str
    sql: str


def check_sequence(migrations: Iterable[Migration], first: int = 1) -> tuple[Migration, ...]:
    """Sort and insist on first..N without gaps or duplicates (a packaging mistake
    otherwise). PostgreSQL's chain starts later: its first migration is a whole schema."""
    ordered = tuple(sorted(migrations, key=lambda m: m.version))
    if not ordered:
        raise StoreError("no schema migrations found; the cohort-bot install is incomplete")
    for expected, migration in enumerate(ordered, start=first):
        if migration.version != expected:
            names = ", ".join(m.name for m in ordered)
            raise StoreError(
                f"schema migrations must be numbered {first}, {first + 1}, {first + 2} ... "
                f"without gaps; found {names}"
            )
    if first == 1:
        for migration in ordered:
            split_statements(migration)  # fail at load, not halfway through an upgrade
    return ordered


def load_migrations(engine: str = "", first: int = 1) -> tuple[Migration, ...]:
    """The migrations shipped in bot/store/migrations/ (SQLite's) or a subfolder of it
    named after another engine, in order."""
    folder = resources.files("bot.store").joinpath("migrations")
    if engine:
        folder = folder.joinpath(engine)
    found: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_RE.match(entry.name)
        if match is None:
            raise StoreError(
                f"migration file {entry.name!r} is not named like 0002_add_something.sql"
            )
        found.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    return check_sequence(found, first)


def split_statements(migration: Migration) -> list[str]:
    """Cut a script into single statements SQLite can run one by one.

    sqlite3's executescript() would COMMIT our open transaction first, so each
    statement is executed separately. sqlite3.complete_statement understands strings,
    comments and CREATE TRIGGER ... BEGIN ... END bodies, so ';' inside those is safe.
    """
    sql = migration.sql
    statements: list[str] = []
    start = 0
    for index, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : index + 1]):
            statements.append(sql[start : index + 1])
            start = index + 1
    rest = sql[start:]
    if _LEADING_NOISE_RE.sub("", rest):
        raise StoreError(f"migration {migration.name} ends with an unfinished statement")
    result: list[str] = []
    for statement in statements:
        body = _LEADING_NOISE_RE.sub("", statement)
        if body in ("", ";"):
            continue
        first_word = re.split(r"[\s;(]", body, maxsplit=1)[0].upper()
        if first_word in _FORBIDDEN_FIRST_WORDS:
            raise StoreError(
                f"migration {migration.name} must not contain {first_word}: "
                "the runner applies all pending migrations in one transaction"
            )
        result.append(statement.strip())
    return result


async def check_schema(conn: aiosqlite.Connection, path: Path, latest: int) -> int:
    """Return the file's schema version, or refuse a file that is not ours to upgrade.

    Reads the version and the table count in one statement, hence one snapshot: read
    separately, another bot could finish creating the schema in between, making a
    fresh file look like another program's database.
    """
    rows = list(
        await conn.execute_fetchall(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master)"
        )
    )
    found, objects = int(rows[0][0]), int(rows[0][1])
    if found > latest:
        raise StoreError(
            f"{path} was written by a newer cohort-bot (schema {found}; this version knows "
            f"up to {latest}). Upgrade the bot or point database.path at another file."
        )
    if found == 0 and objects:
        raise StoreError(
            f"{path} is an SQLite database of some other program (it has tables but no "
            "cohort-bot schema number). Point database.path at another file."
        )
    return found


async def scalar(conn: aiosqlite.Connection, sql: str) -> object:
    """First column of the first row, or None."""
    rows = list(await conn.execute_fetchall(sql))
    return rows[0][0] if rows else None


async def rollback_quietly(conn: aiosqlite.Connection) -> None:
    """Roll back if a transaction is open; a failed COMMIT may already have ended it."""
    with contextlib.suppress(sqlite3.Error):
        await conn.execute("ROLLBACK")


async def apply_migrations(
    conn: aiosqlite.Connection, path: Path, migrations: Sequence[Migration]
) -> int:
    """Bring the database up to the last migration; return the schema version.

    Foreign keys are switched off while migrating (SQLite's documented way to rebuild a
    table) and checked with foreign_key_check before COMMIT instead.
    """
    latest = migrations[-1].version
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        # IMMEDIATE takes the write lock now, so two bots starting together cannot
        # both decide to migrate from the same version.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            # again, now under the write lock: the file may have changed since opening
            current = await check_schema(conn, path, latest)
            pending = [m for m in migrations if m.version > current]
            for migration in pending:
                for statement in split_statements(migration):
                    try:
                        await conn.execute(statement)
                    except sqlite3.Error as exc:
                        raise StoreError(
                            f"upgrading {path} failed in migration {migration.name}: {exc}. "
                            f"Nothing was changed; the database is still at schema {current}."
                        ) from exc
            if pending:
                problems = list(await conn.execute_fetchall("PRAGMA foreign_key_check"))
                if problems:
                    raise StoreError(
                        f"upgrading {path} would break {len(problems)} foreign key(s); "
                        f"nothing was changed (schema {current})."
                    )
                # PRAGMA takes no parameters; the value is an int we control.
                await conn.execute(f"PRAGMA user_version = {latest:d}")
            await conn.execute("COMMIT")
        except BaseException:
            await rollback_quietly(conn)
            raise
    finally:
        # If this fails the connection is unusable; the caller closes it and reports.
        with contextlib.suppress(sqlite3.Error):
            await conn.execute("PRAGMA foreign_keys = ON")
    return latest
