"""Real ``python -m bot run`` processes against the fake Discord, for the scale-out benchmarks.

Each process gets its own config file (pointing discord.py at the fake), the fake's token,
and its shards and database through the environment, as a deployment would. Its log is
read as it comes (a full pipe would stall the bot), and its memory read from /proc.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.fakediscord import FakeDiscord
from tests.processes import BotProcess, logged_bot

__all__ = ["BotProcess", "bot_process", "memory_mib", "write_config"]


def memory_mib(bot: BotProcess) -> tuple[float, float]:
    """(resident now, peak resident) from /proc/<pid>/status: VmRSS and VmHWM."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{bot.pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def write_config(folder: Path, fake: FakeDiscord, content_dir: Path, **discord: Any) -> Path:
    """A config file pointing the bot at ``fake``, with extra ``discord:`` settings."""
    config = folder / "config.yaml"
    values: dict[str, Any] = {
        "content_dir": str(content_dir),
        "log_level": "INFO",
        "database": {"path": str(folder / "cohort.sqlite3")},
        "discord": {"api_base_url": fake.api_base, "gateway_url": fake.gateway_url, **discord},
        "support_message": "Benchmark run.",
    }
    config.write_text(yaml.safe_dump(values))
    return config


def bot_process(
    name: str, config: Path, token: str, env: Mapping[str, str]
) -> contextlib.AbstractAsyncContextManager[BotProcess]:
    """``python -m bot --config CONFIG run``, unbuffered; stopped with SIGTERM (then killed)
    after."""
    return logged_bot(name, config, token=token, env=env, unbuffered=True, stop_seconds=20)
