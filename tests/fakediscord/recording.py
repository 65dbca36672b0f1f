"""What the fake records: requests, rejections, failure rules, command syncs."""

from __future__ import annotations

import re
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
class CommandPut:
    """One bulk overwrite of application commands (``guild_id`` None: global)."""

    guild_id: str | None
    payload: list[JsonDict]
    at: float
