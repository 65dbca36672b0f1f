"""5. Scale-out fan-out: 10,000 cohorts due in one minute, two bot processes, one global limit.

Two real ``python -m bot run`` processes share one throwaway PostgreSQL database and the
fake Discord, which enforces one global rate limit for their common token (as Discord
does: ``RATE`` requests a second, sliding window, 429 ``global`` past it). There are 4
shards (Discord closes a session holding over 2,500 servers, and each process holds 5,000):
process A runs shards 0-1, process B shards 2-3. Every server (10,000, one ``general``
channel and one cohort each; ids spread evenly over the shards, as Discord's hash does at
scale) has its prompt due at the same minute.

Measured from that minute (wall clock) to the last thread opened: each post is the
message and its thread (2 requests, the least a bot showing a prompt with its discussion
thread can send), so the floor is 2 × cohorts / RATE. Reported: wall time, floor, ratio,
the 429s seen and any other request during the fan-out (overhead). Each run starts from a
fresh database, fake and processes; median of 3.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.botproc import BotProcess, bot_process, memory_mib, write_config
from bench.common import ROOT, Section, module_main, peak_rss_mib, ratio
from bot.store.store import Store
from tests.fakediscord import FakeDiscord
from tests.postgres import PostgresCluster, throwaway_cluster

SHARDS = 4
PROCESSES = {"A": "0,1", "B": "2,3"}
GOAL = 1.1
MESSAGES = "/channels/{channel_id}/messages"
THREADS = "/channels/{channel_id}/messages/{message_id}/threads"


@contextmanager
def cluster() -> Iterator[PostgresCluster]:
    with throwaway_cluster() as running:
        yield running


async def _create_cohorts(url: str, fake: FakeDiscord, guild_ids: list[str], due: str) -> None:
    """One cohort per server, posting daily at ``due`` (HH:MM, UTC)."""
    now = datetime.now(UTC)
    gate = asyncio.Semaphore(16)
    async with Store.open(url) as store:

        async def one(guild_id: str) -> None:
            channel = fake.world.guilds[guild_id].channel("general")
            async with gate:
                await store.create_cohort(
                    int(guild_id),
                    name="Cohort",
                    channel_id=int(channel.id),
                    post_time=due,
                    timezone="UTC",
                    now=now,
                )

        await asyncio.gather(*(one(guild_id) for guild_id in guild_ids))


def _due_minute(lead: float) -> datetime:
    """The first whole minute at least ``lead`` seconds from now."""
    soon = datetime.now(UTC) + timedelta(seconds=lead)
    return soon.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def measure(pg: PostgresCluster, cohorts: int, rate: int, lead: float) -> dict[str, Any]:
    """One run: fresh database, fake and two processes; the fan-out at one due minute."""
    url = await asyncio.to_thread(pg.create_database)
    try:
        async with FakeDiscord(openapi_path=False, guild_name=None, global_rate=rate) as fake:
            guild_ids = [
                fake.add_guild(f"Cohort {n}", channels=("general",), shard=(n % SHARDS, SHARDS)).id
                for n in range(cohorts)
            ]
            async with Store.open(url):
                pass  # the schema, before two processes race to create it
            due = _due_minute(lead)
            with tempfile.TemporaryDirectory(prefix="cohort-scale-") as tmp:
                return await _run(fake, url, guild_ids, due, rate, Path(tmp))
    finally:
        await asyncio.to_thread(pg.drop_database, url)


async def _run(
    fake: FakeDiscord, url: str, guild_ids: list[str], due: datetime, rate: int, tmp: Path
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    started = time.time()
    async with AsyncExitStack() as stack:
        bots: list[BotProcess] = []
        for name, shard_ids in PROCESSES.items():
            folder = tmp / name
            folder.mkdir()
            config = write_config(folder, fake, ROOT / "content", requests_per_second=rate)
            env = {"DATABASE_URL": url, "SHARD_COUNT": str(SHARDS), "SHARD_IDS": shard_ids}
            bots.append(await stack.enter_async_context(bot_process(name, config, fake.token, env)))
        await _create_cohorts(url, fake, guild_ids, due.strftime("%H:%M"))
        for bot in bots:
            await bot.wait_for("ready as", max(30.0, due.timestamp() - time.time()))
        ready = time.time() - started
        margin = due.timestamp() - time.time()
        if margin < 1:
            raise RuntimeError(f"the processes were ready {-margin:.0f} s after the due minute")
        # the fake records its loop's clock: the due minute on that clock
        due_at = loop.time() + (due.timestamp() - time.time())
        floor = 2 * len(guild_ids) / rate
        try:
            await fake.wait_until(
                lambda: _threads(fake) >= len(guild_ids),
                timeout=margin + 3 * floor + 60,
                what="every thread",
            )
        except Exception:
            _explain(fake, bots, due_at)
            raise
        fan = [r for r in fake.requests if r.at >= due_at - 1]
        last = max(r.at for r in fan if r.route == THREADS and r.status == 201)
        first = min((r.at for r in fan if r.route == MESSAGES), default=due_at)
        needed = {MESSAGES, THREADS}
        refused = sum(r.status == 429 for r in fan)
        extra = [r for r in fan if r.status != 429 and r.route not in needed]
        await asyncio.sleep(0.5)  # the processes' own accounts of the fan-out
        return {
            "cohorts": len(guild_ids),
            "posts": sum(r.route == MESSAGES and r.status == 200 for r in fan),
            "seconds": last - due_at,
            "first_request": first - due_at,
            "floor": floor,
            "ratio": (last - due_at) / floor,
            "refused": refused,
            "extra": len(extra),
            "extra_routes": sorted({f"{r.method} {r.route}" for r in extra}),
            "ready_seconds": ready,
            "failed_posts": sum(bot.count("posting the prompt failed") for bot in bots),
            "memory": [memory_mib(bot)[1] for bot in bots],
        }
    raise AssertionError("unreachable")


def _explain(fake: FakeDiscord, bots: list[BotProcess], due_at: float) -> None:
    """What a run that never finished did: requests per second after the due minute."""
    per_second: dict[int, int] = {}
    for r in fake.requests:
        if r.at >= due_at:
            per_second[int(r.at - due_at)] = per_second.get(int(r.at - due_at), 0) + 1
    print(f"threads {_threads(fake)}; requests per second from the due minute: {per_second}")
    for bot in bots:
        print(f"--- {bot.name}: last log lines", *bot.lines[-20:], sep="\n")


def _threads(fake: FakeDiscord) -> int:
    return sum(1 for r in fake.requests if r.route == THREADS and r.status == 201)


def run(quick: bool) -> Section:
    started = time.perf_counter()
    cohorts = 1_000 if quick else 10_000
    rate = 100 if quick else 200
    repeats = 1 if quick else 3
    lead = 20.0 if quick else 45.0
    with cluster() as pg:
        runs = [asyncio.run(measure(pg, cohorts, rate, lead)) for _ in range(repeats)]
    ratios = [r["ratio"] for r in runs]
    middle = sorted(runs, key=lambda r: r["ratio"])[len(runs) // 2]
    section = Section(
        "scaleout",
        f"5. Scale-out fan-out ({cohorts:,} cohorts, 2 processes, one global limit)",
    )
    section.add(
        f"from the due minute to the last post, at a global limit of {rate}/s",
        f"**{middle['seconds']:.1f} s** (floor {middle['floor']:.1f} s = 2 requests × "
        f"{cohorts:,} / {rate}/s; first post after {middle['first_request']:.2f} s)",
    )
    section.add(
        "÷ the floor the global limit allows",
        f"**{ratio(statistics.median(ratios))}** (runs: {', '.join(ratio(x) for x in ratios)})",
        f"≤ {GOAL}×",
        statistics.median(ratios) <= GOAL,
    )
    section.add(
        "429s, requests beyond message + thread",
        f"{middle['refused']} global 429s; {middle['extra']} other requests"
        + (f" ({', '.join(middle['extra_routes'])})" if middle["extra_routes"] else ""),
    )
    section.notes.append(
        f"Median of {len(runs)} runs, each from a fresh PostgreSQL database, fake and two "
        f"`python -m bot run` processes (SHARD_COUNT={SHARDS}, SHARD_IDS 0,1 and 2,3); "
        f"{cohorts:,} servers with one cohort each, ids spread evenly over the shards. "
        f"Processes ready {statistics.median(r['ready_seconds'] for r in runs):.0f} s after "
        f"starting; peak RSS per process {', '.join(f'{m:.0f}' for m in middle['memory'])} MiB."
    )
    failed = sum(r["failed_posts"] for r in runs)
    if failed or any(r["posts"] != cohorts for r in runs):
        section.notes.append(f"{failed} posts failed; posts per run {[r['posts'] for r in runs]}")
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "1,000 cohorts at 100/s, one run", argv, quiet=True)


if __name__ == "__main__":
    raise SystemExit(main())
