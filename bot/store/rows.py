"""How values and rows cross between Python and SQLite, derived from bot/store/models.py.

A model's columns are named after its fields, so one ``RowReader`` per model gives both
the SELECT column list and the function that builds the model from a row. Timestamps
are stored as fixed-width UTC ISO-8601 text, so comparing the text compares the times.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar, get_type_hints

_M = TypeVar("_M")
_Read = Callable[[Any], object]


def db_time(value: datetime) -> str:
    """Aware datetime -> fixed-width UTC text, so text order is time order."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """Stored UTC text -> aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def parse_date_or_none(text: str | None) -> date | None:
    """Stored 'YYYY-MM-DD' (or NULL) -> date (or None)."""
    return None if text is None else date.fromisoformat(text)


def check_choice(value: str, allowed: Collection[str], what: str) -> None:
    """Refuse a value the schema's CHECK would refuse, with a message that names it."""
    if value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")


def _parse_time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)


# Field types stored as something else; every other field is read as stored.
_READERS: dict[object, _Read] = {
    datetime: parse_time,
    datetime | None: _parse_time_or_none,
    date: date.fromisoformat,
    date | None: parse_date_or_none,
    bool: bool,  # stored as 0/1
}


class RowReader(Generic[_M]):
    """Build a model dataclass from a row whose columns are named after its fields.

    A field whose type is itself a dataclass (``Reflection.pending: PendingShare | None``)
    is stored flat, as columns ``<field>_<its field>``; when it is optional, it is None
    unless all of those columns are set.
    """

    def __init__(self, model: type[_M], *, prefix: str = "") -> None:
        self.model = model
        hints = get_type_hints(model)
        self._fields: list[tuple[str, Callable[[sqlite3.Row], object]]] = []
        columns: list[str] = []
        # type[_M] is not known to be a dataclass: a TypeVar cannot be bound to "any dataclass"
        for field in dataclasses.fields(model):  # type: ignore[arg-type]
            names, read = _field_reader(prefix + field.name, hints[field.name])
            columns += names
            self._fields.append((field.name, read))
        self.column_names = tuple(columns)
        self.columns = ", ".join(columns)
        """For SELECT: every column the model is read from, comma-separated."""

    def __call__(self, row: sqlite3.Row) -> _M:
        """The model held by `row` (selected with ``self.columns``)."""
        return self.model(**{name: read(row) for name, read in self._fields})

    def optional(self, row: sqlite3.Row) -> _M | None:
        """The model, or None when any of its columns is NULL (it is not there)."""
        if any(row[name] is None for name in self.column_names):
            return None
        return self(row)


def _field_reader(
    column: str, hint: object
) -> tuple[tuple[str, ...], Callable[[sqlite3.Row], object]]:
    """The columns one field is stored in, and how to read it from a row."""
    nested = _dataclass_in(hint)
    if nested is not None:
        inner = RowReader(nested, prefix=f"{column}_")
        return inner.column_names, (inner if hint is nested else inner.optional)
    convert = _READERS.get(hint)
    if convert is None:
        return (column,), lambda row: row[column]
    return (column,), lambda row: convert(row[column])


def _dataclass_in(hint: object) -> type[Any] | None:
    """The dataclass in a hint such as ``PendingShare | None``, if there is one."""
    for part in (hint, *getattr(hint, "__args__", ())):
        if isinstance(part, type) and dataclasses.is_dataclass(part):
            return part
    return None
