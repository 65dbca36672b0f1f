"""Small helpers every cog shares: who is acting, and the services behind the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.library.models import Kind
from bot.services.permissions import Actor
from bot.user_error import UserError

NO_PINGS = discord.AllowedMentions.none()  # content never pings anyone

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot
    from bot.services.container import Services


def services_of(interaction: discord.Interaction) -> Services:
    """The services behind the bot that received this interaction."""
    return cast("CohortBot", interaction.client).services


def actor_of(interaction: discord.Interaction) -> Actor:
    """The member as the services see them; commands only work inside a server."""
    if interaction.guild_id is None:
        raise UserError("This command works inside the cohort's server, not in direct messages.")
    user = interaction.user
    roles = user.roles if isinstance(user, discord.Member) else []
    return Actor(
        user_id=user.id,
        guild_id=interaction.guild_id,
        display_name=user.display_name,
        channel_id=interaction.channel_id,
        manages_server=interaction.permissions.manage_guild,
        role_ids=frozenset(role.id for role in roles),
        role_names=tuple(role.name for role in roles),
    )


def card_choices(
    interaction: discord.Interaction, kind: Kind | None, typed: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices for card names; none (not an error) while content is broken."""
    services = services_of(interaction)
    if not services.content.loaded:
        return []
    options = services.cards.autocomplete(kind, typed)
    return [app_commands.Choice(name=option.label, value=option.card_id) for option in options]


async def reply_privately(
    interaction: discord.Interaction, text: str, *, file: discord.File | None = None
) -> None:
    """Answer privately, whether or not the interaction was deferred first."""
    extra: dict[str, Any] = {} if file is None else {"file": file}
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS, **extra)
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=NO_PINGS, **extra
        )
