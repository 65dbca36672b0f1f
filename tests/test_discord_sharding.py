"""cohort-bot sharded: each process's websockets carry only its shards' servers.

The real bot against the fake Discord, which routes a server's events by Discord's rule
``(guild_id >> 22) % shard_count``. Unsharded settings keep the plain one-websocket bot.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import discord
import pytest

from bot.discord_face.client import CohortBot, ShardedCohortBot, build_bot
from bot.services.container import Services
from bot.sharding import ShardPlan, shard_of
from tests.e2e import embed_of, settings_for
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.fixtures import running_bot
from tests.fakes import FakeClock


@pytest.fixture(autouse=True)
def no_shard_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SHARD_COUNT / SHARD_IDS in the developer's shell must not change these tests."""
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)


@contextlib.asynccontextmanager
async def sharded_cohort_bot(
    fake: FakeDiscord, tmp_path: Path, *, expect_sync: bool = True, **discord_settings: Any
) -> AsyncIterator[CohortBot]:
    """cohort-bot built from settings (``discord.shard_count`` / ``shard_ids``) as ``run``
    builds it, over the database in ``tmp_path``."""
    routing = {"api_base_url": fake.api_base, "gateway_url": fake.gateway_url}
    settings = settings_for(fake, tmp_path, discord={**routing, **discord_settings})
    services = await Services.open(settings, FakeClock())
    bot = build_bot(services, settings.shards)
    try:
        async with running_bot(bot, fake, expect_sync=expect_sync):
            yield bot
    finally:
        await services.close()


def guilds_on_both_shards(fake: FakeDiscord) -> list[FakeGuild]:
    """Two servers on each of two shards, the default user a member of each."""
    guilds = [fake.add_guild(f"Server {n}", shard=(n % 2, 2)) for n in range(4)]
    for guild in guilds:
        guild.add_member(fake.default_user)
    return guilds


def sessions_given(fake: FakeDiscord, interaction_id: str) -> list[list[int] | None]:
    """The shard of every gateway session the interaction was sent on."""
    by_connection = {c.number: c.session for c in fake.gateway.connections}
    return [
        session.shard
        for frame in fake.gateway.sent_events("INTERACTION_CREATE")
        if frame.data["id"] == interaction_id
        and (session := by_connection.get(frame.connection)) is not None
    ]


async def approach(fake: FakeDiscord, guild: FakeGuild) -> str:
    """Ask for a card in ``guild``; the card's title."""
    handle = await fake.slash("approach", {"name": "confrontation"}, guild=guild)
    title: str = embed_of((await handle.response()).data)["title"]
    return title


async def test_unsharded_settings_build_todays_bot(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with sharded_cohort_bot(fake_discord, tmp_path) as bot:
        assert type(bot) is CohortBot
        assert not isinstance(bot, discord.AutoShardedClient)
        [identify] = fake_discord.gateway.received(2)
        assert "shard" not in identify.data
        assert all(r.path != "/gateway/bot" for r in fake_discord.requests)
        assert fake_discord.guild is not None
        assert (await approach(fake_discord, fake_discord.guild)).startswith("Confrontation")


async def test_a_sharded_bot_answers_in_servers_on_both_its_shards(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    guilds = guilds_on_both_shards(fake)
    async with sharded_cohort_bot(fake, tmp_path, shard_count=2, shard_ids=[0, 1]) as bot:
        assert isinstance(bot, ShardedCohortBot)
        assert (bot.shard_count, sorted(bot.shards)) == (2, [0, 1])
        assert len(fake.gateway.open_connections) == 2
        for guild in guilds:
            assert (await approach(fake, guild)).startswith("Confrontation")
        handles = list(fake.interactions.values())
        for handle, guild in zip(handles, guilds, strict=True):
            assert sessions_given(fake, handle.id) == [[shard_of(int(guild.id), 2), 2]]


async def test_two_bots_each_with_one_shard_answer_each_interaction_once(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    guilds = guilds_on_both_shards(fake)
    seen: dict[int, list[int]] = {0: [], 1: []}
    async with contextlib.AsyncExitStack() as stack:
        bots: dict[int, CohortBot] = {}
        for shard in (0, 1):
            # one database for both, as processes over one PostgreSQL server share one;
            # the second finds the commands already synced
            bots[shard] = await stack.enter_async_context(
                sharded_cohort_bot(
                    fake, tmp_path, expect_sync=shard == 0, shard_count=2, shard_ids=[shard]
                )
            )

            async def record(interaction: discord.Interaction, shard: int = shard) -> None:
                seen[shard].append(interaction.id)

            bots[shard].add_listener(record, "on_interaction")
        for shard, bot in bots.items():
            assert {g.id for g in bot.guilds} == {
                int(g) for g in fake.world.guilds if shard_of(int(g), 2) == shard
            }
        for guild in guilds:
            assert (await approach(fake, guild)).startswith("Confrontation")
        handles = list(fake.interactions.values())
        callbacks = [r for r in fake.requests if r.route and "callback" in r.route]
        assert sorted(r.params["interaction_id"] for r in callbacks) == sorted(
            h.id for h in handles
        )
    for shard in (0, 1):
        assert sorted(seen[shard]) == sorted(
            int(h.id)
            for h, g in zip(handles, guilds, strict=True)
            if shard_of(int(g.id), 2) == shard
        )


async def test_build_bot_follows_the_plan() -> None:
    services = cast(Services, object())  # the constructor only keeps it
    assert type(build_bot(services)) is CohortBot
    bot = build_bot(services, ShardPlan(4, (1, 3)))
    assert isinstance(bot, ShardedCohortBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [1, 3])
