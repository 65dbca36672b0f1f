"""The fake's world: users, guilds, roles, members, channels and messages, and their JSON shapes.

Every ``payload()`` returns the object as Discord's API returns it (snowflakes as strings,
ISO timestamps, the same keys), so discord.py parses them exactly as in production.
"""

from __future__ import annotations

import copy
import datetime as dt
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .common import (
    ChannelType,
    JsonDict,
    MessageFlags,
    Permissions,
    SnowflakeGenerator,
    iso,
    sid,
    snowflake_time,
    utcnow,
)

_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass(eq=False)
class FakeUser:
    """A Discord user (humans and bots)."""

    id: str
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@id>`` form a message uses to mention this user."""
        return f"<@{self.id}>"

    def payload(self) -> JsonDict:
        """The user object Discord embeds in messages, members and interactions."""
        data: JsonDict = {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def private_payload(self) -> JsonDict:
        """``GET /users/@me`` and READY ``user``: the public shape plus account fields."""
        data = self.payload()
        data.update(
            {"mfa_enabled": False, "locale": "en-US", "verified": True, "email": None, "bio": ""}
        )
        return data


@dataclass(eq=False)
class FakeRole:
    """A guild role; the role whose id equals the guild id is @everyone."""

    id: str
    guild_id: str
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@&id>`` form (``@everyone`` for the default role)."""
        return "@everyone" if self.id == self.guild_id else f"<@&{self.id}>"

    def payload(self) -> JsonDict:
        """The role object of GUILD_CREATE and ``GET /guilds/{id}/roles``."""
        data: JsonDict = {
            "id": self.id,
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": self.bot_id}
        return data


@dataclass(eq=False)
class FakeMember:
    """A user's membership of a guild."""

    user: FakeUser
    guild: FakeGuild
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    joined_at: dt.datetime = field(default_factory=utcnow)

    @property
    def id(self) -> str:
        """The member's user id (discord.py's Member.id too)."""
        return self.user.id

    @property
    def mention(self) -> str:
        """Mention form, as for the user."""
        return self.user.mention

    @property
    def permissions(self) -> int:
        """Guild-level permissions (roles, owner and administrator rules)."""
        return self.guild.base_permissions(self)

    def payload(self, *, with_user: bool = True) -> JsonDict:
        """The guild member object; ``with_user=False`` gives the partial form of messages."""
        data: JsonDict = {
            "roles": [r.id for r in self.roles if r.id != self.guild.id],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(eq=False)
class FakeChannel:
    """A channel: guild text/voice/category, thread, or DM."""

    id: str
    type: int
    name: str | None
    guild: FakeGuild | None = None
    position: int = 0
    topic: str | None = None
    parent_id: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    permission_overwrites: list[JsonDict] = field(default_factory=list)
    last_message_id: str | None = None
    recipients: list[FakeUser] = field(default_factory=list)
    # threads only
    owner_id: str | None = None
    auto_archive_duration: int = 1440
    archived: bool = False
    locked: bool = False
    message_count: int = 0
    total_message_sent: int = 0
    member_count: int = 1
    created_at: dt.datetime = field(default_factory=utcnow)

    @property
    def guild_id(self) -> str | None:
        """Id of the guild this channel belongs to (None for DMs)."""
        return self.guild.id if self.guild is not None else None

    @property
    def is_thread(self) -> bool:
        """Whether this is a thread channel (types 10, 11, 12)."""
        return self.type in ChannelType.THREADS

    @property
    def mention(self) -> str:
        """The ``<#id>`` form."""
        return f"<#{self.id}>"

    def set_overwrite(
        self, target: FakeRole | FakeMember | FakeUser, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a permission overwrite for a role or member, replacing any earlier one."""
        kind = 0 if isinstance(target, FakeRole) else 1
        self.permission_overwrites = [o for o in self.permission_overwrites if o["id"] != target.id]
        self.permission_overwrites.append(
            {"id": target.id, "type": kind, "allow": str(allow), "deny": str(deny)}
        )

    def payload(self) -> JsonDict:
        """The channel object Discord returns for this channel's type."""
        if self.type == ChannelType.DM:
            return {
                "id": self.id,
                "type": self.type,
                "flags": 0,
                "last_message_id": self.last_message_id,
                "recipients": [u.payload() for u in self.recipients],
            }
        data: JsonDict = {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "flags": 0,
            "last_message_id": self.last_message_id,
            "parent_id": self.parent_id,
            "rate_limit_per_user": self.rate_limit_per_user,
        }
        if self.is_thread:
            data.update(
                {
                    "owner_id": self.owner_id,
                    "message_count": self.message_count,
                    "member_count": self.member_count,
                    "total_message_sent": self.total_message_sent,
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso(self.created_at),
                        "locked": self.locked,
                        "create_timestamp": iso(self.created_at),
                    },
                }
            )
            return data
        data.update(
            {
                "position": self.position,
                "permission_overwrites": copy.deepcopy(self.permission_overwrites),
                "nsfw": self.nsfw,
            }
        )
        if self.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            data["topic"] = self.topic
            data["last_pin_timestamp"] = None
            data["default_auto_archive_duration"] = 1440
        if self.type == ChannelType.GUILD_VOICE:
            data.update(
                {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "video_quality_mode": 1}
            )
        return data


@dataclass(eq=False)
class FakeGuild:
    """A guild (server) with its roles, channels and members."""

    id: str
    name: str
    owner: FakeUser
    world: World = field(repr=False)
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[str, FakeMember] = field(default_factory=dict)
    created_at: dt.datetime = field(default_factory=utcnow)

    @property
    def everyone(self) -> FakeRole:
        """The @everyone role (its id is the guild id)."""
        return next(r for r in self.roles if r.id == self.id)

    @property
    def threads(self) -> list[FakeChannel]:
        """Threads of this guild (kept in ``channels``)."""
        return [c for c in self.channels if c.is_thread]

    def add_channel(
        self,
        name: str,
        *,
        type: int = ChannelType.GUILD_TEXT,
        topic: str | None = None,
        parent: FakeChannel | None = None,
        nsfw: bool = False,
    ) -> FakeChannel:
        """Create a channel (text by default) at the end of the channel list."""
        channel = FakeChannel(
            id=self.world.snowflakes.next(),
            type=type,
            name=name,
            guild=self,
            position=len([c for c in self.channels if not c.is_thread]),
            topic=topic,
            parent_id=parent.id if parent is not None else None,
            nsfw=nsfw,
        )
        self.channels.append(channel)
        self.world.channels[channel.id] = channel
        return channel

    def add_role(
        self,
        name: str,
        *,
        permissions: int = 0,
        mentionable: bool = False,
        hoist: bool = False,
        color: int = 0,
    ) -> FakeRole:
        """Create a role above the existing ones."""
        role = FakeRole(
            id=self.world.snowflakes.next(),
            guild_id=self.id,
            name=name,
            permissions=permissions,
            position=len(self.roles),
            mentionable=mentionable,
            hoist=hoist,
            color=color,
        )
        self.roles.append(role)
        return role

    def add_member(
        self, user: FakeUser, *, roles: list[FakeRole] | None = None, nick: str | None = None
    ) -> FakeMember:
        """Make ``user`` a member with ``roles`` (@everyone is implicit)."""
        member = FakeMember(user=user, guild=self, roles=list(roles or []), nick=nick)
        self.members[user.id] = member
        return member

    def channel(self, name: str) -> FakeChannel:
        """Find a channel or thread by name."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name!r}")

    def role(self, name: str) -> FakeRole:
        """Find a role by name."""
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name!r} has no role {name!r}")

    def member(self, user: FakeUser | FakeMember | str | int) -> FakeMember:
        """Find a member by user, member, id, or username."""
        if isinstance(user, FakeMember):
            return user
        key = user.id if isinstance(user, FakeUser) else str(user)
        if key in self.members:
            return self.members[key]
        for member in self.members.values():
            if member.user.username == key:
                return member
        raise KeyError(f"{user!r} is not a member of guild {self.name!r}")

    def base_permissions(self, member: FakeMember) -> int:
        """Guild-level permissions: owner and administrators get everything."""
        if member.user.id == self.owner.id:
            return Permissions.ALL
        perms = self.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & Permissions.ADMINISTRATOR:
            return Permissions.ALL
        return perms

    def channel_permissions(self, member: FakeMember, channel: FakeChannel) -> int:
        """Permissions in a channel, applying overwrites as Discord documents.

        Threads use their parent's overwrites. No VIEW_CHANNEL means no permission at all.
        """
        perms = self.base_permissions(member)
        if perms & Permissions.ADMINISTRATOR or member.user.id == self.owner.id:
            return Permissions.ALL
        source = channel
        if channel.is_thread and channel.parent_id is not None:
            source = self.world.channels.get(channel.parent_id, channel)
        overwrites = {o["id"]: o for o in source.permission_overwrites}
        everyone = overwrites.get(self.id)
        if everyone is not None:
            perms &= ~int(everyone["deny"])
            perms |= int(everyone["allow"])
        allow = deny = 0
        for role in member.roles:
            o = overwrites.get(role.id)
            if o is not None and o["type"] == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms &= ~deny
        perms |= allow
        own = overwrites.get(member.user.id)
        if own is not None and own["type"] == 1:
            perms &= ~int(own["deny"])
            perms |= int(own["allow"])
        if not perms & Permissions.VIEW_CHANNEL:
            return 0
        return perms


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


class World:
    """Everything the fake Discord knows about: the application, users, guilds, channels."""

    def __init__(self, *, application_id: str | None = None, bot_name: str = "cohort-bot") -> None:
        self.snowflakes = SnowflakeGenerator()
        self.application_id: str = application_id or self.snowflakes.next()
        self.application_name = bot_name
        self.users: dict[str, FakeUser] = {}
        self.guilds: dict[str, FakeGuild] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.bot_user = FakeUser(id=self.application_id, username=bot_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.owner_user = self.add_user("app-owner")

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> FakeUser:
        """Create a user (not yet in any guild)."""
        user = FakeUser(
            id=self.snowflakes.next(), username=username, global_name=global_name, bot=bot
        )
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: FakeUser | None = None,
        channels: tuple[str, ...] | list[str] = ("general",),
        bot_permissions: int = Permissions.DEFAULT_BOT,
        everyone_permissions: int = Permissions.DEFAULT_EVERYONE,
    ) -> FakeGuild:
        """Create a guild the bot is in, with text ``channels`` and a managed bot role."""
        gid = self.snowflakes.next()
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = FakeGuild(id=gid, name=name, owner=owner, world=self)
        guild.roles.append(
            FakeRole(id=gid, guild_id=gid, name="@everyone", permissions=everyone_permissions)
        )
        bot_role = guild.add_role(self.application_name, permissions=bot_permissions)
        bot_role.managed = True
        bot_role.bot_id = self.bot_user.id
        guild.add_member(owner)
        guild.add_member(self.bot_user, roles=[bot_role])
        for channel_name in channels:
            guild.add_channel(channel_name)
        self.guilds[gid] = guild
        return guild

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user`` (created on first use)."""
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.recipients == [user]:
                return channel
        channel = FakeChannel(
            id=self.snowflakes.next(), type=ChannelType.DM, name=None, recipients=[user]
        )
        self.channels[channel.id] = channel
        return channel

    def user(self, key: FakeUser | FakeMember | str | int) -> FakeUser:
        """Resolve a user by object, id or username."""
        if isinstance(key, FakeUser):
            return key
        if isinstance(key, FakeMember):
            return key.user
        text = str(key)
        if text in self.users:
            return self.users[text]
        for user in self.users.values():
            if user.username == text:
                return user
        raise KeyError(f"unknown user {key!r}")

    def channel(self, key: object) -> FakeChannel:
        """Resolve a channel by object, id (int/str/``.id``) or name (first match)."""
        if isinstance(key, FakeChannel):
            return key
        if isinstance(key, str) and key not in self.channels and not key.isdigit():
            for channel in self.channels.values():
                if channel.name == key:
                    return channel
            raise KeyError(f"unknown channel {key!r}")
        cid = sid(key)
        if cid not in self.channels:
            raise KeyError(f"unknown channel {key!r}")
        return self.channels[cid]


def valid_command_name_char(char: str) -> bool:
    r"""Whether ``char`` matches Discord's ``[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]``."""
    if char in "-_'":
        return True
    if unicodedata.category(char)[0] in "LN":
        return True
    code = ord(char)
    return 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or 0x0E00 <= code <= 0x0E7F
