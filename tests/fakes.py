"""Stand-ins shared by tests: a clock moved by hand, a poster that records prompts and a
courier that records digests and reminders.

The fake Discord itself lives in :mod:`tests.fakediscord`; these are for tests that call
the services directly, and for anything that needs time to pass without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.services.delivery import DeliveryFailed, DirectMessagesClosed, Note
from bot.services.prompts import PostFailed, PromptPost
from bot.text import Rich


class FakeClock:
    """A clock tests move by hand: no sleeping through days and DST changes."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class RecordingPoster:
    """Stands in for Discord: records posts; can refuse a channel like Discord would."""

    posts: list[PromptPost] = field(default_factory=list)
    notices: list[tuple[int | None, int, str]] = field(default_factory=list)
    refuse: dict[int, str] = field(default_factory=dict)
    sent_unrecorded: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    unreadable: set[int] = field(default_factory=set)

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        if post.channel_id in self.refuse:
            raise PostFailed(self.refuse[post.channel_id])
        self.posts.append(post)
        return 1000 + len(self.posts), 2000 + len(self.posts)

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        self.notices.append((channel_id, guild_id, str(text)))

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        if post.channel_id in self.unreadable:
            raise PostFailed("I cannot read that channel's history")
        return self.sent_unrecorded.get(post.prompt.id)

    def posted_ids(self, guild_id: int = 1) -> list[str]:
        return [post.prompt.id for post in self.posts if post.guild_id == guild_id]


@dataclass
class RecordingCourier:
    """Stands in for a face's Courier: records notes; refuses channels or members as told."""

    sent: list[tuple[int, Note]] = field(default_factory=list)
    direct_messages: list[tuple[int, Note]] = field(default_factory=list)
    refuse: set[int] = field(default_factory=set)
    closed: set[int] = field(default_factory=set)  # members whose DMs are closed

    async def send(self, channel_id: int, guild_id: int, note: Note) -> int:
        if channel_id in self.refuse:
            raise DeliveryFailed("I am not allowed to post there")
        self.sent.append((channel_id, note))
        return 5000 + len(self.sent)

    async def find(
        self, channel_id: int, guild_id: int, marker: str, since: datetime
    ) -> int | None:
        for number, (channel, note) in enumerate(self.sent, start=1):
            if channel == channel_id and note.marker == marker:
                return 5000 + number
        return None

    async def direct(self, user_id: int, note: Note) -> int:
        if user_id in self.closed:
            raise DirectMessagesClosed("their direct messages are closed")
        self.direct_messages.append((user_id, note))
        return 7000 + len(self.direct_messages)
