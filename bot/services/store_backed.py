"""What every stateful service holds: the store, the current content, settings, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.services.content import ContentState
from bot.services.ownership import GuildOwnership
from bot.services.permissions import Facilitators
from bot.store import Store


@dataclass(eq=False)
class StoreService:
    """Base for services over SQLite; the clock is passed in so tests can move time."""

    store: Store
    content: ContentState
    settings: Settings
    clock: Callable[[], datetime]
    # the servers this process's daily loops act for (all, unless it runs some shards)
    owned: GuildOwnership = field(default_factory=GuildOwnership.everything, kw_only=True)

    @property
    def settle_after(self) -> timedelta:
        """How old an unconfirmed send must be to be settled: younger, it may still be on
        its way from a process that has just stopped (daily_loop.settle_after_seconds)."""
        return timedelta(seconds=self.settings.daily_loop.settle_after_seconds)

    @property
    def facilitators(self) -> Facilitators:
        """The facilitator rule, over this server's role setting in the store."""
        return Facilitators(self.store, self.settings.facilitator_role)
