"""Forum channels in the fake behave, and refuse, as Discord documents them.

A post is a thread (type 11) created with ``POST /channels/{forum}/threads`` and a
``message``; its starter message has the thread's id; a plain message into the forum is
refused (40058); a forum that requires a tag refuses a post without one (40067); posting
needs Send Messages only. Driven through the real discord.py client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord, Permissions
from tests.fakediscord.common import ChannelFlags
from tests.fakediscord.fixtures import running_bot
from tests.fakediscord.models import FakeChannel


def intents() -> discord.Intents:
    return discord.Intents(guilds=True, guild_messages=True)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as started:
        assert started.guild is not None
        started.guild.add_forum("cohort-forum", tags=("week 1", "week 2"))
        yield started


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    client = discord.Client(intents=intents())
    async with running_bot(client, fake):
        yield client


def forum_of(fake: FakeDiscord, bot: discord.Client, name: str = "cohort-forum") -> Any:
    assert fake.guild is not None
    channel = bot.get_channel(int(fake.guild.channel(name).id))
    assert isinstance(channel, discord.ForumChannel)
    return channel


async def raw_post(fake: FakeDiscord, path: str, body: Any) -> tuple[int, Any]:
    """A request discord.py would not send as it is (no message, say), straight to the fake."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.api_base + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def test_a_forum_arrives_with_its_tags(fake: FakeDiscord, bot: discord.Client) -> None:
    forum = forum_of(fake, bot)
    assert forum.type is discord.ChannelType.forum
    assert [tag.name for tag in forum.available_tags] == ["week 1", "week 2"]
    assert not forum.flags.require_tag


async def test_a_post_is_a_thread_whose_starter_message_has_its_id(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    forum = forum_of(fake, bot)
    seen = asyncio.get_running_loop().create_future()
    bot.event(_resolve_on_message(seen))
    embed = discord.Embed(title="Day 1", description="What would you want to know first?")
    created = await forum.create_thread(name="Day 1 · Framing", content="note", embed=embed)
    thread, message = created.thread, created.message
    assert thread.id == message.id
    assert thread.type is discord.ChannelType.public_thread
    assert thread.parent_id == forum.id and thread.name == "Day 1 · Framing"
    assert message.channel.id == thread.id and message.embeds[0].title == "Day 1"
    # the gateway told the client: THREAD_CREATE, then MESSAGE_CREATE in the thread
    assert (await asyncio.wait_for(seen, 5)).id == thread.id
    assert [t.id for t in forum.threads] == [thread.id]
    fake_thread = fake.world.channels[str(thread.id)]
    assert fake_thread.type == 11 and fake_thread.message_count == 0  # starter not counted
    assert fake.guild is not None
    assert fake.guild.channel("cohort-forum").last_message_id == str(thread.id)
    assert [m.content for m in fake.messages[str(thread.id)]] == ["note"]
    assert (await thread.fetch_message(thread.id)).id == thread.id
    await thread.send("a reply in the post")  # posts take replies like any thread
    assert fake_thread.message_count == 1


def _resolve_on_message(seen: asyncio.Future[discord.Message]) -> Any:
    async def on_message(message: discord.Message) -> None:
        if not seen.done():
            seen.set_result(message)

    return on_message


async def test_a_plain_message_into_a_forum_is_refused(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    forum = forum_of(fake, bot)
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_partial_messageable(forum.id).send("hello")
    assert (refused.value.status, refused.value.code) == (400, 40058)
    assert refused.value.text == "Cannot send a message in a forum channel"
    with pytest.raises(discord.HTTPException) as no_thread_from_message:
        await bot.http.start_thread_with_message(forum.id, 1, name="x", auto_archive_duration=60)
    assert no_thread_from_message.value.code == 50024


async def test_a_post_needs_a_message_and_a_name_that_fits(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    forum = forum_of(fake, bot)
    status, body = await raw_post(fake, f"/channels/{forum.id}/threads", {"name": "No message"})
    assert (status, body["code"]) == (400, 50035)
    assert body["errors"]["message"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    status, body = await raw_post(
        fake, f"/channels/{forum.id}/threads", {"name": "Empty", "message": {}}
    )
    assert (status, body["code"]) == (400, 50006)
    with pytest.raises(discord.HTTPException) as too_long:
        await forum.create_thread(name="x" * 101, content="body")
    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    created = await forum.create_thread(name="x" * 100, content="body")
    assert created.thread.name == "x" * 100
    assert len(fake.rejections) == 3


async def test_a_forum_that_requires_a_tag_refuses_a_post_without_one(
    fake: FakeDiscord,
) -> None:
    assert fake.guild is not None
    fake.guild.add_forum("tagged", tags=("week 1",), require_tag=True)
    async with running_bot(discord.Client(intents=intents()), fake) as bot:
        forum = forum_of(fake, bot, "tagged")
        assert forum.flags.require_tag
        with pytest.raises(discord.HTTPException) as refused:
            await forum.create_thread(name="Day 1", content="body")
        assert (refused.value.status, refused.value.code) == (400, 40067)
        week = forum.available_tags[0]
        created = await forum.create_thread(name="Day 1", content="body", applied_tags=[week])
        assert created.thread.applied_tags == [week]
        status, body = await raw_post(
            fake,
            f"/channels/{forum.id}/threads",
            {"name": "Six", "message": {"content": "x"}, "applied_tags": [str(week.id)] * 6},
        )
        assert (status, body["code"]) == (400, 50035) and "applied_tags" in body["errors"]


async def test_posting_needs_send_messages_not_create_threads(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    forum = forum_of(fake, bot)
    assert fake.guild is not None
    fake_forum: FakeChannel = fake.guild.channel("cohort-forum")
    fake_forum.set_overwrite(fake.guild.everyone, deny=Permissions.CREATE_PUBLIC_THREADS)
    await forum.create_thread(name="Allowed", content="body")
    fake_forum.set_overwrite(fake.guild.everyone, deny=Permissions.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as refused:
        await forum.create_thread(name="Refused", content="body")
    assert refused.value.code == 50013


async def test_posts_are_listed_while_active_and_once_archived(
    fake: FakeDiscord, bot: discord.Client
) -> None:
    forum = forum_of(fake, bot)
    first = (await forum.create_thread(name="First", content="a")).thread
    second = (await forum.create_thread(name="Second", content="b")).thread
    assert fake.guild is not None
    guild = bot.get_guild(int(fake.guild.id))
    assert guild is not None
    active = await guild.active_threads()
    assert sorted(t.id for t in active) == sorted([first.id, second.id])
    assert all(t.parent_id == forum.id for t in active)
    fake.world.channels[str(first.id)].archived = True
    assert [t.id for t in await guild.active_threads()] == [second.id]
    archived = [t async for t in forum.archived_threads(limit=10)]
    assert [t.id for t in archived] == [first.id]
    assert archived[0].archived


def test_the_require_tag_flag_is_discords_bit() -> None:
    assert discord.ChannelFlags(require_tag=True).value == ChannelFlags.REQUIRE_TAG
