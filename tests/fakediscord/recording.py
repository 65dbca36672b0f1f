"""What the fake records: requests, rejections, failure rules, command syncs."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .common import JsonDict


@dataclass
class FormPart:
    """One part of a multipart/form-data request (``payload_json`` or ``files[n]``)."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def text(self) -> str:
        """The part decoded as UTF-8."""
        return self.data.decode("utf-8", errors="replace")


@dataclass
class RecordedRequest:
    """One HTTP request the bot made, and what the fake answered."""

    method: str
    path: str
    """Path below the API base, e.g. ``/channels/123/messages``."""
    query: dict[str, str]
    headers: dict[str, str]
    at: float
    route: str | None = None
    """The matched route template (``/channels/{channel_id}/messages``); None if unknown."""
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    """The JSON body (for multipart requests: the decoded ``payload_json``)."""
    form: list[FormPart] = field(default_factory=list)
    status: int | None = None
    response: Any = None
    injected: bool = False
    """Whether a failure rule produced the response."""
    rejected: bool = False
    """Whether validation (limits or OpenAPI) rejected the body."""
    abandoned: bool = False
    """Whether its client hung up while it waited its turn under a :class:`SlowRule`, so it
    was never carried out (status 499)."""

    @property
    def files(self) -> list[FormPart]:
        """Uploaded files (parts with a filename)."""
        return [p for p in self.form if p.filename is not None]

    @property
    def multipart(self) -> bool:
        """Whether the body was multipart/form-data."""
        return bool(self.form)

    def matches(self, method: str, route: str | re.Pattern[str]) -> bool:
        """Whether this request is ``method`` (or "*") on ``route``.

        ``route`` is a template (``/channels/{channel_id}/messages``), a concrete path, or
        a compiled regex searched in the concrete path.
        """
        if method != "*" and method.upper() != self.method:
            return False
        if isinstance(route, re.Pattern):
            return route.search(self.path) is not None
        if "{" in route:
            return route == self.route
        return route == self.path

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class Rejection:
    """A body the fake refused as Discord would (400), with the reason."""

    request: RecordedRequest
    source: str
    """``"limits"`` (documented limits), ``"openapi"`` (spec mismatch) or ``"discord"``."""
    status: int
    body: JsonDict

    @property
    def code(self) -> int:
        """Discord's JSON error code (50035, 50006, 30032...)."""
        return int(self.body.get("code", 0))

    @property
    def errors(self) -> JsonDict:
        """The nested ``errors`` object."""
        value = self.body.get("errors")
        return value if isinstance(value, dict) else {}

    def __repr__(self) -> str:
        return (
            f"<Rejection {self.request.method} {self.request.path} [{self.source}] "
            f"{self.status} {self.body}>"
        )


@dataclass
class FailureRule:
    """Make matching requests fail with a given status, body and headers.

    ``remaining`` counts down per hit; None fails forever (until cleared).
    """

    method: str
    route: str | re.Pattern[str]
    status: int
    body: JsonDict | None
    headers: dict[str, str]
    remaining: int | None
    hits: int = 0

    def applies(self, request: RecordedRequest) -> bool:
        """Whether this rule should answer ``request``."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        return request.matches(self.method, self.route)


@dataclass
class SlowRule:
    """Serve matching requests one at a time, each answered ``seconds`` after it is carried
    out: a congested Discord, where a post exists before the bot hears that it does.

    A request whose client hangs up while it waits its turn is never carried out
    (``abandoned``). :meth:`hold` keeps the next answer back until :meth:`release`, so a
    test can stop a bot exactly between Discord posting a message and the bot knowing it.
    """

    method: str
    route: str | re.Pattern[str]
    seconds: float
    served: list[RecordedRequest] = field(default_factory=list)
    """Requests carried out under this rule, in order."""
    abandoned: list[RecordedRequest] = field(default_factory=list)
    held: RecordedRequest | None = None
    """The request whose answer :meth:`hold` kept back (carried out, not yet answered)."""
    turn: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _holding: bool = field(default=False, repr=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def applies(self, request: RecordedRequest) -> bool:
        """Whether ``request`` is slowed by this rule."""
        return request.matches(self.method, self.route)

    def hold(self) -> None:
        """Keep the answer to the next request carried out until :meth:`release`."""
        self.held = None
        self._holding = True
        self._released = asyncio.Event()

    def release(self) -> None:
        """Let a held answer go (and stop holding the next one)."""
        self._holding = False
        self._released.set()

    async def answer_later(self, request: RecordedRequest, changed: Callable[[], None]) -> None:
        """Wait before ``request``, already carried out, is answered."""
        self.served.append(request)
        if self._holding:
            self._holding = False
            self.held = request
            changed()
            await self._released.wait()
        await asyncio.sleep(self.seconds)


@dataclass
class CommandPut:
    """One bulk overwrite of application commands (``guild_id`` None: global)."""

    guild_id: str | None
    payload: list[JsonDict]
    at: float
