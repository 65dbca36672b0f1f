"""IANA time zones: resolving what facilitators type, with suggestions and advice."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from bot.schedule.model import HOST_DEPENDENT_NAMES, ScheduleError, clip_input

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
    every = available_timezones() - HOST_DEPENDENT_NAMES
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
            f'"{clip_input(shown)}" is an abbreviation, which does not follow daylight saving '
            f"changes. Use a zone name such as {_ABBREVIATION_HINTS[query]}."
        )
    closest = _closest_zones(query, limit=5)
    if not closest:
        return (
            f'Unknown time zone "{clip_input(shown)}". Use a zone name like Europe/Berlin or '
            "America/New_York; start typing a city to search."
        )
    return f'Unknown time zone "{clip_input(shown)}". Did you mean {_or_list(closest)}?'


def _offset_message(shown: str, offset: re.Match[str]) -> str:
    """A fixed offset would drift by an hour at DST; point to city zones instead."""
    message = (
        f'"{clip_input(shown)}" is a fixed UTC offset, which does not follow daylight saving. '
        "Use the zone of a city instead, like Europe/Berlin or America/New_York."
    )
    hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
    sign = "+" if offset["sign"] == "+" else "-"
    if hours == 0 and minutes == 0:
        return f'"{clip_input(shown)}" is UTC itself: use the zone name UTC.'
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
