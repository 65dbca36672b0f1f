"""What the whole store promises: any text and id round-trips, closing, meta values."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import Store, StoreError
from tests.store_helpers import ALICE, GUILD, NOW, add


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        yield opened


# ---------------------------------------------------------------- hostile text

NASTY_TEXTS = [
    "'); DROP TABLE reflections; --",
    "Robert'); DELETE FROM reflections WHERE ('1'='1",
    '"quoted" `back` \\ back\\slash %s %% ? ?1 :name @name $name',
    "tabs\tnew\nlines\r\ncarriage\rreturn\x01soh\x07bell\x1b[31mansi\x7f",
    "\u202eright-to-left override\u202c \u200f\u200e marks \u200b zero width \ufeff bom",
    "emoji 👩🏽‍💻🏳️‍🌈 🇩🇪 flags and ZWJ",
    "@everyone @here <@123> <#456> <@&789>",
    "x" * 4000,
    "ü" * 3999 + "😀",
    "",
    "   ",
]


@pytest.mark.parametrize("text", NASTY_TEXTS, ids=range(len(NASTY_TEXTS)))
async def test_hostile_text_round_trips_exactly(store: Store, text: str) -> None:
    saved = await add(store, text, about=text or "empty")
    assert saved.text == text
    again = await store.get_reflection(GUILD, ALICE, saved.id)
    assert again is not None
    assert again.text == text
    assert again.about_id == (text or "empty")
    edited = await store.edit_reflection(GUILD, ALICE, saved.id, text[::-1], now=NOW)
    assert edited is not None
    assert edited.text == text[::-1]
    assert (await store.list_reflections(GUILD, ALICE)).total == 1  # the table survived


async def test_a_nul_character_is_refused_alike_on_both_engines(store: Store) -> None:
    """PostgreSQL's text cannot hold U+0000, so neither engine takes it (the services
    refuse control characters before text gets here)."""
    with pytest.raises(ValueError, match="NUL"):
        await add(store, "before\x00after")
    assert (await store.list_reflections(GUILD, ALICE)).total == 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=300)
)
async def test_any_text_round_trips(store: Store, text: str) -> None:
    saved = await add(store, text)
    again = await store.get_reflection(GUILD, ALICE, saved.id)
    assert again is not None
    assert again.text == text


async def test_largest_snowflakes_fit(store: Store) -> None:
    biggest = 2**63 - 1
    saved = await add(store, guild=biggest, author=biggest - 1)
    assert await store.get_reflection(biggest, biggest - 1, saved.id) == saved


# ---------------------------------------------------------------- lifecycle


async def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "x.sqlite3")
    assert not store.closed
    await store.close()
    await store.close()  # idempotent
    assert store.closed
    with pytest.raises(StoreError, match="closed"):
        await store.list_cohorts(GUILD)


async def test_async_with_on_an_opened_store(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    async with await Store.open(path) as store:
        await add(store)
    assert store.closed
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed and removed on close
    with sqlite3.connect(path) as plain:
        assert plain.execute("SELECT count(*) FROM reflections").fetchone() == (1,)
    plain.close()


async def test_meta_values(store: Store) -> None:
    assert await store.get_meta("command-sync") is None
    await store.set_meta("command-sync", "abc")
    await store.set_meta("command-sync", "def")
    await store.set_meta("'; DROP TABLE meta; --", "")
    assert await store.get_meta("command-sync") == "def"
    assert await store.get_meta("'; DROP TABLE meta; --") == ""
    assert await store.delete_meta("command-sync")
    assert not await store.delete_meta("command-sync")
    assert await store.get_meta("command-sync") is None
