"""What a REST handler works with: the request context, routes, and Discord's error answers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .common import ErrorCollector, JsonDict, MessageFlags, error_body, sid
from .interactions import InteractionHandle
from .models import FakeChannel, FakeMessage
from .recording import FormPart, RecordedRequest

API_PREFIX = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}
SEND_FLAGS = (
    MessageFlags.SUPPRESS_EMBEDS
    | MessageFlags.SUPPRESS_NOTIFICATIONS
    | MessageFlags.IS_COMPONENTS_V2
)
INTERACTION_FLAGS = SEND_FLAGS | MessageFlags.EPHEMERAL


class DiscordError(Exception):
    """An error answer in Discord's shape; raised by handlers, rendered by the dispatcher."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: JsonDict | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def body(self) -> JsonDict:
        """The JSON error body."""
        return error_body(self.code, self.message, self.errors)


def unknown(what: str, code: int) -> DiscordError:
    """Discord's 404 for a missing entity (``Unknown Channel``, ``Unknown Message``...)."""
    return DiscordError(404, code, f"Unknown {what}")


def missing_permissions() -> DiscordError:
    """Discord's 403 for a missing permission."""
    return DiscordError(403, 50013, "Missing Permissions")


def missing_access() -> DiscordError:
    """Discord's 403 for a resource the bot cannot see."""
    return DiscordError(403, 50001, "Missing Access")


Reply = tuple[int, Any]
"""(status, JSON body or None for an empty 204)."""


@dataclass
class Ctx:
    """One request being handled."""

    request: web.Request
    record: RecordedRequest
    params: dict[str, str]
    on_error: list[Callable[[DiscordError], None]] = field(default_factory=list)
    handle: InteractionHandle | None = None
    channel: FakeChannel | None = None

    @property
    def body(self) -> Any:
        """The JSON body (or decoded ``payload_json``)."""
        return self.record.json

    @property
    def query(self) -> dict[str, str]:
        """The query string."""
        return self.record.query

    @property
    def files(self) -> list[FormPart]:
        """Uploaded files."""
        return self.record.files


Handler = Callable[[Ctx], Awaitable[Reply]]
Check = Callable[[Ctx], Awaitable[None]]
LimitCheck = Callable[[Ctx, ErrorCollector], "int | None"]


@dataclass
class Route:
    """One REST route of the fake."""

    method: str
    template: str
    handler: Handler
    auth: bool = True
    precheck: Check | None = None
    limits: LimitCheck | None = None
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        parts = re.split(r"(\{[^}]+\})", self.template)
        pattern = "".join(
            f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts
        )
        self.regex = re.compile(f"^{pattern}$")


class ChannelMessages(dict[str, list[FakeMessage]]):
    """``fake.messages``: messages per channel id; accepts int, str or objects with ``.id``.

    Missing channels read as empty lists. Lists include ephemeral and deleted messages
    (check ``.ephemeral``/``.deleted``).
    """

    def __missing__(self, key: str) -> list[FakeMessage]:
        return []

    def __getitem__(self, key: object) -> list[FakeMessage]:
        return super().__getitem__(sid(key))

    def __contains__(self, key: object) -> bool:
        try:
            return super().__contains__(sid(key))
        except TypeError:
            return False

    def add(self, message: FakeMessage) -> None:
        """Store a message under its channel."""
        self.setdefault(message.channel.id, []).append(message)

    def all(self) -> list[FakeMessage]:
        """Every message, oldest first."""
        return sorted((m for msgs in self.values() for m in msgs), key=lambda m: int(m.id))
