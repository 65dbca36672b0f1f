"""/content reload: maintainers swap in edited content without a restart."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import actor_of, services_of
from bot.text import clip

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

log = logging.getLogger(__name__)


class Content(commands.GroupCog, group_name="content", group_description="Maintain the cards"):
    """Reloading content by command (here or in any process sharing the database), and
    (if configured) when files change."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot
        self.watcher: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        # a /content reload in any process over this database reloads this one too
        self.bot.services.follow_content_reloads()
        settings = self.bot.services.settings
        if settings.content.watch:
            self.watcher = asyncio.create_task(
                self.bot.services.content.watch(), name="cohort-content-watch"
            )

    async def cog_unload(self) -> None:
        self.stop_background()

    def stop_background(self) -> list[asyncio.Task[None]]:
        """The watcher only waits for files to change: stop it at once."""
        if self.watcher is not None:
            self.watcher.cancel()
        return []

    @app_commands.command(description="Re-read the content files and swap them in if clean")
    async def reload(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        actor = replace(
            actor_of(interaction), is_bot_owner=await self.bot.is_owner(interaction.user)
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await services.reload_content(actor)
        await interaction.followup.send(
            clip("\n".join(report.lines(max_problems=8)), 2000), ephemeral=True
        )


async def setup(bot: CohortBot) -> None:
    await bot.add_cog(Content(bot))
