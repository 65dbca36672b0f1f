"""Users, roles and guild members, as Discord's API shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..common import (
    JsonDict,
    iso,
    utcnow,
)

if TYPE_CHECKING:
    from .guilds import FakeGuild


@dataclass(eq=False)
class FakeUser:
    """A Discord user (humans and bots)."""

    id: str
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    # False: the user's privacy settings refuse direct messages from the bot (a bot's
    # message into their DM channel then gets 403, code 50007).
    accepts_dms: bool = True

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
