"""A database URL's password never reaches a message or a log line, however it is written:
in the user part (even with characters the URL should have escaped), as libpq's
``?password=`` option, or in a URL the bot refuses."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.store import Store, StoreError
from bot.store.postgres_engine import safe_url

SECRET = "hunter2"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"postgresql://cohort@db:5432/cohort?password={SECRET}&sslmode=require",
            "postgresql://cohort@db:5432/cohort?password=***&sslmode=require",
        ),
        (f"postgresql://cohort:{SECRET}#x@db/cohort", "postgresql://cohort:***@db/cohort"),
        (f"postgresql://cohort:{SECRET}?x@db/cohort", "postgresql://cohort:***@db/cohort"),
        (f"postgresql://cohort:{SECRET}/x@db/cohort", "postgresql://cohort:***@db/cohort"),
        (f"postgresql://cohort:{SECRET}@x@db/cohort", "postgresql://cohort:***@db/cohort"),
        (
            f"postgresql://cohort:{SECRET}@[::1]:5432/cohort",
            "postgresql://cohort:***@[::1]:5432/cohort",
        ),
        (
            "postgresql://u:pw@h:5432/d?sslmode=require",
            "postgresql://u:***@h:5432/d?sslmode=require",
        ),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("postgresql:///cohort?host=/run/postgresql", "postgresql:///cohort?host=/run/postgresql"),
    ],
)
def test_safe_url_hides_the_password_however_it_is_written(url: str, shown: str) -> None:
    assert safe_url(url) == shown
    assert SECRET not in safe_url(url)


async def test_an_unreachable_server_named_with_a_query_password_is_never_shown_it() -> None:
    url = f"postgresql://cohort@127.0.0.1:{_closed_port()}/cohort?password={SECRET}"
    with pytest.raises(StoreError) as raised:
        await Store.open(url)
    assert "cannot connect" in str(raised.value)
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+asyncpg://cohort:{SECRET}@db/cohort",  # SQLAlchemy's spelling
        f"mysql://cohort:{SECRET}@db/cohort",
    ],
)
def test_a_refused_database_url_is_shown_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as from_environment:
        load_settings(None)
    monkeypatch.delenv("DATABASE_URL")
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: '{url}'\n")
    with pytest.raises(ConfigError) as from_file:
        load_settings(config)
    for raised in (from_environment, from_file):
        message = str(raised.value)
        assert "is not a database URL" in message and "cohort:***@db" in message
        assert SECRET not in message
