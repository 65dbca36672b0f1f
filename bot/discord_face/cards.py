"""Card commands: /approach, /expert, /myth, /search, /about.

Thin glue: every decision is made by the card service; this file only translates
between interactions and views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.common import card_choices, services_of
from bot.discord_face.error_reporting import report_error
from bot.discord_face.render import NO_PINGS, BrowsePageButton, PickSelect, card_components, embed
from bot.library.models import Kind
from bot.services.answers import CardView, SuggestionView
from bot.services.cards import about_view, help_view
from bot.services.chat_limits import SELECT_OPTIONS
from bot.text import clip

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

NAME_HELP = "Start typing to pick from the list; leave empty to browse them all"
PRIVATE_HELP = "Show it only to you (default: post it for the cohort)"


async def show_card(interaction: discord.Interaction, view: CardView, *, private: bool) -> None:
    """Post a card (or show it only to the member) with its buttons."""
    await interaction.response.send_message(
        embed=embed(view),
        view=card_components(view, private=private),
        ephemeral=private,
        allowed_mentions=NO_PINGS,
    )


async def show_card_by_id(
    interaction: discord.Interaction, card_id: str, *, private: bool, reveal: bool
) -> None:
    """Show the card a button or menu pointed at, if content still has it."""
    try:
        view = services_of(interaction).cards.view(card_id, reveal=reveal)
        if view is None:
            await interaction.response.send_message(
                "That card is no longer in the library.", ephemeral=True
            )
            return
        await show_card(interaction, view, private=private)
    except Exception as error:  # component callbacks have no tree error handler
        await report_error(interaction, error)


async def reveal_card(interaction: discord.Interaction, card_id: str, *, in_place: bool) -> None:
    """Show a myth's answer: replace a private card, or answer privately under a public one."""
    try:
        view = services_of(interaction).cards.view(card_id, reveal=True)
        if view is None:
            await interaction.response.send_message(
                "That card is no longer in the library.", ephemeral=True
            )
        elif in_place:
            await interaction.response.edit_message(
                embed=embed(view), view=card_components(view, private=True)
            )
        else:
            await show_card(interaction, view, private=True)
    except Exception as error:
        await report_error(interaction, error)


def browse_components(
    interaction: discord.Interaction, kind: Kind, page: int, *, private: bool
) -> tuple[str, discord.ui.View]:
    options = services_of(interaction).cards.browse(kind)
    pages = max(1, -(-len(options) // SELECT_OPTIONS))
    page = min(max(page, 0), pages - 1)
    chunk = options[page * SELECT_OPTIONS : (page + 1) * SELECT_OPTIONS]
    components = discord.ui.View(timeout=None)
    picker = PickSelect(
        chunk,
        private=private,
        context=f"{kind.value}:{page}",
        placeholder=f"Choose a {kind.value}…",
    )
    components.add_item(picker)
    if page > 0:
        components.add_item(BrowsePageButton(kind, page - 1, "◀ Previous", private=private))
    if page + 1 < pages:
        components.add_item(BrowsePageButton(kind, page + 1, "Next ▶", private=private))
    where = f" (page {page + 1} of {pages})" if pages > 1 else ""
    return f"{len(options)} {kind.section}{where}: choose one.", components


async def browse_page(
    interaction: discord.Interaction, kind: Kind, page: int, *, private: bool
) -> None:
    """Move a browse menu to another page, in place."""
    try:
        text, components = browse_components(interaction, kind, page, private=private)
        await interaction.response.edit_message(content=text, view=components)
    except Exception as error:
        await report_error(interaction, error)


def suggestion_components(
    result: SuggestionView, kind: Kind, *, private: bool
) -> discord.ui.View | None:
    """The did-you-mean candidates as a menu; picking one opens it as the command would."""
    if not result.options:
        return None
    components = discord.ui.View(timeout=None)
    picker = PickSelect(
        list(result.options),
        private=private,
        context=f"suggest:{kind.value}",
        placeholder="Pick the card you meant…",
    )
    components.add_item(picker)
    return components


class Cards(commands.Cog):
    """The curated cards."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    async def _card_command(
        self, interaction: discord.Interaction, kind: Kind, name: str | None, private: bool
    ) -> None:
        cards = self.bot.services.cards
        if not name or not name.strip():
            text, components = browse_components(interaction, kind, 0, private=private)
            await interaction.response.send_message(text, view=components, ephemeral=True)
            return
        result = cards.lookup(kind, name)
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
        return card_choices(interaction, Kind.APPROACH, current)

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
        return card_choices(interaction, Kind.EXPERT, current)

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
        return card_choices(interaction, Kind.MYTH, current)

    @app_commands.command(description="Find cards of every kind")
    @app_commands.describe(query="Words to look for", private=PRIVATE_HELP)
    async def search(
        self, interaction: discord.Interaction, query: str, private: bool = True
    ) -> None:
        options = self.bot.services.cards.search(query)
        shown = clip(query.strip(), 100)
        if not options:
            await interaction.response.send_message(
                f"Nothing matches “{shown}”.", ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        lines = "\n".join(f"**{option.label}** — {option.description}" for option in options)
        result = discord.Embed(title=f"Best matches for “{shown}”", description=lines)
        result.set_footer(text="Pick one from the menu to open it.")
        menu = discord.ui.View(timeout=None)
        menu.add_item(PickSelect(options, private=private, context="search"))
        await interaction.response.send_message(
            embed=result, view=menu, ephemeral=private, allowed_mentions=NO_PINGS
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
    await bot.add_cog(Cards(bot))
