"""Reserving, confirming and releasing prompt posts, per cohort (bot/store/prompt_history.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.store import Store, StoreError
from tests.store_helpers import GUILD, NOW, OTHER_GUILD, new_cohort

A, B = 1, 2  # the first two cohorts' ids in a fresh database


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        assert await new_cohort(opened, channel=5) == A
        assert await new_cohort(opened, guild=OTHER_GUILD, channel=6, name="Other") == B
        yield opened


async def test_reserve_confirm_and_never_twice(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(A, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.used_prompt_ids(A, 1) == {"p1"}  # reserved counts as used
    assert await store.last_scheduled_date(A) == day
    # the same date cannot be posted twice, whatever the prompt ...
    assert await store.reserve_post(A, 1, "p2", day, now=NOW) is None
    # ... nor the same prompt twice in one round, whatever the date
    assert await store.reserve_post(A, 1, "p1", date(2025, 3, 11), now=NOW) is None
    assert await store.record_post(A, 1, "p1", "manual", now=NOW) is False
    # other cohorts and other rounds are independent
    assert await store.reserve_post(B, 1, "p1", day, now=NOW) is not None
    assert await store.reserve_post(A, 2, "p1", date(2025, 3, 11), now=NOW) is not None

    assert await store.confirm_post(row, channel_id=10, message_id=20, thread_id=30)
    [latest, first] = await store.history(A, limit=2)
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
    row = await store.reserve_post(A, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.release_post(row)
    assert not await store.release_post(row)
    assert await store.used_prompt_ids(A, 1) == set()
    assert await store.last_scheduled_date(A) is None
    assert await store.reserve_post(A, 1, "p1", day, now=NOW) is not None


async def test_skips_and_manual_posts_do_not_take_dates(store: Store) -> None:
    assert await store.record_post(A, 1, "p1", "skipped", now=NOW)
    assert await store.record_post(A, 1, "p2", "skipped", now=NOW)
    assert await store.record_post(A, 1, "p3", "manual", now=NOW, channel_id=1, message_id=2)
    assert await store.last_scheduled_date(A) is None
    assert await store.reserve_post(A, 1, "p4", date(2025, 3, 10), now=NOW) is not None
    assert await store.used_prompt_ids(A, 1) == {"p1", "p2", "p3", "p4"}
    skipped = [h for h in await store.history(A) if h.status == "skipped"]
    assert all(h.confirmed for h in skipped)
    assert not await store.release_post(skipped[0].id)  # skips are not reservations
    with pytest.raises(ValueError, match="status"):
        await store.record_post(A, 1, "p9", "deleted", now=NOW)  # type: ignore[arg-type]


async def test_unconfirmed_posts_are_found_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        assert await new_cohort(store) == A
        stuck = await store.reserve_post(A, 1, "p1", date(2025, 3, 10), now=NOW)
        done = await store.reserve_post(A, 1, "p2", date(2025, 3, 11), now=NOW)
        assert stuck is not None
        assert done is not None
        await store.confirm_post(done, channel_id=1, message_id=2)
        await store.record_post(A, 1, "p3", "skipped", now=NOW)
    async with Store.open(path) as store:  # "never twice" survives a restart
        assert await store.reserve_post(A, 1, "p9", date(2025, 3, 10), now=NOW) is None
        assert await store.unconfirmed_posts(before=NOW) == []
        [entry] = await store.unconfirmed_posts(before=NOW + timedelta(minutes=5))
        assert entry.id == stuck


async def test_rounds(store: Store) -> None:
    with pytest.raises(StoreError, match="no cohort 99"):
        await store.start_new_round(99)
    assert await store.start_new_round(A, from_round=1) == 2
    assert await store.start_new_round(A, from_round=1) == 2  # someone else already did
    assert await store.start_new_round(A) == 3
    cohort = await store.get_cohort(A)
    assert cohort is not None and cohort.round == 3
    other = await store.get_cohort(B)
    assert other is not None and other.round == 1  # each cohort has its own place


async def test_history_by_cohort_server_thread_and_date(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(A, 1, "p1", day, now=NOW)
    assert row is not None
    [reserved] = await store.history(A)
    assert reserved.channel_id == 5, "a reservation notes where it is being posted"
    await store.confirm_post(row, channel_id=5, message_id=50, thread_id=51)
    third = await new_cohort(store, channel=7, name="Third")
    await store.record_post(third, 1, "p2", "manual", now=NOW, channel_id=7, message_id=70)
    assert [h.prompt_id for h in await store.guild_history(GUILD)] == ["p2", "p1"]
    assert await store.history(B) == []
    entry = await store.post_on(A, day)
    assert entry is not None and entry.thread_id == 51
    assert await store.post_on(A, day + timedelta(days=1)) is None
    found = await store.cohort_in_channel(GUILD, 51)  # the prompt's thread
    assert found is not None and found.id == A
    assert await store.reserve_post(99, 1, "p1", day, now=NOW) is None, "no such cohort"


async def test_history_limit(store: Store) -> None:
    for n in range(5):
        await store.record_post(A, 1, f"p{n}", "skipped", now=NOW)
    assert [h.prompt_id for h in await store.history(A, limit=3)] == ["p4", "p3", "p2"]
    with pytest.raises(ValueError):
        await store.history(A, limit=0)


async def test_discussion_of_a_prompt_is_its_latest_thread_else_channel(store: Store) -> None:
    assert await store.discussion_of("p1", cohort_id=A) is None
    await store.record_post(A, 1, "p1", "skipped", now=NOW)  # a skip has no place
    assert await store.discussion_of("p1", cohort_id=A) is None
    await store.record_post(A, 1, "p2", "manual", now=NOW, channel_id=5, message_id=50)
    assert await store.discussion_of("p2", cohort_id=A) == 5, "no thread: its channel"
    await store.record_post(
        A, 2, "p2", "manual", now=NOW, channel_id=5, message_id=52, thread_id=53
    )
    assert await store.discussion_of("p2", cohort_id=A) == 53, "the latest, in its thread"
    assert await store.discussion_of("p2", cohort_id=B) is None, "another cohort's is not"
    assert await store.discussion_of("p2", guild_id=GUILD) == 53, "any cohort of the server"
    assert await store.discussion_of("p2", guild_id=OTHER_GUILD) is None
    with pytest.raises(ValueError):
        await store.discussion_of("p2")
