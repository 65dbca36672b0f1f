"""Running the real Bolt AsyncApp of the Slack face against the fake Slack."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, SlackTokens
from bot.services.container import Services
from bot.slack_face.app import SlackFace, SlackServer
from tests.fakes import FakeClock
from tests.fakeslack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def slack_settings(fake: FakeSlack, tmp_path: Path, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "content_dir": ROOT / "content",
        "database": {"path": tmp_path / "cohort.sqlite3"},
        "slack": {"api_base_url": fake.api_base_url, "port": 1},
        **overrides,
    }
    return Settings.model_validate(data)


@contextlib.asynccontextmanager
async def slack_bot(
    fake: FakeSlack,
    tmp_path: Path,
    *,
    clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> AsyncIterator[SlackFace]:
    """The Slack face over real services and SQLite, its endpoint known to the fake."""
    clock = clock or FakeClock()
    fake.world.clock = clock  # Slack stamps messages by the same (fake) time
    services = await Services.open(slack_settings(fake, tmp_path, **overrides), clock)
    face = SlackFace(services, SlackTokens(BOT_TOKEN, signing_secret=SIGNING_SECRET))
    server = SlackServer(face, "127.0.0.1", 0)
    fake.bot_url = await server.start()
    try:
        yield face
    finally:
        await server.stop()
        await face.client.session.close() if face.client.session else None
        await services.close()
