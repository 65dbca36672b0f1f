"""Starting the Discord bot: what the operator reads when it cannot start, and when it does."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
from pathlib import Path

import pytest

from bot.services.content import ContentState
from tests.fakediscord import FakeDiscord
from tests.processes import PIPE, STDOUT, bot_process

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "minimal"


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_config(
    tmp_path: Path, api_base_url: str, gateway_url: str, content: Path = ROOT / "content"
) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"content_dir: {content}\n"
        f"database:\n  path: {tmp_path / 'db.sqlite3'}\n"
        f"discord:\n  api_base_url: {api_base_url}\n  gateway_url: {gateway_url}\n"
        "log_level: INFO\n"
    )
    return config


async def run_bot(config: Path, token: str) -> tuple[int, str]:
    """`python -m bot run` as its own process (the fake Discord keeps serving meanwhile)."""
    async with bot_process(config, token=token, stdout=PIPE, stderr=STDOUT) as process:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


def problem_lines(output: str) -> list[str]:
    """Lines that are not timestamped log records: what the operator is told directly."""
    return [line for line in output.splitlines() if not line[:4].isdigit()]


async def test_unreachable_discord_is_one_line_and_a_failing_exit(tmp_path: Path) -> None:
    port = closed_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    config = write_config(tmp_path, api, f"ws://127.0.0.1:{port}/gateway")
    code, output = await run_bot(config, "any-token")
    assert code == 3
    assert "Traceback" not in output
    assert problem_lines(output) == [
        f"cannot reach Discord at {api}: connection refused (nothing is listening there)"
    ]


async def test_a_refused_token_is_one_line(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    config = write_config(tmp_path, fake_discord.api_base, fake_discord.gateway_url)
    code, output = await run_bot(config, "not-the-token")
    assert code == 2
    assert "Traceback" not in output
    assert problem_lines(output) == [
        "Discord refused the token (401 Unauthorized): check DISCORD_TOKEN"
    ]


async def test_startup_log_counts_the_cards_instead_of_listing_them(tmp_path: Path) -> None:
    port = closed_port()
    config = write_config(
        tmp_path, f"http://127.0.0.1:{port}/api/v10", f"ws://127.0.0.1:{port}/gateway", MINIMAL
    )
    _, output = await run_bot(config, "any-token")
    logged = [line.split(": ", 1)[1] for line in output.splitlines() if " bot.services." in line]
    assert logged == ["Content loaded: 6 cards: 2 approaches, 1 expert, 1 myth, 2 prompts."], output
    assert "voice will NOT be supported" not in output


def test_a_reload_still_names_each_card_it_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    state = ContentState(content)
    state.reload()
    myths = content / "myths.yaml"
    myths.write_text(myths.read_text().replace("title: They cannot change", "title: No change"))
    with caplog.at_level(logging.INFO, logger="bot.services.content"):
        report = state.reload()
    assert caplog.messages == [
        "Content reloaded: 2 approaches, 1 expert, 1 myth, 2 prompts.",
        "changed: no-change",
    ]
    assert report.lines() == caplog.messages
