"""Real processes for tests and benches: the bot as ``python -m bot --config CONFIG run``,
a process holding shards through ``ShardOwnership``, and reading what they say.

Every process is started with ``cwd`` at the repository and killed (and reaped) when its
``async with`` ends, however the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPE = asyncio.subprocess.PIPE
DEVNULL = asyncio.subprocess.DEVNULL
STDOUT = asyncio.subprocess.STDOUT

# Holds shards ARGV[3] ("0,2") of ARGV[2] over database ARGV[1]; logs to stdout ("waiting
# for shard(s)...", "took over shard(s)...") and says "holding" once it owns them.
HOLDER = """
import asyncio, logging, sys
from bot.store.shard_locks import ShardOwnership
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")

async def main() -> None:
    shards = [int(shard) for shard in sys.argv[3].split(",")]
    async with ShardOwnership.acquire(sys.argv[1], int(sys.argv[2]), shards) as owned:
        print("holding", flush=True)
        await owned.lost.wait()

asyncio.run(main())
"""


async def _reap(process: asyncio.subprocess.Process, stop_seconds: float | None = None) -> None:
    """Kill ``process`` if it still runs (first SIGTERM, given ``stop_seconds``) and reap it."""
    if process.returncode is None and stop_seconds is not None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), stop_seconds)
    if process.returncode is None:
        process.kill()
    await process.wait()


@contextlib.asynccontextmanager
async def python_script(script: str, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -c SCRIPT ARGS...``, its stdin and stdout piped to the test."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args, cwd=ROOT, stdin=PIPE, stdout=PIPE
    )
    try:
        yield process
    finally:
        await _reap(process)


def shard_holder(
    url: str, count: int, shards: Sequence[int]
) -> contextlib.AbstractAsyncContextManager[asyncio.subprocess.Process]:
    """A process holding ``shards`` of ``count`` over ``url`` (see ``HOLDER``)."""
    return python_script(HOLDER, url, str(count), ",".join(map(str, shards)))


@contextlib.asynccontextmanager
async def bot_process(
    config: Path,
    *,
    token: str,
    env: Mapping[str, str] | None = None,
    stdout: int = DEVNULL,
    stderr: int = PIPE,
    unbuffered: bool = False,
    stop_seconds: float | None = None,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot --config CONFIG run`` with a clean environment: PATH, HOME (the
    config's folder), DISCORD_TOKEN, PYTHONUNBUFFERED if ``unbuffered``, then ``env``.

    Afterwards it is killed if it still runs: at once, or given ``stop_seconds``, after
    SIGTERM has had that long to stop it."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config.parent),
        "DISCORD_TOKEN": token,
        **({"PYTHONUNBUFFERED": "1"} if unbuffered else {}),
        **(env or {}),
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "--config", str(config), "run"),
        cwd=ROOT,
        env=environment,
        stdin=DEVNULL,
        stdout=stdout,
        stderr=stderr,
    )
    try:
        yield process
    finally:
        await _reap(process, stop_seconds)


async def lines_until(stream: asyncio.StreamReader | None, text: str, seconds: float) -> list[str]:
    """The lines read from ``stream`` up to and including the first containing ``text``;
    fails if the stream ends first, and with ``TimeoutError`` after ``seconds``."""
    assert stream is not None, "that stream is not piped"
    lines: list[str] = []
    async with asyncio.timeout(seconds):
        while True:
            line = (await stream.readline()).decode()
            assert line, f"the process exited before saying {text!r}: {lines}"
            lines.append(line.rstrip())
            if text in line:
                return lines


async def line_with(stream: asyncio.StreamReader | None, text: str, seconds: float) -> str:
    """The first line read from ``stream`` containing ``text``, stripped (as ``lines_until``)."""
    return (await lines_until(stream, text, seconds))[-1].strip()


@dataclass
class BotProcess:
    """A running bot whose log (stderr) is read as it comes, so the pipe never fills."""

    name: str
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    async def read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode(errors="replace").rstrip())
            self.changed.set()
        self.changed.set()

    def logged(self, text: str) -> list[str]:
        """The log lines so far containing ``text``."""
        return [line for line in self.lines if text in line]

    def count(self, text: str) -> int:
        return len(self.logged(text))

    async def wait_for(self, text: str, seconds: float) -> str:
        """The first log line containing ``text`` (failing with the log's tail)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not (found := self.logged(text)):
            tail = "\n".join(self.lines[-25:])
            if self.reader is None or self.reader.done():
                raise AssertionError(f"{self.name} exited before logging {text!r}:\n{tail}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{self.name} did not log {text!r} in {seconds}s:\n{tail}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return found[0]

    async def stop(self, seconds: float = 30) -> int:
        """SIGTERM, and its exit code once it has shut down."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), seconds)


@contextlib.asynccontextmanager
async def logged_bot(
    name: str,
    config: Path,
    *,
    token: str,
    env: Mapping[str, str] | None = None,
    unbuffered: bool = False,
    stop_seconds: float | None = None,
) -> AsyncIterator[BotProcess]:
    """``bot_process`` with its log read into a ``BotProcess`` (to its end, after)."""
    reader: asyncio.Task[None] | None = None
    try:
        async with bot_process(
            config, token=token, env=env, unbuffered=unbuffered, stop_seconds=stop_seconds
        ) as process:
            bot = BotProcess(name, process)
            bot.reader = reader = asyncio.create_task(bot.read(), name=f"log of {name}")
            yield bot
    finally:  # the process is reaped by now: the reader meets the pipe's end
        if reader is not None:
            await asyncio.gather(reader, return_exceptions=True)
