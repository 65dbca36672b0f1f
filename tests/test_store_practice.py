"""Store: practice answers and state through a real SQLite file (read back by a second
connection), one showing counted once, per server and member, erased by forget."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.practice import NewState
from tests.store_helpers import ALICE, BOB, GUILD, NOW, OTHER_GUILD


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        yield opened


async def answer(
    store: Store, user: int, item: str, choice: str, *, guild: int = GUILD, at: int = 0
) -> bool:
    states = {row.item_id: row for row in await store.practice_states(guild, user)}
    now = NOW + timedelta(days=at)
    return await store.record_practice_answer(
        guild,
        user,
        item,
        choice=choice,
        right=choice == "false",
        expected=states.get(item),
        new=NewState(0, now + timedelta(days=1)),
        now=now,
    )


async def test_an_answer_and_its_state_are_committed_together(tmp_path: Path) -> None:
    """Read back by another connection, from the file itself (SQLite: the engine whose
    single connection could otherwise hide an uncommitted write)."""
    store = await Store.open(tmp_path / "cohort.sqlite3")
    assert await answer(store, ALICE, "m:a", "true")
    with sqlite3.connect(tmp_path / "cohort.sqlite3") as conn:
        assert conn.execute("SELECT item_id, choice, correct FROM practice_answers").fetchall() == [
            ("m:a", "true", 0)
        ]
        assert conn.execute("SELECT item_id, step FROM practice_state").fetchall() == [("m:a", 0)]
    [state] = await store.practice_states(GUILD, ALICE)
    assert state.due_at == NOW + timedelta(days=1) and state.answered_at == NOW
    await store.close()


async def test_an_answer_to_a_stale_showing_changes_nothing(store: Store) -> None:
    assert await answer(store, ALICE, "m:a", "true")
    stale = await store.record_practice_answer(
        GUILD,
        ALICE,
        "m:a",
        choice="false",
        right=True,
        expected=None,  # shown before the first answer was kept
        new=NewState(1, NOW + timedelta(days=3)),
        now=NOW,
    )
    assert not stale
    assert [a.choice for a in await store.practice_answers(GUILD, ALICE)] == ["true"]


async def test_answers_in_order_are_one_server_and_one_kind_oldest_first(store: Store) -> None:
    await answer(store, ALICE, "m:a", "true")
    await answer(store, ALICE, "m:a", "false", at=1)
    await answer(store, BOB, "m:a", "unsure")
    await answer(store, BOB, "c:x:one", "2")
    await answer(store, ALICE, "m:a", "true", guild=OTHER_GUILD)
    assert await store.answers_in_order(GUILD, "m:") == [
        (ALICE, "m:a", "true"),
        (ALICE, "m:a", "false"),
        (BOB, "m:a", "unsure"),
    ]


async def test_forget_erases_one_member_in_one_server(store: Store) -> None:
    await answer(store, ALICE, "m:a", "true")
    await answer(store, ALICE, "m:b", "true")
    await answer(store, BOB, "m:a", "true")
    await answer(store, ALICE, "m:a", "true", guild=OTHER_GUILD)
    assert await store.forget_practice(GUILD, ALICE) == 2
    assert await store.practice_states(GUILD, ALICE) == []
    assert len(await store.practice_answers(GUILD, BOB)) == 1
    assert len(await store.practice_answers(OTHER_GUILD, ALICE)) == 1
