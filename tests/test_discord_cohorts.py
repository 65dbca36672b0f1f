"""Cohorts end to end: two cohorts in one server, each in its own channel and zone, each
posting exactly its own prompt at its own minute across restarts and DST; starting,
listing, editing, ending and starting the next one; the cohort option everywhere."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.services.content import ContentState
from tests.e2e import CONTENT, cohort_bot, custom_ids, embed_of, tick
from tests.fakediscord import FakeDiscord
from tests.fakediscord.common import Permissions
from tests.fakediscord.models import FakeChannel, FakeMessage
from tests.fakes import FakeClock

DATA = Path(__file__).parent / "data"


def prompts_in_order() -> list[Any]:
    content = ContentState(CONTENT)
    content.reload()
    return list(content.library.prompts)


def owner(fake: FakeDiscord) -> Any:
    assert fake.guild is not None
    return fake.guild.owner


async def run(
    fake: FakeDiscord, command: str, options: dict[str, Any] | None = None, **how: Any
) -> Any:
    """A slash command by the server's owner (a facilitator) unless ``user`` says otherwise."""
    how.setdefault("user", owner(fake))
    return await (await fake.slash(command, options or {}, **how)).response()


def channel_posts(fake: FakeDiscord, channel: FakeChannel) -> list[FakeMessage]:
    """The daily posts in a text channel (not replies to commands)."""
    return [
        m
        for m in fake.messages[channel.id]
        if not m.deleted and m.interaction_metadata is None and not m.ephemeral and m.embeds
    ]


def forum_posts(fake: FakeDiscord, forum: FakeChannel) -> list[FakeMessage]:
    """The starter message of each post in a forum."""
    assert fake.guild is not None
    return [
        message
        for thread in fake.guild.threads
        if thread.parent_id == forum.id
        for message in fake.messages[thread.id]
        if message.id == thread.id
    ]


def titles(messages: list[FakeMessage]) -> list[str]:
    return [embed_of(message)["title"] for message in messages]


async def test_two_cohorts_in_two_zones_post_their_own_prompts_once_across_restarts_and_dst(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    berlin_channel = fake.guild.add_channel("spring")
    new_york_forum = fake.guild.add_forum("autumn")
    prompts = prompts_in_order()
    clock = FakeClock(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))  # Thursday
    async with cohort_bot(fake, tmp_path, clock=clock):
        spring = await run(
            fake,
            "cohort start",
            {"name": "Spring", "channel": "spring", "time": "09:00", "timezone": "Europe/Berlin"},
            channel="random",
        )
        assert spring.content == "Started the cohort “Spring”.", spring.content
        autumn = await run(
            fake,
            "cohort start",
            {
                "name": "Autumn",
                "channel": "autumn",
                "time": "09:00",
                "timezone": "America/New_York",
                "days": "weekdays",
            },
            channel="random",
        )
        assert autumn.content == "Started the cohort “Autumn”.", autumn.content
        skipped = await run(fake, "schedule skip", {"cohort": "Autumn"})
        assert prompts[0].title in (skipped.content or "")

    def spring_count() -> int:
        return len(channel_posts(fake, berlin_channel))

    def autumn_count() -> int:
        return len(forum_posts(fake, new_york_forum))

    spring_times: list[str] = []
    autumn_times: list[str] = []
    seen = {"spring": 0, "autumn": 0}

    async def run_for(hours: float) -> None:
        """Start the bot, tick every 15 minutes for ``hours``, stop it; log new posts.

        Counts carry across restarts, so a post the bot's own loop makes as it starts is
        logged at the first tick's time (the clock does not move meanwhile).
        """
        async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
            stop = clock.now + timedelta(hours=hours)
            while clock.now < stop:
                await tick(bot)
                for name, count, log in (
                    ("spring", spring_count(), spring_times),
                    ("autumn", autumn_count(), autumn_times),
                ):
                    log += [f"{clock.now:%m-%d %H:%M}"] * (count - seen[name])
                    seen[name] = count
                clock.advance(minutes=15)

    # Across the US change (8 March), restarting the bot every day at a different hour.
    for day in range(5):
        await run_for(24 - day)
    assert spring_times == ["03-06 08:00", "03-07 08:00", "03-08 08:00", "03-09 08:00"]
    # weekdays only; 09:00 New York is 14:00 UTC before 8 March and 13:00 UTC after
    assert autumn_times == ["03-05 14:00", "03-06 14:00", "03-09 13:00"]

    # Across the EU change (29 March): 09:00 Berlin is 08:00 UTC, then 07:00 UTC. The bot
    # comes back on Friday 27th after its post time: it posts that day's prompt late.
    clock.now = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    spring_times.clear()
    await run_for(36)
    await run_for(36)
    assert spring_times == ["03-27 12:00", "03-28 08:00", "03-29 07:00", "03-30 07:00"]

    # Each cohort kept its own sequence: Spring from the first prompt, Autumn from the second.
    spring_titles = titles(channel_posts(fake, berlin_channel))
    autumn_titles = titles(forum_posts(fake, new_york_forum))
    assert spring_titles == [p.title for p in prompts[: len(spring_titles)]]
    assert autumn_titles == [p.title for p in prompts[1 : 1 + len(autumn_titles)]]
    assert len(set(spring_titles)) == len(spring_titles), "never twice"
    # Each post carries the Join button of its own cohort.
    spring_join = {c for m in channel_posts(fake, berlin_channel) for c in custom_ids(m.components)}
    autumn_join = {c for m in forum_posts(fake, new_york_forum) for c in custom_ids(m.components)}
    assert {c for c in spring_join if c.startswith("join:")} == {"join:1"}
    assert {c for c in autumn_join if c.startswith("join:")} == {"join:2"}


async def test_the_cohort_option_when_a_server_runs_several(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    fake.guild.add_channel("spring")
    fake.guild.add_channel("autumn")
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # Monday
    async with cohort_bot(fake, tmp_path, clock=clock):
        for name, zone in (("Spring", "Europe/Berlin"), ("Autumn", "Asia/Tokyo")):
            options = {"name": name, "channel": name.lower(), "time": "18:00", "timezone": zone}
            await run(fake, "cohort start", options)
        which = await run(fake, "prompt status", user=fake.default_user)
        assert which.ephemeral and "This server runs 2 cohorts (Spring, Autumn)" in (
            which.content or ""
        )
        here = await run(fake, "prompt status", channel="autumn", user=fake.default_user)
        assert "Cohort: Autumn." in embed_of(here.data)["description"]
        named = await run(fake, "prompt status", {"cohort": "spring"}, user=fake.default_user)
        assert "Cohort: Spring." in embed_of(named.data)["description"]
        choices = await fake.autocomplete("prompt status", "cohort", "", user=fake.default_user)
        assert sorted(c["name"] for c in choices) == ["Autumn", "Spring"]
        assert {c["value"] for c in choices} == {"1", "2"}
        by_id = await run(fake, "schedule next", {"cohort": "2", "count": 2})
        assert embed_of(by_id.data)["title"] == "Coming up: Autumn"
        unknown = await run(fake, "schedule pause", {"cohort": "Winter"})
        assert (unknown.content or "").startswith("No running cohort is called “Winter”.")


async def test_start_list_edit_end_and_the_next_cohort_afresh(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    room = fake.guild.add_channel("cohort-room")
    private = fake.guild.add_channel("facilitators")
    everyone = fake.guild.roles[0]
    private.set_overwrite(everyone, deny=Permissions.VIEW_CHANNEL)
    prompts = prompts_in_order()
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # Monday, 07:00 in Berlin
    base = {
        "name": "Spring",
        "channel": "cohort-room",
        "time": "09:00",
        "timezone": "Europe/Berlin",
    }
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        member = await run(fake, "cohort start", base, user=fake.default_user)
        assert (member.content or "").startswith("Only facilitators can start cohorts")
        backwards = await run(
            fake, "cohort start", {**base, "starts": "2026-03-10", "ends": "2026-03-05"}
        )
        assert "would end (2026-03-05) before it starts (2026-03-10)" in (backwards.content or "")
        public = await run(fake, "cohort start", {**base, "facilitator_channel": "general"})
        assert "every member can see that channel" in (public.content or "")
        nowhere = await run(fake, "cohort start", {**base, "curriculum": "astronomy"})
        assert "There is no curriculum 'astronomy'" in (nowhere.content or "")
        shut = await run(fake, "cohort start", {**base, "facilitator_channel": "facilitators"})
        assert "I cannot post in" in (shut.content or ""), "the bot is not in the private channel"
        private.set_overwrite(fake.guild.members[fake.bot_user.id], allow=Permissions.VIEW_CHANNEL)
        await fake.dispatch("CHANNEL_UPDATE", private.payload())

        # Three weeks of weekdays hold 15 posts: fewer than the prompts, so it is said.
        short = {
            **base,
            "days": "weekdays",
            "ends": "2026-03-20",
            "facilitator_channel": "facilitators",
        }
        started = await run(fake, "cohort start", short)
        text = embed_of(started.data)["description"]
        assert "From Mon 02 Mar 2026 to Fri 20 Mar 2026." in text
        assert f"<#{private.id}>" in text, "digests go to the facilitators' channel"
        assert f"before {len(prompts) - 15} prompts of the sequence can be posted" in text
        assert "Note: the cohort ends on Fri 20 Mar 2026, before the last" in text

        taken = await run(fake, "cohort start", {**base, "name": "Other"})
        assert "The cohort “Spring” already posts in" in (taken.content or "")

        # A quiet day is shown as quiet in the preview, and the end is said.
        await run(fake, "schedule quiet", {"dates": "2026-03-03"})
        preview = await run(fake, "schedule next", {"count": 3})
        lines = embed_of(preview.data)["description"].splitlines()
        assert lines[:4] == [
            f"**Mon 02 Mar 2026** — {prompts[0].title}",
            "**Tue 03 Mar 2026** — *quiet (no post)*",
            f"**Wed 04 Mar 2026** — {prompts[1].title}",
            f"**Thu 05 Mar 2026** — {prompts[2].title}",
        ]
        assert "The cohort ends on Fri 20 Mar 2026 before" in lines[-1]

        # A longer cohort says where the sequence ends and what happens then.
        longer = await run(fake, "cohort edit", {"ends": "2026-12-31", "when_finished": "stop"})
        text = embed_of(longer.data)["description"]
        assert f"The sequence ends with “{prompts[-1].title}” on" in text
        assert "then the daily posts pause and you are told, and the cohort ends on" in text
        assert "Note: the prompts run out on" in text
        again = await run(fake, "cohort edit", {"ends": "none", "time": "09:30"})
        text = embed_of(again.data)["description"]
        assert "at 09:30 Europe/Berlin" in text and "with no end date" in text
        assert "then the daily posts pause and you are told." in text

        listed = await run(fake, "cohort list", user=fake.default_user)
        assert "Spring:" in embed_of(listed.data)["description"]
        assert f"<#{room.id}>, 09:30 Europe/Berlin" in embed_of(listed.data)["description"]

        clock.advance(hours=2)  # 09:00 Berlin: not yet (09:30)
        await tick(bot)
        assert channel_posts(fake, room) == []
        clock.advance(minutes=30)
        await tick(bot)
        assert titles(channel_posts(fake, room)) == [prompts[0].title]

        ended = await run(fake, "cohort end")
        assert "“Spring” has ended: no more posts" in (ended.content or "")
        clock.advance(days=1)
        await tick(bot)
        assert len(channel_posts(fake, room)) == 1, "an ended cohort posts nothing"
        none_left = await run(fake, "prompt status", user=fake.default_user)
        assert "Cohort: Spring (ended)." in embed_of(none_left.data)["description"]
        listed = await run(fake, "cohort list")
        assert "Spring (ended):" in embed_of(listed.data)["description"]

        # The next cohort starts afresh in the same channel, with the same schedule.
        following = await run(fake, "cohort next", {"name": "Summer"}, channel="cohort-room")
        assert following.content == "Ended “Spring” and started “Summer” in its channel."
        assert f"Next prompt: “{prompts[0].title}”, 0 of" in embed_of(following.data)["description"]
        clock.advance(days=1)  # Wednesday 09:30 Berlin
        await tick(bot)
        assert titles(channel_posts(fake, room)) == [prompts[0].title, prompts[0].title]


async def test_every_facilitator_subcommand_refuses_members(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    start = {"name": "Spring", "channel": "general", "time": "09:00", "timezone": "UTC"}
    tried: dict[str, dict[str, Any]] = {
        "cohort start": start,
        "cohort edit": {"time": "10:00"},
        "cohort end": {},
        "cohort next": {"name": "Autumn"},
        "cohort add member": {"member": fake.default_user},
    }
    async with cohort_bot(fake, tmp_path):
        await run(fake, "cohort start", start)
        for command, options in tried.items():
            refused = await run(fake, command, options, user=fake.default_user)
            assert refused.ephemeral and (refused.content or "").startswith(
                "Only facilitators can"
            ), (command, refused.content)
        mine = await run(fake, "cohort join", user=fake.default_user)
        assert (mine.content or "").startswith("You joined “Spring”."), "members may join"


async def test_a_cohort_answers_from_its_own_curriculum_in_its_channel(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    assert fake.guild is not None
    room = fake.guild.add_channel("second-room")
    content = tmp_path / "content"
    shutil.copytree(DATA / "minimal", content)
    shutil.copytree(DATA / "second", content / "second")
    async with cohort_bot(fake, tmp_path, clock=clock, content_dir=content) as bot:
        choices = await fake.autocomplete("cohort start", "curriculum", "sec", user=owner(fake))
        assert [c["value"] for c in choices] == ["second"]
        options = {
            "name": "Second unit",
            "channel": "second-room",
            "time": "09:00",
            "timezone": "UTC",
            "curriculum": "second",
        }
        await run(fake, "cohort start", options)
        only = await run(fake, "approach", {"name": "confrontation"}, channel="random")
        assert embed_of(only.data)["title"] == "Confronting the conduct", "the only cohort's"
        plain = {"name": "First unit", "channel": "general", "time": "10:00", "timezone": "UTC"}
        await run(fake, "cohort start", plain)
        there = await run(fake, "approach", {"name": "confrontation"}, channel="second-room")
        assert embed_of(there.data)["title"] == "Confronting the conduct"
        here = await run(fake, "approach", {"name": "confrontation"}, channel="general")
        assert embed_of(here.data)["title"] == "Confrontation", "the default cohort's channel"
        names = await fake.autocomplete("myth", "name", "", channel="second-room")
        assert [c["value"] for c in names] == ["silence-helps"]
        clock.advance(hours=3)
        await tick(bot)
        [post] = channel_posts(fake, room)
        assert embed_of(post)["title"] == "Opening", "its prompts come from its curriculum"
        reflect = await fake.click(post, "reflect:opening", user=fake.default_user)
        opened = await reflect.response()
        assert opened.data is not None and "Opening" in opened.data["title"]
