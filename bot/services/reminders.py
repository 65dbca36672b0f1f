"""Gentle reminders, opt-in only: a member asks to be reminded at a local time on days
when they have not yet reflected on that day's prompt.

Never on a quiet day (there is no prompt), never after the cohort ends, never to anyone
who did not ask, at most once a day (each reminder is reserved before it is sent). A
member whose direct messages are closed is told privately, the next time they use a
command, that the reminder could not reach them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.schedule import Schedule, ScheduleError, parse_time, post_instant, resolve_timezone
from bot.services.cohort_scope import CohortScoped
from bot.services.delivery import Courier, DeliveryFailed, DirectMessagesClosed, Note
from bot.services.permissions import Actor
from bot.store import CohortRow, RosterMember
from bot.text import ChannelMention, Rich
from bot.user_error import UserError

log = logging.getLogger(__name__)


def reminder_marker(cohort_id: int, day: date) -> str:
    return f"Reminder · cohort {cohort_id} · {day.isoformat()}"


@dataclass(eq=False)
class ReminderService(CohortScoped):
    """/remind me and /remind off, and sending the reminders that are due."""

    # Members with a closed-DM note waiting, refreshed by every pass of the daily loop (so a
    # note recorded by another process is seen within one pass). None until the first pass:
    # then every command asks the store. It spares every command a database read.
    _refused: set[tuple[int, int]] | None = field(default=None, init=False)

    async def remind_me(
        self,
        actor: Actor,
        time_text: str,
        zone_text: str | None = None,
        cohort: str | None = None,
    ) -> Rich:
        """Ask for a reminder at a local time (the cohort's zone unless one is given)."""
        row = await self.member_cohort(actor, cohort)
        try:
            at = parse_time(time_text)
            zone = resolve_timezone(zone_text) if zone_text else None
        except ScheduleError as error:
            raise UserError(str(error)) from None
        self._check_after_post(row, at, zone)
        joined = await self.store.join_cohort(
            row.id, actor.user_id, actor.display_name, now=self.clock()
        )
        await self.store.set_reminder(row.id, actor.user_id, f"{at:%H:%M}", zone)
        first = (
            f"You joined “{row.name}” (facilitators see whether you reflected, never what). "
            if joined
            else ""
        )
        return Rich.of(
            f"{first}I will remind you at {at:%H:%M} ({zone or row.timezone}) by direct "
            "message on days you have not yet reflected on that day's prompt: never on quiet "
            "days, never after the cohort ends. /remind off stops it."
        )

    async def remind_off(self, actor: Actor, cohort: str | None = None) -> Rich:
        """Stop reminders: in the cohort named, or in every cohort of this server."""
        if cohort:
            rows = [await self.cohort(actor, cohort)]
        else:
            ids = await self.store.memberships(actor.guild_id, actor.user_id)
            rows = [row for i in ids if (row := await self.store.get_cohort(i)) is not None]
        stopped = [
            row.name
            for row in rows
            if await self._has_reminder(row, actor.user_id)
            and await self.store.set_reminder(row.id, actor.user_id, None, None)
        ]
        if not stopped:
            return Rich.of("You had no reminders here; nothing changed.")
        names = ", ".join(f"“{name}”" for name in stopped)
        return Rich.of(f"No more reminders for {names}. You are still in the cohort.")

    async def refusal_notes(self, actor: Actor) -> Rich | None:
        """Once, after a reminder could not be sent because the member's DMs are closed."""
        member = (actor.guild_id, actor.user_id)
        if self._refused is None:  # before the daily loop's first pass: read it once here
            self._refused = await self.store.members_with_dm_refusals()
        if member not in self._refused:
            return None
        ids = await self.store.take_dm_refusals(*member)
        self._refused.discard(member)
        names = [row.name for i in ids if (row := await self.store.get_cohort(i)) is not None]
        if not names:
            return None
        return Rich.of(
            f"I could not send you the reminder you asked for in {', '.join(names)}: your "
            "direct messages are closed to me. Allow direct messages from this server's "
            "members in your privacy settings, or stop the reminder with /remind off."
        )

    # ---------------------------------------------------------------- sending

    async def run_due(self, courier: Courier) -> int:
        """Send every reminder that is due now; safe to call as often as you like."""
        sent = 0
        self._refused = await self.store.members_with_dm_refusals()
        cohorts: dict[int, CohortRow | None] = {}
        for member in await self.store.reminder_subscribers():
            if not self.owned.owns(member.guild_id):
                continue  # another process's shard reminds them
            if member.cohort_id not in cohorts:
                cohorts[member.cohort_id] = await self.store.get_cohort(member.cohort_id)
            row = cohorts[member.cohort_id]
            if row is None or row.ended:
                continue
            try:
                sent += await self._remind(row, member, courier)
            except Exception:
                log.exception("cohort %s: reminding member %s failed", row.id, member.user_id)
        return sent

    async def _remind(self, row: CohortRow, member: RosterMember, courier: Courier) -> int:
        now = self.clock()
        due = self._reminder_instant(row, member, now)
        if due is None or now < due:
            return 0
        day = due.astimezone(ZoneInfo(row.timezone)).date()  # the cohort's day
        if row.ends_on is not None and day > row.ends_on:
            return 0
        if await self.store.delivered(row.id, "reminder", day, user_id=member.user_id):
            return 0  # reminded today already (the usual case after the time: one lookup)
        if await self.store.is_quiet_date(row.id, day):
            return 0
        entry = await self.store.post_on(row.id, day)
        if entry is None or entry.message_id is None or entry.at > due:
            return 0  # no prompt that day, or it came after the reminder time
        prompt = self.library_of(row).get(entry.prompt_id)
        ids = {entry.prompt_id, *(prompt.replaces if prompt else [])}
        if await self.store.has_reflected(row.id, member.user_id, ids):
            return 0
        reserved = await self.store.reserve_delivery(
            row.id, "reminder", day, now=now, user_id=member.user_id
        )
        if reserved is None:
            return 0  # another worker got there first
        title = prompt.title if prompt else entry.prompt_id
        where = entry.thread_id or entry.channel_id or row.channel_id
        note = Note(
            f"A gentle reminder from “{row.name}”",
            (
                Rich.of(
                    f"Today's prompt, “{title}”, is in ",
                    ChannelMention(where),
                    ". You have not reflected on it yet: the Reflect button on the post, or "
                    "/reflect, takes a few minutes whenever suits you.",
                ),
                Rich.of("You asked for this reminder; /remind off stops it."),
            ),
            reminder_marker(row.id, day),
        )
        try:
            message_id = await courier.direct(member.user_id, note)
        except DirectMessagesClosed:
            await self.store.settle_delivery(reserved, "refused")
            await self.store.note_dm_refused(row.id, member.user_id, day)
            if self._refused is not None:
                self._refused.add((row.guild_id, member.user_id))
            return 0
        except DeliveryFailed as error:
            await self.store.settle_delivery(reserved, "refused")
            log.warning("cohort %s: a reminder was refused: %s", row.id, error)
            return 0
        await self.store.settle_delivery(reserved, "sent", message_id)
        return 1

    def _reminder_instant(
        self, row: CohortRow, member: RosterMember, now: datetime
    ) -> datetime | None:
        """Today's reminder instant on the member's own wall clock (DST handled)."""
        if member.remind_at is None:
            return None
        hours, minutes = (int(part) for part in member.remind_at.split(":"))
        schedule = Schedule(time(hours, minutes), member.remind_zone or row.timezone)
        today = now.astimezone(schedule.zone).date()
        try:
            return post_instant(schedule, today)
        except ScheduleError:  # the zone skipped today
            return None

    # ---------------------------------------------------------------- helpers

    def _check_after_post(self, row: CohortRow, at: time, zone: str | None) -> None:
        """Refuse a reminder time before the cohort's post time: it would never fire."""
        post_hours, post_minutes = (int(part) for part in row.post_time.split(":"))
        cohort_schedule = Schedule(time(post_hours, post_minutes), row.timezone)
        today = self.clock().astimezone(cohort_schedule.zone).date()
        try:
            posted = post_instant(cohort_schedule, today)
            reminded = post_instant(Schedule(at, zone or row.timezone), today)
        except ScheduleError:
            return
        if reminded.astimezone(cohort_schedule.zone).date() != today or reminded < posted:
            raise UserError(
                f"The prompt is posted at {row.post_time} {row.timezone}; choose a reminder "
                "time after it on the same day, or you would never be reminded."
            )

    async def _has_reminder(self, row: CohortRow, user_id: int) -> bool:
        member = await self.store.roster_member(row.id, user_id)
        return member is not None and member.remind_at is not None
