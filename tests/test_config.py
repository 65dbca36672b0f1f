"""Settings: every mistake is one line naming the key, and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.sharding import ShardPlan

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_example_config_is_valid() -> None:
    settings = load_settings(ROOT / "config.example.yaml")
    assert settings.content_dir == Path("content")
    assert settings.discord.guild_ids == []
    assert (
        settings.daily_loop.every_seconds == 20 and settings.daily_loop.settle_after_seconds == 60
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("log_levl: INFO\n", "log_levl: unknown setting 'log_levl'; did you mean 'log_level'?"),
        ("database:\n  pth: x.db\n", "database.pth: unknown setting 'pth'; did you mean 'path'?"),
        (
            "discord:\n  guild_ids: abc\n",
            "discord.guild_ids: expected a list (- item), found text ('abc')",
        ),
        (
            "discord:\n  guild_ids: [1, x]\n",
            "discord.guild_ids[1]: expected a whole number, found text ('x')",
        ),
        (
            "log_level: LOUD\n",
            "log_level: 'LOUD' is not one of: 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
        ),
        ("content_dir: /nowhere/at/all\n", "content_dir: '/nowhere/at/all' is not a folder"),
        ("token: abc\n", "token: never put the token in a file; set DISCORD_TOKEN instead"),
        ("discord:\n  api_base_url: localhost\n", "discord.api_base_url: 'localhost' is not a URL"),
        ("reflections:\n  retention_days: 0\n", "reflections.retention_days: 0 must be at least 1"),
        ("daily_loop:\n  every_seconds: 0.5\n", "daily_loop.every_seconds: 0.5 must be at least 1"),
        (
            f"support_message: {'y' * 1100}\n",
            "support_message: is 1100 characters; at most 1024 fit",
        ),
        (
            "database:\n  url: mysql://db/cohort\n",
            "database.url: 'mysql://db/cohort' is not a database URL this bot knows",
        ),
        ("- a\n", "expected settings as key: value lines"),
        ("a: [\n", ":2: not valid YAML"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_database_url_comes_from_the_environment_then_the_file_then_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings(write(tmp_path, "database:\n  path: x/b.db\n")).database_url == (
        "sqlite:///x/b.db"
    )
    with_url = write(tmp_path, "database:\n  url: postgresql://cohort@db:5432/bot\n")
    assert load_settings(with_url).database_url == "postgresql://cohort@db:5432/bot"
    monkeypatch.setenv("DATABASE_URL", "postgres://platform@host/app")
    assert load_settings(with_url).database_url == "postgres://platform@host/app"


def test_bad_database_url_in_the_environment_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "redis://cache")
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "log_level: INFO\n"))
    assert str(raised.value).startswith("DATABASE_URL: 'redis://cache' is not a database URL")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "discord:\n  shard_ids: [0]\n",
            "discord.shard_ids: needs discord.shard_count too (how many shards the bot has in all)",
        ),
        ("discord:\n  shard_count: 0\n", "discord.shard_count: 0 must be at least 1"),
        (
            "discord:\n  shard_count: 2\n  shard_ids: [0, 2]\n",
            "discord.shard_ids: shard 2 does not exist with 2 shard(s) (ids run from 0 to 1)",
        ),
        (
            "discord:\n  shard_count: 2\n  shard_ids: [1, 1]\n",
            "discord.shard_ids: shard 1 is listed twice",
        ),
        (
            "discord:\n  shard_count: 2\n  shard_ids: []\n",
            "discord.shard_ids: at least one shard id is needed",
        ),
    ],
)
def test_bad_shard_settings_name_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(raised.value) == f"{path}: {message}"


def test_shards_come_from_the_environment_then_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHARD_COUNT", raising=False)
    monkeypatch.delenv("SHARD_IDS", raising=False)
    assert load_settings(write(tmp_path, "log_level: INFO\n")).shards is None
    every = load_settings(write(tmp_path, "discord:\n  shard_count: 3\n"))
    assert every.shards == ShardPlan(3, (0, 1, 2))
    some = load_settings(write(tmp_path, "discord:\n  shard_count: 4\n  shard_ids: [3, 1]\n"))
    assert some.shards == ShardPlan(4, (3, 1))
    monkeypatch.setenv("SHARD_COUNT", "8")
    monkeypatch.setenv("SHARD_IDS", "0-2,6")
    assert some.shards == ShardPlan(8, (0, 1, 2, 6))
    assert load_settings(write(tmp_path, "log_level: INFO\n")).shards == ShardPlan(8, (0, 1, 2, 6))


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("two", "", "SHARD_COUNT: 'two' is not a whole number of at least 1"),
        ("0", "", "SHARD_COUNT: '0' is not a whole number of at least 1"),
        ("", "0,1", "SHARD_IDS: needs SHARD_COUNT (or discord.shard_count) too"),
        ("2", "0-2", "SHARD_IDS: shard 2 does not exist with 2 shard(s) (ids run from 0 to 1)"),
        ("2", "1,1", "SHARD_IDS: shard 1 is listed twice"),
        ("4", "3-1", "SHARD_IDS: '3-1' in '3-1' is not a shard id or a range (write 0,1 or 0-3)"),
        ("4", "0,x", "SHARD_IDS: 'x' in '0,x' is not a shard id or a range (write 0,1 or 0-3)"),
    ],
)
def test_bad_shards_in_the_environment_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: str, ids: str, message: str
) -> None:
    monkeypatch.setenv("SHARD_COUNT", count)
    monkeypatch.setenv("SHARD_IDS", ids)
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "log_level: INFO\n"))
    assert str(raised.value) == message


def test_a_smaller_shard_count_in_the_environment_must_fit_the_files_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "2")
    monkeypatch.delenv("SHARD_IDS", raising=False)
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "discord:\n  shard_count: 4\n  shard_ids: [3]\n"))
    assert str(raised.value) == (
        "SHARD_COUNT (with discord.shard_ids): shard 3 does not exist with 2 shard(s) "
        "(ids run from 0 to 1)"
    )


def test_missing_config_file_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.yaml")


def run_bot(config: Path, command: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot --config FILE COMMAND` with no token and no input."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        check=False,
    )


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "log_levl: INFO\n")
    run = run_bot(path, "console", tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"config error: {path}: log_levl: unknown setting 'log_levl'; did you mean 'log_level'?"
    ]


def test_run_without_token_explains(tmp_path: Path) -> None:
    run = run_bot(write(tmp_path, ""), "run", tmp_path)
    assert run.returncode == 2
    assert "DISCORD_TOKEN is not set" in run.stderr


def test_newer_database_is_refused_with_one_line(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA user_version = 999")
        connection.execute("CREATE TABLE future (x)")
    before = database.read_bytes()
    run = run_bot(write(tmp_path, f"database:\n  path: {database}\n"), "console", tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("database error: ") and "newer cohort-bot" in run.stderr
    assert "Traceback" not in run.stderr
    assert database.read_bytes() == before
