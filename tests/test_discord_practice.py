"""Practice end to end: the real bot, a real SQLite file, the fake Discord.

/practice privately, answering by button (committed before the reveal), the reveal with
its evidence, source and related cards, the next check in place, stats, the Quick check
button on a daily post, buttons that survive a restart, and the facilitators' belief
shift with its minimum group (4 members: nothing shown; 5: shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.practice import practice_items
from bot.services.content import ContentState
from tests.e2e import CONTENT, cohort_bot, committed_rows, custom_ids, embed_of, tick
from tests.fakediscord import CallbackType, FakeDiscord, FakeMessage, FakeUser
from tests.fakes import FakeClock
from tests.test_discord_prompts import posts, schedule
from tests.test_discord_reflections import add_member, owner

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_items() -> list[Any]:
    content = ContentState(CONTENT)
    content.reload()
    return practice_items(content.library)


ITEMS = load_items()
FIRST, SECOND = ITEMS[0], ITEMS[1]


def answers(tmp_path: Path) -> list[tuple[Any, ...]]:
    """Committed answers, read by a second connection."""
    return committed_rows(
        tmp_path, "SELECT user_id, item_id, choice, correct FROM practice_answers ORDER BY id"
    )


async def open_practice(fake: FakeDiscord, user: FakeUser | None = None) -> FakeMessage:
    handle = await fake.slash("practice", user=user)
    shown = await handle.response()
    assert shown.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and shown.ephemeral
    assert shown.message is not None
    return shown.message


async def test_practice_shows_a_myth_privately_and_the_answer_reveals_the_evidence(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        message = await open_practice(fake)
        check = embed_of(message)
        assert check["title"] == "Quick check: is it true?"
        assert FIRST.question in check["description"]
        assert FIRST.why not in check["description"], "the answer waits for the member"
        assert custom_ids(message.components) == [
            f"pa:{FIRST.item_id}:true",
            f"pa:{FIRST.item_id}:false",
            f"pa:{FIRST.item_id}:unsure",
        ]
        click = await fake.click(message, f"pa:{FIRST.item_id}:true")
        updated = await click.response()
        assert updated.type == CallbackType.UPDATE_MESSAGE
        # committed before the member was told
        assert answers(tmp_path) == [(int(fake.default_user.id), FIRST.item_id, "true", 0)]
        reveal = embed_of(updated.data)
        assert reveal["title"] == "Not quite: the article does not support this belief."
        assert "**You answered:** True" in reveal["description"]
        assert FIRST.why in reveal["description"]
        assert reveal["footer"]["text"].startswith("Source: ")
        assert reveal["fields"][0]["name"] == "Evidence"
        assert updated.data is not None
        ids = custom_ids(updated.data["components"])
        assert ids[0] == f"card:{FIRST.card_id}" and ids[-1] == "practice:next:e"
        assert len(ids) >= 3, "related cards too"

        card = await fake.click(updated.message or message, f"card:{FIRST.card_id}")
        opened = await card.response()
        assert opened.ephemeral and embed_of(opened.data)["author"]["name"] == "Myth"

        following = await fake.click(updated.message or message, "practice:next:e")
        next_check = await following.response()
        assert next_check.type == CallbackType.UPDATE_MESSAGE
        assert SECOND.question in embed_of(next_check.data)["description"]
    fake.assert_clean()


async def test_stats_are_private_and_count_what_was_answered(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        message = await open_practice(fake)
        await (await fake.click(message, f"pa:{FIRST.item_id}:false")).response()
        handle = await fake.slash("practice", {"show": "stats"})
        shown = await handle.response()
        assert shown.ephemeral
        lines = embed_of(shown.data)["description"].splitlines()
        assert lines[0] == f"Seen 1 of {len(ITEMS)} checks."
        assert lines[1] == "1 answer, 1 right (100%)."
        theirs = await (await fake.slash("practice", {"show": "stats"}, user=bob)).response()
        assert embed_of(theirs.data)["description"].splitlines()[0].startswith("Seen 0 of")


async def test_the_daily_post_carries_a_quick_check_that_opens_one_privately(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await schedule(fake)
        clock.advance(hours=1)
        await tick(bot)
        [post] = posts(fake)
        assert "practice:next:p" in custom_ids(post.components)
        click = await fake.click(post, "practice:next:p", user=bob)
        opened = await click.response()
        assert opened.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE and opened.ephemeral
        assert opened.message is not None
        assert FIRST.question in embed_of(opened.data)["description"]
        answered = await fake.click(opened.message, f"pa:{FIRST.item_id}:false", user=bob)
        assert (await answered.response()).type == CallbackType.UPDATE_MESSAGE
        assert answers(tmp_path) == [(int(bob.id), FIRST.item_id, "false", 1)]
        assert len(posts(fake)) == 1, "the check never appears in the channel"


async def test_an_open_check_still_answers_after_a_restart(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        message = await open_practice(fake)
    async with cohort_bot(fake, tmp_path, expect_sync=False):
        first = await (await fake.click(message, f"pa:{FIRST.item_id}:false")).response()
        assert embed_of(first.data)["title"].startswith("Right")
    assert len(answers(tmp_path)) == 1


async def test_caught_up_says_when_the_next_check_is_ready(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        member = bot.services.practice
        from bot.services.permissions import Actor

        assert fake.guild is not None
        actor = Actor(user_id=int(fake.default_user.id), guild_id=int(fake.guild.id))
        for item in ITEMS:
            await member.answer(actor, item.item_id, item.best)
        handle = await fake.slash("practice")
        shown = await handle.response()
        assert shown.ephemeral
        assert shown.content is not None and shown.content.startswith(
            "All caught up. Your next check is ready Thu 05 Mar 2026, 01:00 UTC (<t:"
        )


# ---------------------------------------------------------------- belief shift


async def answer_as(fake: FakeDiscord, user: FakeUser, choice: str) -> None:
    message = await open_practice(fake, user)
    click = await fake.click(message, f"pa:{FIRST.item_id}:{choice}", user=user)
    assert (await click.response()).type == CallbackType.UPDATE_MESSAGE


async def beliefs(fake: FakeDiscord, user: FakeUser) -> FakeMessage:
    handle = await fake.slash("cohort-reflections beliefs", user=user)
    deferred = await handle.response()
    assert deferred.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    message = await handle.next_followup()
    assert message.ephemeral
    return message


async def test_the_belief_shift_needs_five_members_and_never_names_anyone(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    members = [add_member(fake, name) for name in ("Ann", "Ben", "Cai", "Dee", "Eve")]
    async with cohort_bot(fake, tmp_path):
        for member, choice in zip(members[:4], ["true", "true", "false", "unsure"], strict=True):
            await answer_as(fake, member, choice)
        small = await beliefs(fake, owner(fake))
        shown = embed_of(small)
        assert small.attachments == [] and "image" not in shown
        assert shown["description"] == (
            "1 myth answered by fewer than 5 members not shown: groups that small would "
            "identify people."
        )
        await answer_as(fake, members[4], "true")
        enough = await beliefs(fake, owner(fake))
        shown = embed_of(enough)
        myth = FIRST.card_id
        assert (
            shown["description"]
            .splitlines()[0]
            .endswith("held by 3 of 5 members at their first check, 3 at their latest.")
        ), myth
        [chart] = enough.attachments
        assert chart.filename == "beliefs.png" and chart.data.startswith(PNG_MAGIC)
        assert shown["image"]["url"] == "attachment://beliefs.png"
        text = str(shown)
        assert not any(m.id in text or (m.global_name or m.id) in text for m in members)

        summary = await fake.slash("cohort-reflections summary", user=owner(fake))
        await summary.response()
        message = await summary.next_followup()
        assert "Belief shift:" in embed_of(message)["description"]
        assert sorted(a.filename for a in message.attachments) == [
            "beliefs.png",
            "participation.png",
        ]

        refused = await fake.slash("cohort-reflections beliefs", user=members[0], force=True)
        answer = await refused.response()
        assert answer.ephemeral and (answer.content or "").startswith(
            "Only facilitators can see the belief-shift picture"
        )
