"""Waiting for the bot and reading what it did."""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..common import sid
from ..models import FakeMessage
from ..recording import CommandPut, RecordedRequest
from .base import DriverBase


class Inspection(DriverBase):
    """``wait_for_*`` helpers and the recording queries tests assert on."""

    async def wait_for_request(
        self,
        method: str,
        route: str | re.Pattern[str],
        *,
        count: int = 1,
        timeout: float = 3.0,
    ) -> RecordedRequest:
        """Wait until ``count`` answered requests match; return the latest."""
        await self.wait_until(
            lambda: len([r for r in self.requests_to(method, route) if r.status]) >= count,
            timeout=timeout,
            what=f"{count}x {method} {route}",
        )
        return [r for r in self.requests_to(method, route) if r.status][-1]

    async def wait_for_message(
        self,
        channel: object,
        predicate: Callable[[FakeMessage], bool] | str | None = None,
        *,
        timeout: float = 3.0,
    ) -> FakeMessage:
        """Wait for a (non-deleted) message in ``channel`` matching ``predicate``.

        A string predicate means 'content contains this text'.
        """
        target = self.channel(channel)
        check: Callable[[FakeMessage], bool]
        if isinstance(predicate, str):
            text = predicate
            check = lambda m: text in m.content  # noqa: E731
        elif predicate is None:
            check = lambda m: True  # noqa: E731
        else:
            check = predicate
        found: list[FakeMessage] = []

        def ready() -> bool:
            found[:] = [m for m in self.messages[target.id] if not m.deleted and check(m)]
            return bool(found)

        await self.wait_until(ready, timeout=timeout, what=f"a message in #{target.name}")
        return found[-1]

    async def wait_for_sync(
        self, *, guild: object | None = None, count: int = 1, timeout: float = 5.0
    ) -> CommandPut:
        """Wait for ``count`` command bulk overwrites (global, or for ``guild``)."""
        scope = None if guild is None else sid(guild)
        await self.wait_until(
            lambda: len([p for p in self.command_puts if p.guild_id == scope]) >= count,
            timeout=timeout,
            what="a command sync",
        )
        return [p for p in self.command_puts if p.guild_id == scope][-1]

    async def wait_for_gateway(
        self,
        *,
        op: int | None = None,
        event: str | None = None,
        count: int = 1,
        timeout: float = 3.0,
    ) -> None:
        """Wait until ``count`` frames with opcode ``op`` were received, or ``event`` was sent."""

        def seen() -> int:
            if event is not None:
                return len(self.gateway.sent_events(event))
            assert op is not None
            return len(self.gateway.received(op))

        await self.wait_until(
            lambda: seen() >= count, timeout=timeout, what=f"gateway op={op} event={event}"
        )

    def requests_to(self, method: str, route: str | re.Pattern[str]) -> list[RecordedRequest]:
        """Requests matching ``method`` ("*" for any) and a route template, path or regex."""
        return [r for r in self.requests if r.matches(method, route)]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the fake does not know (404 ``{"code": 0}`` or 405)."""
        return [r for r in self.requests if r.route is None]

    @property
    def error_responses(self) -> list[RecordedRequest]:
        """Requests answered with 4xx/5xx that no failure rule injected."""
        return [r for r in self.requests if (r.status or 0) >= 400 and not r.injected]

    def command_put_count(self, guild: object | None = None) -> int:
        """How many bulk overwrites happened for the global scope (or ``guild``)."""
        scope = None if guild is None else sid(guild)
        return len([p for p in self.command_puts if p.guild_id == scope])

    def all_bodies(self) -> list[Any]:
        """Every JSON body the bot sent (for blanket assertions)."""
        return [r.json for r in self.requests if r.json is not None]

    def pinging_messages(self) -> list[FakeMessage]:
        """Messages by the bot whose mentions would notify someone (given allowed_mentions)."""
        return [
            m
            for m in self.messages.all()
            if m.author is self.bot_user and m.would_ping and not m.deleted
        ]

    def assert_clean(self, *, allow_status: Iterable[int] = ()) -> None:
        """Fail if the bot had bodies rejected, hit unknown routes, or got unexpected errors."""
        allowed = set(allow_status)
        problems: list[str] = []
        if self.rejections:
            problems.append(f"rejected bodies: {self.rejections}")
        if self.unknown_requests:
            problems.append(f"unknown routes: {self.unknown_requests}")
        errors = [r for r in self.error_responses if r.status not in allowed and not r.rejected]
        if errors:
            problems.append(f"error responses: {[(r, r.response) for r in errors]}")
        if problems:
            raise AssertionError("fake Discord saw problems:\n" + "\n".join(problems))
