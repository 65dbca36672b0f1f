"""Routes for forum posts and thread listings, as Discord documents them.

A forum channel (type 15) holds no messages of its own: each post is a public thread
(type 11) created with ``POST /channels/{forum_id}/threads`` and a ``message`` object,
and that starter message has the same id as the thread. Creating a post needs only Send
Messages in the forum; a forum flagged REQUIRE_TAG refuses a post without a tag (40067).
The reply is the thread with the message nested in it, and the gateway gets THREAD_CREATE
then MESSAGE_CREATE. The forum's ``last_message_id`` becomes the newest post's id.
"""

from __future__ import annotations

from .. import limits
from ..common import ChannelFlags, ChannelType, ErrorCollector, JsonDict, Permissions, iso
from ..models import FakeChannel
from ..rest import Ctx, DiscordError, Reply, Route, unknown
from .guilds import GuildRoutes
from .messages import MessageRoutes


class ThreadRoutes(GuildRoutes, MessageRoutes):
    """Forum posts, and the active and archived thread lists a bot reads after a restart."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r("GET", "/guilds/{guild_id}/threads/active", self._active_threads),
            r(
                "GET",
                "/channels/{channel_id}/threads/archived/public",
                self._archived_public_threads,
                precheck=self._precheck_channel,
            ),
        ]

    def _limits_thread(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        forum = ctx.channel is not None and ctx.channel.type == ChannelType.GUILD_FORUM
        if forum and "message_id" not in ctx.params:  # a post; not a thread from a message
            limits.check_forum_post(errors, ctx.body, file_count=len(ctx.files))
            return None
        return super()._limits_thread(ctx, errors)

    async def _thread_without_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        if ctx.channel.type != ChannelType.GUILD_FORUM:
            return await super()._thread_without_message(ctx)
        return await self._forum_post(ctx.channel, ctx)

    async def _forum_post(self, forum: FakeChannel, ctx: Ctx) -> Reply:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._require(forum, Permissions.SEND_MESSAGES)
        if ctx.files:
            self._require(forum, Permissions.ATTACH_FILES)
        tags = [str(tag) for tag in body.get("applied_tags") or []]
        if forum.flags & ChannelFlags.REQUIRE_TAG and not tags:
            raise DiscordError(
                400, 40067, "A tag is required to create a forum post in this channel"
            )
        thread = self._new_thread(
            forum, body, thread_id=self.world.snowflakes.next(), kind=ChannelType.PUBLIC_THREAD
        )
        thread.applied_tags = tags
        starter = body.get("message")
        message = self._new_message(
            thread, starter if isinstance(starter, dict) else {}, ctx.files, message_id=thread.id
        )
        thread.message_count -= 1  # Discord's count leaves out the starter message
        forum.last_message_id = thread.id
        await self._announce_thread(thread)
        await self._dispatch_message("MESSAGE_CREATE", message)
        data = self._thread_payload(thread)
        data["message"] = message.payload(self.world)
        return 201, data

    async def _active_threads(self, ctx: Ctx) -> Reply:
        guild = self.world.guilds.get(ctx.params["guild_id"])
        if guild is None:
            raise unknown("Guild", 10004)
        active = [t for t in guild.threads if not t.archived]
        return 200, {
            "threads": [t.payload() for t in active],
            "members": [self._bot_thread_member(t) for t in active if self._joined(t)],
        }

    async def _archived_public_threads(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        parent = ctx.channel
        if parent.type not in _THREAD_PARENTS:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        self._require(parent, Permissions.READ_MESSAGE_HISTORY)
        guild = parent.guild
        assert guild is not None
        archived = [
            t
            for t in guild.threads
            if t.parent_id == parent.id and t.archived and t.type != ChannelType.PRIVATE_THREAD
        ]
        archived.sort(key=lambda t: int(t.id), reverse=True)  # newest first
        limit = max(1, min(100, int(ctx.query.get("limit", "50"))))
        page = archived[:limit]
        return 200, {
            "threads": [t.payload() for t in page],
            "members": [self._bot_thread_member(t) for t in page if self._joined(t)],
            "has_more": len(archived) > limit,
        }

    def _joined(self, thread: FakeChannel) -> bool:
        """The bot is a member of the threads it created (the fake adds it to no others)."""
        return thread.owner_id == self.bot_user.id

    def _bot_thread_member(self, thread: FakeChannel) -> JsonDict:
        return {
            "id": thread.id,
            "user_id": self.bot_user.id,
            "join_timestamp": iso(thread.created_at),
            "flags": 1,
        }


_THREAD_PARENTS = (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM)
