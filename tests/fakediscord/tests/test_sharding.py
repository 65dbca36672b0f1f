"""The fake gateway shards as Discord does, proven with discord.py's own sharded clients.

One websocket per shard, IDENTIFY with ``[shard_id, shard_count]``; each session gets
only the guilds with ``(guild_id >> 22) % shard_count == shard_id`` (READY, GUILD_CREATE
and every guild event) and DMs only on shard 0; a bad shard is closed with 4010 and an
over-full session with 4011.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord import fixtures as fd_fixtures
from tests.fakediscord.fixtures import pointed_at, preregister, running_bot
from tests.fakediscord.gateway import OP_HELLO, OP_IDENTIFY, shard_of

fake_discord = fd_fixtures.fake_discord


def formula(guild_id: int | str, shard_count: int) -> int:
    """Discord's documented rule, written out here so the fake is checked against it."""
    return (int(guild_id) >> 22) % shard_count


def sharded_bot(
    seen: list[tuple[str, int | None]],
    *,
    label: str = "bot",
    shard_count: int | None = None,
    shard_ids: list[int] | None = None,
    intents: discord.Intents | None = None,
) -> commands.AutoShardedBot:
    """A sharded bot with one command, ``/where``, that records who answered for which guild."""
    bot = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned,
        intents=intents or discord.Intents(guilds=True),
        shard_count=shard_count,
        shard_ids=shard_ids,  # type: ignore[arg-type]  # None: every shard, as discord.py means
    )

    @bot.tree.command(description="Say which bot answered")
    async def where(interaction: discord.Interaction) -> None:
        seen.append((label, interaction.guild_id))
        await interaction.response.send_message(label)

    return bot


def shard_of_connection(fake: FakeDiscord) -> dict[int, int]:
    """Each gateway connection's shard id, by connection number."""
    return {
        conn.number: conn.session.shard_id
        for conn in fake.gateway.connections
        if conn.session is not None
    }


def guilds_sent(fake: FakeDiscord, event: str) -> dict[int, set[int]]:
    """Per shard, the guild ids ``event`` carried (READY: its guild list)."""
    shards = shard_of_connection(fake)
    out: dict[int, set[int]] = {}
    for frame in fake.gateway.sent_events(event):
        ids = [g["id"] for g in frame.data["guilds"]] if event == "READY" else [frame.data["id"]]
        out.setdefault(shards[frame.connection], set()).update(int(i) for i in ids)
    return out


def add_guilds(fake: FakeDiscord, count: int, shard_count: int) -> list[FakeGuild]:
    """``count`` more guilds, dealt round the shards so each shard has some; the default
    user is a member of each."""
    guilds = [
        fake.add_guild(f"Guild {n}", shard=(n % shard_count, shard_count)) for n in range(count)
    ]
    for guild in guilds:
        guild.add_member(fake.default_user)
    return guilds


async def test_snowflakes_on_a_shard_follow_the_formula_and_keep_increasing() -> None:
    async with FakeDiscord() as fake:
        ids = [int(fake.world.snowflakes.next_on_shard(n % 3, 3)) for n in range(9)]
        assert [formula(i, 3) for i in ids] == [0, 1, 2] * 3
        assert ids == sorted(set(ids))
        assert int(fake.world.snowflakes.next()) > ids[-1]
        assert shard_of(81384788765712384, 17) == 7  # serenity's documented example


async def test_two_shards_in_one_client_each_get_only_their_guilds(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guilds = [fake.guild, *add_guilds(fake, 4, 2)]
    seen: list[tuple[str, int | None]] = []
    bot = sharded_bot(seen, shard_count=2)
    preregister(fake, bot.tree)
    async with running_bot(bot, fake):
        identifies = [frame.data["shard"] for frame in fake.gateway.received(OP_IDENTIFY)]
        assert sorted(identifies) == [[0, 2], [1, 2]]
        assert len(fake.gateway.open_connections) == 2
        expected = {
            shard: {int(g.id) for g in guilds if g is not None and formula(g.id, 2) == shard}
            for shard in (0, 1)
        }
        assert expected[0] and expected[1]
        assert guilds_sent(fake, "READY") == expected
        assert guilds_sent(fake, "GUILD_CREATE") == expected
        ready_shards = sorted(frame.data["shard"] for frame in fake.gateway.sent_events("READY"))
        assert ready_shards == [[0, 2], [1, 2]]
        assert {g.id for g in bot.guilds} == expected[0] | expected[1]

        for guild in guilds:
            assert guild is not None
            handle = await fake.slash("where", guild=guild)
            assert (await handle.response()).content == "bot"
            frames = [
                f
                for f in fake.gateway.sent_events("INTERACTION_CREATE")
                if f.data["id"] == handle.id
            ]
            assert [shard_of_connection(fake)[f.connection] for f in frames] == [
                formula(guild.id, 2)
            ]
    assert sorted(g for _, g in seen if g is not None) == sorted(
        int(g.id) for g in guilds if g is not None
    )


async def test_two_clients_split_ten_guilds_by_the_formula_and_answer_each_once() -> None:
    async with FakeDiscord(guild_name=None) as fake:
        guilds = add_guilds(fake, 10, 2)
        seen: list[tuple[str, int | None]] = []
        first = sharded_bot(seen, label="first", shard_count=2, shard_ids=[0])
        second = sharded_bot(seen, label="second", shard_count=2, shard_ids=[1])
        preregister(fake, first.tree)
        async with running_bot(first, fake), running_bot(second, fake):
            for bot, shard in ((first, 0), (second, 1)):
                mine = {int(g.id) for g in guilds if formula(g.id, 2) == shard}
                assert len(mine) == 5
                assert {g.id for g in bot.guilds} == mine
            for guild in guilds:
                handle = await fake.slash("where", guild=guild)
                label = "first" if formula(guild.id, 2) == 0 else "second"
                assert (await handle.response()).content == label
            await asyncio.sleep(0.1)  # time for a wrongly routed copy to be answered too
        assert sorted(seen) == sorted(
            ("first" if formula(g.id, 2) == 0 else "second", int(g.id)) for g in guilds
        )
        assert fake.rejections == []


async def test_direct_messages_arrive_on_shard_zero_only(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    add_guilds(fake, 2, 2)
    bot = sharded_bot([], shard_count=2, intents=discord.Intents(guilds=True, dm_messages=True))
    got: list[str] = []

    async def on_message(message: discord.Message) -> None:
        got.append(message.content)
        fake.notify()

    bot.add_listener(on_message)
    async with running_bot(bot, fake):
        dm = fake.world.dm_channel(fake.default_user)
        await fake.user_message(dm, "hello from a DM")
        await fake.wait_until(lambda: got == ["hello from a DM"], what="the DM")
        frames = fake.gateway.sent_events("MESSAGE_CREATE")
        assert [shard_of_connection(fake)[f.connection] for f in frames] == [0]


async def test_the_recommended_shard_count_starts_that_many_shards() -> None:
    async with FakeDiscord(recommended_shards=3) as fake:
        bot = sharded_bot([])
        async with running_bot(bot, fake):
            assert bot.shard_count == 3
            gateway_bot = [r for r in fake.requests if r.path == "/gateway/bot"]
            assert len(gateway_bot) == 1
            limit = gateway_bot[0].response["session_start_limit"]
            assert (limit["total"], limit["max_concurrency"]) == (1000, 1)
            shards = sorted(f.data["shard"] for f in fake.gateway.received(OP_IDENTIFY))
            assert shards == [[0, 3], [1, 3], [2, 3]]


async def test_gateway_bot_recommends_a_shard_per_thousand_guilds() -> None:
    async with FakeDiscord() as fake:
        for n in range(1000):
            fake.world.add_guild(f"g{n}", channels=())
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {fake.token}"}
            async with http.get(fake.api_base + "/gateway/bot", headers=headers) as answer:
                body = await answer.json()
        assert body["shards"] == 2  # 1,001 guilds
        assert body["url"] == fake.gateway_url
        assert body["session_start_limit"]["remaining"] == 1000


async def test_a_shard_beyond_the_count_is_closed_with_4010(fake_discord: FakeDiscord) -> None:
    bot = sharded_bot([], shard_count=2, shard_ids=[2])
    with pointed_at(fake_discord), pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(bot.start(fake_discord.token), timeout=10.0)
    assert closed.value.code == 4010
    assert [c.closed_by_server for c in fake_discord.gateway.connections] == [4010]
    assert fake_discord.sessions == []


@pytest.mark.parametrize(
    "shard", [[-1, 2], [2, 2], [0, 0], [0], [0, 2, 1], ["0", 2], [True, 2], "0,2", {"id": 0}]
)
async def test_a_malformed_shard_is_closed_with_4010(fake_discord: FakeDiscord, shard: Any) -> None:
    assert await raw_identify(fake_discord, shard) == 4010


async def test_a_valid_shard_by_hand_gets_ready(fake_discord: FakeDiscord) -> None:
    assert await raw_identify(fake_discord, [0, 1]) is None


async def test_a_session_with_too_many_guilds_is_closed_with_4011() -> None:
    async with FakeDiscord(guild_name=None, max_guilds_per_session=3) as fake:
        guilds = add_guilds(fake, 4, 2)
        client = discord.Client(intents=discord.Intents(guilds=True))
        with pointed_at(fake), pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.start(fake.token), timeout=10.0)
        assert closed.value.code == 4011
        assert fake.sessions == []

        bot = sharded_bot([], shard_count=2)
        async with running_bot(bot, fake):
            assert {g.id for g in bot.guilds} == {int(g.id) for g in guilds}


async def test_dropping_one_shard_leaves_the_other_connected(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    add_guilds(fake, 2, 2)
    bot = sharded_bot([], shard_count=2)
    async with running_bot(bot, fake):
        assert await fake.drop_gateway(4000, shard=1) == 1
        await fake.wait_until(lambda: fake.resume_count == 1, what="shard 1 to resume")
        resumed = [s for s in fake.sessions if s.resumes]
        assert [s.shard for s in resumed] == [[1, 2]]


async def test_an_interaction_for_a_shard_no_bot_holds_is_refused_by_the_driver() -> None:
    async with FakeDiscord(guild_name=None) as fake:
        zero, one = add_guilds(fake, 2, 2)
        bot = sharded_bot([], shard_count=2, shard_ids=[0])
        preregister(fake, bot.tree)
        async with running_bot(bot, fake):
            assert (await (await fake.slash("where", guild=zero)).response()).content == "bot"
            with pytest.raises(RuntimeError, match="no bot session holds the shard"):
                await fake.slash("where", guild=one)


async def raw_identify(fake: FakeDiscord, shard: Any) -> int | None:
    """IDENTIFY by hand with ``shard``: the close code, or None once READY arrives."""
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        hello = await ws.receive_json(timeout=5.0)
        assert hello["op"] == OP_HELLO
        identify = {"token": fake.token, "intents": 1, "properties": {}, "shard": shard}
        await ws.send_str(json.dumps({"op": OP_IDENTIFY, "d": identify}))
        async for message in _frames(ws):
            if message.get("t") == "READY":
                assert message["d"]["shard"] == shard
                return None
        return ws.close_code


async def _frames(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[dict[str, Any]]:
    while True:
        message = await ws.receive(timeout=5.0)
        if message.type is not aiohttp.WSMsgType.TEXT:
            return
        yield json.loads(message.data)
