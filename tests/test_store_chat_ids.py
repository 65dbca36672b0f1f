"""Text chat ids (Slack) mapped to integers: stable, reversible, never a Discord id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        yield opened


async def test_ids_are_negative_stable_and_reversible(store: Store) -> None:
    team = await store.chat_id("slack", "T0123ABCD")
    channel = await store.chat_id("slack", "C0456EFGH")
    assert team < 0 and channel < 0 and team != channel
    assert await store.chat_id("slack", "T0123ABCD") == team
    assert await store.external_id("slack", team) == "T0123ABCD"
    assert await store.external_id("slack", channel) == "C0456EFGH"


async def test_platforms_and_unknown_ids_do_not_mix(store: Store) -> None:
    slack = await store.chat_id("slack", "U1")
    other = await store.chat_id("other", "U1")
    assert slack != other
    assert await store.external_id("other", slack) is None
    assert await store.external_id("slack", 1234567890123456789) is None  # a snowflake
    assert await store.external_id("slack", -999) is None


async def test_ids_survive_reopening_and_concurrent_first_use(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        ids = await asyncio.gather(*(store.chat_id("slack", "C9") for _ in range(10)))
        assert len(set(ids)) == 1
    async with Store.open(path) as store:
        assert await store.chat_id("slack", "C9") == ids[0]
