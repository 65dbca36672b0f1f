"""FakeDiscord: Discord's REST API and gateway on 127.0.0.1, for the real discord.py client.

A test starts one (``async with FakeDiscord() as fake``), points discord.py at it (see
:mod:`fixtures`), runs the bot, then drives it the way users would — slash commands,
autocomplete, buttons, selects, modals — and asserts on what the bot sent. Every body is
checked against Discord's documented limits and, where available, its OpenAPI spec.
"""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import BodyPartReader, web

from . import limits
from .common import (
    CallbackType,
    ChannelType,
    ComponentType,
    ErrorCollector,
    Intents,
    InteractionType,
    JsonDict,
    MessageFlags,
    OptionType,
    Permissions,
    error_body,
    iso,
    sid,
    utcnow,
)
from .gateway import OP_INVALID_SESSION, OP_RECONNECT, Gateway, GatewaySession
from .interactions import Callback, InteractionHandle, InteractionTimeout, OptionBuilder
from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeUser,
    World,
    assign_component_ids,
)
from .openapi import OpenAPISpec, add_problems, load_spec
from .recording import CommandPut, FailureRule, FormPart, RecordedRequest, Rejection

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


class FakeDiscord:
    """A fake Discord (REST under ``/api/v10`` plus the gateway) on 127.0.0.1.

    Configure the world before the bot connects (``fake.guild.add_channel(...)``,
    ``fake.add_user(...)``); drive interactions with :meth:`slash`, :meth:`autocomplete`,
    :meth:`click`, :meth:`select`, :meth:`submit_modal`; assert on :attr:`messages`,
    :attr:`requests`, :attr:`rejections`.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token.cohort.test",
        application_id: str | None = None,
        bot_name: str = "cohort-bot",
        guild_name: str | None = "Cohort Test Guild",
        channels: tuple[str, ...] | list[str] = ("general", "random"),
        openapi_path: Path | str | Literal[False] | None = None,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        heartbeat_interval: float = 41.25,
        gateway_compression: bool = True,
        allowed_privileged_intents: int = Intents.PRIVILEGED,
        enforce_permissions: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.host = host
        self.world = World(application_id=application_id, bot_name=bot_name)
        self.interaction_deadline = interaction_deadline
        """Seconds the bot has for the first callback (Discord: 3)."""
        self.token_lifetime = token_lifetime
        """Seconds an interaction token stays valid for followups (Discord: 15 minutes)."""
        self.enforce_permissions = enforce_permissions
        self.attachment_size_limit = limits.UPLOAD_MAX
        """Bytes of files a new interaction may upload (its ``attachment_size_limit``); set it
        lower to test a bot against a small limit. Plain channel sends allow UPLOAD_MAX."""
        self.allowed_privileged_intents = allowed_privileged_intents

        self.guild: FakeGuild | None = None
        """The default guild (None if ``guild_name=None``)."""
        self.default_user: FakeUser = self.world.add_user("alice", global_name="Alice")
        """Who sends interactions unless a test says otherwise (a plain member)."""
        if guild_name is not None:
            self.guild = self.world.add_guild(guild_name, channels=tuple(channels))
            self.guild.add_member(self.default_user)

        if openapi_path is False:
            self.openapi: OpenAPISpec | None = None
            self.openapi_skip_reason = "OpenAPI validation disabled (openapi_path=False)"
        else:
            self.openapi, self.openapi_skip_reason = load_spec(
                None if openapi_path is None else Path(openapi_path)
            )

        self.requests: list[RecordedRequest] = []
        self.rejections: list[Rejection] = []
        self.messages = ChannelMessages()
        self.interactions: dict[str, InteractionHandle] = {}
        self.commands: dict[str | None, list[JsonDict]] = {}
        """Registered commands per scope: None (global) or a guild id."""
        self.command_puts: list[CommandPut] = []
        self.failures: list[FailureRule] = []
        self.missing_channels: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.reactions: list[tuple[str, str, str, str]] = []
        """(method, channel_id, message_id, emoji) of reaction calls."""
        self._attachments: dict[str, FakeAttachment] = {}

        self._changed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes = self._build_routes()
        self.gateway = Gateway(
            token=token,
            heartbeat_interval_ms=int(heartbeat_interval * 1000),
            allowed_privileged_intents=allowed_privileged_intents,
            ready_builder=self._ready_payloads,
            member_chunker=self._member_chunks,
            on_change=self._bump,
            compression=gateway_compression,
        )

    # ------------------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Bind an OS-chosen port on 127.0.0.1 and serve."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        app.router.add_route("GET", "/gateway-resume", self.gateway.handle)
        app.router.add_route(
            "GET", "/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn
        )
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        app.router.add_route("*", "/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self._port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self

    async def close(self) -> None:
        """Close gateway connections and stop the server."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def port(self) -> int:
        """The TCP port (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be set to."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """READY's ``resume_gateway_url`` (a distinct path so tests can see it is used)."""
        return f"ws://{self.host}:{self.port}/gateway-resume"

    @property
    def application_id(self) -> str:
        """The application id (equal to the bot user's id, as for modern apps)."""
        return self.world.application_id

    @property
    def bot_user(self) -> FakeUser:
        """The bot's user."""
        return self.world.bot_user

    @property
    def openapi_enabled(self) -> bool:
        """Whether bodies are also validated against the OpenAPI spec."""
        return self.openapi is not None

    # ------------------------------------------------------------------------------------------
    # world shortcuts
    # ------------------------------------------------------------------------------------------

    def add_user(self, username: str, *, global_name: str | None = None) -> FakeUser:
        """Create a user (add them to a guild with ``guild.add_member``)."""
        return self.world.add_user(username, global_name=global_name)

    def add_guild(self, name: str, *, channels: tuple[str, ...] = ("general",)) -> FakeGuild:
        """Create another guild the bot is in (before the bot connects)."""
        return self.world.add_guild(name, channels=channels)

    def channel(self, key: object) -> FakeChannel:
        """A channel by name (default guild first), id, or object."""
        if isinstance(key, str) and self.guild is not None:
            try:
                return self.guild.channel(key)
            except KeyError:
                pass
        return self.world.channel(key)

    def user(self, key: FakeUser | FakeMember | str | int) -> FakeUser:
        """A user by username, id, or object."""
        return self.world.user(key)

    def make_attachment(
        self, filename: str, data: bytes, *, content_type: str | None = None
    ) -> FakeAttachment:
        """An attachment a user 'uploaded', for ATTACHMENT options."""
        aid = self.world.snowflakes.next()
        attachment = FakeAttachment(
            id=aid,
            filename=filename,
            data=data,
            url=f"{self.base_url}/attachments/0/{aid}/{filename}",
            content_type=content_type,
        )
        self._register_attachment(attachment)
        return attachment

    def _register_attachment(self, attachment: FakeAttachment) -> None:
        self._attachments[attachment.id] = attachment

    # ------------------------------------------------------------------------------------------
    # waiting
    # ------------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake :meth:`wait_until` waiters (call after changing state the fake cannot see)."""
        self._bump()

    def _bump(self) -> None:
        if self._changed is not None:
            event, self._changed = self._changed, None
            event.set()

    async def wait_until(
        self, predicate: Callable[[], bool], *, timeout: float = 3.0, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` holds (re-checked whenever the fake's state changes)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [repr(r) for r in self.requests[-8:]]
                raise InteractionTimeout(
                    f"timed out after {timeout}s waiting for {what}; recent requests: {recent}; "
                    f"rejections: {self.rejections}"
                )
            if self._changed is None:
                self._changed = asyncio.Event()
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.25))

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

    # ------------------------------------------------------------------------------------------
    # recording helpers
    # ------------------------------------------------------------------------------------------

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

    def find_command(
        self, name: str, *, guild: object | None = None, type: int = 1
    ) -> tuple[JsonDict, str | None]:
        """A registered command and its scope (guild commands shadow global ones)."""
        scopes: list[str | None] = []
        if guild is not None:
            scopes.append(sid(guild))
        scopes.append(None)
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == type:
                    return cmd, scope
        known = sorted({c["name"] for cmds in self.commands.values() for c in cmds})
        raise LookupError(
            f"command {name!r} (type {type}) is not registered with the fake Discord "
            f"(registered: {known}); did the bot call tree.sync()? "
            "Tests can also use fixtures.preregister(fake, tree)."
        )

    def register_commands(self, payload: list[JsonDict], *, guild: object | None = None) -> None:
        """Register commands without a REST call (as if synced by an earlier run)."""
        scope = None if guild is None else sid(guild)
        self.commands[scope] = self._store_commands(scope, payload)

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

    # ------------------------------------------------------------------------------------------
    # failure injection
    # ------------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        route: str | re.Pattern[str],
        *,
        status: int = 500,
        body: JsonDict | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> FailureRule:
        """Make the next ``times`` matching requests fail (None: until cleared)."""
        if body is None:
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            body = error_body(0, f"{status}: {reason.get(status, 'Error')}")
        rule = FailureRule(
            method=method.upper() if method != "*" else "*",
            route=route,
            status=status,
            body=body,
            headers=dict(headers or {}),
            remaining=times,
        )
        self.failures.append(rule)
        return rule

    def rate_limit_next(
        self,
        method: str,
        route: str | re.Pattern[str],
        *,
        retry_after: float = 0.05,
        times: int = 1,
        is_global: bool = False,
        via: bool = True,
    ) -> FailureRule:
        """Answer the next ``times`` matching requests with Discord's 429.

        With ``via`` (default) the response carries the ``Via`` header real Discord responses
        have, so discord.py sleeps ``retry_after`` and retries; without it discord.py treats
        the 429 as a Cloudflare ban and raises at once.
        """
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        if via:
            headers["Via"] = "1.1 google"
        return self.fail_next(
            method,
            route,
            status=429,
            body={
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
                "code": 0,
            },
            headers=headers,
            times=times,
        )

    def _channel_id(self, channel: object) -> str:
        if isinstance(channel, str) and not channel.isdigit():
            return self.channel(channel).id
        return sid(channel)

    def make_channel_missing(self, channel: object) -> None:
        """Requests naming this channel get 404 ``Unknown Channel`` (10003)."""
        self.missing_channels.add(self._channel_id(channel))

    def make_channel_forbidden(self, channel: object) -> None:
        """Requests naming this channel get 403 ``Missing Permissions`` (50013)."""
        self.forbidden_channels.add(self._channel_id(channel))

    def restore_channel(self, channel: object) -> None:
        """Undo :meth:`make_channel_missing` / :meth:`make_channel_forbidden`."""
        cid = self._channel_id(channel)
        self.missing_channels.discard(cid)
        self.forbidden_channels.discard(cid)

    def clear_failures(self) -> None:
        """Remove every failure rule and channel flag."""
        self.failures.clear()
        self.missing_channels.clear()
        self.forbidden_channels.clear()

    # ------------------------------------------------------------------------------------------
    # gateway control
    # ------------------------------------------------------------------------------------------

    @property
    def identify_count(self) -> int:
        """How many IDENTIFY payloads the fake received."""
        return len(self.gateway.received(2))

    @property
    def resume_count(self) -> int:
        """How many RESUME payloads the fake received."""
        return len(self.gateway.received(6))

    @property
    def sessions(self) -> list[GatewaySession]:
        """Gateway sessions (one per IDENTIFY)."""
        return list(self.gateway.sessions.values())

    async def dispatch(self, event: str, data: JsonDict, *, force: bool = True) -> int:
        """Send any dispatch event to connected bots; returns how many sessions got it."""
        return await self.gateway.dispatch(event, data, force=force)

    async def drop_gateway(self, code: int = 4000) -> int:
        """Close the bot's websocket with ``code`` (4000: resumable) and return how many closed."""
        return await self.gateway.drop(code)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT (the client should reconnect and RESUME)."""
        await self.gateway.send_op(OP_RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (non-resumable: the client must IDENTIFY again)."""
        if resumable:
            await self.gateway.send_op(OP_INVALID_SESSION, True)
        else:
            await self.gateway.invalidate(resumable=False)

    def _ready_payloads(self, session: GatewaySession) -> tuple[JsonDict, list[JsonDict]]:
        ready: JsonDict = {
            "v": 10,
            "user": self.bot_user.private_payload(),
            "guilds": [{"id": g.id, "unavailable": True} for g in self.world.guilds.values()],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": self.application_id, "flags": self._application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        creates = [
            self.guild_create_payload(g, intents=session.intents)
            for g in self.world.guilds.values()
        ]
        return ready, creates

    def _application_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        if self.allowed_privileged_intents & Intents.GUILD_PRESENCES:
            flags |= 1 << 12
        if self.allowed_privileged_intents & Intents.GUILD_MEMBERS:
            flags |= 1 << 14
        if self.allowed_privileged_intents & Intents.MESSAGE_CONTENT:
            flags |= 1 << 18
        return flags

    def guild_payload(self, guild: FakeGuild) -> JsonDict:
        """The REST guild object (``GET /guilds/{id}``)."""
        text = [c for c in guild.channels if c.type == ChannelType.GUILD_TEXT]
        return {
            "id": guild.id,
            "name": guild.name,
            "icon": None,
            "description": None,
            "home_header": None,
            "splash": None,
            "discovery_splash": None,
            "features": [],
            "banner": None,
            "owner_id": guild.owner.id,
            "application_id": None,
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "system_channel_id": text[0].id if text else None,
            "system_channel_flags": 0,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "roles": [r.payload() for r in guild.roles],
            "default_message_notifications": 0,
            "mfa_level": 0,
            "explicit_content_filter": 0,
            "max_presences": None,
            "max_members": 500000,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "rules_channel_id": None,
            "safety_alerts_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "nsfw_level": 0,
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
            "inventory_settings": None,
            "embed_enabled": False,
            "embed_channel_id": None,
            "latest_onboarding_question_id": None,
        }

    def guild_create_payload(self, guild: FakeGuild, *, intents: int) -> JsonDict:
        """GUILD_CREATE for a session with ``intents``.

        As on Discord, ``members`` holds only the bot unless GUILD_PRESENCES is on (bots
        that need members request them with op 8, which the fake answers).
        """
        data = self.guild_payload(guild)
        bot_member = guild.members[self.bot_user.id]
        if intents & Intents.GUILD_PRESENCES:
            members = list(guild.members.values())[:250]
        else:
            members = [bot_member]
        data.update(
            {
                "joined_at": iso(bot_member.joined_at),
                "large": len(guild.members) > 250,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [m.payload() for m in members],
                "channels": [c.payload() for c in guild.channels if not c.is_thread],
                "threads": [c.payload() for c in guild.channels if c.is_thread and not c.archived],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "application_command_counts": {},
                "lazy": True,
            }
        )
        return data

    def _member_chunks(self, session: GatewaySession, data: JsonDict) -> list[JsonDict]:
        raw_ids = data.get("guild_id")
        guild_ids = [str(g) for g in raw_ids] if isinstance(raw_ids, list) else [str(raw_ids)]
        chunks: list[JsonDict] = []
        for gid in guild_ids:
            guild = self.world.guilds.get(gid)
            if guild is None:
                continue
            members = list(guild.members.values())
            not_found: list[str] = []
            user_ids = data.get("user_ids")
            if user_ids:
                wanted = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
                not_found = [u for u in wanted if u not in guild.members]
                members = [m for m in members if m.user.id in wanted]
            else:
                query = str(data.get("query") or "").lower()
                members = [m for m in members if m.user.username.lower().startswith(query)]
                limit = int(data.get("limit") or 0)
                if limit:
                    members = members[:limit]
            chunk: JsonDict = {
                "guild_id": gid,
                "members": [m.payload() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": not_found,
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            if data.get("presences"):
                chunk["presences"] = []
            chunks.append(chunk)
        return chunks

    # ------------------------------------------------------------------------------------------
    # HTTP plumbing
    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _respond(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=status, headers=dict(headers or {}))
        out = dict(JSON_HEADERS)
        out.update(headers or {})
        return web.Response(status=status, body=json.dumps(body).encode(), headers=out)

    async def _read_body(self, request: web.Request, record: RecordedRequest) -> None:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read(decode=False)
                record.form.append(
                    FormPart(
                        name=part.name or "",
                        filename=part.filename,
                        content_type=part.headers.get("Content-Type"),
                        data=bytes(data),
                    )
                )
            payload = next((p for p in record.form if p.name == "payload_json"), None)
            if payload is not None:
                try:
                    record.json = json.loads(payload.data)
                except ValueError as exc:
                    raise DiscordError(
                        400, 50109, "The request body contains invalid JSON."
                    ) from exc
            return
        raw = await request.read()
        if not raw:
            return
        if ctype.split(";")[0].strip() == "application/json":
            try:
                record.json = json.loads(raw)
            except ValueError as exc:
                raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_known = False
        for route in self._routes:
            m = route.regex.match(path)
            if m is None:
                continue
            path_known = True
            if route.method == method:
                return route, m.groupdict()
        if path_known:
            raise DiscordError(405, 0, "405: Method Not Allowed")
        raise DiscordError(404, 0, "404: Not Found")

    def _take_failure(self, record: RecordedRequest) -> FailureRule | None:
        for rule in self.failures:
            if rule.applies(record):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :] or "/"
            prefixed = True
        else:
            prefixed = False
        keep = ("Content-Type", "Authorization", "User-Agent", "X-Audit-Log-Reason")
        record = RecordedRequest(
            method=request.method,
            path=path if prefixed else request.path,
            query=dict(request.query),
            headers={k: request.headers[k] for k in keep if k in request.headers},
            at=asyncio.get_running_loop().time(),
        )
        self.requests.append(record)
        ctx = Ctx(request=request, record=record, params={})
        headers: dict[str, str] = {}
        try:
            await self._read_body(request, record)
            if not prefixed:
                raise DiscordError(404, 0, "404: Not Found")
            route, params = self._match(request.method, path)
            record.route = route.template
            record.params = params
            ctx.params = params
            if route.auth:
                self._check_auth(request)
            rule = self._take_failure(record)
            if rule is not None:
                record.injected = True
                status, body, headers = rule.status, rule.body, rule.headers
            else:
                self._check_channel_flags(params)
                if route.precheck is not None:
                    await route.precheck(ctx)
                self._check_upload_size(ctx)
                if record.json is not None or record.form:
                    self._validate(ctx, route)
                status, body = await route.handler(ctx)
        except DiscordError as exc:
            for callback in ctx.on_error:
                callback(exc)
            status, body, headers = exc.status, exc.body(), exc.headers
        record.status = status
        record.response = body
        self._bump()
        return self._respond(status, body, headers)

    def _check_channel_flags(self, params: Mapping[str, str]) -> None:
        cid = params.get("channel_id")
        if cid is None:
            return
        if cid in self.missing_channels:
            raise unknown("Channel", 10003)
        if cid in self.forbidden_channels:
            raise missing_permissions()

    def _validate(self, ctx: Ctx, route: Route) -> None:
        record = ctx.record
        errors = ErrorCollector()
        source = "limits"
        special: int | None = None
        try:
            special = route.limits(ctx, errors) if route.limits is not None else None
        except limits.EmptyMessage:
            self._reject(ctx, "limits", DiscordError(400, 50006, "Cannot send an empty message"))
        if special == 30032:
            self._reject(
                ctx,
                "limits",
                DiscordError(400, 30032, "Maximum number of application commands reached (100)"),
            )
        if not errors and self.openapi is not None and record.json is not None:
            problems = self.openapi.validate_request(record.method, record.path, record.json)
            if problems:
                add_problems(errors, problems)
                source = "openapi"
        if errors:
            self._reject(
                ctx,
                source,
                DiscordError(400, 50035, "Invalid Form Body", errors=errors.to_errors()),
            )

    def _check_upload_size(self, ctx: Ctx) -> None:
        """Discord refuses files over the limit with 413 (code 40005), whatever the retry.

        An interaction's callback and followups may upload its ``attachment_size_limit``;
        anything else (a plain channel send) the default limit.
        """
        size = sum(len(part.data) for part in ctx.record.form if part.name.startswith("files["))
        if not size:
            return
        limit = limits.UPLOAD_MAX
        if ctx.handle is not None:
            limit = int(ctx.handle.payload.get("attachment_size_limit", limit))
        if size > limit:
            self._reject(ctx, "limits", DiscordError(413, 40005, "Request entity too large"))

    def _reject(self, ctx: Ctx, source: str, error: DiscordError) -> None:
        ctx.record.rejected = True
        self.rejections.append(
            Rejection(request=ctx.record, source=source, status=error.status, body=error.body())
        )
        raise error

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        attachment = self._attachments.get(request.match_info["attachment_id"])
        if attachment is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=attachment.data,
            headers={"Content-Type": attachment.content_type or "application/octet-stream"},
        )

    # ------------------------------------------------------------------------------------------
    # routes
    # ------------------------------------------------------------------------------------------

    def _build_routes(self) -> list[Route]:
        r = Route
        msg_limits_create = self._limits_message_create
        msg_limits_edit = self._limits_message_edit
        return [
            r("GET", "/users/@me", self._get_me),
            r("GET", "/users/{user_id}", self._get_user),
            r("POST", "/users/@me/channels", self._create_dm),
            r("GET", "/oauth2/applications/@me", self._get_application),
            r("GET", "/applications/@me", self._get_application),
            r("GET", "/gateway", self._get_gateway, auth=False),
            r("GET", "/gateway/bot", self._get_gateway_bot),
            # commands
            r("GET", "/applications/{application_id}/commands", self._get_commands),
            r(
                "PUT",
                "/applications/{application_id}/commands",
                self._put_commands,
                limits=self._limits_commands,
            ),
            r(
                "POST",
                "/applications/{application_id}/commands",
                self._post_command,
                limits=self._limits_one_command,
            ),
            r("GET", "/applications/{application_id}/commands/{command_id}", self._get_command),
            r("PATCH", "/applications/{application_id}/commands/{command_id}", self._patch_command),
            r(
                "DELETE",
                "/applications/{application_id}/commands/{command_id}",
                self._delete_command,
            ),
            r(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
            ),
            r(
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
                limits=self._limits_commands,
            ),
            r(
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._post_command,
                limits=self._limits_one_command,
            ),
            r(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._get_command,
            ),
            r(
                "PATCH",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._patch_command,
            ),
            r(
                "DELETE",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self._delete_command,
            ),
            # interactions
            r(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._callback,
                auth=False,
                precheck=self._precheck_callback,
                limits=self._limits_callback,
            ),
            r(
                "POST",
                "/webhooks/{webhook_id}/{webhook_token}",
                self._execute_webhook,
                auth=False,
                precheck=self._precheck_webhook,
                limits=msg_limits_create,
            ),
            r(
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
            ),
            r(
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
                limits=msg_limits_edit,
            ),
            r(
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
            ),
            # channels
            r("GET", "/channels/{channel_id}", self._get_channel, precheck=self._precheck_channel),
            r(
                "POST",
                "/channels/{channel_id}/typing",
                self._typing,
                precheck=self._precheck_channel,
            ),
            r(
                "GET",
                "/channels/{channel_id}/messages",
                self._history,
                precheck=self._precheck_channel,
            ),
            r(
                "POST",
                "/channels/{channel_id}/messages",
                self._create_message,
                precheck=self._precheck_send,
                limits=msg_limits_create,
            ),
            r(
                "GET",
                "/channels/{channel_id}/messages/{message_id}",
                self._get_message,
                precheck=self._precheck_channel,
            ),
            r(
                "PATCH",
                "/channels/{channel_id}/messages/{message_id}",
                self._edit_message,
                precheck=self._precheck_channel,
                limits=msg_limits_edit,
            ),
            r(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                self._delete_message,
                precheck=self._precheck_channel,
            ),
            r(
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                self._thread_from_message,
                precheck=self._precheck_channel,
                limits=self._limits_thread,
            ),
            r(
                "POST",
                "/channels/{channel_id}/threads",
                self._thread_without_message,
                precheck=self._precheck_channel,
                limits=self._limits_thread,
            ),
            r(
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._reaction,
                precheck=self._precheck_channel,
            ),
            r(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._reaction,
                precheck=self._precheck_channel,
            ),
            # guilds
            r("GET", "/guilds/{guild_id}", self._get_guild),
            r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            r("GET", "/guilds/{guild_id}/roles", self._get_roles),
            r("GET", "/guilds/{guild_id}/members", self._list_members),
            r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            r("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            r("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
        ]

    # -- users & application -----------------------------------------------------------------

    async def _get_me(self, ctx: Ctx) -> Reply:
        return 200, self.bot_user.private_payload()

    async def _get_user(self, ctx: Ctx) -> Reply:
        user = self.world.users.get(ctx.params["user_id"])
        if user is None:
            raise unknown("User", 10013)
        return 200, user.payload()

    async def _create_dm(self, ctx: Ctx) -> Reply:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        user = self.world.users.get(str(body.get("recipient_id")))
        if user is None:
            raise unknown("User", 10013)
        return 200, self.world.dm_channel(user).payload()

    async def _get_application(self, ctx: Ctx) -> Reply:
        owner = self.world.owner_user
        return 200, {
            "id": self.application_id,
            "name": self.world.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._application_flags(),
            "flags_new": str(self._application_flags()),
            "owner": owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "event_webhooks_url": None,
            "event_webhooks_status": 1,
            "approximate_guild_count": len(self.world.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "integration_types_config": {"0": {}},
            "rpc_origins": [],
            "tags": [],
        }

    async def _get_gateway(self, ctx: Ctx) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, ctx: Ctx) -> Reply:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    # -- commands ------------------------------------------------------------------------------

    def _command_scope(self, ctx: Ctx) -> str | None:
        if ctx.params["application_id"] != self.application_id:
            raise missing_access()
        gid = ctx.params.get("guild_id")
        if gid is not None and gid not in self.world.guilds:
            raise missing_access()
        return gid

    def _limits_commands(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        return limits.check_commands(errors, ctx.body)

    def _limits_one_command(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        inner = ErrorCollector()
        limits.check_commands(inner, [ctx.body])
        for path, code, message in inner.items:
            errors.add(path[1:], code, message)
        return None

    def _store_commands(self, scope: str | None, payload: list[JsonDict]) -> list[JsonDict]:
        existing = {(c["name"], c.get("type", 1)): c for c in self.commands.get(scope, [])}
        stored: list[JsonDict] = []
        for cmd in payload:
            kind = cmd.get("type", 1)
            old = existing.get((cmd["name"], kind))
            full: JsonDict = {
                "id": old["id"] if old else self.world.snowflakes.next(),
                "application_id": self.application_id,
                "version": "",
                "default_member_permissions": cmd.get("default_member_permissions"),
                "type": kind,
                "name": cmd["name"],
                "name_localizations": cmd.get("name_localizations"),
                "description": cmd.get("description", ""),
                "description_localizations": cmd.get("description_localizations"),
                "dm_permission": cmd.get("dm_permission", True),
                "contexts": cmd.get("contexts"),
                "integration_types": cmd.get("integration_types") or [0],
                "nsfw": bool(cmd.get("nsfw", False)),
            }
            if cmd.get("options"):
                full["options"] = copy.deepcopy(cmd["options"])
            if scope is not None:
                full["guild_id"] = scope
            if old is not None and {k: v for k, v in old.items() if k != "version"} == {
                k: v for k, v in full.items() if k != "version"
            }:
                full["version"] = old["version"]
            else:
                full["version"] = self.world.snowflakes.next()
            stored.append(full)
        return stored

    async def _get_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        return 200, copy.deepcopy(self.commands.get(scope, []))

    async def _put_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        body = ctx.body if isinstance(ctx.body, list) else []
        self.commands[scope] = self._store_commands(scope, body)
        self.command_puts.append(
            CommandPut(guild_id=scope, payload=copy.deepcopy(body), at=ctx.record.at)
        )
        return 200, copy.deepcopy(self.commands[scope])

    async def _post_command(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        current = [
            c
            for c in self.commands.get(scope, [])
            if (c["name"], c.get("type", 1)) != (body.get("name"), body.get("type", 1))
        ]
        stored = self._store_commands(scope, [body])[0]
        self.commands[scope] = [*current, stored]
        return 201, copy.deepcopy(stored)

    def _command_by_id(self, ctx: Ctx) -> tuple[str | None, JsonDict]:
        scope = self._command_scope(ctx)
        for cmd in self.commands.get(scope, []):
            if cmd["id"] == ctx.params["command_id"]:
                return scope, cmd
        raise unknown("application command", 10063)

    async def _get_command(self, ctx: Ctx) -> Reply:
        _, cmd = self._command_by_id(ctx)
        return 200, copy.deepcopy(cmd)

    async def _patch_command(self, ctx: Ctx) -> Reply:
        scope, cmd = self._command_by_id(ctx)
        merged = {**cmd, **(ctx.body if isinstance(ctx.body, dict) else {})}
        stored = self._store_commands(scope, [merged])[0]
        stored["id"] = cmd["id"]
        self.commands[scope] = [stored if c is cmd else c for c in self.commands[scope]]
        return 200, copy.deepcopy(stored)

    async def _delete_command(self, ctx: Ctx) -> Reply:
        scope, cmd = self._command_by_id(ctx)
        self.commands[scope] = [c for c in self.commands[scope] if c is not cmd]
        return 204, None

    # -- channels ------------------------------------------------------------------------------

    def _bot_member(self, guild: FakeGuild) -> FakeMember:
        return guild.members[self.bot_user.id]

    def bot_permissions(self, channel: FakeChannel) -> int:
        """The bot's permissions in ``channel`` (all of them in DMs)."""
        if channel.guild is None:
            return Permissions.ALL
        return channel.guild.channel_permissions(self._bot_member(channel.guild), channel)

    def _require(self, channel: FakeChannel, *perms: int) -> None:
        if not self.enforce_permissions:
            return
        have = self.bot_permissions(channel)
        if not have & Permissions.VIEW_CHANNEL:
            raise missing_access()
        for perm in perms:
            if not have & perm:
                raise missing_permissions()

    async def _precheck_channel(self, ctx: Ctx) -> None:
        channel = self.world.channels.get(ctx.params["channel_id"])
        if channel is None:
            raise unknown("Channel", 10003)
        ctx.channel = channel
        self._require(channel)

    async def _precheck_send(self, ctx: Ctx) -> None:
        await self._precheck_channel(ctx)
        assert ctx.channel is not None
        if ctx.channel.type in (ChannelType.GUILD_CATEGORY, ChannelType.GUILD_FORUM):
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        send = (
            Permissions.SEND_MESSAGES_IN_THREADS
            if ctx.channel.is_thread
            else Permissions.SEND_MESSAGES
        )
        self._require(ctx.channel, send)
        if ctx.files:
            self._require(ctx.channel, Permissions.ATTACH_FILES)
        if ctx.channel.is_thread and (ctx.channel.archived or ctx.channel.locked):
            raise DiscordError(400, 50083, "Thread is archived")

    def _message_in(self, channel: FakeChannel, message_id: str) -> FakeMessage:
        for message in self.messages[channel.id]:
            if message.id == message_id and not message.deleted and not message.ephemeral:
                return message
        raise unknown("Message", 10008)

    async def _get_channel(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        return 200, ctx.channel.payload()

    async def _typing(self, ctx: Ctx) -> Reply:
        return 204, None

    async def _history(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._require(ctx.channel, Permissions.READ_MESSAGE_HISTORY)
        msgs = [m for m in self.messages[ctx.channel.id] if not m.deleted and not m.ephemeral]
        limit = max(1, min(100, int(ctx.query.get("limit", "50"))))
        if "before" in ctx.query:
            msgs = [m for m in msgs if int(m.id) < int(ctx.query["before"])]
        if "after" in ctx.query:
            msgs = [m for m in msgs if int(m.id) > int(ctx.query["after"])]
            msgs = msgs[:limit]
        elif "around" in ctx.query:
            pivot = int(ctx.query["around"])
            older = [m for m in msgs if int(m.id) <= pivot][-(limit // 2 + 1) :]
            newer = [m for m in msgs if int(m.id) > pivot][: limit - len(older)]
            msgs = older + newer
        else:
            msgs = msgs[-limit:]
        return 200, [m.payload(self.world) for m in reversed(msgs)]

    def _limits_message_create(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_message(errors, ctx.body or {}, creating=True, file_count=len(ctx.files))
        return None

    def _limits_message_edit(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_message(errors, ctx.body or {}, creating=False)
        return None

    def _attachments_from(
        self,
        channel: FakeChannel,
        body: JsonDict,
        files: list[FormPart],
        existing: list[FakeAttachment],
    ) -> list[FakeAttachment]:
        by_name = {p.name: p for p in files}
        used: set[str] = set()
        result: list[FakeAttachment] = []
        described = body.get("attachments")
        entries = described if isinstance(described, list) else []
        old = {a.id: a for a in existing}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            key = str(entry.get("id"))
            if key in old:
                result.append(old[key])
                continue
            part = by_name.get(f"files[{key}]")
            if part is None:
                continue
            used.add(part.name)
            result.append(
                self._new_attachment(channel, part, entry.get("filename"), entry.get("description"))
            )
        for part in files:
            if part.name not in used:
                result.append(self._new_attachment(channel, part, None, None))
        return result

    def _new_attachment(
        self, channel: FakeChannel, part: FormPart, filename: Any, description: Any
    ) -> FakeAttachment:
        aid = self.world.snowflakes.next()
        name = filename if isinstance(filename, str) else (part.filename or "file")
        attachment = FakeAttachment(
            id=aid,
            filename=name,
            data=part.data,
            url=f"{self.base_url}/attachments/{channel.id}/{aid}/{name}",
            content_type=part.content_type
            if part.content_type and part.content_type != "application/octet-stream"
            else None,
            description=description if isinstance(description, str) else None,
        )
        self._register_attachment(attachment)
        return attachment

    def _new_message(
        self,
        channel: FakeChannel,
        body: JsonDict,
        files: list[FormPart],
        *,
        author: FakeUser | None = None,
        flag_mask: int = SEND_FLAGS,
        extra_flags: int = 0,
        handle: InteractionHandle | None = None,
    ) -> FakeMessage:
        message = FakeMessage(
            id=self.world.snowflakes.next(),
            channel=channel,
            author=author or self.bot_user,
            content=str(body.get("content") or ""),
            embeds=copy.deepcopy(body.get("embeds") or []),
            components=assign_component_ids(body.get("components") or []),
            allowed_mentions=copy.deepcopy(body.get("allowed_mentions")),
            flags=((body.get("flags") or 0) & flag_mask) | extra_flags,
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
        )
        message.attachments = self._attachments_from(channel, body, files, [])
        message.history.append(copy.deepcopy(body))
        if handle is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
            message.interaction_metadata = self._interaction_metadata(
                handle, followup=handle.callback is not None
            )
            if handle.type == InteractionType.APPLICATION_COMMAND:
                message.type = 20 if handle.data.get("type", 1) == 1 else 23
        self.messages.add(message)
        if not message.ephemeral:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
                channel.total_message_sent += 1
        return message

    def _interaction_metadata(self, handle: InteractionHandle, *, followup: bool) -> JsonDict:
        meta: JsonDict = {
            "id": handle.id,
            "type": handle.type,
            "user": handle.user.payload(),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if handle.type == InteractionType.APPLICATION_COMMAND:
            meta["name"] = handle.data.get("name")
            meta["command_type"] = handle.data.get("type", 1)
            target = handle.data.get("target_id")
            if handle.data.get("type") == 2 and target in self.world.users:
                meta["target_user"] = self.world.users[target].payload()
            elif handle.data.get("type") == 3 and target is not None:
                meta["target_message_id"] = target
        if handle.type == InteractionType.MESSAGE_COMPONENT and handle.source_message is not None:
            meta["interacted_message_id"] = handle.source_message.id
        if handle.type == InteractionType.MODAL_SUBMIT and handle.opener is not None:
            meta["triggering_interaction_metadata"] = self._interaction_metadata(
                handle.opener, followup=False
            )
        if followup and handle.original is not None:
            meta["original_response_message_id"] = handle.original.id
        return meta

    def _apply_edit(
        self, message: FakeMessage, body: JsonDict, files: list[FormPart], *, flag_mask: int
    ) -> None:
        if "content" in body:
            message.content = str(body["content"] or "")
        if "embeds" in body:
            message.embeds = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            message.components = assign_component_ids(body["components"] or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = copy.deepcopy(body["allowed_mentions"])
        if body.get("flags") is not None:
            keep = message.flags & ~flag_mask
            message.flags = keep | (int(body["flags"]) & flag_mask)
        if "attachments" in body or files:
            message.attachments = self._attachments_from(
                message.channel, body, files, message.attachments
            )
        if message.loading:
            message.flags &= ~MessageFlags.LOADING
        else:
            message.edited_at = utcnow()
        message.history.append(copy.deepcopy(body))

    async def _dispatch_message(self, event: str, message: FakeMessage) -> None:
        if message.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            data: JsonDict = {"id": message.id, "channel_id": message.channel.id}
        else:
            data = message.payload(self.world)
        guild = message.channel.guild
        if guild is not None:
            data["guild_id"] = guild.id
            if event != "MESSAGE_DELETE" and message.author.id in guild.members:
                data["member"] = guild.members[message.author.id].payload(with_user=False)
        await self.gateway.dispatch(event, data, guild_event=guild is not None)

    async def _create_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        reference = body.get("message_reference")
        referenced: FakeMessage | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            ref_channel = self.world.channels.get(
                str(reference.get("channel_id") or ctx.channel.id)
            )
            try:
                if ref_channel is None:
                    raise unknown("Message", 10008)
                referenced = self._message_in(ref_channel, str(reference["message_id"]))
            except DiscordError:
                if reference.get("fail_if_not_exists", True):
                    errors = ErrorCollector()
                    errors.add(
                        ("message_reference",),
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
                    self._reject(
                        ctx,
                        "discord",
                        DiscordError(400, 50035, "Invalid Form Body", errors=errors.to_errors()),
                    )
        message = self._new_message(ctx.channel, body, ctx.files)
        if referenced is not None:
            message.referenced = referenced
            message.type = 19
        await self._dispatch_message("MESSAGE_CREATE", message)
        return 200, message.payload(self.world)

    async def _get_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._require(ctx.channel, Permissions.READ_MESSAGE_HISTORY)
        return 200, self._message_in(ctx.channel, ctx.params["message_id"]).payload(self.world)

    async def _edit_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        if message.author is not self.bot_user:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_edit(message, body, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS)
        await self._dispatch_message("MESSAGE_UPDATE", message)
        return 200, message.payload(self.world)

    async def _delete_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        if message.author is not self.bot_user:
            self._require(ctx.channel, Permissions.MANAGE_MESSAGES)
        message.deleted = True
        await self._dispatch_message("MESSAGE_DELETE", message)
        return 204, None

    def _limits_thread(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_thread(errors, ctx.body)
        return None

    def _new_thread(
        self, parent: FakeChannel, body: JsonDict, *, thread_id: str, kind: int
    ) -> FakeChannel:
        guild = parent.guild
        assert guild is not None
        thread = FakeChannel(
            id=thread_id,
            type=kind,
            name=str(body.get("name")),
            guild=guild,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        guild.channels.append(thread)
        self.world.channels[thread.id] = thread
        return thread

    def _thread_payload(self, thread: FakeChannel) -> JsonDict:
        data = thread.payload()
        data["member"] = {
            "id": thread.id,
            "user_id": self.bot_user.id,
            "join_timestamp": iso(thread.created_at),
            "flags": 1,
        }
        return data

    async def _announce_thread(self, thread: FakeChannel) -> None:
        data = self._thread_payload(thread)
        data["newly_created"] = True
        await self.gateway.dispatch("THREAD_CREATE", data)

    def _check_thread_parent(self, channel: FakeChannel) -> None:
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")

    async def _thread_from_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._check_thread_parent(ctx.channel)
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        self._require(ctx.channel, Permissions.CREATE_PUBLIC_THREADS)
        if message.thread is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if ctx.channel.type == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        body = ctx.body if isinstance(ctx.body, dict) else {}
        thread = self._new_thread(ctx.channel, body, thread_id=message.id, kind=kind)
        message.thread = thread
        await self._announce_thread(thread)
        return 201, self._thread_payload(thread)

    async def _thread_without_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._check_thread_parent(ctx.channel)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        needed = (
            Permissions.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else Permissions.CREATE_PUBLIC_THREADS
        )
        self._require(ctx.channel, needed)
        thread = self._new_thread(
            ctx.channel, body, thread_id=self.world.snowflakes.next(), kind=kind
        )
        await self._announce_thread(thread)
        return 201, self._thread_payload(thread)

    async def _reaction(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._message_in(ctx.channel, ctx.params["message_id"])
        if ctx.record.method == "PUT":
            self._require(ctx.channel, Permissions.ADD_REACTIONS, Permissions.READ_MESSAGE_HISTORY)
        self.reactions.append(
            (ctx.record.method, ctx.channel.id, ctx.params["message_id"], ctx.params["emoji"])
        )
        return 204, None

    # -- guilds --------------------------------------------------------------------------------

    def _guild(self, ctx: Ctx) -> FakeGuild:
        guild = self.world.guilds.get(ctx.params["guild_id"])
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    async def _get_guild(self, ctx: Ctx) -> Reply:
        return 200, self.guild_payload(self._guild(ctx))

    async def _get_guild_channels(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        return 200, [c.payload() for c in guild.channels if not c.is_thread]

    async def _get_roles(self, ctx: Ctx) -> Reply:
        return 200, [r.payload() for r in self._guild(ctx).roles]

    async def _list_members(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        if not self.allowed_privileged_intents & Intents.GUILD_MEMBERS:
            raise missing_access()
        after = int(ctx.query.get("after", "0"))
        limit = max(1, min(1000, int(ctx.query.get("limit", "1"))))
        members = sorted(guild.members.values(), key=lambda m: int(m.user.id))
        return 200, [m.payload() for m in members if int(m.user.id) > after][:limit]

    async def _get_member(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        member = guild.members.get(ctx.params["user_id"])
        if member is None:
            raise unknown("Member", 10007)
        return 200, member.payload()

    async def _member_role(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        member = guild.members.get(ctx.params["user_id"])
        if member is None:
            raise unknown("Member", 10007)
        role = next((r for r in guild.roles if r.id == ctx.params["role_id"]), None)
        if role is None:
            raise unknown("Role", 10011)
        bot = self._bot_member(guild)
        if self.enforce_permissions:
            if not guild.base_permissions(bot) & Permissions.MANAGE_ROLES:
                raise missing_permissions()
            top = max((r.position for r in bot.roles), default=0)
            if role.position >= top and guild.owner.id != bot.user.id:
                raise missing_permissions()
        if ctx.record.method == "PUT" and role not in member.roles:
            member.roles.append(role)
        elif ctx.record.method == "DELETE" and role in member.roles:
            member.roles.remove(role)
        data = member.payload()
        data["guild_id"] = guild.id
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data)
        return 204, None

    # -- interactions: callbacks and webhooks --------------------------------------------------

    async def _precheck_callback(self, ctx: Ctx) -> None:
        handle = self.interactions.get(ctx.params["interaction_id"])
        if handle is None or handle.token != ctx.params["interaction_token"]:
            raise unknown("interaction", 10062)
        ctx.handle = handle
        body = ctx.body if isinstance(ctx.body, dict) else {}
        now = asyncio.get_running_loop().time()

        def record_attempt(error: DiscordError) -> None:
            handle.attempts.append(
                Callback(
                    type=body.get("type"),
                    data=body.get("data"),
                    status=error.status,
                    error=error.body(),
                    at=now,
                )
            )
            self._bump()

        ctx.on_error.append(record_attempt)
        if handle.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if now - handle.created_at > self.interaction_deadline:
            raise unknown("interaction", 10062)

    def _limits_callback(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        assert ctx.handle is not None
        limits.check_callback(errors, ctx.body, ctx.handle.type, len(ctx.files))
        return None

    async def _callback(self, ctx: Ctx) -> Reply:
        handle = ctx.handle
        assert handle is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        kind = int(body["type"])
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        callback = Callback(
            type=kind,
            data=copy.deepcopy(data),
            status=200,
            at=asyncio.get_running_loop().time(),
        )
        created: FakeMessage | None = None
        updated: FakeMessage | None = None
        if kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            created = self._new_message(
                handle.channel, data or {}, ctx.files, flag_mask=INTERACTION_FLAGS, handle=handle
            )
            handle.original = created
        elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = (data or {}).get("flags") or 0
            created = self._new_message(
                handle.channel,
                {},
                [],
                flag_mask=0,
                extra_flags=MessageFlags.LOADING | (flags & MessageFlags.EPHEMERAL),
                handle=handle,
            )
            handle.original = created
            handle.deferred_followup_pending = True
        elif kind in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            target = handle.source_message
            if target is None:
                raise DiscordError(400, 40094, "This interaction has no message to update")
            handle.original = target
            if kind == CallbackType.UPDATE_MESSAGE:
                self._apply_edit(
                    target, data or {}, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS
                )
                updated = target
        elif kind == CallbackType.MODAL:
            assert data is not None
            modal = copy.deepcopy(data)
            modal["components"] = assign_component_ids(modal.get("components") or [])
            handle.modal = modal
        callback.message = created or updated
        callback.files = list(created.attachments if created else [])
        handle.callback = callback
        handle.attempts.append(callback)
        if created is not None:
            await self._dispatch_message("MESSAGE_CREATE", created)
        if updated is not None:
            await self._dispatch_message("MESSAGE_UPDATE", updated)
        self._bump()
        if ctx.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        message = created or updated
        interaction: JsonDict = {"id": handle.id, "type": handle.type}
        if message is not None:
            interaction["response_message_id"] = message.id
            interaction["response_message_loading"] = message.loading
            interaction["response_message_ephemeral"] = message.ephemeral
        reply: JsonDict = {"interaction": interaction}
        if kind in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
            # Discord: resource.message only for CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE
            assert message is not None
            reply["resource"] = {"type": kind, "message": message.payload(self.world)}
        return 200, reply

    async def _precheck_webhook(self, ctx: Ctx) -> None:
        if ctx.params["webhook_id"] != self.application_id:
            raise unknown("Webhook", 10015)
        handle = next(
            (h for h in self.interactions.values() if h.token == ctx.params["webhook_token"]), None
        )
        if handle is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        now = asyncio.get_running_loop().time()
        if now - handle.created_at > self.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if handle.callback is None:
            raise unknown("Webhook", 10015)
        ctx.handle = handle
        ctx.channel = handle.channel

    def _webhook_message(self, ctx: Ctx) -> FakeMessage:
        handle = ctx.handle
        assert handle is not None
        mid = ctx.params["message_id"]
        if mid == "@original":
            message = handle.original
        else:
            candidates = [*handle.followups]
            if handle.original is not None:
                candidates.append(handle.original)
            message = next((m for m in candidates if m.id == mid), None)
        if message is None or message.deleted:
            raise unknown("Message", 10008)
        return message

    async def _execute_webhook(self, ctx: Ctx) -> Reply:
        handle = ctx.handle
        assert handle is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        original = handle.original
        if handle.deferred_followup_pending and original is not None and original.loading:
            # The first followup after a deferred response replaces the 'thinking' message
            # and keeps the ephemerality chosen when deferring.
            handle.deferred_followup_pending = False
            self._apply_edit(original, body, ctx.files, flag_mask=SEND_FLAGS)
            message = original
            await self._dispatch_message("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(
                handle.channel, body, ctx.files, flag_mask=INTERACTION_FLAGS, handle=handle
            )
            await self._dispatch_message("MESSAGE_CREATE", message)
        handle.followups.append(message)
        self._bump()
        if ctx.query.get("wait") not in ("1", "true", "True"):
            return 204, None
        return 200, message.payload(self.world)

    async def _get_webhook_message(self, ctx: Ctx) -> Reply:
        return 200, self._webhook_message(ctx).payload(self.world)

    async def _edit_webhook_message(self, ctx: Ctx) -> Reply:
        message = self._webhook_message(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        assert ctx.handle is not None
        if message is ctx.handle.original:
            ctx.handle.deferred_followup_pending = False
        self._apply_edit(message, body, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS)
        await self._dispatch_message("MESSAGE_UPDATE", message)
        return 200, message.payload(self.world)

    async def _delete_webhook_message(self, ctx: Ctx) -> Reply:
        message = self._webhook_message(ctx)
        message.deleted = True
        await self._dispatch_message("MESSAGE_DELETE", message)
        return 204, None

    # ------------------------------------------------------------------------------------------
    # sending interactions
    # ------------------------------------------------------------------------------------------

    def _where(
        self, channel: object | None, guild: FakeGuild | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        if channel is not None:
            target = self.channel(channel)
            return target, target.guild
        scope = guild or self.guild
        if scope is None:
            raise ValueError("no guild: pass channel=")
        text = [c for c in scope.channels if c.type == ChannelType.GUILD_TEXT]
        if not text:
            raise ValueError(f"guild {scope.name!r} has no text channel")
        return text[0], scope

    def _interaction_payload(
        self,
        kind: int,
        data: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
        locale: str,
        message: FakeMessage | None = None,
    ) -> tuple[JsonDict, FakeUser]:
        actor = self.world.user(user) if user is not None else self.default_user
        payload: JsonDict = {
            "id": self.world.snowflakes.next(),
            "application_id": self.application_id,
            "type": kind,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96),
            "version": 1,
            "data": data,
            "channel_id": channel.id,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if guild is not None:
            if actor.id not in guild.members:
                raise KeyError(f"{actor.username!r} is not a member of guild {guild.name!r}")
            member = guild.members[actor.id]
            perms = (
                guild.channel_permissions(member, channel) if permissions is None else permissions
            )
            member_data = member.payload()
            member_data["permissions"] = str(perms)
            payload.update(
                {
                    "guild_id": guild.id,
                    "guild": {"id": guild.id, "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": member_data,
                    "app_permissions": str(self.bot_permissions(channel)),
                    "authorizing_integration_owners": {"0": guild.id},
                    "context": 0,
                }
            )
            channel_data = channel.payload()
            channel_data["permissions"] = str(perms)
        else:
            payload.update(
                {
                    "user": actor.payload(),
                    "app_permissions": str(Permissions.ALL),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
            channel_data = channel.payload()
        payload["channel"] = channel_data
        if message is not None:
            payload["message"] = message.payload(self.world)
        return payload, actor

    async def _send_interaction(
        self,
        kind: int,
        data: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
        locale: str,
        message: FakeMessage | None = None,
        opener: InteractionHandle | None = None,
    ) -> InteractionHandle:
        if not self.gateway.live_sessions:
            raise RuntimeError("no bot is connected to the fake gateway")
        payload, actor = self._interaction_payload(
            kind,
            data,
            user=user,
            channel=channel,
            guild=guild,
            permissions=permissions,
            locale=locale,
            message=message,
        )
        handle = InteractionHandle(
            self,
            id=payload["id"],
            token=payload["token"],
            type=kind,
            payload=payload,
            user=actor,
            channel=channel,
            guild=guild,
            source_message=message,
            created_at=asyncio.get_running_loop().time(),
        )
        handle.opener = opener
        self.interactions[handle.id] = handle
        await self.gateway.dispatch("INTERACTION_CREATE", payload, force=True)
        return handle

    def _command_target(
        self,
        name: str,
        subcommand: str | None,
        guild: FakeGuild | None,
    ) -> tuple[JsonDict, str | None, list[str], list[JsonDict]]:
        words = name.split() + (subcommand.split() if subcommand else [])
        root, path = words[0], words[1:]
        command, scope = self.find_command(root, guild=guild.id if guild else None)
        specs: list[JsonDict] = list(command.get("options") or [])
        for word in path:
            nxt = next(
                (
                    o
                    for o in specs
                    if o["name"] == word
                    and o["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
                ),
                None,
            )
            if nxt is None:
                raise LookupError(f"/{' '.join(words)}: no subcommand {word!r}")
            specs = list(nxt.get("options") or [])
        if any(o["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP) for o in specs):
            subs = [o["name"] for o in specs]
            raise LookupError(f"/{' '.join(words)} needs a subcommand: one of {subs}")
        return command, scope, path, specs

    @staticmethod
    def _nest(command: JsonDict, path: list[str], leaf: list[JsonDict]) -> list[JsonDict]:
        options = leaf
        specs: list[JsonDict] = list(command.get("options") or [])
        chain: list[JsonDict] = []
        for word in path:
            spec = next(o for o in specs if o["name"] == word)
            chain.append(spec)
            specs = list(spec.get("options") or [])
        for spec in reversed(chain):
            options = [{"name": spec["name"], "type": spec["type"], "options": options}]
        return options

    def _check_can_use(
        self,
        command: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
    ) -> None:
        """What Discord's client enforces before a user can run a command."""
        contexts = command.get("contexts")
        if guild is not None:
            if contexts is not None and 0 not in contexts:
                raise PermissionError(f"/{command['name']} is not available in guilds")
            needed = command.get("default_member_permissions")
            if needed not in (None, ""):
                actor = self.world.user(user) if user is not None else self.default_user
                member = guild.member(actor)
                have = (
                    guild.channel_permissions(member, channel)
                    if permissions is None
                    else permissions
                )
                if int(needed) & ~have:
                    raise PermissionError(
                        f"{actor.username} lacks default_member_permissions {needed} for "
                        f"/{command['name']} (pass force=True to simulate an override)"
                    )
        elif command.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise PermissionError(f"/{command['name']} is not available in DMs")

    async def slash(
        self,
        name: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        guild: FakeGuild | None = None,
        channel: object | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
        force: bool = False,
    ) -> InteractionHandle:
        """Invoke a synced chat-input command, as a user typing ``/name sub opt:value``.

        ``name`` may include subcommands (``"settings tz set"``) or pass ``subcommand=``.
        Option values: str/int/bool/float, FakeUser/FakeMember (users), FakeRole, FakeChannel
        or channel name, FakeAttachment. Types and choices are checked against the synced
        definition. ``force`` skips the client-side permission/context checks.
        """
        where, scope_guild = self._where(channel, guild)
        command, scope, path, specs = self._command_target(name, subcommand, scope_guild)
        if not force:
            self._check_can_use(
                command, user=user, channel=where, guild=scope_guild, permissions=permissions
            )
        builder = OptionBuilder(self, scope_guild, autocomplete=False)
        leaf = builder.options(specs, options or {}, where=f"/{name}")
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._nest(command, path, leaf),
        }
        resolved = builder.resolved_payload()
        if resolved is not None:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = scope
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user=user,
            channel=where,
            guild=scope_guild,
            permissions=permissions,
            locale=locale,
        )

    async def autocomplete_interaction(
        self,
        name: str,
        focused_option: str,
        value: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        guild: FakeGuild | None = None,
        channel: object | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Send an autocomplete interaction (type 4) and return its handle."""
        where, scope_guild = self._where(channel, guild)
        command, scope, path, specs = self._command_target(name, subcommand, scope_guild)
        spec = next((s for s in specs if s["name"] == focused_option), None)
        if spec is None or not spec.get("autocomplete"):
            raise ValueError(f"/{name}: option {focused_option!r} has no autocomplete")
        values = dict(options or {})
        values[focused_option] = value
        builder = OptionBuilder(self, scope_guild, autocomplete=True)
        leaf = builder.options(specs, values, focused=focused_option, where=f"/{name}")
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._nest(command, path, leaf),
        }
        if scope is not None:
            data["guild_id"] = scope
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
            data,
            user=user,
            channel=where,
            guild=scope_guild,
            permissions=None,
            locale=locale,
        )

    async def autocomplete(
        self,
        name: str,
        focused_option: str,
        value: str,
        options: Mapping[str, object] | None = None,
        *,
        subcommand: str | None = None,
        user: FakeUser | FakeMember | str | None = None,
        channel: object | None = None,
        timeout: float = 3.0,
    ) -> list[JsonDict]:
        """Type ``value`` into an autocompleted option; return the bot's choices."""
        handle = await self.autocomplete_interaction(
            name, focused_option, value, options, subcommand=subcommand, user=user, channel=channel
        )
        return await handle.choices(timeout)

    async def context_menu(
        self,
        name: str,
        target: FakeUser | FakeMember | FakeMessage,
        *,
        user: FakeUser | FakeMember | str | None = None,
        channel: object | None = None,
        force: bool = False,
    ) -> InteractionHandle:
        """Run a user (target FakeUser/FakeMember) or message (FakeMessage) context menu."""
        if isinstance(target, FakeMessage):
            kind, where = 3, target.channel
            guild = where.guild
            resolved: JsonDict = {"messages": {target.id: target.payload(self.world)}}
            target_id = target.id
        else:
            kind = 2
            where, guild = self._where(channel, None)
            target_user = self.world.user(target)
            builder = OptionBuilder(self, guild, autocomplete=False)
            builder.value({"name": "target", "type": OptionType.USER}, target_user)
            resolved = builder.resolved_payload() or {}
            target_id = target_user.id
        command, scope = self.find_command(name, guild=guild.id if guild else None, type=kind)
        if not force:
            self._check_can_use(command, user=user, channel=where, guild=guild, permissions=None)
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": kind,
            "target_id": target_id,
            "resolved": resolved,
        }
        if scope is not None:
            data["guild_id"] = scope
        return await self._send_interaction(
            InteractionType.APPLICATION_COMMAND,
            data,
            user=user,
            channel=where,
            guild=guild,
            permissions=None,
            locale="en-US",
        )

    def message_by_id(self, message_id: object) -> FakeMessage:
        """Find any stored message by id."""
        mid = sid(message_id)
        for message in self.messages.all():
            if message.id == mid:
                return message
        raise KeyError(f"no message {mid}")

    def _resolve_message(self, message: object) -> FakeMessage:
        if isinstance(message, FakeMessage):
            return message
        if isinstance(message, InteractionHandle):
            if message.original is None:
                raise ValueError(f"{message!r} has no message yet")
            return message.original
        return self.message_by_id(message)

    def _component_user(
        self, message: FakeMessage, user: FakeUser | FakeMember | str | None
    ) -> FakeUser | FakeMember | str | None:
        if message.ephemeral and message.interaction_metadata is not None:
            owner = str(message.interaction_metadata["user"]["id"])
            if user is None:
                return owner
            if self.world.user(user).id != owner:
                raise PermissionError("only the interaction's user can see an ephemeral message")
        return user

    async def click(
        self,
        message: object,
        custom_id: str,
        *,
        user: FakeUser | FakeMember | str | None = None,
        permissions: int | None = None,
    ) -> InteractionHandle:
        """Click the button ``custom_id`` on ``message`` (FakeMessage, handle, or id)."""
        target = self._resolve_message(message)
        comp = target.find_component(custom_id)
        if comp is None:
            raise LookupError(
                f"message {target.id} has no component {custom_id!r}: {target.custom_ids}"
            )
        if comp.get("type") != ComponentType.BUTTON:
            raise ValueError(f"{custom_id!r} is not a button (type {comp.get('type')})")
        if comp.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        actor = self._component_user(target, user)
        return await self._send_interaction(
            InteractionType.MESSAGE_COMPONENT,
            {"custom_id": custom_id, "component_type": ComponentType.BUTTON},
            user=actor,
            channel=target.channel,
            guild=target.channel.guild,
            permissions=permissions,
            locale="en-US",
            message=target,
        )

    async def select(
        self,
        message: object,
        custom_id: str,
        values: list[Any],
        *,
        user: FakeUser | FakeMember | str | None = None,
        permissions: int | None = None,
    ) -> InteractionHandle:
        """Choose ``values`` in the select menu ``custom_id`` on ``message``.

        String selects take option values; user/role/channel/mentionable selects take
        FakeUser/FakeRole/FakeChannel objects (or ids), which are sent with ``resolved``.
        """
        target = self._resolve_message(message)
        comp = target.find_component(custom_id)
        if comp is None:
            raise LookupError(
                f"message {target.id} has no component {custom_id!r}: {target.custom_ids}"
            )
        kind = comp.get("type")
        if kind not in ComponentType.SELECTS:
            raise ValueError(f"{custom_id!r} is not a select menu (type {kind})")
        if comp.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        guild = target.channel.guild
        data: JsonDict = {"custom_id": custom_id, "component_type": kind}
        if kind == ComponentType.STRING_SELECT:
            allowed = [o.get("value") for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"select {custom_id!r} has no option(s) {bad}; options: {allowed}")
            data["values"] = list(values)
        else:
            builder = OptionBuilder(self, guild, autocomplete=False)
            wire: list[str] = []
            for value in values:
                if kind == ComponentType.USER_SELECT:
                    spec_type = OptionType.USER
                elif kind == ComponentType.ROLE_SELECT:
                    spec_type = OptionType.ROLE
                elif kind == ComponentType.CHANNEL_SELECT:
                    spec_type = OptionType.CHANNEL
                else:
                    spec_type = OptionType.MENTIONABLE
                spec: JsonDict = {"name": custom_id, "type": spec_type}
                if kind == ComponentType.CHANNEL_SELECT and comp.get("channel_types"):
                    spec["channel_types"] = comp["channel_types"]
                wire.append(str(builder.value(spec, value)))
            data["values"] = wire
            data["resolved"] = builder.resolved_payload() or {}
        actor = self._component_user(target, user)
        return await self._send_interaction(
            InteractionType.MESSAGE_COMPONENT,
            data,
            user=actor,
            channel=target.channel,
            guild=guild,
            permissions=permissions,
            locale="en-US",
            message=target,
        )

    def _find_modal(self, source: InteractionHandle | str | None) -> InteractionHandle:
        if isinstance(source, InteractionHandle):
            if source.modal is None:
                raise LookupError(f"{source!r} did not open a modal")
            return source
        opened = [h for h in self.interactions.values() if h.modal is not None]
        if source is not None:
            opened = [
                h for h in opened if h.modal is not None and h.modal.get("custom_id") == source
            ]
        if not opened:
            raise LookupError(f"the bot has not opened a modal {source or ''}".strip())
        return opened[-1]

    async def submit_modal(
        self,
        custom_id: InteractionHandle | str | None,
        values: Mapping[str, str | list[str]] | None = None,
        *,
        user: FakeUser | FakeMember | str | None = None,
    ) -> InteractionHandle:
        """Fill in and submit a modal the bot opened.

        ``custom_id`` is the modal's custom_id, the handle that opened it, or None for the
        most recent modal. ``values`` maps text input (or select) custom_ids to what the
        user typed; required inputs must be given and lengths respect min/max_length.
        The submitted components mirror the modal: action rows stay rows, labels (type 18)
        stay labels, as discord.py 2.7 parses both.
        """
        opener = self._find_modal(custom_id)
        modal = opener.modal
        assert modal is not None
        given = dict(values or {})
        known: set[str] = set()

        def fill(comp: JsonDict) -> JsonDict:
            cid = comp.get("custom_id")
            if not isinstance(cid, str):
                return {"type": comp.get("type"), "id": comp.get("id")}
            known.add(cid)
            if comp.get("type") == ComponentType.TEXT_INPUT:
                value = given.get(cid, comp.get("value") or "")
                if not isinstance(value, str):
                    raise TypeError(f"text input {cid!r} takes a string")
                if comp.get("required", True) and not value:
                    raise ValueError(f"text input {cid!r} is required")
                low, high = comp.get("min_length"), comp.get("max_length")
                if value and low is not None and len(value) < low:
                    raise ValueError(f"text input {cid!r} shorter than {low}")
                if high is not None and len(value) > high:
                    raise ValueError(f"text input {cid!r} longer than {high}")
                return {"type": 4, "id": comp.get("id"), "custom_id": cid, "value": value}
            picked = given.get(cid, [])
            chosen = [picked] if isinstance(picked, str) else list(picked)
            return {
                "type": comp.get("type"),
                "id": comp.get("id"),
                "custom_id": cid,
                "values": chosen,
            }

        components: list[JsonDict] = []
        for top in modal.get("components") or []:
            if top.get("type") == ComponentType.ACTION_ROW:
                components.append(
                    {
                        "type": 1,
                        "id": top.get("id"),
                        "components": [fill(c) for c in top.get("components") or []],
                    }
                )
            elif top.get("type") == ComponentType.LABEL:
                components.append(
                    {"type": 18, "id": top.get("id"), "component": fill(top["component"])}
                )
            else:
                components.append({"type": top.get("type"), "id": top.get("id")})
        extra = set(given) - known
        if extra:
            raise KeyError(f"modal has no input(s) {sorted(extra)}; inputs: {sorted(known)}")
        data: JsonDict = {"custom_id": modal["custom_id"], "components": components}
        return await self._send_interaction(
            InteractionType.MODAL_SUBMIT,
            data,
            user=user or opener.user,
            channel=opener.channel,
            guild=opener.guild,
            permissions=None,
            locale="en-US",
            message=opener.source_message,
            opener=opener,
        )

    async def user_message(
        self,
        channel: object,
        content: str,
        *,
        author: FakeUser | FakeMember | str | None = None,
        reply_to: FakeMessage | None = None,
    ) -> FakeMessage:
        """A user posts ``content`` in ``channel``: stored and sent as MESSAGE_CREATE.

        Without the MESSAGE_CONTENT intent, the bot receives empty content unless it is
        mentioned or in a DM, as on Discord.
        """
        target = self.channel(channel)
        actor = self.world.user(author) if author is not None else self.default_user
        message = FakeMessage(
            id=self.world.snowflakes.next(), channel=target, author=actor, content=content
        )
        message.referenced = reply_to
        if reply_to is not None:
            message.type = 19
        self.messages.add(message)
        target.last_message_id = message.id
        data = message.payload(self.world)
        guild = target.guild
        if guild is not None:
            data["guild_id"] = guild.id
            if actor.id in guild.members:
                data["member"] = guild.members[actor.id].payload(with_user=False)
        mentioned = self.bot_user.mention in content or (
            reply_to is not None and reply_to.author is self.bot_user
        )
        for session in self.gateway.live_sessions:
            if not session.wants("MESSAGE_CREATE", guild_event=guild is not None):
                continue
            visible = dict(data)
            if (
                guild is not None
                and not session.intents & Intents.MESSAGE_CONTENT
                and not mentioned
            ):
                visible.update({"content": "", "embeds": [], "attachments": [], "components": []})
            await self.gateway.dispatch_to(session, "MESSAGE_CREATE", visible)
        self._bump()
        return message
