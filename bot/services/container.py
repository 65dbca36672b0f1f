"""Everything the faces (Discord, console) need, built once from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.services.cards import CardService
from bot.services.content import ContentState
from bot.services.permissions import Facilitators
from bot.services.prompts import PromptService
from bot.services.reflections import ReflectionService
from bot.store import Store


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


@dataclass
class Services:
    """The services layer: one instance shared by every command."""

    settings: Settings
    content: ContentState
    store: Store
    cards: CardService
    prompts: PromptService
    reflections: ReflectionService
    clock: Callable[[], datetime]

    @classmethod
    async def open(cls, settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
        """Open the database and load content (content problems are kept, not raised)."""
        content = ContentState(settings.content_dir)
        content.reload()
        store = await Store.open(settings.database.path)
        return cls(
            settings=settings,
            content=content,
            store=store,
            cards=CardService(content),
            prompts=PromptService(store, content, settings, clock),
            reflections=ReflectionService(store, content, settings, clock),
            clock=clock,
        )

    @property
    def facilitators(self) -> Facilitators:
        """Who counts as a facilitator in a server, and changing its role."""
        return Facilitators(self.store, self.settings.facilitator_role)

    async def get_meta(self, key: str) -> str | None:
        """A small persisted value (e.g. the last command-sync fingerprint)."""
        return await self.store.get_meta(key)

    async def set_meta(self, key: str, value: str) -> None:
        await self.store.set_meta(key, value)

    async def close(self) -> None:
        """Close the database (a checkpoint leaves one tidy file)."""
        await self.store.close()
