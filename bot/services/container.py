"""Everything the faces (Discord, Slack, the console) need, built once from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.services.cards import CardService
from bot.services.cohorts import CohortService
from bot.services.content import ContentState, ReloadReport
from bot.services.content_sync import ContentSync
from bot.services.ownership import GuildOwnership
from bot.services.permissions import Actor, Facilitators
from bot.services.practice import PracticeService
from bot.services.prompts import PromptService
from bot.services.pulse import PulseService
from bot.services.reflections import ReflectionService
from bot.services.reminders import ReminderService
from bot.services.roster import RosterService
from bot.store import Store
from bot.user_error import UserError


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
    cohorts: CohortService
    roster: RosterService
    pulse: PulseService
    reminders: ReminderService
    reflections: ReflectionService
    practice: PracticeService
    clock: Callable[[], datetime]
    content_sync: ContentSync

    @classmethod
    async def open(
        cls,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        *,
        owned: GuildOwnership | None = None,
    ) -> Services:
        """Open the database and load content (content problems are kept, not raised);
        the daily loops act for ``owned`` servers (every one unless told)."""
        store = await Store.open(settings.database_url)
        content = ContentState(settings.content_dir)
        try:
            # the version before the files are read: a reload published meanwhile is news
            loaded_version = await store.content_version()
            content.reload()
        except BaseException:
            await store.close()
            raise
        prompts = PromptService(store, content, settings, clock)
        return cls(
            settings=settings,
            content=content,
            store=store,
            cards=CardService(content),
            prompts=prompts,
            cohorts=CohortService(store, content, settings, clock, prompts=prompts),
            roster=RosterService(store, content, settings, clock),
            pulse=PulseService(store, content, settings, clock),
            reminders=ReminderService(store, content, settings, clock),
            reflections=ReflectionService(store, content, settings, clock),
            practice=PracticeService(store, content, settings, clock),
            clock=clock,
            content_sync=ContentSync(content, store, settings.database_url, loaded_version),
        ).own(owned or GuildOwnership.everything())

    @property
    def owned(self) -> GuildOwnership:
        """The servers this process's daily loops act for."""
        return self.prompts.owned

    def own(self, owned: GuildOwnership) -> Services:
        """Act for ``owned`` servers from now on (a sharded runner sets its shards')."""
        for service in (
            self.prompts,
            self.cohorts,
            self.roster,
            self.pulse,
            self.reminders,
            self.reflections,
            self.practice,
        ):
            service.owned = owned
        return self

    @property
    def facilitators(self) -> Facilitators:
        """Who counts as a facilitator in a server, and changing its role."""
        return Facilitators(self.store, self.settings.facilitator_role)

    async def reload_content(self, actor: Actor) -> ReloadReport:
        """Re-read content/ for the bot's owner (or facilitators, if the settings say so)."""
        allowed = actor.is_bot_owner
        by_facilitators = self.settings.content.reload_by == "facilitators"
        if not allowed and by_facilitators:
            allowed = await self.facilitators.is_facilitator(actor)
        if not allowed:
            who = "the bot's owner" + (" or facilitators" if by_facilitators else "")
            raise UserError(f"Only {who} can reload content.")
        return await self.content_sync.reload()  # and every other process, by the store

    def follow_content_reloads(self) -> None:
        """Reload content whenever a process sharing this database runs /content reload
        (the faces' runners call this once; ``close`` stops it)."""
        self.content_sync.follow()

    async def get_meta(self, key: str) -> str | None:
        """A small persisted value (e.g. the last command-sync fingerprint)."""
        return await self.store.get_meta(key)

    async def set_meta(self, key: str, value: str) -> None:
        await self.store.set_meta(key, value)

    async def close(self) -> None:
        """Stop following content reloads; close the database (a checkpoint leaves one
        tidy file)."""
        await self.content_sync.stop()
        await self.store.close()
