"""`/content reload` in one process reloads every process over the same database.

Two Services over one database stand for two bot processes (shards): each follows the
content version as the runners start it, and neither watches files, so the only way the
second learns of an edit is the first's reload (PostgreSQL: NOTIFY; SQLite: the poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.config import Settings
from bot.services.container import Services
from bot.services.permissions import Actor
from bot.store.content_version import APPLICATION_NAME, POLL_SECONDS
from tests.conftest import MINIMAL

OWNER = Actor(user_id=1, guild_id=10, is_bot_owner=True)
OLD, NEW = "Confrontation", "Confrontation: found out"
PROPAGATES = POLL_SECONDS + 3.0  # the slowest engine's wait, and room for a loaded machine
SYNC_LOGGER = "bot.services.content_sync"


def content_copy(tmp_path: Path, name: str = "content") -> Path:
    target = tmp_path / name
    shutil.copytree(MINIMAL, target)
    return target


def retitle(content: Path) -> None:
    path = content / "approaches.yaml"
    text = path.read_text()
    assert f"title: {OLD}\n" in text
    path.write_text(text.replace(f"title: {OLD}\n", f'title: "{NEW}"\n', 1))


def break_myths(content: Path) -> Path:
    myths = content / "myths.yaml"
    myths.write_text(myths.read_text().replace("    title:", "\ttitle:", 1))
    return myths


def title(services: Services) -> str:
    view = services.cards.view("confrontation")
    assert view is not None
    return view.title


async def within(seconds: float, condition: Callable[[], bool]) -> float:
    """How long until ``condition`` held; fails after ``seconds``."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        assert loop.time() - start < seconds, "not within the time allowed"
        await asyncio.sleep(0.02)
    return loop.time() - start


@contextlib.asynccontextmanager
async def process(
    database_url: str, content: Path, *, follow: bool = True
) -> AsyncIterator[Services]:
    """One bot process's services over ``database_url``, following reloads as runners do."""
    settings = Settings(content_dir=content, database={"url": database_url})
    services = await Services.open(settings)
    if follow:
        services.follow_content_reloads()
    try:
        yield services
    finally:
        await services.close()


async def listener(admin: asyncpg.Connection[Any], *, present: bool) -> int:
    """The listener's pid once it listens and has read the version (``present``), or 0
    once its connection is gone."""
    for _ in range(200):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
            " AND (state = 'idle' AND query LIKE 'SELECT value FROM meta%' OR NOT $2)",
            APPLICATION_NAME,
            present,
        )
        if (pid is not None) == present:
            return int(pid or 0)
        await asyncio.sleep(0.02)
    raise AssertionError(f"the listener is {'not ' if present else ''}connected")


def sync_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SYNC_LOGGER]


async def test_a_reload_in_one_process_reloads_the_other(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    content = content_copy(tmp_path)
    async with process(database_url, content) as a, process(database_url, content) as b:
        assert b.settings.content.watch is False
        retitle(content)
        await asyncio.sleep(POLL_SECONDS + 0.5)  # a poll or more: nothing tells b yet
        assert (title(a), title(b)) == (OLD, OLD)

        report = await a.reload_content(OWNER)
        assert report.applied and "changed: confrontation" in report.lines()
        assert title(a) == NEW  # at once, as before
        took = await within(PROPAGATES, lambda: title(b) == NEW)
        print(f"\n{a.store.engine}: b reloaded {took:.2f} s after a's reload")

        await asyncio.sleep(POLL_SECONDS + 0.5)  # a's own version is not news to a
        assert sync_lines(caplog) == [
            "content version 1 published by another process: reloading here"
        ]
        assert a.content_sync.loaded_version == b.content_sync.loaded_version == 1
        reloaded = [r for r in caplog.records if r.getMessage().startswith("Content reloaded")]
        assert len(reloaded) == 2  # once in a, once in b


async def test_a_process_started_later_is_not_told_of_old_reloads(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    content = content_copy(tmp_path)
    async with process(database_url, content) as a:
        await a.reload_content(OWNER)
        await a.reload_content(OWNER)
        async with process(database_url, content) as b:
            assert b.content_sync.loaded_version == 2  # it read the files after those
            await asyncio.sleep(POLL_SECONDS + 0.5)
    assert sync_lines(caplog) == []


async def test_a_broken_file_in_the_other_process_keeps_its_old_cards(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # each process reads its own copy of content/, as on two machines
    here, there = content_copy(tmp_path, "here"), content_copy(tmp_path, "there")
    async with process(database_url, here) as a, process(database_url, there) as b:
        retitle(here)
        retitle(there)
        myths = break_myths(there)
        assert (await a.reload_content(OWNER)).applied
        await within(PROPAGATES, lambda: b.content.problems != ())
        assert title(a) == NEW and title(b) == OLD  # b still serves what it had
        logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert logged[0] == "Content has 1 problem; still serving the old cards:"
        assert logged[1].startswith(f"{myths}:3: file: tab character")
        assert b.content_sync.loaded_version == 1  # not retried until the next reload

        myths.write_text(myths.read_text().replace("\ttitle:", "    title:", 1))
        await a.reload_content(OWNER)
        await within(PROPAGATES, lambda: title(b) == NEW)


async def test_a_reload_missed_while_disconnected_is_caught_up_on_reconnect(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    content = content_copy(tmp_path)
    admin = await asyncpg.connect(postgres_url)
    try:
        async with (
            process(postgres_url, content, follow=False) as a,
            process(postgres_url, content, follow=False) as b,
        ):
            b.content_sync.retry_seconds = 1.5  # a's reload falls in the gap, surely
            b.follow_content_reloads()
            pid = await listener(admin, present=True)
            retitle(content)
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            await listener(admin, present=False)

            await a.reload_content(OWNER)  # its NOTIFY reaches no one listening for b
            assert await listener(admin, present=False) == 0  # b has not reconnected yet
            assert title(b) == OLD
            await within(PROPAGATES, lambda: title(b) == NEW)  # well before a 10 s check
            assert await listener(admin, present=True) != pid
        lines = sync_lines(caplog)
        assert lines == ["content version 1 published by another process: reloading here"]
        store_lines = [
            r.getMessage() for r in caplog.records if r.name == "bot.store.content_version"
        ]
        assert store_lines[0] == (
            "content reload listener: the database closed the connection; reconnecting "
            "(a reload missed meanwhile is caught up then)"
        )
        assert store_lines[1].startswith("content reload listener reconnected")
    finally:
        await admin.close()


async def test_closing_the_services_stops_following(tmp_path: Path, database_url: str) -> None:
    content = content_copy(tmp_path)
    async with process(database_url, content) as a:
        assert a.content_sync.following
        task_names = {t.get_name() for t in asyncio.all_tasks()}
        assert "cohort-content-sync" in task_names
    assert not a.content_sync.following
    assert "cohort-content-sync" not in {t.get_name() for t in asyncio.all_tasks()}
