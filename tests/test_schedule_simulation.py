"""Tests for bot.schedule.timing over time: minute-by-minute walks across DST changes, and
simulated downtime and restarts (never twice, never skipped).

Time is always passed in; nothing here sleeps or reads the clock.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import (
    Schedule,
    due_date,
    is_post_day,
    local_date,
    next_post,
    post_instant,
    upcoming,
)
from tests.schedule_helpers import DAY, MINUTE, utc, wall


@functools.cache
def transitions(zone: str, first_year: int, last_year: int) -> tuple[datetime, ...]:
    """UTC instants (to the minute) where the zone's offset changes."""
    tz = ZoneInfo(zone)
    found: list[datetime] = []
    step = timedelta(hours=12)
    moment, end = utc(first_year, 1, 1), utc(last_year + 1, 1, 1)
    while moment < end:
        after = moment + step
        if moment.astimezone(tz).utcoffset() != after.astimezone(tz).utcoffset():
            low, high = 0, int(step / MINUTE)  # bisect on whole minutes after `moment`
            while high - low > 1:
                middle = (low + high) // 2
                before = (moment + middle * MINUTE).astimezone(tz).utcoffset()
                if before == moment.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(moment + high * MINUTE)
        moment = after
    return tuple(found)


WALK_ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "America/Nuuk",
]


def _walk_cases() -> list[tuple[str, datetime]]:
    return [(zone, change) for zone in WALK_ZONES for change in transitions(zone, 2026, 2026)]


def _post_times_near(zone: str, change: datetime) -> list[time]:
    """Wall times around the change (before, inside and after the gap/fold), plus usual ones."""
    near = {
        (wall(change - MINUTE, zone) + shift).time()
        for shift in (-30 * MINUTE, MINUTE, 16 * MINUTE, 31 * MINUTE, 61 * MINUTE, 91 * MINUTE)
    }
    return sorted(near | {time(0), time(9), time(23, 30)})


@pytest.mark.parametrize(("zone", "change"), _walk_cases(), ids=str)
def test_minute_by_minute_walk_across_dst_posts_once_per_day(zone: str, change: datetime) -> None:
    start, end = change - timedelta(hours=30), change + timedelta(hours=30)
    for at in _post_times_near(zone, change):
        schedule = Schedule(at, zone)
        posts: dict[date, datetime] = {}
        first_day = local_date(schedule, start)
        last: date | None = first_day  # start with that day posted: no late post
        moment = start
        while moment <= end:
            posted = due_date(schedule, last, moment)
            if posted is not None:
                assert posted not in posts
                posts[posted] = moment
                last = posted
                assert due_date(schedule, last, moment) is None  # restart right after
            moment += MINUTE
        days = {first_day + n * DAY for n in range(1, 5)}
        expected = {
            day: post_instant(schedule, day)
            for day in days
            if start <= post_instant(schedule, day) <= end
        }
        assert posts == expected, at


SIM_ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "America/Nuuk",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "UTC",
]

post_times = st.one_of(
    st.sampled_from([time(0), time(0, 30), time(1, 30), time(2), time(2, 30), time(23, 30)]),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)


@st.composite
def starts(draw: st.DrawFn, zone: str) -> datetime:
    """A start in 2025-2027, often within a few days before a DST change."""
    changes = transitions(zone, 2025, 2027)
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        change = draw(st.sampled_from(changes))
        return change - timedelta(seconds=draw(st.integers(0, 4 * 86400)))
    seconds = draw(st.integers(0, 3 * 365 * 86400))
    return utc(2025, 1, 1) + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Scenario:
    schedule: Schedule
    start: datetime
    last_posted: date | None


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(SIM_ZONES))
    start = draw(starts(zone))
    first_day = start.astimezone(ZoneInfo(zone)).date()
    quiet = draw(st.frozensets(st.integers(-1, 20), max_size=6))
    schedule = Schedule(
        post_time=draw(post_times),
        timezone=zone,
        weekdays=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        quiet_dates=frozenset(first_day + n * DAY for n in quiet),
    )
    back = draw(st.one_of(st.none(), st.integers(0, 3)))
    return Scenario(schedule, start, None if back is None else first_day - back * DAY)


gaps = st.one_of(
    st.integers(1, 600),  # the bot is awake and polling
    st.integers(600, 6 * 3600),  # a short outage
    st.integers(6 * 3600, 7 * 86400),  # up to a week of downtime
)


@dataclass
class Bot:
    """A simulated bot: persisted last_posted, and every post it made."""

    schedule: Schedule
    last: date | None
    posts: list[tuple[date, datetime]]

    def wake(self, now: datetime) -> None:
        """What the real loop does at each wakeup (also what a restart does)."""
        posted = due_date(self.schedule, self.last, now)
        if posted is not None:
            self.posts.append((posted, now))
            self.last = posted

    def check_next(self, now: datetime) -> datetime | None:
        """After handling a wakeup nothing is due, and next_post agrees with due_date."""
        assert due_date(self.schedule, self.last, now) is None
        wake = next_post(self.schedule, self.last, now)
        if wake is not None:
            assert wake > now
            assert due_date(self.schedule, self.last, wake) is not None
            assert due_date(self.schedule, self.last, wake - timedelta(seconds=1)) is None
            assert upcoming(self.schedule, self.last, now, 1) == [local_date(self.schedule, wake)]
        return wake


def assert_safe(scenario: Scenario, posts: list[tuple[date, datetime]]) -> None:
    """Never twice, never for another date, never early, only on post days."""
    schedule = scenario.schedule
    dates = [day for day, _ in posts]
    assert dates == sorted(set(dates))  # strictly increasing: one post per local date
    for day, moment in posts:
        assert scenario.last_posted is None or day > scenario.last_posted
        assert is_post_day(schedule, day)
        assert local_date(schedule, moment) == day
        assert moment >= post_instant(schedule, day)


@settings(max_examples=150, deadline=None)
@given(
    scenarios(),
    st.lists(st.tuples(st.none() | gaps, st.booleans()), min_size=1, max_size=40),
)
def test_simulated_downtime_and_restarts(
    scenario: Scenario, steps: list[tuple[int | None, bool]]
) -> None:
    """Wakeups at random moments (None: sleep until next_post, like the real loop)."""
    bot = Bot(scenario.schedule, scenario.last_posted, [])
    moment = scenario.start
    for gap, restart in steps:
        bot.wake(moment)
        if restart:
            bot.wake(moment)  # a restart re-reads last_posted and must not post again
        wake = bot.check_next(moment)
        day = local_date(bot.schedule, moment)
        if (
            is_post_day(bot.schedule, day)
            and moment >= post_instant(bot.schedule, day)
            and (scenario.last_posted is None or day > scenario.last_posted)
        ):
            assert bot.last == day  # came back the same day after the post time: posted
        if gap is not None:
            moment += timedelta(seconds=gap)
        else:
            moment = wake if wake is not None else moment + DAY
    assert_safe(scenario, bot.posts)


@settings(max_examples=40, deadline=None)
@given(scenarios(), st.integers(0, 2**32), st.integers(1, 4))
def test_dense_wakeups_miss_no_post_day(scenario: Scenario, seed: int, days: int) -> None:
    rng = random.Random(seed)  # polling jitter; drawn from a seed to keep examples small
    bot = Bot(scenario.schedule, scenario.last_posted, [])
    moment, end = scenario.start, scenario.start + days * DAY
    while moment <= end:
        bot.wake(moment)
        wake = bot.check_next(moment)
        poll = moment + timedelta(seconds=rng.randint(1, 600))
        moment = poll if wake is None else min(poll, wake)
    assert_safe(scenario, bot.posts)
    schedule, first = scenario.schedule, local_date(scenario.schedule, scenario.start)
    if scenario.last_posted is not None:
        first = max(first, scenario.last_posted + DAY)
    expected = [
        day
        for day in (first + n * DAY for n in range(days + 2))
        if is_post_day(schedule, day) and post_instant(schedule, day) < moment
    ]
    assert [day for day, _ in bot.posts] == expected
