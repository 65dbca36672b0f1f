"""Shared reflections in Discord: posted with an unfakeable byline, found again, removed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import aiohttp
import discord

from bot.discord_face.common import NO_PINGS
from bot.discord_face.embeds import shared_embed, shared_marker
from bot.services.sharing import SharedPost, ShareUnclear
from bot.user_error import UserError

log = logging.getLogger(__name__)


class DiscordSharer:
    """Shows a shared reflection in the cohort's channel or the prompt's thread.

    Built for one member (the author asking) or, to settle shares after a restart,
    for nobody: then it may look and remove, never post.
    """

    def __init__(self, bot: discord.Client, member: discord.abc.User | None = None) -> None:
        self.bot = bot
        self.member = member if isinstance(member, discord.Member) else None

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I cannot see that channel or thread.") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise UserError("I can only share into a text channel or thread.")
        return channel

    async def author_may_post(self, channel_id: int) -> bool:
        if self.member is None:
            return False
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return False
        try:
            allowed = channel.permissions_for(self.member)
        except discord.ClientException:  # a thread whose parent is not cached
            return False
        if isinstance(channel, discord.Thread):
            locked = channel.locked and not allowed.manage_threads
            return allowed.view_channel and allowed.send_messages_in_threads and not locked
        return allowed.view_channel and allowed.send_messages

    async def share(self, channel_id: int, post: SharedPost) -> int:
        channel = await self._channel(channel_id)
        try:
            message = await channel.send(
                content=byline(post),
                embed=shared_embed(post),
                allowed_mentions=NO_PINGS,
                nonce=f"reflection-{post.reflection_id}",
            )
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I could not post in that channel or thread.") from None
        except discord.HTTPException as error:
            if 400 <= error.status < 500:  # refused: nothing was posted
                log.warning("sharing a reflection in %s was refused: %s", channel_id, error)
                raise UserError("Discord did not take the post.") from None
            raise ShareUnclear(str(error)) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ShareUnclear(repr(error)) from error
        return message.id

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        channel = await self._channel(channel_id)
        marker = shared_marker(reflection_id)
        try:
            async for message in channel.history(limit=200, after=since - timedelta(minutes=1)):
                if message.author == self.bot.user and any(
                    shown.footer.text == marker for shown in message.embeds
                ):
                    return message.id
        except (discord.Forbidden, discord.NotFound):
            raise UserError("I cannot read that channel or thread to check.") from None
        return None

    async def unshare(self, channel_id: int, message_id: int) -> None:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if isinstance(channel, discord.abc.Messageable):
                await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            log.info("shared reflection message %s was already gone", message_id)
        except discord.Forbidden:
            raise UserError(
                f"I could not remove the shared post in <#{channel_id}> because I no longer have "
                "access there, so nothing was removed. Ask a facilitator to restore my access "
                "or delete the post, then try again."
            ) from None


def byline(post: SharedPost) -> str:
    """Who wrote it, as Discord shows it: a mention cannot be faked by a nickname."""
    if post.author_id is None:
        return "Shared anonymously: the author's name is hidden from everyone."
    return f"Shared by <@{post.author_id}>"
