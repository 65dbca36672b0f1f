"""Each process keeps under its share of Discord's global limit, and the daily loop ticks
on the clock's boundaries, so two processes fan out a day's prompts at the limit's pace
with almost no 429s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest
import yarl

from bot.discord_face.pacing import HEADROOM, Pace, counts_globally, share_of
from bot.discord_face.prompts import TICK_SLACK, until_next_tick
from bot.sharding import ShardPlan
from tests.e2e import cohort_bot
from tests.fakediscord import FakeDiscord


def test_each_process_paces_at_its_part_of_the_shards() -> None:
    assert share_of(50, None) == pytest.approx(50 * HEADROOM)
    assert share_of(200, ShardPlan(4, (0, 1))) == pytest.approx(100 * HEADROOM)
    assert share_of(200, ShardPlan(4, (3,))) == pytest.approx(50 * HEADROOM)


def test_only_rest_calls_outside_interactions_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    base = "http://127.0.0.1:9/api/v10"
    assert counts_globally(yarl.URL(base + "/channels/1/messages"))
    assert not counts_globally(yarl.URL(base + "/interactions/1/token/callback"))
    assert not counts_globally(yarl.URL(base + "/webhooks/1/token?wait=1"))
    assert not counts_globally(yarl.URL("ws://127.0.0.1:9/gateway"))


async def test_a_pace_spaces_requests_evenly_and_lets_an_idle_one_go_at_once() -> None:
    pace = Pace(100)
    loop = asyncio.get_running_loop()
    started = loop.time()
    times = []
    for _ in range(11):
        await pace.wait()
        times.append(loop.time() - started)
    assert times[0] < 0.005
    assert times[-1] == pytest.approx(0.1, abs=0.02)
    await asyncio.sleep(0.05)
    before = loop.time()
    await pace.wait()
    assert loop.time() - before < 0.005


def test_the_loop_ticks_just_past_the_clocks_boundaries() -> None:
    assert until_next_tick(1_000_000.0, 20.0) == pytest.approx(20.0 + TICK_SLACK)
    assert until_next_tick(1_000_013.5, 20.0) == pytest.approx(6.5 + TICK_SLACK)
    assert until_next_tick(5.0, 0.0) == 0.0


async def test_the_bot_stays_under_the_fakes_global_limit(tmp_path: Path) -> None:
    rate = 20
    async with FakeDiscord(openapi_path=False, global_rate=rate) as fake:
        discord_settings = {
            "api_base_url": fake.api_base,
            "gateway_url": fake.gateway_url,
            "requests_per_second": rate,
        }
        async with cohort_bot(fake, tmp_path, discord=discord_settings) as bot:
            channel = bot.get_channel(int(fake.channel("general").id))
            assert isinstance(channel, discord.TextChannel)
            await asyncio.gather(*(channel.send(f"message {n}") for n in range(30)))
        assert not [r for r in fake.requests if r.status == 429]
        assert len(fake.messages[fake.channel("general")]) == 30
