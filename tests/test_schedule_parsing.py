"""Tests for bot.schedule.parsing: times, weekday lists, quiet dates and their descriptions."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.schedule import (
    ALL_DAYS,
    ScheduleError,
    describe_dates,
    describe_weekdays,
    parse_date,
    parse_dates,
    parse_time,
    parse_weekdays,
)

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


def test_describe_dates_folds_runs_and_caps_the_list() -> None:
    days = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}
    assert describe_dates(days) == "2026-12-24..2026-12-26, 2027-01-01"
    assert describe_dates([]) == "none"
    every_other = [date(2026, 1, 1) + timedelta(days=2 * n) for n in range(100)]
    assert describe_dates(every_other, limit=3).endswith(" and 97 more")
