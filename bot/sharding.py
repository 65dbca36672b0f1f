"""Which shard a Discord server belongs to: Discord's own rule, as a pure function."""

from __future__ import annotations


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to: ``(guild_id >> 22) % shard_count``."""
    return (guild_id >> 22) % shard_count
