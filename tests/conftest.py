"""Shared fixtures: the fake Discord's and the throwaway PostgreSQL's are registered for
every test, and ``console`` (the console face over tests/data/minimal and a fresh database)
is defined here."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console
from bot.services.container import Services

pytest_plugins = ["tests.fakediscord.fixtures", "tests.postgres"]

MINIMAL = Path(__file__).parent / "data" / "minimal"

# Settings read these from the environment first. A developer's shell may hold a real
# DATABASE_URL or token: no test may ever write to that database or reach that bot, so
# they are cleared for the whole run (tests that need them set their own).
for _name in (
    "DATABASE_URL",
    "DISCORD_TOKEN",
    "SHARD_COUNT",
    "SHARD_IDS",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
):
    os.environ.pop(_name, None)


# Whole-bot modules run twice, once per engine, so every command's queries are proven on
# PostgreSQL through the real Discord face too (the store's own contract tests run on
# both engines through `database_url`).
BOTH_ENGINES = {
    "tests.test_discord_reflections",
    "tests.test_discord_exports",
    "tests.test_discord_practice",
    "tests.test_discord_roster",
    "tests.test_discord_privacy",
    "tests.test_discord_cohorts",
    "tests.test_discord_cohort_exports",
    "tests.test_discord_prompts",
    "tests.test_discord_reminders",
    "tests.test_discord_pulse",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ in BOTH_ENGINES and "engine" not in metafunc.fixturenames:
        metafunc.fixturenames.append("engine")
        metafunc.parametrize("engine", ["sqlite", "postgresql"])


@pytest.fixture(autouse=True)
def _e2e_engine(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point tests/e2e.py's settings at a fresh PostgreSQL database for a test given
    engine=postgresql (autouse, so it runs before the fixtures that build the bot)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is None or callspec.params.get("engine") != "postgresql":
        yield
        return
    from tests.e2e import ENGINE  # not at the top: it imports the fake's plugin

    ENGINE["url"] = str(request.getfixturevalue("postgres_url"))
    try:
        yield
    finally:
        ENGINE["url"] = None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each engine: the store's contract tests run on both."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'cohort.sqlite3'}"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    """The console over the minimal curriculum, with a database of its own."""
    settings = Settings(content_dir=MINIMAL, database={"path": tmp_path / "db.sqlite3"})
    services = await Services.open(settings)
    yield Console(services)
    await services.close()
