"""Guilds and their channels (text, voice, categories, forums, threads, DMs), with permissions."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..common import (
    ChannelFlags,
    ChannelType,
    JsonDict,
    Permissions,
    iso,
    utcnow,
)
from .users import FakeMember, FakeRole, FakeUser

if TYPE_CHECKING:
    from .world import World


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
    flags: int = 0
    # forums only: the tags posts may carry ({id, name, moderated, emoji_id, emoji_name})
    available_tags: list[JsonDict] = field(default_factory=list)
    # threads only
    applied_tags: list[str] | None = None  # a list for forum posts, None elsewhere
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
            "flags": self.flags,
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
            if self.applied_tags is not None:
                data["applied_tags"] = list(self.applied_tags)
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
        if self.type == ChannelType.GUILD_FORUM:
            data.update(
                {
                    "topic": self.topic,
                    "default_auto_archive_duration": 1440,
                    "default_thread_rate_limit_per_user": 0,
                    "available_tags": copy.deepcopy(self.available_tags),
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                }
            )
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

    def add_forum(
        self, name: str, *, tags: tuple[str, ...] = (), require_tag: bool = False
    ) -> FakeChannel:
        """Create a forum channel (type 15), where every post is a thread, with ``tags``."""
        forum = self.add_channel(name, type=ChannelType.GUILD_FORUM)
        forum.available_tags = [
            {
                "id": self.world.snowflakes.next(),
                "name": tag,
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            }
            for tag in tags
        ]
        if require_tag:
            forum.flags |= ChannelFlags.REQUIRE_TAG
        return forum

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
