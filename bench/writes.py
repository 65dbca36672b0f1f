"""3. Reflection writes: 50 concurrent writers, 10,000 reflections, each confirmed after COMMIT.

cohort-bot's path is measured twice: ``Store.add_reflection`` (one aiosqlite
connection, a lock, ``BEGIN IMMEDIATE … COMMIT`` per call, WAL with
``synchronous=FULL``) and ``ReflectionService.save`` above it (what a member's
reflection runs: text checks, then the store). A write counts as confirmed when the
awaited call returns, which the store does only after COMMIT.

The reference is plain ``sqlite3`` in one thread inserting the same rows, one
transaction each, into the same schema: once with the store's durability settings
(WAL, ``synchronous=FULL``) and once with SQLite's defaults (rollback journal,
``synchronous=FULL``). Each run gets a fresh database file in the same folder.
"""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Section, Summary, module_main, ms, peak_rss_mib, ratio
from bot.config import Settings
from bot.services.content import ContentState
from bot.services.permissions import Actor
from bot.services.reflections import ReflectionService, Topic
from bot.store import Store
from tests.e2e import CONTENT

WRITERS = 50
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


async def through_store(path: Path, data: list[Row]) -> Outcome:
    async with Store.open(path) as store:
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
    asyncio.run(_make(path))
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


async def _make(path: Path) -> None:
    async with Store.open(path):
        pass


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


def run(quick: bool) -> Section:
    started = time.perf_counter()
    count = 1_000 if quick else 10_000
    data = rows(count)
    content = ContentState(CONTENT)
    content.reload()
    section = Section("writes", f"3. Reflection writes ({count:,}, {WRITERS} concurrent writers)")
    results: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="cohort-writes-") as tmp:
        folder = Path(tmp)
        filesystem = filesystem_of(folder)
        half = count // 2
        halves = (data[:half], data[half:])

        def runs(part: list[Row]) -> dict[str, Callable[[Path], Outcome]]:
            return {
                "sqlite_wal": lambda p: plain_sqlite(p, part, wal=True),
                "store": lambda p: asyncio.run(through_store(p, part)),
                "service": lambda p: asyncio.run(through_service(p, part, content)),
                "sqlite_default": lambda p: plain_sqlite(p, part, wal=False),
            }

        # two halves in opposite orders (ABCD, DCBA): disk and cache drift hit all alike
        for number, part in enumerate(halves):
            order = list(runs(part).items())
            for key, work in order if number == 0 else reversed(order):
                path = folder / f"{key}-{number}.sqlite3"
                outcome = work(path)
                stored = _count(path)
                if stored != len(part):
                    raise RuntimeError(f"{key}: {stored} rows stored, expected {len(part)}")
                previous = results.get(key)
                results[key] = (
                    outcome
                    if previous is None
                    else Outcome(
                        previous.seconds + outcome.seconds, previous.latencies + outcome.latencies
                    )
                )
    reference = results["sqlite_wal"]
    labels = {
        "store": f"cohort-bot `Store.add_reflection`, {WRITERS} writers",
        "service": f"cohort-bot `ReflectionService.save`, {WRITERS} writers",
        "sqlite_wal": "plain `sqlite3`, 1 thread, WAL + synchronous=FULL (the store's settings)",
        "sqlite_default": "plain `sqlite3`, 1 thread, defaults (rollback journal)",
    }
    for key in ("store", "service", "sqlite_wal", "sqlite_default"):
        outcome = results[key]
        stats = Summary.of(outcome.latencies)
        value = (
            f"**{outcome.rate:,.0f} confirmed writes/s** ({outcome.seconds:.2f} s); "
            f"per write median {ms(stats.median)}, p99 {ms(stats.p99)}"
        )
        if key in ("store", "service"):
            value += f"; {ratio(outcome.rate / reference.rate)} the plain WAL rate"
        section.add(labels[key], value)
    section.notes.append(
        "Per-write latency for the bot is from the call to its return (after COMMIT), so with "
        f"{WRITERS} writers queued on one connection it includes the wait for the lock. "
        f"Database files in {tempfile.gettempdir()} ({filesystem}). Each variant writes all "
        "the reflections, in two halves run in opposite orders (ABCD, DCBA)."
    )
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "1,000 reflections", argv)


if __name__ == "__main__":
    raise SystemExit(main())
