"""Row mapping derived from the models: columns that exist, values read back as typed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.store import (
    CohortRow,
    Delivery,
    HistoryEntry,
    PendingShare,
    Reflection,
    RosterMember,
    Store,
)
from bot.store.rows import RowReader, db_time, parse_time

NOW = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (CohortRow, "cohorts"),
        (HistoryEntry, "prompt_history"),
        (Reflection, "reflections"),
        (RosterMember, "cohort_members"),
        (Delivery, "cohort_deliveries"),
    ],
)
async def test_every_column_a_model_is_read_from_is_in_its_table(
    tmp_path: Path, model: type[object], table: str
) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path):
        pass
    with sqlite3.connect(path) as conn:
        in_table = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    assert set(RowReader(model).column_names) <= in_table


def test_a_nested_model_is_stored_flat_under_its_field_name() -> None:
    assert RowReader(Reflection).column_names[-3:] == (
        "pending_channel_id",
        "pending_visibility",
        "pending_since",
    )


def _row(**values: object) -> sqlite3.Row:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    names = ", ".join(f"? AS {name}" for name in values)
    row: sqlite3.Row = conn.execute(f"SELECT {names}", tuple(values.values())).fetchone()
    conn.close()
    return row


def _reflection_row(**changes: object) -> sqlite3.Row:
    values: dict[str, object] = {
        "id": 7,
        "guild_id": 1,
        "author_id": 2,
        "about_kind": "prompt",
        "about_id": "p1",
        "text": "a thought",
        "visibility": "private",
        "shared_channel_id": None,
        "shared_message_id": None,
        "created_at": db_time(NOW),
        "edited_at": None,
        "cohort_id": None,
        "seen_anonymously": 1,
        "pending_channel_id": None,
        "pending_visibility": None,
        "pending_since": None,
    }
    return _row(**(values | changes))


def test_timestamps_bools_and_absent_nested_values_are_read_back_typed() -> None:
    reflection = RowReader(Reflection)(_reflection_row())
    assert reflection.created_at == NOW
    assert reflection.created_at.tzinfo is UTC
    assert reflection.edited_at is None
    assert reflection.seen_anonymously is True
    assert reflection.pending is None


def test_a_nested_value_is_there_only_when_all_its_columns_are() -> None:
    since = NOW + timedelta(minutes=1)
    full = _reflection_row(
        pending_channel_id=5, pending_visibility="cohort", pending_since=db_time(since)
    )
    assert RowReader(Reflection)(full).pending == PendingShare(5, "cohort", since)
    half = _reflection_row(pending_channel_id=5, pending_visibility="cohort")
    assert RowReader(Reflection)(half).pending is None


def test_dates_are_read_back_as_dates() -> None:
    row = _row(
        id=3,
        guild_id=1,
        name="Spring",
        channel_id=2,
        is_forum=0,
        post_time="09:00",
        timezone="UTC",
        weekdays=127,
        starts_on="2025-03-11",
        ends_on=None,
        curriculum="default",
        round=1,
        paused=0,
        when_finished=None,
        notify_channel_id=None,
        digest_channel_id=None,
        created_by=None,
        created_at=db_time(NOW),
        updated_at=db_time(NOW),
        ended_at=None,
    )
    cohort = RowReader(CohortRow)(row)
    assert cohort.starts_on == date(2025, 3, 11)
    assert cohort.ends_on is None
    assert cohort.paused is False
    assert cohort.is_forum is False
    assert cohort.ended is False


def test_times_are_stored_as_utc_text_that_sorts_as_time() -> None:
    an_hour_east = NOW.astimezone(timezone(timedelta(hours=1)))
    assert db_time(an_hour_east) == "2025-03-10T08:30:00.000000+00:00"
    assert parse_time(db_time(an_hour_east)) == NOW
    with pytest.raises(ValueError, match="timezone-aware"):
        db_time(datetime(2025, 3, 10, 8, 30))
