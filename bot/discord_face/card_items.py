"""Card buttons and menus, and what they do: shown, revealed, browsed, picked.

Buttons are DynamicItems whose custom_id carries the card id, so they keep working
after a restart or a content reload, with no view state held in memory. The cards
extension registers them; the daily post reuses card_components.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_face.common import NO_PINGS, curriculum_of, public, services_of
from bot.discord_face.embeds import embed
from bot.discord_face.items import ReportingItem
from bot.library.models import Kind
from bot.services.answers import CardView, MenuOption, SuggestionView
from bot.services.chat_limits import BUTTON_LABEL, OPTION_DESCRIPTION, OPTION_LABEL, SELECT_OPTIONS
from bot.services.permissions import SHOWN_ONLY_TO_YOU
from bot.text import clip
from bot.user_error import UserError

GONE = "That card is no longer in the library."


KIND_STYLES = {
    Kind.APPROACH: discord.ButtonStyle.primary,
    Kind.EXPERT: discord.ButtonStyle.secondary,
    Kind.MYTH: discord.ButtonStyle.danger,
    Kind.PROMPT: discord.ButtonStyle.success,
}


def card_components(view: CardView, *, private: bool) -> discord.ui.View:
    """Reveal button (myths) and one button per related card."""
    components = discord.ui.View(timeout=None)
    if view.reveal_label:
        components.add_item(RevealButton(view.card_id, private=private))
    for link in view.links:
        components.add_item(CardButton(link.card_id, link.label, link.kind))
    return components


class CardButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"card:(?P<id>[a-z0-9-]+)",
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

    async def act(self, interaction: discord.Interaction) -> None:
        await show_card_by_id(interaction, self.card_id, private=True, reveal=False)


class RevealButton(
    ReportingItem,
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

    async def act(self, interaction: discord.Interaction) -> None:
        await reveal_card(interaction, self.card_id, in_place=self.private)


class PickSelect(
    ReportingItem,
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

    async def act(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        if values and values[0] != "-":
            await show_card_by_id(interaction, values[0], private=self.private, reveal=False)


class BrowsePageButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    # Only the kinds there are: a crafted 'page:zzz:…' must not match (Kind() would raise).
    template=rf"page:(?P<kind>{'|'.join(kind.value for kind in Kind)}):(?P<p>[pc]):(?P<page>\d+)",
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

    async def act(self, interaction: discord.Interaction) -> None:
        await browse_page(interaction, self.kind, self.page, private=self.private)


async def show_card(interaction: discord.Interaction, view: CardView, *, private: bool) -> None:
    """Post a card (or show it only to the member, always if they may not post here)."""
    shown = public(interaction, private=private)
    await interaction.response.send_message(
        SHOWN_ONLY_TO_YOU if not private and not shown else discord.utils.MISSING,
        embed=embed(view),
        view=card_components(view, private=not shown),
        ephemeral=not shown,
        allowed_mentions=NO_PINGS,
    )


async def show_card_by_id(
    interaction: discord.Interaction, card_id: str, *, private: bool, reveal: bool
) -> None:
    """Show the card a button or menu pointed at, if content still has it."""
    curriculum = await curriculum_of(interaction)
    view = services_of(interaction).cards.view(card_id, reveal=reveal, curriculum=curriculum)
    if view is None:
        raise UserError(GONE)
    await show_card(interaction, view, private=private)


async def reveal_card(interaction: discord.Interaction, card_id: str, *, in_place: bool) -> None:
    """Show a myth's answer: replace a private card, or answer privately under a public one."""
    curriculum = await curriculum_of(interaction)
    view = services_of(interaction).cards.view(card_id, reveal=True, curriculum=curriculum)
    if view is None:
        raise UserError(GONE)
    if in_place:
        await interaction.response.edit_message(
            embed=embed(view), view=card_components(view, private=True)
        )
    else:
        await show_card(interaction, view, private=True)


def browse_components(
    interaction: discord.Interaction, kind: Kind, page: int, *, private: bool, curriculum: str
) -> tuple[str, discord.ui.View]:
    options = services_of(interaction).cards.browse(kind, curriculum)
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
    curriculum = await curriculum_of(interaction)
    text, components = browse_components(
        interaction, kind, page, private=private, curriculum=curriculum
    )
    await interaction.response.edit_message(content=text, view=components)


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


CARD_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CardButton,
    RevealButton,
    PickSelect,
    BrowsePageButton,
)
