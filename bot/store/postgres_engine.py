"""The server engine: PostgreSQL through an asyncpg pool, for several bot processes.

* Writes run SERIALIZABLE, so a body that reads and then writes behaves as it does on
  SQLite, where BEGIN IMMEDIATE lets one writer in at a time. PostgreSQL aborts one of
  two transactions that would interleave; the body is then simply run again (bodies
  touch nothing but the database, so running one twice is safe).
* Reads run REPEATABLE READ, READ ONLY: one snapshot, as on SQLite.
* A single statement runs in autocommit; INSERT ... ON CONFLICT DO NOTHING is then the
  claim that makes a daily post, reminder or digest go out once across processes.
* COMMIT returns after the WAL is flushed (synchronous_commit is on unless an operator
  turns it off; settings() reports it).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

from bot.store.engine import Body, Conn, EngineName, Row, Transaction, refuse_nul
from bot.store.migrate import Migration, check_sequence, load_migrations
from bot.store.store_error import StoreError

log = logging.getLogger(__name__)

_T = TypeVar("_T")
if TYPE_CHECKING:  # asyncpg's classes are generic only in its stubs
    _Connection: TypeAlias = asyncpg.Connection[Any] | PoolConnectionProxy[Any]

FIRST_VERSION = 8
"""The schema number PostgreSQL support began at: its first migration is the whole schema."""
MIGRATION_LOCK = 0x436F_6862  # "Cohb": one migrator at a time, across processes
RETRIES = 20
POOL_SIZE = 10
_RETRYABLE = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
_NUMBER_AT_END = re.compile(r"(\d+)$")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def safe_url(url: str) -> str:
    """The URL without its password, fit for logs and messages: the user part's password
    up to the last ``@`` (so one with characters it should have escaped, such as ``#``,
    ``?`` or ``/``, is hidden whole; an ``@`` further on can only hide more), and libpq's
    ``password=`` option."""
    scheme, separator, rest = url.partition("://")
    if separator:
        at = rest.rfind("@")
        user, colon, _ = rest[:at].partition(":") if at != -1 else ("", "", "")
        if colon:
            url = f"{scheme}://{user}:***{rest[at:]}"
    return _QUERY_PASSWORD.sub(r"\1***", url)


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders -> `$1, $2, ...`, leaving quoted text and comments alone."""
    out: list[str] = []
    number = 0
    index = 0
    length = len(sql)
    while index < length:
        char = sql[index]
        if char in "'\"":
            end = sql.find(char, index + 1)
            while end != -1 and sql.startswith(char, end + 1):  # '' escapes a quote
                end = sql.find(char, end + 2)
            end = length if end == -1 else end + 1
            out.append(sql[index:end])
            index = end
            continue
        if sql.startswith("--", index):
            end = sql.find("\n", index)
            end = length if end == -1 else end
            out.append(sql[index:end])
            index = end
            continue
        if char == "?":
            number += 1
            out.append(f"${number}")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _rows_changed(status: str) -> int:
    """asyncpg's command tag ('UPDATE 3', 'INSERT 0 1', 'DELETE 0') -> the row count."""
    match = _NUMBER_AT_END.search(status)
    return int(match[1]) if match else 0


class PostgresConn:
    """The Conn protocol over one asyncpg connection."""

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        refuse_nul(params)
        return list(await self._conn.fetch(numbered(sql), *params))

    async def change(self, sql: str, params: Sequence[object] = ()) -> int:
        refuse_nul(params)
        return _rows_changed(await self._conn.execute(numbered(sql), *params))

    async def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
    ) -> None:
        """COPY in binary: several times faster than executemany (PostgreSQL refuses a
        NUL character here by itself)."""
        await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def change_unless_duplicate(self, sql: str, params: Sequence[object] = ()) -> int:
        try:
            async with self._conn.transaction():  # a SAVEPOINT inside the body's transaction
                return await self.change(sql, params)
        except asyncpg.UniqueViolationError:
            return 0


class PostgresEngine:
    """Runs each body as one transaction on a connection from the pool."""

    name: EngineName = "postgresql"

    def __init__(self, pool: asyncpg.Pool[Any], url: str, schema_version: int) -> None:
        self._pool = pool
        self.where = safe_url(url)
        self.schema_version = schema_version
        self._closed = False

    @classmethod
    async def open(
        cls, url: str, migrations: Sequence[Migration] | None, pool_size: int = POOL_SIZE
    ) -> PostgresEngine:
        chain = (
            check_sequence(migrations, first=FIRST_VERSION)
            if migrations is not None
            else load_migrations("postgresql", first=FIRST_VERSION)
        )
        where = safe_url(url)
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=pool_size, command_timeout=60
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(f"cannot connect to the database {where}: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                version = await _migrate(conn, where, chain)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url, version)

    async def run(self, body: Body[_T], tx: Transaction) -> _T:
        if self._closed:
            raise StoreError(f"the store for {self.where} is closed")
        for attempt in range(RETRIES):
            try:
                async with self._pool.acquire() as conn:
                    if tx == "none":
                        return await body(PostgresConn(conn))
                    async with conn.transaction(
                        isolation="serializable" if tx == "write" else "repeatable_read",
                        readonly=tx == "read",
                    ):
                        return await body(PostgresConn(conn))
            except _RETRYABLE:
                if attempt == RETRIES - 1:
                    raise StoreError(
                        f"database error on {self.where}: a transaction kept conflicting "
                        f"with others ({RETRIES} tries)"
                    ) from None
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                raise StoreError(f"database error on {self.where}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._pool.close()

    async def settings(self) -> dict[str, object]:
        async def body(conn: Conn) -> dict[str, object]:
            names = ("server_version", "synchronous_commit", "fsync")
            values: dict[str, object] = {
                name: (await conn.fetch(f"SHOW {name}"))[0][0] for name in names
            }
            values["schema_version"] = self.schema_version
            return values

        return await self.run(body, "none")

    async def integrity_check(self) -> list[str]:
        """PostgreSQL checks pages itself; this confirms the schema is the one expected."""

        async def body(conn: Conn) -> list[str]:
            rows = await conn.fetch("SELECT version FROM cohort_schema")
            found = int(rows[0][0]) if rows else 0
            if found != self.schema_version:
                return [f"schema {found}, expected {self.schema_version}"]
            return ["ok"]

        return await self.run(body, "read")


async def _migrate(conn: _Connection, where: str, chain: Sequence[Migration]) -> int:
    """Bring the database up to the last migration, all in one transaction; refuse a
    newer schema or another program's tables, changing nothing."""
    latest = chain[-1].version
    try:
        async with conn.transaction():
            # one migrator at a time: two bots starting together must not both upgrade
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            current = await _schema_version(conn, where, latest)
            pending = [m for m in chain if m.version > current]
            if current and current < chain[0].version - 1:
                raise StoreError(f"{where} has schema {current}, older than this bot can upgrade")
            for migration in pending:
                try:
                    await conn.execute(migration.sql)
                except asyncpg.PostgresError as exc:
                    raise StoreError(
                        f"upgrading {where} failed in migration {migration.name}: {exc}. "
                        f"Nothing was changed; the database is still at schema {current}."
                    ) from exc
            if pending:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS cohort_schema "
                    "(one INTEGER PRIMARY KEY DEFAULT 1 CHECK (one = 1), version INTEGER NOT NULL)"
                )
                await conn.execute(
                    "INSERT INTO cohort_schema (one, version) VALUES (1, $1) "
                    "ON CONFLICT (one) DO UPDATE SET version = excluded.version",
                    latest,
                )
                log.info("%s: schema %d -> %d", where, current, latest)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise StoreError(f"cannot use the database {where}: {exc}") from exc
    return latest


async def _schema_version(conn: _Connection, where: str, latest: int) -> int:
    """The database's schema number (0 when empty); refuse one that is not ours."""
    has_table = await conn.fetchval("SELECT to_regclass('cohort_schema') IS NOT NULL")
    if not has_table:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        if tables:
            raise StoreError(
                f"{where} holds another program's tables ({tables}) and no cohort-bot schema "
                "number. Point database.url at an empty database."
            )
        return 0
    found = int(await conn.fetchval("SELECT version FROM cohort_schema") or 0)
    if found > latest:
        raise StoreError(
            f"{where} was written by a newer cohort-bot (schema {found}; this version knows "
            f"up to {latest}). Upgrade the bot or point database.url at another database."
        )
    return found
