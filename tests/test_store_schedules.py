"""What the store promises about schedules and quiet dates (bot/store/schedules.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import ALL_WEEKDAYS, ScheduleRow, Store
from tests.store_helpers import ALICE, BOB, GUILD, NOW, OTHER_GUILD


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


async def test_schedule_upsert_keeps_state_the_facilitator_did_not_change(store: Store) -> None:
    assert await store.get_schedule(GUILD) is None
    created = await store.upsert_schedule(
        GUILD, channel_id=5, post_time="09:00", timezone="Europe/Berlin", created_by=ALICE, now=NOW
    )
    assert created.round == 1
    assert created.paused is False
    assert created.weekdays == ALL_WEEKDAYS
    assert created.created_by == ALICE
    assert created.updated_at == NOW
    assert await store.set_paused(GUILD, True, now=NOW)
    assert await store.set_notify_channel(GUILD, 77, now=NOW)
    assert await store.start_new_round(GUILD) == 2

    later = NOW + timedelta(hours=1)
    changed = await store.upsert_schedule(
        GUILD,
        channel_id=6,
        post_time="18:45",
        timezone="America/New_York",
        weekdays=0b0011111,
        created_by=BOB,
        now=later,
    )
    assert (changed.channel_id, changed.post_time, changed.timezone) == (
        6,
        "18:45",
        "America/New_York",
    )
    assert changed.weekdays == 0b0011111
    assert changed.paused is True  # upsert does not resume
    assert changed.round == 2
    assert changed.notify_channel_id == 77  # None keeps the old one
    assert changed.created_by == ALICE
    assert changed.updated_at == later
    assert await store.get_schedule(GUILD) == changed


async def test_schedule_flags_and_listing(store: Store) -> None:
    assert not await store.set_paused(GUILD, True, now=NOW)  # no schedule yet
    assert not await store.set_notify_channel(GUILD, 1, now=NOW)
    for guild in (GUILD, OTHER_GUILD):
        await store.upsert_schedule(
            guild, channel_id=1, post_time="07:00", timezone="UTC", created_by=None, now=NOW
        )
    await store.set_paused(OTHER_GUILD, True, now=NOW)
    assert [s.guild_id for s in await store.list_schedules()] == [GUILD, OTHER_GUILD]
    assert [s.guild_id for s in await store.list_schedules(include_paused=False)] == [GUILD]
    await store.set_paused(OTHER_GUILD, False, now=NOW)
    assert len(await store.list_schedules(include_paused=False)) == 2
    assert await store.set_notify_channel(GUILD, None, now=NOW)
    assert await store.delete_schedule(GUILD)
    assert not await store.delete_schedule(GUILD)
    assert await store.get_schedule(GUILD) is None


def test_weekday_mask_matches_date_weekday() -> None:
    weekdays_only = ScheduleRow(1, 1, "09:00", "UTC", 0b0011111, False, None, 1, None, NOW)
    monday, saturday = date(2025, 3, 10), date(2025, 3, 15)
    assert weekdays_only.runs_on(monday)
    assert not weekdays_only.runs_on(saturday)


@pytest.mark.parametrize("bad", ["24:00", "7:00", "12:60", "12:5", "noon", "12:00 ", "12:00\n"])
async def test_schedule_rejects_bad_time(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        await store.upsert_schedule(
            GUILD, channel_id=1, post_time=bad, timezone="UTC", created_by=None, now=NOW
        )


@pytest.mark.parametrize("bad", ["", "Mars/Olympus", "../etc/passwd", "Europe/"])
async def test_schedule_rejects_unknown_timezone(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        await store.upsert_schedule(
            GUILD, channel_id=1, post_time="09:00", timezone=bad, created_by=None, now=NOW
        )


async def test_schedule_rejects_bad_weekdays_and_naive_time(store: Store) -> None:
    with pytest.raises(ValueError, match="7-bit"):
        await store.upsert_schedule(
            GUILD,
            channel_id=1,
            post_time="09:00",
            timezone="UTC",
            weekdays=128,
            created_by=None,
            now=NOW,
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.upsert_schedule(
            GUILD,
            channel_id=1,
            post_time="09:00",
            timezone="UTC",
            created_by=None,
            now=datetime(2025, 1, 1),  # naive on purpose
        )


async def test_quiet_dates(store: Store) -> None:
    xmas, new_year = date(2025, 12, 25), date(2026, 1, 1)
    assert await store.add_quiet_date(GUILD, new_year)
    assert await store.add_quiet_date(GUILD, xmas)
    assert not await store.add_quiet_date(GUILD, xmas)
    assert await store.add_quiet_date(OTHER_GUILD, date(2025, 7, 4))
    assert await store.list_quiet_dates(GUILD) == [xmas, new_year]
    assert await store.list_quiet_dates(GUILD, start=date(2025, 12, 26)) == [new_year]
    assert await store.is_quiet_date(GUILD, xmas)
    assert not await store.is_quiet_date(OTHER_GUILD, xmas)
    assert await store.remove_quiet_date(GUILD, xmas)
    assert not await store.remove_quiet_date(GUILD, xmas)
    assert await store.list_quiet_dates(GUILD) == [new_year]
