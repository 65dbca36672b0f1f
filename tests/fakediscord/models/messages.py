"""Messages, their attachments and components, and whom they would ping."""

from __future__ import annotations

import copy
import datetime as dt
import mimetypes
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..common import (
    JsonDict,
    MessageFlags,
    iso,
    snowflake_time,
)
from .guilds import FakeChannel
from .users import FakeUser

if TYPE_CHECKING:
    from .world import World

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass(eq=False)
class FakeAttachment:
    """A file the bot uploaded; ``data`` keeps its bytes for assertions."""

    id: str
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def payload(self) -> JsonDict:
        """The attachment object of a message."""
        data: JsonDict = {
            "id": self.id,
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        content_type = self.content_type or mimetypes.guess_type(self.filename)[0]
        if content_type is not None:
            # Discord sniffs the type from the name when the upload says octet-stream
            if content_type.startswith("text/") and "charset" not in content_type:
                content_type += "; charset=utf-8"
            data["content_type"] = content_type
        if self.description is not None:
            data["description"] = self.description
        return data


def assign_component_ids(components: list[JsonDict]) -> list[JsonDict]:
    """Copy ``components`` and number every component without an ``id``, as Discord does.

    Discord answers with an integer ``id`` on each component (depth-first, from 1).
    """
    result = copy.deepcopy(components)
    taken = {c["id"] for c in iter_components(result) if isinstance(c.get("id"), int)}
    counter = 0
    for comp in iter_components(result):
        if "id" not in comp or comp["id"] is None:
            counter += 1
            while counter in taken:
                counter += 1
            comp["id"] = counter
    return result


def iter_components(components: list[JsonDict]) -> list[JsonDict]:
    """Flatten a component tree depth-first (rows, containers, sections, labels)."""
    out: list[JsonDict] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            out.append(item)
            children = item.get("components")
            if isinstance(children, list):
                walk(children)
            for key in ("component", "accessory"):
                child = item.get(key)
                if isinstance(child, dict):
                    walk([child])

    walk(components)
    return out


@dataclass(eq=False)
class FakeMessage:
    """A message stored by the fake, with what the bot sent and what Discord would show."""

    id: str
    channel: FakeChannel
    author: FakeUser
    content: str = ""
    embeds: list[JsonDict] = field(default_factory=list)
    components: list[JsonDict] = field(default_factory=list)
    allowed_mentions: JsonDict | None = None
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    type: int = 0
    nonce: str | int | None = None
    webhook_id: str | None = None
    application_id: str | None = None
    interaction_metadata: JsonDict | None = None
    referenced: FakeMessage | None = None
    thread: FakeChannel | None = None
    edited_at: dt.datetime | None = None
    deleted: bool = False
    pinned: bool = False
    history: list[JsonDict] = field(default_factory=list)
    """Every JSON body that created or edited this message, oldest first."""

    @property
    def channel_id(self) -> str:
        """Id of the channel (or thread) the message is in."""
        return self.channel.id

    @property
    def guild_id(self) -> str | None:
        """Id of the guild, None in DMs."""
        return self.channel.guild_id

    @property
    def created_at(self) -> dt.datetime:
        """Creation time, from the id."""
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        """Whether only the interaction's user can see it (flag 64)."""
        return bool(self.flags & MessageFlags.EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether it is a deferred 'bot is thinking' placeholder (flag 128)."""
        return bool(self.flags & MessageFlags.LOADING)

    def all_components(self) -> list[JsonDict]:
        """Every component of the message, flattened."""
        return iter_components(self.components)

    def find_component(self, custom_id: str) -> JsonDict | None:
        """The component with ``custom_id``, if the message has one."""
        for comp in self.all_components():
            if comp.get("custom_id") == custom_id:
                return comp
        return None

    @property
    def custom_ids(self) -> list[str]:
        """custom_ids of the message's interactive components."""
        return [c["custom_id"] for c in self.all_components() if "custom_id" in c]

    def mentioned_user_ids(self) -> list[str]:
        """Users this message pings, applying ``allowed_mentions`` as Discord does."""
        found = list(dict.fromkeys(_USER_MENTION.findall(self.content)))
        am = self.allowed_mentions
        if am is None:
            allowed = found
        else:
            parse = set(am.get("parse") or [])
            users = {str(u) for u in am.get("users") or []}
            allowed = [u for u in found if "users" in parse or u in users]
        if self.referenced is not None and (am is None or am.get("replied_user")):
            author = self.referenced.author.id
            if author not in allowed:
                allowed.append(author)
        return allowed

    def mentioned_role_ids(self) -> list[str]:
        """Roles this message pings, applying ``allowed_mentions``."""
        found = list(dict.fromkeys(_ROLE_MENTION.findall(self.content)))
        am = self.allowed_mentions
        if am is None:
            return found
        parse = set(am.get("parse") or [])
        roles = {str(r) for r in am.get("roles") or []}
        return [r for r in found if "roles" in parse or r in roles]

    @property
    def mentions_everyone(self) -> bool:
        """Whether ``@everyone``/``@here`` in the content pings, given ``allowed_mentions``."""
        if not _EVERYONE.search(self.content):
            return False
        am = self.allowed_mentions
        return am is None or "everyone" in (am.get("parse") or [])

    @property
    def would_ping(self) -> bool:
        """Whether anyone gets a notification from this message's mentions."""
        return bool(
            self.mentioned_user_ids() or self.mentioned_role_ids() or self.mentions_everyone
        )

    def payload(self, world: World, *, with_reference: bool = True) -> JsonDict:
        """The message object Discord returns."""
        mentions: list[JsonDict] = []
        for uid in self.mentioned_user_ids():
            user = world.users.get(uid)
            if user is not None:
                mentions.append(user.payload())
        data: JsonDict = {
            "type": self.type,
            "content": self.content,
            "mentions": mentions,
            "mention_roles": self.mentioned_role_ids(),
            "attachments": [a.payload() for a in self.attachments],
            "embeds": copy.deepcopy(self.embeds),
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "flags": self.flags,
            "components": copy.deepcopy(self.components),
            "id": self.id,
            "channel_id": self.channel.id,
            "author": self.author.payload(),
            "pinned": self.pinned,
            "mention_everyone": self.mentions_everyone,
            "tts": self.tts,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = self.webhook_id
        if self.application_id is not None:
            data["application_id"] = self.application_id
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = copy.deepcopy(self.interaction_metadata)
        if self.referenced is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": self.referenced.id,
                "channel_id": self.referenced.channel.id,
            }
            if self.referenced.guild_id is not None:
                data["message_reference"]["guild_id"] = self.referenced.guild_id
            if with_reference:
                data["referenced_message"] = self.referenced.payload(world, with_reference=False)
        if self.thread is not None:
            data["thread"] = self.thread.payload()
        return data
