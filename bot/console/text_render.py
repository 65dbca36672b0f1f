"""Views as terminal text: the console's face on the same view objects Discord gets."""

from __future__ import annotations

import re
import textwrap

from bot.console.base import CONSOLE_CHANNEL
from bot.services.answers import CardView, MenuOption, SuggestionView, TextView
from bot.text import ChannelMention, Moment, Rich

WIDTH = 88
NBSP = "\u00a0"  # glues a command to its id: a line is never broken between them
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)", re.DOTALL)
_CODE = re.compile(r"`([^`]+)`")


class TextRenderer:
    """Turn views into text; ``ansi`` adds bold for a real terminal."""

    def __init__(self, *, ansi: bool = False, width: int = WIDTH) -> None:
        self.ansi = ansi
        self.width = width

    def rich(self, text: Rich | str) -> str:
        """Channels and times as a terminal shows them: the local zone, no markup."""
        if isinstance(text, str):
            return text
        return text.render(_console_channel, _console_moment)

    def markdown(self, text: str) -> str:
        """Strip Discord's Markdown, keeping bold as ANSI bold on a terminal."""
        bold = r"\033[1m\1\033[0m" if self.ansi else r"\1"
        text = _BOLD.sub(bold, text)
        return _CODE.sub(r"\1", _ITALIC.sub(r"\1", text))

    def wrap(self, text: str, indent: str = "") -> str:
        lines: list[str] = []
        for paragraph in self.markdown(text).split("\n"):
            if not paragraph.strip():
                lines.append("")
                continue
            hang = indent + ("  " if paragraph.startswith("• ") else "")
            lines.extend(
                textwrap.wrap(
                    paragraph,
                    self.width,
                    initial_indent=indent,
                    subsequent_indent=hang,
                    break_on_hyphens=False,  # ids and commands are typed whole
                    break_long_words=False,
                )
            )
        return "\n".join(lines).replace(NBSP, " ")

    def rule(self, label: str) -> str:
        head = f"── {label} "
        return head + "─" * max(3, self.width - len(head))

    def card(self, view: CardView) -> str:
        parts = [self.rule(view.author), self.heading(view.title), self.wrap(view.description)]
        parts.extend(self.field(item.name, item.value) for item in view.fields)
        if view.reveal_label:
            parts.append(f"[{view.reveal_label}]  type /reveal")
        if view.links:
            links = " · ".join(
                f"{link.label} ({command(link.kind.value, link.card_id)})" for link in view.links
            )
            parts.append(self.wrap(f"Related: {links}"))
        if view.footer:
            parts.append(self.wrap(view.footer))
        return "\n\n".join(part for part in parts if part)

    def heading(self, title: str) -> str:
        return f"\033[1m{title}\033[0m" if self.ansi else title.upper()

    def field(self, name: str, value: str) -> str:
        return self.wrap(f"**{name}:** {value}")

    def text(self, view: TextView) -> str:
        parts = [self.rule(view.title), self.wrap(view.description)]
        parts.extend(self.field(item.name, item.value) for item in view.fields)
        if view.footer:
            parts.append(self.wrap(view.footer))
        return "\n\n".join(parts)

    def options(self, title: str, options: list[MenuOption]) -> str:
        if not options:
            return f"{title}: none."
        rows = [f"  {option.label}  —  {option.description}" for option in options]
        return "\n".join([f"{title}:", *rows])

    def suggestions(self, view: SuggestionView) -> str:
        """Did-you-mean, and how to open one (in Discord a menu does that)."""
        text = self.markdown(view.message)
        if view.options and view.kind is not None:
            example = command(view.kind.value, view.options[0].card_id)
            text += f"\nType the id to open one, e.g. {example}"
        return text.replace(NBSP, " ")


def command(name: str, argument: str) -> str:
    """'/myth addiction-treatment-works', kept on one line when wrapped."""
    return f"/{name}{NBSP}{argument}"


def _console_channel(channel: ChannelMention) -> str:
    return "this console" if channel.channel_id == CONSOLE_CHANNEL else f"#{channel.channel_id}"


def _console_moment(moment: Moment) -> str:
    return f"{moment.in_zone()} ({moment.at.astimezone():%a %d %b, %H:%M} your time)"
