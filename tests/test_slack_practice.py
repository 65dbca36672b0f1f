"""Practice on Slack, end to end through Bolt and the fake Slack: /practice privately, an
answer button (committed before the reveal), the reveal in place with the next check,
/practice stats, and the Quick check button on the daily post."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import FakeClock
from tests.fakeslack import ALICE, BOB, FakeSlack, Message
from tests.slack_e2e import fake_slack, slack_bot
from tests.test_discord_practice import FIRST, SECOND, answers
from tests.test_slack_cohorts import START, arrange
from tests.test_slack_prompts import answer_to, top_level

__all__ = ["fake_slack"]


async def test_practice_answer_reveal_next_and_stats(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with slack_bot(fake_slack, tmp_path, clock=FakeClock()) as face:
        check = await answer_to(fake_slack, "/practice", "", user=ALICE)
        assert check.ephemeral_to == ALICE
        assert "Quick check: is it true?" in check.texts()
        assert FIRST.question in check.texts() and FIRST.why not in check.texts()
        answer_ids = [f"practice:answer:{key}" for key in ("true", "false", "unsure")]
        assert check.action_ids() == answer_ids
        assert {check.element(a)["value"] for a in answer_ids} == {FIRST.item_id}

        await fake_slack.click(check, "practice:answer:true", user=ALICE)
        await fake_slack.wait_for(lambda: check.edits == 1)
        alice = await face.ids.of(ALICE)
        assert answers(tmp_path) == [(alice, FIRST.item_id, "true", 0)]
        shown = check.texts()
        assert "Not quite: the article does not support this belief." in shown
        assert "*You answered:* True" in shown and "Source: " in shown
        assert check.action_ids()[0] == f"card:{FIRST.card_id}"
        assert check.action_ids()[-1] == "practice:next:e"

        before = len(fake_slack.world.messages)
        await fake_slack.click(check, f"card:{FIRST.card_id}", user=ALICE)
        card: list[Message] = await fake_slack.wait_for(
            lambda: [m for m in fake_slack.world.messages[before:] if m.ephemeral_to == ALICE]
        )
        assert card[0].ephemeral_to == ALICE  # a related card, shown only to the member

        await fake_slack.click(check, "practice:next:e", user=ALICE)
        await fake_slack.wait_for(lambda: check.edits == 2)
        assert SECOND.question in check.texts()  # the next check, in place of the reveal
        await fake_slack.click(check, "practice:answer:false", user=ALICE)
        await fake_slack.wait_for(lambda: check.edits == 3)
        assert len(answers(tmp_path)) == 2

        stats = await answer_to(fake_slack, "/practice", "stats", user=ALICE)
        assert stats.ephemeral_to == ALICE and "Your practice" in stats.texts()
        assert "2 answers" in stats.texts() and "Only you can see this." in stats.texts()
        bobs = await answer_to(fake_slack, "/practice", "stats", user=BOB)
        assert "answers" not in bobs.texts(), "Bob sees his own numbers, not Alice's"
        usage = await answer_to(fake_slack, "/practice", "sideways", user=ALICE)
        assert usage.text.startswith("Usage: /practice [stats]")
    fake_slack.assert_clean()


async def test_the_quick_check_button_on_the_daily_post(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    arrange(fake_slack)
    clock = FakeClock()
    async with slack_bot(fake_slack, tmp_path, clock=clock) as face:
        await answer_to(fake_slack, "/cohort", START)
        clock.advance(hours=1, minutes=1)
        await face.loop.tick()
        [post] = top_level(fake_slack)
        before = len(fake_slack.world.messages)
        await fake_slack.click(post, "practice:next:p", user=BOB)
        found: list[Message] = await fake_slack.wait_for(
            lambda: [m for m in fake_slack.world.messages[before:] if m.ephemeral_to == BOB]
        )
        assert "Quick check: is it true?" in found[0].texts()
        assert post.edits == 0, "the post itself is not touched"
    fake_slack.assert_clean()
