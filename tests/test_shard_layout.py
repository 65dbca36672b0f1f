"""One shard count at a time, against a real PostgreSQL and real files: a guild's shard
depends on the count, so a process with 4 shards must wait while one with 2 still runs
(else both would serve the same servers), and start within two seconds of its leaving or
dying; processes with the same count run side by side; counts racing to start never
both run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.store.shard_locks import LAYOUT_NAMESPACE, ShardOwnership
from tests.processes import line_with, python_script, shard_holder
from tests.test_shard_locks import database_url

__all__ = ["database_url"]  # a fixture: SQLite in a folder yet to be made, and PostgreSQL

TAKE_OVER = 2.0  # seconds: how soon a waiting process must start once the old count is gone
WAITING_FOR_2 = (
    "waiting: processes with 2 shards still run; every process must stop before the bot runs"
    " with 4 shards"
)


class Holder:
    """One process-in-a-test holding ``shards`` of ``count`` until told to leave."""

    def __init__(self, url: str, count: int, shards: list[int]) -> None:
        self.entered, self.leave = asyncio.Event(), asyncio.Event()
        self.ownership: ShardOwnership | None = None
        self.task = asyncio.create_task(self._hold(url, count, shards))

    async def _hold(self, url: str, count: int, shards: list[int]) -> None:
        async with ShardOwnership.acquire(url, count, shards) as ownership:
            self.ownership = ownership
            self.entered.set()
            await self.leave.wait()

    async def runs_within(self, seconds: float) -> None:
        await asyncio.wait_for(self.entered.wait(), seconds)

    async def stop(self) -> float:
        """Let go; the loop time it had let go."""
        self.leave.set()
        await self.task
        return asyncio.get_running_loop().time()


@contextlib.asynccontextmanager
async def holding(url: str, count: int, shards: list[int]) -> AsyncIterator[Holder]:
    holder = Holder(url, count, shards)
    try:
        yield holder
    finally:
        holder.leave.set()
        holder.task.cancel()
        await asyncio.gather(holder.task, return_exceptions=True)


async def test_a_new_shard_count_waits_until_every_old_process_has_stopped(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.store.shard_locks")
    async with (
        holding(database_url, 2, [0]) as old_0,
        holding(database_url, 2, [1]) as old_1,
    ):
        await old_0.runs_within(TAKE_OVER)
        await old_1.runs_within(TAKE_OVER)
        async with holding(database_url, 4, [0, 1, 2, 3]) as new:
            await asyncio.sleep(1.5)
            assert not new.entered.is_set()  # shards 2 and 3 are free, but count 2 runs
            await old_0.stop()
            await asyncio.sleep(1.5)
            assert not new.entered.is_set()  # one process with 2 shards still runs
            left = await old_1.stop()
            await new.runs_within(TAKE_OVER)
            assert asyncio.get_running_loop().time() - left < TAKE_OVER

            async with holding(database_url, 2, [0, 1]) as back:  # and the other way round
                await asyncio.sleep(1.5)
                assert not back.entered.is_set()
                left = await new.stop()
                await back.runs_within(TAKE_OVER)
                assert asyncio.get_running_loop().time() - left < TAKE_OVER
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count(WAITING_FOR_2) == 1
    assert "took over shard(s) 0, 1, 2, 3 of 4" in messages
    assert (
        "waiting: processes with 4 shards still run; every process must stop before the bot"
        " runs with 2 shards" in messages
    )


async def test_processes_with_the_same_count_run_side_by_side(database_url: str) -> None:
    async with (
        holding(database_url, 2, [0]) as first,
        holding(database_url, 2, [1]) as second,
    ):
        await first.runs_within(TAKE_OVER)
        await second.runs_within(TAKE_OVER)
        assert first.ownership is not None and second.ownership is not None
        assert not first.ownership.lost.is_set() and not second.ownership.lost.is_set()


async def test_postgres_shows_each_running_count_once_per_process(postgres_url: str) -> None:
    admin = await asyncpg.connect(postgres_url)
    try:
        async with holding(postgres_url, 2, [0]) as first, holding(postgres_url, 2, [1]) as second:
            await first.runs_within(TAKE_OVER)
            await second.runs_within(TAKE_OVER)
            rows = await admin.fetch(
                "SELECT objid, mode, pid FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = $1 AND objsubid = 2 AND granted",
                LAYOUT_NAMESPACE,
            )
            assert sorted((int(row["objid"]), row["mode"]) for row in rows) == [
                (2, "ShareLock"),
                (2, "ShareLock"),
            ]
            assert len({row["pid"] for row in rows}) == 2
    finally:
        await admin.close()


async def test_a_removed_layout_file_is_lost_ownership(tmp_path: Path) -> None:
    database = tmp_path / "cohort.sqlite3"
    async with ShardOwnership.acquire(
        f"sqlite:///{database}", 2, [0], check_seconds=0.1
    ) as ownership:
        (tmp_path / "cohort.sqlite3.shards-2.lock").unlink()  # a count 4 could now start
        await asyncio.wait_for(ownership.lost.wait(), TAKE_OVER)
        assert "shards-2.lock was removed or replaced" in ownership.reason


async def test_a_killed_process_with_the_old_count_lets_the_new_count_start(
    database_url: str,
) -> None:
    async with shard_holder(database_url, 2, [0, 1]) as old:
        await line_with(old.stdout, "holding", 20)
        async with shard_holder(database_url, 4, [0, 1, 2, 3]) as new:
            assert await line_with(new.stdout, "waiting", 20) == WAITING_FOR_2
            with pytest.raises(TimeoutError):
                await line_with(new.stdout, "holding", 1.5)
            old.send_signal(signal.SIGKILL)  # no clean exit: the OS or server frees its locks
            killed = asyncio.get_running_loop().time()
            assert await line_with(new.stdout, "took over", TAKE_OVER) == (
                "took over shard(s) 0, 1, 2, 3 of 4"
            )
            assert asyncio.get_running_loop().time() - killed < TAKE_OVER


# Starts when told ("go" on stdin), notes in a shared journal when it runs and stops, and
# says "done"; again and again, so every round is a fresh race to start.
RACER = """
import asyncio, os, sys
from bot.store.shard_locks import ShardOwnership

async def main() -> None:
    url, count, journal = sys.argv[1], int(sys.argv[2]), sys.argv[4]
    shards = [int(shard) for shard in sys.argv[3].split(",")]
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    notes = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    print("ready", flush=True)
    while (await commands.readline()).strip() == b"go":
        async with ShardOwnership.acquire(url, count, shards, poll_seconds=0.05):
            os.write(notes, f"run {count} {os.getpid()}\\n".encode())
            await asyncio.sleep(0.03)
            os.write(notes, f"stop {count} {os.getpid()}\\n".encode())
        print("done", flush=True)

asyncio.run(main())
"""
ROUNDS = 25


async def test_counts_starting_at_once_never_both_run(database_url: str, tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    # No two counts share a shard id, so the shard locks alone would let them all run,
    # though their servers overlap (a server whose id >> 22 is 11 is on all four).
    racers = [(2, "0"), (2, "1"), (3, "2"), (4, "3")]
    async with contextlib.AsyncExitStack() as stack:
        started = [
            await stack.enter_async_context(
                python_script(RACER, database_url, str(count), shards, str(journal))
            )
            for count, shards in racers
        ]
        for racer in started:
            await line_with(racer.stdout, "ready", 20)
        for _ in range(ROUNDS):
            for racer in started:  # all at once: each races the others to the gate
                assert racer.stdin is not None
                racer.stdin.write(b"go\n")
            await asyncio.gather(*(racer.stdin.drain() for racer in started if racer.stdin))
            for racer in started:
                await line_with(racer.stdout, "done", 15)
        for racer in started:
            assert racer.stdin is not None
            racer.stdin.close()

    running: dict[str, int] = {}  # pid -> its count, while it runs
    runs = 0
    for line in journal.read_text().splitlines():
        what, count, pid = line.split()
        if what == "run":
            others = {other for other in running.values() if other != int(count)}
            assert not others, f"{count} shards started while {others} ran"
            running[pid] = int(count)
            runs += 1
        else:
            del running[pid]
    assert runs == ROUNDS * len(racers) and not running
