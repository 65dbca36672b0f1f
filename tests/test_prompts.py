"""The daily prompt service: real SQLite, a hand-moved clock, a recording poster."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.console.text_render import TextRenderer
from bot.discord_face.markup import discord_text
from bot.library.library import Library
from bot.library.models import About, Citation, Prompt, Source
from bot.services.content import ContentState
from bot.services.permissions import Actor
from bot.services.prompts import PromptPost, PromptService
from bot.store import Store
from bot.user_error import UserError
from tests.e2e import CONTENT
from tests.fakes import FakeClock, RecordingPoster

MINIMAL = Path(__file__).parent / "data" / "minimal"
FACILITATOR = Actor(
    user_id=10, guild_id=1, display_name="Fran", channel_id=500, manages_server=True
)
MEMBER = Actor(user_id=11, guild_id=1, display_name="Max", channel_id=500)


class FixedContent(ContentState):
    """Content whose library a test swaps by hand (as a reload would)."""

    def __init__(self, library: Library) -> None:
        super().__init__(Path())
        self.serve({"default": library})

    def swap(self, library: Library) -> None:
        self.serve({"default": library})


def prompt_library(ids: list[str]) -> Library:
    source = Source(
        id="s", title="S", kind="report", year=2017, subject="x", locator="sentence", length=9
    )
    cite = [Citation(source="s", at="S1")]
    prompts = {
        pid: Prompt(id=pid, title=pid.title(), summary="s", text="t", question="q?", sources=cite)
        for pid in ids
    }
    return Library(About(name="n", description="d", content_note="c"), {"s": source}, dict(prompts))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


def service(
    store: Store, clock: FakeClock, content: ContentState | None = None, **overrides: object
) -> PromptService:
    if content is None:
        content = ContentState(CONTENT)
        content.reload()
    return PromptService(store, content, Settings.model_validate(overrides), clock)


def at(text: str) -> FakeClock:
    return FakeClock(datetime.fromisoformat(text).astimezone(UTC))


async def test_schedule_refuses_members_and_bad_input(store: Store) -> None:
    prompts = service(store, at("2026-03-02T07:00:00+00:00"))
    with pytest.raises(
        UserError,
        match="Only facilitators can schedule prompts: that needs the Manage Server permission",
    ):
        await prompts.set_schedule(MEMBER, 500, "09:00", "Europe/Berlin")
    with pytest.raises(UserError, match="HH:MM"):
        await prompts.set_schedule(FACILITATOR, 500, "9am", "Europe/Berlin")
    with pytest.raises(UserError, match="Europe/Berlin"):
        await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berln")
    assert await store.list_cohorts(1) == []


async def test_facilitator_role_by_id_not_by_name(store: Store) -> None:
    prompts = service(store, at("2026-03-02T07:00:00+00:00"), facilitator_role="Facilitator")
    impostor = Actor(
        user_id=13,
        guild_id=1,
        channel_id=500,
        role_ids=frozenset({99}),
        role_names=("facilitator",),
    )
    with pytest.raises(UserError, match="no longer counts by its name"):
        await prompts.set_schedule(impostor, 500, "09:00", "Europe/Berlin")
    await store.set_facilitator_role(1, 42, now=at("2026-03-02T07:00:00+00:00")())
    helper = Actor(user_id=12, guild_id=1, channel_id=500, role_ids=frozenset({42}))
    status = await prompts.set_schedule(helper, 500, "09:00", "Europe/Berlin")
    assert status.schedule.post_time == "09:00"
    with pytest.raises(UserError, match="or this server's facilitator role"):
        await prompts.set_schedule(impostor, 500, "09:00", "Europe/Berlin")


async def test_posts_once_at_the_due_time_then_the_next_day(store: Store) -> None:
    clock = at("2026-03-02T07:00:00+00:00")  # 08:00 in Berlin
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    assert await prompts.run_due(poster) == []
    clock.advance(hours=1)  # 09:00 Berlin
    [post] = await prompts.run_due(poster)
    assert post.local_date is not None and post.local_date.isoformat() == "2026-03-02"
    assert post.thread_name.endswith(" · 02 Mar 2026") and len(post.thread_name) <= 100
    assert post.view.title == post.prompt.title
    assert await prompts.run_due(poster) == [], "never twice"
    clock.advance(hours=23, minutes=59)
    assert await prompts.run_due(poster) == []
    clock.advance(minutes=1)
    await prompts.run_due(poster)
    first, second = (p.id for p in curriculum_prompts()[:2])
    assert poster.posted_ids() == [first, second]


def curriculum_prompts() -> list[Prompt]:
    content = ContentState(CONTENT)
    content.reload()
    return list(content.library.prompts)


async def test_restart_straight_after_a_post_never_posts_again(store: Store) -> None:
    clock = at("2026-03-02T08:00:30+00:00")
    poster = RecordingPoster()
    first_run = service(store, clock)
    await first_run.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await first_run.run_due(poster)
    after_restart = service(store, clock)  # a new process: nothing in memory
    assert await after_restart.run_due(poster) == []
    assert len(poster.posts) == 1


async def test_week_of_downtime_posts_today_only_and_moves_one_step(store: Store) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await prompts.run_due(poster)
    clock.advance(days=7, hours=5)  # down for a week; back in the afternoon
    [late] = await prompts.run_due(poster)
    assert late.local_date is not None and late.local_date.isoformat() == "2026-03-09"
    assert poster.posted_ids() == [p.id for p in curriculum_prompts()[:2]]


async def test_back_the_same_day_after_the_post_time_posts_late(store: Store) -> None:
    clock = at("2026-03-02T07:00:00+00:00")
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    clock.advance(hours=14)  # 22:00 Berlin, same local day
    assert len(await prompts.run_due(poster)) == 1
    clock.advance(hours=2)  # 00:00: a new local day, 9 hours before its post
    assert await prompts.run_due(poster) == []


async def test_lost_channel_tells_facilitators_once_and_keeps_the_sequence(store: Store) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    prompts, poster = (
        service(store, clock),
        RecordingPoster(refuse={500: "I am not allowed to post there"}),
    )
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    assert await prompts.run_due(poster) == []
    clock.advance(minutes=5)
    assert await prompts.run_due(poster) == []
    [(channel, guild, text)] = poster.notices
    assert (channel, guild) == (500, 1) and "I am not allowed to post there" in text
    assert await store.used_prompt_ids(1, 1) == set(), "the sequence does not move"
    poster.refuse.clear()
    clock.advance(minutes=10)
    [post] = await prompts.run_due(poster)
    assert post.prompt.id == curriculum_prompts()[0].id


async def test_skip_pause_resume_and_quiet_dates(store: Store) -> None:
    clock = at("2026-03-02T06:00:00+00:00")
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin", "weekdays")
    skipped = await prompts.skip_next(FACILITATOR)
    assert await prompts.set_quiet_dates(FACILITATOR, "2026-03-03")
    clock.advance(hours=3)
    [monday] = await prompts.run_due(poster)
    assert monday.prompt.id != skipped.id
    clock.advance(days=1)
    assert await prompts.run_due(poster) == [], "Tuesday is a quiet date"
    await prompts.set_paused(FACILITATOR, True)
    clock.advance(days=1)
    assert await prompts.run_due(poster) == [], "paused"
    await prompts.set_paused(FACILITATOR, False)
    assert len(await prompts.run_due(poster)) == 1, "resumed the same day: posts late"
    clock.advance(days=3)  # Saturday
    assert await prompts.run_due(poster) == [], "weekdays only"
    with pytest.raises(UserError, match="Only facilitators"):
        await prompts.skip_next(MEMBER)


async def test_status_and_preview(store: Store) -> None:
    clock = at("2026-03-02T06:00:00+00:00")
    prompts = service(store, clock)
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "America/New_York")
    status = await prompts.status(MEMBER)
    assert status.next_post == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    text = "\n".join(map(discord_text, status.lines()))
    assert "Mon 02 Mar 2026, 09:00 America/New_York (<t:1772460000:F> your time)" in text
    assert "Posting in <#500> at 09:00" in text
    console_text = "\n".join(map(TextRenderer().rich, status.lines()))
    assert "<" not in console_text and "Posting in #500 at 09:00 America/New_York" in console_text
    assert "Next post: Mon 02 Mar 2026, 09:00 America/New_York (" in console_text
    assert all("<" not in str(line) for line in status.lines()), "no markup below the faces"
    preview = await prompts.upcoming(FACILITATOR, 3)
    days = [entry.day.isoformat() for entry in preview.entries]
    assert days == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert [entry.title for entry in preview.entries] == [p.title for p in curriculum_prompts()[:3]]


async def test_nine_am_new_york_across_the_dst_change(store: Store) -> None:
    clock = at("2026-03-06T12:00:00+00:00")
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "America/New_York")
    utc_times = []
    for _ in range(5 * 24 * 4):  # every 15 minutes for five days, across 8 March
        if await prompts.run_due(poster):
            utc_times.append(clock.now.strftime("%m-%d %H:%M"))
        clock.advance(minutes=15)
    assert utc_times == ["03-06 14:00", "03-07 14:00", "03-08 13:00", "03-09 13:00", "03-10 13:00"]


async def test_each_server_has_its_own_sequence(store: Store) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    prompts, poster = service(store, clock), RecordingPoster()
    other = Actor(user_id=20, guild_id=2, channel_id=600, manages_server=True)
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await prompts.skip_next(FACILITATOR)
    await prompts.set_schedule(other, 600, "09:00", "Europe/Berlin")
    await prompts.run_due(poster)
    first, second = (p.id for p in curriculum_prompts()[:2])
    assert poster.posted_ids(1) == [second] and poster.posted_ids(2) == [first]


@pytest.mark.parametrize(
    ("when_finished", "expected"), [("stop", ["a", "b"]), ("restart", ["a", "b", "a"])]
)
async def test_when_the_sequence_is_used_up(
    store: Store, when_finished: str, expected: list[str]
) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    content = FixedContent(prompt_library(["a", "b"]))
    prompts = service(store, clock, content, prompts={"when_finished": when_finished})
    poster = RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    for _ in range(3):
        await prompts.run_due(poster)
        clock.advance(days=1)
    assert poster.posted_ids() == expected
    if when_finished == "stop":
        assert "All 2 discussion prompts have been posted" in poster.notices[-1][2]
        [cohort] = await store.list_cohorts(1)
        assert cohort.paused


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.just(0)),
        st.tuples(st.just("insert"), st.integers(0, 30)),
        st.tuples(st.just("delete"), st.integers(0, 30)),
        st.tuples(st.just("reorder"), st.integers(0, 10_000)),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
async def test_cursor_survives_insert_reorder_delete(
    tmp_path: Path, edits: list[tuple[str, int]]
) -> None:
    """Never a prompt twice in a round; never one skipped that existed and was not posted."""
    clock = at("2026-03-02T08:00:00+00:00")
    ids = [f"p{n}" for n in range(6)]
    content = FixedContent(prompt_library(ids))
    fresh = tmp_path / f"db-{uuid.uuid4().hex}.sqlite3"  # one database per example
    async with Store.open(fresh) as store:
        prompts, poster = service(store, clock, content), RecordingPoster()
        await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
        counter = 100
        for action, number in edits:
            if action == "post":
                remaining = [i for i in ids if i not in poster.posted_ids()]
                if remaining:
                    await prompts.post_now(FACILITATOR, poster)
                    assert poster.posted_ids()[-1] == remaining[0], "first unposted, current order"
                else:
                    with pytest.raises(UserError, match="Every prompt has been used"):
                        await prompts.post_now(FACILITATOR, poster)
            elif action == "insert":
                counter += 1
                ids.insert(number % (len(ids) + 1), f"n{counter}")
            elif action == "delete" and ids:
                ids.pop(number % len(ids))
            elif action == "reorder" and ids:
                ids = ids[number % len(ids) :] + ids[: number % len(ids)]
            content.swap(prompt_library(ids))
        posted = poster.posted_ids()
        assert len(posted) == len(set(posted))


async def test_renamed_prompt_keeps_its_place(store: Store) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    content = FixedContent(prompt_library(["a", "b"]))
    prompts, poster = service(store, clock, content), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await prompts.post_now(FACILITATOR, poster)
    renamed = prompt_library(["a-new", "b"])
    old = renamed.cards["a-new"]
    cards = {"a-new": old.model_copy(update={"replaces": ["a"]}), "b": renamed.cards["b"]}
    content.swap(Library(renamed.about, renamed.sources, cards))
    await prompts.post_now(FACILITATOR, poster)
    assert poster.posted_ids() == ["a", "b"]


async def reserved_by_a_crashed_run(store: Store, clock: FakeClock) -> str:
    """What a run that stopped mid-send leaves: a reservation for today, unconfirmed."""
    first = curriculum_prompts()[0].id
    crashed = service(store, clock)
    await crashed.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    day = clock.now.astimezone(ZoneInfo("Europe/Berlin")).date()
    assert await store.reserve_post(1, 1, first, day, now=clock.now) is not None
    clock.advance(minutes=2)
    return first


async def test_crash_before_sending_still_posts_today(store: Store) -> None:
    clock = at("2026-03-02T08:00:10+00:00")
    first = await reserved_by_a_crashed_run(store, clock)
    restarted, poster = service(store, clock), RecordingPoster()
    [post] = await restarted.run_due(poster)
    assert post.prompt.id == first, "released and posted: never skipped"
    assert await restarted.run_due(poster) == []


async def test_crash_after_sending_is_recorded_not_reposted(store: Store) -> None:
    clock = at("2026-03-02T08:00:10+00:00")
    first = await reserved_by_a_crashed_run(store, clock)
    restarted, poster = service(store, clock), RecordingPoster(sent_unrecorded={first: (77, 78)})
    assert await restarted.run_due(poster) == [], "never twice"
    [entry] = await store.history(1)
    assert (entry.prompt_id, entry.message_id, entry.thread_id) == (first, 77, 78)


async def test_a_reservation_is_left_alone_until_settle_after_seconds_old(store: Store) -> None:
    clock = at("2026-03-02T08:00:10+00:00")
    first = curriculum_prompts()[0].id
    loop = {"settle_after_seconds": 5}
    crashed = service(store, clock, daily_loop=loop)
    await crashed.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    day = clock.now.astimezone(ZoneInfo("Europe/Berlin")).date()
    assert await store.reserve_post(1, 1, first, day, now=clock.now) is not None
    restarted, poster = service(store, clock, daily_loop=loop), RecordingPoster()
    clock.advance(seconds=4)
    assert await restarted.run_due(poster) == [], "may still be on its way: not touched"
    clock.advance(seconds=2)
    [post] = await restarted.run_due(poster)
    assert post.prompt.id == first, "5 s old and not in the channel: released and posted"


async def test_unreadable_channel_keeps_the_reservation(store: Store) -> None:
    clock = at("2026-03-02T08:00:10+00:00")
    await reserved_by_a_crashed_run(store, clock)
    restarted, poster = service(store, clock), RecordingPoster(unreadable={500})
    assert await restarted.run_due(poster) == []
    assert poster.posts == [], "when in doubt, never twice"
    [(channel, _, text)] = poster.notices
    assert channel == 500 and "I will not post it twice" in text
    clock.advance(minutes=5)
    await restarted.run_due(poster)
    assert len(poster.notices) == 1, "told once"
    poster.unreadable.clear()
    clock.advance(minutes=5)
    assert len(await restarted.run_due(poster)) == 1, "readable again: found absent, posted"


async def test_manual_post_to_a_refused_channel_is_explained_privately(store: Store) -> None:
    clock = at("2026-03-02T06:00:00+00:00")
    prompts, poster = (
        service(store, clock),
        RecordingPoster(refuse={500: "I am not allowed to post there"}),
    )
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    with pytest.raises(
        UserError,
        match=r"I could not post in channel 500: I am not allowed to post there\. Nothing was",
    ) as refused:
        await prompts.post_now(FACILITATOR, poster)
    assert discord_text(refused.value.rich).startswith("I could not post in <#500>: ")
    assert poster.notices == [], "no public notice for a manual post"
    assert await store.used_prompt_ids(1, 1) == set()


async def test_skip_that_races_a_post_says_so(store: Store) -> None:
    clock = at("2026-03-02T06:00:00+00:00")
    prompts = service(store, clock)
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    first = curriculum_prompts()[0]
    assert await store.reserve_post(1, 1, first.id, None, "manual", now=clock.now)
    prompts_seen_before_the_race = service(store, clock)
    prompts_seen_before_the_race._remaining = lambda row: _first_only(first)  # type: ignore[method-assign]
    with pytest.raises(UserError, match="is being posted right now, so it was not skipped"):
        await prompts_seen_before_the_race.skip_next(FACILITATOR)


async def _first_only(prompt: Prompt) -> list[Prompt]:
    return [prompt]


async def test_preview_with_restart_starts_each_round_over(store: Store) -> None:
    clock = at("2026-03-02T06:00:00+00:00")
    content = FixedContent(prompt_library(["a", "b", "c"]))
    prompts, poster = (
        service(store, clock, content, prompts={"when_finished": "restart"}),
        RecordingPoster(),
    )
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await prompts.post_now(FACILITATOR, poster)
    preview = await prompts.upcoming(FACILITATOR, 8)
    assert [e.title for e in preview.entries] == ["B", "C", "A", "B", "C", "A", "B", "C"]


@dataclass
class FlakyPoster(RecordingPoster):
    """The message reaches Discord, then the answer is lost (a timeout or a 5xx)."""

    lose_answers: bool = True

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        ids = await super().post(post)
        self.sent_unrecorded[post.prompt.id] = ids
        if self.lose_answers:
            raise TimeoutError("no answer from Discord")
        return ids


async def test_an_unclear_error_never_leads_to_a_second_post(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = at("2026-03-02T08:00:00+00:00")
    prompts, poster = service(store, clock), FlakyPoster()
    other = Actor(user_id=20, guild_id=2, channel_id=600, manages_server=True)
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    await prompts.set_schedule(other, 600, "09:00", "Europe/Berlin")
    assert await prompts.run_due(poster) == []
    assert "cohort 1: posting the prompt failed" in caplog.text
    assert "cohort 2: posting the prompt failed" in caplog.text, "every cohort's failure is logged"
    clock.advance(seconds=30)
    await prompts.run_due(poster)
    assert len(poster.posts) == 2, "the kept reservation blocks a retry while it is unsettled"
    clock.advance(minutes=2)
    poster.lose_answers = False
    await prompts.run_due(poster)
    assert len(poster.posts) == 2, "found in the channel: recorded, not posted again"
    assert all(entry.message_id for entry in await store.history(1) + await store.history(2))


async def test_a_schedule_set_after_todays_time_starts_tomorrow(store: Store) -> None:
    clock = at("2026-03-02T16:00:00+00:00")  # 17:00 in Berlin
    prompts, poster = service(store, clock), RecordingPoster()
    status = await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    assert status.next_post == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert status.quiet_dates == (), "the skipped afternoon is not shown as a quiet date"
    assert await prompts.run_due(poster) == [], "no surprise post in the afternoon"
    clock.advance(hours=16)
    assert len(await prompts.run_due(poster)) == 1


async def test_a_schedule_set_just_after_its_time_posts_now(store: Store) -> None:
    clock = at("2026-03-02T08:05:00+00:00")  # 09:05 in Berlin: "start now"
    prompts, poster = service(store, clock), RecordingPoster()
    await prompts.set_schedule(FACILITATOR, 500, "09:00", "Europe/Berlin")
    assert len(await prompts.run_due(poster)) == 1
