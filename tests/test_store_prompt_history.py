"""Reserving, confirming and releasing prompt posts, and rounds (bot/store/prompt_history.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.store import Store, StoreError
from tests.store_helpers import GUILD, NOW, OTHER_GUILD


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


async def test_reserve_confirm_and_never_twice(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(GUILD, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.used_prompt_ids(GUILD, 1) == {"p1"}  # reserved counts as used
    assert await store.last_scheduled_date(GUILD) == day
    # the same date cannot be posted twice, whatever the prompt ...
    assert await store.reserve_post(GUILD, 1, "p2", day, now=NOW) is None
    # ... nor the same prompt twice in one round, whatever the date
    assert await store.reserve_post(GUILD, 1, "p1", date(2025, 3, 11), now=NOW) is None
    assert await store.record_post(GUILD, 1, "p1", "manual", now=NOW) is False
    # other servers and other rounds are independent
    assert await store.reserve_post(OTHER_GUILD, 1, "p1", day, now=NOW) is not None
    assert await store.reserve_post(GUILD, 2, "p1", date(2025, 3, 11), now=NOW) is not None

    assert await store.confirm_post(row, channel_id=10, message_id=20, thread_id=30)
    [latest, first] = await store.history(GUILD, limit=2)
    assert (latest.round, latest.prompt_id, latest.confirmed) == (2, "p1", False)
    assert (first.channel_id, first.message_id, first.thread_id) == (10, 20, 30)
    assert first.status == "posted"
    assert first.confirmed
    assert first.local_date == day
    assert first.at == NOW
    assert not await store.release_post(row)  # a confirmed post is never released
    assert not await store.confirm_post(987654, channel_id=1, message_id=2)


async def test_release_frees_the_prompt_and_the_date(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(GUILD, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.release_post(row)
    assert not await store.release_post(row)
    assert await store.used_prompt_ids(GUILD, 1) == set()
    assert await store.last_scheduled_date(GUILD) is None
    assert await store.reserve_post(GUILD, 1, "p1", day, now=NOW) is not None


async def test_skips_and_manual_posts_do_not_take_dates(store: Store) -> None:
    assert await store.record_post(GUILD, 1, "p1", "skipped", now=NOW)
    assert await store.record_post(GUILD, 1, "p2", "skipped", now=NOW)
    assert await store.record_post(GUILD, 1, "p3", "manual", now=NOW, channel_id=1, message_id=2)
    assert await store.last_scheduled_date(GUILD) is None
    assert await store.reserve_post(GUILD, 1, "p4", date(2025, 3, 10), now=NOW) is not None
    assert await store.used_prompt_ids(GUILD, 1) == {"p1", "p2", "p3", "p4"}
    skipped = [h for h in await store.history(GUILD) if h.status == "skipped"]
    assert all(h.confirmed for h in skipped)
    assert not await store.release_post(skipped[0].id)  # skips are not reservations
    with pytest.raises(ValueError, match="status"):
        await store.record_post(GUILD, 1, "p9", "deleted", now=NOW)  # type: ignore[arg-type]


async def test_unconfirmed_posts_are_found_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        stuck = await store.reserve_post(GUILD, 1, "p1", date(2025, 3, 10), now=NOW)
        done = await store.reserve_post(GUILD, 1, "p2", date(2025, 3, 11), now=NOW)
        assert stuck is not None
        assert done is not None
        await store.confirm_post(done, channel_id=1, message_id=2)
        await store.record_post(GUILD, 1, "p3", "skipped", now=NOW)
    async with Store.open(path) as store:  # "never twice" survives a restart
        assert await store.reserve_post(GUILD, 1, "p9", date(2025, 3, 10), now=NOW) is None
        assert await store.unconfirmed_posts(before=NOW) == []
        [entry] = await store.unconfirmed_posts(before=NOW + timedelta(minutes=5))
        assert entry.id == stuck


async def test_rounds(store: Store) -> None:
    assert await store.current_round(GUILD) == 1
    with pytest.raises(StoreError, match="no schedule"):
        await store.start_new_round(GUILD)
    await store.upsert_schedule(
        GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=None, now=NOW
    )
    assert await store.start_new_round(GUILD, from_round=1) == 2
    assert await store.start_new_round(GUILD, from_round=1) == 2  # someone else already did
    assert await store.start_new_round(GUILD) == 3
    assert await store.current_round(GUILD) == 3
    await store.record_post(GUILD, 3, "p1", "manual", now=NOW)
    # deleting and re-creating the schedule continues from the highest round used
    await store.delete_schedule(GUILD)
    assert await store.current_round(GUILD) == 3
    again = await store.upsert_schedule(
        GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=None, now=NOW
    )
    assert again.round == 3


async def test_history_limit(store: Store) -> None:
    for n in range(5):
        await store.record_post(GUILD, 1, f"p{n}", "skipped", now=NOW)
    assert [h.prompt_id for h in await store.history(GUILD, limit=3)] == ["p4", "p3", "p2"]
    with pytest.raises(ValueError):
        await store.history(GUILD, limit=0)
