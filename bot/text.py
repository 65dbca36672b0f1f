"""Small text helpers every layer uses, and text that holds channels and times as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters with an ellipsis, for user input echoes."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ChannelMention:
    """A channel or thread, which each face names its own way (Discord: ``<#id>``)."""

    channel_id: int


@dataclass(frozen=True)
class Moment:
    """An instant, shown in the cohort's zone and, where a face can, in the reader's own."""

    at: datetime
    zone: str

    def in_zone(self) -> str:
        """'Mon 02 Mar 2026, 09:00 Europe/Berlin': the same text on every face."""
        return f"{self.at.astimezone(ZoneInfo(self.zone)):%a %d %b %Y, %H:%M} {self.zone}"


@dataclass(frozen=True)
class MemberMention:
    """A member, named by id (Discord: a mention that pings nobody) and by the display name
    recorded when they joined or last acted (what a face without mentions shows)."""

    user_id: int
    name: str


Part = str | ChannelMention | Moment | MemberMention


def _by_name(member: MemberMention) -> str:
    return member.name


@dataclass(frozen=True)
class Rich:
    """A sentence holding channels and times as data; faces format the parts.

    ``str()`` gives a plain form for logs and tests that need no face.
    """

    parts: tuple[Part, ...]

    @classmethod
    def of(cls, *parts: Part) -> Rich:
        return cls(tuple(part for part in parts if part != ""))

    def render(
        self,
        channel: Callable[[ChannelMention], str],
        moment: Callable[[Moment], str],
        member: Callable[[MemberMention], str] = _by_name,
    ) -> str:
        """The text with each channel, time and member formatted by the face's own functions."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, ChannelMention):
                out.append(channel(part))
            elif isinstance(part, Moment):
                out.append(moment(part))
            elif isinstance(part, MemberMention):
                out.append(member(part))
            else:
                out.append(part)
        return "".join(out)

    def __str__(self) -> str:
        return self.render(lambda c: f"channel {c.channel_id}", Moment.in_zone)
