"""The workspace the fake Slack serves: users, channels, groups, and what was posted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TEAM = "T0FAKE0001"
BOT_USER = "U0BOT00001"
BOT_TOKEN = "xoxb-fake-bot-token"
# What the app's manifest (slack/manifest.yaml) asks for; tests may take one away.
BOT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "users:read",
        "usergroups:read",
        "im:write",
        "files:write",
    }
)


@dataclass
class User:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False


@dataclass
class Message:
    """Something a member would see: a post, a thread reply, or an ephemeral message."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    ephemeral_to: str | None = None  # only this user sees it
    deleted: bool = False
    edits: int = 0

    def texts(self) -> str:
        """Every text in the message, for assertions: mrkdwn and plain alike."""
        found: list[str] = [self.text]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    found.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.blocks)
        return "\n".join(found)

    def action_ids(self) -> list[str]:
        ids: list[str] = []
        for block in self.blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else []
            if "accessory" in block:
                elements = [block["accessory"]]
            ids += [e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e]
        return ids

    def element(self, action_id: str) -> dict[str, Any]:
        for block in self.blocks:
            for element in [*block.get("elements", []), block.get("accessory")]:
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return {**element, "block_id": block.get("block_id", "")}
        raise AssertionError(f"no element {action_id!r}; has {self.action_ids()}")


@dataclass
class UploadedFile:
    id: str
    filename: str
    data: bytes = b""
    channel: str | None = None
    title: str = ""


@dataclass
class World:
    """Everything the fake holds; tests arrange it and read it back."""

    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    usergroups: dict[str, set[str]] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    # Slack stamps messages with its own clock; tests that move the bot's clock move this one
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _last_ts: int = 0  # microseconds

    def __post_init__(self) -> None:
        self.add_user(BOT_USER, "cohort-bot")
        self.add_user("U0ALICE001", "alice")
        self.add_user("U0BOB00001", "bob")
        self.add_user("U0ADMIN001", "ada", is_admin=True)
        self.add_channel("C0COHORT01", "cohort", "U0ALICE001", "U0BOB00001", "U0ADMIN001")

    def add_user(self, user_id: str, name: str, **flags: bool) -> User:
        self.users[user_id] = User(user_id, name, **flags)
        return self.users[user_id]

    def add_channel(self, channel_id: str, name: str, *members: str, **flags: bool) -> Channel:
        self.channels[channel_id] = Channel(channel_id, name, {BOT_USER, *members}, **flags)
        return self.channels[channel_id]

    def next_ts(self) -> str:
        """Slack message timestamps: seconds and six digits, unique and increasing."""
        now = int(self.clock().timestamp() * 1_000_000)
        self._last_ts = max(now, self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def im_with(self, user_id: str) -> Channel:
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                channel_id, user_id, {BOT_USER, user_id}, is_im=True
            )
        return self.channels[channel_id]

    def visible(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        """Messages not deleted (in a channel; what one user would see)."""
        return [
            m
            for m in self.messages
            if not m.deleted
            and (channel is None or m.channel == channel)
            and (user is None or m.ephemeral_to in (None, user))
        ]
