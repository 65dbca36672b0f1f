"""The fake gateway: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME and replay.

A *session* outlives its websocket: dispatches are sequenced and logged per session, sent
when a connection is attached, and replayed after a RESUME — which is what lets a test
prove the client resumes instead of re-identifying after :meth:`Gateway.drop`.

Sharding is Discord's: IDENTIFY may carry ``shard: [shard_id, shard_count]``; a session
then gets only the guilds with ``(guild_id >> 22) % shard_count == shard_id`` (in READY,
as GUILD_CREATE and in every guild event) and direct messages only on shard 0. An
unsharded session is shard 0 of 1. A bad shard is closed with 4010, a session that would
hold more than ``max_guilds_per_session`` guilds (Discord: 2,500) with 4011.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .common import Intents, JsonDict

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
MAX_GUILDS_PER_SESSION = 2500
"""Discord closes a session that would hold more guilds than this with 4011."""


def shard_of(guild_id: int | str, shard_count: int) -> int:
    """The shard Discord sends a guild's events on."""
    return (int(guild_id) >> 22) % shard_count


def guild_of(event: str, data: JsonDict) -> str | None:
    """The guild an event belongs to (None: a DM or not guild-scoped, sent on shard 0)."""
    guild_id = data.get("guild_id")
    if guild_id is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        guild_id = data.get("id")
    return None if guild_id is None else str(guild_id)


def valid_shard(shard: Any) -> bool:
    """IDENTIFY's ``shard`` as Discord accepts it: ``[shard_id, shard_count]``, id in range."""
    if not isinstance(shard, list) or len(shard) != 2:
        return False
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in shard):
        return False
    shard_id: int = shard[0]
    count: int = shard[1]
    return count >= 1 and 0 <= shard_id < count


EVENT_INTENTS: dict[str, int] = {
    "GUILD_UPDATE": Intents.GUILDS,
    "GUILD_DELETE": Intents.GUILDS,
    "GUILD_ROLE_CREATE": Intents.GUILDS,
    "GUILD_ROLE_UPDATE": Intents.GUILDS,
    "GUILD_ROLE_DELETE": Intents.GUILDS,
    "CHANNEL_CREATE": Intents.GUILDS,
    "CHANNEL_UPDATE": Intents.GUILDS,
    "CHANNEL_DELETE": Intents.GUILDS,
    "THREAD_CREATE": Intents.GUILDS,
    "THREAD_UPDATE": Intents.GUILDS,
    "THREAD_DELETE": Intents.GUILDS,
    "GUILD_MEMBER_ADD": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intents.GUILD_MEMBERS,
    "PRESENCE_UPDATE": Intents.GUILD_PRESENCES,
    "MESSAGE_REACTION_ADD": Intents.GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": Intents.GUILD_MESSAGE_REACTIONS,
}
"""Events Discord only sends to sessions that asked for the intent (MESSAGE_* is per guild/DM)."""


@dataclass
class GatewayFrame:
    """One frame seen on the gateway, for assertions (``direction`` is "recv" or "sent")."""

    direction: str
    op: int | None
    event: str | None
    seq: int | None
    data: Any
    connection: int
    at: float


class GatewayConnection:
    """One websocket from the client; serialises sends and compresses like Discord."""

    _counter = 0

    def __init__(self, ws: web.WebSocketResponse, *, path: str, query: dict[str, str]) -> None:
        GatewayConnection._counter += 1
        self.number = GatewayConnection._counter
        self.ws = ws
        self.path = path
        self.query = query
        self.session: GatewaySession | None = None
        self.lock = asyncio.Lock()
        self.closed_by_server: int | None = None
        self._compressor = zlib.compressobj() if query.get("compress") == "zlib-stream" else None

    async def send(self, payload: JsonDict) -> None:
        """Send one payload (a text frame, or a zlib-stream chunk if the client asked)."""
        text = json.dumps(payload, separators=(",", ":"))
        if self.ws.closed:
            return
        try:
            if self._compressor is not None:
                data = self._compressor.compress(text.encode()) + self._compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            log.debug("gateway connection %s went away while sending", self.number)


@dataclass(eq=False)
class GatewaySession:
    """A gateway session (what RESUME resumes): sequence, event log, identify data."""

    session_id: str
    intents: int
    shard: list[int] | None
    identify: JsonDict
    seq: int = 0
    log: list[JsonDict] = field(default_factory=list)
    connection: GatewayConnection | None = None
    invalid: bool = False
    identifies: int = 1
    resumes: int = 0

    @property
    def shard_id(self) -> int:
        """This session's shard (0 when it did not ask for one)."""
        return self.shard[0] if self.shard is not None else 0

    @property
    def shard_count(self) -> int:
        """How many shards the client said it has (1 when it did not ask for sharding)."""
        return self.shard[1] if self.shard is not None else 1

    def receives(self, guild_id: str | None) -> bool:
        """Whether Discord sends this guild's events here (``None``: DMs, on shard 0 only)."""
        if guild_id is None:
            return self.shard_id == 0
        return shard_of(guild_id, self.shard_count) == self.shard_id

    def wants(self, event: str, *, guild_event: bool | None = None) -> bool:
        """Whether this session's intents subscribe to ``event``."""
        if event.startswith("MESSAGE_") and not event.startswith("MESSAGE_REACTION"):
            needed = Intents.GUILD_MESSAGES if guild_event else Intents.DIRECT_MESSAGES
            return bool(self.intents & needed)
        wanted = EVENT_INTENTS.get(event)
        return wanted is None or bool(self.intents & wanted)


ReadyBuilder = Callable[[GatewaySession], tuple[JsonDict, list[JsonDict]]]
MemberChunker = Callable[[GatewaySession, JsonDict], list[JsonDict]]


class Gateway:
    """Serves ``/gateway`` and ``/gateway-resume`` and keeps the sessions."""

    def __init__(
        self,
        *,
        token: str,
        heartbeat_interval_ms: int,
        allowed_privileged_intents: int,
        ready_builder: ReadyBuilder,
        member_chunker: MemberChunker,
        on_change: Callable[[], None],
        compression: bool,
        max_guilds_per_session: int = MAX_GUILDS_PER_SESSION,
    ) -> None:
        self.token = token
        self.max_guilds_per_session = max_guilds_per_session
        """More guilds than this on one session is refused with 4011 (Discord: 2,500)."""
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self.compression = compression
        self._ready_builder = ready_builder
        self._member_chunker = member_chunker
        self._on_change = on_change
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.frames: list[GatewayFrame] = []
        self.presence_updates: list[JsonDict] = []

    # -- bookkeeping -------------------------------------------------------------------------

    def _record(self, direction: str, payload: JsonDict, conn: GatewayConnection) -> None:
        self.frames.append(
            GatewayFrame(
                direction=direction,
                op=payload.get("op"),
                event=payload.get("t"),
                seq=payload.get("s"),
                data=payload.get("d"),
                connection=conn.number,
                at=asyncio.get_running_loop().time(),
            )
        )
        self._on_change()

    async def _send(self, conn: GatewayConnection, payload: JsonDict) -> None:
        self._record("sent", payload, conn)
        await conn.send(payload)

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Sessions that can still receive events (connected or resumable)."""
        return [s for s in self.sessions.values() if not s.invalid]

    @property
    def open_connections(self) -> list[GatewayConnection]:
        """Websockets currently open."""
        return [c for c in self.connections if not c.ws.closed]

    # -- dispatch ------------------------------------------------------------------------------

    async def dispatch(
        self, event: str, data: JsonDict, *, guild_event: bool | None = None, force: bool = False
    ) -> int:
        """Sequence ``event`` into every live session that wants it; returns how many got it.

        Only sessions whose shard holds the event's guild get it (DMs and events with no
        guild: shard 0); ``force`` skips the intents check, never the shard's.
        Sessions whose websocket is gone keep the event in their log for RESUME replay.
        """
        delivered = 0
        guild_id = guild_of(event, data)
        for session in self.live_sessions:
            if not session.receives(guild_id):
                continue
            if not force and not session.wants(event, guild_event=guild_event):
                continue
            session.seq += 1
            payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.log.append(payload)
            delivered += 1
            conn = session.connection
            if conn is not None and not conn.ws.closed:
                async with conn.lock:
                    await self._send(conn, payload)
        self._on_change()
        return delivered

    # -- control -------------------------------------------------------------------------------

    async def drop(self, code: int = 4000, *, shard: int | None = None) -> int:
        """Close every client websocket (or only ``shard``'s) with ``code``; sessions stay
        resumable."""
        closed = 0
        for conn in self.open_connections:
            if shard is not None and (conn.session is None or conn.session.shard_id != shard):
                continue
            conn.closed_by_server = code
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            await conn.ws.close(code=code, message=b"fake discord dropped the connection")
            closed += 1
        self._on_change()
        return closed

    async def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode (RECONNECT, INVALID_SESSION...) on every connection."""
        for conn in self.open_connections:
            async with conn.lock:
                await self._send(conn, {"op": op, "d": data, "s": None, "t": None})

    async def invalidate(self, *, resumable: bool) -> None:
        """Send INVALID_SESSION; a non-resumable one also forgets the sessions."""
        if not resumable:
            for session in self.sessions.values():
                session.invalid = True
        await self.send_op(OP_INVALID_SESSION, resumable)

    async def close(self) -> None:
        """Close every websocket (server shutdown)."""
        for conn in self.open_connections:
            conn.closed_by_server = 1001
            await conn.ws.close(code=1001, message=b"fake discord shutting down")

    # -- the websocket handler -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway websocket."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        if not self.compression:
            query.pop("compress", None)
        conn = GatewayConnection(ws, path=request.path, query=query)
        self.connections.append(conn)
        self._on_change()
        try:
            async with conn.lock:
                await self._send(
                    conn,
                    {
                        "op": OP_HELLO,
                        "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake"]},
                        "s": None,
                        "t": None,
                    },
                )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT and msg.type is not WSMsgType.BINARY:
                    break
                raw = msg.data if isinstance(msg.data, str) else msg.data.decode()
                try:
                    payload = json.loads(raw)
                except ValueError:
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                self._record("recv", payload, conn)
                await self._on_payload(conn, payload)
                if ws.closed:
                    break
        finally:
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._on_change()
        return ws

    async def _on_payload(self, conn: GatewayConnection, payload: JsonDict) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            async with conn.lock:
                await self._send(conn, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            return
        if op == OP_IDENTIFY:
            await self._identify(conn, data if isinstance(data, dict) else {})
            return
        if op == OP_RESUME:
            await self._resume(conn, data if isinstance(data, dict) else {})
            return
        if conn.session is None:
            await conn.ws.close(code=4003, message=b"Not authenticated.")
            return
        if op == OP_REQUEST_GUILD_MEMBERS:
            for chunk in self._member_chunker(conn.session, data if isinstance(data, dict) else {}):
                await self.dispatch_to(conn.session, "GUILD_MEMBERS_CHUNK", chunk)
            return
        if op == OP_PRESENCE_UPDATE:
            self.presence_updates.append(data if isinstance(data, dict) else {})
            return
        if op == OP_VOICE_STATE_UPDATE:
            return
        await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def dispatch_to(self, session: GatewaySession, event: str, data: JsonDict) -> None:
        """Sequence ``event`` into one session (used for per-session payloads)."""
        session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.log.append(payload)
        conn = session.connection
        if conn is not None:
            async with conn.lock:
                await self._send(conn, payload)

    async def _identify(self, conn: GatewayConnection, data: JsonDict) -> None:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        if intents & Intents.PRIVILEGED & ~self.allowed_privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None and not valid_shard(shard):
            conn.closed_by_server = CLOSE_INVALID_SHARD
            await conn.ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            intents=intents,
            shard=shard,
            identify=data,
        )
        ready, guild_creates = self._ready_builder(session)
        if len(ready.get("guilds", [])) > self.max_guilds_per_session:
            conn.closed_by_server = CLOSE_SHARDING_REQUIRED
            await conn.ws.close(code=CLOSE_SHARDING_REQUIRED, message=b"Sharding required.")
            return
        self.sessions[session.session_id] = session
        async with conn.lock:
            session.connection = conn
            conn.session = session
            for event, payload in [("READY", ready)] + [("GUILD_CREATE", g) for g in guild_creates]:
                session.seq += 1
                frame = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": payload}
                session.log.append(frame)
                await self._send(conn, frame)

    async def _resume(self, conn: GatewayConnection, data: JsonDict) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        seq = data.get("seq")
        if session is None or session.invalid or not isinstance(seq, int) or seq > session.seq:
            async with conn.lock:
                await self._send(conn, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        async with conn.lock:
            missed = [frame for frame in session.log if frame["s"] > seq]
            old = session.connection
            session.connection = conn
            conn.session = session
            session.resumes += 1
            for frame in missed:
                await self._send(conn, frame)
            session.seq += 1
            resumed = {
                "op": OP_DISPATCH,
                "t": "RESUMED",
                "s": session.seq,
                "d": {"_trace": ["fake"]},
            }
            session.log.append(resumed)
            await self._send(conn, resumed)
        if old is not None and old is not conn and not old.ws.closed:
            old.closed_by_server = 4000
            await old.ws.close(code=4000)

    # -- waiting helpers -----------------------------------------------------------------------

    def received(self, op: int) -> list[GatewayFrame]:
        """Frames with opcode ``op`` received from clients."""
        return [f for f in self.frames if f.direction == "recv" and f.op == op]

    def sent_events(self, event: str | None = None) -> list[GatewayFrame]:
        """Dispatches sent to clients (optionally only ``event``)."""
        return [
            f
            for f in self.frames
            if f.direction == "sent" and f.op == OP_DISPATCH and (event is None or f.event == event)
        ]
