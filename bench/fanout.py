"""4. Daily fan-out: 1,000 servers due in the same minute, against the fake with no rate limit.

Each server has one ``general`` channel and a cohort in the bot's SQLite at the same
post time. The bot's clock is set just past that time and ``PromptService.run_due`` is
called with the real ``DiscordPoster`` (what the Prompts cog's loop does; the loop itself
is stopped so it cannot race the measured call). Measured: from the call until every
server has the prompt message with its thread in the fake (and until ``run_due``
returns, which also waits for each post to be confirmed in SQLite), and the REST
requests per second the fake served meanwhile. The fake sends no rate-limit headers and
has no global limit here, so discord.py never waits for a bucket, and the bot's own
pacing to Discord's global limit is set out of the way (``requests_per_second``);
``bench.scale_out`` measures the fan-out under that limit.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from discord.ext import tasks

from bench.common import Section, module_main, peak_rss_mib
from bot.discord_face.client import CohortBot
from bot.services.prompts import Poster
from tests.e2e import cohort_bot
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakes import FakeClock

POST_TIME = "09:00"
REPEATS = 3


async def measure(servers: int) -> dict[str, float]:
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    async with FakeDiscord(openapi_path=False) as fake:
        guilds: list[FakeGuild] = [
            fake.add_guild(f"Cohort {number}", channels=("general",)) for number in range(servers)
        ]
        with tempfile.TemporaryDirectory(prefix="cohort-fanout-") as tmp:
            # the fake has no global limit here, so the bot's pacing is set out of the way
            unpaced = {
                "api_base_url": fake.api_base,
                "gateway_url": fake.gateway_url,
                "requests_per_second": 1e6,
            }
            async with cohort_bot(fake, Path(tmp), clock=clock, discord=unpaced) as bot:
                return await _fan_out(fake, bot, guilds, clock)


async def _fan_out(
    fake: FakeDiscord, bot: CohortBot, guilds: list[FakeGuild], clock: FakeClock
) -> dict[str, float]:
    # discord.py loads extensions as fresh module objects, so the cog is found by name and
    # its own loop and poster (a DiscordPoster) are used rather than imported classes.
    cog = bot.get_cog("Prompts")
    if cog is None:
        raise RuntimeError(f"no Prompts cog loaded (cogs: {sorted(bot.cogs)})")
    loop_task: tasks.Loop[Any] = getattr(cog, "post_due")  # noqa: B009
    loop_task.cancel()
    poster: Poster = getattr(cog, "poster")  # noqa: B009
    if type(poster).__name__ != "DiscordPoster":
        raise RuntimeError(f"the Prompts cog posts with {poster!r}, not a DiscordPoster")
    store = bot.services.store
    channels = {guild.id: guild.channel("general") for guild in guilds}
    for guild in guilds:
        await store.create_cohort(
            int(guild.id),
            name="Cohort",
            channel_id=int(channels[guild.id].id),
            post_time=POST_TIME,
            timezone="UTC",
            now=clock(),
        )
    clock.now = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
    loop = asyncio.get_running_loop()
    requests_before = len(fake.requests)
    started_loop = loop.time()
    started = time.perf_counter()
    posts = await bot.services.prompts.run_due(poster)
    run_due_seconds = time.perf_counter() - started

    threaded = 0
    for guild in guilds:
        messages = [m for m in fake.messages[channels[guild.id].id] if m.author is fake.bot_user]
        threaded += any(message.thread is not None for message in messages)
    fan_requests = fake.requests[requests_before:]
    thread_times = [
        r.at for r in fan_requests if r.route and r.route.endswith("/threads") and r.status == 201
    ]
    last_thread = max(thread_times, default=loop.time()) - started_loop
    first_request = min((r.at for r in fan_requests), default=started_loop) - started_loop
    errors = [r for r in fan_requests if (r.status or 0) >= 400]
    return {
        "servers": len(guilds),
        "posts": len(posts),
        "threaded": threaded,
        "run_due_seconds": run_due_seconds,
        "all_threads_seconds": last_thread,
        "first_request_seconds": first_request,
        "requests": len(fan_requests),
        "errors": len(errors),
    }


def run(quick: bool) -> Section:
    started = time.perf_counter()
    servers = 100 if quick else 1_000
    runs = [asyncio.run(measure(servers)) for _ in range(1 if quick else REPEATS)]
    runs.sort(key=lambda measured: measured["all_threads_seconds"])
    result = runs[len(runs) // 2]  # the median run; each starts from a fresh fake and bot
    spans = ", ".join(f"{measured['all_threads_seconds']:.2f}" for measured in runs)
    section = Section("fanout", f"4. Daily fan-out ({servers:,} servers due in the same minute)")
    section.notes.append(f"median of {len(runs)} runs, each from a fresh fake and bot: {spans} s")
    if result["threaded"] != servers or result["errors"]:
        section.notes.append(
            f"only {result['threaded']:.0f} of {servers} servers got a message with a thread; "
            f"{result['errors']:.0f} error responses"
        )
    span = result["all_threads_seconds"]
    section.add(
        "time until every server has its prompt and thread",
        f"**{span:.2f} s** ({result['threaded']:.0f}/{servers} threaded, "
        f"first request after {result['first_request_seconds'] * 1000:.0f} ms)",
    )
    section.add(
        "`run_due` returned (posts confirmed in SQLite)",
        f"{result['run_due_seconds']:.2f} s, {result['posts']:.0f} posts",
    )
    section.add(
        "REST requests per second reached",
        f"**{result['requests'] / span:,.0f}/s** ({result['requests']:.0f} requests: message "
        "+ thread per server)",
    )
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    return module_main(run, __doc__ or "", "100 servers", argv, quiet=True)


if __name__ == "__main__":
    raise SystemExit(main())
