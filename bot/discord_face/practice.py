"""/practice: a member's next check privately, its answer buttons, the reveal, their stats.

Answer and "next check" buttons are DynamicItems whose custom_id carries the item id
(and the choice), so a check left open across a restart still answers. The daily post
carries QuickCheckButton (added by DiscordPoster.post), which opens one due check.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_face.card_items import CardButton
from bot.discord_face.common import NO_PINGS, actor_of, services_of
from bot.discord_face.embeds import (
    BELIEFS_FILE,
    beliefs_embed,
    check_embed,
    practice_stats_embed,
    reveal_embed,
)
from bot.discord_face.items import ReportingItem
from bot.discord_face.markup import discord_text
from bot.services.practice import CaughtUpView, CheckView, RevealView

if TYPE_CHECKING:
    from bot.discord_face.client import CohortBot

QUICK_CHECK, NEXT_CHECK = "Quick check", "Next check"


class AnswerButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pa:(?P<item>[mc]:[a-z0-9:-]+):(?P<choice>[a-z0-9]+)",
):
    """One answer to a check; the reveal replaces the check in place (it is private)."""

    def __init__(self, item_id: str, choice: str, label: str = "Answer") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,  # one style for all: no hint
                custom_id=f"pa:{item_id}:{choice}",
            )
        )
        self.item_id, self.choice = item_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match["item"], match["choice"])

    async def act(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        # committed before the member sees the reveal
        reveal = await services.practice.answer(actor_of(interaction), self.item_id, self.choice)
        await interaction.response.edit_message(
            embed=reveal_embed(reveal), view=reveal_components(reveal)
        )


class QuickCheckButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"practice:next:(?P<where>[pe])",
):
    """Opens the member's next check: privately under a daily post ("p"), or in place of
    a reveal the member is looking at ("e")."""

    def __init__(self, *, in_place: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=NEXT_CHECK if in_place else QUICK_CHECK,
                emoji="🧠",
                style=discord.ButtonStyle.primary,
                custom_id=f"practice:next:{'e' if in_place else 'p'}",
            )
        )
        self.in_place = in_place

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QuickCheckButton:
        return cls(in_place=match["where"] == "e")

    async def act(self, interaction: discord.Interaction) -> None:
        await show_next_check(interaction, in_place=self.in_place)


def answer_components(view: CheckView) -> discord.ui.View:
    components = discord.ui.View(timeout=None)
    for key, label in view.choices:
        components.add_item(AnswerButton(view.item_id, key, label))
    return components


def reveal_components(view: RevealView) -> discord.ui.View:
    """The related cards (shown privately, like any card button) and the next check."""
    components = discord.ui.View(timeout=None)
    for link in view.links:
        components.add_item(CardButton(link.card_id, link.label, link.kind))
    components.add_item(QuickCheckButton(in_place=True))
    return components


async def show_next_check(interaction: discord.Interaction, *, in_place: bool) -> None:
    """The member's next check, or when the next one is ready; always only to them."""
    shown = await services_of(interaction).practice.next_check(actor_of(interaction))
    if isinstance(shown, CaughtUpView):
        text = discord_text(shown.text)
        if in_place:
            await interaction.response.edit_message(content=text, embed=None, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
        return
    if in_place:
        await interaction.response.edit_message(
            content=None, embed=check_embed(shown), view=answer_components(shown)
        )
    else:
        await interaction.response.send_message(
            embed=check_embed(shown), view=answer_components(shown), ephemeral=True
        )


class Practice(commands.Cog):
    """Spaced practice on the myths and the approaches' checks, private to each member."""

    def __init__(self, bot: CohortBot) -> None:
        self.bot = bot

    @app_commands.command(description="Your next quick check, or your own practice numbers")
    @app_commands.describe(show="check: your next due check (default); stats: your numbers")
    async def practice(
        self, interaction: discord.Interaction, show: Literal["check", "stats"] = "check"
    ) -> None:
        if show == "stats":
            stats = await services_of(interaction).practice.stats(actor_of(interaction))
            await interaction.response.send_message(
                embed=practice_stats_embed(stats), ephemeral=True
            )
            return
        await show_next_check(interaction, in_place=False)


async def send_beliefs(interaction: discord.Interaction) -> None:
    """/cohort-reflections beliefs: the belief-shift counts and chart, privately."""
    services, actor = services_of(interaction), actor_of(interaction)
    await services.practice.check_can_see_beliefs(actor)  # refuse before any wait
    await interaction.response.defer(ephemeral=True, thinking=True)
    view = await services.practice.beliefs(actor)
    extra: dict[str, Any] = {}
    if view.chart_png is not None:
        extra["file"] = discord.File(io.BytesIO(view.chart_png), filename=BELIEFS_FILE)
    await interaction.followup.send(embed=beliefs_embed(view), ephemeral=True, **extra)


async def setup(bot: CohortBot) -> None:
    bot.add_dynamic_items(AnswerButton, QuickCheckButton)
    await bot.add_cog(Practice(bot))
