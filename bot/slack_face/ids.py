"""Slack's text ids as the integers the services use, through the store's chat_ids table.

A team, channel or user maps by its own id (T…, C…, U…); a message by ``C…/ts``, and a
thread by its parent message (a thread's id is the message id it hangs under).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store import Store

PLATFORM = "slack"


@dataclass(frozen=True)
class Place:
    """A channel, or a thread in it (``thread_ts``)."""

    channel: str
    thread_ts: str | None = None


@dataclass(eq=False)
class SlackIds:
    store: Store

    async def of(self, external_id: str) -> int:
        return await self.store.chat_id(PLATFORM, external_id)

    async def message(self, channel: str, ts: str) -> int:
        return await self.of(f"{channel}/{ts}")

    async def text(self, chat_id: int) -> str:
        found = await self.store.external_id(PLATFORM, chat_id)
        if found is None:
            raise LookupError(f"{chat_id} is not a Slack id this bot has seen")
        return found

    async def place(self, chat_id: int) -> Place:
        """Where a channel id or a thread (message) id points."""
        channel, _, ts = (await self.text(chat_id)).partition("/")
        return Place(channel, ts or None)
