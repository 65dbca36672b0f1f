"""Opening a database: fresh, older, newer, foreign, broken, and half-failed upgrades."""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Migration, Store, StoreError, load_migrations
from bot.store.migrate import split_statements

SHIPPED = load_migrations()
LATEST = SHIPPED[-1].version
FIRST = SHIPPED[0]
NEXT = LATEST + 1


def next_migration(name: str, sql: str, version: int = NEXT) -> Migration:
    """A migration after the shipped ones, as the next real one would be."""
    return Migration(version, f"{version:04d}_test_{name}.sql", sql)


# What a real next migration might do to tables holding data.
ADD_MOOD = next_migration(
    "add_mood",
    """
    -- a comment; with a semicolon
    ALTER TABLE reflections ADD COLUMN mood TEXT NOT NULL DEFAULT 'none';
    CREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
    INSERT INTO test_notes (note) VALUES ('semi;colon ''quoted''');
    CREATE TRIGGER test_notes_guard BEFORE DELETE ON test_notes
    BEGIN
        SELECT RAISE(ABORT, 'notes are forever; really');
    END;
    """,
)
BROKEN = next_migration(
    "broken",
    """
    CREATE TABLE test_half_done (x INTEGER);
    ALTER TABLE reflections ADD COLUMN mood TEXT;
    INSERT INTO no_such_table VALUES (1);
    """,
)
BROKEN_AFTER_MOOD = next_migration("broken", "UPDATE reflections SET nope = 1;", NEXT + 1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_in(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.close()
    return version


def columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    conn.close()
    return names


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    return names


def make_version_1_by_hand(path: Path) -> None:
    """A database as cohort-bot schema 1 left it, with data, written without the store."""
    conn = sqlite3.connect(path)
    conn.executescript(FIRST.sql)
    conn.execute(
        "INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text, visibility,"
        " created_at) VALUES (1, 2, 'prompt', 'p1', 'kept across upgrades', 'private',"
        " '2025-01-01T00:00:00.000000+00:00')"
    )
    conn.execute(
        "INSERT INTO schedules (guild_id, channel_id, post_time, timezone, updated_at)"
        " VALUES (1, 3, '09:00', 'UTC', '2025-01-01T00:00:00.000000+00:00')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


# ---------------------------------------------------------------- shipped migrations


def test_shipped_migrations_are_numbered_and_parse() -> None:
    assert FIRST.name == "0001_initial.sql"
    assert [m.version for m in SHIPPED] == list(range(1, LATEST + 1))
    for migration in SHIPPED:
        assert split_statements(migration)


async def test_fresh_database_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "data" / "cohort.sqlite3"  # parent folders created
    async with Store.open(path) as store:
        assert store.schema_version == LATEST
        assert await store.settings() == {
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
            "busy_timeout": 5000,
            "user_version": LATEST,
        }
        assert await store.integrity_check() == ["ok"]
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"cohorts", "quiet_dates", "prompt_history", "reflections", "meta"} <= tables
    assert {"cohort_members", "cohort_deliveries"} <= tables
    assert {"prompt_history_one_per_date", "reflections_by_author"} <= tables


async def test_empty_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    path.touch()
    async with Store.open(path) as store:
        assert store.schema_version == LATEST


async def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path):
        pass
    before = sha256(path)
    async with Store.open(path):
        pass
    assert sha256(path) == before


async def test_two_stores_opening_one_new_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    for _ in range(5):
        path.unlink(missing_ok=True)
        opened = await asyncio.gather(*(Store.open(path) for _ in range(3)), return_exceptions=True)
        stores = [s for s in opened if isinstance(s, Store)]
        for store in stores:
            await store.close()
        assert len(stores) == 3, [s for s in opened if not isinstance(s, Store)]
        assert {s.schema_version for s in stores} == {LATEST}


# ---------------------------------------------------------------- upgrades


async def test_schema_1_file_upgrades_in_place_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    make_version_1_by_hand(path)
    async with Store.open(path) as store:
        assert store.schema_version == LATEST
        [kept] = (await store.list_reflections(1, 2)).items
        assert kept.text == "kept across upgrades"
        [cohort] = await store.list_cohorts(1)  # 0008 made the schedule a cohort
        assert (cohort.name, cohort.post_time, cohort.channel_id) == ("Cohort", "09:00", 3)
        assert kept.cohort_id == cohort.id
        await store.set_meta("sync", "abc")  # 0002 added the meta table
        assert await store.integrity_check() == ["ok"]
    assert user_version(path) == LATEST


async def test_next_migration_upgrades_in_place_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    make_version_1_by_hand(path)
    async with Store.open(path) as store:
        await store.set_meta("sync", "abc")
    async with Store.open(path, migrations=[*SHIPPED, ADD_MOOD]) as store:
        assert store.schema_version == NEXT
        [kept] = (await store.list_reflections(1, 2)).items
        assert kept.text == "kept across upgrades"
        assert await store.get_meta("sync") == "abc"
    assert user_version(path) == NEXT
    assert "mood" in columns(path, "reflections")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT note FROM test_notes").fetchall() == [("semi;colon 'quoted'",)]
        with pytest.raises(sqlite3.IntegrityError, match="forever; really"):
            conn.execute("DELETE FROM test_notes")
    conn.close()


async def test_failing_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        await store.set_meta("sync", "abc")
    before = sha256(path)
    with pytest.raises(StoreError) as caught:
        await Store.open(path, migrations=[*SHIPPED, BROKEN])
    message = str(caught.value)
    assert BROKEN.name in message
    assert "no such table" in message
    assert f"still at schema {LATEST}" in message
    assert user_version(path) == LATEST
    assert "test_half_done" not in table_names(path)  # DDL before the failure rolled back
    assert "mood" not in columns(path, "reflections")
    assert sha256(path) == before
    async with Store.open(path) as store:  # still usable by this version
        assert await store.get_meta("sync") == "abc"


async def test_all_pending_migrations_are_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    make_version_1_by_hand(path)
    with pytest.raises(StoreError, match=re.escape(BROKEN_AFTER_MOOD.name)):
        await Store.open(path, migrations=[*SHIPPED, ADD_MOOD, BROKEN_AFTER_MOOD])
    # the shipped 0002 and the good test migration were rolled back with the bad one
    assert user_version(path) == 1
    assert "meta" not in table_names(path)
    assert "mood" not in columns(path, "reflections")


@pytest.mark.parametrize(
    ("chain", "problem"),
    [
        ([ADD_MOOD], "without gaps"),
        ([*SHIPPED, BROKEN_AFTER_MOOD], "without gaps"),
        ([*SHIPPED, ADD_MOOD, ADD_MOOD], "without gaps"),
        ([], "no schema migrations"),
        ([FIRST, Migration(2, "0002_x.sql", "CREATE TABLE a (x);\nCOMMIT;")], "COMMIT"),
        ([FIRST, Migration(2, "0002_x.sql", "begin; CREATE TABLE a (x);")], "BEGIN"),
        ([FIRST, Migration(2, "0002_x.sql", "CREATE TABLE a (x)")], "unfinished"),
    ],
)
async def test_bad_migration_lists_are_refused_before_touching_the_file(
    tmp_path: Path, chain: list[Migration], problem: str
) -> None:
    path = tmp_path / "cohort.sqlite3"
    with pytest.raises(StoreError, match=problem):
        await Store.open(path, migrations=chain)
    assert not path.exists()


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
async def test_newer_database_is_refused_and_left_untouched(
    tmp_path: Path, journal_mode: str
) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        await store.add_reflection(
            1,
            2,
            about_kind="prompt",
            about_id="p",
            text="from the future",
            now=datetime(2030, 1, 1, tzinfo=UTC),
        )
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {NEXT}")
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.commit()
    conn.close()
    before_hash, before_files = sha256(path), files_in(tmp_path)
    assert before_files == {"cohort.sqlite3": path.stat().st_size}  # no -wal to begin with

    with pytest.raises(StoreError) as caught:
        await Store.open(path)
    assert str(caught.value) == (
        f"{path} was written by a newer cohort-bot (schema {NEXT}; this version knows up to "
        f"{LATEST}). Upgrade the bot or point database.path at another file."
    )
    assert sha256(path) == before_hash
    assert files_in(tmp_path) == before_files  # and no -wal/-shm left behind
    assert user_version(path) == NEXT


@pytest.mark.parametrize(
    "content",
    [
        b"this is a config file, not a database\n" * 50,
        random.Random(7).randbytes(8192),
        b"SQLite format 3\x00" + b"\xff" * 4080,  # right magic, garbage header
    ],
    ids=["text", "random", "bad-header"],
)
async def test_not_a_database_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cohort.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=r"is not an SQLite database|is damaged"):
        await Store.open(path)
    assert path.read_bytes() == content
    assert files_in(tmp_path) == {"cohort.sqlite3": len(content)}


async def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = sha256(path)
    with pytest.raises(StoreError, match="some other program"):
        await Store.open(path)
    assert sha256(path) == before


async def test_folder_and_unreachable_paths_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        await Store.open(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the folder"):
        await Store.open(blocker / "cohort.sqlite3")
