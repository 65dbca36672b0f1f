"""Reflections at rest: on a shared machine, other local users cannot read them.

Under the usual umask (022) a new file is readable by every user of the machine. The
database (and SQLite's -wal and -shm files, which take its mode), the console's exports
and its kept drafts hold members' words, so they are made readable by their owner only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import Store
from tests.test_console import session

NOW = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cohort.sqlite3"
    async with Store.open(path) as store:
        await store.add_reflection(
            1, 2, about_kind="approach", about_id="x", text="private", now=NOW
        )
        files = [p for p in path.parent.iterdir() if p.name.startswith("cohort.sqlite3")]
        assert {p.name for p in files} >= {"cohort.sqlite3", "cohort.sqlite3-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.usefixtures("open_umask")
def test_console_exports_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/reflect confrontation",
            "My words.",
            "",
            "/reflections export",
            "/cohort-reflections export",
        ],
    )
    written = list((tmp_path / "exports").iterdir())
    assert len(written) == 2, out
    assert {mode(p) for p in written} == {0o600}
    assert mode(tmp_path / "exports") == 0o700
