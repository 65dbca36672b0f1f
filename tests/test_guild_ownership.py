"""Two processes over one database, each owning half the shards: every daily post, reminder
and digest goes out once, from the process that owns its server; a crash's leftovers are
settled only by the owner. Real SQLite, a hand-moved clock, recording chats."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services.container import Services
from bot.services.ownership import GuildOwnership
from bot.sharding import shard_of
from bot.store import CohortRow
from tests.e2e import CONTENT
from tests.fakes import FakeClock, RecordingCourier, RecordingPoster

SHARDS = 2
GUILDS = [(1_000 + number) << 22 for number in range(12)]  # shards 0 and 1, alternately
MEMBER = 900_000_000_000_000_001
MONDAY = date(2026, 3, 2)


def test_a_server_is_owned_by_its_shard_and_slack_by_the_slack_process() -> None:
    zero = GuildOwnership.shards(SHARDS, [0], slack=True)
    one = GuildOwnership.shards(SHARDS, [1], slack=False)
    for guild in GUILDS:
        assert zero.owns(guild) != one.owns(guild)
        assert zero.owns(guild) == (shard_of(guild, SHARDS) == 0)
    assert zero.owns(-7) and not one.owns(-7)  # a Slack workspace
    everything = GuildOwnership.everything()
    assert all(everything.owns(guild) for guild in [*GUILDS, -7, 1])
    with pytest.raises(ValueError, match="do not fit"):
        GuildOwnership.shards(2, [2], slack=False)


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[tuple[FakeClock, Services, Services]]:
    """Two services over one SQLite file, owning shard 0 and shard 1; one cohort per server."""
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    settings = Settings.model_validate(
        {"content_dir": CONTENT, "database": {"path": tmp_path / "cohort.sqlite3"}}
    )
    first = await Services.open(
        settings, clock, owned=GuildOwnership.shards(SHARDS, [0], slack=False)
    )
    second = await Services.open(
        settings, clock, owned=GuildOwnership.shards(SHARDS, [1], slack=False)
    )
    for number, guild in enumerate(GUILDS):
        row = await first.store.create_cohort(
            guild,
            name="Spring",
            channel_id=10 + number,
            digest_channel_id=100 + number,
            post_time="09:00",
            timezone="UTC",
            starts_on=MONDAY,
            now=clock.now,
        )
        assert row is not None
        await first.store.join_cohort(row.id, MEMBER, "Max", now=clock.now)
        await first.store.set_reminder(row.id, MEMBER, "18:00", None)
    try:
        yield clock, first, second
    finally:
        await first.close()
        await second.close()


def owner_index(guild: int) -> int:
    return shard_of(guild, SHARDS)


async def test_each_prompt_reminder_and_digest_goes_out_once_from_its_owner(
    processes: tuple[FakeClock, Services, Services],
) -> None:
    clock, first, second = processes
    posters = (RecordingPoster(), RecordingPoster())
    couriers = (RecordingCourier(), RecordingCourier())
    both = (first, second)

    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for _ in range(3):  # both loops at once, again and again: still once each
        await asyncio.gather(*(s.prompts.run_due(p) for s, p in zip(both, posters, strict=True)))
    for index, poster in enumerate(posters):
        guilds = [post.guild_id for post in poster.posts]
        assert sorted(guilds) == [g for g in GUILDS if owner_index(g) == index]
    assert [len(await first.store.history(row.id)) for row in await cohorts(first)] == [1] * 12

    clock.now = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    for _ in range(2):
        await asyncio.gather(*(s.reminders.run_due(c) for s, c in zip(both, couriers, strict=True)))
    for index, courier in enumerate(couriers):
        reminded = sorted(note.marker for _, note in courier.direct_messages)
        assert reminded == sorted(
            f"Reminder · cohort {row.id} · 2026-03-02"
            for row in await cohorts(first)
            if owner_index(row.guild_id) == index
        )

    clock.now = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # the next Monday: digests are due
    for _ in range(2):
        await asyncio.gather(*(s.pulse.run_digests(c) for s, c in zip(both, couriers, strict=True)))
    for index, courier in enumerate(couriers):
        digests = sorted(channel for channel, note in courier.sent if "digest" in note.marker)
        assert digests == sorted(
            100 + number for number, g in enumerate(GUILDS) if owner_index(g) == index
        )


async def cohorts(services: Services) -> list[CohortRow]:
    return [row for guild in GUILDS for row in await services.store.list_cohorts(guild)]


async def test_a_crashed_reservation_is_settled_only_by_its_servers_owner(
    processes: tuple[FakeClock, Services, Services],
) -> None:
    clock, first, second = processes
    guild = GUILDS[1]
    assert owner_index(guild) == 1  # the second process owns it
    [row] = await first.store.list_cohorts(guild)
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    prompt = first.content.library.prompts[0]
    reservation = await first.store.reserve_post(row.id, 1, prompt.id, MONDAY, now=clock.now)
    assert reservation is not None  # ... and the process that made it died mid-send
    clock.advance(minutes=5)
    sent = {prompt.id: (4242, 4343)}  # it did reach the chat
    stranger, owner = RecordingPoster(sent_unrecorded=dict(sent)), RecordingPoster()
    owner.sent_unrecorded = dict(sent)

    await first.prompts.settle_unconfirmed(stranger)
    [left] = await first.store.unconfirmed_posts(before=clock.now)
    assert left.id == reservation  # untouched by the process that does not own the server

    await second.prompts.settle_unconfirmed(owner)
    assert await first.store.unconfirmed_posts(before=clock.now) == []
    [entry] = await first.store.history(row.id)
    assert (entry.id, entry.message_id, entry.thread_id) == (reservation, 4242, 4343)
    assert stranger.posts == [] and owner.posts == []  # found, so never sent twice
