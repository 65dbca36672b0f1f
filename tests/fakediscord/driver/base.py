"""What every driver method builds on: the world, and sending a user's action to the bot."""

from __future__ import annotations

import asyncio
import secrets

from ..common import ChannelType, Intents, JsonDict, Permissions, sid
from ..interactions import InteractionHandle
from ..models import FakeAttachment, FakeChannel, FakeGuild, FakeMember, FakeMessage, FakeUser
from ..routes.channels import ChannelRoutes


class DriverBase(ChannelRoutes):
    """World shortcuts, interaction payloads and user messages."""

    def add_user(self, username: str, *, global_name: str | None = None) -> FakeUser:
        """Create a user (add them to a guild with ``guild.add_member``)."""
        return self.world.add_user(username, global_name=global_name)

    def add_guild(
        self,
        name: str,
        *,
        channels: tuple[str, ...] = ("general",),
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """Create another guild the bot is in (before the bot connects); ``shard=(id, count)``
        gives it an id Discord would route to that shard."""
        return self.world.add_guild(name, channels=channels, shard=shard)

    def channel(self, key: object) -> FakeChannel:
        """A channel by name (default guild first), id, or object."""
        if isinstance(key, str) and self.guild is not None:
            try:
                return self.guild.channel(key)
            except KeyError:
                pass
        return self.world.channel(key)

    def user(self, key: FakeUser | FakeMember | str | int) -> FakeUser:
        """A user by username, id, or object."""
        return self.world.user(key)

    def make_attachment(
        self, filename: str, data: bytes, *, content_type: str | None = None
    ) -> FakeAttachment:
        """An attachment a user 'uploaded', for ATTACHMENT options."""
        aid = self.world.snowflakes.next()
        attachment = FakeAttachment(
            id=aid,
            filename=filename,
            data=data,
            url=f"{self.base_url}/attachments/0/{aid}/{filename}",
            content_type=content_type,
        )
        self._register_attachment(attachment)
        return attachment

    def _where(
        self, channel: object | None, guild: FakeGuild | None
    ) -> tuple[FakeChannel, FakeGuild | None]:
        if channel is not None:
            target = self.channel(channel)
            return target, target.guild
        scope = guild or self.guild
        if scope is None:
            raise ValueError("no guild: pass channel=")
        text = [c for c in scope.channels if c.type == ChannelType.GUILD_TEXT]
        if not text:
            raise ValueError(f"guild {scope.name!r} has no text channel")
        return text[0], scope

    def _interaction_payload(
        self,
        kind: int,
        data: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
        locale: str,
        message: FakeMessage | None = None,
    ) -> tuple[JsonDict, FakeUser]:
        actor = self.world.user(user) if user is not None else self.default_user
        payload: JsonDict = {
            "id": self.world.snowflakes.next(),
            "application_id": self.application_id,
            "type": kind,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96),
            "version": 1,
            "data": data,
            "channel_id": channel.id,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if guild is not None:
            if actor.id not in guild.members:
                raise KeyError(f"{actor.username!r} is not a member of guild {guild.name!r}")
            member = guild.members[actor.id]
            perms = (
                guild.channel_permissions(member, channel) if permissions is None else permissions
            )
            member_data = member.payload()
            member_data["permissions"] = str(perms)
            payload.update(
                {
                    "guild_id": guild.id,
                    "guild": {"id": guild.id, "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "member": member_data,
                    "app_permissions": str(self.bot_permissions(channel)),
                    "authorizing_integration_owners": {"0": guild.id},
                    "context": 0,
                }
            )
            channel_data = channel.payload()
            channel_data["permissions"] = str(perms)
        else:
            payload.update(
                {
                    "user": actor.payload(),
                    "app_permissions": str(Permissions.ALL),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
            channel_data = channel.payload()
        payload["channel"] = channel_data
        if message is not None:
            payload["message"] = message.payload(self.world)
        return payload, actor

    async def _send_interaction(
        self,
        kind: int,
        data: JsonDict,
        *,
        user: FakeUser | FakeMember | str | None,
        channel: FakeChannel,
        guild: FakeGuild | None,
        permissions: int | None,
        locale: str,
        message: FakeMessage | None = None,
        opener: InteractionHandle | None = None,
    ) -> InteractionHandle:
        if not self.gateway.live_sessions:
            raise RuntimeError("no bot is connected to the fake gateway")
        where = None if guild is None else guild.id
        if not any(session.receives(where) for session in self.gateway.live_sessions):
            raise RuntimeError(
                f"no bot session holds the shard of {'guild ' + where if where else 'DMs'} "
                f"(sessions: {[session.shard for session in self.gateway.live_sessions]})"
            )
        payload, actor = self._interaction_payload(
            kind,
            data,
            user=user,
            channel=channel,
            guild=guild,
            permissions=permissions,
            locale=locale,
            message=message,
        )
        handle = InteractionHandle(
            self,
            id=payload["id"],
            token=payload["token"],
            type=kind,
            payload=payload,
            user=actor,
            channel=channel,
            guild=guild,
            source_message=message,
            created_at=asyncio.get_running_loop().time(),
        )
        handle.opener = opener
        self.interactions[handle.id] = handle
        await self.gateway.dispatch("INTERACTION_CREATE", payload, force=True)
        return handle

    def message_by_id(self, message_id: object) -> FakeMessage:
        """Find any stored message by id."""
        mid = sid(message_id)
        for message in self.messages.all():
            if message.id == mid:
                return message
        raise KeyError(f"no message {mid}")

    def _resolve_message(self, message: object) -> FakeMessage:
        if isinstance(message, FakeMessage):
            return message
        if isinstance(message, InteractionHandle):
            if message.original is None:
                raise ValueError(f"{message!r} has no message yet")
            return message.original
        return self.message_by_id(message)

    async def user_message(
        self,
        channel: object,
        content: str,
        *,
        author: FakeUser | FakeMember | str | None = None,
        reply_to: FakeMessage | None = None,
    ) -> FakeMessage:
        """A user posts ``content`` in ``channel``: stored and sent as MESSAGE_CREATE.

        Without the MESSAGE_CONTENT intent, the bot receives empty content unless it is
        mentioned or in a DM, as on Discord.
        """
        target = self.channel(channel)
        actor = self.world.user(author) if author is not None else self.default_user
        message = FakeMessage(
            id=self.world.snowflakes.next(), channel=target, author=actor, content=content
        )
        message.referenced = reply_to
        if reply_to is not None:
            message.type = 19
        self.messages.add(message)
        target.last_message_id = message.id
        data = message.payload(self.world)
        guild = target.guild
        if guild is not None:
            data["guild_id"] = guild.id
            if actor.id in guild.members:
                data["member"] = guild.members[actor.id].payload(with_user=False)
        mentioned = self.bot_user.mention in content or (
            reply_to is not None and reply_to.author is self.bot_user
        )
        for session in self.gateway.live_sessions:
            if not session.wants("MESSAGE_CREATE", guild_event=guild is not None):
                continue
            if not session.receives(None if guild is None else guild.id):
                continue
            visible = dict(data)
            if (
                guild is not None
                and not session.intents & Intents.MESSAGE_CONTENT
                and not mentioned
            ):
                visible.update({"content": "", "embeds": [], "attachments": [], "components": []})
            await self.gateway.dispatch_to(session, "MESSAGE_CREATE", visible)
        self._bump()
        return message
