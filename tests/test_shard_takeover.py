"""A deploy: two real bot processes for one shard over one database. The second waits
without connecting, takes over when the first stops, and stops at once (exit 4, one line)
if it ever stops owning its shard."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.e2e import ROOT
from tests.fakediscord import FakeDiscord
from tests.fakeslack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.processes import bot_process, line_with, lines_until
from tests.slack_e2e import fake_slack
from tests.test_slack_startup import free_port

__all__ = ["fake_slack"]

OWNERSHIP_LOST_EXIT = 4


@asynccontextmanager
async def sharded_bot(
    fake: FakeDiscord, tmp_path: Path, slack: str = "", **more_env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run`` for shard 0 of 1 (with Slack too, given its settings)."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"content_dir: {ROOT / 'content'}\n"
        f"database:\n  path: {tmp_path / 'cohort.sqlite3'}\n"
        f"discord:\n  api_base_url: {fake.api_base}\n  gateway_url: {fake.gateway_url}\n" + slack
    )
    env = {"SHARD_COUNT": "1", "SHARD_IDS": "0", **more_env}
    async with bot_process(config, token=fake.token, env=env) as process:
        yield process


async def test_a_second_process_waits_takes_over_and_stops_when_it_loses_the_shard(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with sharded_bot(fake_discord, tmp_path) as first:
        await line_with(first.stderr, "own shard(s) 0 of 1", 20)
        await line_with(first.stderr, "ready as", 30)
        async with sharded_bot(fake_discord, tmp_path) as second:
            await line_with(second.stderr, "waiting for shard(s) 0: another process holds them", 20)
            await asyncio.sleep(1.5)
            first.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(first.wait(), 20) == 0
            stopped = asyncio.get_running_loop().time()
            before = await lines_until(second.stderr, "took over shard(s) 0 of 1", 5)
            assert asyncio.get_running_loop().time() - stopped < 2.5
            assert not any("ready as" in line for line in before)  # never connected meanwhile
            await line_with(second.stderr, "ready as", 30)

            (tmp_path / "cohort.sqlite3.shard-0-of-1.lock").unlink()  # ownership is gone
            assert await asyncio.wait_for(second.wait(), 15) == OWNERSHIP_LOST_EXIT
            assert second.stderr is not None
            rest = (await second.stderr.read()).decode().splitlines()
            lost = [line for line in rest if "lost shard(s) 0" in line]
            assert len(lost) == 1 and "removed or replaced" in lost[0], rest
            assert not any("Traceback" in line for line in rest), rest


async def test_discord_and_slack_in_one_process_hand_over_too(
    fake_discord: FakeDiscord, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    slack = f"slack:\n  api_base_url: {fake_slack.api_base_url}\n  port: {free_port()}\n"
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    async with sharded_bot(fake_discord, tmp_path, slack, **tokens) as first:
        await line_with(first.stderr, "own shard(s) 0 of 1", 20)
        await line_with(first.stderr, "listening at", 30)
        async with sharded_bot(fake_discord, tmp_path, slack, **tokens) as second:
            await line_with(second.stderr, "waiting for shard(s) 0: another process holds them", 20)
            first.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(first.wait(), 30) == 0
            before = await lines_until(second.stderr, "took over shard(s) 0 of 1", 5)
            assert not any("listening at" in line for line in before)
            # the port is free: the first is gone
            await line_with(second.stderr, "listening at", 30)
            await line_with(second.stderr, "ready as", 30)  # its signal handlers are set by now
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0
