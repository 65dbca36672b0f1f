"""Turn the services' plain views into Discord embeds and components.

Buttons are DynamicItems whose custom_id carries the card id, so they keep working
after a restart or a content reload, with no view state held in memory.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.library.models import Kind
from bot.services.answers import CardView, MenuOption, TextView
from bot.services.chat_limits import BUTTON_LABEL, OPTION_DESCRIPTION, OPTION_LABEL
from bot.text import clip

NO_PINGS = discord.AllowedMentions.none()
KIND_STYLES = {
    Kind.APPROACH: discord.ButtonStyle.primary,
    Kind.EXPERT: discord.ButtonStyle.secondary,
    Kind.MYTH: discord.ButtonStyle.danger,
    Kind.PROMPT: discord.ButtonStyle.success,
}


def embed(view: CardView | TextView) -> discord.Embed:
    """The embed for a card or a text view."""
    result = discord.Embed(title=view.title, description=view.description, colour=view.colour)
    if isinstance(view, CardView) and view.author:
        result.set_author(name=view.author)
    for item in view.fields:
        result.add_field(name=item.name, value=item.value, inline=item.inline)
    if view.footer:
        result.set_footer(text=view.footer)
    return result


def card_components(view: CardView, *, private: bool) -> discord.ui.View:
    """Reveal button (myths) and one button per related card."""
    components = discord.ui.View(timeout=None)
    if view.reveal_label:
        components.add_item(RevealButton(view.card_id, private=private))
    for link in view.links:
        components.add_item(CardButton(link.card_id, link.label, link.kind))
    return components


class CardButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"card:(?P<id>[a-z0-9-]+)"
):
    """Shows a related card to whoever clicks, privately (no channel spam)."""

    def __init__(self, card_id: str, label: str = "Card", kind: Kind = Kind.APPROACH) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, BUTTON_LABEL),
                style=KIND_STYLES[kind],
                custom_id=f"card:{card_id}",
            )
        )
        self.card_id = card_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardButton:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_face.cards import show_card_by_id

        await show_card_by_id(interaction, self.card_id, private=True, reveal=False)


class RevealButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"reveal:(?P<id>[a-z0-9-]+):(?P<p>[pc])",
):
    """A myth's answer: in place for a private card, privately for a public one."""

    def __init__(self, card_id: str, *, private: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label="What does the evidence say?",
                style=discord.ButtonStyle.success,
                custom_id=f"reveal:{card_id}:{'p' if private else 'c'}",
            )
        )
        self.card_id = card_id
        self.private = private

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RevealButton:
        return cls(match["id"], private=match["p"] == "p")

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_face.cards import reveal_card

        await reveal_card(interaction, self.card_id, in_place=self.private)


class PickSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"pick:(?P<p>[pc]):(?P<context>[a-z0-9:-]+)",
):
    """A menu of cards (a browse page or search results); picking one shows it."""

    def __init__(
        self, options: list[MenuOption], *, private: bool, context: str, placeholder: str = ""
    ) -> None:
        super().__init__(
            discord.ui.Select(
                placeholder=placeholder or "Choose a card…",
                custom_id=f"pick:{'p' if private else 'c'}:{context}",
                options=[
                    discord.SelectOption(
                        label=clip(option.label, OPTION_LABEL),
                        value=option.card_id,
                        description=clip(option.description, OPTION_DESCRIPTION) or None,
                    )
                    for option in options
                ]
                or [discord.SelectOption(label="(none)", value="-")],
            )
        )
        self.private = private

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickSelect:
        return cls([], private=match["p"] == "p", context=match["context"])

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_face.cards import show_card_by_id

        values = self.item.values
        if values and values[0] != "-":
            await show_card_by_id(interaction, values[0], private=self.private, reveal=False)


class BrowsePageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"page:(?P<kind>[a-z]+):(?P<p>[pc]):(?P<page>\d+)",
):
    """Next/previous page of a browse menu when a kind has more than 25 cards."""

    def __init__(self, kind: Kind, page: int, label: str, *, private: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"page:{kind.value}:{'p' if private else 'c'}:{page}",
            )
        )
        self.kind, self.page, self.private = kind, page, private

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BrowsePageButton:
        return cls(Kind(match["kind"]), int(match["page"]), "", private=match["p"] == "p")

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord_face.cards import browse_page

        await browse_page(interaction, self.kind, self.page, private=self.private)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CardButton,
    RevealButton,
    PickSelect,
    BrowsePageButton,
)
