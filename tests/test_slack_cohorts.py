"""Cohorts on Slack, end to end through Bolt and the fake Slack: /cohort start (two at
once), list, join and leave, the Join button on the daily post, pulse by mentions in an
ephemeral answer, a member refused, /remind me and off; reminders by DM, the weekly digest
and the end-of-cohort summary sent by the Slack loop, and each note routed to its own chat
when both faces run."""

from __future__ import annotations

from pathlib import Path

from bot.services.delivery import Note
from bot.slack_face.delivery import FaceCourier
from bot.text import Rich
from tests.fakes import FakeClock, RecordingCourier
from tests.fakeslack import ADMIN, ALICE, BOB, BOT_USER, COHORT, FakeSlack, Message
from tests.fakeslack.world import TEAM
from tests.slack_e2e import fake_slack, slack_bot
from tests.test_slack_prompts import answer_to, top_level

__all__ = ["fake_slack"]
SECOND, FACIL = "C0SECOND01", "C0FACIL001"
START = (
    "start Spring 2026 <#C0COHORT01|cohort> 09:00 Europe/Berlin weekdays "
    "ends: 2026-04-10 facilitators: <#C0FACIL001|facilitators>"
)


def arrange(fake: FakeSlack) -> None:
    fake.world.add_channel(SECOND, "second", ALICE, BOB, ADMIN)
    fake.world.add_channel(FACIL, "facilitators", ADMIN, is_private=True)


async def test_two_cohorts_a_list_and_a_member_refused(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    arrange(fake_slack)
    async with slack_bot(fake_slack, tmp_path, clock=FakeClock()):
        refused = await answer_to(fake_slack, "/cohort", START, user=ALICE)
        assert refused.ephemeral_to == ALICE
        assert refused.text.startswith("Only facilitators can start cohorts")
        assert "owners and admins" in refused.text

        started = await answer_to(fake_slack, "/cohort", START)
        assert started.text == "Started the cohort “Spring 2026”."
        assert "<#C0COHORT01>" in started.texts() and "<#C0FACIL001>" in started.texts()
        second = await answer_to(
            fake_slack,
            "/cohort",
            "start name: Autumn channel: <#C0SECOND01|second> time: 18:30 "
            "timezone: America/Chicago days: mon,wed",
        )
        assert second.text == "Started the cohort “Autumn”."
        assert "18:30 America/Chicago" in second.texts()

        public = await answer_to(
            fake_slack, "/cohort", "edit Autumn facilitators: <#C0SECOND01|second>"
        )
        assert "every member can see that channel" in public.text

        listed = await answer_to(fake_slack, "/cohort", "list", user=ALICE)
        assert "Spring 2026" in listed.texts() and "Autumn" in listed.texts()

        usage = await answer_to(fake_slack, "/cohort", "start Spring 09:00")
        assert usage.text.startswith("Missing channel, time, timezone. Usage: /cohort start")
        bad_time = await answer_to(
            fake_slack, "/cohort", "start Winter <#C0FACIL001|facilitators> 25:00 Europe/Berlin"
        )
        assert bad_time.text == "Time must be HH:MM in 24-hour form, like 09:00 or 18:30."
        unknown = await answer_to(fake_slack, "/cohort", "sideways")
        assert unknown.text.startswith("Usage: /cohort start NAME #channel")
        member_refused = await answer_to(fake_slack, "/cohort", "pulse Autumn", user=BOB)
        assert member_refused.text.startswith("Only facilitators")
        ended_by_member = await answer_to(fake_slack, "/cohort", "end Autumn", user=BOB)
        assert ended_by_member.text.startswith("Only facilitators can end cohorts")
    fake_slack.assert_clean()


async def test_join_leave_the_join_button_and_pulse_by_mentions(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    arrange(fake_slack)
    clock = FakeClock()
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await answer_to(fake_slack, "/cohort", START)
        empty = await answer_to(fake_slack, "/cohort", "pulse")
        assert "Nobody has joined “Spring 2026” yet" in empty.texts()

        joined = await answer_to(fake_slack, "/cohort", "join", user=ALICE)
        assert joined.text.startswith("You joined “Spring 2026”.")
        added = await answer_to(fake_slack, "/cohort", "add member <@U0BOB00001|bob>")
        assert added.text.startswith("Added bob to “Spring 2026”.")
        not_member = await answer_to(fake_slack, "/cohort", "add member bob")
        assert not_member.text == "Usage: /cohort add member @member [COHORT]"

        clock.advance(hours=1, minutes=1)  # 09:01 in Berlin: the first post
        await face.loop.tick()
        [post] = top_level(fake_slack)
        assert post.action_ids()[-3:] == ["reflect", "join", "practice:next:p"]
        before = len(fake_slack.world.messages)
        await fake_slack.click(post, "join", user=ADMIN)
        clicked: list[Message] = await fake_slack.wait_for(
            lambda: [m for m in fake_slack.world.messages[before:] if m.ephemeral_to == ADMIN]
        )
        assert clicked[0].text.startswith("You joined “Spring 2026”.")

        left = await answer_to(fake_slack, "/cohort", "leave Spring 2026", user=ADMIN)
        assert left.text.startswith("You left “Spring 2026”")
        pulse = await answer_to(fake_slack, "/cohort", "pulse Spring 2026")
        shown = pulse.texts()
        assert pulse.ephemeral_to == ADMIN  # Slack pings nobody for an ephemeral mention
        assert "Pulse: Spring 2026" in shown and "0 of 2" in shown
        assert "<@U0ALICE001>" in shown and "<@U0BOB00001>" in shown
        assert "<@U0ADMIN001>" not in shown, "who left is not counted"
        assert "<!channel>" not in shown and "<!here>" not in shown
        public = [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
        assert not any("<@" in m.texts() for m in public), "nobody named in public"

        ended = await answer_to(fake_slack, "/cohort", "end")
        assert ended.text.startswith("“Spring 2026” has ended")
        following = await answer_to(fake_slack, "/cohort", "next Summer 2026 starts: 2026-06-01")
        assert "started “Summer 2026” in its channel" in following.text
    fake_slack.assert_clean()


async def test_remind_me_and_off(fake_slack: FakeSlack, tmp_path: Path) -> None:
    arrange(fake_slack)
    async with slack_bot(fake_slack, tmp_path, clock=FakeClock()) as face:
        await answer_to(fake_slack, "/cohort", START)
        asked = await answer_to(fake_slack, "/remind", "me 18:00", user=ALICE)
        assert asked.text.startswith("You joined “Spring 2026”")
        assert "I will remind you at 18:00 (Europe/Berlin)" in asked.text
        own_zone = await answer_to(fake_slack, "/remind", "me 19:30 Europe/Lisbon", user=ALICE)
        assert "at 19:30 (Europe/Lisbon)" in own_zone.text
        [row] = await face.services.store.reminder_subscribers()
        assert (row.remind_at, row.remind_zone) == ("19:30", "Europe/Lisbon")
        usage = await answer_to(fake_slack, "/remind", "sometime", user=ALICE)
        assert usage.text.startswith("Usage: /remind me HH:MM")
        off = await answer_to(fake_slack, "/remind", "off", user=ALICE)
        assert off.text == "No more reminders for “Spring 2026”. You are still in the cohort."
        assert await face.services.store.reminder_subscribers() == []
        again = await answer_to(fake_slack, "/remind", "off", user=ALICE)
        assert again.text == "You had no reminders here; nothing changed."
    fake_slack.assert_clean()


def bot_messages(fake: FakeSlack, channel: str) -> list[Message]:
    return [
        m
        for m in fake.world.visible(channel)
        if m.user == BOT_USER and m.ephemeral_to is None and m.thread_ts is None
    ]


async def test_reminders_by_dm_the_digest_and_the_end_summary_go_through_slack(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    arrange(fake_slack)
    clock = FakeClock()  # Monday 2 March 2026, 08:00 in Berlin
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await answer_to(fake_slack, "/cohort", START)
        await answer_to(fake_slack, "/remind", "me 18:00", user=ALICE)
        await answer_to(fake_slack, "/cohort", "join", user=BOB)  # and asks for nothing
        clock.advance(hours=1, minutes=1)
        await face.loop.tick()
        assert len(top_level(fake_slack)) == 1
        assert bot_messages(fake_slack, "D0ALICE001") == [], "not before 18:00"

        clock.advance(hours=9)  # 18:01 in Berlin
        await face.loop.tick()
        await face.loop.tick()
        [reminder] = bot_messages(fake_slack, "D0ALICE001")
        assert "A gentle reminder from “Spring 2026”" in reminder.texts()
        assert "the thread in <#C0COHORT01>" in reminder.texts()
        assert bot_messages(fake_slack, "D0BOB00001") == [], "nobody who did not ask"

        clock.advance(days=6, hours=15)  # Monday 9 March, 09:01 in Berlin
        await face.loop.tick()
        await face.loop.tick()
        [digest] = bot_messages(fake_slack, FACIL)
        shown = digest.texts()
        assert "Weekly digest: Spring 2026" in shown and "alice" in shown and "bob" in shown
        assert "<@" not in shown and "<!" not in shown.replace("<!date^", ""), "pings nobody"

        await answer_to(fake_slack, "/cohort", "end")
        await face.loop.tick()
        await face.loop.tick()
        summaries = [m for m in bot_messages(fake_slack, FACIL) if "End of cohort" in m.texts()]
        assert len(summaries) == 1
    fake_slack.assert_clean()


async def test_with_both_faces_each_note_goes_through_its_own_chat(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    arrange(fake_slack)
    clock = FakeClock()
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        discord = RecordingCourier()
        courier = FaceCourier(face, await face.ids.of(TEAM), discord)
        note = Note("Weekly digest: Spring", (Rich.of("1 of 2"),), "Weekly digest · cohort 1")
        facil = await face.ids.of(FACIL)
        sent = await courier.send(facil, await face.ids.of(TEAM), note)
        assert [m.text for m in bot_messages(fake_slack, FACIL)] == ["Weekly digest: Spring"]
        found = await courier.find(facil, await face.ids.of(TEAM), note.marker, clock())
        assert found == sent, "found again after a crash, by its marker"
        assert await courier.find(facil, await face.ids.of(TEAM), "another", clock()) is None
        await courier.send(42, 1234, note)  # a Discord server's channel
        await courier.direct(987654321098765432, note)  # a Discord member
        await courier.direct(await face.ids.of(ALICE), note)
        assert [channel for channel, _ in discord.sent] == [42]
        assert [user for user, _ in discord.direct_messages] == [987654321098765432]
        assert len(bot_messages(fake_slack, "D0ALICE001")) == 1
    fake_slack.assert_clean()
