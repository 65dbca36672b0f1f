"""Which cohort a command means: the one named, the one of this channel, or the only one.

Every service that acts on a cohort (prompts, the roster, pulse, reminders, exports)
finds it the same way, here, so a facilitator's `cohort` option means the same thing in
every command and on every face.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.library.curricula import DEFAULT_CURRICULUM
from bot.library.library import Library
from bot.services.chat_limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME
from bot.services.permissions import Actor
from bot.services.store_backed import StoreService
from bot.store import CohortRow, WhenFinished
from bot.text import ChannelMention, Rich, clip
from bot.user_error import UserError

CURRICULUM_KEPT_FOR = timedelta(minutes=1)
CURRICULA_KEPT = 10_000

NO_COHORT = (
    "There is no cohort in this server yet. A facilitator can start one with /cohort start "
    "(a name, a channel, its dates), or simply with /schedule set, giving a time like 09:00 "
    "and a time zone like Europe/Berlin."
)


def cohort_label(cohort: CohortRow) -> str:
    """'Spring 2026' or 'Spring 2026 (ended)': how a cohort is named to people."""
    return f"{cohort.name} (ended)" if cohort.ended else cohort.name


@dataclass(eq=False)
class CohortScoped(StoreService):
    """A service that acts on one cohort at a time."""

    async def cohort(
        self, actor: Actor, wanted: str | None = None, *, include_ended: bool = False
    ) -> CohortRow:
        """The cohort a command means, or a refusal that says how to name it.

        `wanted` (the `cohort` option) is an id or a name. Without it: the cohort of the
        channel or thread the command ran in, else the server's only running cohort (or,
        with `include_ended` and none running, the latest that ended).
        """
        if wanted is not None and wanted.strip():
            return await self._named(actor, wanted.strip(), include_ended=include_ended)
        here = await self._here(actor)
        if here is not None and (include_ended or not here.ended):
            return here
        running = await self.store.list_cohorts(actor.guild_id)
        if len(running) == 1:
            return running[0]
        if not running:
            every = await self.store.list_cohorts(actor.guild_id, include_ended=include_ended)
            if every:  # only ended cohorts: the latest one is meant
                return every[-1]
            raise UserError(NO_COHORT)
        names = ", ".join(cohort.name for cohort in running)
        raise UserError(
            f"This server runs {len(running)} cohorts ({clip(names, 300)}): say which one with "
            "the cohort option, or run the command in the cohort's channel."
        )

    async def member_cohort(self, actor: Actor, wanted: str | None = None) -> CohortRow:
        """For a member's own settings (leaving, reminders): the cohort named, this
        channel's, or the only one they are in; else as ``cohort`` decides."""
        if not wanted and await self._here(actor) is None:
            mine = await self.store.memberships(actor.guild_id, actor.user_id)
            if len(mine) == 1 and (row := await self.store.get_cohort(mine[0])) is not None:
                return row
        return await self.cohort(actor, wanted)

    async def check_channel_free(self, guild_id: int, channel_id: int, mine: int = 0) -> None:
        """Refuse a channel another running cohort posts in."""
        for other in await self.store.list_cohorts(guild_id):
            if other.channel_id == channel_id and other.id != mine:
                raise UserError(
                    Rich.of(
                        f"The cohort “{other.name}” already posts in ",
                        ChannelMention(channel_id),
                        ". Choose another channel, or end that cohort first (/cohort end), "
                        "or start the next one there with /cohort next.",
                    )
                )

    async def cohort_of_reflection(self, actor: Actor, prompt_id: str | None) -> CohortRow | None:
        """The cohort a reflection is written in, when it can be told; None otherwise.

        The channel's (or thread's) cohort, unless the author is on other cohorts' rosters
        only; then the author's cohort (the one that posted this prompt, if several); a
        member on no roster, outside any cohort's channel: the server's only cohort.
        """
        here = await self._here(actor)
        mine = [
            cohort
            for cohort_id in await self.store.memberships(actor.guild_id, actor.user_id)
            if (cohort := await self.store.get_cohort(cohort_id)) is not None
        ]
        if here is not None and (not mine or any(c.id == here.id for c in mine)):
            return here
        if len(mine) > 1 and prompt_id is not None:
            posted = []
            for cohort in mine:
                if prompt_id in await self.store.used_prompt_ids(cohort.id, cohort.round):
                    posted.append(cohort)
            mine = posted or mine
        if len(mine) == 1:
            return mine[0]
        if mine:
            return None
        running = await self.store.list_cohorts(actor.guild_id)
        return running[0] if len(running) == 1 else None

    async def cohort_choices(
        self, actor: Actor, typed: str, *, include_ended: bool = False
    ) -> list[tuple[str, str]]:
        """Autocomplete: (label, value) for the server's cohorts whose name holds `typed`."""
        wanted = typed.strip().casefold()
        found: list[tuple[str, str]] = []
        cohorts = await self.store.list_cohorts(actor.guild_id, include_ended=include_ended)
        for cohort in sorted(cohorts, key=lambda c: (c.ended, -c.id)):
            if wanted and wanted not in cohort.name.casefold() and wanted != str(cohort.id):
                continue
            found.append((clip(cohort_label(cohort), CHOICE_NAME), str(cohort.id)))
        return found[:AUTOCOMPLETE_CHOICES]

    async def curriculum_here(self, actor: Actor) -> str:
        """The curriculum card commands answer from: the cohort's of this channel or
        thread, else the server's only cohort's, else the default. Looked up at most once
        a minute per channel (autocomplete asks on every keystroke)."""
        key = (actor.guild_id, actor.channel_id, actor.parent_channel_id)
        known = self.content.channel_curricula
        cached = known.get(key)
        if cached is not None and cached[1] > self.clock():
            return cached[0]
        row = await self._here(actor)
        if row is None:
            running = await self.store.list_cohorts(actor.guild_id)
            row = running[0] if len(running) == 1 else None
        curriculum = DEFAULT_CURRICULUM if row is None else row.curriculum
        if len(known) > CURRICULA_KEPT:
            known.clear()
        known[key] = (curriculum, self.clock() + CURRICULUM_KEPT_FOR)
        return curriculum

    def forget_curricula(self) -> None:
        """A cohort was started, changed or ended: look its channel's curriculum up again."""
        self.content.channel_curricula.clear()

    def library_of(self, cohort: CohortRow) -> Library:
        """The curriculum the cohort follows."""
        return self.content.library_for(cohort.curriculum)

    def when_finished(self, cohort: CohortRow) -> WhenFinished:
        """What the cohort does when every prompt is used: its own choice, else the setting."""
        return cohort.when_finished or self.settings.prompts.when_finished

    async def _named(self, actor: Actor, wanted: str, *, include_ended: bool) -> CohortRow:
        cohorts = await self.store.list_cohorts(actor.guild_id, include_ended=True)
        if wanted.isdecimal():  # not isdigit: '²' is a digit that int() refuses
            for cohort in cohorts:
                if cohort.id == int(wanted) and (include_ended or not cohort.ended):
                    return cohort
        folded = wanted.casefold()
        named = [c for c in cohorts if c.name.casefold() == folded]
        named.sort(key=lambda c: (c.ended, -c.id))  # a running one first, then the latest
        if named and (include_ended or not named[0].ended):
            return named[0]
        running = [c.name for c in cohorts if not c.ended]
        known = f" The running cohorts are: {clip(', '.join(running), 300)}." if running else ""
        ended = " It has ended." if named else ""
        raise UserError(f"No running cohort is called “{clip(wanted, 80)}”.{ended}{known}")

    async def _here(self, actor: Actor) -> CohortRow | None:
        """The cohort of the channel (or thread, or its parent) the actor is in."""
        for channel_id in (actor.channel_id, actor.parent_channel_id):
            if channel_id is not None:
                found = await self.store.cohort_in_channel(actor.guild_id, channel_id)
                if found is not None:
                    return found
        return None
