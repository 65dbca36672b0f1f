"""What every console command module shares: the command record and small text helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Handler = Callable[[str], Awaitable[str]]
Completer = Callable[[str], list[str]]

# The console's one local member, server and channel. The channel is not 0: the store
# and the services treat 0 as "no channel".
CONSOLE_GUILD, CONSOLE_USER, CONSOLE_CHANNEL = 0, 1, 1


@dataclass
class Command:
    """A slash command the console takes: its handler and what Tab offers after it."""

    name: str
    handler: Handler
    complete: Completer = field(default=lambda typed: [])


@dataclass
class Question:
    """A yes/no question (delete, forget-me): only 'y' or 'yes' runs ``on_yes``."""

    on_yes: Callable[[], Awaitable[str]]
    on_no: str


@dataclass
class Draft:
    """Text being written over several lines (a new reflection, or an edit).

    ``key`` names what it is for, so running the same command again goes on with it;
    ``resume`` is that command as the member types it.
    """

    key: str
    about: str
    resume: str
    finish: Callable[[str], Awaitable[str]]
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def words(choices: tuple[str, ...]) -> Completer:
    """Complete one of a fixed set of words."""

    def complete(typed: str) -> list[str]:
        return [word for word in choices if word.startswith(typed.lower())]

    return complete


def sentence(text: str) -> str:
    """End with a full stop unless the text already ends a sentence ('…offending?')."""
    stripped = text.rstrip()
    return stripped if stripped.endswith((".", "?", "!", "…")) else f"{stripped}."


def split_options(args: str) -> tuple[list[str], dict[str, str]]:
    """Plain words, and Discord-style ``name:value`` options (``scope:everyone``)."""
    plain: list[str] = []
    named: dict[str, str] = {}
    for word in args.split():
        name, colon, value = word.partition(":")
        if colon and name.isalpha() and value:
            named[name.lower()] = value
        else:
            plain.append(word)
    return plain, named
