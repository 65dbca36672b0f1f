"""Discord's sharding rule and the shards one process runs; pure, no chat library.

Several processes may each run some shards of one bot over one database. Discord sends a
server's events only on the shard ``(guild_id >> 22) % shard_count``, and direct messages
only on shard 0; everything below the faces that must know which process answers for a
server asks :func:`shard_of` (or :meth:`ShardPlan.owns`), never discord.py.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends ``guild_id``'s events on (its snowflake's timestamp bits)."""
    if shard_count < 1:
        raise ValueError(f"a shard count must be at least 1, not {shard_count}")
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardPlan:
    """The shards this process runs: ``ids`` out of ``count`` (every one unless told)."""

    count: int
    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"the shard count must be at least 1, not {self.count}")
        if not self.ids:
            raise ValueError("at least one shard id is needed")
        repeated = sorted({shard for shard in self.ids if self.ids.count(shard) > 1})
        if repeated:
            raise ValueError(f"shard {repeated[0]} is listed twice")
        outside = [shard for shard in self.ids if not 0 <= shard < self.count]
        if outside:
            raise ValueError(
                f"shard {outside[0]} does not exist with {self.count} shard(s) "
                f"(ids run from 0 to {self.count - 1})"
            )

    @classmethod
    def every(cls, count: int) -> ShardPlan:
        """All ``count`` shards in one process."""
        return cls(count, tuple(range(count)))

    def owns(self, guild_id: int) -> bool:
        """Whether ``guild_id``'s events arrive on one of this process's shards."""
        return shard_of(guild_id, self.count) in self.ids

    @property
    def gets_direct_messages(self) -> bool:
        """Discord sends direct messages on shard 0 only."""
        return 0 in self.ids


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``"0,1"``, ``"0-3"`` or a mix (``"0-1,4"``) as shard ids; ValueError names the part."""
    ids: list[int] = []
    for part in (piece.strip() for piece in text.split(",")):
        low, dash, high = part.partition("-")
        try:
            if dash:
                first, last = int(low), int(high)
                if first > last:
                    raise ValueError
                ids.extend(range(first, last + 1))
            else:
                ids.append(int(part))
        except ValueError:
            raise ValueError(
                f"'{part}' in '{text}' is not a shard id or a range (write 0,1 or 0-3)"
            ) from None
    return tuple(ids)
