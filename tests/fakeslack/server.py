"""A fake Slack on 127.0.0.1: the Web API the bot calls, response URLs and file uploads.

Like Slack it answers HTTP 200 with ``{"ok": false, "error": ...}`` for a bad token, a
missing scope, an unknown channel, a bot not in the channel, or Block Kit over its
limits (``invalid_blocks``), and records every call (``requests``) and every refusal
(``rejections``). The driver (driver.py) plays the Slack client that sends the bot
signed commands and interactions.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .limits import check_message, check_view
from .socket_mode import APP_TOKEN, SocketModeServer
from .world import BOT_SCOPES, BOT_TOKEN, BOT_USER, TEAM, Message, UploadedFile, World

Params = dict[str, Any]
Method = Callable[[Params], Awaitable[Params]]

SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.info": ("channels:read", "groups:read"),
    "conversations.open": ("im:write",),
    "users.info": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}


class SlackError(Exception):
    """An ``ok: false`` answer."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.extra = error, extra


@dataclass
class Call:
    method: str
    params: Params
    error: str | None = None


@dataclass
class Opened:
    """A modal the bot opened; the driver submits it."""

    id: str
    view: Params
    user: str
    closed: bool = False


@dataclass
class ResponseUrl:
    """Where the bot answers one command or interaction (ephemeral or in the channel)."""

    channel: str
    user: str
    used: int = 0
    source: Message | None = None  # the message whose button or menu was used


@dataclass
class FakeSlackServer:
    """The HTTP side of the fake; FakeSlack (driver.py) adds what tests drive."""

    world: World = field(default_factory=World)
    scopes: set[str] = field(default_factory=lambda: set(BOT_SCOPES))
    requests: list[Call] = field(default_factory=list)
    rejections: list[Call] = field(default_factory=list)
    views: list[Opened] = field(default_factory=list)
    response_urls: dict[str, ResponseUrl] = field(default_factory=dict)
    triggers: set[str] = field(default_factory=set)
    fail_next: dict[str, str] = field(default_factory=dict)  # method -> error, once
    # methods whose next call takes effect but whose answer is lost (HTTP 500), once
    lose_answer: set[str] = field(default_factory=set)
    base: str = ""
    socket_mode: SocketModeServer = field(default_factory=SocketModeServer)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        self.socket_mode.add_routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base_url(self) -> str:
        return f"{self.base}/api/"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def assert_clean(self) -> None:
        """Nothing the bot sent was refused."""
        assert not self.rejections, f"Slack refused: {self.rejections}"

    # ------------------------------------------------------------------ Web API

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Params = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())
        call = Call(method, params)
        self.requests.append(call)
        try:
            self._authorize(method, request, params)
            if method in self.fail_next:
                raise SlackError(self.fail_next.pop(method))
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            if handler is None:
                raise SlackError("unknown_method")
            answer: Params = await handler(params)
            if method in self.lose_answer:
                self.lose_answer.discard(method)
                return web.Response(status=500, text="upstream timed out")
        except SlackError as error:
            call.error = error.error
            self.rejections.append(call)
            return web.json_response({"ok": False, "error": error.error, **error.extra})
        return web.json_response({"ok": True, **answer})

    def _authorize(self, method: str, request: web.Request, params: Params) -> None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header else params.get("token")
        if method == "apps.connections.open":  # the one method for the app-level token
            if token != APP_TOKEN:
                raise SlackError("not_allowed_token_type" if token else "not_authed")
            return
        if token != BOT_TOKEN:
            raise SlackError("invalid_auth" if token else "not_authed")
        needed = SCOPES.get(method, ())
        if needed and not self.scopes.intersection(needed):
            raise SlackError("missing_scope", needed=",".join(needed))

    def _channel(self, channel_id: Any, *, member: bool = True) -> Any:
        channel = self.world.channels.get(str(channel_id))
        if channel is None:
            raise SlackError("channel_not_found")
        if member and BOT_USER not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    @staticmethod
    def _json(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def _check_message(self, params: Params) -> tuple[list[dict[str, Any]], str]:
        blocks = self._json(params.get("blocks"))
        text = params.get("text")
        problems = check_message(blocks, text)
        if problems:
            raise SlackError("invalid_blocks", errors=problems)
        return blocks or [], text or ""

    async def m_auth_test(self, params: Params) -> Params:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "cohort-bot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0BOT00001",
        }

    async def m_apps_connections_open(self, params: Params) -> Params:
        return {"url": self.base.replace("http://", "ws://") + "/socket"}

    async def m_chat_postMessage(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"))
        if channel.is_archived:
            raise SlackError("is_archived")
        blocks, text = self._check_message(params)
        thread_ts = params.get("thread_ts") or None
        if thread_ts and not any(m.ts == thread_ts for m in self.world.visible(channel.id)):
            raise SlackError("thread_not_found")
        message = Message(channel.id, self.world.next_ts(), BOT_USER, text, blocks, thread_ts)
        self.world.messages.append(message)
        return {"channel": channel.id, "ts": message.ts, "message": self._out(message)}

    async def m_chat_postEphemeral(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"))
        user = str(params.get("user"))
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        blocks, text = self._check_message(params)
        ts = self.world.next_ts()
        self.world.messages.append(Message(channel.id, ts, BOT_USER, text, blocks, None, user))
        return {"message_ts": ts}

    def _own(self, params: Params) -> Message:
        channel = self._channel(params.get("channel"))
        for message in self.world.visible(channel.id):
            if message.ts == params.get("ts") and message.ephemeral_to is None:
                if message.user != BOT_USER:
                    raise SlackError("cant_update_message")
                return message
        raise SlackError("message_not_found")

    async def m_chat_update(self, params: Params) -> Params:
        message = self._own(params)
        message.blocks, message.text = self._check_message(params)
        message.edits += 1
        return {"channel": message.channel, "ts": message.ts}

    async def m_chat_delete(self, params: Params) -> Params:
        message = self._own(params)
        message.deleted = True
        return {"channel": message.channel, "ts": message.ts}

    async def m_views_open(self, params: Params) -> Params:
        trigger = params.get("trigger_id")
        if trigger not in self.triggers:
            raise SlackError("invalid_trigger_id" if trigger else "invalid_arguments")
        self.triggers.discard(trigger)  # a trigger opens one view
        view = self._json(params.get("view"))
        problems = check_view(view)
        if problems:
            raise SlackError("invalid_arguments", response_metadata={"messages": problems})
        opened = Opened(self.new_id("V"), view, trigger.split(":")[1])
        self.views.append(opened)
        return {"view": {"id": opened.id, **view}}

    async def m_conversations_history(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"))
        oldest = float(params.get("oldest") or 0)
        found = [
            self._out(m)
            for m in reversed(self.world.visible(channel.id))
            if m.ephemeral_to is None and m.thread_ts in (None, m.ts) and float(m.ts) > oldest
        ]
        return {"messages": found[: int(params.get("limit") or 100)], "has_more": False}

    async def m_conversations_replies(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"))
        ts = params.get("ts")
        found = [
            self._out(m)
            for m in self.world.visible(channel.id)
            if m.ephemeral_to is None and (m.ts == ts or m.thread_ts == ts)
        ]
        if not found:
            raise SlackError("thread_not_found")
        return {"messages": found, "has_more": False}

    async def m_conversations_members(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"), member=False)
        limit = min(int(params.get("limit") or 100), 1000)  # Slack: 100 unless asked, 1,000 at most
        start = int(params.get("cursor") or 0)
        members = sorted(channel.members)
        more = start + limit < len(members)
        return {
            "members": members[start : start + limit],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    async def m_conversations_info(self, params: Params) -> Params:
        channel = self._channel(params.get("channel"), member=False)
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_private": channel.is_private,
                "is_archived": channel.is_archived,
                "is_member": BOT_USER in channel.members,
            }
        }

    async def m_conversations_open(self, params: Params) -> Params:
        user = str(params.get("users", ""))
        if user not in self.world.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self.world.im_with(user).id}}

    async def m_users_info(self, params: Params) -> Params:
        user = self.world.users.get(str(params.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {
            "user": {
                "id": user.id,
                "name": user.name,
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "team_id": TEAM,
            }
        }

    async def m_usergroups_users_list(self, params: Params) -> Params:
        group = self.world.usergroups.get(str(params.get("usergroup")))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": sorted(group)}

    async def m_files_getUploadURLExternal(self, params: Params) -> Params:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            raise SlackError("invalid_arguments")
        file_id = self.new_id("F")
        self.world.files[file_id] = UploadedFile(file_id, str(params["filename"]))
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    async def m_files_completeUploadExternal(self, params: Params) -> Params:
        listed = self._json(params.get("files"))
        channel = self._channel(params.get("channel_id")) if params.get("channel_id") else None
        done = []
        for item in listed:
            uploaded = self.world.files.get(item.get("id"))
            if uploaded is None or not uploaded.data:
                raise SlackError("file_not_found")
            uploaded.title = item.get("title") or uploaded.filename
            uploaded.channel = channel.id if channel else None
            done.append({"id": uploaded.id, "name": uploaded.filename, "title": uploaded.title})
        if channel is not None and params.get("initial_comment"):
            self.world.messages.append(
                Message(
                    channel.id, self.world.next_ts(), BOT_USER, str(params["initial_comment"]), []
                )
            )
        return {"files": done}

    @staticmethod
    def _out(message: Message) -> Params:
        out: Params = {
            "type": "message",
            "ts": message.ts,
            "user": message.user,
            "text": message.text,
            "blocks": message.blocks,
        }
        if message.user == BOT_USER:
            out["bot_id"] = "B0BOT00001"
        if message.thread_ts:
            out["thread_ts"] = message.thread_ts
        return out

    # ------------------------------------------------------------------ response URLs, uploads

    async def _respond(self, request: web.Request) -> web.Response:
        target = self.response_urls.get(request.match_info["id"])
        body = await request.json()
        call = Call("response_url", body)
        self.requests.append(call)
        if target is None or target.used >= 5:  # Slack: five uses within 30 minutes
            call.error = "used_url"
            self.rejections.append(call)
            return web.Response(status=404, text="used_url")
        blocks = body.get("blocks")
        problems = check_message(blocks, body.get("text"))
        if problems:
            call.error = "invalid_blocks"
            self.rejections.append(call)
            return web.Response(status=400, text="invalid_blocks: " + "; ".join(problems))
        target.used += 1
        if target.source is not None and body.get("replace_original"):
            target.source.blocks, target.source.text = blocks or [], body.get("text") or ""
            target.source.edits += 1
            return web.Response(text="ok")
        private = body.get("response_type", "ephemeral") != "in_channel"
        self.world.messages.append(
            Message(
                target.channel,
                self.world.next_ts(),
                BOT_USER,
                body.get("text") or "",
                blocks or [],
                None,
                target.user if private else None,
            )
        )
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        uploaded = self.world.files.get(request.match_info["id"])
        if uploaded is None:
            return web.Response(status=404)
        uploaded.data = await request.read()  # files_upload_v2 sends the raw bytes
        return web.Response(text="OK - uploaded")
