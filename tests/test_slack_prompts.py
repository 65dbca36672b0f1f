"""The daily prompt on Slack, end to end: /schedule, the post with its thread and Reflect
button, sharing into that thread, exactly once across a restart, facilitators only."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import FakeClock
from tests.fakeslack import ADMIN, ALICE, BOT_USER, COHORT, FakeSlack, Message
from tests.slack_e2e import fake_slack, slack_bot

__all__ = ["fake_slack"]
SET = "set <#C0COHORT01|cohort> 09:00 Europe/Berlin"  # 08:00 UTC; the clock starts at 07:00


def top_level(fake: FakeSlack) -> list[Message]:
    return [
        m
        for m in fake.world.visible(COHORT)
        if m.ephemeral_to is None and m.thread_ts is None and m.user == BOT_USER
    ]


async def answer_to(fake: FakeSlack, command: str, text: str, user: str = ADMIN) -> Message:
    """The private answer to a command (posts it made meanwhile are skipped)."""
    before = len(fake.world.messages)
    assert (await fake.slash(command, text, user=user)).status == 200
    found: list[Message] = await fake.wait_for(
        lambda: [m for m in fake.world.messages[before:] if m.ephemeral_to == user]
    )
    return found[0]


async def test_members_are_refused_and_facilitators_schedule(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path, clock=FakeClock()):
        refused = await answer_to(fake_slack, "/schedule", SET, user=ALICE)
        assert refused.ephemeral_to == ALICE
        assert refused.text == (
            "Only facilitators can schedule prompts: they are this workspace's owners and admins."
        )
        refused = await answer_to(fake_slack, "/cohort-reflections", "export", user=ALICE)
        assert "Only facilitators" in refused.text
        saved = await answer_to(fake_slack, "/schedule", SET)
        assert "Posting in <#C0COHORT01> at 09:00 Europe/Berlin" in saved.texts()
        status = await answer_to(fake_slack, "/prompt", "status", user=ALICE)
        assert "<!date^" in status.texts()
    fake_slack.assert_clean()


async def test_a_user_group_makes_facilitators(fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.world.usergroups["S0FACIL001"] = {ALICE}
    async with slack_bot(
        fake_slack,
        tmp_path,
        slack={"api_base_url": fake_slack.api_base_url, "facilitator_group": "S0FACIL001"},
    ):
        saved = await answer_to(fake_slack, "/schedule", SET, user=ALICE)
        assert "Posting in <#C0COHORT01>" in saved.texts()


async def test_the_daily_post_opens_a_thread_where_reflections_are_shared(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await answer_to(fake_slack, "/schedule", SET)
        await face.loop.tick()
        assert top_level(fake_slack) == []  # 08:00 Berlin: not yet
        clock.advance(hours=1, minutes=1)
        await face.loop.tick()
        [post] = top_level(fake_slack)
        assert "Content note" in post.texts() and "reflect" in post.action_ids()
        thread = [m for m in fake_slack.world.visible(COHORT) if m.thread_ts == post.ts]
        assert [m.text.split(":")[0] for m in thread] == ["Discussion"]
        await face.loop.tick()
        assert len(top_level(fake_slack)) == 1

        await fake_slack.click(post, "reflect")
        opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
        await fake_slack.submit(
            opened, {"text": "In the thread."}, selects={"visibility": "anonymous"}
        )
        shared = await fake_slack.wait_for(
            lambda: [
                m
                for m in fake_slack.world.visible(COHORT)
                if m.thread_ts == post.ts and "In the thread." in m.texts()
            ]
        )
        assert "<@" not in shared[0].texts()
    fake_slack.assert_clean()


async def test_a_post_sent_but_not_recorded_is_found_after_a_restart(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await answer_to(fake_slack, "/schedule", SET)
        clock.advance(hours=1, minutes=1)
        fake_slack.lose_answer.add("chat.postMessage")  # sent, but the bot never hears so
        await face.loop.tick()
        assert len(top_level(fake_slack)) == 1
    clock.advance(minutes=5)
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await face.loop.tick()
        await face.loop.tick()
        [post] = top_level(fake_slack)  # found and recorded, never posted twice
        history = await face.services.store.guild_history(await face.ids.of("T0FAKE0001"), limit=5)
        assert [entry.message_id for entry in history] == [await face.ids.message(COHORT, post.ts)]
        thread = [m for m in fake_slack.world.visible(COHORT) if m.thread_ts == post.ts]
        assert len(thread) == 1  # the thread was opened when the post was found


async def test_schedule_preview_post_now_skip_pause_resume_and_quiet_dates(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path, clock=FakeClock()) as face:
        await answer_to(fake_slack, "/schedule", SET)
        coming = await answer_to(fake_slack, "/schedule", "next 3")
        titles = [p.title for p in face.services.content.library.prompts[:3]]
        assert "Coming up" in coming.texts() and titles[0] in coming.texts()
        posted = await answer_to(fake_slack, "/schedule", "now")
        assert f"Posted “{titles[0]}” in <#C0COHORT01>." in posted.texts()
        assert len(top_level(fake_slack)) == 1
        skipped = await answer_to(fake_slack, "/schedule", "skip")
        assert skipped.text.startswith(f"Skipped “{titles[1]}”")
        paused = await answer_to(fake_slack, "/schedule", "pause")
        assert "Paused." in paused.texts()
        resumed = await answer_to(fake_slack, "/schedule", "resume")
        assert "Paused." not in resumed.texts().split("*Resumed*", 1)[1]
        quiet = await answer_to(fake_slack, "/schedule", "quiet 2026-12-24..2026-12-26")
        assert "24" in quiet.text and "26" in quiet.text
        wrong = await answer_to(fake_slack, "/schedule", "set cohort 09:00 Europe/Berlin")
        assert "Name the channel first" in wrong.text
        usage = await answer_to(fake_slack, "/schedule", "sideways")
        assert usage.text.startswith("Usage: /schedule set #channel")
    fake_slack.assert_clean()
