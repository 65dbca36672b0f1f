"""What a face must do to deliver what the bot sends on a cohort's behalf besides posts:
weekly digests and end-of-cohort summaries to the facilitators' channel, and reminders
to members by direct message.

Each is reserved in the store before it is sent (table cohort_deliveries) and settled
after, like posts, so a restart never sends one twice. A note carries a marker the
face puts where it can find it again (Discord: the embed's footer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.text import Rich


@dataclass(frozen=True)
class Note:
    """A message for facilitators or a member: a title, lines, and a findable marker."""

    title: str
    lines: tuple[Rich, ...]
    marker: str


class DeliveryFailed(Exception):
    """The chat refused the message (the channel is gone, or the bot may not post there)."""


class DirectMessagesClosed(DeliveryFailed):
    """The member accepts no direct messages from the bot (Discord's 50007)."""


class Courier(Protocol):
    """A face's way of delivering notes."""

    async def send(self, channel_id: int, guild_id: int, note: Note) -> int:
        """Post a note in a channel; return its message id. Raise DeliveryFailed if refused."""
        ...

    async def find(
        self, channel_id: int, guild_id: int, marker: str, since: datetime
    ) -> int | None:
        """The bot's note with this marker sent after ``since``, or None if certainly not
        there; raise DeliveryFailed if the channel cannot be read."""
        ...

    async def direct(self, user_id: int, note: Note) -> int:
        """Send a note to a member directly; return its message id. Raise
        DirectMessagesClosed if they accept none, DeliveryFailed if refused otherwise."""
        ...
