"""Durability and concurrency: confirmed writes survive a kill, concurrent writes all land."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store, load_migrations
from tests.store_helpers import new_cohort

NOW = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
GUILD = 424_242_424_242_424_242
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


async def test_500_concurrent_adds_all_land(store: Store) -> None:
    async def one(n: int) -> int:
        saved = await store.add_reflection(
            GUILD,
            n % 37,
            about_kind="prompt",
            about_id=f"p{n % 5}",
            text=f"reflection {n}",
            now=NOW + timedelta(seconds=n),
        )
        return saved.id

    ids = await asyncio.gather(*(one(n) for n in range(500)))
    assert len(set(ids)) == 500
    exported = [r async for r in store.export_reflections(GUILD)]
    assert len(exported) == 500
    assert sorted(ids) == [r.id for r in exported]
    assert {r.text for r in exported} == {f"reflection {n}" for n in range(500)}


async def test_concurrent_mixed_work_stays_consistent(store: Store) -> None:
    """Reads, edits, deletes and adds from many tasks never see each other half-done."""
    seeded = [
        await store.add_reflection(
            GUILD, author, about_kind="myth", about_id="m", text="seed", now=NOW
        )
        for author in range(20)
    ]

    async def member(author: int) -> None:
        own = seeded[author]
        for step in range(10):
            await store.add_reflection(
                GUILD, author, about_kind="myth", about_id="m", text=f"{step}", now=NOW
            )
            edited = await store.edit_reflection(GUILD, author, own.id, f"v{step}", now=NOW)
            assert edited is not None
            assert edited.text == f"v{step}"
            page = await store.list_reflections(GUILD, author, limit=100)
            assert page.total == len(page.items) == step + 2
            assert all(r.author_id == author for r in page.items)
        assert await store.delete_reflection(GUILD, author, own.id)

    await asyncio.gather(*(member(a) for a in range(20)))
    assert (await store.participation(GUILD)).reflections == 20 * 10
    assert await store.integrity_check() == ["ok"]


async def test_writes_are_committed_before_the_method_returns(store: Store, tmp_path: Path) -> None:
    """Another connection sees the row at once: nothing waits in an open transaction."""
    saved = await store.add_reflection(
        GUILD, 1, about_kind="prompt", about_id="p", text="seen", now=NOW
    )
    cohort = await new_cohort(store)
    row = await store.reserve_post(cohort, 1, "p1", NOW.date(), now=NOW)
    assert row is not None
    with sqlite3.connect(tmp_path / "cohort.sqlite3", timeout=0) as other:
        assert other.execute("SELECT text FROM reflections WHERE id = ?", (saved.id,)).fetchall()
        assert other.execute("SELECT id FROM prompt_history").fetchall() == [(row,)]
        other.execute("BEGIN IMMEDIATE")  # would fail at once if we still held the write lock
        other.rollback()
    other.close()


async def test_cancelled_callers_leave_no_transaction_open(store: Store, tmp_path: Path) -> None:
    async def one(n: int) -> int:
        saved = await store.add_reflection(
            GUILD, n, about_kind="prompt", about_id="p", text=f"{n}", now=NOW
        )
        return saved.id

    tasks = [asyncio.create_task(one(n)) for n in range(200)]
    await asyncio.sleep(0)  # let them all start their store operation
    for task in tasks[::2]:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    finished = [r for r in results if isinstance(r, int)]
    assert len(finished) == 100
    # the store still works, and nothing is stuck in a half-open transaction
    await store.add_reflection(GUILD, 0, about_kind="prompt", about_id="p", text="x", now=NOW)
    with sqlite3.connect(tmp_path / "cohort.sqlite3", timeout=0) as other:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        ids = {r[0] for r in other.execute("SELECT id FROM reflections")}
    other.close()
    assert set(finished) <= ids
    # an operation that had started completes even though its caller was cancelled
    assert len(ids) == 201


async def test_close_waits_for_running_writes(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    store = await Store.open(path)
    writes = [
        asyncio.create_task(
            store.add_reflection(GUILD, n, about_kind="prompt", about_id="p", text="t", now=NOW)
        )
        for n in range(50)
    ]
    await asyncio.sleep(0)
    await store.close()
    saved = await asyncio.gather(*writes)
    async with Store.open(path) as reopened:
        assert {r.id async for r in reopened.export_reflections(GUILD)} == {r.id for r in saved}


# ---------------------------------------------------------------- kill -9

# The child prints a line only after add_reflection has returned, i.e. after COMMIT.
CHILD = r"""
import asyncio, sys
from datetime import UTC, datetime
from bot.store import Store, load_migrations

async def writer(store, worker):
    n = 0
    while True:
        text = f"w{worker}-{n}"
        saved = await store.add_reflection(
            7, 1000 + worker, about_kind="prompt", about_id="p", text=text,
            now=datetime.now(UTC))
        sys.stdout.write(f"{saved.id} {text}\n")
        sys.stdout.flush()
        n += 1

async def main():
    store = await Store.open(sys.argv[1])
    print("ready", flush=True)
    await asyncio.gather(*(writer(store, w) for w in range(4)))

asyncio.run(main())
"""


def spawn(path: Path, script: str = "") -> subprocess.Popen[str]:
    """Run `script` (default: the writer) with this interpreter on the database at `path`."""
    return subprocess.Popen(
        [sys.executable, "-c", script or CHILD, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_and_kill(path: Path, kill_after: int) -> dict[int, str]:
    """Start the writer, SIGKILL it after `kill_after` confirmations; return all confirmed."""
    child = spawn(path)
    assert child.stdout is not None
    confirmed: dict[int, str] = {}
    deadline = time.monotonic() + 30
    try:
        assert child.stdout.readline() == "ready\n", child.stderr.read() if child.stderr else ""
        while len(confirmed) < kill_after and time.monotonic() < deadline:
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else "child ended"
            row_id, text = line.split()
            confirmed[int(row_id)] = text
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # lines already in the pipe were printed after their commit too
    for line in child.stdout.read().splitlines(keepends=True):
        if line.endswith("\n"):
            row_id, text = line.split()
            confirmed[int(row_id)] = text
    child.stdout.close()
    if child.stderr is not None:
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert len(confirmed) >= kill_after
    return confirmed


def check_survivors(path: Path, confirmed: dict[int, str]) -> int:
    """Recover like a restarted bot would; every confirmed row must be there, intact."""
    assert Path(f"{path}-wal").exists()  # killed mid-flight: the WAL was not checkpointed
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = dict(conn.execute("SELECT id, text FROM reflections"))
    conn.close()
    missing = {i: t for i, t in confirmed.items() if rows.get(i) != t}
    assert not missing, f"{len(missing)} confirmed reflections lost after kill -9"
    return len(rows)


async def test_confirmed_writes_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    rng = random.Random(20250310)
    kill_points = [0, rng.randint(1, 40), 200, rng.randint(41, 300)]
    stored = 0
    for kill_after in kill_points:
        # the same file each round: recovery from one kill is the start of the next run
        confirmed = await asyncio.to_thread(run_and_kill, path, kill_after)
        total = check_survivors(path, confirmed)
        assert total >= stored + len(confirmed)
        stored = total
    async with Store.open(path) as store:  # and the bot starts normally afterwards
        assert await store.integrity_check() == ["ok"]
        assert len([r async for r in store.export_reflections(7)]) == stored


async def test_kill_at_any_moment_of_startup_leaves_a_usable_file(tmp_path: Path) -> None:
    """Killed while importing, creating the file, migrating or writing: it still opens."""
    for n, delay in enumerate([0.0, 0.03, 0.06, 0.09, 0.12, 0.2]):
        path = tmp_path / f"cohort-{n}.sqlite3"
        child = spawn(path)
        await asyncio.sleep(delay)
        child.send_signal(signal.SIGKILL)
        await asyncio.to_thread(child.communicate)
        async with Store.open(path) as store:
            assert store.schema_version == load_migrations()[-1].version
            assert await store.integrity_check() == ["ok"]


# The child upgrades a schema-1 file with a deliberately slow test migration and is
# killed in the middle of it.
MIGRATING_CHILD = r"""
import asyncio, sys
from bot.store import Migration, Store, load_migrations

shipped = load_migrations()
SLOW = Migration(len(shipped) + 1, "9999_test_slow.sql", '''
    ALTER TABLE reflections ADD COLUMN mood TEXT;
    CREATE TABLE test_bulk AS
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)
        SELECT i FROM n;
''')

async def main():
    print("migrating", flush=True)
    store = await Store.open(sys.argv[1], migrations=[*shipped, SLOW])
    print("opened", flush=True)
    await store.close()

asyncio.run(main())
"""


async def test_kill_during_an_upgrade_leaves_the_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    latest = load_migrations()[-1].version
    async with Store.open(path) as store:
        kept = await store.add_reflection(
            GUILD, 1, about_kind="prompt", about_id="p", text="before the upgrade", now=NOW
        )
    for delay in (0.02, 0.08):
        child = spawn(path, MIGRATING_CHILD)
        assert child.stdout is not None
        assert await asyncio.to_thread(child.stdout.readline) == "migrating\n"
        await asyncio.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, _ = await asyncio.to_thread(child.communicate)
        assert "opened" not in out, "the migration finished before the kill; make it slower"
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA user_version").fetchone() == (latest,)
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            assert "test_bulk" not in names
            assert "mood" not in {row[1] for row in conn.execute("PRAGMA table_info(reflections)")}
        conn.close()
    async with Store.open(path) as store:
        assert await store.get_reflection(GUILD, 1, kept.id) == kept
