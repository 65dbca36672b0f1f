"""Slack settings: defaults, mistakes named by key, tokens only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_holds_slack_defaults() -> None:
    slack = load_settings(ROOT / "config.example.yaml").slack
    assert (slack.port, slack.api_base_url, slack.facilitator_group) == (
        3000,
        "https://slack.com/api/",
        None,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slack:\n  port: 0\n", "slack.port"),
        ("slack:\n  api_base_url: localhost\n", "is not a URL"),
        ("slack:\n  facilitator_group: facilitators\n", "slack.facilitator_group"),
        ("slack:\n  bot_token: xoxb-1\n", "slack.bot_token: unknown setting"),
    ],
)
def test_bad_slack_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_slack_tokens_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(ROOT / "config.example.yaml")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert settings.slack_tokens is None
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    tokens = settings.slack_tokens
    assert tokens is not None
    assert (tokens.bot, tokens.signing_secret, tokens.socket_mode) == ("xoxb-1", "secret", False)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert settings.slack_tokens is not None and settings.slack_tokens.socket_mode
