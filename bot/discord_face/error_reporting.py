"""One place that tells a member something went wrong; tracebacks go to the log only."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_face.markup import discord_text
from bot.user_error import UserError

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on our side. It has been logged; please try again."


def unwrap(error: BaseException) -> BaseException:
    """The exception a command raised, not discord.py's wrapper around it."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer the member privately; a followup if the interaction was already answered."""
    cause = unwrap(error)
    if isinstance(cause, UserError) and str(cause):
        message = discord_text(cause.rich)
    elif isinstance(cause, app_commands.CheckFailure) and str(cause):
        message = str(cause)
    else:
        log.error("interaction %s failed", _describe(interaction), exc_info=cause)
        message = SORRY
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about the failure in %s", _describe(interaction))


def _describe(interaction: discord.Interaction) -> str:
    name = interaction.command.qualified_name if interaction.command else interaction.type.name
    return f"{name} (guild {interaction.guild_id}, user {interaction.user.id})"
