"""3. Reflection writes: 50 concurrent writers, confirmed after COMMIT, on SQLite and PostgreSQL.

cohort-bot's path is measured as ``Store.add_reflection`` (SQLite: one connection on
its own thread, concurrent calls committed together, WAL with ``synchronous=FULL``;
PostgreSQL: an asyncpg pool) and, on SQLite, as ``ReflectionService.save`` above it
(what a member's reflection runs: text checks, cohort and name, then the store). A
write counts as confirmed when the awaited call returns, which the store does only
after the COMMIT holding it.

Each engine's floor is measured in the same run: plain ``sqlite3`` in one thread
inserting the same rows, one transaction each, with the store's settings; and one
asyncpg connection inserting them one autocommit statement at a time. Every variant
runs ``RUNS`` times, interleaved in rotating order, each time into a fresh database;
figures are medians over the runs, and a ratio compares runs of the same round.
"""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import Section, Summary, module_main, ms, peak_rss_mib, ratio
from bot.config import Settings
from bot.services.content import ContentState
from bot.services.permissions import Actor
from bot.services.reflections import ReflectionService, Topic
from bot.store import Store
from tests.e2e import CONTENT
from tests.postgres import (
    PostgresCluster,
    PostgresNotFound,
    PostgresStartError,
    throwaway_cluster,
)

WRITERS = 50
RUNS = 3
_WORDS = [
    "evidence",
    "remorse",
    "treatment",
    "risk",
    "accountability",
    "apology",
    "empathy",
    "pledge",
    "programme",
    "relapse",
    "survivor",
    "investigator",
    "clinician",
    "trust",
    "change",
    "harm",
    "consent",
    "pressure",
    "denial",
    "report",
    "workplace",
    "campus",
    "pattern",
    "boundary",
    "referral",
]


@dataclass(frozen=True)
class Row:
    guild_id: int
    author_id: int
    about_id: str
    text: str


def rows(count: int, seed: int = 3) -> list[Row]:
    """Reflections as members write them: 5 servers, 500 members, 40-140 words each."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 140)))
        out.append(
            Row(
                guild_id=1000 + rng.randrange(5),
                author_id=5000 + rng.randrange(500),
                about_id=f"prompt-{rng.randrange(60)}",
                text=words.capitalize() + ".",
            )
        )
    return out


@dataclass
class Outcome:
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _clock() -> datetime:
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _concurrent(count: int, write: Callable[[int], Awaitable[None]]) -> Outcome:
    numbers = iter(range(count))
    latencies: list[float] = []
    clock = time.perf_counter

    async def writer() -> None:
        for number in numbers:
            started = clock()
            await write(number)
            latencies.append(clock() - started)

    gc.collect()
    started = clock()
    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return Outcome(clock() - started, latencies)


async def through_store(target: Path | str, data: list[Row]) -> Outcome:
    async with Store.open(target) as store:
        start = _clock()

        async def write(number: int) -> None:
            row = data[number]
            await store.add_reflection(
                row.guild_id,
                row.author_id,
                about_kind="prompt",
                about_id=row.about_id,
                text=row.text,
                now=start + timedelta(microseconds=number),
            )

        return await _concurrent(len(data), write)


async def through_service(path: Path, data: list[Row], content: ContentState) -> Outcome:
    async with Store.open(path) as store:
        service = ReflectionService(store, content, Settings(content_dir=CONTENT), _clock)

        async def write(number: int) -> None:
            row = data[number]
            actor = Actor(
                user_id=row.author_id,
                guild_id=row.guild_id,
                display_name=f"member {row.author_id}",
                channel_id=None,
                manages_server=False,
                role_names=(),
            )
            await service.save(actor, Topic("prompt", row.about_id, row.about_id), row.text)

        return await _concurrent(len(data), write)


def plain_sqlite(path: Path, data: list[Row], *, wal: bool) -> Outcome:
    """One thread, one transaction per row, the same schema (made by Store.open)."""
    asyncio.run(_make_at(path))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
        else:
            connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA synchronous = FULL")
        start = _clock()
        latencies = []
        clock = time.perf_counter
        gc.collect()
        began = clock()
        for number, row in enumerate(data):
            started = clock()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text, "
                "visibility, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    row.guild_id,
                    row.author_id,
                    "prompt",
                    row.about_id,
                    row.text,
                    "private",
                    (start + timedelta(microseconds=number)).isoformat(timespec="microseconds"),
                ),
            )
            connection.execute("COMMIT")
            latencies.append(clock() - started)
        return Outcome(clock() - began, latencies)
    finally:
        connection.close()


def _count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM reflections").fetchone()[0])
    finally:
        connection.close()


def filesystem_of(path: Path) -> str:
    """The file system type holding ``path`` (from /proc/mounts), e.g. ext4 or tmpfs."""
    best, kind = "", "unknown file system"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], f"{parts[2]} mounted at {parts[1]}"
    return kind


def _insert_args(row: Row, number: int, start: datetime) -> tuple[object, ...]:
    created = (start + timedelta(microseconds=number)).isoformat(timespec="microseconds")
    return (row.guild_id, row.author_id, "prompt", row.about_id, row.text, "private", created)


async def plain_asyncpg(url: str, data: list[Row]) -> Outcome:
    """PostgreSQL's floor: one connection, one autocommit INSERT per row, in a loop."""
    await _make_at(url)
    connection = await asyncpg.connect(url)
    try:
        start = _clock()
        insert = await connection.prepare(
            "INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text, "
            "visibility, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        latencies = []
        clock = time.perf_counter
        gc.collect()
        began = clock()
        for number, row in enumerate(data):
            started = clock()
            await insert.fetch(*_insert_args(row, number, start))
            latencies.append(clock() - started)
        return Outcome(clock() - began, latencies)
    finally:
        await connection.close()


async def _make_at(target: Path | str) -> None:
    async with Store.open(target):
        pass


async def _count_at(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM reflections"))
    finally:
        await connection.close()


Variant = Callable[[list[Row]], Outcome]


def _sqlite_variants(folder: Path, content: ContentState) -> dict[str, Variant]:
    """Each SQLite variant: a fresh file per run, its rows counted afterwards."""
    runs = iter(range(1_000_000))

    def fresh(key: str, work: Callable[[Path, list[Row]], Outcome]) -> Variant:
        def variant(part: list[Row]) -> Outcome:
            path = folder / f"{key}-{next(runs)}.sqlite3"
            outcome = work(path, part)
            _check(key, _count(path), len(part))
            return outcome

        return variant

    return {
        "sqlite_plain": fresh("plain", lambda p, part: plain_sqlite(p, part, wal=True)),
        "sqlite_store": fresh("store", lambda p, part: asyncio.run(through_store(p, part))),
        "sqlite_service": fresh(
            "service", lambda p, part: asyncio.run(through_service(p, part, content))
        ),
    }


def _postgres_variants(cluster: PostgresCluster) -> dict[str, Variant]:
    """Each PostgreSQL variant: a fresh database per run, dropped after its count."""

    def fresh(key: str, work: Callable[[str, list[Row]], Coroutine[Any, Any, Outcome]]) -> Variant:
        def variant(part: list[Row]) -> Outcome:
            url = cluster.create_database()
            try:
                outcome = asyncio.run(work(url, part))
                _check(key, asyncio.run(_count_at(url)), len(part))
            finally:
                cluster.drop_database(url)
            return outcome

        return variant

    return {
        "postgres_plain": fresh("postgres_plain", plain_asyncpg),
        "postgres_store": fresh("postgres_store", through_store),
    }


def _check(key: str, stored: int, expected: int) -> None:
    if stored != expected:
        raise RuntimeError(f"{key}: {stored} rows stored, expected {expected}")


LABELS = {
    "sqlite_plain": "SQLite floor: plain `sqlite3`, 1 thread, WAL + synchronous=FULL",
    "sqlite_store": f"SQLite: `Store.add_reflection`, {WRITERS} writers",
    "sqlite_service": f"SQLite: `ReflectionService.save`, {WRITERS} writers",
    "postgres_plain": "PostgreSQL floor: plain asyncpg, 1 connection, autocommit INSERTs",
    "postgres_store": f"PostgreSQL: `Store.add_reflection`, {WRITERS} writers",
}
FLOORS = {
    "sqlite_store": "sqlite_plain",
    "sqlite_service": "sqlite_plain",
    "postgres_store": "postgres_plain",
}
GOAL = 0.8
"""Confirmed store writes on SQLite against the plain single-thread floor (issue 17)."""


def _rounds(variants: dict[str, Variant], data: list[Row]) -> dict[str, list[Outcome]]:
    """RUNS rounds of every variant, each round in another order (rotated, and reversed
    every other round), so disk and cache drift hit all alike."""
    results: dict[str, list[Outcome]] = {key: [] for key in variants}
    keys = list(variants)
    for number in range(RUNS):
        shift = number % len(keys)
        order = keys[shift:] + keys[:shift]
        for key in order if number % 2 == 0 else reversed(order):
            results[key].append(variants[key](data))
    return results


def _report(section: Section, results: dict[str, list[Outcome]]) -> None:
    for key, outcomes in results.items():
        rate = statistics.median(o.rate for o in outcomes)
        stats = Summary.of([value for o in outcomes for value in o.latencies])
        value = (
            f"**{rate:,.0f} confirmed writes/s** (median of {len(outcomes)} runs: "
            + ", ".join(f"{o.rate:,.0f}" for o in outcomes)
            + f"); per write median {ms(stats.median)}, p99 {ms(stats.p99)}"
        )
        floor = FLOORS.get(key)
        if floor is None or floor not in results:
            section.add(LABELS[key], value)
            continue
        # each run against the floor's run in the same round
        times = statistics.median(
            o.rate / f.rate for o, f in zip(outcomes, results[floor], strict=True)
        )
        value += f"; **{ratio(times)} the floor**"
        if key == "sqlite_store":
            section.add(LABELS[key], value, f"≥ {GOAL}× the floor", times >= GOAL)
        else:
            section.add(LABELS[key], value)


def run(quick: bool) -> Section:
    started = time.perf_counter()
    count = 300 if quick else 3_000
    data = rows(count)
    content = ContentState(CONTENT)
    content.reload()
    section = Section(
        "writes", f"3. Reflection writes ({count:,} per run, {WRITERS} concurrent writers)"
    )
    with tempfile.TemporaryDirectory(prefix="cohort-writes-") as tmp:
        folder = Path(tmp)
        filesystem = filesystem_of(folder)
        _report(section, _rounds(_sqlite_variants(folder, content), data))
    postgres = ""
    try:
        with throwaway_cluster() as cluster:
            _report(section, _rounds(_postgres_variants(cluster), data))
            postgres = f"PostgreSQL {cluster.binaries.bindir.parent.name}, a throwaway cluster"
    except (PostgresNotFound, PostgresStartError) as exc:
        reason = str(exc).splitlines()[0]
        line = f"PostgreSQL rows skipped: {reason}"
        print(line, flush=True)
        section.notes.append(line)
    section.notes.append(
        "Per-write latency is from the call to its return (after COMMIT), so with "
        f"{WRITERS} writers it includes waiting for the transaction that holds the write. "
        f"SQLite files in {tempfile.gettempdir()} ({filesystem})"
        + (f"; {postgres} (fsync and synchronous_commit on) on the same disk." if postgres else ".")
        + f" Each variant writes {count:,} reflections per run, {RUNS} runs interleaved "
        "in rotating order."
    )
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "1,000 reflections", argv)


if __name__ == "__main__":
    raise SystemExit(main())
