"""Daily prompts: scheduling rules, the per-server sequence, and posting what is due.

The sequence is kept by prompt id (what a server has used this round), so maintainers
may insert, reorder or delete prompts without any server re-posting or skipping one.
Posting reserves the (server, date, prompt) row in SQLite before sending, so a restart
at any moment never posts twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.library.models import Prompt
from bot.schedule import (
    Schedule,
    ScheduleError,
    describe_dates,
    describe_weekdays,
    due_date,
    local_date,
    next_post,
    parse_dates,
    parse_time,
    parse_weekdays,
    post_instant,
    resolve_timezone,
    upcoming,
)
from bot.services.answers import CardView
from bot.services.cards import card_view
from bot.services.permissions import Actor
from bot.services.store_backed import StoreService
from bot.store import PostStatus, ScheduleRow
from bot.text import ChannelMention, Moment, Rich
from bot.user_error import UserError

log = logging.getLogger(__name__)

PREVIEW_MAX = 25  # one Discord embed of dates stays short
PREVIEW_COUNT_HELP = f"Choose how many to preview: a whole number from 1 to {PREVIEW_MAX}."

RETRY_AFTER = timedelta(minutes=10)
SETTLE_AFTER = timedelta(minutes=1)  # older unconfirmed reservations are not in flight
START_GRACE = timedelta(minutes=15)  # a schedule set just after its time still posts today
FAN_OUT = 50  # servers posted to at once; discord.py queues per-route rate limits
THREAD_NAME_LIMIT = 100


def weekday_set(mask: int) -> frozenset[int]:
    """The store's 7-bit weekday mask as calendar weekday numbers (0 = Monday)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def weekday_mask(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


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


class Poster(Protocol):
    """What a face must do to publish a prompt (Discord: a message and a thread)."""

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        """Send it; return (message id, thread id). Raise PostFailed when refused."""
        ...

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        """Tell a server's facilitators something (their last command channel)."""
        ...

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        """Look for a post an earlier run sent but never recorded (it stopped mid-send).

        Return (message id, thread id) if it is there (opening the thread if missing),
        None if it is certainly not; raise PostFailed if the channel cannot be read.
        """
        ...


@dataclass(frozen=True)
class ScheduleStatus:
    """Everything /prompt status shows."""

    schedule: ScheduleRow
    next_post: datetime | None
    next_prompt: Prompt | None
    position: int
    total: int
    quiet_dates: tuple[date, ...]

    def lines(self) -> list[Rich]:
        """Status lines; the channel and the next post time are data each face formats."""
        row = self.schedule
        days = describe_weekdays(weekday_set(row.weekdays))
        lines = [
            Rich.of(
                "Posting in ",
                ChannelMention(row.channel_id),
                f" at {row.post_time} {row.timezone}, {days}.",
            ),
            Rich.of("Paused.") if row.paused else None,
        ]
        if self.next_post is not None and not row.paused:
            lines.append(Rich.of("Next post: ", Moment(self.next_post, row.timezone), "."))
        upcoming = f"“{self.next_prompt.title}”" if self.next_prompt else "none (all used)"
        lines.append(Rich.of(f"Next prompt: {upcoming}, {self.position} of {self.total} used."))
        if self.quiet_dates:
            lines.append(Rich.of(f"Quiet dates: {describe_dates(self.quiet_dates)}"))
        return [line for line in lines if line is not None]


@dataclass(eq=False)
class PromptService(StoreService):
    """Schedules, the per-server sequence and the posting of what is due."""

    _failures: dict[int, tuple[date, datetime]] = field(default_factory=dict, init=False)
    _in_flight: set[int] = field(default_factory=set, init=False)  # being sent by this process
    _unsettled_warned: set[int] = field(default_factory=set, init=False)

    # ---------------------------------------------------------------- facilitators

    async def set_schedule(
        self, actor: Actor, channel_id: int, time_text: str, zone_text: str, days_text: str = ""
    ) -> ScheduleStatus:
        """Create or change the server's schedule; bad input is refused with the fix."""
        await self._require(actor, "schedule prompts")
        try:
            post_time = parse_time(time_text)
            zone = resolve_timezone(zone_text)
            weekdays = parse_weekdays(days_text)
        except ScheduleError as error:
            raise UserError(str(error)) from None
        if not weekdays:
            raise UserError("Choose at least one weekday.")
        await self.store.upsert_schedule(
            actor.guild_id,
            channel_id=channel_id,
            post_time=f"{post_time:%H:%M}",
            timezone=zone,
            weekdays=weekday_mask(weekdays),
            created_by=actor.user_id,
            now=self.clock(),
            notify_channel_id=actor.channel_id,
            starts_on=self._first_day(Schedule(post_time, zone, weekdays)),
        )
        return await self.status(actor)

    def _first_day(self, schedule: Schedule) -> date:
        """Today if today's post time is ahead (or just passed), else tomorrow.

        Scheduling 09:00 at 09:05 means "start now"; at 17:00 it means "from tomorrow",
        not a surprise post in the afternoon.
        """
        now = self.clock()
        today = local_date(schedule, now)
        try:
            if post_instant(schedule, today) > now - START_GRACE:
                return today
        except ScheduleError:  # the zone skips today entirely
            pass
        return today + timedelta(days=1)

    async def status(self, actor: Actor) -> ScheduleStatus:
        """The schedule, the next post and the place in the sequence."""
        row = await self._schedule(actor)
        return await self._status(row)

    async def upcoming(self, actor: Actor, count: int) -> list[tuple[date, Prompt]]:
        """The next ``count`` post dates with the prompt each will get (private preview)."""
        await self._require(actor, "preview prompts")
        if not 1 <= count <= PREVIEW_MAX:
            raise UserError(f"{count} is out of range. {PREVIEW_COUNT_HELP}")
        row = await self._schedule(actor)
        schedule = await self._calendar(row)
        last = await self.store.last_scheduled_date(row.guild_id)
        dates = upcoming(schedule, last, self.clock(), count)
        prompts = await self._remaining(row)
        if self.settings.prompts.when_finished == "restart":
            full = list(self.content.library.prompts)  # each later round starts over in order
            prompts += full * (count // max(1, len(full)) + 1)
        return list(zip(dates, prompts, strict=False))

    async def set_paused(self, actor: Actor, paused: bool) -> ScheduleStatus:
        await self._require(actor, "pause or resume prompts")
        row = await self._schedule(actor)
        await self.store.set_paused(row.guild_id, paused, now=self.clock())
        await self._remember_channel(actor)
        return await self.status(actor)

    async def skip_next(self, actor: Actor) -> Prompt:
        """Pass over the next prompt: it will not be posted this round."""
        await self._require(actor, "skip prompts")
        row = await self._schedule(actor)
        prompt = await self._next_prompt(row)
        if prompt is None:
            raise UserError("Every prompt has been used; there is nothing to skip.")
        skipped = await self.store.record_post(
            row.guild_id, row.round, prompt.id, "skipped", now=self.clock()
        )
        if not skipped:
            raise UserError(
                f"“{prompt.title}” is being posted right now, so it was not skipped. "
                "Run /schedule skip again to pass over the one after it."
            )
        await self._remember_channel(actor)
        return prompt

    async def set_quiet_dates(self, actor: Actor, text: str, *, quiet: bool = True) -> list[date]:
        """Add (or remove) dates with no post; returns the server's quiet dates from today."""
        await self._require(actor, "set quiet dates")
        row = await self._schedule(actor)
        try:
            days = parse_dates(text)
        except ScheduleError as error:
            raise UserError(str(error)) from None
        for day in days:
            if quiet:
                await self.store.add_quiet_date(row.guild_id, day)
            else:
                await self.store.remove_quiet_date(row.guild_id, day)
        today = self.clock().astimezone(ZoneInfo(row.timezone)).date()
        return await self.store.list_quiet_dates(row.guild_id, start=today)

    async def post_now(self, actor: Actor, poster: Poster) -> PromptPost:
        """Post the next prompt at once (does not use up today's scheduled post)."""
        await self._require(actor, "post prompts")
        row = await self._schedule(actor)
        post = await self._post_next(row, None, poster, manual=True)
        assert post is not None  # a manual post raises UserError instead
        await self._remember_channel(actor)
        return post

    # ---------------------------------------------------------------- the daily loop

    async def run_due(self, poster: Poster) -> list[PromptPost]:
        """Post every server's prompt that is due now; safe to call as often as you like."""
        await self.settle_unconfirmed(poster)
        now = self.clock()
        due: list[tuple[ScheduleRow, date]] = []
        for row in await self.store.list_schedules(include_paused=False):
            local_date = await self._due_date(row, now)
            if local_date is not None and not self._backing_off(row.guild_id, local_date, now):
                due.append((row, local_date))
        gate = asyncio.Semaphore(FAN_OUT)

        async def one(row: ScheduleRow, local_date: date) -> PromptPost | None:
            async with gate:
                return await self._post_next(row, local_date, poster, manual=False)

        results = await asyncio.gather(*(one(row, day) for row, day in due), return_exceptions=True)
        posted: list[PromptPost] = []
        for (row, _), result in zip(due, results, strict=True):
            if isinstance(result, BaseException):
                log.error("guild %s: posting the prompt failed", row.guild_id, exc_info=result)
            elif result is not None:
                posted.append(result)
        return posted

    async def settle_unconfirmed(self, poster: Poster) -> None:
        """Settle posts reserved but never confirmed (a crash, or an unclear Discord error).

        Found in the channel: confirmed. Certainly absent: released, so the prompt still
        goes out (never skipped). Channel unreadable: kept and tried again next time,
        because never posting twice matters more than posting late.
        """
        before = self.clock() - SETTLE_AFTER
        for entry in await self.store.unconfirmed_posts(before=before):
            if entry.id in self._in_flight:
                continue
            row = await self.store.get_schedule(entry.guild_id)
            prompt = self.content.library.get(entry.prompt_id)
            if row is None or not isinstance(prompt, Prompt):
                continue
            post = self.prompt_post(row, prompt, entry.local_date, entry.id)
            try:
                found = await poster.find_post(post, entry.at)
            except PostFailed as error:
                if entry.id not in self._unsettled_warned:
                    self._unsettled_warned.add(entry.id)
                    log.warning(
                        "guild %s: cannot check an unfinished post: %s", row.guild_id, error
                    )
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
                continue
            if found is None:
                await self.store.release_post(entry.id)
                log.info("guild %s: %s was never sent; released", row.guild_id, prompt.id)
            else:
                await self.store.confirm_post(entry.id, row.channel_id, *found)
                log.info(
                    "guild %s: %s was sent before a restart; recorded", row.guild_id, prompt.id
                )

    async def _due_date(self, row: ScheduleRow, now: datetime) -> date | None:
        last = await self.store.last_scheduled_date(row.guild_id)
        return due_date(await self._calendar(row), last, now)

    def _backing_off(self, guild_id: int, local_date: date, now: datetime) -> bool:
        failure = self._failures.get(guild_id)
        return failure is not None and failure[0] == local_date and now - failure[1] < RETRY_AFTER

    async def _post_next(
        self, row: ScheduleRow, local_date: date | None, poster: Poster, *, manual: bool
    ) -> PromptPost | None:
        """Reserve, send, confirm. A manual post explains any refusal to the facilitator."""
        prompt = await self._next_prompt(row)
        if prompt is None:
            prompt, row = await self._sequence_finished(row, poster, manual=manual)
            if prompt is None:
                return None
        status: PostStatus = "manual" if manual else "posted"
        reservation = await self.store.reserve_post(
            row.guild_id, row.round, prompt.id, local_date, status, now=self.clock()
        )
        if reservation is None:  # another run already took this date or prompt
            if manual:
                raise UserError("A prompt is being posted right now; see /prompt status shortly.")
            return None
        post = self.prompt_post(row, prompt, local_date, reservation)
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
            await self._report_failure(row, local_date, poster, str(error))
            return None
        finally:
            # any other error may hide a message that did reach Discord: the reservation
            # stays, and settle_unconfirmed() looks for the message before trying again
            self._in_flight.discard(reservation)
        await self.store.confirm_post(reservation, row.channel_id, message_id, thread_id)
        self._failures.pop(row.guild_id, None)
        log.info("posted prompt %s to guild %s for %s", prompt.id, row.guild_id, local_date)
        return post

    def prompt_post(
        self, row: ScheduleRow, prompt: Prompt, local_date: date | None, reservation: int = 0
    ) -> PromptPost:
        """The post for a prompt; the reservation id doubles as Discord's send nonce."""
        day = local_date or self.clock().astimezone(ZoneInfo(row.timezone)).date()
        suffix = f" · {day:%d %b %Y}"
        name = prompt.title[: THREAD_NAME_LIMIT - len(suffix)].rstrip() + suffix
        view = card_view(prompt, self.content.library)
        note = self.content.library.about.content_note
        return PromptPost(
            row.guild_id, row.channel_id, prompt, view, name, local_date, reservation, note
        )

    async def _report_failure(
        self, row: ScheduleRow, local_date: date | None, poster: Poster, reason: str
    ) -> None:
        now = self.clock()
        already = self._failures.get(row.guild_id)
        self._failures[row.guild_id] = (local_date or now.date(), now)
        if already is not None and already[0] == (local_date or now.date()):
            return  # told them once today
        text = Rich.of(
            "I could not post today's discussion prompt in ",
            ChannelMention(row.channel_id),
            f": {reason}. "
            "Give me the View Channel, Send Messages, Embed Links and Create Public Threads "
            "permissions there, or choose another channel with /schedule set. "
            "The prompt has not been used up; I will try again.",
        )
        await poster.notify(row.notify_channel_id, row.guild_id, text)

    async def _sequence_finished(
        self, row: ScheduleRow, poster: Poster, *, manual: bool
    ) -> tuple[Prompt | None, ScheduleRow]:
        total = len(self.content.library.prompts)
        if self.settings.prompts.when_finished == "restart" and total:
            await self.store.start_new_round(row.guild_id, from_round=row.round)
            fresh = await self.store.get_schedule(row.guild_id)
            assert fresh is not None
            return await self._next_prompt(fresh), fresh
        if manual:
            raise UserError("Every prompt has been used; nothing to post.")
        await self.store.set_paused(row.guild_id, True, now=self.clock())
        await poster.notify(
            row.notify_channel_id,
            row.guild_id,
            Rich.of(
                f"All {total} discussion prompts have been posted, so the daily schedule is now "
                "paused. Start it again with /schedule resume once new prompts are added."
            ),
        )
        return None, row

    # ---------------------------------------------------------------- helpers

    async def _require(self, actor: Actor, what: str) -> None:
        await self.facilitators.require(actor, what)

    async def _schedule(self, actor: Actor) -> ScheduleRow:
        row = await self.store.get_schedule(actor.guild_id)
        if row is None:
            raise UserError(
                "There is no prompt schedule yet. A facilitator can start one with "
                "/schedule set, giving a time like 09:00 and a time zone like Europe/Berlin."
            )
        return row

    async def _remember_channel(self, actor: Actor) -> None:
        if actor.channel_id is not None:
            await self.store.set_notify_channel(actor.guild_id, actor.channel_id, now=self.clock())

    async def _calendar(self, row: ScheduleRow) -> Schedule:
        since = self.clock().date() - timedelta(days=2)
        quiet = set(await self.store.list_quiet_dates(row.guild_id, start=since))
        if row.starts_on is not None:  # days before the schedule began post nothing
            quiet.update(since + timedelta(days=n) for n in range((row.starts_on - since).days))
        hours, minutes = (int(part) for part in row.post_time.split(":"))
        return Schedule(
            post_time=time(hours, minutes),
            timezone=row.timezone,
            weekdays=weekday_set(row.weekdays),
            quiet_dates=frozenset(quiet),
            paused=row.paused,
        )

    async def _remaining(self, row: ScheduleRow) -> list[Prompt]:
        used = await self.store.used_prompt_ids(row.guild_id, row.round)
        return [
            prompt
            for prompt in self.content.library.prompts
            if prompt.id not in used and used.isdisjoint(prompt.replaces)  # renamed: same prompt
        ]

    async def _next_prompt(self, row: ScheduleRow) -> Prompt | None:
        remaining = await self._remaining(row)
        return remaining[0] if remaining else None

    async def _status(self, row: ScheduleRow) -> ScheduleStatus:
        prompts: Sequence[Prompt] = self.content.library.prompts
        remaining = await self._remaining(row)
        last = await self.store.last_scheduled_date(row.guild_id)
        schedule = await self._calendar(row)
        today = self.clock().astimezone(schedule.zone).date()
        quiet = tuple(await self.store.list_quiet_dates(row.guild_id, start=today))
        return ScheduleStatus(
            schedule=row,
            next_post=next_post(schedule, last, self.clock()),
            next_prompt=remaining[0] if remaining else None,
            position=len(prompts) - len(remaining),
            total=len(prompts),
            quiet_dates=quiet,
        )
