"""The fake Slack's Socket Mode: ``apps.connections.open`` (app token only) hands out a
websocket URL; over it the fake sends the same commands and interactions as envelopes,
and the bot acks each by its envelope id, with the response payload Bolt gives ack().

Slack's protocol: a ``hello`` first; envelopes ``{envelope_id, type, payload,
accepts_response_payload}`` of type ``slash_commands`` or ``interactive``; the app's
answer ``{envelope_id, payload?}``. Ping frames are answered with pongs (aiohttp does it).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-fake-app-token"


class SocketModeServer:
    """One open Socket Mode connection at a time, as a single-app test needs."""

    def __init__(self) -> None:
        self.socket: web.WebSocketResponse | None = None
        self.connected = asyncio.Event()
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.unknown_acks: list[dict[str, Any]] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/socket", self._socket)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake"},
                "connection_info": {},
            }
        )
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            answer = json.loads(message.data)
            waiting = self.acks.pop(str(answer.get("envelope_id")), None)
            if waiting is None:
                self.unknown_acks.append(answer)
            elif not waiting.done():
                waiting.set_result(answer)
        self.socket, self.connected = None, asyncio.Event()
        return socket

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Send one envelope; return the app's ack (Slack waits three seconds for it)."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        assert self.socket is not None
        envelope_id = str(uuid.uuid4())
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = waiting
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(waiting, timeout)
