"""Practice through the service: the real content, a real SQLite file, a fake clock.

What a member meets first, what an answer keeps (committed before the reveal, read back
by a second connection), privacy between members and servers, the member's own stats,
export and forget-me, and the facilitators' belief shift with its minimum group.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.library.models import Kind, Myth
from bot.practice import practice_items
from bot.practice.items import FALSE, TRUE, UNSURE
from bot.services.beliefs import MIN_MEMBERS, BeliefShift, belief_chart
from bot.services.container import Services
from bot.services.permissions import Actor
from bot.services.practice import CaughtUpView, CheckView, RevealView
from bot.user_error import UserError
from tests.e2e import CONTENT
from tests.fakes import FakeClock

GUILD, OTHER_GUILD = 4_000_000_000_000_001, 4_000_000_000_000_002
ALICE = Actor(user_id=101, guild_id=GUILD, display_name="Alice")
BOB = Actor(user_id=102, guild_id=GUILD, display_name="Bob")
OWNER = Actor(user_id=103, guild_id=GUILD, display_name="Fran", manages_server=True)
ALICE_ELSEWHERE = Actor(user_id=101, guild_id=OTHER_GUILD, display_name="Alice")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MINIMAL = Path(__file__).parent / "data" / "minimal"


@dataclass
class World:
    services: Services
    clock: FakeClock
    db: Path

    def rows(self, sql: str) -> list[Any]:
        """Committed rows, read by a second connection."""
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = tmp_path / "cohort.sqlite3"
    settings = Settings.model_validate({"content_dir": CONTENT, "database": {"path": db}})
    clock = FakeClock()
    services = await Services.open(settings, clock)
    try:
        yield World(services, clock, db)
    finally:
        await services.close()


async def next_check(world: World, actor: Actor = ALICE) -> CheckView:
    shown = await world.services.practice.next_check(actor)
    assert isinstance(shown, CheckView), shown
    return shown


async def answer_next(world: World, actor: Actor, right: bool) -> RevealView:
    """Answer whatever comes next, rightly or not."""
    shown = await next_check(world, actor)
    item = world.services.practice.item(shown.item_id)
    assert item is not None
    wrong = next(key for key, _ in item.choices if key != item.best)
    return await world.services.practice.answer(actor, shown.item_id, item.best if right else wrong)


async def test_the_first_check_is_the_first_myth_as_a_statement(world: World) -> None:
    shown = await next_check(world)
    first = world.services.content.library.of_kind(Kind.MYTH)[0]
    assert isinstance(first, Myth)
    assert shown.item_id == f"m:{first.id}"
    assert first.claim in shown.description
    assert [label for _, label in shown.choices] == ["True", "False", "Not sure"]
    assert "What the article says" not in shown.description, "the answer comes after"


async def test_an_answer_is_committed_before_the_reveal_and_schedules_the_item(
    world: World,
) -> None:
    shown = await next_check(world)
    reveal = await world.services.practice.answer(ALICE, shown.item_id, TRUE)
    assert not reveal.right and reveal.counted
    assert reveal.title.startswith("Not quite")
    assert "**What the article says:**" in reveal.description
    assert reveal.footer.startswith("Source: ")
    assert reveal.links[0].card_id == shown.item_id.removeprefix("m:")
    assert world.rows("SELECT user_id, item_id, choice, correct FROM practice_answers") == [
        (101, shown.item_id, "true", 0)
    ]
    [(step, due_at)] = world.rows("SELECT step, due_at FROM practice_state")
    assert step == 0 and due_at.startswith("2026-03-03T07:00")  # wrong: tomorrow


async def test_a_second_click_on_the_same_question_is_not_counted_twice(world: World) -> None:
    shown = await next_check(world)
    first = await world.services.practice.answer(ALICE, shown.item_id, FALSE)
    again = await world.services.practice.answer(ALICE, shown.item_id, FALSE)
    assert first.counted and first.right and not again.counted
    assert again.footer.startswith("Already answered")
    assert len(world.rows("SELECT id FROM practice_answers")) == 1


async def test_not_sure_is_not_right_and_comes_back_tomorrow(world: World) -> None:
    shown = await next_check(world)
    reveal = await world.services.practice.answer(ALICE, shown.item_id, UNSURE)
    assert not reveal.right and reveal.title == "Here is what the article says."
    [(step,)] = world.rows("SELECT step FROM practice_state")
    assert step == 0


async def test_an_application_check_shows_numbered_options_and_the_best_answer(
    world: World,
) -> None:
    items = world.services.practice.items()
    check = next(item for item in items if item.item_id.startswith("c:"))
    wrong = next(key for key, _ in check.choices if key != check.best)
    reveal = await world.services.practice.answer(ALICE, check.item_id, wrong)
    assert reveal.title == "Not the best answer."
    assert f"**Best answer:** {check.best}. {check.label_of(check.best)}" in reveal.description
    assert check.why in reveal.description
    assert reveal.footer.startswith("Source: ") and reveal.footer.endswith(check.at)


async def test_a_check_or_answer_content_no_longer_has_is_refused_helpfully(world: World) -> None:
    with pytest.raises(UserError, match="no longer in the library"):
        await world.services.practice.answer(ALICE, "m:no-such-myth", FALSE)
    shown = await next_check(world)
    with pytest.raises(UserError, match="not one of this check's answers"):
        await world.services.practice.answer(ALICE, shown.item_id, "7")


async def test_all_caught_up_says_when_the_next_is_ready(world: World) -> None:
    total = len(world.services.practice.items())
    for _ in range(total):
        await answer_next(world, ALICE, right=True)
    done = await world.services.practice.next_check(ALICE)
    assert isinstance(done, CaughtUpView)
    assert str(done.text) == "All caught up. Your next check is ready Thu 05 Mar 2026, 01:00 UTC."
    world.clock.advance(days=3)
    assert isinstance(await world.services.practice.next_check(ALICE), CheckView)


async def test_answers_are_private_to_the_member_and_the_server(world: World) -> None:
    await answer_next(world, ALICE, right=True)
    bob_first = await next_check(world, BOB)
    elsewhere = await next_check(world, ALICE_ELSEWHERE)
    assert bob_first.item_id == elsewhere.item_id == (await answer_item_ids(world))[0]
    stats = await world.services.practice.stats(BOB)
    assert str(stats.lines[0]).startswith("Seen 0 of ")


async def answer_item_ids(world: World) -> list[str]:
    return [item.item_id for item in practice_items(world.services.content.library)]


async def test_stats_count_seen_right_and_coming(world: World) -> None:
    await answer_next(world, ALICE, right=True)
    await answer_next(world, ALICE, right=False)
    stats = [str(line) for line in (await world.services.practice.stats(ALICE)).lines]
    total = len(world.services.practice.items())
    assert stats[0] == f"Seen 2 of {total} checks."
    assert stats[1] == "2 answers, 1 right (50%)."
    assert stats[2] == "Myths you last answered as true: 1."
    assert stats[3] == f"Ready now: {total - 2}."
    assert stats[4].startswith("Coming in the next 7 days: 2. The next is ready Tue 03 Mar 2026")


async def test_export_includes_practice_and_forget_me_erases_it(world: World) -> None:
    shown = await next_check(world)
    await world.services.practice.answer(ALICE, shown.item_id, TRUE)
    await answer_next(world, BOB, right=True)
    exported = await world.services.reflections.export_mine(ALICE)
    item = world.services.practice.item(shown.item_id)
    assert item is not None
    assert "# My practice answers" in exported
    assert "not right · you answered: True" in exported and item.question in exported
    forgotten = await world.services.reflections.forget_me(ALICE, None)
    assert forgotten.practice_answers == 1
    assert world.rows("SELECT user_id FROM practice_answers") == [(102,)]
    assert world.rows("SELECT user_id FROM practice_state") == [(102,)]
    assert "practice" not in await world.services.reflections.export_mine(ALICE)


# ---------------------------------------------------------------- belief shift


async def members_answer_first_myth(world: World, choices: list[tuple[str, str]]) -> str:
    """Each member answers the first myth twice (first, then three days later, latest)."""
    item_id = (await answer_item_ids(world))[0]
    for number, (first, _) in enumerate(choices):
        actor = Actor(user_id=500 + number, guild_id=GUILD)
        await world.services.practice.answer(actor, item_id, first)
    world.clock.advance(days=3)
    for number, (_, latest) in enumerate(choices):
        actor = Actor(user_id=500 + number, guild_id=GUILD)
        await world.services.practice.answer(actor, item_id, latest)
    world.clock.advance(days=-3)
    return item_id


async def test_belief_shift_is_hidden_below_five_members_and_shown_at_five(world: World) -> None:
    four = [(TRUE, FALSE), (TRUE, TRUE), (FALSE, FALSE), (UNSURE, FALSE)]
    await members_answer_first_myth(world, four)
    view = await world.services.practice.beliefs(OWNER)
    assert view.shifts == () and view.hidden == 1 and view.chart_png is None
    assert view.lines == (
        f"1 myth answered by fewer than {MIN_MEMBERS} members not shown: groups that small "
        "would identify people.",
    )
    world.clock.advance(days=7)
    fifth = Actor(user_id=999, guild_id=GUILD)
    await world.services.practice.answer(fifth, (await answer_item_ids(world))[0], TRUE)
    view = await world.services.practice.beliefs(OWNER)
    [shift] = view.shifts
    assert (shift.members, shift.held_first, shift.held_latest) == (5, 3, 2)
    assert view.lines == (
        f"{shift.title}: held by 3 of 5 members at their first check, 2 at their latest.",
    )
    assert view.chart_png is not None and view.chart_png.startswith(PNG_MAGIC)
    assert "999" not in " ".join(view.lines) and "Alice" not in " ".join(view.lines)


async def test_belief_shift_is_for_facilitators_only_and_part_of_the_summary(
    world: World,
) -> None:
    with pytest.raises(UserError, match="Only facilitators can see the belief-shift picture"):
        await world.services.practice.beliefs(ALICE)
    pairs = [(TRUE, FALSE)] * 5
    await members_answer_first_myth(world, pairs)
    summary = await world.services.reflections.summary(OWNER)
    assert "Belief shift:" in summary.lines
    assert any(
        "held by 5 of 5 members at their first check, 0 at" in line for line in summary.lines
    )
    assert summary.beliefs_png is not None and summary.beliefs_png.startswith(PNG_MAGIC)


def test_the_belief_chart_draws_many_myths() -> None:
    shifts = [
        BeliefShift(f"m{n}", f"Myth number {n} " * 4, 9, n % 9, (n * 2) % 9) for n in range(12)
    ]
    assert belief_chart(shifts).startswith(PNG_MAGIC)


async def test_a_member_back_after_weeks_practises_the_most_overdue_first(world: World) -> None:
    ids = await answer_item_ids(world)
    for _ in range(3):
        await answer_next(world, ALICE, right=True)  # items 0, 1, 2: due in 3 days
    world.clock.advance(hours=1)
    shown = await next_check(world)
    assert shown.item_id == ids[3], "never-seen items come first"
    world.clock.advance(weeks=5)
    rest = len(ids) - 3
    for _ in range(rest):
        await answer_next(world, ALICE, right=False)
    # the three answered five weeks ago are all overdue; the oldest due comes first
    assert (await next_check(world)).item_id == ids[0]


async def test_a_renamed_myth_keeps_its_answers_schedule_and_belief_counts(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    settings = Settings.model_validate(
        {"content_dir": content, "database": {"path": tmp_path / "db.sqlite3"}}
    )
    clock = FakeClock()
    services = await Services.open(settings, clock)
    try:
        members = [Actor(user_id=700 + n, guild_id=GUILD) for n in range(5)]
        for member in members:
            await services.practice.answer(member, "m:no-change", TRUE)
        myths = content / "myths.yaml"
        myths.write_text(
            myths.read_text().replace(
                "  - id: no-change\n", "  - id: nothing-changes\n    replaces: [no-change]\n"
            )
        )
        for name, old, new in (
            ("approaches.yaml", "[james-cantor, no-change]", "[james-cantor, nothing-changes]"),
            ("prompts.yaml", "[no-change, james-cantor]", "[nothing-changes, james-cantor]"),
        ):
            path = content / name
            path.write_text(path.read_text().replace(old, new))
        assert services.content.reload().applied
        clock.advance(days=2)
        shown = await services.practice.next_check(members[0])
        assert isinstance(shown, CheckView) and shown.item_id == "m:nothing-changes"
        assert "new" not in shown.footer
        stats = [str(line) for line in (await services.practice.stats(members[0])).lines]
        assert (
            stats[0] == "Seen 1 of 1 check." and stats[2] == "Myths you last answered as true: 1."
        )
        reveal = await services.practice.answer(members[0], "m:no-change", FALSE)  # an old button
        assert reveal.counted and reveal.item_id == "m:nothing-changes"
        [shift] = (await services.practice.beliefs(OWNER)).shifts
        assert (shift.card_id, shift.members, shift.held_first, shift.held_latest) == (
            "nothing-changes",
            5,
            5,
            4,
        )
        exported = await services.reflections.export_mine(members[0])
        assert "no longer in the library" not in exported
    finally:
        await services.close()
