"""Group commit on SQLite: concurrent calls share a transaction, yet each is confirmed only
after the COMMIT that holds it, and fails only for its own reasons (or that COMMIT's)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest

from bot.store import Reflection, Store, StoreError
from bot.store.engine import Body, Conn
from bot.store.sqlite_engine import BATCH, SqliteEngine
from tests.store_helpers import GUILD, NOW, add


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


def engine_of(store: Store) -> SqliteEngine:
    engine = store._engine
    assert isinstance(engine, SqliteEngine)
    return engine


def other(store: Store) -> sqlite3.Connection:
    """A second, plain connection to the same file: what another process would see."""
    assert store.path is not None
    return sqlite3.connect(store.path, timeout=0, isolation_level=None)


def meta_keys(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT key FROM meta")}


def no_transaction_open(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")  # fails at once if the store still held the write lock
    conn.execute("ROLLBACK")


def put(key: str, *, then_raise: Exception | None = None) -> Body[str]:
    async def body(conn: Conn) -> str:
        await conn.change("INSERT INTO meta (key, value) VALUES (?, 'v')", (key,))
        if then_raise is not None:
            raise then_raise
        return key

    return body


async def test_concurrent_writers_are_readable_elsewhere_as_each_call_returns(
    store: Store,
) -> None:
    before = engine_of(store).commits
    seen = other(store)
    late: list[int] = []

    async def writer(n: int) -> None:
        saved = await add(store, f"reflection {n}", author=n)
        # no await in between: the row must already be committed when the call returned
        rows = seen.execute("SELECT text FROM reflections WHERE id = ?", (saved.id,)).fetchall()
        if rows != [(f"reflection {n}",)]:
            late.append(n)

    await asyncio.gather(*(writer(n) for n in range(300)))
    commits = engine_of(store).commits - before
    no_transaction_open(seen)
    seen.close()
    assert late == []
    assert 300 / BATCH <= commits < 100  # shared transactions: far fewer than 300 fsyncs


async def test_a_failing_body_fails_alone_and_leaves_nothing(store: Store) -> None:
    before = engine_of(store).commits
    await store.set_meta("taken", "x")
    bodies = [put(f"good-{n}") for n in range(10)]
    bodies.insert(3, put("raises", then_raise=ValueError("the body's own error")))
    bodies.insert(7, put("taken"))  # a duplicate key: the database refuses it
    results = await asyncio.gather(
        *(store._run(body, "write") for body in bodies),
        return_exceptions=True,
    )
    assert isinstance(results[3], ValueError)
    assert str(results[3]) == "the body's own error"
    assert isinstance(results[7], StoreError)
    assert "UNIQUE" in str(results[7])
    assert [r for i, r in enumerate(results) if i not in (3, 7)] == [f"good-{n}" for n in range(10)]
    assert engine_of(store).commits - before == 2  # set_meta, then all twelve together
    seen = other(store)
    assert meta_keys(seen) == {"taken"} | {f"good-{n}" for n in range(10)}
    assert seen.execute("SELECT value FROM meta WHERE key = 'taken'").fetchall() == [("x",)]
    seen.close()


async def test_a_failed_commit_fails_every_body_in_it_and_none_is_saved(store: Store) -> None:
    """SQLite checks deferred foreign keys at COMMIT: one body's broken reference makes
    the COMMIT itself fail, so no caller of that transaction may hear "saved"."""

    async def broken_reference(conn: Conn) -> str:
        await conn.change("PRAGMA defer_foreign_keys = ON")
        await conn.change(
            "INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text, "
            "visibility, created_at, cohort_id) "
            "VALUES (?, 1, 'prompt', 'p', 'orphan', 'private', '2025-01-01', 424242)",
            (GUILD,),
        )
        return "the orphan"  # the body itself succeeds; only COMMIT notices

    before = engine_of(store).commits
    calls: list[Awaitable[object]] = [store._run(put(f"k{n}"), "none") for n in range(20)]
    calls.insert(10, store._run(broken_reference, "write"))
    calls.append(add(store, "reflection in the same batch"))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, StoreError) for r in results), results
    assert all("FOREIGN KEY" in str(r) and "nothing" in str(r) for r in results)
    assert engine_of(store).commits == before
    seen = other(store)
    no_transaction_open(seen)
    assert meta_keys(seen) == set()
    assert seen.execute("SELECT count(*) FROM reflections").fetchone() == (0,)
    # the next transaction is a fresh one: it commits, without the orphan
    await store.set_meta("after", "ok")
    assert meta_keys(seen) == {"after"}
    assert await store.integrity_check() == ["ok"]
    seen.close()


async def test_a_full_disk_mid_batch_confirms_only_what_was_committed(store: Store) -> None:
    """SQLITE_FULL may end the whole transaction: then callers whose bodies had already
    succeeded in it must hear it failed too, and those not yet run still run."""
    seen = other(store)
    pages = seen.execute("PRAGMA page_count").fetchone()[0]

    async def cap(conn: Conn) -> None:
        await conn.fetch(f"PRAGMA max_page_count = {pages + 2:d}")

    await store._run(cap, "none")
    big = "x" * 200_000  # far more than two pages
    calls: list[Awaitable[object]] = [add(store, f"small {n}", author=n) for n in range(30)]
    calls.insert(15, add(store, big, author=99))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[15], StoreError)
    assert "full" in str(results[15])
    saved = {r.id for r in results if isinstance(r, Reflection)}
    failed = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, StoreError) for r in failed)
    visible = {row[0] for row in seen.execute("SELECT id FROM reflections")}
    assert visible == saved  # every confirmed one is there, and nothing unconfirmed
    assert len(saved) >= 15  # those after the full one ran in a transaction of their own
    no_transaction_open(seen)
    seen.close()


async def test_a_body_awaiting_anything_but_its_connection_is_refused(store: Store) -> None:
    """Bodies run on the connection's thread, out of the event loop's reach: one that
    awaits the loop fails (its statements rolled back), and the others are unharmed."""
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def waits(conn: Conn) -> None:
        await conn.change("INSERT INTO meta (key, value) VALUES ('waited', 'v')")
        await gate

    async def sleeps(conn: Conn) -> None:
        await conn.change("INSERT INTO meta (key, value) VALUES ('slept', 'v')")
        await asyncio.sleep(0)

    results = await asyncio.gather(
        store._run(waits, "write"),
        store._run(sleeps, "write"),
        store.set_meta("fine", "v"),
        return_exceptions=True,
    )
    assert isinstance(results[0], RuntimeError)
    assert "awaited something other than its connection" in str(results[0])
    assert isinstance(results[1], RuntimeError)  # asyncio finds no loop on that thread
    assert results[2] is None
    seen = other(store)
    assert meta_keys(seen) == {"fine"}
    seen.close()


async def test_callers_cancelled_before_their_turn_never_run(tmp_path: Path) -> None:
    """Straight on the engine (the Runner would shield them): a queued call whose caller
    is cancelled is dropped; the others commit; no transaction is left open."""
    engine = await SqliteEngine.open(tmp_path / "cohort.sqlite3", None, 5000)
    try:
        tasks = [asyncio.create_task(engine.run(put(f"k{n}"), "none")) for n in range(200)]
        await asyncio.sleep(0)  # all queued; the first batch is running on the thread
        for task in tasks[100::2]:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await engine.close()
    done = {r for r in results if isinstance(r, str)}
    assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 50
    with sqlite3.connect(tmp_path / "cohort.sqlite3", timeout=0, isolation_level=None) as seen:
        no_transaction_open(seen)
        keys = meta_keys(seen)
    seen.close()
    assert done <= keys
    assert len(done) == 150
    # a call cancelled before its batch began never ran: none of those keys exist
    assert keys == done


async def test_close_finishes_queued_calls_then_refuses_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    engine = await SqliteEngine.open(path, None, 5000)
    tasks = [asyncio.create_task(engine.run(put(f"k{n}"), "write")) for n in range(300)]
    await asyncio.sleep(0)
    await engine.close()
    assert all(task.done() for task in tasks)
    assert {task.result() for task in tasks} == {f"k{n}" for n in range(300)}
    with pytest.raises(StoreError, match="closed"):
        await engine.run(put("late"), "write")
    await engine.close()  # a second close is harmless
    with sqlite3.connect(path) as seen:
        assert len(meta_keys(seen)) == 300
    seen.close()
    wal = Path(f"{path}-wal")
    assert not await asyncio.to_thread(wal.exists)  # the last connection closed: checkpointed


async def test_reads_in_a_batch_see_what_earlier_bodies_wrote(store: Store) -> None:
    async def count(conn: Conn) -> int:
        return int((await conn.fetch("SELECT count(*) FROM reflections"))[0][0])

    writes = [add(store, f"r{n}", author=n, now=NOW) for n in range(5)]
    results = await asyncio.gather(*writes, store._run(count, "read"))
    assert results[-1] == 5
