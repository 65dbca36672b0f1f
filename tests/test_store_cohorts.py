"""What the store promises about cohorts and their quiet dates (bot/store/cohorts.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import pytest

from bot.store import ALL_WEEKDAYS, Store
from tests.store_helpers import ALICE, GUILD, NOW, OTHER_GUILD, new_cohort


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        yield opened


async def test_a_cohort_is_created_with_its_defaults_and_read_back(store: Store) -> None:
    assert await store.get_cohort(1) is None
    created = await store.create_cohort(
        GUILD,
        name="Spring 2026",
        channel_id=5,
        post_time="09:00",
        timezone="Europe/Berlin",
        now=NOW,
        starts_on=date(2025, 3, 10),
        ends_on=date(2025, 4, 18),
        created_by=ALICE,
        digest_channel_id=9,
    )
    assert created is not None
    assert (created.round, created.paused, created.weekdays) == (1, False, ALL_WEEKDAYS)
    assert (created.curriculum, created.when_finished, created.is_forum) == ("default", None, False)
    assert (created.starts_on, created.ends_on) == (date(2025, 3, 10), date(2025, 4, 18))
    assert (created.created_by, created.digest_channel_id) == (ALICE, 9)
    assert created.created_at == created.updated_at == NOW
    assert not created.ended
    assert await store.get_cohort(created.id) == created


async def test_one_running_cohort_per_channel_and_name_until_it_ends(store: Store) -> None:
    first = await new_cohort(store, channel=5, name="Spring")
    assert await new_cohort(store, channel=6, name="Autumn")
    taken_channel = await store.create_cohort(
        GUILD, name="Summer", channel_id=5, post_time="09:00", timezone="UTC", now=NOW
    )
    taken_name = await store.create_cohort(
        GUILD, name="SPRING", channel_id=7, post_time="09:00", timezone="UTC", now=NOW
    )
    assert taken_channel is None and taken_name is None
    assert await store.create_cohort(  # another server may use the name
        OTHER_GUILD, name="Spring", channel_id=8, post_time="09:00", timezone="UTC", now=NOW
    )
    assert await store.end_cohort(first, now=NOW)
    assert not await store.end_cohort(first, now=NOW)
    again = await store.create_cohort(
        GUILD, name="Spring", channel_id=5, post_time="10:00", timezone="UTC", now=NOW
    )
    assert again is not None and again.round == 1, "the next cohort starts afresh"
    assert [c.name for c in await store.list_cohorts(GUILD)] == ["Autumn", "Spring"]
    every = await store.list_cohorts(GUILD, include_ended=True)
    assert [(c.name, c.ended) for c in every] == [
        ("Spring", True),
        ("Autumn", False),
        ("Spring", False),
    ]
    here = await store.cohort_in_channel(GUILD, 5)
    assert here is not None and here.id == again.id, "the running cohort of a channel first"


async def test_update_changes_what_it_is_told_and_refuses_a_taken_channel(store: Store) -> None:
    spring = await new_cohort(store, channel=5, name="Spring")
    await new_cohort(store, channel=6, name="Autumn")
    later = NOW + timedelta(hours=1)
    changed = await store.update_cohort(
        spring,
        now=later,
        post_time="18:45",
        timezone="America/New_York",
        weekdays=0b0011111,
        ends_on=date(2025, 5, 1),
        when_finished="restart",
    )
    assert changed is not None
    assert (changed.post_time, changed.timezone, changed.weekdays) == (
        "18:45",
        "America/New_York",
        0b0011111,
    )
    assert (changed.ends_on, changed.when_finished, changed.updated_at) == (
        date(2025, 5, 1),
        "restart",
        later,
    )
    assert await store.update_cohort(spring, now=later, channel_id=6) is None
    assert await store.update_cohort(spring, now=later, name="autumn") is None
    assert await store.update_cohort(99, now=later, name="x") is None
    with pytest.raises(ValueError, match="round"):
        await store.update_cohort(spring, now=later, round=5)
    with pytest.raises(ValueError, match="when_finished"):
        await store.update_cohort(spring, now=later, when_finished="sometimes")


async def test_flags_listing_and_notify_channel(store: Store) -> None:
    assert not await store.set_paused(1, True, now=NOW)  # no cohort yet
    assert not await store.set_notify_channel(1, 1, now=NOW)
    first = await new_cohort(store, channel=1)
    second = await new_cohort(store, guild=OTHER_GUILD, channel=2)
    await store.set_paused(second, True, now=NOW)
    assert [c.id for c in await store.running_cohorts()] == [first, second]
    assert [c.id for c in await store.running_cohorts(include_paused=False)] == [first]
    assert await store.set_notify_channel(first, 77, now=NOW)
    cohort = await store.get_cohort(first)
    assert cohort is not None and cohort.notify_channel_id == 77
    await store.end_cohort(first, now=NOW)
    assert [c.id for c in await store.running_cohorts()] == [second]


def test_weekday_mask_matches_date_weekday() -> None:
    from bot.services.prompt_plan import weekday_set

    monday, saturday = date(2025, 3, 10), date(2025, 3, 15)
    assert monday.weekday() in weekday_set(0b0011111)
    assert saturday.weekday() not in weekday_set(0b0011111)


@pytest.mark.parametrize("bad", ["24:00", "7:00", "12:60", "12:5", "noon", "12:00 ", "12:00\n"])
async def test_cohort_rejects_bad_time(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        await store.create_cohort(
            GUILD, name="x", channel_id=1, post_time=bad, timezone="UTC", now=NOW
        )


@pytest.mark.parametrize("bad", ["", "Mars/Olympus", "../etc/passwd", "Europe/"])
async def test_cohort_rejects_unknown_timezone(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        await store.create_cohort(
            GUILD, name="x", channel_id=1, post_time="09:00", timezone=bad, now=NOW
        )
    spring = await new_cohort(store)
    with pytest.raises(ValueError, match="IANA"):
        await store.update_cohort(spring, now=NOW, timezone=bad)


async def test_cohort_rejects_bad_weekdays_and_naive_time(store: Store) -> None:
    with pytest.raises(ValueError, match="7-bit"):
        await store.create_cohort(
            GUILD, name="x", channel_id=1, post_time="09:00", timezone="UTC", weekdays=128, now=NOW
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.create_cohort(
            GUILD,
            name="x",
            channel_id=1,
            post_time="09:00",
            timezone="UTC",
            now=datetime(2025, 1, 1),  # naive on purpose
        )


async def test_quiet_dates_belong_to_one_cohort(store: Store) -> None:
    spring, autumn = (
        await new_cohort(store, channel=1),
        await new_cohort(store, channel=2, name="A"),
    )
    xmas, new_year = date(2025, 12, 25), date(2026, 1, 1)
    assert await store.add_quiet_date(spring, new_year)
    assert await store.add_quiet_date(spring, xmas)
    assert not await store.add_quiet_date(spring, xmas)
    assert await store.add_quiet_date(autumn, date(2025, 7, 4))
    assert await store.list_quiet_dates(spring) == [xmas, new_year]
    assert await store.list_quiet_dates(spring, start=date(2025, 12, 26)) == [new_year]
    assert await store.list_quiet_dates(spring, end=date(2025, 12, 31)) == [xmas]
    assert await store.is_quiet_date(spring, xmas)
    assert not await store.is_quiet_date(autumn, xmas)
    assert await store.remove_quiet_date(spring, xmas)
    assert not await store.remove_quiet_date(spring, xmas)
    assert await store.list_quiet_dates(spring) == [new_year]
