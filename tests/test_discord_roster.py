"""The roster end to end: joining by button or command, leaving, facilitators adding
members, names recorded when members join or act, and forget-me taking the rows away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e import cohort_bot, committed_rows, custom_ids
from tests.fakediscord import FakeDiscord
from tests.fakediscord.models import FakeMessage
from tests.fakes import FakeClock
from tests.test_discord_reflections import add_member, command, post_prompt_now, reflect


def roster(tmp_path: Path) -> list[tuple[Any, ...]]:
    """(cohort, member, name, added_by) rows, read by a second connection."""
    return committed_rows(
        tmp_path,
        "SELECT cohort_id, user_id, display_name, added_by FROM cohort_members "
        "ORDER BY cohort_id, user_id",
    )


async def click(fake: FakeDiscord, post: FakeMessage, custom_id: str, user: Any) -> Any:
    return await (await fake.click(post, custom_id, user=user)).response()


async def test_join_by_button_leave_and_join_again_by_command(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path, clock=clock):
        post = await post_prompt_now(fake)
        assert "join:1" in custom_ids(post.components)
        joined = await click(fake, post, "join:1", bob)
        assert joined.ephemeral
        assert (joined.content or "").startswith("You joined “Cohort”. Facilitators see whether")
        assert "never what you wrote" in (joined.content or "")
        again = await click(fake, post, "join:1", bob)
        assert (again.content or "").startswith("You are already in “Cohort”.")
        assert roster(tmp_path) == [(1, int(bob.id), "Bob", None)]

        left, _ = await command(fake, "cohort leave", bob)
        assert left.startswith("You left “Cohort”, and any reminder you asked for is off.")
        not_in, _ = await command(fake, "cohort leave", bob)
        assert not_in.startswith("You are not in “Cohort”")
        assert roster(tmp_path) == []
        back, _ = await command(fake, "cohort join", bob)
        assert back.startswith("You joined “Cohort”.")
    # after a restart the button on yesterday's post still works
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False):
        alice = fake.default_user
        later = await click(fake, post, "join:1", alice)
        assert (later.content or "").startswith("You joined “Cohort”.")
        ended, _ = await command(fake, "cohort end", fake.guild.owner)  # type: ignore[union-attr]
        assert "has ended" in ended
        closed = await click(fake, post, "join:1", bob)
        assert closed.content == "“Cohort” has ended, so it takes no new members."
    assert [row[1] for row in roster(tmp_path)] == sorted([int(bob.id), int(alice.id)])


async def test_facilitators_add_members_by_mention_that_pings_nobody(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    bob = add_member(fake, "Bob")
    boss = fake.guild.owner
    async with cohort_bot(fake, tmp_path):
        await post_prompt_now(fake)
        refused, _ = await command(fake, "cohort add member", fake.default_user, member=bob)
        assert refused.startswith("Only facilitators can add members to a cohort")
        handle = await fake.slash("cohort add member", {"member": bob}, user=boss)
        added = await handle.response()
        assert added.content is not None
        assert added.content.startswith(f"Added <@{bob.id}> to “Cohort”. Let them know")
        assert (added.data or {})["allowed_mentions"] == {"parse": []}, (
            "a mention that pings nobody"
        )
        twice, _ = await command(fake, "cohort add member", boss, member=bob)
        assert twice == f"<@{bob.id}> is already in “Cohort”."
        robot, _ = await command(fake, "cohort add member", boss, member=fake.bot_user)
        assert robot == "Bots cannot take part in a cohort."
    assert roster(tmp_path) == [(1, int(bob.id), "Bob", int(boss.id))]


async def test_names_are_recorded_when_members_act_and_forget_me_erases_the_rows(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await post_prompt_now(fake)
        await command(fake, "cohort join", bob)
        await command(fake, "cohort join", fake.default_user)
        fake.guild.members[bob.id].nick = "Robert"
        await reflect(fake, "A thought.", bob)
        assert [row[2] for row in roster(tmp_path)] == ["Alice", "Robert"]

        _, question = await command(fake, "reflections forget-me", bob)
        assert question is not None
        confirm = await fake.click(question, "confirm:forget:0", user=bob)
        await confirm.response()
        await confirm.wait_until(
            lambda h: h.original is not None and h.original.content.startswith("Done"),
            what="the erasure to be confirmed",
        )
    assert [row[1] for row in roster(tmp_path)] == [int(fake.default_user.id)]
