"""The one error-reporting base for buttons and menus.

Component callbacks have no tree error handler; every dynamic item derives from
ReportingItem and implements ``act``, so a failure always reaches the member.
"""

from __future__ import annotations

from abc import abstractmethod

import discord

from bot.discord_face.error_reporting import report_error


class ReportingItem:
    """Mix in before ``discord.ui.DynamicItem``: ``callback`` runs ``act`` and reports errors."""

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except Exception as error:
            await report_error(interaction, error)

    @abstractmethod
    async def act(self, interaction: discord.Interaction) -> None:
        """What the click or pick does."""
