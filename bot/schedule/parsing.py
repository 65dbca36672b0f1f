"""Parsing what facilitators type: times (HH:MM), weekday lists and quiet-date ranges."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta

from bot.schedule.model import ALL_DAYS, WEEKDAYS, WEEKENDS, ScheduleError, clip_input

MAX_RANGE_DAYS = 366
MAX_QUIET_DATES = 1000

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

TIME_FORM = "Time must be HH:MM in 24-hour form, like 09:00 or 18:30."
DATE_FORM = "Dates must be YYYY-MM-DD, like 2026-12-24."
DAYS_FORM = 'Use day names like "mon, wed, fri", or "weekdays", "weekends" or "every day".'

_TIME_RE = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})|(?P<hhmm>[0-9]{4})")
_AMPM_RE = re.compile(
    r"(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))?\s*(?P<half>[ap])\.?\s*m?\.?",
    re.IGNORECASE,
)


def parse_time(text: str) -> time:
    """Parse a 24-hour "HH:MM" (also "9:00" and "0930") into a wall-clock time."""
    cleaned = text.strip()
    match = _TIME_RE.fullmatch(cleaned)
    if match is None:
        raise ScheduleError(_time_error(cleaned))
    if match["hhmm"] is not None:
        hour, minute = int(match["hhmm"][:2]), int(match["hhmm"][2:])
    else:
        hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ScheduleError(TIME_FORM)
    return time(hour, minute)


def _time_error(cleaned: str) -> str:
    """The accepted form, plus the 24-hour equivalent when the input was "9pm"-style."""
    match = _AMPM_RE.fullmatch(cleaned)
    if match is None:
        return TIME_FORM
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return TIME_FORM
    hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
    return f'{TIME_FORM} For "{clip_input(cleaned)}", use {hour:02d}:{minute:02d}.'


_EVERY_DAY_PHRASES = frozenset({"", "every day", "everyday", "daily", "all", "all days", "any"})
_DAY_GROUPS: dict[str, frozenset[int]] = {
    "weekday": WEEKDAYS,
    "weekdays": WEEKDAYS,
    "workdays": WEEKDAYS,
    "weekend": WEEKENDS,
    "weekends": WEEKENDS,
}
_DAY_ALIASES = {"weds": 2, "thur": 3, "thurs": 3}
_DAY_SPLIT_RE = re.compile(r"[\s,;/&+]+|\band\b")


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse "mon,wed,fri", "weekdays", "mon-fri" or "every day" into weekday numbers."""
    phrase = " ".join(text.lower().split())
    if phrase in _EVERY_DAY_PHRASES:
        return ALL_DAYS
    days: set[int] = set()
    for token in _DAY_SPLIT_RE.split(phrase):
        if token:
            days |= _parse_day_token(token)
    if not days:
        raise ScheduleError(f"No days given. {DAYS_FORM}")
    return frozenset(days)


def _parse_day_token(token: str) -> frozenset[int]:
    """One token: a group word, a day name, or a range like "mon-fri" (may wrap)."""
    if token in _DAY_GROUPS:
        return _DAY_GROUPS[token]
    if "-" in token:
        start_text, _, end_text = token.partition("-")
        start, end = _day_number(start_text, token), _day_number(end_text, token)
        return frozenset((start + step) % 7 for step in range((end - start) % 7 + 1))
    return frozenset({_day_number(token, token)})


def _day_number(word: str, token: str) -> int:
    """Match a day by any prefix of at least two letters ("tu", "tue", "tues"), or a plural."""
    word = word.removesuffix("s") if word.endswith("days") else word
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    if len(word) >= 2:
        for number, name in enumerate(DAY_NAMES):
            if name.startswith(word):
                return number
    raise ScheduleError(f'Unknown day "{clip_input(token)}". {DAYS_FORM}')


def describe_weekdays(weekdays: frozenset[int]) -> str:
    """Readable form ("every day", "weekdays", "Mon, Wed, Fri") that parse_weekdays accepts."""
    if weekdays == ALL_DAYS:
        return "every day"
    if weekdays == WEEKDAYS:
        return "weekdays"
    if weekdays == WEEKENDS:
        return "weekends"
    if not weekdays:
        return "no days"
    return ", ".join(DAY_ABBREVIATIONS[day] for day in sorted(weekdays))


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def describe_dates(days: Iterable[date], limit: int = 12) -> str:
    """Dates as short runs ("2026-12-24..2026-12-26, 2027-01-01"), at most ``limit`` runs."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = [f"{a}" if a == b else f"{a}..{b}" for a, b in runs]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return (", ".join(parts[:limit]) + more) or "none"


def parse_date(text: str) -> date:
    """Parse one YYYY-MM-DD date."""
    cleaned = text.strip()
    if _DATE_RE.fullmatch(cleaned) is None:
        raise ScheduleError(f'"{clip_input(cleaned)}" is not a date. {DATE_FORM}')
    try:
        return date.fromisoformat(cleaned)
    except ValueError as error:
        raise ScheduleError(f"{cleaned} is not a real date. {DATE_FORM}") from error


def parse_dates(text: str) -> frozenset[date]:
    """Parse quiet dates: dates and ranges ("2026-12-24..2026-12-26") split by commas/spaces."""
    dates: set[date] = set()
    for token in re.split(r"[\s,;]+", text.strip()):
        if token:
            dates |= _parse_date_token(token)
        if len(dates) > MAX_QUIET_DATES:
            raise ScheduleError(f"That is more than {MAX_QUIET_DATES} dates; give fewer.")
    if not dates:
        raise ScheduleError(f"No dates given. {DATE_FORM}")
    return frozenset(dates)


def _parse_date_token(token: str) -> set[date]:
    """One date, or an inclusive range capped at MAX_RANGE_DAYS days."""
    if ".." not in token:
        return {parse_date(token)}
    start_text, _, end_text = token.partition("..")
    start, end = parse_date(start_text), parse_date(end_text)
    if end < start:
        raise ScheduleError(f"The range {token} ends before it starts.")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise ScheduleError(
            f"The range {token} covers {length} days; the most is {MAX_RANGE_DAYS}."
        )
    return {start + timedelta(days=step) for step in range(length)}
