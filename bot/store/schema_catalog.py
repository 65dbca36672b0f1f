"""The schema as the database itself reports it: tables, columns, keys, references.

`cohort-bot db copy` takes its list of tables from here rather than from a list in the
code, so a table a later migration adds is copied without anyone remembering to. Each
engine has its own catalog (SQLite's pragmas, PostgreSQL's pg_catalog); both answer
through the same Conn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.store.engine import Conn, EngineName, fetch
from bot.store.store_error import StoreError

BOOKKEEPING = frozenset({"sqlite_sequence", "cohort_schema"})
"""The engines' own tables (SQLite's AUTOINCREMENT marks, PostgreSQL's schema number):
written by the engine, never copied as rows."""

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

_SQLITE_COLUMNS = (
    "SELECT m.name, p.name, p.type, p.pk, m.sql "
    "FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
    "WHERE m.type = 'table' ORDER BY m.name, p.cid"
)
_SQLITE_REFERENCES = (
    'SELECT m.name, f."table" FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f '
    "WHERE m.type = 'table'"
)
_PG_COLUMNS = (
    "SELECT c.relname, a.attname, a.attidentity <> '', "
    "COALESCE(array_position(k.conkey, a.attnum), 0) "
    "FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid "
    "LEFT JOIN pg_constraint AS k ON k.conrelid = c.oid AND k.contype = 'p' "
    "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
)
_PG_REFERENCES = (
    "SELECT c.relname, r.relname FROM pg_constraint AS k "
    "JOIN pg_class AS c ON c.oid = k.conrelid JOIN pg_class AS r ON r.oid = k.confrelid "
    "WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
)


@dataclass(slots=True)
class Table:
    """One table: its columns in the database's order, its primary key (what rows are
    read in order of), and the id column the engine numbers by itself, if any."""

    name: str
    columns: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    serial: str | None = None
    autoincrement: bool = False
    """SQLite only: numbers are never reused (sqlite_sequence remembers the highest)."""
    references: set[str] = field(default_factory=set)


async def read_tables(conn: Conn, engine: EngineName) -> dict[str, Table]:
    """Every table of cohort-bot's schema in this database (bookkeeping tables left out)."""
    tables: dict[str, Table] = {}
    keys: dict[str, list[tuple[int, str]]] = {}
    if engine == "sqlite":
        for name, column, kind, position, sql in await fetch(conn, _SQLITE_COLUMNS):
            table = tables.setdefault(name, Table(name))
            table.columns += (column,)
            table.autoincrement = "AUTOINCREMENT" in sql.upper()
            if position:
                keys.setdefault(name, []).append((int(position), column))
                # an INTEGER PRIMARY KEY alone is the rowid, numbered by SQLite
                if str(kind).upper() == "INTEGER" and "WITHOUT ROWID" not in sql.upper():
                    table.serial = column
        references = await fetch(conn, _SQLITE_REFERENCES)
    else:
        for name, column, identity, position in await fetch(conn, _PG_COLUMNS):
            table = tables.setdefault(name, Table(name))
            table.columns += (column,)
            if identity:
                table.serial = column
            if position:
                keys.setdefault(name, []).append((int(position), column))
        references = await fetch(conn, _PG_REFERENCES)
    for name in [name for name in tables if name in BOOKKEEPING or name.startswith("sqlite_")]:
        del tables[name]
    for name, table in tables.items():
        table.key = tuple(column for _, column in sorted(keys.get(name, [])))
        if len(table.key) != 1:
            table.serial = None
        if not table.key:
            raise StoreError(f"table {name} has no primary key; db copy cannot page through it")
        for word in (name, *table.columns):
            if not _NAME.match(word):
                raise StoreError(f"table {name}: unexpected name {word!r} in the schema")
    for name, referenced in references:
        if name in tables and referenced in tables and referenced != name:
            tables[name].references.add(referenced)
    return tables


def copy_order(tables: dict[str, Table]) -> list[str]:
    """Table names with every referenced table before the tables referring to it
    (alphabetical where the order is free), so foreign keys hold at each insert."""
    done: list[str] = []
    waiting = dict(sorted(tables.items()))
    while waiting:
        ready = [name for name, table in waiting.items() if table.references <= set(done)]
        if not ready:
            raise StoreError(f"tables refer to each other in a circle: {sorted(waiting)}")
        done += ready
        for name in ready:
            del waiting[name]
    return done
