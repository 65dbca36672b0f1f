"""Slack's text ids as the integers the services use, through the store's chat_ids table.

A team, channel or user maps by its own id (T…, C…, U…); a message by ``C…/ts``, and a
thread by its parent message (a thread's id is the message id it hangs under).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.store import Store

PLATFORM = "slack"


@dataclass(frozen=True)
class Place:
    """A channel, or a thread in it (``thread_ts``)."""

    channel: str
    thread_ts: str | None = None


@dataclass(eq=False)
class SlackIds:
    """The store's mapping. Teams, channels and users are remembered as they are met (a
    mapping never changes once made), so a command does not write to the store for them
    again; messages are too many to keep."""

    store: Store
    _known: dict[str, int] = field(default_factory=dict, repr=False)

    async def of(self, external_id: str) -> int:
        known = self._known.get(external_id)
        if known is None:
            known = await self.store.chat_id(PLATFORM, external_id)
            self._known[external_id] = known
        return known

    async def message(self, channel: str, ts: str) -> int:
        return await self.store.chat_id(PLATFORM, f"{channel}/{ts}")  # not kept: unbounded

    async def text(self, chat_id: int) -> str:
        found = await self.store.external_id(PLATFORM, chat_id)
        if found is None:
            raise LookupError(f"{chat_id} is not a Slack id this bot has seen")
        return found

    async def place(self, chat_id: int) -> Place:
        """Where a channel id or a thread (message) id points."""
        channel, _, ts = (await self.text(chat_id)).partition("/")
        return Place(channel, ts or None)
