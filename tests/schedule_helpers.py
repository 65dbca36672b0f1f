"""What the schedule tests share: a minute, a day, UTC instants and wall-clock readings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    """Naive wall-clock reading of an instant in a zone."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
