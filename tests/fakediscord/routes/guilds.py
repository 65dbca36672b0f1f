"""Routes for guilds, their members and roles, and threads."""

from __future__ import annotations

from .. import limits
from ..common import ChannelType, ErrorCollector, Intents, JsonDict, Permissions, iso
from ..models import FakeChannel, FakeGuild
from ..payloads import guild_payload
from ..rest import Ctx, DiscordError, Reply, Route, missing_access, missing_permissions, unknown
from .channels import ChannelRoutes


class GuildRoutes(ChannelRoutes):
    """``/guilds/{id}`` (channels, roles, members) and thread creation."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r(
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                self._thread_from_message,
                precheck=self._precheck_channel,
                limits=self._limits_thread,
            ),
            r(
                "POST",
                "/channels/{channel_id}/threads",
                self._thread_without_message,
                precheck=self._precheck_channel,
                limits=self._limits_thread,
            ),
            r("GET", "/guilds/{guild_id}", self._get_guild),
            r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            r("GET", "/guilds/{guild_id}/roles", self._get_roles),
            r("GET", "/guilds/{guild_id}/members", self._list_members),
            r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            r("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
            r("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self._member_role),
        ]

    def _limits_thread(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_thread(errors, ctx.body)
        return None

    def _new_thread(
        self, parent: FakeChannel, body: JsonDict, *, thread_id: str, kind: int
    ) -> FakeChannel:
        guild = parent.guild
        assert guild is not None
        thread = FakeChannel(
            id=thread_id,
            type=kind,
            name=str(body.get("name")),
            guild=guild,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        guild.channels.append(thread)
        self.world.channels[thread.id] = thread
        return thread

    def _thread_payload(self, thread: FakeChannel) -> JsonDict:
        data = thread.payload()
        data["member"] = {
            "id": thread.id,
            "user_id": self.bot_user.id,
            "join_timestamp": iso(thread.created_at),
            "flags": 1,
        }
        return data

    async def _announce_thread(self, thread: FakeChannel) -> None:
        data = self._thread_payload(thread)
        data["newly_created"] = True
        await self.gateway.dispatch("THREAD_CREATE", data)

    def _check_thread_parent(self, channel: FakeChannel) -> None:
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")

    async def _thread_from_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._check_thread_parent(ctx.channel)
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        self._require(ctx.channel, Permissions.CREATE_PUBLIC_THREADS)
        if message.thread is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if ctx.channel.type == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        body = ctx.body if isinstance(ctx.body, dict) else {}
        thread = self._new_thread(ctx.channel, body, thread_id=message.id, kind=kind)
        message.thread = thread
        await self._announce_thread(thread)
        return 201, self._thread_payload(thread)

    async def _thread_without_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._check_thread_parent(ctx.channel)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        needed = (
            Permissions.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else Permissions.CREATE_PUBLIC_THREADS
        )
        self._require(ctx.channel, needed)
        thread = self._new_thread(
            ctx.channel, body, thread_id=self.world.snowflakes.next(), kind=kind
        )
        await self._announce_thread(thread)
        return 201, self._thread_payload(thread)

    def _guild(self, ctx: Ctx) -> FakeGuild:
        guild = self.world.guilds.get(ctx.params["guild_id"])
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    async def _get_guild(self, ctx: Ctx) -> Reply:
        return 200, guild_payload(self._guild(ctx))

    async def _get_guild_channels(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        return 200, [c.payload() for c in guild.channels if not c.is_thread]

    async def _get_roles(self, ctx: Ctx) -> Reply:
        return 200, [r.payload() for r in self._guild(ctx).roles]

    async def _list_members(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        if not self.allowed_privileged_intents & Intents.GUILD_MEMBERS:
            raise missing_access()
        after = int(ctx.query.get("after", "0"))
        limit = max(1, min(1000, int(ctx.query.get("limit", "1"))))
        members = sorted(guild.members.values(), key=lambda m: int(m.user.id))
        return 200, [m.payload() for m in members if int(m.user.id) > after][:limit]

    async def _get_member(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        member = guild.members.get(ctx.params["user_id"])
        if member is None:
            raise unknown("Member", 10007)
        return 200, member.payload()

    async def _member_role(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        member = guild.members.get(ctx.params["user_id"])
        if member is None:
            raise unknown("Member", 10007)
        role = next((r for r in guild.roles if r.id == ctx.params["role_id"]), None)
        if role is None:
            raise unknown("Role", 10011)
        bot = self._bot_member(guild)
        if self.enforce_permissions:
            if not guild.base_permissions(bot) & Permissions.MANAGE_ROLES:
                raise missing_permissions()
            top = max((r.position for r in bot.roles), default=0)
            if role.position >= top and guild.owner.id != bot.user.id:
                raise missing_permissions()
        if ctx.record.method == "PUT" and role not in member.roles:
            member.roles.append(role)
        elif ctx.record.method == "DELETE" and role in member.roles:
            member.roles.remove(role)
        data = member.payload()
        data["guild_id"] = guild.id
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data)
        return 204, None
