"""Tests for bot.schedule.timing and Schedule: post instants across DST, due dates, previews.

Time is always passed in; nothing here sleeps or reads the clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import (
    ALL_DAYS,
    SEARCH_DAYS,
    Schedule,
    ScheduleError,
    due_date,
    local_date,
    next_post,
    parse_time,
    post_instant,
    upcoming,
)
from tests.schedule_helpers import DAY, MINUTE, utc, wall


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
