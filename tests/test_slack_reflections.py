"""Reflections on Slack, end to end: the modal, private saves, sharing and anonymity."""

from __future__ import annotations

from pathlib import Path

from tests.fakeslack import ADMIN, ALICE, BOB, COHORT, FakeSlack
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


async def test_edit_share_and_export_through_commands_and_direct_messages(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, "First words.")
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/reflections", "edit 1")
        opened = await fake_slack.wait_for(
            lambda: len(fake_slack.views) == 2 and fake_slack.views[-1]
        )
        assert opened.view["blocks"][0]["element"]["initial_value"] == "First words."
        await fake_slack.submit(opened, {"text": "Better words."})
        edited = await fake_slack.next_message(before)
        assert edited.text.startswith("Reflection #1 is updated.")

        await fake_slack.slash("/reflections", "share 1 cohort")
        shared = await fake_slack.wait_for(
            lambda: [
                m
                for m in fake_slack.world.visible(COHORT)
                if m.ephemeral_to is None and "Better words." in m.texts()
            ]
        )
        assert "<@U0ALICE001>" in shared[0].texts()
        await fake_slack.slash("/reflections", "share 1 private")
        await fake_slack.wait_for(lambda: shared[0].deleted)

        await fake_slack.slash("/reflections", "mine")
        await fake_slack.slash("/reflections", "export")
        exported = await fake_slack.wait_for(
            lambda: [
                f for f in fake_slack.world.files.values() if f.filename == "my-reflections.md"
            ]
        )
        assert exported[0].channel == "D0ALICE001"  # a direct message: only she sees it
        assert b"Better words." in exported[0].data
    fake_slack.assert_clean()


async def test_facilitators_export_csv_privately_and_members_may_not(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, "=SUM(A1)", "anonymous")
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/cohort-reflections", "export", user=ALICE)
        refused = await fake_slack.next_message(before)
        assert refused.ephemeral_to == ALICE and "Only facilitators" in refused.text
        await fake_slack.slash("/cohort-reflections", "export", user=ADMIN)
        csv_file = await fake_slack.wait_for(
            lambda: [f for f in fake_slack.world.files.values() if f.filename.endswith(".csv")]
        )
        assert csv_file[0].channel == "D0ADMIN001"
        text = csv_file[0].data.decode()
        assert "'=SUM(A1)" in text and ",anonymous," in text
        await fake_slack.slash("/cohort-reflections", "summary", user=ADMIN)
        await fake_slack.wait_for(
            lambda: [f for f in fake_slack.world.files.values() if f.filename.endswith(".png")]
        )
    fake_slack.assert_clean()


async def test_forget_me_asks_first_then_erases(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, "Mine.", "cohort")
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/reflections", "forget-me")
        ask = await fake_slack.next_message(before)
        await fake_slack.click(ask, "forget")
        done = await fake_slack.next_message(before + 1)
        assert done.text.startswith("Erased 1 reflection")
        assert not [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
    fake_slack.assert_clean()


async def test_sharing_checks_membership_across_pages_and_refuses_non_members(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    for number in range(1500):  # more members than one page holds
        fake_slack.world.channels[COHORT].members.add(f"U1{number:08d}")
    fake_slack.world.channels[COHORT].members.discard(BOB)
    fake_slack.world.channels[COHORT].members.add("U9ZZZLAST1")  # sorted last
    fake_slack.world.add_user("U9ZZZLAST1", "zed")
    async with slack_bot(fake_slack, tmp_path):
        assert (
            await fake_slack.slash("/reflect", "confrontation", user="U9ZZZLAST1")
        ).status == 200
        opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
        await fake_slack.submit(
            opened, {"text": "From the last page."}, selects={"visibility": "cohort"}
        )
        await fake_slack.wait_for(
            lambda: [
                m
                for m in fake_slack.world.visible(COHORT)
                if m.ephemeral_to is None and "From the last page." in m.texts()
            ]
        )
    pages = [c for c in fake_slack.requests if c.method == "conversations.members"]
    assert len(pages) == 2


async def test_a_member_who_may_not_post_there_keeps_it_private(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.world.channels[COHORT].members.discard(BOB)  # left the channel
    async with slack_bot(fake_slack, tmp_path):
        await fake_slack.slash("/reflect", "confrontation", user=BOB)
        opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
        before = len(fake_slack.world.messages)
        await fake_slack.submit(opened, {"text": "Not here."}, selects={"visibility": "cohort"})
        note = await fake_slack.wait_for(
            lambda: [m for m in fake_slack.world.messages[before:] if m.channel.startswith("D")]
        )
        assert "is saved but not shared: you may not post in that channel" in note[0].text
        assert not [m for m in fake_slack.world.visible(COHORT) if "Not here." in m.texts()]


async def test_the_modal_shows_what_is_wrong_and_saves_nothing(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path) as face:
        await fake_slack.slash("/reflect")
        opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
        for text, why in (("   ", "needs some text"), ("bad\x00byte", "invisible control")):
            answer = await fake_slack.submit(opened, {"text": text})
            refusal = answer.json()
            assert refusal["response_action"] == "errors"
            assert why in refusal["errors"]["text"]
        rows = await face.services.store.list_reflections(
            await face.ids.of("T0FAKE0001"), await face.ids.of(ALICE)
        )
        assert rows.total == 0


async def test_the_list_pages_in_place(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with slack_bot(fake_slack, tmp_path):
        for number in range(6):  # five to a page
            await reflect(fake_slack, f"Reflection number {number}.")
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/reflections", "mine")
        listed = await fake_slack.next_message(before)
        assert "page 1 of 2, 6 in all" in listed.texts()
        assert listed.action_ids() == ["page:older"]
        await fake_slack.click(listed, "page:older")
        await fake_slack.wait_for(lambda: listed.edits == 1)
        assert "page 2 of 2" in listed.texts() and "Reflection number 0." in listed.texts()
        assert listed.action_ids() == ["page:newer"]
        assert len(fake_slack.world.messages) == before + 1  # replaced, not posted again
    fake_slack.assert_clean()
