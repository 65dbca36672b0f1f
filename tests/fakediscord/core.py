"""The fake's core: the aiohttp app, routing, validation and recording, and its state."""

# ruff: noqa: ASYNC109 -- `timeout=` parameters are this harness's public API (handle.response(timeout=...)).

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import BodyPartReader, web

from . import limits
from .common import ErrorCollector, Intents, JsonDict
from .gateway import MAX_GUILDS_PER_SESSION, Gateway, GatewaySession
from .interactions import InteractionHandle, InteractionTimeout
from .models import FakeAttachment, FakeGuild, FakeUser, World
from .openapi import OpenAPISpec, add_problems, load_spec
from .payloads import guild_create_payload, member_chunks
from .ratelimit import GlobalRateLimit
from .recording import (
    CommandPut,
    FailureRule,
    FormPart,
    RecordedRequest,
    Rejection,
    SlowRule,
)
from .rest import (
    API_PREFIX,
    JSON_HEADERS,
    ChannelMessages,
    Ctx,
    DiscordError,
    Reply,
    Route,
    missing_permissions,
    unknown,
)


class ServerCore:
    """State, the HTTP app and request handling; resources add routes."""

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
        max_guilds_per_session: int = MAX_GUILDS_PER_SESSION,
        recommended_shards: int | None = None,
        global_rate: int | None = None,
        global_window: float = 1.0,
    ) -> None:
        self.token = token
        self.global_limit = (
            GlobalRateLimit(global_rate, global_window) if global_rate is not None else None
        )
        """Discord's global limit for the bot token (``global_rate`` requests per
        ``global_window`` seconds; Discord: 50 per 1), or None for no limit (the default)."""
        self.recommended_shards = recommended_shards
        """``GET /gateway/bot``'s ``shards`` (None: one per 1,000 guilds, at least 1)."""
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
        self.slow_rules: list[SlowRule] = []
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
            max_guilds_per_session=max_guilds_per_session,
        )

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

    def _build_routes(self) -> list[Route]:
        """Every REST route: each resource's class adds its own to its bases' routes."""
        return []

    def _register_attachment(self, attachment: FakeAttachment) -> None:
        self._attachments[attachment.id] = attachment

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

    def _ready_payloads(self, session: GatewaySession) -> tuple[JsonDict, list[JsonDict]]:
        """READY and the GUILD_CREATEs for the guilds on ``session``'s shard."""
        guilds = [g for g in self.world.guilds.values() if session.receives(g.id)]
        ready: JsonDict = {
            "v": 10,
            "user": self.bot_user.private_payload(),
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
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
        creates = [guild_create_payload(g, self.bot_user, intents=session.intents) for g in guilds]
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

    def _member_chunks(self, session: GatewaySession, data: JsonDict) -> list[JsonDict]:
        return member_chunks(self.world, data)

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
            if self.global_limit is not None and self.global_limit.applies_to(path):
                self.global_limit.admit(record.at)
            rule = self._take_failure(record)
            slow = next((r for r in self.slow_rules if r.applies(record)), None)
            if rule is not None:
                record.injected = True
                status, body, headers = rule.status, rule.body, rule.headers
            elif slow is not None:
                status, body = await self._serve_slowly(slow, ctx, route)
            else:
                status, body = await self._serve(ctx, route)
        except DiscordError as exc:
            for callback in ctx.on_error:
                callback(exc)
            status, body, headers = exc.status, exc.body(), exc.headers
        record.status = status
        record.response = body
        self._bump()
        return self._respond(status, body, headers)

    async def _serve(self, ctx: Ctx, route: Route) -> Reply:
        """Carry a request out: checks, validation, then its route's handler."""
        self._check_channel_flags(ctx.params)
        if route.precheck is not None:
            await route.precheck(ctx)
        self._check_upload_size(ctx)
        if ctx.record.json is not None or ctx.record.form:
            self._validate(ctx, route)
        return await route.handler(ctx)

    async def _serve_slowly(self, slow: SlowRule, ctx: Ctx, route: Route) -> Reply:
        """One at a time under ``slow``; never for a client that hung up while waiting."""
        async with slow.turn:
            if ctx.request.transport is None:
                ctx.record.abandoned = True
                slow.abandoned.append(ctx.record)
                return 499, None  # nginx's "client closed request"; nobody reads it
            try:
                return await self._serve(ctx, route)
            finally:
                await slow.answer_later(ctx.record, self._bump)

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
