"""Tests for bot.calendar: DST edge cases, downtime/restart simulations, parsing, zones.

Time is always passed in; nothing here sleeps or reads the clock.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import (
    ALL_DAYS,
    COMMON_TIMEZONES,
    SEARCH_DAYS,
    Schedule,
    ScheduleError,
    describe_weekdays,
    due_date,
    is_post_day,
    local_date,
    next_post,
    parse_date,
    parse_dates,
    parse_time,
    parse_weekdays,
    post_instant,
    resolve_timezone,
    suggest_timezones,
    upcoming,
)

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    """Naive wall-clock reading of an instant in a zone."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def offset_hours(instant: datetime, zone: str) -> float:
    """UTC offset of a zone at an instant, in hours."""
    delta = instant.astimezone(ZoneInfo(zone)).utcoffset()
    assert delta is not None
    return delta.total_seconds() / 3600


def instant_of(zone: str, day: date, at: str) -> datetime:
    """post_instant for a daily schedule at "HH:MM"."""
    return post_instant(Schedule(parse_time(at), zone), day)


# --------------------------------------------------------------------------- post_instant


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        (date(2026, 3, 7), -5),
        (date(2026, 3, 8), -4),
        (date(2026, 3, 9), -4),
        (date(2026, 10, 31), -4),
        (date(2026, 11, 1), -5),
        (date(2026, 11, 2), -5),
    ],
)
def test_new_york_nine_am_stays_nine_am_across_dst(day: date, offset: int) -> None:
    instant = instant_of("America/New_York", day, "09:00")
    assert wall(instant, "America/New_York") == datetime.combine(day, time(9))
    assert offset_hours(instant, "America/New_York") == offset
    assert instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc", "expected_wall"),
    [
        # Spring forward: a missing wall time posts when the clock lands after the gap.
        ("America/New_York", date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7), "03:00"),
        ("America/New_York", date(2026, 3, 8), "02:00", utc(2026, 3, 8, 7), "03:00"),
        ("America/New_York", date(2026, 3, 8), "03:00", utc(2026, 3, 8, 7), "03:00"),
        ("America/New_York", date(2026, 3, 8), "01:59", utc(2026, 3, 8, 6, 59), "01:59"),
        ("Europe/Berlin", date(2026, 3, 29), "02:30", utc(2026, 3, 29, 1), "03:00"),
        ("Australia/Sydney", date(2026, 10, 4), "02:30", utc(2026, 10, 3, 16), "03:00"),
        # Lord Howe shifts by 30 minutes: 02:00 -> 02:30.
        ("Australia/Lord_Howe", date(2026, 10, 4), "02:15", utc(2026, 10, 3, 15, 30), "02:30"),
        # Chatham (+12:45/+13:45): 02:45 -> 03:45.
        ("Pacific/Chatham", date(2026, 9, 27), "03:00", utc(2026, 9, 26, 14), "03:45"),
        # Fall back: a repeated wall time posts at its first occurrence (the summer offset).
        ("America/New_York", date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30), "01:30"),
        ("Europe/Berlin", date(2026, 10, 25), "02:30", utc(2026, 10, 25, 0, 30), "02:30"),
        ("Australia/Sydney", date(2026, 4, 5), "02:30", utc(2026, 4, 4, 15, 30), "02:30"),
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:45", utc(2026, 4, 4, 14, 45), "01:45"),
        ("Pacific/Chatham", date(2026, 4, 5), "03:00", utc(2026, 4, 4, 13, 15), "03:00"),
        # Santiago falls back at midnight: 23:00-24:00 on the 4th happens twice.
        ("America/Santiago", date(2026, 4, 4), "23:30", utc(2026, 4, 5, 2, 30), "23:30"),
        # Odd fixed offsets.
        ("Asia/Kathmandu", date(2026, 6, 1), "09:00", utc(2026, 6, 1, 3, 15), "09:00"),
        ("Pacific/Chatham", date(2026, 6, 1), "09:00", utc(2026, 5, 31, 20, 15), "09:00"),
    ],
)
def test_post_instant_dst_rules(
    zone: str, day: date, at: str, expected_utc: datetime, expected_wall: str
) -> None:
    instant = instant_of(zone, day, at)
    assert instant == expected_utc
    assert wall(instant, zone) == datetime.combine(day, parse_time(expected_wall))


def _skips_midnight(zone: str, day: date) -> bool:
    """True when no wall time 00:00-00:59 exists on `day` (round-trip check)."""
    tz = ZoneInfo(zone)
    for minute in range(60):
        local = datetime.combine(day, time(0, minute), tzinfo=tz)
        if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
            return False
    return True


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        ("America/Havana", date(2026, 3, 8), utc(2026, 3, 8, 5)),
        ("America/Santiago", date(2026, 9, 6), utc(2026, 9, 6, 4)),
        ("Asia/Beirut", date(2026, 3, 29), utc(2026, 3, 28, 22)),
    ],
)
def test_midnight_post_on_a_day_without_midnight(
    zone: str, day: date, expected_utc: datetime
) -> None:
    assert _skips_midnight(zone, day)  # the zone really jumps 00:00 -> 01:00 that day
    instant = instant_of(zone, day, "00:00")
    assert instant == expected_utc
    assert wall(instant, zone) == datetime.combine(day, time(1))


def test_gap_running_past_midnight_keeps_the_post_on_its_own_date() -> None:
    # Nuuk jumps from 23:00 on 28 March straight to 00:00 on 29 March.
    instant = instant_of("America/Nuuk", date(2026, 3, 28), "23:30")
    assert wall(instant, "America/Nuuk") == datetime(2026, 3, 28, 22, 59)
    assert instant_of("America/Nuuk", date(2026, 3, 29), "23:30") > instant


def test_a_date_the_zone_skipped_entirely_has_no_post() -> None:
    samoa = Schedule(time(9), "Pacific/Apia")
    with pytest.raises(ScheduleError, match=r"2011-12-30 does not exist in Pacific/Apia"):
        post_instant(samoa, date(2011, 12, 30))
    now = utc(2011, 12, 29, 12)
    assert upcoming(samoa, None, now, 3) == [
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]


def test_fold_post_time_is_ignored() -> None:
    early = Schedule(time(1, 30), "America/New_York")
    late = replace(early, post_time=time(1, 30, fold=1))
    assert post_instant(early, date(2026, 11, 1)) == post_instant(late, date(2026, 11, 1))


def _oracle(zone: str, day: date, post_times: list[time]) -> dict[time, datetime | None]:
    """Brute force: the first UTC minute whose wall clock shows `day` at or after the time
    (else the last minute of `day`, else None when `day` never shows)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=15)
    minutes = [start + step * MINUTE for step in range(54 * 60)]
    on_day = [(m, m.astimezone(tz)) for m in minutes]
    on_day = [(m, local) for m, local in on_day if local.date() == day]
    answers: dict[time, datetime | None] = {}
    for at in post_times:
        hits = (m for m, local in on_day if local.time() >= at)
        answers[at] = next(hits, on_day[-1][0] if on_day else None)
    return answers


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Europe/Berlin", date(2026, 3, 29)),
        ("Europe/Berlin", date(2026, 10, 25)),
        ("Australia/Lord_Howe", date(2026, 10, 4)),
        ("Australia/Lord_Howe", date(2026, 4, 5)),
        ("Pacific/Chatham", date(2026, 9, 27)),
        ("America/Santiago", date(2026, 4, 4)),
        ("America/Santiago", date(2026, 9, 6)),
        ("America/Havana", date(2026, 3, 8)),
        ("America/Nuuk", date(2026, 3, 28)),
        ("America/St_Johns", date(2010, 11, 6)),  # fell back across midnight (00:01 -> 23:01)
        ("America/St_Johns", date(2010, 11, 7)),
        ("Pacific/Apia", date(2011, 12, 30)),  # skipped entirely
        ("Pacific/Apia", date(2011, 12, 31)),
    ],
)
def test_post_instant_matches_brute_force(zone: str, day: date) -> None:
    post_times = [time(m // 60, m % 60) for m in range(0, 24 * 60, 15)]
    expected = _oracle(zone, day, post_times)
    schedule = Schedule(time(0), zone)
    for at in post_times:
        want = expected[at]
        if want is None:
            with pytest.raises(ScheduleError):
                post_instant(replace(schedule, post_time=at), day)
        else:
            assert post_instant(replace(schedule, post_time=at), day) == want, at


# --------------------------------------------------------------------------- due_date


def test_due_only_from_the_post_time_until_the_day_ends() -> None:
    schedule = Schedule(time(9), "Europe/Berlin")
    assert due_date(schedule, None, utc(2026, 6, 1, 6, 59)) is None
    assert due_date(schedule, None, utc(2026, 6, 1, 7)) == date(2026, 6, 1)
    assert due_date(schedule, date(2026, 5, 31), utc(2026, 6, 1, 21, 59)) == date(2026, 6, 1)
    assert due_date(schedule, date(2026, 6, 1), utc(2026, 6, 1, 21, 59)) is None
    # 22:00 UTC is midnight in Berlin: 2 June has started, its post is at 09:00.
    assert due_date(schedule, date(2026, 5, 30), utc(2026, 6, 1, 22)) is None


def test_a_week_of_downtime_posts_today_only() -> None:
    schedule = Schedule(time(9), "America/New_York")
    back = utc(2026, 3, 12, 18)  # a week after the last post, past today's 09:00
    assert due_date(schedule, date(2026, 3, 5), back) == date(2026, 3, 12)
    assert due_date(schedule, date(2026, 3, 12), back) is None


def test_due_date_respects_pause_weekdays_and_quiet_dates() -> None:
    monday = date(2026, 6, 1)
    noon = utc(2026, 6, 1, 12)
    schedule = Schedule(time(9), "UTC")
    assert due_date(replace(schedule, paused=True), None, noon) is None
    assert due_date(replace(schedule, weekdays=frozenset({1})), None, noon) is None
    assert due_date(replace(schedule, quiet_dates=frozenset({monday})), None, noon) is None
    assert due_date(schedule, None, noon) == monday


def test_due_date_accepts_any_aware_now_and_rejects_naive() -> None:
    schedule = Schedule(time(9), "Asia/Tokyo")
    eastern = utc(2026, 6, 1, 1).astimezone(ZoneInfo("America/New_York"))
    assert due_date(schedule, None, eastern) == date(2026, 6, 1)
    naive = datetime(2026, 6, 1, 12)
    for call in (
        lambda: due_date(schedule, None, naive),
        lambda: next_post(schedule, None, naive),
        lambda: upcoming(schedule, None, naive, 3),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


def test_last_posted_after_today_waits_for_that_date_to_pass() -> None:
    # A cohort that moved from Tokyo to Los Angeles already posted for "tomorrow" here.
    schedule = Schedule(time(9), "America/Los_Angeles")
    now = utc(2026, 6, 1, 20)  # 13:00 on 1 June in Los Angeles
    assert due_date(schedule, date(2026, 6, 2), now) is None
    assert next_post(schedule, date(2026, 6, 2), now) == post_instant(schedule, date(2026, 6, 3))


# --------------------------------------------------------------------------- next_post / upcoming


def test_next_post_is_now_when_due_then_the_next_post_day() -> None:
    schedule = Schedule(time(9), "America/New_York", weekdays=frozenset({0, 2, 4}))
    monday_noon = utc(2026, 6, 1, 16)
    assert next_post(schedule, None, monday_noon) == monday_noon
    wednesday = post_instant(schedule, date(2026, 6, 3))
    assert next_post(schedule, date(2026, 6, 1), monday_noon) == wednesday
    monday_early = utc(2026, 6, 1, 12)  # 08:00 local
    assert next_post(schedule, None, monday_early) == post_instant(schedule, date(2026, 6, 1))


def test_next_post_none_when_paused_no_days_or_all_quiet() -> None:
    now = utc(2026, 6, 1)
    schedule = Schedule(time(9), "UTC", weekdays=frozenset({0}))
    assert next_post(replace(schedule, paused=True), None, now) is None
    assert next_post(replace(schedule, weekdays=frozenset()), None, now) is None
    mondays = frozenset(date(2026, 6, 1) + 7 * week * DAY for week in range(SEARCH_DAYS // 7 + 1))
    assert next_post(replace(schedule, quiet_dates=mondays), None, now) is None
    assert upcoming(replace(schedule, quiet_dates=mondays), None, now, 5) == []


def test_upcoming_lists_post_days_in_order() -> None:
    schedule = Schedule(
        time(18, 30),
        "Europe/London",
        weekdays=frozenset({0, 2, 4}),
        quiet_dates=frozenset({date(2026, 6, 3)}),
    )
    now = utc(2026, 6, 1, 12)  # Monday 13:00 in London: today's post still to come
    assert upcoming(schedule, None, now, 4) == [
        date(2026, 6, 1),
        date(2026, 6, 5),
        date(2026, 6, 8),
        date(2026, 6, 10),
    ]
    assert upcoming(schedule, date(2026, 6, 1), now, 1) == [date(2026, 6, 5)]
    assert upcoming(schedule, None, now, 0) == []
    assert upcoming(replace(schedule, paused=True), None, now, 3) == []


def test_next_post_when_the_calendar_goes_back_a_day() -> None:
    # St John's fell back from 00:01 on 7 Nov 2010 to 23:01 on 6 Nov. A bot that was down
    # during the first 00:00 on the 7th posts when the 7th comes round again, not in a loop.
    schedule = Schedule(time(0), "America/St_Johns")
    now = utc(2010, 11, 7, 3)  # 23:30 on the 6th, second time round
    assert local_date(schedule, now) == date(2010, 11, 6)
    assert post_instant(schedule, date(2010, 11, 7)) < now
    assert due_date(schedule, date(2010, 11, 6), now) is None
    wake = next_post(schedule, date(2010, 11, 6), now)
    assert wake == utc(2010, 11, 7, 3, 30)
    assert due_date(schedule, date(2010, 11, 6), wake) == date(2010, 11, 7)


# --------------------------------------------------------------------------- walks and simulations


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


# --------------------------------------------------------------------------- Schedule


def test_schedule_validates_its_fields() -> None:
    schedule = Schedule(time(9), "Europe/Berlin")
    assert schedule.zone == ZoneInfo("Europe/Berlin")
    assert schedule.weekdays == ALL_DAYS
    assert schedule.quiet_dates == frozenset()
    assert not schedule.paused
    with pytest.raises(ScheduleError, match="Unknown time zone"):
        Schedule(time(9), "Mars/Olympus_Mons")
    with pytest.raises(ScheduleError, match="depends on the server"):
        Schedule(time(9), "localtime")
    with pytest.raises(ScheduleError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        Schedule(time(9), "UTC", weekdays=frozenset({7}))
    with pytest.raises(ScheduleError, match="no zone"):
        Schedule(time(9, tzinfo=UTC), "UTC")


# --------------------------------------------------------------------------- parsing


TIME_FORM = "Time must be HH:MM in 24-hour form, like 09:00 or 18:30."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        (" 21:30 ", time(21, 30)),
        ("0930", time(9, 30)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "12:60", "9:5", "930", "", "noon", "٠٩:٣٠"])
def test_parse_time_rejects_with_the_accepted_form(text: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_time(text)
    assert str(error.value) == TIME_FORM


@pytest.mark.parametrize(
    ("text", "hint"), [("9am", "09:00"), ("9 PM", "21:00"), ("12:15am", "00:15"), ("12pm", "12:00")]
)
def test_parse_time_translates_am_pm_in_the_error(text: str, hint: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_time(text)
    assert str(error.value) == f'{TIME_FORM} For "{text}", use {hint}.'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,wed,fri", {0, 2, 4}),
        ("Mon, Wed & Fri", {0, 2, 4}),
        ("monday wednesday", {0, 2}),
        ("mondays and fridays", {0, 4}),
        ("tues/thurs", {1, 3}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("weekends, mon", {0, 5, 6}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("every day", set(range(7))),
        ("Daily", set(range(7))),
        ("", set(range(7))),
    ],
)
def test_parse_weekdays(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(expected)


def test_parse_weekdays_names_the_bad_token() -> None:
    with pytest.raises(ScheduleError) as error:
        parse_weekdays("mon, funday")
    assert str(error.value) == (
        'Unknown day "funday". Use day names like "mon, wed, fri", or "weekdays", '
        '"weekends" or "every day".'
    )
    with pytest.raises(ScheduleError, match='Unknown day "s"'):
        parse_weekdays("s")  # too short to tell Saturday from Sunday


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (ALL_DAYS, "every day"),
        (frozenset(range(5)), "weekdays"),
        (frozenset({5, 6}), "weekends"),
        (frozenset({4, 0, 2}), "Mon, Wed, Fri"),
        (frozenset(), "no days"),
    ],
)
def test_describe_weekdays(days: frozenset[int], text: str) -> None:
    assert describe_weekdays(days) == text


@given(st.frozensets(st.integers(0, 6), min_size=1))
def test_describe_weekdays_round_trips(days: frozenset[int]) -> None:
    assert parse_weekdays(describe_weekdays(days)) == days


def test_parse_date_and_dates() -> None:
    assert parse_date(" 2026-12-24 ") == date(2026, 12, 24)
    assert parse_dates("2026-12-24..2026-12-26, 2027-01-01 2026-12-25") == {
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
    }
    assert len(parse_dates("2026-01-01..2026-12-31")) == 365


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24/12/2026", '"24/12/2026" is not a date. Dates must be YYYY-MM-DD, like 2026-12-24.'),
        ("2026-02-30", "2026-02-30 is not a real date. Dates must be YYYY-MM-DD, like 2026-12-24."),
        ("", "No dates given. Dates must be YYYY-MM-DD, like 2026-12-24."),
        ("2026-12-26..2026-12-24", "The range 2026-12-26..2026-12-24 ends before it starts."),
        (
            "2026-01-01..2027-06-01",
            "The range 2026-01-01..2027-06-01 covers 517 days; the most is 366.",
        ),
    ],
)
def test_parse_dates_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_dates(text)
    assert str(error.value) == message


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("utc", "UTC"),
        ("Etc/GMT-2", "Etc/GMT-2"),
    ],
)
def test_resolve_timezone_accepts_iana_names_in_any_case(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Europe/Berln", 'Unknown time zone "Europe/Berln". Did you mean Europe/Berlin?'),
        ("Berlin", 'Unknown time zone "Berlin". Did you mean Europe/Berlin?'),
        (
            "UTC+2",
            '"UTC+2" is a fixed UTC offset, which does not follow daylight saving. Use the zone '
            "of a city instead, like Europe/Berlin or America/New_York. If you really want a "
            "fixed offset, it is Etc/GMT-2 (these names flip the sign).",
        ),
        (
            "EST",
            '"EST" is an abbreviation, which does not follow daylight saving changes. Use a zone '
            "name such as America/New_York.",
        ),
        ("", "Give a time zone name like Europe/Berlin or America/New_York."),
    ],
)
def test_resolve_timezone_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as error:
        resolve_timezone(text)
    assert str(error.value) == message


def test_resolve_timezone_offsets_without_an_etc_zone() -> None:
    with pytest.raises(ScheduleError) as error:
        resolve_timezone("+05:30")
    assert "fixed UTC offset" in str(error.value)
    assert "Etc/" not in str(error.value)
    with pytest.raises(ScheduleError, match="UTC itself"):
        resolve_timezone("GMT+0:00")


def test_resolve_timezone_lists_at_most_five_suggestions() -> None:
    with pytest.raises(ScheduleError) as error:
        resolve_timezone("Asia/Ku")
    suggestions = str(error.value).partition("Did you mean ")[2]
    assert 1 <= suggestions.count("/") <= 5


def test_suggest_timezones() -> None:
    assert suggest_timezones("") == list(COMMON_TIMEZONES)
    assert suggest_timezones("berlin")[0] == "Europe/Berlin"
    assert suggest_timezones("Europe/Berln")[0] == "Europe/Berlin"
    assert suggest_timezones("new york")[0] == "America/New_York"
    assert suggest_timezones("lord")[0] == "Australia/Lord_Howe"
    assert "Asia/Kathmandu" in suggest_timezones("kathm")
    assert suggest_timezones("europe/")[:3] == ["Europe/London", "Europe/Paris", "Europe/Berlin"]
    assert len(suggest_timezones("a")) == 25
    assert len(suggest_timezones("a", limit=5)) == 5
    assert suggest_timezones("a", limit=0) == []
    assert suggest_timezones("zzzzzzzz") == []
    assert all(resolve_timezone(name) == name for name in suggest_timezones("america"))


def test_describe_dates_folds_runs_and_caps_the_list() -> None:
    from bot.calendar import describe_dates

    days = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}
    assert describe_dates(days) == "2026-12-24..2026-12-26, 2027-01-01"
    assert describe_dates([]) == "none"
    every_other = [date(2026, 1, 1) + timedelta(days=2 * n) for n in range(100)]
    assert describe_dates(every_other, limit=3).endswith(" and 97 more")
