"""What lies ahead for a cohort: its status, the next dates (quiet ones shown as quiet),
and where its sequence of prompts ends and what happens then.

Pure functions of the cohort's calendar, what is left of its sequence and `now`; the
prompt service gathers those from the store and content.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.library.models import Prompt
from bot.schedule import Schedule, describe_dates, describe_weekdays, upcoming
from bot.services.answers import plural
from bot.store import CohortRow, WhenFinished
from bot.text import ChannelMention, Moment, Rich

MANY = 10_000  # more post days than any plan needs; SEARCH_DAYS bounds the search anyway


def weekday_set(mask: int) -> frozenset[int]:
    """The store's 7-bit weekday mask as calendar weekday numbers (0 = Monday)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def weekday_mask(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


def day_text(day: date) -> str:
    """'Fri 10 Apr 2026': a local date as every face shows it."""
    return f"{day:%a %d %b %Y}"


@dataclass(frozen=True)
class SequenceEnd:
    """Where a cohort's sequence ends, and what happens then."""

    remaining: int  # prompts not yet used this round
    last_prompt: str | None  # the title of the last one
    last_day: date | None  # the day it will be posted (None: not before the cohort ends)
    unposted: int  # prompts the cohort's end date leaves out
    ends_on: date | None
    idle_days: int  # post days left after the last prompt, before the end date
    when_finished: WhenFinished

    def lines(self) -> list[str]:
        """What facilitators are told, in one or two sentences."""
        then = {
            "stop": "then the daily posts pause and you are told",
            "restart": "then the sequence starts again from the first prompt",
        }[self.when_finished]
        if self.remaining == 0:
            return [f"Every prompt has been used: {then.removeprefix('then ')}."]
        if self.unposted:
            if self.ends_on is None:
                return [f"Only {plural(self.remaining - self.unposted, 'more post')} are planned."]
            return [
                f"The cohort ends on {day_text(self.ends_on)} before "
                f"{plural(self.unposted, 'prompt')} of the sequence can be posted."
            ]
        assert self.last_day is not None  # every remaining prompt has its day
        last = f"The sequence ends with “{self.last_prompt}” on {day_text(self.last_day)}"
        if self.ends_on is None:
            return [f"{last}; {then}."]
        if self.idle_days == 0:
            return [f"{last}; the cohort ends on {day_text(self.ends_on)}."]
        return [
            f"{last}; {then}, and the cohort ends on {day_text(self.ends_on)} "
            f"({plural(self.idle_days, 'post day')} later)."
        ]

    @property
    def mismatch(self) -> str | None:
        """A warning when the end date and the sequence do not meet, else None."""
        if self.ends_on is None or self.remaining == 0:
            return None
        if self.unposted:
            return (
                f"Note: the cohort ends on {day_text(self.ends_on)}, before the last "
                f"{plural(self.unposted, 'prompt')} of its sequence. Move its end date "
                "(/cohort edit ends:) or skip prompts if that is not what you want."
            )
        if self.idle_days and self.when_finished == "stop" and self.last_day is not None:
            return (
                f"Note: the prompts run out on {day_text(self.last_day)}, "
                f"{plural(self.idle_days, 'post day')} before the cohort ends on "
                f"{day_text(self.ends_on)}; the posts pause then. Choose when_finished: "
                "restart, or an earlier end date, if that is not what you want."
            )
        return None


def sequence_end(
    schedule: Schedule,
    last_posted: date | None,
    now: datetime,
    remaining: list[Prompt],
    when_finished: WhenFinished,
) -> SequenceEnd:
    """Where the remaining prompts take the cohort, given its calendar and end date."""
    days = upcoming(replace(schedule, paused=False), last_posted, now, len(remaining))
    last_day = days[-1] if remaining and len(days) == len(remaining) else None
    idle = 0
    if last_day is not None and schedule.last_day is not None:
        idle = len(upcoming(replace(schedule, paused=False), last_day, now, MANY))
    unposted = len(remaining) - len(days)
    return SequenceEnd(
        remaining=len(remaining),
        last_prompt=remaining[-1].title if remaining else None,
        last_day=last_day,
        unposted=unposted,
        ends_on=schedule.last_day,
        idle_days=idle,
        when_finished=when_finished,
    )


@dataclass(frozen=True)
class PreviewEntry:
    """One day ahead: the prompt it will get, or None on a quiet day."""

    day: date
    title: str | None

    @property
    def quiet(self) -> bool:
        return self.title is None


@dataclass(frozen=True)
class PreviewView:
    """What /schedule next shows: the next post days (quiet ones as quiet) and the end."""

    cohort_name: str
    entries: tuple[PreviewEntry, ...]
    ending: tuple[str, ...]

    def lines(self) -> list[str]:
        """One line per day ('Mon 02 Mar 2026  Title' or '… quiet'), then the ending."""
        shown = [
            f"{day_text(entry.day)}  {'quiet (no post)' if entry.quiet else entry.title}"
            for entry in self.entries
        ]
        return [*(shown or ["Nothing is scheduled (paused, or no weekday chosen)."]), *self.ending]


def preview(
    schedule: Schedule,
    last_posted: date | None,
    now: datetime,
    prompts: list[Prompt],
    count: int,
) -> tuple[PreviewEntry, ...]:
    """The next `count` posts with their prompts, quiet days between them shown as quiet.

    `prompts` is what the cohort will post, in order (later rounds included when the
    sequence starts over); the plan stops where they, or the cohort's dates, run out.
    """
    open_days = upcoming(
        replace(schedule, quiet_dates=frozenset()),
        last_posted,
        now,
        count + len(schedule.quiet_dates),
    )
    entries: list[PreviewEntry] = []
    queue = list(prompts)
    for day in open_days:
        if sum(not e.quiet for e in entries) == count or not queue:
            break
        if day in schedule.quiet_dates:
            entries.append(PreviewEntry(day, None))
        else:
            entries.append(PreviewEntry(day, queue.pop(0).title))
    while entries and entries[-1].quiet:  # the list ends on a post, not on trailing quiet days
        entries.pop()
    return tuple(entries)


@dataclass(frozen=True)
class ScheduleStatus:
    """Everything /prompt status shows about one cohort."""

    cohort: CohortRow
    next_post: datetime | None
    next_prompt: Prompt | None
    position: int
    total: int
    quiet_dates: tuple[date, ...]
    ending: SequenceEnd | None = None
    several: bool = False  # the server runs other cohorts too: say which one this is

    @property
    def schedule(self) -> CohortRow:
        """The cohort's schedule (the cohort row holds it)."""
        return self.cohort

    def lines(self) -> list[Rich]:
        """Status lines; the channel and the next post time are data each face formats."""
        row = self.cohort
        days = describe_weekdays(weekday_set(row.weekdays))
        lines: list[Rich | None] = [
            Rich.of(f"Cohort: {row.name}{' (ended)' if row.ended else ''}.")
            if self.several or row.ended
            else None,
            Rich.of(
                "Posting in ",
                ChannelMention(row.channel_id),
                f" at {row.post_time} {row.timezone}, {days}.",
            ),
            _term(row),
            Rich.of("Paused.") if row.paused and not row.ended else None,
        ]
        if self.next_post is not None and not row.paused and not row.ended:
            lines.append(Rich.of("Next post: ", Moment(self.next_post, row.timezone), "."))
        upcoming_text = f"“{self.next_prompt.title}”" if self.next_prompt else "none (all used)"
        lines.append(
            Rich.of(f"Next prompt: {upcoming_text}, {self.position} of {self.total} used.")
        )
        if self.quiet_dates:
            lines.append(Rich.of(f"Quiet dates: {describe_dates(self.quiet_dates)}"))
        if self.ending is not None and not row.ended:
            lines.extend(Rich.of(line) for line in self.ending.lines())
        return [line for line in lines if line is not None]


def _term(row: CohortRow) -> Rich | None:
    """'From Mon 02 Mar 2026 to Fri 10 Apr 2026.' when the cohort has dates."""
    if row.starts_on is None and row.ends_on is None:
        return None
    start = f"From {day_text(row.starts_on)}" if row.starts_on else "Running"
    end = f" to {day_text(row.ends_on)}" if row.ends_on else ", with no end date"
    return Rich.of(f"{start}{end}.")
