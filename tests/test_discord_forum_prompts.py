"""Daily prompts into a forum channel: each prompt its own post, never twice, found after a
crash, through the real client and the fake Discord's forum posts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot.services.content import ContentState
from tests.e2e import CONTENT, cohort_bot, custom_ids, embed_of, tick
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import FakeChannel, FakeMessage
from tests.fakes import FakeClock


def first_prompts(count: int) -> list[Any]:
    content = ContentState(CONTENT)
    content.reload()
    return list(content.library.prompts[:count])


def forum(fake: FakeDiscord, *, require_tag: bool = False) -> FakeChannel:
    """A forum beside the default guild's text channels, before the bot connects."""
    assert fake.guild is not None
    return fake.guild.add_forum("reflections", tags=("week 1",), require_tag=require_tag)


async def schedule_into(fake: FakeDiscord, channel: FakeChannel) -> Any:
    assert fake.guild is not None
    values = {"channel": channel.name, "time": "09:00", "timezone": "Europe/Berlin"}
    handle = await fake.slash("schedule set", values, user=fake.guild.owner, channel="random")
    return await handle.response()


def forum_posts(fake: FakeDiscord, channel: FakeChannel) -> list[tuple[FakeChannel, FakeMessage]]:
    """Each post in the forum: its thread and its starter message (same id)."""
    assert fake.guild is not None
    posts = []
    for thread in fake.guild.threads:
        if thread.parent_id == channel.id:
            [starter] = [m for m in fake.messages[thread.id] if m.id == thread.id]
            posts.append((thread, starter))
    return posts


async def test_each_prompt_is_its_own_forum_post(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()  # 07:00 UTC = 08:00 in Berlin
    place = forum(fake)
    first, second = first_prompts(2)
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        saved = await schedule_into(fake, place)
        assert saved.content == "Schedule saved.", saved.content
        clock.advance(hours=1)
        await tick(bot)
        [(thread, starter)] = forum_posts(fake, place)
        assert thread.type == 11 and thread.owner_id == fake.bot_user.id
        assert thread.name is not None and thread.name.endswith(" · 02 Mar 2026")
        assert first.title[:20] in thread.name
        assert embed_of(starter)["title"] == first.title
        assert f"reflect:{first.id}" in custom_ids(starter.components)
        assert starter.content.startswith("-# Content note: ")
        assert starter.allowed_mentions == {"parse": []}
        await tick(bot)
        assert len(forum_posts(fake, place)) == 1, "never twice"
        clock.advance(days=1)
        await tick(bot)
        titles = [embed_of(starter)["title"] for _, starter in forum_posts(fake, place)]
        assert titles == [first.title, second.title]
    assert fake.messages[place.id] == [], "nothing is sent into the forum itself"


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
async def test_a_post_sent_before_a_crash_is_found_not_repeated(
    strict_fake_discord: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    archived: bool,
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    place = forum(fake)
    second = first_prompts(2)[1]
    real = discord.ForumChannel.create_thread

    async def sent_then_lost(self: discord.ForumChannel, **kwargs: Any) -> Any:
        await real(self, **kwargs)  # Discord made the post, then the answer never came back
        raise aiohttp.ServerDisconnectedError()

    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule_into(fake, place)
        clock.advance(hours=1)
        monkeypatch.setattr(discord.ForumChannel, "create_thread", sent_then_lost)
        await tick(bot)
        monkeypatch.undo()
    [(thread, _)] = forum_posts(fake, place)
    thread.archived = archived  # a long outage: the post may have been archived meanwhile
    clock.advance(minutes=2)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)  # settles the unconfirmed post by finding it in the forum
        await tick(restarted)
        status = await (await fake.slash("prompt status")).response()
    assert len(forum_posts(fake, place)) == 1, "never twice"
    assert f"Next prompt: “{second.title}”, 1 of" in embed_of(status.data)["description"]


async def test_a_forum_that_requires_tags_is_explained_to_facilitators(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = fake_discord, FakeClock()
    place = forum(fake, require_tag=True)
    async with cohort_bot(fake, tmp_path, clock=clock):
        await schedule_into(fake, place)
        handle = await fake.slash("schedule now", user=fake.guild.owner)  # type: ignore[union-attr]
        await handle.response()
        refused = await handle.next_followup()
    assert "requires a tag on every post" in refused.content
    assert forum_posts(fake, place) == []
    assert fake.rejections == [], "not a body problem"


async def answer(handle: Any) -> str:
    """The private answer to an interaction, whether sent at once or after deferring."""
    first = await handle.response()
    if first.type == 5:  # deferred: the answer is the followup
        message = await handle.next_followup()
        assert message.ephemeral
        return str(message.content)
    assert first.ephemeral
    return str(first.content)


def text_input_id(modal: dict[str, Any]) -> str:
    """The custom id of the one text input in a modal."""
    [found] = [
        component["custom_id"]
        for row in modal["components"]
        for component in [
            *row.get("components", []),
            *([row["component"]] if "component" in row else []),
        ]
        if component.get("type") == 4
    ]
    return str(found)


async def test_members_reflect_from_a_forum_post_and_share_into_it(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    place = forum(fake)
    [first] = first_prompts(1)
    assert fake.guild is not None
    async with cohort_bot(fake, tmp_path, clock=FakeClock()):
        await schedule_into(fake, place)
        now = await fake.slash("schedule now", user=fake.guild.owner)
        await now.response()
        assert first.title in (await now.next_followup()).content
        [(thread, starter)] = forum_posts(fake, place)
        click = await fake.click(starter, f"reflect:{first.id}")  # the button inside the post
        await click.response()
        assert click.modal is not None
        saved = await fake.submit_modal(click, {text_input_id(click.modal): "From the post."})
        assert (await answer(saved)).startswith(f"Saved reflection #1 on {first.title}.")
        opened = await fake.slash("reflect", {"about": first.id, "visibility": "cohort"})
        await opened.response()
        assert opened.modal is not None
        shared = await fake.submit_modal(opened, {text_input_id(opened.modal): "Shared."})
        assert (await answer(shared)).startswith(f"Saved reflection #2 on {first.title}.")
        replies = [m for m in fake.messages[thread.id] if m.id != starter.id and m.embeds]
        assert [embed_of(m)["description"] for m in replies] == ["Shared."]
        assert replies[0].content == f"Shared by <@{fake.default_user.id}>"
