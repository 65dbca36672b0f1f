"""What the store tests share: a server, two members, a moment, a cohort, a reflection."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Reflection, Store

NOW = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
GUILD, OTHER_GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222
ALICE, BOB = 900_000_000_000_000_001, 900_000_000_000_000_002


async def add(
    store: Store,
    text: str = "a thought",
    *,
    guild: int = GUILD,
    author: int = ALICE,
    about: str = "p1",
    now: datetime = NOW,
) -> Reflection:
    """Write a reflection on prompt `about` (p1 unless told)."""
    return await store.add_reflection(
        guild, author, about_kind="prompt", about_id=about, text=text, now=now
    )


async def new_cohort(
    store: Store,
    *,
    guild: int = GUILD,
    channel: int = 5,
    name: str = "Spring",
    post_time: str = "09:00",
    timezone: str = "UTC",
) -> int:
    """A running cohort in `guild` posting in `channel`; its id."""
    created = await store.create_cohort(
        guild, name=name, channel_id=channel, post_time=post_time, timezone=timezone, now=NOW
    )
    assert created is not None
    return created.id
