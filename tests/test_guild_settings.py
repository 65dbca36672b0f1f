"""The per-server settings table: the facilitator role by id, kept across reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store, StoreError

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222
ROLE = 333_333_333_333_333_333


async def test_facilitator_role_is_set_cleared_and_kept_per_server(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        assert await store.get_facilitator_role(GUILD) is None
        await store.set_facilitator_role(GUILD, ROLE, now=NOW)
        await store.set_facilitator_role(GUILD, ROLE + 1, now=NOW)
    async with Store.open(path) as store:
        assert await store.get_facilitator_role(GUILD) == ROLE + 1
        assert await store.get_facilitator_role(OTHER_GUILD) is None
        await store.set_facilitator_role(GUILD, None, now=NOW)
        assert await store.get_facilitator_role(GUILD) is None


async def test_a_role_id_must_be_a_snowflake(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "cohort.sqlite3") as store:
        with pytest.raises(StoreError):
            await store.set_facilitator_role(GUILD, 0, now=NOW)
        with pytest.raises(ValueError):
            await store.set_facilitator_role(GUILD, ROLE, now=datetime(2026, 11, 29))
