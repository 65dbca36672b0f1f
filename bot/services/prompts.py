"""Daily prompts: each cohort's schedule, its own sequence, and posting what is due.

The sequence is kept by prompt id (what a cohort has used this round), so maintainers
may insert, reorder or delete prompts without any cohort re-posting or skipping one.
Posting reserves the (cohort, date, prompt) row in SQLite before sending, so a restart
at any moment never posts twice. Several cohorts in one server each post in their own
channel, at their own minute, in their own zone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.library.models import Prompt
from bot.schedule import (
    Schedule,
    ScheduleError,
    due_date,
    local_date,
    next_post,
    parse_dates,
    parse_time,
    parse_weekdays,
    post_instant,
    resolve_timezone,
)
from bot.services.answers import CardView
from bot.services.cards import card_view
from bot.services.cohort_scope import CohortScoped
from bot.services.permissions import Actor
from bot.services.prompt_plan import (
    PreviewView,
    ScheduleStatus,
    preview,
    sequence_end,
    weekday_mask,
    weekday_set,
)
from bot.store import CohortRow, PostStatus
from bot.text import ChannelMention, Rich
from bot.user_error import UserError

log = logging.getLogger(__name__)

PREVIEW_MAX = 25  # one Discord embed of dates stays short
PREVIEW_COUNT_HELP = f"Choose how many to preview: a whole number from 1 to {PREVIEW_MAX}."

RETRY_AFTER = timedelta(minutes=10)
START_GRACE = timedelta(minutes=15)  # a schedule set just after its time still posts today
FAN_OUT = 50  # cohorts posted to at once; discord.py queues per-route rate limits
THREAD_NAME_LIMIT = 100
DEFAULT_COHORT_NAME = "Cohort"

__all__ = [
    "PREVIEW_COUNT_HELP",
    "PREVIEW_MAX",
    "PostFailed",
    "Poster",
    "PreviewView",
    "PromptPost",
    "PromptService",
    "ScheduleStatus",
    "weekday_mask",
    "weekday_set",
]


class PostFailed(Exception):
    """Discord refused a post: the channel is gone or the bot may not post there."""


@dataclass(frozen=True)
class PromptPost:
    """A prompt ready to send: the card, the thread to open under it, and its date."""

    guild_id: int
    channel_id: int
    prompt: Prompt
    view: CardView
    thread_name: str
    local_date: date | None
    reservation: int = 0
    content_note: str = ""
    cohort_id: int = 0  # the Join button on the post names it
    forum: bool = False  # the channel is a forum: the prompt is its own post


class Poster(Protocol):
    """What a face must do to publish a prompt (Discord: a message and a thread)."""

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        """Send it; return (message id, thread id). Raise PostFailed when refused."""
        ...

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        """Tell a cohort's facilitators something (their last command channel)."""
        ...

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        """Look for a post an earlier run sent but never recorded (it stopped mid-send).

        Return (message id, thread id) if it is there (opening the thread if missing),
        None if it is certainly not; raise PostFailed if the channel cannot be read.
        """
        ...


def first_day(schedule: Schedule, now: datetime) -> date:
    """Today if today's post time is ahead (or just passed), else tomorrow.

    Scheduling 09:00 at 09:05 means "start now"; at 17:00 it means "from tomorrow",
    not a surprise post in the afternoon.
    """
    today = local_date(schedule, now)
    try:
        if post_instant(schedule, today) > now - START_GRACE:
            return today
    except ScheduleError:  # the zone skips today entirely
        pass
    return today + timedelta(days=1)


def parse_schedule(time_text: str, zone_text: str, days_text: str) -> Schedule:
    """What a facilitator typed as a schedule, or a UserError that says how to fix it."""
    try:
        schedule = Schedule(parse_time(time_text), resolve_timezone(zone_text))
        weekdays = parse_weekdays(days_text)
    except ScheduleError as error:
        raise UserError(str(error)) from None
    if not weekdays:
        raise UserError("Choose at least one weekday.")
    return Schedule(schedule.post_time, schedule.timezone, weekdays)


@dataclass(eq=False)
class PromptService(CohortScoped):
    """Each cohort's schedule and sequence, and the posting of what is due."""

    _failures: dict[int, tuple[date, datetime]] = field(default_factory=dict, init=False)
    _in_flight: set[int] = field(default_factory=set, init=False)  # being sent by this process
    _unsettled_warned: set[int] = field(default_factory=set, init=False)

    # ---------------------------------------------------------------- facilitators

    async def set_schedule(
        self,
        actor: Actor,
        channel_id: int,
        time_text: str,
        zone_text: str,
        days_text: str = "",
        cohort: str | None = None,
        *,
        is_forum: bool = False,
    ) -> ScheduleStatus:
        """Change a cohort's schedule; in a server with no cohort yet, start one.

        Bad input is refused with the fix. A schedule saved after today's post time (and
        its grace) starts tomorrow.
        """
        await self._require(actor, "schedule prompts")
        schedule = parse_schedule(time_text, zone_text, days_text)
        post_time, mask = f"{schedule.post_time:%H:%M}", weekday_mask(schedule.weekdays)
        starts_on = first_day(schedule, self.clock())
        running = await self.store.list_cohorts(actor.guild_id)
        if not running and not (cohort and cohort.strip()):
            created = await self.store.create_cohort(
                actor.guild_id,
                name=DEFAULT_COHORT_NAME,
                channel_id=channel_id,
                is_forum=is_forum,
                post_time=post_time,
                timezone=schedule.timezone,
                weekdays=mask,
                starts_on=starts_on,
                now=self.clock(),
                created_by=actor.user_id,
                notify_channel_id=actor.channel_id,
            )
            if created is None:
                raise UserError("Another cohort was started here just now; see /cohort list.")
            self.forget_curricula()
            return await self.status_of(created)
        row = await self.cohort(actor, cohort)
        await self.check_channel_free(row.guild_id, channel_id, row.id)
        updated = await self.store.update_cohort(
            row.id,
            now=self.clock(),
            channel_id=channel_id,
            is_forum=is_forum,
            post_time=post_time,
            timezone=schedule.timezone,
            weekdays=mask,
            starts_on=max(starts_on, row.starts_on or starts_on),
        )
        if updated is None:
            raise UserError("Another cohort took that channel just now; choose another.")
        self.forget_curricula()
        await self._remember_channel(actor, updated)
        return await self.status_of(updated)

    async def status(self, actor: Actor, cohort: str | None = None) -> ScheduleStatus:
        """A cohort's schedule, its next post and its place in the sequence."""
        row = await self.cohort(actor, cohort, include_ended=True)
        return await self.status_of(row)

    async def status_of(self, row: CohortRow) -> ScheduleStatus:
        prompts = self.library_of(row).prompts
        remaining = await self._remaining(row)
        last = await self.store.last_scheduled_date(row.id)
        schedule = await self.calendar(row)
        now = self.clock()
        today = now.astimezone(schedule.zone).date()
        quiet = tuple(await self.store.list_quiet_dates(row.id, start=today))
        others = await self.store.list_cohorts(row.guild_id, include_ended=False)
        return ScheduleStatus(
            cohort=row,
            next_post=next_post(schedule, last, now),
            next_prompt=remaining[0] if remaining else None,
            position=len(prompts) - len(remaining),
            total=len(prompts),
            quiet_dates=quiet,
            ending=sequence_end(schedule, last, now, remaining, self.when_finished(row)),
            several=any(other.id != row.id for other in others),
        )

    async def upcoming(self, actor: Actor, count: int, cohort: str | None = None) -> PreviewView:
        """The next ``count`` post dates with their prompts, quiet days shown as quiet, and
        where the sequence ends (a private preview for facilitators)."""
        await self._require(actor, "preview prompts")
        if not 1 <= count <= PREVIEW_MAX:
            raise UserError(f"{count} is out of range. {PREVIEW_COUNT_HELP}")
        row = await self.cohort(actor, cohort)
        schedule = await self.calendar(row)
        last = await self.store.last_scheduled_date(row.id)
        remaining = await self._remaining(row)
        prompts = list(remaining)
        if self.when_finished(row) == "restart":
            full = list(self.library_of(row).prompts)  # each later round starts over in order
            prompts += full * (count // max(1, len(full)) + 1)
        now = self.clock()
        entries = preview(schedule, last, now, prompts, count)
        ending = sequence_end(schedule, last, now, remaining, self.when_finished(row))
        return PreviewView(row.name, entries, tuple(ending.lines()))

    async def set_paused(
        self, actor: Actor, paused: bool, cohort: str | None = None
    ) -> ScheduleStatus:
        await self._require(actor, "pause or resume prompts")
        row = await self.cohort(actor, cohort)
        await self.store.set_paused(row.id, paused, now=self.clock())
        await self._remember_channel(actor, row)
        return await self.status_of(await self._fresh(row))

    async def skip_next(self, actor: Actor, cohort: str | None = None) -> Prompt:
        """Pass over the next prompt: it will not be posted this round."""
        await self._require(actor, "skip prompts")
        row = await self.cohort(actor, cohort)
        prompt = await self._next_prompt(row)
        if prompt is None:
            raise UserError("Every prompt has been used; there is nothing to skip.")
        skipped = await self.store.record_post(
            row.id, row.round, prompt.id, "skipped", now=self.clock()
        )
        if not skipped:
            raise UserError(
                f"“{prompt.title}” is being posted right now, so it was not skipped. "
                "Run /schedule skip again to pass over the one after it."
            )
        await self._remember_channel(actor, row)
        return prompt

    async def set_quiet_dates(
        self, actor: Actor, text: str, *, quiet: bool = True, cohort: str | None = None
    ) -> list[date]:
        """Add (or remove) dates with no post; returns the cohort's quiet dates from today."""
        await self._require(actor, "set quiet dates")
        row = await self.cohort(actor, cohort)
        try:
            days = parse_dates(text)
        except ScheduleError as error:
            raise UserError(str(error)) from None
        for day in days:
            if quiet:
                await self.store.add_quiet_date(row.id, day)
            else:
                await self.store.remove_quiet_date(row.id, day)
        today = self.clock().astimezone(ZoneInfo(row.timezone)).date()
        return await self.store.list_quiet_dates(row.id, start=today)

    async def post_now(self, actor: Actor, poster: Poster, cohort: str | None = None) -> PromptPost:
        """Post the next prompt at once (does not use up today's scheduled post)."""
        await self._require(actor, "post prompts")
        row = await self.cohort(actor, cohort)
        post = await self._post_next(row, None, poster, manual=True)
        assert post is not None  # a manual post raises UserError instead
        await self._remember_channel(actor, row)
        return post

    # ---------------------------------------------------------------- the daily loop

    async def run_due(self, poster: Poster) -> list[PromptPost]:
        """Post every cohort's prompt that is due now; safe to call as often as you like."""
        await self.settle_unconfirmed(poster)
        now = self.clock()
        gate = asyncio.Semaphore(FAN_OUT)

        async def one(row: CohortRow, day: date) -> PromptPost | None:
            async with gate:
                return await self._post_next(row, day, poster, manual=False)

        # each post starts as soon as its cohort is found due, while the rest are read
        due: list[tuple[CohortRow, asyncio.Task[PromptPost | None]]] = []
        try:
            for row in await self.store.running_cohorts(include_paused=False):
                if not self.owned.owns(row.guild_id):
                    continue  # another process's shard posts it
                try:
                    day = await self._due_date(row, now)
                except ScheduleError:
                    log.exception("cohort %s: its schedule cannot be read", row.id)
                    continue
                if day is not None and not self._backing_off(row.id, day, now):
                    due.append((row, asyncio.create_task(one(row, day))))
        finally:  # a failed read still lets the posts under way finish
            results = await asyncio.gather(*(task for _, task in due), return_exceptions=True)
        posted: list[PromptPost] = []
        for (row, _), result in zip(due, results, strict=True):
            if isinstance(result, BaseException):
                log.error("cohort %s: posting the prompt failed", row.id, exc_info=result)
            elif result is not None:
                posted.append(result)
        return posted

    async def settle_unconfirmed(self, poster: Poster) -> None:
        """Settle posts reserved but never confirmed (a crash, or an unclear Discord error).

        Found in the channel: confirmed. Certainly absent: released, so the prompt still
        goes out (never skipped). Channel unreadable: kept and tried again next time,
        because never posting twice matters more than posting late. Only the servers this
        process owns: another shard's process settles its own.
        """
        before = self.clock() - self.settle_after
        for entry in await self.store.unconfirmed_posts(before=before):
            if entry.id in self._in_flight or not self.owned.owns(entry.guild_id):
                continue  # being sent here, or another process's server to settle
            row = await self.store.get_cohort(entry.cohort_id)
            if row is None or not self.content.loaded:
                continue
            prompt = self.library_of(row).get(entry.prompt_id)
            if not isinstance(prompt, Prompt):
                continue
            post = self.prompt_post(row, prompt, entry.local_date, entry.id)
            post = replace(post, channel_id=entry.channel_id or row.channel_id)
            try:
                found = await poster.find_post(post, entry.at)
            except PostFailed as error:
                await self._warn_unsettled(entry.id, row, prompt, poster, error)
                continue
            if found is None:
                await self.store.release_post(entry.id)
                log.info("cohort %s: %s was never sent; released", row.id, prompt.id)
            else:
                await self.store.confirm_post(entry.id, post.channel_id, *found)
                log.info("cohort %s: %s was sent before a restart; recorded", row.id, prompt.id)

    async def _warn_unsettled(
        self, entry_id: int, row: CohortRow, prompt: Prompt, poster: Poster, error: PostFailed
    ) -> None:
        if entry_id in self._unsettled_warned:
            return
        self._unsettled_warned.add(entry_id)
        log.warning("cohort %s: cannot check an unfinished post: %s", row.id, error)
        await poster.notify(
            row.notify_channel_id,
            row.guild_id,
            Rich.of(
                f"I was posting “{prompt.title}” in ",
                ChannelMention(row.channel_id),
                " when I stopped, "
                f"and now I cannot check whether it went out ({error}). I will not "
                "post it twice: once I can read that channel again I will check and "
                "settle it.",
            ),
        )

    async def _due_date(self, row: CohortRow, now: datetime) -> date | None:
        last = await self.store.last_scheduled_date(row.id)
        return due_date(await self.calendar(row), last, now)

    def _backing_off(self, cohort_id: int, day: date, now: datetime) -> bool:
        failure = self._failures.get(cohort_id)
        return failure is not None and failure[0] == day and now - failure[1] < RETRY_AFTER

    async def _post_next(
        self, row: CohortRow, day: date | None, poster: Poster, *, manual: bool
    ) -> PromptPost | None:
        """Reserve, send, confirm. A manual post explains any refusal to the facilitator."""
        prompt = await self._next_prompt(row)
        if prompt is None:
            prompt, row = await self._sequence_finished(row, poster, manual=manual)
            if prompt is None:
                return None
        status: PostStatus = "manual" if manual else "posted"
        reservation = await self.store.reserve_post(
            row.id, row.round, prompt.id, day, status, now=self.clock()
        )
        if reservation is None:  # another run already took this date or prompt
            if manual:
                raise UserError("A prompt is being posted right now; see /prompt status shortly.")
            return None
        post = self.prompt_post(row, prompt, day, reservation)
        self._in_flight.add(reservation)
        try:
            message_id, thread_id = await poster.post(post)
        except PostFailed as error:
            await self.store.release_post(reservation)
            if manual:
                raise UserError(
                    Rich.of(
                        "I could not post in ",
                        ChannelMention(row.channel_id),
                        f": {error}. Nothing was used up.",
                    )
                ) from None
            await self._report_failure(row, day, poster, str(error))
            return None
        finally:
            # any other error may hide a message that did reach Discord: the reservation
            # stays, and settle_unconfirmed() looks for the message before trying again
            self._in_flight.discard(reservation)
        await self.store.confirm_post(reservation, row.channel_id, message_id, thread_id)
        self._failures.pop(row.id, None)
        log.info("posted prompt %s for cohort %s on %s", prompt.id, row.id, day)
        return post

    def prompt_post(
        self, row: CohortRow, prompt: Prompt, day: date | None, reservation: int = 0
    ) -> PromptPost:
        """The post for a prompt; the reservation id doubles as Discord's send nonce."""
        shown = day or self.clock().astimezone(ZoneInfo(row.timezone)).date()
        suffix = f" · {shown:%d %b %Y}"
        name = prompt.title[: THREAD_NAME_LIMIT - len(suffix)].rstrip() + suffix
        library = self.library_of(row)
        return PromptPost(
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            prompt=prompt,
            view=card_view(prompt, library),
            thread_name=name,
            local_date=day,
            reservation=reservation,
            content_note=library.about.content_note,
            cohort_id=row.id,
            forum=row.is_forum,
        )

    async def _report_failure(
        self, row: CohortRow, day: date | None, poster: Poster, reason: str
    ) -> None:
        now = self.clock()
        already = self._failures.get(row.id)
        self._failures[row.id] = (day or now.date(), now)
        if already is not None and already[0] == (day or now.date()):
            return  # told them once today
        text = Rich.of(
            f"I could not post today's discussion prompt for “{row.name}” in ",
            ChannelMention(row.channel_id),
            f": {reason}. "
            "Give me the View Channel, Send Messages, Embed Links and Create Public Threads "
            "permissions there, or choose another channel with /cohort edit. "
            "The prompt has not been used up; I will try again.",
        )
        await poster.notify(row.notify_channel_id, row.guild_id, text)

    async def _sequence_finished(
        self, row: CohortRow, poster: Poster, *, manual: bool
    ) -> tuple[Prompt | None, CohortRow]:
        total = len(self.library_of(row).prompts)
        if self.when_finished(row) == "restart" and total:
            await self.store.start_new_round(row.id, from_round=row.round)
            fresh = await self.store.get_cohort(row.id)
            assert fresh is not None
            return await self._next_prompt(fresh), fresh
        if manual:
            raise UserError("Every prompt has been used; nothing to post.")
        await self.store.set_paused(row.id, True, now=self.clock())
        await poster.notify(
            row.notify_channel_id,
            row.guild_id,
            Rich.of(
                f"All {total} discussion prompts have been posted for “{row.name}”, so its "
                "daily schedule is now paused. Start it again with /schedule resume once new "
                "prompts are added, or start the next cohort with /cohort next."
            ),
        )
        return None, row

    # ---------------------------------------------------------------- helpers

    async def _require(self, actor: Actor, what: str) -> None:
        await self.facilitators.require(actor, what)

    async def _fresh(self, row: CohortRow) -> CohortRow:
        """The cohort as stored now (after a change)."""
        return await self.store.get_cohort(row.id) or row

    async def _remember_channel(self, actor: Actor, row: CohortRow) -> None:
        if actor.channel_id is not None:
            await self.store.set_notify_channel(row.id, actor.channel_id, now=self.clock())

    async def calendar(self, row: CohortRow) -> Schedule:
        """The cohort's schedule as the timing functions take it: days, quiet dates, term."""
        since = self.clock().date() - timedelta(days=2)
        quiet = frozenset(await self.store.list_quiet_dates(row.id, start=since))
        hours, minutes = (int(part) for part in row.post_time.split(":"))
        return Schedule(
            post_time=time(hours, minutes),
            timezone=row.timezone,
            weekdays=weekday_set(row.weekdays),
            quiet_dates=quiet,
            paused=row.paused or row.ended,
            first_day=row.starts_on,
            last_day=row.ends_on,
        )

    async def _remaining(self, row: CohortRow) -> list[Prompt]:
        used = await self.store.used_prompt_ids(row.id, row.round)
        return [
            prompt
            for prompt in self.library_of(row).prompts
            if prompt.id not in used and used.isdisjoint(prompt.replaces)  # renamed: same prompt
        ]

    async def _next_prompt(self, row: CohortRow) -> Prompt | None:
        remaining = await self._remaining(row)
        return remaining[0] if remaining else None
