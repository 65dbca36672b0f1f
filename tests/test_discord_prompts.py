"""Daily prompts end to end: schedule, the post with its thread, refusals, failures, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.discord_face.client import CohortBot
from bot.services.content import ContentState
from tests.e2e import CONTENT, cohort_bot, custom_ids, embed_of, tick
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import FakeMessage
from tests.fakes import FakeClock


def first_prompts(count: int) -> list[Any]:
    content = ContentState(CONTENT)
    content.reload()
    return list(content.library.prompts[:count])


def owner(fake: FakeDiscord) -> Any:
    assert fake.guild is not None
    return fake.guild.owner


async def schedule(fake: FakeDiscord, **options: str) -> Any:
    values = {"channel": "general", "time": "09:00", "timezone": "Europe/Berlin", **options}
    handle = await fake.slash("schedule set", values, user=owner(fake), channel="random")
    return await handle.response()


async def used(bot: CohortBot) -> set[str]:
    """The prompts the server's one cohort has used this round."""
    [cohort] = await bot.services.store.running_cohorts()
    return await bot.services.store.used_prompt_ids(cohort.id, cohort.round)


def posts(fake: FakeDiscord, channel: str = "general") -> list[FakeMessage]:
    """Messages the bot posted in a channel itself (not replies to interactions)."""
    return [
        m
        for m in fake.messages[fake.channel(channel)]
        if not m.deleted and m.interaction_metadata is None and not m.ephemeral
    ]


async def test_schedule_then_post_at_the_due_time_with_thread(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()  # 07:00 UTC = 08:00 in Berlin
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        saved = await schedule(fake)
        assert saved.ephemeral and saved.content == "Schedule saved."
        assert "09:00 Europe/Berlin" in embed_of(saved.data)["description"]
        await tick(bot)
        assert posts(fake) == [], "not due before 09:00 local"
        clock.advance(hours=1)
        await tick(bot)
        [post] = posts(fake)
        prompt = first_prompts(1)[0]
        assert embed_of(post)["title"] == prompt.title
        assert f"reflect:{prompt.id}" in custom_ids(post.components)
        assert any(cid.startswith("card:") for cid in custom_ids(post.components))
        assert post.thread is not None and post.thread.name is not None
        assert post.thread.name.endswith(" · 02 Mar 2026") and prompt.title[:20] in post.thread.name
        await tick(bot)
        assert len(posts(fake)) == 1, "never twice"
        clock.advance(days=1)
        await tick(bot)
        assert [embed_of(m)["title"] for m in posts(fake)] == [p.title for p in first_prompts(2)]


async def test_members_are_refused_and_bad_input_explained(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        values = {"channel": "general", "time": "09:00", "timezone": "Europe/Berlin"}
        with pytest.raises(PermissionError, match="default_member_permissions"):
            await fake.slash("schedule set", values)  # Discord hides it from members
        handle = await fake.slash("schedule set", values, force=True)  # an admin granted it
        refused = await handle.response()
        assert refused.ephemeral and refused.content is not None
        assert refused.content.startswith("Only facilitators can schedule prompts")
        bad_zone = await schedule(fake, timezone="Europe/Berln")
        assert bad_zone.ephemeral and "Europe/Berlin" in (bad_zone.content or "")
        bad_time = await schedule(fake, time="25:00")
        assert "HH:MM" in (bad_time.content or "")
        choices = await fake.autocomplete(
            "schedule set",
            "timezone",
            "berlin",
            user=owner(fake),
        )
        assert choices[0]["value"] == "Europe/Berlin" and len(choices) <= 25


async def test_status_next_skip_pause_quiet_and_now(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    boss = owner(fake)
    first, second, third = first_prompts(3)
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule(fake)
        status = await (await fake.slash("prompt status")).response()
        assert (
            status.ephemeral
            and f"Next prompt: “{first.title}”, 0 of" in embed_of(status.data)["description"]
        )
        preview = await (await fake.slash("schedule next", {"count": 2}, user=boss)).response()
        assert preview.ephemeral and second.title in embed_of(preview.data)["description"]
        skipped = await (await fake.slash("schedule skip", user=boss)).response()
        assert first.title in (skipped.content or "")
        now = await fake.slash("schedule now", user=boss)
        await now.response()
        done = await now.next_followup()
        assert second.title in done.content
        [posted] = posts(fake)
        assert embed_of(posted)["title"] == second.title
        assert posted.content.startswith("-# Content note: ")
        assert posted.content.count("/about") == 1, "support is pointed to once"
        quiet = await (
            await fake.slash("schedule quiet", {"dates": "2026-03-02"}, user=boss)
        ).response()
        assert "2026-03-02" in (quiet.content or "")
        clock.advance(hours=2)
        await tick(bot)
        assert len(posts(fake)) == 1, "today is quiet"
        paused = await (await fake.slash("schedule pause", user=boss)).response()
        assert "Paused." in (paused.content or "")
        clock.advance(days=1)
        await tick(bot)
        assert len(posts(fake)) == 1, "paused"
        await (await fake.slash("schedule resume", user=boss)).response()
        await tick(bot)
        assert [embed_of(m)["title"] for m in posts(fake)] == [second.title, third.title]


async def test_lost_channel_or_permission_tells_facilitators(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = fake_discord, FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule(fake)
        fake.make_channel_forbidden("general")
        clock.advance(hours=1)
        await tick(bot)
        [notice] = posts(fake, "random")
        assert "could not post today's discussion prompt" in notice.content
        assert "not allowed" in notice.content
        await tick(bot)
        assert len(posts(fake, "random")) == 1, "told once, not every tick"
        assert await used(bot) == set()
        fake.restore_channel("general")
        fake.make_channel_missing("general")
        clock.advance(minutes=11)
        await tick(bot)
        assert posts(fake, "general") == [], "nothing posted into a missing channel"
        assert await used(bot) == set()
        fake.restore_channel("general")
        clock.advance(minutes=11)
        await tick(bot)
        [post] = posts(fake)
        assert embed_of(post)["title"] == first_prompts(1)[0].title, "the sequence did not move"
    assert fake.rejections == []


async def test_restart_straight_after_a_post_does_not_post_again(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule(fake)
        clock.advance(hours=1)
        await tick(bot)
    assert len(posts(fake)) == 1
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)
        clock.advance(minutes=30)
        await tick(restarted)
    assert len(posts(fake)) == 1


async def test_a_run_that_stopped_mid_send_is_settled_after_restart(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    from bot.discord_face.prompts import DiscordPoster

    fake, clock = strict_fake_discord, FakeClock()
    first, second = first_prompts(2)
    guild_id = int(fake.guild.id)  # type: ignore[union-attr]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule(fake)
        clock.advance(hours=1)
        store, prompts = bot.services.store, bot.services.prompts
        [row] = await store.list_cohorts(guild_id)
        day = clock.now.date()
        reservation = await store.reserve_post(row.id, row.round, first.id, day, now=clock.now)
        assert reservation is not None
        await DiscordPoster(bot).post(prompts.prompt_post(row, first, day))  # sent; then the crash
    clock.advance(minutes=2)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)
        [entry] = await restarted.services.store.guild_history(guild_id)
        assert entry.message_id is not None and entry.thread_id is not None
    assert [embed_of(m)["title"] for m in posts(fake)] == [first.title], "never twice"

    clock.advance(days=1, minutes=-3)  # 08:58 in Berlin the next day
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        day = clock.now.date()
        [row] = await bot.services.store.list_cohorts(guild_id)
        assert await bot.services.store.reserve_post(row.id, 1, second.id, day, now=clock.now)
    clock.advance(minutes=3)  # that run stopped before sending anything; now it is due
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)
    assert [embed_of(m)["title"] for m in posts(fake)] == [first.title, second.title], (
        "never skipped"
    )


async def test_a_long_quiet_range_is_saved_and_summarised(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await schedule(fake)
        reply = await (
            await fake.slash(
                "schedule quiet", {"dates": "2026-03-10..2026-10-09"}, user=owner(fake)
            )
        ).response()
        assert reply.content == "Quiet dates from today: 2026-03-10..2026-10-09"
        status = await (await fake.slash("prompt status")).response()
        assert "Quiet dates: 2026-03-10..2026-10-09" in embed_of(status.data)["description"]
