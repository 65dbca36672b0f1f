"""Exports and summaries per cohort, end to end: the CSV by cohort and date range with the
recorded name beside each id (spreadsheet-safe), "x of N members" per prompt under the
counting rule, and the end-of-cohort summary, sent once to the facilitators' channel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e import cohort_bot, embed_of
from tests.fakediscord import FakeDiscord
from tests.fakes import FakeClock
from tests.test_discord_cohorts import prompts_in_order, run
from tests.test_discord_pulse import a_day, private_channel
from tests.test_discord_reflections import add_member, reflect

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def csv_rows(message: Any) -> list[dict[str, str]]:
    [attachment] = message.attachments
    return list(csv.DictReader(io.StringIO(attachment.data.decode())))


async def export(fake: FakeDiscord, **options: str) -> list[dict[str, str]]:
    assert fake.guild is not None
    handle = await fake.slash("cohort-reflections export", options, user=fake.guild.owner)
    await handle.response()
    return csv_rows(await handle.next_followup())


async def test_the_csv_by_cohort_and_date_range_names_authors_safely(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    assert fake.guild is not None
    fake.guild.add_channel("autumn")
    sly = add_member(fake, "=HYPERLINK(evil)")
    alice = fake.default_user
    first = prompts_in_order()[0]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        for name, channel in (("Spring", "general"), ("Autumn", "autumn")):
            options = {"name": name, "channel": channel, "time": "09:00", "timezone": "UTC"}
            await run(fake, "cohort start", options)
        await run(fake, "cohort join", user=alice, channel="general")
        await run(fake, "cohort join", user=sly, channel="autumn")
        await a_day(bot, clock, 4)
        await reflect(fake, "Spring words.", alice, about=first.id)  # in #general: Spring
        clock.advance(days=1)
        await reflect(fake, "=1+1", sly, about=first.id)  # the only cohort Sly is in
        await reflect(fake, "No name.", alice, about=first.id, visibility="anonymous")

        everything = await export(fake)
        assert [(r["cohort"], r["author_name"], r["text"]) for r in everything] == [
            ("Spring", "Alice", "Spring words."),
            ("Autumn", "'=HYPERLINK(evil)", "'=1+1"),
            ("Spring", "anonymous", "No name."),
        ]
        assert everything[2]["author_id"] == "anonymous"
        autumn = await export(fake, cohort="Autumn")
        assert [r["text"] for r in autumn] == ["'=1+1"]
        first_day = await export(fake, since="2026-03-02", until="2026-03-02")
        assert [r["text"] for r in first_day] == ["Spring words."]
        later = await export(fake, cohort="Spring", since="2026-03-03")
        assert [r["text"] for r in later] == ["No name."]


async def test_summary_per_cohort_and_the_end_of_cohort_summary(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    private = private_channel(fake)
    members = [add_member(fake, f"Member{n}") for n in range(6)]
    first, second = prompts_in_order()[:2]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await run(
            fake,
            "cohort start",
            {
                "name": "Spring",
                "channel": "general",
                "time": "09:00",
                "timezone": "Europe/Berlin",
                "ends": "2026-03-03",
                "facilitator_channel": "facilitators",
            },
        )
        for member in members:
            await run(fake, "cohort join", user=member)
        await a_day(bot, clock, 4)
        for member in members[:5]:
            await reflect(fake, "Thoughts.", member, about=first.id)
        await a_day(bot, clock, 24)
        await reflect(fake, "More.", members[0], about=second.id)
        assert fake.guild is not None
        handle = await fake.slash(
            "cohort-reflections summary", {"cohort": "Spring"}, user=fake.guild.owner
        )
        await handle.response()
        summary = embed_of(await handle.next_followup())["description"].splitlines()
        assert summary == [
            "“Spring”: 6 members; 2 prompts posted from Mon 02 Mar 2026 to Tue 03 Mar 2026.",
            "Reflected at least once: all but fewer than 5 of 6 members. Counts of 1 to 4 "
            "members read “fewer than 5”, so no one can be singled out.",
            f"Mon 02 Mar 2026, “{first.title}”: all but fewer than 5 of 6 members.",
            f"Tue 03 Mar 2026, “{second.title}”: fewer than 5 of 6 members.",
        ]
        await a_day(bot, clock, 24)  # Wednesday: the cohort's last day is over
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await a_day(bot, clock, 2)
        finals = [
            m
            for m in fake.messages[private.id]
            if m.embeds and embed_of(m)["title"] == "End of cohort: Spring"
        ]
        assert len(finals) == 1, "sent once, across a restart"
        body = embed_of(finals[0])["description"]
        assert body.startswith("“Spring” has ended: 6 members; 2 prompts posted")
        assert "Thoughts" not in body
        [cohort] = await bot.services.store.list_cohorts(int(fake.guild.id), include_ended=True)
        assert cohort.ended, "it ended by itself after its last day"
        status = await run(fake, "prompt status", user=fake.default_user)
        assert "Cohort: Spring (ended)." in embed_of(status.data)["description"]


async def test_ending_by_hand_answers_with_the_summary(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await run(
            fake,
            "cohort start",
            {"name": "Spring", "channel": "general", "time": "09:00", "timezone": "UTC"},
        )
        ended = await run(fake, "cohort end")
        assert (ended.content or "").startswith("“Spring” has ended")
        assert embed_of(ended.data)["title"] == "End of cohort: Spring"
        assert "counts per prompt would single people out" in embed_of(ended.data)["description"]
