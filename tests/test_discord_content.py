"""Maintainers: reload content without a restart; a broken edit keeps the old cards serving."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

import pytest

from bot.discord_face.client import build_bot
from bot.services.container import Services
from bot.services.content import ReloadReport
from bot.store.content_version import POLL_SECONDS
from tests.e2e import CONTENT, cohort_bot, embed_of, settings_for
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.fixtures import running_bot
from tests.fakes import FakeClock

NEW_TITLE = "Confrontation: being found out"
PROPAGATES = POLL_SECONDS + 3.0  # another process's reload reaches this one (SQLite polls)


def editable_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def retitle_confrontation(content: Path) -> None:
    path = content / "approaches.yaml"
    text = path.read_text()
    old = 'title: "Confrontation: being caught or exposed"'
    assert old in text
    path.write_text(text.replace(old, f'title: "{NEW_TITLE}"'))


async def reload_reply(fake: FakeDiscord, user: object = None) -> str:
    """What /content reload answers: a refusal at once, else the report after deferring."""
    handle = await fake.slash("content reload", user=user)  # type: ignore[arg-type]
    first = await handle.response()
    assert first.ephemeral
    if first.content is not None:
        return first.content
    report = await handle.next_followup()
    assert report.ephemeral
    return report.content


async def approach_title(fake: FakeDiscord, name: str) -> str:
    handle = await fake.slash("approach", {"name": name, "private": True})
    title: str = embed_of((await handle.response()).data)["title"]
    return title


async def test_reload_is_for_the_owner_and_keeps_old_cards_on_a_broken_edit(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    fake.guild.add_member(fake.world.owner_user)
    content = editable_content(tmp_path)
    async with cohort_bot(fake, tmp_path, content_dir=content):
        assert await reload_reply(fake) == "Only the bot's owner can reload content."

        myths = content / "myths.yaml"
        myths.write_text(myths.read_text().replace("    title:", "\ttitle:", 1))
        retitle_confrontation(content)
        broken = await reload_reply(fake, fake.world.owner_user)
        assert broken.startswith("Content has 1 problem; still serving the old cards:")
        assert f"{myths}:3: file: tab character" in broken
        assert (
            await approach_title(fake, "confrontation") == "Confrontation: being caught or exposed"
        )

        myths.write_text(myths.read_text().replace("\ttitle:", "    title:", 1))
        fixed = await reload_reply(fake, fake.world.owner_user)
        assert fixed.startswith("Content reloaded: 14 approaches")
        assert "changed: confrontation" in fixed
        assert await approach_title(fake, "confrontation") == NEW_TITLE


async def test_facilitators_may_reload_when_config_allows(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    async with cohort_bot(fake, tmp_path, content={"reload_by": "facilitators"}):
        reply = await reload_reply(fake, fake.guild.owner)
        assert reply.startswith("Content reloaded:") and "No cards changed." in reply
        assert (
            await reload_reply(fake) == "Only the bot's owner or facilitators can reload content."
        )


async def test_renamed_card_keeps_old_links_working(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    fake.guild.add_member(fake.world.owner_user)  # type: ignore[union-attr]
    content = editable_content(tmp_path)
    async with cohort_bot(fake, tmp_path, content_dir=content):
        posted = await (await fake.slash("expert", {"name": "james-cantor"})).response()
        assert posted.message is not None
        for path in content.glob("*.yaml"):
            path.write_text(
                path.read_text()
                .replace("- confrontation\n", "- being-confronted\n")
                .replace("[confrontation", "[being-confronted")
                .replace(", confrontation]", ", being-confronted]")
                .replace(", confrontation,", ", being-confronted,")
            )
        approaches = content / "approaches.yaml"
        approaches.write_text(
            approaches.read_text().replace(
                "  - id: confrontation\n",
                "  - id: being-confronted\n    replaces: [confrontation]\n",
            )
        )
        report = await reload_reply(fake, fake.world.owner_user)
        assert "added: being-confronted" in report, report
        assert (
            await approach_title(fake, "confrontation") == "Confrontation: being caught or exposed"
        )
        click = await fake.click(
            posted.message, "card:confrontation"
        )  # a button from before the rename
        assert embed_of((await click.response()).data)["title"].startswith("Confrontation")


async def test_watch_reloads_by_itself_after_files_settle(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    content = editable_content(tmp_path)
    async with cohort_bot(fake, tmp_path, content_dir=content, content={"watch": True}) as bot:
        retitle_confrontation(content)
        for _ in range(100):  # bounded wait: interval 1 s + settle 1 s
            if bot.services.content.library.get("confrontation").title == NEW_TITLE:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.1)
        assert await approach_title(fake, "confrontation") == NEW_TITLE


async def test_broken_content_at_start_is_explained_not_crashed(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    content = editable_content(tmp_path)
    (content / "myths.yaml").write_text("myths:\n\t- id: x\n")
    async with cohort_bot(fake, tmp_path, content_dir=content):
        assert await fake.autocomplete("approach", "name", "conf") == []
        reply = await (await fake.slash("approach", {"name": "confrontation"})).response()
        assert reply.ephemeral and reply.content is not None
        assert reply.content.startswith("The card library is not available")


async def test_watch_reloads_once_for_a_multi_file_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services.content import ContentState

    content = editable_content(tmp_path)
    state = ContentState(content)
    assert state.reload().applied
    reloads: list[int] = []
    real = state.reload_async

    async def counted() -> ReloadReport:
        reloads.append(1)
        return await real()

    monkeypatch.setattr(state, "reload_async", counted)
    watcher = asyncio.create_task(state.watch(interval=0.05, settle=0.3))
    try:
        await asyncio.sleep(0.1)
        retitle_confrontation(content)
        await asyncio.sleep(0.1)  # a second file saved a moment later, as editors and git do
        (content / "myths.yaml").write_text((content / "myths.yaml").read_text() + "\n")
        for _ in range(100):  # bounded wait for the one reload
            if reloads:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        watcher.cancel()
    assert reloads == [1]
    assert state.library.get("confrontation").title == NEW_TITLE  # type: ignore[union-attr]


async def test_reload_answers_a_hostile_file_with_its_problem(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    fake.guild.add_member(fake.world.owner_user)  # type: ignore[union-attr]
    content = editable_content(tmp_path)
    async with cohort_bot(fake, tmp_path, content_dir=content):
        (content / "alias.yaml").write_text("myths:\n  - &a [*a]\n")
        reply = await reload_reply(fake, fake.world.owner_user)
        assert reply == (
            "Content has 1 problem; still serving the old cards:\n"
            f"{content / 'alias.yaml'}:2: file: '&a': anchors and aliases are not allowed "
            "in content; write each value out in full"
        )
        assert (
            await approach_title(fake, "confrontation") == "Confrontation: being caught or exposed"
        )


async def test_reload_in_one_shards_process_reloads_the_other(
    strict_fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes, one shard each, over one database and one content folder: the
    owner's /content reload in a server on shard 0 changes the cards on shard 1 too."""
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    fake = strict_fake_discord
    here, there = (fake.add_guild(f"Server {n}", shard=(n, 2)) for n in (0, 1))
    for guild in (here, there):
        guild.add_member(fake.default_user)
        guild.add_member(fake.world.owner_user)
    content = editable_content(tmp_path)
    routing = {"api_base_url": fake.api_base, "gateway_url": fake.gateway_url}
    async with contextlib.AsyncExitStack() as stack:
        bots = []
        for shard in (0, 1):
            discord_settings = {**routing, "shard_count": 2, "shard_ids": [shard]}
            settings = settings_for(fake, tmp_path, content_dir=content, discord=discord_settings)
            services = await Services.open(settings, FakeClock())
            stack.push_async_callback(services.close)
            bot = build_bot(services, settings.shards)
            bots.append(
                await stack.enter_async_context(running_bot(bot, fake, expect_sync=shard == 0))
            )
        retitle_confrontation(content)
        await asyncio.sleep(POLL_SECONDS + 0.5)  # no file watching: shard 1 has not noticed
        assert await title_in(fake, there) == "Confrontation: being caught or exposed"

        handle = await fake.slash("content reload", user=fake.world.owner_user, guild=here)
        await handle.response()
        assert "changed: confrontation" in (await handle.next_followup()).content
        for _ in range(int(PROPAGATES / 0.05)):
            if bots[1].services.content.library.get("confrontation").title == NEW_TITLE:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.05)
        assert await title_in(fake, there) == NEW_TITLE
        assert await title_in(fake, here) == NEW_TITLE


async def title_in(fake: FakeDiscord, guild: FakeGuild) -> str:
    handle = await fake.slash("approach", {"name": "confrontation", "private": True}, guild=guild)
    title: str = embed_of((await handle.response()).data)["title"]
    return title
