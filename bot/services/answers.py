"""Plain view objects: what a user sees, independent of any chat or the terminal.

Services return these; ``bot/discord_face/embeds.py`` turns them into embeds and buttons,
the Slack face into Block Kit, the console into text. Keeping them plain lets the checker
measure a card against Discord's limits without importing discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.library.models import Kind


def plural(count: int, word: str, many: str = "") -> str:
    """'1 page', '3 pages': a count with its noun ('many' for irregular plurals)."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


@dataclass(frozen=True)
class ViewField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Link:
    """A button to another card."""

    card_id: str
    label: str
    kind: Kind


@dataclass(frozen=True)
class CardView:
    """One card as shown to a member."""

    card_id: str
    kind: Kind
    title: str
    description: str
    author: str = ""
    fields: tuple[ViewField, ...] = ()
    footer: str = ""
    links: tuple[Link, ...] = ()
    reveal_label: str | None = None


@dataclass(frozen=True)
class MenuOption:
    """One card in a browse menu or an autocomplete list."""

    card_id: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class SuggestionView:
    """No card had the name asked for; here are the closest."""

    query: str
    kind: Kind | None
    options: tuple[MenuOption, ...]

    @property
    def message(self) -> str:
        what = f"{self.kind.value} " if self.kind else "card "
        if not self.options:
            return f"No {what}matches “{self.query}”. Try /search or browse without a name."
        names = "\n".join(f"• **{option.label}** (`{option.card_id}`)" for option in self.options)
        return f"No {what}is called “{self.query}”. Did you mean:\n{names}"


@dataclass(frozen=True)
class TextView:
    """A titled block of text (help, about) with optional fields."""

    title: str
    description: str
    fields: tuple[ViewField, ...] = field(default_factory=tuple)
    footer: str = ""
