"""Tests for bot.schedule.zones: resolving zone names, advice on bad ones, autocomplete."""

from __future__ import annotations

import pytest

from bot.schedule import COMMON_TIMEZONES, ScheduleError, resolve_timezone, suggest_timezones


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
