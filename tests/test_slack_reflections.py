"""Reflections on Slack, end to end: the modal, private saves, sharing and anonymity."""

from __future__ import annotations

from pathlib import Path

from tests.fakeslack import ALICE, BOB, COHORT, FakeSlack
from tests.slack_e2e import fake_slack, slack_bot

__all__ = ["fake_slack"]


async def reflect(fake: FakeSlack, text: str, visibility: str = "private") -> str:
    """Run /reflect, submit the modal, and return the note the member is shown."""
    assert (await fake.slash("/reflect", "confrontation")).status == 200
    opened = await fake.wait_for(lambda: fake.views and fake.views[-1])
    before = len(fake.world.messages)
    answer = await fake.submit(opened, {"text": text}, selects={"visibility": visibility})
    assert (answer.status, answer.body) == (200, "")
    notes = await fake.wait_for(
        lambda: [m for m in fake.world.messages[before:] if m.ephemeral_to == ALICE]
    )
    return str(notes[0].text)


async def test_a_reflection_is_saved_privately_through_the_modal(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path) as face:
        note = await reflect(fake_slack, "What I noticed today.")
        assert note.startswith("Reflection #1 is saved. Only you and the facilitators")
        element = fake_slack.views[-1].view["blocks"][1]["element"]
        assert element["max_length"] == 3000
        assert not [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
        rows = await face.services.store.list_reflections(
            await face.ids.of("T0FAKE0001"), await face.ids.of(ALICE)
        )
        assert [r.text for r in rows.items] == ["What I noticed today."]
    fake_slack.assert_clean()


async def test_shared_reflections_name_the_author_by_mention_or_not_at_all(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, "Named.", "cohort")
        await reflect(fake_slack, "Unnamed.", "anonymous")
        shared = [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
        assert [m.texts().count("<@U0ALICE001>") for m in shared] == [1, 0]
        assert "Shared anonymously." in shared[1].texts()
        assert "alice" not in shared[1].texts()
    fake_slack.assert_clean()


async def test_deleting_asks_first_and_takes_the_shared_post_down(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, "Soon gone.", "cohort")
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/reflections", "delete 1")
        ask = await fake_slack.next_message(before)
        assert ask.element("delete")["confirm"]["title"]["text"] == "Are you sure?"
        await fake_slack.slash("/reflections", "delete 1", user=BOB)
        refusal = await fake_slack.next_message(before + 1)
        assert refusal.texts().count("was not found among your reflections") >= 1
        await fake_slack.click(ask, "delete")
        done = await fake_slack.next_message(before + 2)
        assert "is deleted" in done.text
        assert not [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
    fake_slack.assert_clean()
