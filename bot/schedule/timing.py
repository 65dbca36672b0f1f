"""When the daily prompt is due: the next post, catch-up after downtime, DST gaps and folds.

Everything here is a pure function of (schedule, last post, now): the caller passes the
time in, nothing reads the clock, so tests can walk across DST changes without sleeping.

The rules ("never twice, never skipped"):

* A schedule posts at most once per local date: `due_date` only ever returns the local
  date of `now`, and only when it is later than the last posted date.
* After downtime the bot posts late on the same local day, but never for a day that has
  already ended.
* A post time is a wall-clock time in the cohort's zone. If that time does not exist on a
  date (spring forward) the post is at the first valid moment after the gap, which is the
  wall time the clock jumps to. If it exists twice (fall back) the post is at the first
  occurrence. If the gap runs to the end of the date (America/Nuuk jumps from 23:00 to
  00:00 the next day) the post is at the last valid minute of the date, so the date still
  gets its one post on its own date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from bot.schedule.model import Schedule, ScheduleError

SEARCH_DAYS = 366 * 2
"""How far ahead `next_post` and `upcoming` look, so an all-quiet schedule cannot loop."""


def _require_aware(now: datetime) -> None:
    """Naive datetimes are ambiguous; the bot must pass aware UTC (or any aware) times."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def local_date(schedule: Schedule, now: datetime) -> date:
    """The date on the cohort's wall calendar at instant `now`."""
    _require_aware(now)
    return now.astimezone(schedule.zone).date()


def in_term(schedule: Schedule, day: date) -> bool:
    """Whether `day` lies between the schedule's first and last day (when it has them)."""
    if schedule.first_day is not None and day < schedule.first_day:
        return False
    return schedule.last_day is None or day <= schedule.last_day


def is_post_day(schedule: Schedule, day: date) -> bool:
    """Whether `day` is a chosen weekday in the term and not quiet (pausing is separate)."""
    return (
        day.weekday() in schedule.weekdays
        and day not in schedule.quiet_dates
        and in_term(schedule, day)
    )


def post_instant(schedule: Schedule, day: date) -> datetime:
    """The aware UTC instant when the post for local date `day` is due.

    This is the first moment the zone's wall clock shows `day` at or after the post
    time: a time inside a spring-forward gap maps to the end of the gap, a time in a
    repeated hour maps to its first occurrence.
    """
    instant = _instant_on(schedule.zone, day, schedule.post_time)
    if instant is None:
        raise ScheduleError(f"{day.isoformat()} does not exist in {schedule.timezone}.")
    return instant


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of `instant` in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _instant_on(zone: ZoneInfo, day: date, at: time) -> datetime | None:
    """Post instant for `day`, or None if the zone skipped that whole date."""
    wall = datetime.combine(day, at.replace(fold=0))
    candidates = sorted(wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))
    exact = [c for c in candidates if _wall(c, zone) == wall]
    if exact:
        return exact[0]  # the earlier UTC instant is the first occurrence of a repeat
    return _after_gap(zone, wall, candidates[0], candidates[-1])


def _after_gap(zone: ZoneInfo, wall: datetime, low: datetime, high: datetime) -> datetime | None:
    """First instant after a gap that swallowed `wall`; clamped to stay on its date.

    Interpreting the missing wall time with the offsets before and after the change gives
    two instants that bracket the change, so a search between them finds its exact moment
    whatever the size of the shift (30 min on Lord Howe, 1 h elsewhere, a day in Samoa).
    """
    found = _earliest(low, high, lambda t: _wall(t, zone) >= wall)
    if found is None or _wall(found, zone).date() == wall.date():
        return found
    last_minute = found - timedelta(minutes=1)  # the gap ran past midnight (America/Nuuk)
    return last_minute if _wall(last_minute, zone).date() == wall.date() else None


def _earliest(
    low: datetime, high: datetime, reached: Callable[[datetime], bool]
) -> datetime | None:
    """Earliest whole-second instant in [low, high] where `reached` turns true (bisection)."""
    if not reached(high):
        return None
    if reached(low):
        return low
    below, above = 0, max(1, int((high - low).total_seconds()))
    while above - below > 1:
        middle = (below + above) // 2
        if reached(low + timedelta(seconds=middle)):
            above = middle
        else:
            below = middle
    return min(low + timedelta(seconds=above), high)


def _when_date_returns(zone: ZoneInfo, day: date, now: datetime) -> datetime:
    """When the wall calendar, currently before `day`, next shows `day`.

    Only needed when a fall-back crosses midnight (America/St_Johns before 2011): the post
    instant of tomorrow can then lie in the past while today's date is showing again.
    """
    start = now.astimezone(UTC)
    found = _earliest(start, start + timedelta(days=2), lambda t: _wall(t, zone).date() >= day)
    return found if found is not None else start + timedelta(days=2)


def due_date(schedule: Schedule, last_posted: date | None, now: datetime) -> date | None:
    """The local date to post for right now, or None.

    Only today can be due, so a day that ended during downtime is never posted late, and
    a date at or before `last_posted` never posts again (restarts are safe).
    """
    today = local_date(schedule, now)
    if schedule.paused or not is_post_day(schedule, today):
        return None
    if last_posted is not None and last_posted >= today:
        return None
    instant = _instant_on(schedule.zone, today, schedule.post_time)
    if instant is None or now < instant:
        return None
    return today


def next_post(schedule: Schedule, last_posted: date | None, now: datetime) -> datetime | None:
    """When the next post will happen: `now` if one is due, else a future instant.

    None when paused, when no weekday is chosen, or when nothing posts in the next
    `SEARCH_DAYS` days (every date quiet). A scheduler can sleep until this instant.
    """
    for _day, instant in _planned_posts(schedule, last_posted, now):
        return now if instant <= now else instant
    return None


def upcoming(schedule: Schedule, last_posted: date | None, now: datetime, count: int) -> list[date]:
    """The next `count` local dates that will get a post, today included if still to come."""
    if count <= 0:
        return []
    return [day for day, _instant in islice(_planned_posts(schedule, last_posted, now), count)]


def _planned_posts(
    schedule: Schedule, last_posted: date | None, now: datetime
) -> Iterator[tuple[date, datetime]]:
    """Future posts in order as (date, instant); an instant <= now means due right now."""
    today = local_date(schedule, now)
    if schedule.paused or not schedule.weekdays:
        return
    zone = schedule.zone
    first = today if last_posted is None else max(today, last_posted + timedelta(days=1))
    for offset in range(SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if schedule.last_day is not None and day > schedule.last_day:
            return
        if not is_post_day(schedule, day):
            continue
        instant = _instant_on(zone, day, schedule.post_time)
        if instant is None:
            continue
        if day > today and instant <= now:
            instant = _when_date_returns(zone, day, now)
        yield day, instant
