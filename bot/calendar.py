"""Moved to the bot.schedule package; kept only until its callers import from there."""

from __future__ import annotations

from bot.schedule import (
    ALL_DAYS,
    COMMON_TIMEZONES,
    SEARCH_DAYS,
    Schedule,
    ScheduleError,
    describe_dates,
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

__all__ = [
    "ALL_DAYS",
    "COMMON_TIMEZONES",
    "SEARCH_DAYS",
    "Schedule",
    "ScheduleError",
    "describe_dates",
    "describe_weekdays",
    "due_date",
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
