"""The world: the application and every user, guild and channel the fake knows."""

from __future__ import annotations

from ..common import (
    ChannelType,
    Permissions,
    SnowflakeGenerator,
    sid,
)
from .guilds import FakeChannel, FakeGuild
from .users import FakeMember, FakeRole, FakeUser


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
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """Create a guild the bot is in, with text ``channels`` and a managed bot role.

        ``shard=(shard_id, shard_count)`` picks an id whose events Discord would send on
        that shard (otherwise the id's timestamp decides, as on Discord).
        """
        gid = self.snowflakes.next() if shard is None else self.snowflakes.next_on_shard(*shard)
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
