"""Real ``python -m bot run`` processes against the fake Discord, for the scale-out benchmarks.

Each process gets its own config file (pointing discord.py at the fake), the fake's token,
and its shards and database through the environment, as a deployment would. Its log is
read as it comes (a full pipe would stall the bot), and its memory read from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.common import ROOT
from tests.fakediscord import FakeDiscord


@dataclass
class BotProcess:
    """One running bot: its process and every log line so far."""

    name: str
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        while line := await stream.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            self._changed.set()
        self._changed.set()

    async def wait_for(self, text: str, seconds: float) -> None:
        """Until a log line contains ``text``; a process that exits first is an error."""
        async with asyncio.timeout(seconds):
            while not any(text in line for line in self.lines):
                if self.process.returncode is not None:
                    tail = "\n".join(self.lines[-15:])
                    raise RuntimeError(f"{self.name} exited before logging {text!r}:\n{tail}")
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 1.0)

    def count(self, text: str) -> int:
        """Log lines containing ``text``."""
        return sum(text in line for line in self.lines)

    def memory_mib(self) -> tuple[float, float]:
        """(resident now, peak resident) from /proc/<pid>/status: VmRSS and VmHWM."""
        values: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
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


@contextlib.asynccontextmanager
async def bot_process(
    name: str, config: Path, token: str, env: Mapping[str, str]
) -> AsyncIterator[BotProcess]:
    """``python -m bot --config CONFIG run``; stopped with SIGTERM (then killed) after."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config.parent),
        "DISCORD_TOKEN": token,
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = BotProcess(name, process)
    reader = asyncio.create_task(bot._read())
    try:
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(reader, return_exceptions=True)
