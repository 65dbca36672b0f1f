"""Which servers each kind of process's daily loop acts for, as its runner opens the services.

A Discord process and a Slack process may share one database (PostgreSQL, or one SQLite
file): each must claim and send only its own platform's posts, reminders and digests.
Otherwise a Slack-only process claims a Discord cohort's prompt or a Discord member's
reminder (and cannot send it: the reminder is then given up), and a Discord process
claims a Slack workspace's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.config import Settings, SlackTokens
from bot.discord_face import client
from bot.services.container import Services
from bot.services.ownership import GuildOwnership
from bot.slack_face import runner

DISCORD_SERVER = 1_000 << 22
SLACK_WORKSPACE = -7


class _Opened(Exception):
    """Raised by the stand-in for Services.open once it has seen what the runner asked."""


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[GuildOwnership | None]:
    """Each ``owned`` a runner opens the services with (then the runner stops there)."""
    seen: list[GuildOwnership | None] = []

    async def open_services(
        settings: Settings, clock: Any = None, *, owned: GuildOwnership | None = None
    ) -> Services:
        seen.append(owned)
        raise _Opened

    monkeypatch.setattr(Services, "open", open_services)
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    return seen


def _owned(seen: list[GuildOwnership | None]) -> GuildOwnership:
    [owned] = seen
    return owned or GuildOwnership.everything()  # what Services.open makes of None


def test_a_slack_only_process_acts_for_slack_workspaces_only(
    tmp_path: Path, asked: list[GuildOwnership | None]
) -> None:
    settings = Settings.model_validate({"database": {"path": tmp_path / "cohort.sqlite3"}})
    tokens = SlackTokens("xoxb-token", app="xapp-token")
    with pytest.raises(_Opened):
        runner.run_slack(settings, tokens)
    owned = _owned(asked)
    assert owned.owns(SLACK_WORKSPACE)
    assert not owned.owns(DISCORD_SERVER)


async def test_an_unsharded_discord_only_process_acts_for_discord_servers_only(
    tmp_path: Path, asked: list[GuildOwnership | None]
) -> None:
    settings = Settings.model_validate({"database": {"path": tmp_path / "cohort.sqlite3"}})
    with pytest.raises(_Opened):
        await client.start_bot(settings)
    owned = _owned(asked)
    assert owned.owns(DISCORD_SERVER)
    assert not owned.owns(SLACK_WORKSPACE)


def test_ownership_by_platform_and_shard() -> None:
    both = GuildOwnership.of(None, slack=True)
    assert both.owns(DISCORD_SERVER) and both.owns(SLACK_WORKSPACE)
    discord_only = GuildOwnership.of(None, slack=False)
    assert discord_only.owns(DISCORD_SERVER) and not discord_only.owns(SLACK_WORKSPACE)
    slack_only = GuildOwnership.slack_only()
    assert slack_only.owns(SLACK_WORKSPACE) and not slack_only.owns(DISCORD_SERVER)
    everything = GuildOwnership.everything()
    assert everything.owns(DISCORD_SERVER) and everything.owns(SLACK_WORKSPACE)
