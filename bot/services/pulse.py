"""Pulse: for each prompt a cohort has had, how many of its roster reflected and who has
not yet, for facilitators only; and the same each week in the facilitators' channel.

Names are the display names recorded when members joined or last acted, shown as
mentions that ping nobody. Never a word of what anyone wrote: only whether they did.
The weekly digest is reserved before it is sent, so it goes out exactly once a week.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.library.models import Prompt
from bot.services.cohort_scope import CohortScoped
from bot.services.delivery import Courier, DeliveryFailed, Note
from bot.services.participation import SummaryView, participation_chart
from bot.services.permissions import Actor
from bot.services.prompt_plan import day_text
from bot.services.summaries import CohortCounts
from bot.store import CohortRow, Delivery, DeliveryKind
from bot.text import MemberMention, Rich

log = logging.getLogger(__name__)

NAMED_PROMPTS = 7  # a week: the newest prompts list who has not reflected; older ones count only
NAMES_PER_PROMPT = 15  # then "and N more" (seven lists of mentions fit in one embed)
DIGEST_WEEKDAY = 0  # Monday, at the cohort's post time: the week before, in its zone
FINAL_WITHIN = timedelta(days=7)  # a cohort ended longer ago gets no summary sent any more


@dataclass(frozen=True)
class PulseEntry:
    """One prompt the cohort has had: its day, who of the roster reflected, who not yet."""

    title: str
    day: date
    reflected: int
    roster: int
    missing: tuple[MemberMention, ...]


@dataclass(frozen=True)
class PulseView:
    """What /cohort pulse and the weekly digest show (newest prompt first)."""

    cohort_name: str
    roster: int
    entries: tuple[PulseEntry, ...]
    older: int = 0  # prompts before those shown (the digest shows one week)

    def lines(self) -> list[Rich]:
        if self.roster == 0:
            return [
                Rich.of(
                    f"Nobody has joined “{self.cohort_name}” yet: members join with the Join "
                    "button on its posts or /cohort join, and facilitators add them with "
                    "/cohort add member."
                )
            ]
        if not self.entries:
            return [Rich.of(f"“{self.cohort_name}” has had no prompts yet.")]
        head = Rich.of(
            f"{self.roster} member{'s' if self.roster != 1 else ''} in “{self.cohort_name}”. "
            "Who reflected on each prompt (never what they wrote):"
        )
        lines = [head]
        for number, entry in enumerate(self.entries):
            counted = f"{day_text(entry.day)}, “{entry.title}”: {entry.reflected} of {entry.roster}"
            if not entry.missing:
                lines.append(Rich.of(f"{counted}, everyone."))
            elif number >= NAMED_PROMPTS:
                lines.append(Rich.of(f"{counted}."))
            else:
                lines.append(Rich.of(f"{counted}; not yet: ", *_names(entry.missing)))
        if len(self.entries) > NAMED_PROMPTS:
            lines.append(Rich.of(f"Names are listed for the newest {NAMED_PROMPTS} prompts."))
        if self.older:
            lines.append(
                Rich.of(f"{self.older} earlier prompt(s) are not shown: /cohort pulse has all.")
            )
        return lines


def _names(missing: tuple[MemberMention, ...]) -> list[str | MemberMention]:
    parts: list[str | MemberMention] = []
    for index, member in enumerate(missing[:NAMES_PER_PROMPT]):
        if index:
            parts.append(", ")
        parts.append(member)
    more = len(missing) - NAMES_PER_PROMPT
    if more > 0:
        parts.append(f" and {more} more")
    parts.append(".")
    return parts


def digest_marker(cohort_id: int, week: date) -> str:
    """The footer that lets the bot find a digest it sent again after a crash."""
    return f"Weekly digest · cohort {cohort_id} · week of {week.isoformat()}"


@dataclass(eq=False)
class PulseService(CohortScoped):
    """Pulse on demand for facilitators, and the weekly digest."""

    _told: set[tuple[int, date]] = field(default_factory=set, init=False)

    async def pulse(self, actor: Actor, cohort: str | None = None) -> PulseView:
        """Every prompt the cohort has had so far, newest first (facilitators only)."""
        await self.facilitators.require(actor, "see who has reflected")
        row = await self.cohort(actor, cohort, include_ended=True)
        return await self.pulse_of(row)

    async def pulse_of(
        self, row: CohortRow, since: date | None = None, before: date | None = None
    ) -> PulseView:
        """The cohort's pulse; with ``since`` and ``before``, only prompts posted from
        ``since`` up to the day before ``before``."""
        posted = await self.posted_prompts(row)
        shown = [
            (day, prompt)
            for day, prompt in posted
            if (since is None or day >= since) and (before is None or day < before)
        ]
        reflectors = await self.store.prompt_reflectors(row.id)
        members = await self.store.roster(row.id)
        entries = []
        for day, prompt in shown:
            authors: set[int] = set()
            for prompt_id in (prompt.id, *prompt.replaces):
                authors |= reflectors.get(prompt_id, set())
            missing = tuple(
                MemberMention(m.user_id, m.display_name)
                for m in members
                if m.user_id not in authors
            )
            entries.append(
                PulseEntry(prompt.title, day, len(members) - len(missing), len(members), missing)
            )
        older = sum(1 for day, _ in posted if since is not None and day < since)
        return PulseView(row.name, len(members), tuple(entries), older)

    async def posted_prompts(self, row: CohortRow) -> list[tuple[date, Prompt]]:
        """Each prompt the cohort posted (scheduled or by hand), newest first, once each."""
        library = self.library_of(row)
        zone = ZoneInfo(row.timezone)
        seen: set[str] = set()
        found: list[tuple[date, Prompt]] = []
        for entry in await self.store.history(row.id, limit=1000):
            if entry.status == "skipped" or entry.message_id is None or entry.prompt_id in seen:
                continue
            prompt = library.get(entry.prompt_id)
            if not isinstance(prompt, Prompt):
                continue
            seen.add(entry.prompt_id)
            found.append((entry.local_date or entry.at.astimezone(zone).date(), prompt))
        return found

    # ---------------------------------------------------------------- summaries

    async def counts_of(self, row: CohortRow) -> CohortCounts:
        """The cohort's participation in counts (oldest prompt first)."""
        posted = list(reversed(await self.posted_prompts(row)))
        reflectors = await self.store.prompt_reflectors(row.id)
        roster = {member.user_id for member in await self.store.roster(row.id)}
        per_prompt, anyone = [], set()
        for day, prompt in posted:
            authors: set[int] = set()
            for prompt_id in (prompt.id, *prompt.replaces):
                authors |= reflectors.get(prompt_id, set())
            per_prompt.append((day, prompt.title, len(authors & roster)))
            anyone |= authors & roster
        return CohortCounts(
            name=row.name,
            roster=len(roster),
            first_day=posted[0][0] if posted else row.starts_on,
            last_day=posted[-1][0] if posted else None,
            per_prompt=tuple(per_prompt),
            reflected_any=len(anyone),
            ended=row.ended,
        )

    async def cohort_summary(self, actor: Actor, cohort: str | None) -> SummaryView:
        """A cohort's summary for facilitators: x of N members per prompt, and a chart."""
        await self.facilitators.require(actor, "see the reflection summary")
        row = await self.cohort(actor, cohort, include_ended=True)
        counts = await self.counts_of(row)
        stats = await self.store.participation(
            row.guild_id, tz=ZoneInfo(row.timezone), cohort_id=row.id
        )
        days = [(day.day.isoformat(), day.authors) for day in stats.days]
        chart = await asyncio.to_thread(participation_chart, days)
        return SummaryView(tuple(str(line) for line in counts.lines()), chart)

    async def final_note(self, row: CohortRow) -> Note:
        """The end-of-cohort summary as it goes to the facilitators' channel."""
        counts = await self.counts_of(row)
        return Note(
            f"End of cohort: {row.name}",
            (*counts.lines(), Rich.of("/cohort-reflections export gives its reflections as CSV.")),
            final_marker(row.id),
        )

    async def run_endings(self, courier: Courier) -> int:
        """End cohorts whose last day has passed, and send each ended cohort's summary once
        to its facilitators' channel (within a week of its end)."""
        now = self.clock()
        for row in await self.store.running_cohorts():
            if not self.owned.owns(row.guild_id):
                continue  # each process ends and summarises its own servers' cohorts
            today = now.astimezone(ZoneInfo(row.timezone)).date()
            if row.ends_on is not None and today > row.ends_on:
                await self.store.end_cohort(row.id, now=now)
                log.info("cohort %s ended: its last day, %s, is over", row.id, row.ends_on)
        sent = 0
        for row in await self.store.ended_cohorts(since=now - FINAL_WITHIN):
            if not self.owned.owns(row.guild_id):
                continue
            if row.digest_channel_id is None or row.ended_at is None:
                continue
            if await self.store.deliveries(row.id, "final"):
                continue
            day = row.ended_at.astimezone(ZoneInfo(row.timezone)).date()
            sent += await self._deliver(row, "final", day, await self.final_note(row), courier)
        return sent

    # ---------------------------------------------------------------- the weekly digest

    async def run_digests(self, courier: Courier) -> int:
        """Send each running cohort's digest that is due; safe to call as often as you like."""
        await self.settle_notes(courier)
        sent = 0
        now = self.clock()
        for row in await self.store.running_cohorts():
            if row.digest_channel_id is None or not self.owned.owns(row.guild_id):
                continue
            week = self._due_week(row, now)
            if week is None or await self.store.delivered(row.id, "digest", week):
                continue  # not yet, or this week's went out (the usual case: one lookup)
            if not await self.posted_prompts(row):
                continue
            pulse = await self.pulse_of(row, since=week - timedelta(days=7), before=week)
            note = Note(
                f"Weekly digest: {row.name}",
                (Rich.of(f"The week of {day_text(week - timedelta(days=7))}."), *pulse.lines()),
                digest_marker(row.id, week),
            )
            sent += await self._deliver(row, "digest", week, note, courier)
        return sent

    def _due_week(self, row: CohortRow, now: datetime) -> date | None:
        """This week's Monday once the cohort's post time on it has passed, else None."""
        zone = ZoneInfo(row.timezone)
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=(today.weekday() - DIGEST_WEEKDAY) % 7)
        hours, minutes = (int(part) for part in row.post_time.split(":"))
        due = datetime.combine(monday, time(hours, minutes), zone)
        if now < due or (row.starts_on is not None and monday <= row.starts_on):
            return None
        return monday

    async def _deliver(
        self, row: CohortRow, kind: DeliveryKind, day: date, note: Note, courier: Courier
    ) -> int:
        """Reserve, send, settle; 1 if sent. A refusal releases it and is logged once."""
        assert row.digest_channel_id is not None
        reserved = await self.store.reserve_delivery(
            row.id,
            kind,
            day,
            now=self.clock(),
            channel_id=row.digest_channel_id,
        )
        if reserved is None:
            return 0
        try:
            message_id = await courier.send(row.digest_channel_id, row.guild_id, note)
        except DeliveryFailed as error:
            await self.store.release_delivery(reserved)
            if (row.id, day) not in self._told:
                self._told.add((row.id, day))
                log.warning("cohort %s: the %s could not be sent: %s", row.id, kind, error)
            return 0
        await self.store.settle_delivery(reserved, "sent", message_id)
        return 1

    async def settle_notes(self, courier: Courier) -> None:
        """Digests and summaries reserved but never settled (a crash): found in their
        channel, recorded; certainly absent, released to be sent again; unreadable, kept.
        A reminder never settled is given up (better one missing than two). Only for the
        servers this process owns (an unsettled delivery is rare: one cohort read each)."""
        before = self.clock() - self.settle_after
        for delivery in await self.store.unsettled_deliveries(before=before):
            row = await self.store.get_cohort(delivery.cohort_id)
            if row is not None and not self.owned.owns(row.guild_id):
                continue  # another process's server: it settles its own
            if delivery.kind == "reminder" or delivery.channel_id is None:
                await self.store.settle_delivery(delivery.id, "unclear")
                continue
            if row is None:
                continue
            await self._settle(row, delivery, courier)

    async def _settle(self, row: CohortRow, delivery: Delivery, courier: Courier) -> None:
        assert delivery.channel_id is not None
        marker = (
            digest_marker(row.id, delivery.local_date)
            if delivery.kind == "digest"
            else final_marker(row.id)
        )
        try:
            found = await courier.find(delivery.channel_id, row.guild_id, marker, delivery.at)
        except DeliveryFailed as error:
            log.warning(
                "cohort %s: cannot check an unfinished %s: %s", row.id, delivery.kind, error
            )
            return
        if found is None:
            await self.store.release_delivery(delivery.id)
        else:
            await self.store.settle_delivery(delivery.id, "sent", found)


def final_marker(cohort_id: int) -> str:
    """The footer of a cohort's end-of-cohort summary."""
    return f"End-of-cohort summary · cohort {cohort_id}"
