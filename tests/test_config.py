"""Settings: every mistake is one line naming the key, and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_example_config_is_valid() -> None:
    settings = load_settings(ROOT / "config.example.yaml")
    assert settings.content_dir == Path("content")
    assert settings.discord.guild_ids == []


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
