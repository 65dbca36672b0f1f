"""Routes for channels: reading one and its history, typing, reactions; the bot's permissions."""

from __future__ import annotations

from ..common import ChannelType, Permissions
from ..core import ServerCore
from ..models import FakeChannel, FakeGuild, FakeMember, FakeMessage
from ..rest import Ctx, DiscordError, Reply, Route, missing_access, missing_permissions, unknown


class ChannelRoutes(ServerCore):
    """``/channels/{id}`` and what every channel route checks first."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r("GET", "/channels/{channel_id}", self._get_channel, precheck=self._precheck_channel),
            r(
                "POST",
                "/channels/{channel_id}/typing",
                self._typing,
                precheck=self._precheck_channel,
            ),
            r(
                "GET",
                "/channels/{channel_id}/messages",
                self._history,
                precheck=self._precheck_channel,
            ),
            r(
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._reaction,
                precheck=self._precheck_channel,
            ),
            r(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._reaction,
                precheck=self._precheck_channel,
            ),
        ]

    def _bot_member(self, guild: FakeGuild) -> FakeMember:
        return guild.members[self.bot_user.id]

    def bot_permissions(self, channel: FakeChannel) -> int:
        """The bot's permissions in ``channel`` (all of them in DMs)."""
        if channel.guild is None:
            return Permissions.ALL
        return channel.guild.channel_permissions(self._bot_member(channel.guild), channel)

    def _require(self, channel: FakeChannel, *perms: int) -> None:
        if not self.enforce_permissions:
            return
        have = self.bot_permissions(channel)
        if not have & Permissions.VIEW_CHANNEL:
            raise missing_access()
        for perm in perms:
            if not have & perm:
                raise missing_permissions()

    async def _precheck_channel(self, ctx: Ctx) -> None:
        channel = self.world.channels.get(ctx.params["channel_id"])
        if channel is None:
            raise unknown("Channel", 10003)
        ctx.channel = channel
        self._require(channel)

    async def _precheck_send(self, ctx: Ctx) -> None:
        await self._precheck_channel(ctx)
        assert ctx.channel is not None
        if ctx.channel.type == ChannelType.GUILD_FORUM:  # posts are threads: POST .../threads
            raise DiscordError(400, 40058, "Cannot send a message in a forum channel")
        if ctx.channel.type == ChannelType.GUILD_CATEGORY:
            raise DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        send = (
            Permissions.SEND_MESSAGES_IN_THREADS
            if ctx.channel.is_thread
            else Permissions.SEND_MESSAGES
        )
        self._require(ctx.channel, send)
        if ctx.files:
            self._require(ctx.channel, Permissions.ATTACH_FILES)
        if ctx.channel.is_thread and (ctx.channel.archived or ctx.channel.locked):
            raise DiscordError(400, 50083, "Thread is archived")
        if ctx.channel.type == ChannelType.DM and not all(
            user.accepts_dms for user in ctx.channel.recipients
        ):
            raise DiscordError(403, 50007, "Cannot send messages to this user")

    def _message_in(self, channel: FakeChannel, message_id: str) -> FakeMessage:
        for message in self.messages[channel.id]:
            if message.id == message_id and not message.deleted and not message.ephemeral:
                return message
        raise unknown("Message", 10008)

    async def _get_channel(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        return 200, ctx.channel.payload()

    async def _typing(self, ctx: Ctx) -> Reply:
        return 204, None

    async def _history(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._require(ctx.channel, Permissions.READ_MESSAGE_HISTORY)
        msgs = [m for m in self.messages[ctx.channel.id] if not m.deleted and not m.ephemeral]
        limit = max(1, min(100, int(ctx.query.get("limit", "50"))))
        if "before" in ctx.query:
            msgs = [m for m in msgs if int(m.id) < int(ctx.query["before"])]
        if "after" in ctx.query:
            msgs = [m for m in msgs if int(m.id) > int(ctx.query["after"])]
            msgs = msgs[:limit]
        elif "around" in ctx.query:
            pivot = int(ctx.query["around"])
            older = [m for m in msgs if int(m.id) <= pivot][-(limit // 2 + 1) :]
            newer = [m for m in msgs if int(m.id) > pivot][: limit - len(older)]
            msgs = older + newer
        else:
            msgs = msgs[-limit:]
        return 200, [m.payload(self.world) for m in reversed(msgs)]

    async def _reaction(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._message_in(ctx.channel, ctx.params["message_id"])
        if ctx.record.method == "PUT":
            self._require(ctx.channel, Permissions.ADD_REACTIONS, Permissions.READ_MESSAGE_HISTORY)
        self.reactions.append(
            (ctx.record.method, ctx.channel.id, ctx.params["message_id"], ctx.params["emoji"])
        )
        return 204, None
