"""Card commands: /approach, /expert, /myth, /search, /about.

Thin glue: every decision is made by the card service; this file only translates
between interactions and views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.card_items import (
    CARD_ITEMS,
    PickSelect,
    browse_components,
    show_card,
    suggestion_components,
)
from bot.discord_face.common import NO_PINGS, card_choices, curriculum_of, public
from bot.discord_face.embeds import embed, search_embed
from bot.library.models import Kind
from bot.services.answers import SuggestionView
from bot.services.cards import about_view, help_view
from bot.services.permissions import SHOWN_ONLY_TO_YOU
from bot.text import clip

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

NAME_HELP = "Start typing to pick from the list; leave empty to browse them all"
PRIVATE_HELP = "Show it only to you (default: post it for the cohort)"


class Cards(commands.Cog):
    """The curated cards."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    async def _card_command(
        self, interaction: discord.Interaction, kind: Kind, name: str | None, private: bool
    ) -> None:
        cards = self.bot.services.cards
        curriculum = await curriculum_of(interaction)  # this channel's cohort's
        if not name or not name.strip():
            text, components = browse_components(
                interaction, kind, 0, private=private, curriculum=curriculum
            )
            await interaction.response.send_message(text, view=components, ephemeral=True)
            return
        result = cards.lookup(kind, name, curriculum)
        if isinstance(result, SuggestionView):
            await interaction.response.send_message(
                clip(result.message, 2000),
                view=suggestion_components(result, kind, private=private) or discord.utils.MISSING,
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await show_card(interaction, result, private=private)

    @app_commands.command(description="A treatment or intervention the article discusses")
    @app_commands.describe(name=NAME_HELP, private=PRIVATE_HELP)
    async def approach(
        self, interaction: discord.Interaction, name: str | None = None, private: bool = False
    ) -> None:
        await self._card_command(interaction, Kind.APPROACH, name, private)

    @approach.autocomplete("name")
    async def _approach_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await card_choices(interaction, Kind.APPROACH, current)

    @app_commands.command(description="An expert the article quotes, and what they said")
    @app_commands.describe(name=NAME_HELP, private=PRIVATE_HELP)
    async def expert(
        self, interaction: discord.Interaction, name: str | None = None, private: bool = False
    ) -> None:
        await self._card_command(interaction, Kind.EXPERT, name, private)

    @expert.autocomplete("name")
    async def _expert_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await card_choices(interaction, Kind.EXPERT, current)

    @app_commands.command(description="A common belief, then what the evidence says")
    @app_commands.describe(name=NAME_HELP, private=PRIVATE_HELP)
    async def myth(
        self, interaction: discord.Interaction, name: str | None = None, private: bool = False
    ) -> None:
        await self._card_command(interaction, Kind.MYTH, name, private)

    @myth.autocomplete("name")
    async def _myth_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await card_choices(interaction, Kind.MYTH, current)

    @app_commands.command(description="Find cards of every kind")
    @app_commands.describe(query="Words to look for", private=PRIVATE_HELP)
    async def search(
        self, interaction: discord.Interaction, query: str, private: bool = True
    ) -> None:
        options = self.bot.services.cards.search(query, curriculum=await curriculum_of(interaction))
        shown = clip(query.strip(), 100)
        if not options:
            await interaction.response.send_message(
                f"Nothing matches “{shown}”.", ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        posted = public(interaction, private=private)
        menu = discord.ui.View(timeout=None)
        menu.add_item(PickSelect(options, private=not posted, context="search"))
        await interaction.response.send_message(
            SHOWN_ONLY_TO_YOU if not private and not posted else discord.utils.MISSING,
            embed=search_embed(shown, options),
            view=menu,
            ephemeral=not posted,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        description="What this bot is, the content note, and where to get support"
    )
    async def about(self, interaction: discord.Interaction) -> None:
        services = self.bot.services
        view = about_view(services.content.library, services.settings.support_text)
        await interaction.response.send_message(embed=embed(view), ephemeral=True)

    @app_commands.command(name="help", description="The bot's commands")
    async def help_command(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=embed(help_view()), ephemeral=True)


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(*CARD_ITEMS)
    await bot.add_cog(Cards(bot))
