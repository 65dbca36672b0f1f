"""Delivering notes on Discord: digests and summaries as embeds in the facilitators'
channel, reminders as direct messages (POST /users/@me/channels, then a message).

Every note is sent with mentions that ping nobody; its marker is the embed's footer,
which is how a digest sent just before a crash is found again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

import discord

from bot.discord_face.colours import COLOURS
from bot.discord_face.common import NO_PINGS
from bot.discord_face.markup import discord_text
from bot.services.delivery import DeliveryFailed, DirectMessagesClosed, Note
from bot.text import clip

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

log = logging.getLogger(__name__)
CANNOT_SEND_TO_USER = 50007  # Discord: "Cannot send messages to this user" (DMs closed)


def note_embed(note: Note) -> discord.Embed:
    """A note as an embed: its lines as the description, its marker as the footer."""
    shown = discord.Embed(
        title=clip(note.title, 256),
        description=clip("\n".join(discord_text(line) for line in note.lines), 4096),
        colour=COLOURS["schedule"],
    )
    shown.set_footer(text=clip(note.marker, 2048))
    return shown


OPEN_CHANNEL = (
    "every member can see that channel now, and the note names who has not reflected; "
    "make it private again, or choose another with /cohort edit facilitator_channel"
)


def readable_by_members(channel: discord.abc.GuildChannel, facilitator_role: int | None) -> bool:
    """Whether members who are not facilitators can read ``channel``: through @everyone, or
    a role that is neither the facilitator role nor one with Manage Server (servers often
    show channels to a 'Member' role every member holds, not to @everyone)."""
    return any(
        channel.permissions_for(role).view_channel
        for role in channel.guild.roles
        if role.is_default()
        or not (
            role.is_bot_managed()
            or role.id == facilitator_role
            or role.permissions.manage_guild
            or role.permissions.administrator
        )
    )


class DiscordCourier:
    """The Discord face's Courier (bot/services/delivery.py)."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def _check_private(self, channel: discord.abc.Messageable, guild_id: int) -> None:
        """Refuse a facilitators' channel that was opened to members since it was chosen."""
        if not isinstance(channel, discord.abc.GuildChannel):
            return
        services = cast("CohortBot", self.bot).services
        role = await services.facilitators.settings.get_facilitator_role(guild_id)
        if readable_by_members(channel, role):
            raise DeliveryFailed(OPEN_CHANNEL)

    async def _channel(self, channel_id: int, guild_id: int) -> discord.abc.Messageable:
        guild = self.bot.get_guild(guild_id)
        channel: object = guild.get_channel_or_thread(channel_id) if guild else None
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                raise DeliveryFailed("that channel no longer exists") from None
            except discord.Forbidden:
                raise DeliveryFailed("I cannot see that channel") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryFailed("that is not a text channel")
        return channel

    async def send(self, channel_id: int, guild_id: int, note: Note) -> int:
        channel = await self._channel(channel_id, guild_id)
        await self._check_private(channel, guild_id)
        try:
            message = await channel.send(embed=note_embed(note), allowed_mentions=NO_PINGS)
        except discord.NotFound:
            raise DeliveryFailed("that channel no longer exists") from None
        except discord.Forbidden:
            raise DeliveryFailed("I am not allowed to post there") from None
        except discord.HTTPException as error:
            if 400 <= error.status < 500:
                raise DeliveryFailed(f"Discord refused it ({error.status}: {error.text})") from None
            raise
        return message.id

    async def find(
        self, channel_id: int, guild_id: int, marker: str, since: datetime
    ) -> int | None:
        channel = await self._channel(channel_id, guild_id)
        try:
            async for message in channel.history(limit=100, after=since - timedelta(minutes=1)):
                if message.author != self.bot.user:
                    continue
                if any(embed.footer.text == marker for embed in message.embeds):
                    return message.id
        except discord.Forbidden:
            raise DeliveryFailed("I cannot read that channel's history") from None
        except discord.NotFound:
            raise DeliveryFailed("that channel no longer exists") from None
        return None

    async def direct(self, user_id: int, note: Note) -> int:
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            message = await user.send(embed=note_embed(note), allowed_mentions=NO_PINGS)
        except discord.Forbidden as error:
            if error.code == CANNOT_SEND_TO_USER:
                raise DirectMessagesClosed("their direct messages are closed") from None
            raise DeliveryFailed(f"Discord refused it ({error.status}: {error.text})") from None
        except discord.NotFound:
            raise DeliveryFailed("that member no longer exists") from None
        except discord.HTTPException as error:
            if 400 <= error.status < 500:
                raise DeliveryFailed(f"Discord refused it ({error.status}: {error.text})") from None
            raise
        return message.id
