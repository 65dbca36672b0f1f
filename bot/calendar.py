"""Scheduling maths for the daily discussion prompt.

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

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

__all__ = [
    "ALL_DAYS",
    "COMMON_TIMEZONES",
    "SEARCH_DAYS",
    "Schedule",
    "ScheduleError",
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

ALL_DAYS: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))
WEEKENDS: frozenset[int] = frozenset({5, 6})

SEARCH_DAYS = 366 * 2
"""How far ahead `next_post` and `upcoming` look, so an all-quiet schedule cannot loop."""

MAX_RANGE_DAYS = 366
MAX_QUIET_DATES = 1000

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

COMMON_TIMEZONES: tuple[str, ...] = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
"""Shown first in autocomplete when nothing has been typed yet."""

TIME_FORM = "Time must be HH:MM in 24-hour form, like 09:00 or 18:30."
DATE_FORM = "Dates must be YYYY-MM-DD, like 2026-12-24."
DAYS_FORM = 'Use day names like "mon, wed, fri", or "weekdays", "weekends" or "every day".'


class ScheduleError(ValueError):
    """A problem with a schedule or its input; the message is shown to facilitators as is."""


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Schedule:
    """A daily prompt schedule: a wall-clock time in an IANA zone on chosen weekdays."""

    post_time: time
    timezone: str
    weekdays: frozenset[int] = ALL_DAYS
    quiet_dates: frozenset[date] = field(default_factory=frozenset)
    paused: bool = False

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


_HOST_DEPENDENT_NAMES = frozenset({"localtime", "posixrules", "Factory"})
"""Names whose meaning depends on the machine the bot runs on."""


def _load_zone(name: str) -> ZoneInfo:
    """Load a zone, refusing names that depend on the host (its local time)."""
    if name in _HOST_DEPENDENT_NAMES:
        raise ScheduleError(f'"{name}" depends on the server, not on the cohort.')
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f'Unknown time zone "{_clip(name)}".') from error


def _require_aware(now: datetime) -> None:
    """Naive datetimes are ambiguous; the bot must pass aware UTC (or any aware) times."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def local_date(schedule: Schedule, now: datetime) -> date:
    """The date on the cohort's wall calendar at instant `now`."""
    _require_aware(now)
    return now.astimezone(schedule.zone).date()


def is_post_day(schedule: Schedule, day: date) -> bool:
    """Whether `day` is a chosen weekday and not a quiet date (pausing is separate)."""
    return day.weekday() in schedule.weekdays and day not in schedule.quiet_dates


# --------------------------------------------------------------------------- instants


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


# --------------------------------------------------------------------------- decisions


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
        if not is_post_day(schedule, day):
            continue
        instant = _instant_on(zone, day, schedule.post_time)
        if instant is None:
            continue
        if day > today and instant <= now:
            instant = _when_date_returns(zone, day, now)
        yield day, instant


# --------------------------------------------------------------------------- parsing


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
    return f'{TIME_FORM} For "{_clip(cleaned)}", use {hour:02d}:{minute:02d}.'


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
    raise ScheduleError(f'Unknown day "{_clip(token)}". {DAYS_FORM}')


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
        raise ScheduleError(f'"{_clip(cleaned)}" is not a date. {DATE_FORM}')
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


def _clip(text: str, limit: int = 40) -> str:
    """Keep echoed user input short in error messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- time zones


_GEOGRAPHIC_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
_ABBREVIATION_HINTS = {
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "est5edt": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "cst6cdt": "America/Chicago",
    "mst": "America/Denver (or America/Phoenix for Arizona)",
    "mdt": "America/Denver",
    "mst7mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pst8pdt": "America/Los_Angeles",
    "hst": "Pacific/Honolulu",
    "bst": "Europe/London",
    "wet": "Europe/Lisbon",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "met": "Europe/Berlin",
    "eet": "Europe/Athens",
    "ist": "Asia/Kolkata (or Europe/Dublin, Asia/Jerusalem)",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
}
_ABBREVIATION_ZONES = frozenset(
    {"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET", "WET", "MET"}
)
"""Legacy zones named like abbreviations; people type them meaning a city's local time."""
_OFFSET_RE = re.compile(
    r"(?:utc|gmt|z)?\s*(?P<sign>[+\-−])\s*(?P<hours>[0-9]{1,2})(?::?(?P<minutes>[0-9]{2}))?",
    re.IGNORECASE,
)
_DID_YOU_MEAN_CUTOFF = 60.0
_DID_YOU_MEAN_BAND = 10.0


@dataclass(frozen=True)
class _ZoneIndex:
    """Zone names prepared once for fast lookups (autocomplete runs on every keystroke)."""

    accepted: dict[str, str]
    """Lowercased name -> canonical spelling, for every name resolve_timezone accepts."""
    names: tuple[str, ...]
    """Names offered as suggestions: geographic zones and UTC, sorted."""
    lowered: tuple[str, ...]
    parts: tuple[tuple[str, ...], ...]
    fuzzy_keys: tuple[str, ...]
    fuzzy_owners: tuple[int, ...]
    common_rank: dict[str, int]


@functools.cache
def _zone_index() -> _ZoneIndex:
    """Build the index lazily: available_timezones() walks the disk."""
    every = available_timezones() - _HOST_DEPENDENT_NAMES
    accepted = {name.lower(): name for name in every - _ABBREVIATION_ZONES}
    names = tuple(
        sorted(n for n in every if n == "UTC" or n.partition("/")[0] in _GEOGRAPHIC_AREAS)
    )
    lowered = tuple(name.lower() for name in names)
    keys: list[str] = []
    owners: list[int] = []
    for index, name in enumerate(lowered):
        keys += [name, name.rsplit("/", 1)[-1]]
        owners += [index, index]
    common = [name for name in COMMON_TIMEZONES if name in every]
    return _ZoneIndex(
        accepted=accepted,
        names=names,
        lowered=lowered,
        parts=tuple(tuple(name.split("/")) for name in lowered),
        fuzzy_keys=tuple(keys),
        fuzzy_owners=tuple(owners),
        common_rank={name: rank for rank, name in enumerate(common)},
    )


def _normalise_zone_query(text: str) -> str:
    """Lowercase and use underscores, so "new york" matches America/New_York."""
    return "_".join(text.strip().lower().split())


def resolve_timezone(name: str) -> str:
    """The canonical spelling of an IANA zone name (any case), or a helpful ScheduleError."""
    query = _normalise_zone_query(name)
    index = _zone_index()
    if query in index.accepted:
        return index.accepted[query]
    raise ScheduleError(_unknown_zone_message(name.strip(), query))


def _unknown_zone_message(shown: str, query: str) -> str:
    """Explain offsets and abbreviations, else list the closest zone names."""
    if not shown:
        return "Give a time zone name like Europe/Berlin or America/New_York."
    offset = _OFFSET_RE.fullmatch(query.replace("_", ""))
    if offset is not None:
        return _offset_message(shown, offset)
    if query in _ABBREVIATION_HINTS:
        return (
            f'"{_clip(shown)}" is an abbreviation, which does not follow daylight saving '
            f"changes. Use a zone name such as {_ABBREVIATION_HINTS[query]}."
        )
    closest = _closest_zones(query, limit=5)
    if not closest:
        return (
            f'Unknown time zone "{_clip(shown)}". Use a zone name like Europe/Berlin or '
            "America/New_York; start typing a city to search."
        )
    return f'Unknown time zone "{_clip(shown)}". Did you mean {_or_list(closest)}?'


def _offset_message(shown: str, offset: re.Match[str]) -> str:
    """A fixed offset would drift by an hour at DST; point to city zones instead."""
    message = (
        f'"{_clip(shown)}" is a fixed UTC offset, which does not follow daylight saving. '
        "Use the zone of a city instead, like Europe/Berlin or America/New_York."
    )
    hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
    sign = "+" if offset["sign"] == "+" else "-"
    if hours == 0 and minutes == 0:
        return f'"{_clip(shown)}" is UTC itself: use the zone name UTC.'
    if minutes == 0 and (0 < hours <= 12 or (sign == "+" and hours <= 14)):
        inverted = "-" if sign == "+" else "+"
        message += (
            f" If you really want a fixed offset, it is Etc/GMT{inverted}{hours} "
            "(these names flip the sign)."
        )
    return message


def _or_list(names: list[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _closest_zones(query: str, limit: int) -> list[str]:
    """Fuzzy matches that score close to the best one, best first."""
    scored = _fuzzy_zones(query, limit=limit, cutoff=_DID_YOU_MEAN_CUTOFF)
    if not scored:
        return []
    best = scored[0][1]
    return [name for name, score in scored if score >= best - _DID_YOU_MEAN_BAND]


def _fuzzy_zones(query: str, limit: int, cutoff: float) -> list[tuple[str, float]]:
    """Fuzzy-match against full names and city parts; one entry per zone, best first."""
    index = _zone_index()
    matches = process.extract(
        query, index.fuzzy_keys, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=cutoff
    )
    seen: dict[str, float] = {}
    for _key, score, position in matches:
        name = index.names[index.fuzzy_owners[position]]
        if name not in seen:
            seen[name] = score
    return list(seen.items())[:limit]


def suggest_timezones(query: str, limit: int = 25) -> list[str]:
    """Autocomplete: common zones when empty, else prefix/substring matches, then fuzzy."""
    if limit <= 0:
        return []
    index = _zone_index()
    needle = _normalise_zone_query(query)
    if not needle:
        return list(index.common_rank)[:limit]
    ranked = sorted(
        (tier, index.common_rank.get(name, len(index.common_rank)), name)
        for name, lowered, parts in zip(index.names, index.lowered, index.parts, strict=True)
        if (tier := _match_tier(needle, lowered, parts)) is not None
    )
    found = [name for _tier, _rank, name in ranked[:limit]]
    if len(found) < limit:
        found += [name for name in _closest_zones(needle, limit) if name not in found]
    return found[:limit]


def _match_tier(needle: str, lowered: str, parts: tuple[str, ...]) -> int | None:
    """0 exact, 1 name prefix, 2 prefix of a path part ("berlin"), 3 substring, else None."""
    if needle not in lowered:
        return None
    if lowered == needle:
        return 0
    if lowered.startswith(needle):
        return 1
    if any(part.startswith(needle) for part in parts):
        return 2
    return 3
