"""Which servers this process answers for: every one, or those of its Discord shards.

Several processes may each run some shards of one bot over one database. Each daily loop
(prompts, digests, summaries, reminders, and settling what a crash left unconfirmed)
acts only for the servers this process owns, so no server is posted to twice and none is
settled by a process that cannot see it. Shard ownership itself is held by locks the
database guarantees (``bot.store.shard_locks``); this is only the predicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.sharding import ShardPlan, shard_of


@dataclass(frozen=True)
class GuildOwnership:
    """Answers ``owns(guild_id)`` for the daily loops.

    Unsharded (``shard_count`` None): every Discord server. Sharded: a Discord server (a
    positive snowflake) is owned when its shard is one of ``shard_ids``. A process without
    the Discord face (``discord`` False) owns none. Slack workspaces have negative ids
    (``bot.store.chat_ids``) and no shard: they are owned by the process that runs the
    Slack face (``slack``), so run the Slack face in one process only.
    """

    shard_count: int | None = None
    shard_ids: frozenset[int] = frozenset()
    slack: bool = True
    discord: bool = True

    @classmethod
    def everything(cls) -> GuildOwnership:
        """One process for the whole bot (today's default)."""
        return cls()

    @classmethod
    def slack_only(cls) -> GuildOwnership:
        """A process running the Slack face alone: its workspaces, no Discord server."""
        return cls(discord=False)

    @classmethod
    def shards(cls, shard_count: int, shard_ids: Iterable[int], *, slack: bool) -> GuildOwnership:
        """The servers of these shards; Slack's workspaces only if this process runs Slack."""
        ids = frozenset(shard_ids)
        if shard_count < 1 or any(not 0 <= shard < shard_count for shard in ids):
            raise ValueError(f"shards {sorted(ids)} do not fit a count of {shard_count}")
        return cls(shard_count, ids, slack)

    @classmethod
    def of(cls, plan: ShardPlan | None, *, slack: bool) -> GuildOwnership:
        """What a process running the Discord face with ``plan`` owns (``Settings.shards``;
        None: every Discord server), and Slack's workspaces if it runs Slack too."""
        if plan is None:
            return cls(slack=slack)
        return cls.shards(plan.count, plan.ids, slack=slack)

    def owns(self, guild_id: int) -> bool:
        if guild_id < 0:
            return self.slack
        if not self.discord:
            return False
        if self.shard_count is None:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids
