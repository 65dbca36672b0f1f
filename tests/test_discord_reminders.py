"""Gentle reminders end to end: only members who asked, by DM, on days they have not yet
reflected; never on a quiet day, never after the cohort ends, never twice across a
restart; a member with closed DMs is told privately at their next command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e import cohort_bot, embed_of
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionTimeout
from tests.fakediscord.models import FakeUser
from tests.fakes import FakeClock
from tests.test_discord_cohorts import prompts_in_order, run
from tests.test_discord_pulse import a_day
from tests.test_discord_reflections import add_member, reflect

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


def reminders_to(fake: FakeDiscord, user: FakeUser) -> list[str]:
    """The dates of the reminders a member got by DM."""
    dm = fake.world.dm_channel(user)
    return [
        embed_of(m)["footer"]["text"].rsplit(" · ", 1)[-1]
        for m in fake.messages[dm.id]
        if m.embeds and not m.deleted
    ]


async def test_reminders_reach_only_who_asked_on_days_without_a_reflection(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = fake_discord, FakeClock(MONDAY)
    alice = fake.default_user
    bob, carol, dave, erin = (add_member(fake, n) for n in ("Bob", "Carol", "Dave", "Erin"))
    prompts = prompts_in_order()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await run(
            fake,
            "cohort start",
            {
                "name": "Spring",
                "channel": "general",
                "time": "09:00",
                "timezone": "Europe/Berlin",
                "ends": "2026-03-06",
            },
        )
        await run(fake, "schedule quiet", {"dates": "2026-03-04"})
        early = await run(fake, "remind me", {"time": "08:00"}, user=alice)
        assert "choose a reminder time after it" in (early.content or "")
        far = await run(
            fake, "remind me", {"time": "20:00", "timezone": "America/New_York"}, user=bob
        )
        assert "choose a reminder time after it" in (far.content or ""), "02:00 the next day"
        asked = await run(fake, "remind me", {"time": "18:00"}, user=alice)
        assert (asked.content or "").startswith("You joined “Spring” (facilitators see whether")
        assert "I will remind you at 18:00 (Europe/Berlin) by direct message" in (
            asked.content or ""
        )
        await run(fake, "remind me", {"time": "18:30", "timezone": "Europe/London"}, user=bob)
        await run(fake, "cohort join", user=carol)  # takes part; never asked for reminders
        await run(fake, "remind me", {"time": "18:00"}, user=dave)
        fake.close_dms(dave)
        await run(fake, "remind me", {"time": "18:00"}, user=erin)
        off = await run(fake, "remind off", user=erin)
        assert off.content == "No more reminders for “Spring”. You are still in the cohort."

        await a_day(bot, clock, 4)  # Monday's prompt is out at 09:00
        await reflect(fake, "Done for today.", alice, about=prompts[0].id)
        await a_day(bot, clock, 20)  # Monday evening: Bob (19:30 Berlin) and Dave
        assert reminders_to(fake, alice) == [], "Alice reflected today"
        assert reminders_to(fake, bob) == ["2026-03-02"]
        dm_text = embed_of(fake.messages[fake.world.dm_channel(bob).id][-1])["description"]
        assert f"Today's prompt, “{prompts[0].title}”, is in <#" in dm_text
        assert "You asked for this reminder; /remind off stops it." in dm_text
        await a_day(bot, clock, 12)  # Tuesday until 19:00 Berlin
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await a_day(bot, clock, 12)  # the rest of Tuesday, after a restart
        await a_day(bot, clock, 24)  # Wednesday is quiet
        await a_day(bot, clock, 48)  # Thursday and Friday, the cohort's last day
        await a_day(bot, clock, 48)  # the weekend: it has ended
    days = ["2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06"]
    assert reminders_to(fake, alice) == days[1:]
    assert reminders_to(fake, bob) == days, "never twice, never on the quiet day or after the end"
    for nobody in (carol, erin, dave):
        assert reminders_to(fake, nobody) == []
    assert fake.pinging_messages() == []

    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False):
        handle = await fake.slash("cohort list", user=dave)
        listed = await handle.response()
        assert listed.ephemeral
        note = await handle.next_followup()
        assert note.ephemeral and note.content.startswith(
            "I could not send you the reminder you asked for in Spring: your direct messages "
            "are closed to me."
        )
        again = await fake.slash("cohort list", user=dave)
        await again.response()
        assert await _no_followup(again), "told once"
    fake.assert_clean(allow_status=(403,))  # only Discord's 50007 for Dave's closed DMs


async def _no_followup(handle: Any) -> bool:
    try:
        await handle.next_followup(timeout=0.3)
    except InteractionTimeout:
        return True
    return False


async def test_a_reminder_asked_for_late_in_the_day_and_a_post_that_came_late(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await run(
            fake,
            "cohort start",
            {"name": "Spring", "channel": "general", "time": "09:00", "timezone": "Europe/Berlin"},
        )
        await a_day(bot, clock, 13)  # Monday 20:00 Berlin: the prompt has been out all day
        late = await run(fake, "remind me", {"time": "19:00"}, user=fake.default_user)
        assert "I will remind you at 19:00" in (late.content or "")
        await a_day(bot, clock, 1)
        assert reminders_to(fake, fake.default_user) == ["2026-03-02"], "late the same evening"
        clock.now = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the bot was away overnight
        await a_day(bot, clock, 12)  # Tuesday: the post at 09:00, the reminder at 19:00
        assert reminders_to(fake, fake.default_user) == ["2026-03-02", "2026-03-03"]
        clock.now = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)  # away all Wednesday, back at 20:00
        await a_day(bot, clock, 2)  # its prompt goes out late, after the reminder time
        assert len(reminders_to(fake, fake.default_user)) == 2, "no reminder for a late post"
