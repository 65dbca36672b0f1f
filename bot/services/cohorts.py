"""Cohorts as facilitators run them: start, list, edit, end, and start the next one.

A cohort is a group with a channel, a schedule, dates, a curriculum and a roster. A
server may run several at once, one per channel. Ending a cohort stops its posts,
reminders and digests at once; everything it holds stays until retention removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.library.curricula import DEFAULT_CURRICULUM
from bot.schedule import ScheduleError, parse_date
from bot.services.answers import plural
from bot.services.cohort_scope import CohortScoped, cohort_label
from bot.services.permissions import Actor
from bot.services.prompt_plan import ScheduleStatus, day_text, weekday_mask
from bot.services.prompts import PromptService, first_day, parse_schedule
from bot.store import CohortRow, WhenFinished
from bot.text import ChannelMention, Rich
from bot.user_error import UserError

NAME_MAX = 80
NO_END = frozenset({"none", "never", "-"})  # /cohort edit ends:none takes the end date away
PUBLIC_DIGEST = (
    "every member can see that channel, and the digest names who has not reflected yet. "
    "Choose a channel only facilitators can see."
)


@dataclass(frozen=True)
class ChannelChoice:
    """A channel a facilitator picked, with what the face knows about it."""

    channel_id: int
    is_forum: bool = False
    visible_to_everyone: bool = False  # for the facilitators' channel: must be private
    bot_can_post: bool = True  # the bot may send messages (and embeds) there


@dataclass(frozen=True)
class CohortView:
    """What /cohort start, edit and next answer: what happened, the status, any warning."""

    headline: str
    status: ScheduleStatus
    warnings: tuple[str, ...] = ()

    def lines(self) -> list[Rich]:
        digest = self.status.cohort.digest_channel_id
        where = (
            Rich.of("Weekly digest and end-of-cohort summary go to ", ChannelMention(digest), ".")
            if digest
            else Rich.of(
                "No facilitators' channel yet: set one with /cohort edit facilitator_channel: "
                "for the weekly digest and the end-of-cohort summary."
            )
        )
        return [
            Rich.of(self.headline),
            *self.status.lines(),
            where,
            *(Rich.of(w) for w in self.warnings),
        ]


@dataclass(frozen=True)
class CohortListView:
    """/cohort list: one entry per cohort, running ones first."""

    entries: tuple[tuple[str, Rich], ...]  # (title, one line about it)

    def lines(self) -> list[Rich]:
        if not self.entries:
            return [Rich.of("There are no cohorts in this server yet. Start one: /cohort start.")]
        return [Rich.of(f"{title}: ", *line.parts) for title, line in self.entries]


@dataclass(eq=False)
class CohortService(CohortScoped):
    """Facilitators' cohort commands; the roster and prompts have services of their own."""

    prompts: PromptService = field(kw_only=True)

    async def start(
        self,
        actor: Actor,
        name: str,
        channel: ChannelChoice,
        time_text: str,
        zone_text: str,
        days_text: str = "",
        *,
        starts: str | None = None,
        ends: str | None = None,
        curriculum: str | None = None,
        when_finished: WhenFinished | None = None,
        facilitator_channel: ChannelChoice | None = None,
    ) -> CohortView:
        """Start a cohort in a channel no running cohort uses (one whose cohort ended is fine)."""
        await self.facilitators.require(actor, "start cohorts")
        name = await self._free_name(actor.guild_id, name)
        await self.check_channel_free(actor.guild_id, channel.channel_id)
        schedule = parse_schedule(time_text, zone_text, days_text)
        earliest = first_day(schedule, self.clock())
        starts_on = max(_date(starts, "starts"), earliest) if starts else earliest
        ends_on = _date(ends, "ends") if ends else None
        _check_term(starts_on, ends_on)
        curriculum = self._curriculum(curriculum)
        created = await self.store.create_cohort(
            actor.guild_id,
            name=name,
            channel_id=channel.channel_id,
            is_forum=channel.is_forum,
            post_time=f"{schedule.post_time:%H:%M}",
            timezone=schedule.timezone,
            weekdays=weekday_mask(schedule.weekdays),
            starts_on=starts_on,
            ends_on=ends_on,
            curriculum=curriculum,
            when_finished=when_finished,
            digest_channel_id=_digest(facilitator_channel),
            notify_channel_id=actor.channel_id,
            created_by=actor.user_id,
            now=self.clock(),
        )
        if created is None:
            raise UserError("Another cohort took that name or channel just now; try again.")
        return await self._view(created, f"Started the cohort “{created.name}”.")

    async def edit(
        self,
        actor: Actor,
        cohort: str | None = None,
        *,
        name: str | None = None,
        channel: ChannelChoice | None = None,
        time_text: str | None = None,
        zone_text: str | None = None,
        days_text: str | None = None,
        starts: str | None = None,
        ends: str | None = None,
        curriculum: str | None = None,
        when_finished: WhenFinished | None = None,
        facilitator_channel: ChannelChoice | None = None,
    ) -> CohortView:
        """Change what a facilitator names; everything else stays as it was."""
        await self.facilitators.require(actor, "change cohorts")
        row = await self.cohort(actor, cohort)
        changes: dict[str, object] = {}
        if name is not None and name.strip() != row.name:
            changes["name"] = await self._free_name(actor.guild_id, name, row.id)
        if channel is not None and channel.channel_id != row.channel_id:
            await self.check_channel_free(actor.guild_id, channel.channel_id, row.id)
            changes |= {"channel_id": channel.channel_id, "is_forum": channel.is_forum}
        if time_text is not None or zone_text is not None or days_text is not None:
            changes |= self._schedule_changes(row, time_text, zone_text, days_text)
        no_end = ends is not None and ends.strip().lower() in NO_END
        starts_on = _date(starts, "starts") if starts else row.starts_on
        ends_on = None if no_end else _date(ends, "ends") if ends else row.ends_on
        _check_term(starts_on, ends_on)
        if starts:
            changes["starts_on"] = starts_on
        if ends is not None:
            changes["ends_on"] = ends_on
        if curriculum is not None:
            changes["curriculum"] = self._curriculum(curriculum)
        if when_finished is not None:
            changes["when_finished"] = when_finished
        if facilitator_channel is not None:
            changes["digest_channel_id"] = _digest(facilitator_channel)
        if not changes:
            raise UserError("Nothing to change: give at least one option to /cohort edit.")
        updated = await self.store.update_cohort(row.id, now=self.clock(), **changes)
        if updated is None:
            raise UserError("Another cohort took that name or channel just now; try again.")
        return await self._view(updated, f"Saved the cohort “{updated.name}”.")

    async def list(self, actor: Actor) -> CohortListView:
        """Every cohort in the server: running ones for everyone, ended ones for facilitators."""
        include_ended = await self.facilitators.is_facilitator(actor)
        cohorts = await self.store.list_cohorts(actor.guild_id, include_ended=include_ended)
        mine = set(await self.store.memberships(actor.guild_id, actor.user_id))
        entries = []
        for row in sorted(cohorts, key=lambda c: (c.ended, c.name.casefold())):
            members = len(await self.store.roster(row.id))
            label = cohort_label(row) + (" (you are in it)" if row.id in mine else "")
            entries.append((label, _summary(row, members)))
        return CohortListView(tuple(entries))

    async def end(self, actor: Actor, cohort: str | None = None) -> CohortRow:
        """End a cohort now: no more posts, reminders or digests; its data stays."""
        await self.facilitators.require(actor, "end cohorts")
        row = await self.cohort(actor, cohort)
        await self.store.end_cohort(row.id, now=self.clock())
        self.forget_curricula()
        ended = await self.store.get_cohort(row.id)
        assert ended is not None
        return ended

    async def start_next(
        self,
        actor: Actor,
        name: str,
        cohort: str | None = None,
        *,
        starts: str | None = None,
        ends: str | None = None,
    ) -> CohortView:
        """Start the next cohort afresh in the same channel, with the same schedule.

        The one before is ended first if it still runs; the new cohort starts from the
        first prompt with an empty roster.
        """
        await self.facilitators.require(actor, "start cohorts")
        before = await self.cohort(actor, cohort, include_ended=True)
        if name.strip().casefold() == before.name.casefold() and not before.ended:
            raise UserError("Give the next cohort a name of its own, e.g. “Autumn 2026”.")
        if not before.ended:
            await self.store.end_cohort(before.id, now=self.clock())
        view = await self.start(
            actor,
            name,
            ChannelChoice(before.channel_id, before.is_forum),
            before.post_time,
            before.timezone,
            days_text(before.weekdays),
            starts=starts,
            ends=ends,
            curriculum=before.curriculum,
            when_finished=before.when_finished,
            facilitator_channel=ChannelChoice(before.digest_channel_id)
            if before.digest_channel_id
            else None,
        )
        headline = f"Ended “{before.name}” and started “{view.status.cohort.name}” in its channel."
        return CohortView(headline, view.status, view.warnings)

    # ---------------------------------------------------------------- helpers

    async def _view(self, row: CohortRow, headline: str) -> CohortView:
        self.forget_curricula()
        status = await self.prompts.status_of(row)
        warning = status.ending.mismatch if status.ending else None
        return CohortView(headline, status, (warning,) if warning else ())

    def _schedule_changes(
        self, row: CohortRow, time_text: str | None, zone_text: str | None, days: str | None
    ) -> dict[str, object]:
        days = days if days is not None else days_text(row.weekdays)
        schedule = parse_schedule(time_text or row.post_time, zone_text or row.timezone, days)
        changes: dict[str, object] = {
            "post_time": f"{schedule.post_time:%H:%M}",
            "timezone": schedule.timezone,
            "weekdays": weekday_mask(schedule.weekdays),
        }
        earliest = first_day(schedule, self.clock())  # no surprise post after a late change
        if row.starts_on is None or row.starts_on < earliest:
            changes["starts_on"] = earliest
        return changes

    def _curriculum(self, curriculum: str | None) -> str:
        chosen = (curriculum or DEFAULT_CURRICULUM).strip()
        self.content.library_for(chosen)  # refuses an unknown id, naming the curricula
        return chosen

    async def _free_name(self, guild_id: int, name: str, mine: int = 0) -> str:
        name = " ".join(name.split())
        if not name:
            raise UserError("Give the cohort a name, e.g. “Spring 2026”.")
        if len(name) > NAME_MAX:
            raise UserError(f"A cohort's name is at most {NAME_MAX} characters.")
        for other in await self.store.list_cohorts(guild_id):
            if other.id != mine and other.name.casefold() == name.casefold():
                raise UserError(f"A running cohort is already called “{other.name}”.")
        return name


def _date(text: str | None, what: str) -> date:
    try:
        return parse_date(text or "")
    except ScheduleError as error:
        raise UserError(f"{what}: {error}") from None


def _check_term(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise UserError(
            f"The cohort would end ({ends_on}) before it starts ({starts_on}); "
            "choose a later end date."
        )


def _digest(channel: ChannelChoice | None) -> int | None:
    """The facilitators' channel, refused if every member can read it."""
    if channel is None:
        return None
    if channel.visible_to_everyone:
        raise UserError(
            Rich.of(
                "I will not send the digest to ",
                ChannelMention(channel.channel_id),
                f": {PUBLIC_DIGEST}",
            )
        )
    if not channel.bot_can_post:
        raise UserError(
            Rich.of(
                "I cannot post in ",
                ChannelMention(channel.channel_id),
                ": give me View Channel, Send Messages and Embed Links there first (a "
                "private channel needs me added to it).",
            )
        )
    return channel.channel_id


def days_text(mask: int) -> str:
    """A stored weekday mask as the day list a facilitator would type ('mon,wed,fri')."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return ",".join(names[day] for day in range(7) if mask & (1 << day))


def _summary(row: CohortRow, members: int) -> Rich:
    """One line about a cohort for /cohort list."""
    term = ""
    if row.starts_on:
        term = f", from {day_text(row.starts_on)}"
    if row.ends_on:
        term += f" to {day_text(row.ends_on)}"
    state = " (paused)" if row.paused and not row.ended else ""
    if row.ended and row.ended_at is not None:
        state = f" (ended {row.ended_at:%d %b %Y})"
    return Rich.of(
        ChannelMention(row.channel_id),
        f", {row.post_time} {row.timezone}{term}; {plural(members, 'member')}"
        f"{'' if row.curriculum == DEFAULT_CURRICULUM else ', curriculum ' + row.curriculum}"
        f"{state}.",
    )
