"""Schedule maths for the daily prompt: pure functions of (schedule, last post, now).

- `model`: the `Schedule` a cohort chose, and `ScheduleError`.
- `timing`: when the next post is due, catch-up after downtime, DST gaps and folds.
- `parsing`: what facilitators type: HH:MM times, weekday lists, quiet-date ranges.
- `zones`: IANA zone names: lookup, autocomplete suggestions, advice on bad input.
"""

from __future__ import annotations

from bot.schedule.model import ALL_DAYS, Schedule, ScheduleError
from bot.schedule.parsing import (
    describe_dates,
    describe_weekdays,
    parse_date,
    parse_dates,
    parse_time,
    parse_weekdays,
)
from bot.schedule.timing import (
    SEARCH_DAYS,
    due_date,
    in_term,
    is_post_day,
    local_date,
    next_post,
    post_instant,
    upcoming,
)
from bot.schedule.zones import COMMON_TIMEZONES, resolve_timezone, suggest_timezones

__all__ = [
    "ALL_DAYS",
    "COMMON_TIMEZONES",
    "SEARCH_DAYS",
    "Schedule",
    "ScheduleError",
    "describe_dates",
    "describe_weekdays",
    "due_date",
    "in_term",
    "is_post_day",
    "local_date",
    "next_post",
    "parse_date",
    "parse_dates",
    "parse_time",
    "parse_weekdays",
    "post_instant",
    "resolve_timezone",
    "suggest_timezones",
    "upcoming",
]
