"""Pointing discord.py at a FakeDiscord, running a bot against it, and pytest fixtures.

Register the fixtures from a conftest with ``pytest_plugins = ["tests.fakediscord.fixtures"]``
(root conftest only), or import them into a test module (``fake_discord = fixtures.fake_discord``).

Example::

    async def test_ping(fake_discord: FakeDiscord) -> None:
        bot = make_bot()
        async with running_bot(bot, fake_discord, expect_sync=True):
            handle = await fake_discord.slash("ping")
            assert (await handle.response()).content == "pong"
        fake_discord.assert_clean()
"""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)

_tasks: weakref.WeakKeyDictionary[discord.Client, asyncio.Task[None]] = weakref.WeakKeyDictionary()


def bot_task(client: discord.Client) -> asyncio.Task[None]:
    """The ``client.start()`` task of a bot run by :func:`running_bot`.

    A malformed gateway payload makes discord.py's ``start()`` raise; await this task (or
    leave :func:`running_bot`, which re-raises it) to see the error.
    """
    return _tasks[client]


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Set ``Route.BASE`` and ``DEFAULT_GATEWAY`` to the fake; restore them afterwards.

    Both are class attributes read per request/connection, so they must stay patched for
    as long as the bot runs.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def _wait_ready(client: discord.Client, task: asyncio.Task[None], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not client.is_ready():
        if task.done():
            exc = task.exception()
            raise RuntimeError(f"the bot stopped before READY: {exc!r}") from exc
        if loop.time() > deadline:
            raise TimeoutError(f"the bot was not ready within {timeout}s")
        await asyncio.sleep(0.01)


async def _no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """Stands in for discord.py's ``before_identify_hook``: IDENTIFY at once."""


async def stop_bot(client: discord.Client, task: asyncio.Task[None]) -> None:
    """Close the client and wait for its ``start()`` task, surfacing unexpected errors."""
    await client.close()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5.0)


@contextlib.asynccontextmanager
async def running_bot(
    client: ClientT,
    fake: FakeDiscord,
    *,
    guild_ready_timeout: float | None = 0.05,
    expect_sync: bool | int = False,
    sync_guild: object | None = None,
    timeout: float = 10.0,
    identify_wait: bool = False,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake``, wait for on_ready, yield it, then close it.

    ``guild_ready_timeout`` overrides discord.py's 2 s wait after the last GUILD_CREATE
    (None keeps what the client was built with). ``expect_sync`` (True or a count) also
    waits for that many command syncs (global, or for ``sync_guild``). A sharded client
    waits 5 s before each shard's IDENTIFY after the first (Discord's identify rate limit
    at ``max_concurrency`` 1); the fake does not rate-limit IDENTIFY, so that wait is
    skipped unless ``identify_wait``.
    """
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    if isinstance(client, discord.AutoShardedClient) and not identify_wait:
        client.before_identify_hook = _no_identify_wait  # type: ignore[method-assign]
    with pointed_at(fake):
        task = asyncio.create_task(client.start(fake.token), name="fake-discord-bot")
        _tasks[client] = task
        try:
            await _wait_ready(client, task, timeout)
            if expect_sync:
                await fake.wait_for_sync(guild=sync_guild, count=int(expect_sync), timeout=timeout)
            yield client
        finally:
            await stop_bot(client, task)


def preregister(
    fake: FakeDiscord, tree: app_commands.CommandTree[Any], *, guild: object | None = None
) -> None:
    """Register ``tree``'s commands with the fake as an earlier deployment would have.

    For bots that do not sync at startup. Uses discord.py's own payloads (``to_dict``).
    """
    target = None if guild is None else discord.Object(id=int(str(getattr(guild, "id", guild))))
    payload = [cmd.to_dict(tree) for cmd in tree.get_commands(guild=target)]
    fake.register_commands(payload, guild=guild)


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with the default guild; closed after the test."""
    async with FakeDiscord() as fake:
        yield fake


@pytest.fixture
async def strict_fake_discord() -> AsyncIterator[FakeDiscord]:
    """Like ``fake_discord``, and fails the test if the bot had any body rejected,
    called an unknown route or got an error answer it did not provoke on purpose
    (tests that inject failures should use ``fake_discord`` and assert themselves).
    """
    async with FakeDiscord() as fake:
        yield fake
        fake.assert_clean()
