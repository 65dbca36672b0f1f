"""Opening a PostgreSQL database: fresh, newer, foreign, upgraded, unreachable; and
what SQLite's single writer gave for free, kept across processes (SERIALIZABLE writes).

The store's behaviour itself is tested on both engines by the tests/test_store*.py
contract tests (the `database_url` fixture); these are what only a server has.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import date
from typing import Any

import asyncpg
import pytest

from bot.store import Migration, Store, StoreError, load_migrations
from bot.store.postgres_engine import FIRST_VERSION, numbered, safe_url
from tests.store_helpers import NOW, add, new_cohort

SHIPPED = load_migrations("postgresql", first=FIRST_VERSION)
LATEST = SHIPPED[-1].version


async def schema_version(url: str) -> int | None:
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('cohort_schema') IS NOT NULL")
        return int(await conn.fetchval("SELECT version FROM cohort_schema")) if exists else None
    finally:
        await conn.close()


async def execute(url: str, sql: str, *args: Any) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


def test_postgresql_starts_at_the_schema_sqlite_had_when_it_arrived() -> None:
    assert SHIPPED[0].version == FIRST_VERSION
    assert load_migrations()[-1].version == LATEST  # the engines always agree


async def test_a_fresh_database_gets_the_whole_schema_and_durable_settings(
    postgres_url: str,
) -> None:
    async with Store.open(postgres_url) as store:
        assert store.engine == "postgresql"
        assert store.schema_version == LATEST
        settings = await store.settings()
        assert settings["synchronous_commit"] == "on"
        assert settings["fsync"] == "on"
        assert await store.integrity_check() == ["ok"]
    assert await schema_version(postgres_url) == LATEST


async def test_every_text_column_compares_bytes_as_sqlite_does(postgres_url: str) -> None:
    """A server created with a language locale (en_US.UTF-8 is common) would otherwise
    order and compare text unlike SQLite; the schema pins byte order column by column."""
    async with Store.open(postgres_url):
        pass
    conn = await asyncpg.connect(postgres_url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = 'text' "
            "AND table_name <> 'cohort_schema'"
        )
    finally:
        await conn.close()
    assert len(rows) > 30
    assert {row["collation_name"] for row in rows} == {"C"}, [tuple(r) for r in rows]


async def test_reopening_changes_nothing_and_keeps_rows(postgres_url: str) -> None:
    async with Store.open(postgres_url) as store:
        saved = await add(store, "kept")
    async with Store.open(postgres_url) as store:
        assert await store.get_reflection(saved.guild_id, saved.author_id, saved.id) == saved


async def test_a_newer_schema_is_refused_and_left_as_it_is(postgres_url: str) -> None:
    async with Store.open(postgres_url) as store:
        await add(store, "from the future")
    await execute(postgres_url, "UPDATE cohort_schema SET version = $1", LATEST + 5)
    with pytest.raises(StoreError, match=f"newer cohort-bot \\(schema {LATEST + 5}"):
        await Store.open(postgres_url)
    assert await schema_version(postgres_url) == LATEST + 5


async def test_another_programs_database_is_refused_untouched(postgres_url: str) -> None:
    await execute(postgres_url, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="another program's tables"):
        await Store.open(postgres_url)
    assert await schema_version(postgres_url) is None


async def test_bots_starting_together_migrate_once(postgres_url: str) -> None:
    stores = await asyncio.gather(*(Store.open(postgres_url) for _ in range(5)))
    try:
        assert {store.schema_version for store in stores} == {LATEST}
        await new_cohort(stores[0])
        assert len(await stores[4].running_cohorts()) == 1
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_later_migration_is_applied_and_a_broken_one_changes_nothing(
    postgres_url: str,
) -> None:
    mood = Migration(
        LATEST + 1,
        f"{LATEST + 1:04d}_mood.sql",
        "ALTER TABLE reflections ADD COLUMN mood TEXT NOT NULL DEFAULT 'none';"
        "CREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);",
    )
    broken = Migration(
        LATEST + 2,
        f"{LATEST + 2:04d}_broken.sql",
        "CREATE TABLE test_half (x INTEGER); INSERT INTO no_such_table VALUES (1);",
    )
    async with Store.open(postgres_url) as store:
        await add(store, "before")
    with pytest.raises(StoreError, match=r"failed in migration .*broken.*still at schema"):
        await Store.open(postgres_url, migrations=[*SHIPPED, mood, broken])
    assert await schema_version(postgres_url) == LATEST  # mood went back too: one transaction
    async with Store.open(postgres_url, migrations=[*SHIPPED, mood]) as store:
        assert store.schema_version == LATEST + 1
        assert (await store.list_reflections(*(await _first_author(store)))).total == 1


async def _first_author(store: Store) -> tuple[int, int]:
    rows = await store._query("SELECT guild_id, author_id FROM reflections LIMIT 1")
    return int(rows[0][0]), int(rows[0][1])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    url = f"postgresql://cohort:s3cret-pw@127.0.0.1:{_closed_port()}/cohort"
    with pytest.raises(StoreError) as raised:
        await Store.open(url)
    message = str(raised.value)
    assert message.startswith("cannot connect to the database postgresql://cohort:***@127.0.0.1")
    assert "s3cret-pw" not in message
    assert "\n" not in message


def test_safe_url_hides_only_the_password() -> None:
    assert safe_url("postgresql://u:pw@h:5432/d?sslmode=require") == (
        "postgresql://u:***@h:5432/d?sslmode=require"
    )
    assert safe_url("postgresql://u@h/d") == "postgresql://u@h/d"


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    assert numbered("SELECT ? , '?', \"a?\" -- what?\n, ?") == (
        "SELECT $1 , '?', \"a?\" -- what?\n, $2"
    )
    assert numbered("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"


# ------------------------------------------------------------ several processes


async def test_a_round_advanced_by_many_processes_at_once_advances_once(
    postgres_url: str,
) -> None:
    """SQLite's one writer made read-then-write safe; SERIALIZABLE (with retries) keeps
    it so when every process has its own connection."""
    stores = [await Store.open(postgres_url) for _ in range(3)]
    try:
        cohort = await new_cohort(stores[0])
        results = await asyncio.gather(
            *(stores[i % 3].start_new_round(cohort, from_round=1) for i in range(30))
        )
        assert set(results) == {2}
        cohort_row = await stores[1].get_cohort(cohort)
        assert cohort_row is not None and cohort_row.round == 2
    finally:
        for store in stores:
            await store.close()


async def test_one_post_per_cohort_and_day_however_many_processes_claim_it(
    postgres_url: str,
) -> None:
    stores = [await Store.open(postgres_url) for _ in range(4)]
    try:
        cohort = await new_cohort(stores[0])
        claims = await asyncio.gather(
            *(
                stores[i % 4].reserve_post(cohort, 1, f"p{i}", date(2025, 3, 10), now=NOW)
                for i in range(40)
            )
        )
        assert len([claim for claim in claims if claim is not None]) == 1
    finally:
        for store in stores:
            await store.close()


async def test_a_rename_to_a_taken_name_changes_nothing_on_either_process(
    postgres_url: str,
) -> None:
    async with Store.open(postgres_url) as first, Store.open(postgres_url) as second:
        spring = await new_cohort(first, name="Spring", channel=5)
        await new_cohort(second, name="Autumn", channel=6)
        assert await second.update_cohort(spring, now=NOW, name="autumn") is None
        row = await first.get_cohort(spring)
        assert row is not None and row.name == "Spring"
