"""Pulse and the weekly digest end to end: who of the roster reflected on each prompt
(never what), by mentions that ping nobody; the digest in the facilitators' private
channel exactly once a week, across restarts and a crash, never after the cohort ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.discord_face.client import CohortBot
from tests.e2e import cohort_bot, embed_of, tick
from tests.fakediscord import FakeDiscord
from tests.fakediscord.common import Permissions
from tests.fakediscord.models import FakeChannel, FakeMessage
from tests.fakes import FakeClock
from tests.test_discord_cohorts import prompts_in_order, run
from tests.test_discord_reflections import add_member, reflect

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def private_channel(fake: FakeDiscord, name: str = "facilitators") -> FakeChannel:
    assert fake.guild is not None
    channel = fake.guild.add_channel(name)
    channel.set_overwrite(fake.guild.roles[0], deny=Permissions.VIEW_CHANNEL)
    channel.set_overwrite(fake.guild.members[fake.bot_user.id], allow=Permissions.VIEW_CHANNEL)
    return channel


def digests(fake: FakeDiscord, channel: FakeChannel) -> list[FakeMessage]:
    return [
        m
        for m in fake.messages[channel.id]
        if not m.deleted
        and m.embeds
        and embed_of(m).get("footer", {}).get("text", "").startswith("Weekly digest")
    ]


async def start_spring(fake: FakeDiscord) -> Any:
    return await run(
        fake,
        "cohort start",
        {
            "name": "Spring",
            "channel": "general",
            "time": "09:00",
            "timezone": "Europe/Berlin",
            "facilitator_channel": "facilitators",
        },
        channel="facilitators",
    )


async def a_day(bot: CohortBot, clock: FakeClock, hours: float = 24) -> None:
    """Tick the loop every 15 minutes for ``hours``."""
    stop = clock.now + timedelta(hours=hours)
    while clock.now < stop:
        await tick(bot)
        clock.advance(minutes=15)


async def test_pulse_names_who_has_not_reflected_and_pings_nobody(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    private_channel(fake)
    bob, carol = add_member(fake, "Bob"), add_member(fake, "Carol")
    alice = fake.default_user
    first, second = prompts_in_order()[:2]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await start_spring(fake)
        empty = await run(fake, "cohort pulse")
        assert "Nobody has joined “Spring” yet" in embed_of(empty.data)["description"]
        for member in (alice, bob, carol):
            await run(fake, "cohort join", user=member)
        await run(fake, "schedule quiet", {"dates": "2026-03-03"})
        await a_day(bot, clock, 26)  # Monday's post; Tuesday 09:00 is quiet
        await reflect(fake, "Mine stays mine.", alice, about=first.id)
        await run(fake, "cohort leave", user=carol)  # opted out: no longer counted
        await a_day(bot, clock, 26)  # to Wednesday 11:00 in Berlin: its post is out
        await reflect(fake, "Bob's words.", bob, about=second.id)

        refused = await run(fake, "cohort pulse", user=alice)
        assert (refused.content or "").startswith("Only facilitators can see who has reflected")
        shown = await run(fake, "cohort pulse")
        assert shown.ephemeral and shown.data["allowed_mentions"] == {"parse": []}
        text = embed_of(shown.data)["description"]
        assert text.splitlines() == [
            "2 members in “Spring”. Who reflected on each prompt (never what they wrote):",
            f"Wed 04 Mar 2026, “{second.title}”: 1 of 2; not yet: <@{alice.id}>.",
            f"Mon 02 Mar 2026, “{first.title}”: 1 of 2; not yet: <@{bob.id}>.",
        ]
        assert "Mine stays mine" not in text and "Bob's words" not in text
        assert f"<@{carol.id}>" not in text, "who left is not counted"


async def test_the_weekly_digest_goes_once_a_week_to_the_private_channel(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    private = private_channel(fake)
    bob = add_member(fake, "Bob")
    first = prompts_in_order()[0]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        started = await start_spring(fake)
        assert f"<#{private.id}>" in embed_of(started.data)["description"]
        await run(fake, "cohort join", user=bob)
        await run(fake, "cohort join", user=fake.default_user)
        await a_day(bot, clock, 2)
        await reflect(fake, "A thought.", fake.default_user, about=first.id)
        await a_day(bot, clock, 24 * 7)  # to Monday 9 March, 09:00 in Berlin (08:00 UTC)
        assert digests(fake, private) == [], "not before Monday's post time"
        await a_day(bot, clock, 1.5)
        [digest] = digests(fake, private)
        assert digest.allowed_mentions == {"parse": []}
        body = embed_of(digest)
        assert body["title"] == "Weekly digest: Spring"
        assert body["footer"]["text"] == "Weekly digest · cohort 1 · week of 2026-03-09"
        assert "The week of Mon 02 Mar 2026." in body["description"]
        assert f"“{first.title}”: 1 of 2; not yet: <@{bob.id}>." in body["description"]
        assert "A thought" not in body["description"]
        await a_day(bot, clock, 6)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await a_day(bot, clock, 12)
        assert len(digests(fake, private)) == 1, "once a week, across a restart"

        # A crash between reserving next week's digest and sending it: settled on restart.
        store = bot.services.store
        clock.now = datetime(2026, 3, 16, 8, 5, tzinfo=UTC)  # Monday 09:05 in Berlin
        from datetime import date

        assert await store.reserve_delivery(
            1, "digest", date(2026, 3, 16), now=clock.now, channel_id=int(private.id)
        )
    clock.advance(minutes=5)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await tick(bot)  # found nowhere: released
        await tick(bot)  # then sent
        await tick(bot)
        weeks = [embed_of(m)["footer"]["text"][-10:] for m in digests(fake, private)]
        assert weeks == ["2026-03-09", "2026-03-16"]

        ended = await run(fake, "cohort end", channel="facilitators")
        assert "has ended" in (ended.content or "")
        clock.now = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
        await a_day(bot, clock, 3)
        assert len(digests(fake, private)) == 2, "no digest after the cohort ends"
