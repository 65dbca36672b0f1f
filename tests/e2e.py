"""Run the real cohort-bot against the fake Discord, with a real SQLite file (or, for
the modules tests/conftest.py lists in BOTH_ENGINES, a real PostgreSQL database too)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from bot.config import Settings
from bot.discord_face.client import CohortBot
from bot.services.container import Services
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import running_bot
from tests.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"

ENGINE: dict[str, str | None] = {"url": None}
"""A PostgreSQL URL while a test runs on that engine (set by the `_e2e_engine` fixture;
a plain global because a sync fixture's context does not reach an async test's task)."""


def committed_rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows read by a second connection, from the database the test's bot uses (the
    SQLite file in tmp_path, or the PostgreSQL database of an engine=postgresql test):
    what is there is committed, whatever the bot's own connection holds."""
    url = ENGINE["url"]
    if url is None:
        with contextlib.closing(sqlite3.connect(tmp_path / "cohort.sqlite3")) as conn:
            return conn.execute(sql).fetchall()

    async def read(server: str) -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(server)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    # the test's own event loop is busy running the test: read from a loop of its own
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read(url)).result()


def settings_for(fake: FakeDiscord, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fake, a database in tmp_path and the real content."""
    values: dict[str, Any] = {
        "content_dir": CONTENT,
        "database": {"path": tmp_path / "cohort.sqlite3", "url": ENGINE["url"]},
        "discord": {"api_base_url": fake.api_base, "gateway_url": fake.gateway_url},
    }
    values.update(overrides)
    return Settings.model_validate(values)


@contextlib.asynccontextmanager
async def cohort_bot(
    fake: FakeDiscord,
    tmp_path: Path,
    *,
    clock: Callable[[], datetime] | None = None,
    expect_sync: bool = True,
    **overrides: Any,
) -> AsyncIterator[CohortBot]:
    """Start cohort-bot against ``fake``; close it and its database afterwards."""
    settings = settings_for(fake, tmp_path, **overrides)
    services = await Services.open(settings, clock or FakeClock())
    bot = CohortBot(services)
    try:
        async with running_bot(bot, fake, expect_sync=expect_sync):
            yield bot
    finally:
        await services.close()


def embed_of(message: Any) -> dict[str, Any]:
    """The first embed of a recorded message or callback data."""
    embeds = message.get("embeds") if isinstance(message, dict) else message.embeds
    assert embeds, f"no embed in {message!r}"
    first: dict[str, Any] = embeds[0]
    return first


def custom_ids(components: list[dict[str, Any]]) -> list[str]:
    """Every custom_id in a component tree, in order."""
    found: list[str] = []
    for component in components:
        if "custom_id" in component:
            found.append(component["custom_id"])
        found.extend(custom_ids(component.get("components", [])))
    return found


async def tick(bot: CohortBot) -> None:
    """Run one pass of the daily loop now, and only that: the bot's own loop is stopped.

    The loop starts by itself when the bot is ready; a test that moves the clock and ticks
    by hand would otherwise race it (a post made by the loop while the test's pass skips
    the cohort as in flight is seen a tick later).
    """
    cog: Any = bot.get_cog("Prompts")
    await asyncio.gather(*cog.stop_background())
    await cog.post_due()
