"""One owner per shard, against a real PostgreSQL (advisory locks) and real files (flock):
a second owner waits, takes over within two seconds of the first leaving, dying or losing
its connection; overlapping shard sets are never held twice."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.store.shard_locks import SHARD_LOCK_NAMESPACE, ShardOwnership
from tests.processes import line_with, shard_holder

TAKE_OVER = 2.0  # seconds: how soon a waiting process must own what was let go


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'cohort.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")


class Holders:
    """Processes-in-a-test that hold shards; checks no shard ever has two at once."""

    def __init__(self, url: str, count: int) -> None:
        self.url, self.count = url, count
        self.owner: dict[int, str] = {}
        self.entered: dict[str, asyncio.Event] = {}
        self.leave: dict[str, asyncio.Event] = {}
        self.ownerships: dict[str, ShardOwnership] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, shards: list[int]) -> None:
        self.entered[name], self.leave[name] = asyncio.Event(), asyncio.Event()
        self.tasks[name] = asyncio.create_task(self._hold(name, shards))

    async def _hold(self, name: str, shards: list[int]) -> None:
        async with ShardOwnership.acquire(self.url, self.count, shards) as ownership:
            clash = {
                shard: self.owner[shard]
                for shard in shards
                if shard in self.owner and not self.ownerships[self.owner[shard]].lost.is_set()
            }
            assert clash == {}, f"{name} got shards still held: {clash}"
            self.owner.update(dict.fromkeys(shards, name))
            self.ownerships[name] = ownership
            self.entered[name].set()
            await self.leave[name].wait()
            for shard in shards:
                if self.owner.get(shard) == name:
                    del self.owner[shard]

    async def stop(self, name: str) -> float:
        """Let ``name`` go; the loop time it had let go."""
        self.leave[name].set()
        await self.tasks[name]
        return asyncio.get_running_loop().time()

    async def owns_within(self, name: str, seconds: float) -> None:
        await asyncio.wait_for(self.entered[name].wait(), seconds)

    async def close(self) -> None:
        for event in self.leave.values():
            event.set()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)


@pytest.fixture
async def holders(database_url: str) -> AsyncIterator[Holders]:
    found = Holders(database_url, 3)
    try:
        yield found
    finally:
        await found.close()


async def test_a_second_owner_waits_then_takes_over_when_the_first_leaves(
    holders: Holders, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.store.shard_locks")
    holders.start("first", [0, 1])
    await holders.owns_within("first", TAKE_OVER)
    holders.start("second", [0, 1])
    await asyncio.sleep(1.5)
    assert not holders.entered["second"].is_set()
    left = await holders.stop("first")
    await holders.owns_within("second", TAKE_OVER)
    assert asyncio.get_running_loop().time() - left < TAKE_OVER
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("waiting for shard(s) 0, 1: another process holds them") == 1
    assert "took over shard(s) 0, 1 of 3" in messages


async def test_overlapping_shard_sets_are_never_both_held(holders: Holders) -> None:
    holders.start("a", [0, 1])
    await holders.owns_within("a", TAKE_OVER)
    holders.start("b", [1, 2])  # waits for 1, and does not sit on 2 meanwhile
    holders.start("c", [2])
    await holders.owns_within("c", TAKE_OVER + 1)
    await holders.stop("a")
    await asyncio.sleep(1.5)
    assert not holders.entered["b"].is_set()  # 2 is still c's
    await holders.stop("c")
    await holders.owns_within("b", TAKE_OVER)
    assert holders.owner == {1: "b", 2: "b"}


async def test_unsharded_takes_no_locks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cohort.sqlite3'}"
    async with (
        ShardOwnership.acquire(url, None, []) as one,
        ShardOwnership.acquire(url, None, []) as two,
    ):
        assert not one.sharded and not two.sharded and not one.lost.is_set()
    assert not any(path.name.endswith(".lock") for path in tmp_path.iterdir())  # noqa: ASYNC240


async def lock_holders(admin: asyncpg.Connection[asyncpg.Record]) -> dict[int, int]:
    """shard -> the PostgreSQL backend pid holding its lock."""
    rows = await admin.fetch(
        "SELECT objid, pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND granted",
        SHARD_LOCK_NAMESPACE,
    )
    return {int(row["objid"]): int(row["pid"]) for row in rows}


async def test_a_killed_lock_connection_loses_ownership_and_the_next_takes_over(
    postgres_url: str,
) -> None:
    holders = Holders(postgres_url, 2)
    admin = await asyncpg.connect(postgres_url)
    try:
        holders.start("first", [0, 1])
        await holders.owns_within("first", TAKE_OVER)
        first = holders.ownerships["first"]
        held = await lock_holders(admin)
        assert sorted(held) == [0, 1] and len(set(held.values())) == 1  # one session
        holders.start("second", [0, 1])
        await asyncio.sleep(1.2)
        assert not holders.entered["second"].is_set()

        killed = asyncio.get_running_loop().time()
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", held[0])
        await asyncio.wait_for(first.lost.wait(), TAKE_OVER)  # told at once, not at a check
        assert "lost shard(s) 0, 1" in first.reason
        await holders.owns_within("second", TAKE_OVER)
        assert asyncio.get_running_loop().time() - killed < TAKE_OVER
        assert set((await lock_holders(admin)).values()) != {held[0]}
    finally:
        await holders.close()
        await admin.close()


async def test_a_removed_lock_file_is_lost_ownership(tmp_path: Path) -> None:
    database = tmp_path / "cohort.sqlite3"
    async with ShardOwnership.acquire(
        f"sqlite:///{database}", 4, [3], check_seconds=0.1
    ) as ownership:
        lock = tmp_path / "cohort.sqlite3.shard-3-of-4.lock"
        assert lock.read_text().strip().isdigit()  # the holder's pid, for people
        lock.unlink()  # another process could now lock a new file of that name
        await asyncio.wait_for(ownership.lost.wait(), TAKE_OVER)
        assert "removed or replaced" in ownership.reason


async def test_a_killed_process_frees_its_shards_for_the_next(database_url: str) -> None:
    async with shard_holder(database_url, 4, [0, 2]) as first:
        await line_with(first.stdout, "holding", 20)
        async with shard_holder(database_url, 4, [2, 3]) as second:
            waiting = await line_with(second.stdout, "waiting for shard(s)", 20)
            assert waiting == "waiting for shard(s) 2: another process holds them"
            with pytest.raises(TimeoutError):
                await line_with(second.stdout, "holding", 1.5)
            first.send_signal(signal.SIGKILL)  # no clean exit: the OS or server frees them
            killed = asyncio.get_running_loop().time()
            took_over = await line_with(second.stdout, "took over", TAKE_OVER)
            assert took_over == "took over shard(s) 2, 3 of 4"
            assert asyncio.get_running_loop().time() - killed < TAKE_OVER
            await line_with(second.stdout, "holding", 1)
