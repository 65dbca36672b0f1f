"""Run the real cohort-bot against the fake Discord, with a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.discord_face.client import CohortBot
from bot.services.container import Services
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import running_bot
from tests.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"


def settings_for(fake: FakeDiscord, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fake, a database in tmp_path and the real content."""
    values: dict[str, Any] = {
        "content_dir": CONTENT,
        "database": {"path": tmp_path / "cohort.sqlite3"},
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
