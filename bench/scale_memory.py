"""6. Memory of one process holding 10,000 servers and 10,000 cards.

One real ``python -m bot run`` process (SHARD_COUNT=4, SHARD_IDS=0,1,2,3: Discord closes
a session holding over 2,500 servers) connects to the fake Discord, which sends a
GUILD_CREATE for each of 10,000 servers (two text channels each), with the
content of 10,000 generated cards (bench/cardgen.py) and an SQLite store. Measured from
/proc/<pid>/status of the bot itself: the peak (VmHWM) and the resident size once ready
and settled (VmRSS, median of the samples over the seconds after ready). Median of 3 runs.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.botproc import bot_process, memory_mib, write_config
from bench.cardgen import generate
from bench.common import Section, module_main, peak_rss_mib
from tests.fakediscord import FakeDiscord

GOAL_MIB = 300
SHARDS = 4
SETTLE_SECONDS = 8.0


async def measure(servers: int, content: Path, tmp: Path) -> dict[str, float]:
    async with FakeDiscord(openapi_path=False, guild_name=None) as fake:
        for number in range(servers):
            shard = (number % SHARDS, SHARDS)  # spread evenly, as Discord's hash does at scale
            fake.add_guild(f"Server {number}", channels=("general", "random"), shard=shard)
        config = write_config(tmp, fake, content)
        env = {"SHARD_COUNT": str(SHARDS), "SHARD_IDS": ",".join(map(str, range(SHARDS)))}
        started = time.perf_counter()
        async with bot_process("memory", config, fake.token, env) as bot:
            await bot.wait_for("ready as", 300)
            ready = time.perf_counter() - started
            samples = []
            for _ in range(int(SETTLE_SECONDS / 0.5)):
                await asyncio.sleep(0.5)
                samples.append(memory_mib(bot)[0])
            _, peak = memory_mib(bot)
    return {
        "peak": peak,
        "steady": statistics.median(samples[len(samples) // 2 :]),
        "ready": ready,
    }


def _each(runs: list[dict[str, float]], key: str) -> str:
    return ", ".join(f"{measured[key]:.0f}" for measured in runs)


def run(quick: bool) -> Section:
    started = time.perf_counter()
    servers = 1_000 if quick else 10_000
    cards = 1_000 if quick else 10_000
    repeats = 1 if quick else 3
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="cohort-memory-") as folder:
        content = Path(folder) / "content"
        generated = generate(content, cards)
        for number in range(repeats):
            tmp = Path(folder) / f"run{number}"
            tmp.mkdir()
            runs.append(asyncio.run(measure(servers, content, tmp)))
    peak = statistics.median(r["peak"] for r in runs)
    steady = statistics.median(r["steady"] for r in runs)
    section = Section("memory", f"6. Memory at {servers:,} servers and {cards:,} cards")
    section.add(
        "peak RSS of the bot process (VmHWM)",
        f"**{peak:.0f} MiB** (runs: {_each(runs, 'peak')})",
        f"< {GOAL_MIB} MiB",
        peak < GOAL_MIB,
    )
    section.add(
        "RSS once ready (VmRSS, settled)",
        f"{steady:.0f} MiB (runs: {_each(runs, 'steady')}); ready "
        f"{statistics.median(r['ready'] for r in runs):.0f} s after starting",
    )
    section.notes.append(
        f"Median of {len(runs)} runs of one `python -m bot run` process (SHARD_COUNT={SHARDS}, "
        f"all four shards) against the fake: {servers:,} GUILD_CREATEs with two text channels "
        f"each, {sum(generated.counts.values()):,} generated cards, SQLite store; "
        "read from /proc/<pid>/status."
    )
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "1,000 servers and cards, one run", argv, quiet=True)


if __name__ == "__main__":
    raise SystemExit(main())
