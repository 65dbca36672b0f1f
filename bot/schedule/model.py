"""The Schedule a cohort chose, and the one error every schedule function raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ALL_DAYS: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))
WEEKENDS: frozenset[int] = frozenset({5, 6})

HOST_DEPENDENT_NAMES = frozenset({"localtime", "posixrules", "Factory"})
"""Zone names whose meaning depends on the machine the bot runs on."""


class ScheduleError(ValueError):
    """A problem with a schedule or its input; the message is shown to facilitators as is."""


def clip_input(text: str, limit: int = 40) -> str:
    """Keep echoed user input short in error messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Schedule:
    """A daily prompt schedule: a wall-clock time in an IANA zone on chosen weekdays."""

    post_time: time
    timezone: str
    weekdays: frozenset[int] = ALL_DAYS
    quiet_dates: frozenset[date] = field(default_factory=frozenset)
    paused: bool = False
    first_day: date | None = None  # no post before this local date (a cohort's start)
    last_day: date | None = None  # nor after this one (its end)

    def __post_init__(self) -> None:
        if self.post_time.tzinfo is not None:
            raise ScheduleError("The post time is a local wall-clock time and has no zone.")
        if not self.weekdays <= ALL_DAYS:
            raise ScheduleError("Weekdays are numbered 0 (Monday) to 6 (Sunday).")
        _load_zone(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        """The zone object (ZoneInfo caches these, so this is cheap)."""
        return _load_zone(self.timezone)


def _load_zone(name: str) -> ZoneInfo:
    """Load a zone, refusing names that depend on the host (its local time)."""
    if name in HOST_DEPENDENT_NAMES:
        raise ScheduleError(f'"{name}" depends on the server, not on the cohort.')
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f'Unknown time zone "{clip_input(name)}".') from error
