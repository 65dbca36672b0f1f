"""Starting the Slack face with `python -m bot run`: tokens from the environment, a clear
line when it cannot start, Bolt's endpoint answering signed requests, a clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import datetime
from pathlib import Path

from bot.services.prompts import PromptPost
from bot.slack_face.runner import FacePoster
from bot.text import Rich
from tests.fakeslack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.slack_e2e import fake_slack

__all__ = ["fake_slack"]
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_config(tmp_path: Path, fake: FakeSlack, port: int) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"content_dir: {ROOT / 'content'}\n"
        f"database:\n  path: {tmp_path / 'db.sqlite3'}\n"
        f"slack:\n  api_base_url: {fake.api_base_url}\n  port: {port}\n"
    )
    return config


async def start(config: Path, tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run",
        cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env},
    )  # fmt: skip


async def test_http_mode_serves_signed_commands_and_stops_cleanly(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    tokens = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    process = await start(write_config(tmp_path, fake_slack, port), tmp_path, **tokens)
    assert process.stdout is not None
    try:
        line = b""
        while b"listening at" not in line:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, "the bot exited before listening"
        fake_slack.bot_url = f"http://127.0.0.1:{port}/slack/events"
        before = len(fake_slack.world.messages)
        assert (await fake_slack.slash("/about")).status == 200
        about = await fake_slack.next_message(before)
        assert "Content note" in about.texts()
        bad = await fake_slack.send_raw(
            b"command=/about", "application/x-www-form-urlencoded", secret="x"
        )
        assert bad.status == 401
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
    assert process.returncode == 0
    fake_slack.assert_clean()


async def test_a_refused_token_or_a_missing_secret_is_one_line(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fake_slack, free_port())
    wrong = await start(config, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_SIGNING_SECRET="s")
    output, _ = await asyncio.wait_for(wrong.communicate(), timeout=60)
    assert wrong.returncode == 2
    assert (
        output.decode()
        .strip()
        .endswith("Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN")
    )
    missing = await start(config, tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN)
    output, _ = await asyncio.wait_for(missing.communicate(), timeout=60)
    assert missing.returncode == 2
    assert "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET" in output.decode()


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        self.calls.append(("post", post.guild_id))
        return 1, 1

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        self.calls.append(("find", post.guild_id))
        return None

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        self.calls.append(("notify", guild_id))


async def test_with_both_faces_each_prompt_goes_through_its_own_chat() -> None:
    slack, discord = Recording(), Recording()
    poster = FacePoster(-1, slack, discord)
    await poster.notify(None, -1, Rich.of("to Slack"))
    await poster.notify(None, 42, Rich.of("to Discord"))
    assert (slack.calls, discord.calls) == ([("notify", -1)], [("notify", 42)])
