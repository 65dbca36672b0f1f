"""Plain, immutable rows the store hands out, so callers never see sqlite3 rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

AboutKind = Literal["prompt", "approach", "expert", "myth"]
Visibility = Literal["private", "cohort", "anonymous"]
PostStatus = Literal["posted", "skipped", "manual"]

ABOUT_KINDS: frozenset[str] = frozenset(get_args(AboutKind))
VISIBILITIES: frozenset[str] = frozenset(get_args(Visibility))
POST_STATUSES: frozenset[str] = frozenset(get_args(PostStatus))

ALL_WEEKDAYS = 0b111_1111
"""Weekday bitmask with every day set; bit n is date.weekday() == n (0 = Monday)."""


WhenFinished = Literal["stop", "restart"]
DeliveryKind = Literal["reminder", "digest", "final"]
DeliveryOutcome = Literal["sent", "refused", "unclear"]
WHEN_FINISHED: frozenset[str] = frozenset(get_args(WhenFinished))
DELIVERY_KINDS: frozenset[str] = frozenset(get_args(DeliveryKind))


@dataclass(frozen=True, slots=True)
class CohortRow:
    """One cohort: its channel, schedule, dates, curriculum and place in the sequence."""

    id: int
    guild_id: int
    name: str
    channel_id: int
    is_forum: bool  # each prompt becomes its own forum post
    post_time: str  # 'HH:MM' in `timezone`
    timezone: str  # IANA name, e.g. 'Europe/Berlin'
    weekdays: int  # bitmask, see ALL_WEEKDAYS
    starts_on: date | None  # no post before this local date
    ends_on: date | None  # nor after this one
    curriculum: str
    round: int
    paused: bool
    when_finished: WhenFinished | None  # None: the settings' prompts.when_finished
    notify_channel_id: int | None
    digest_channel_id: int | None  # the facilitators' channel for digests and summaries
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def runs_on(self, day: date) -> bool:
        """Whether the weekday mask includes `day` (quiet dates are checked separately)."""
        return bool(self.weekdays & (1 << day.weekday()))


COHORT_CHANGEABLE = frozenset(
    {
        "name",
        "channel_id",
        "is_forum",
        "post_time",
        "timezone",
        "weekdays",
        "starts_on",
        "ends_on",
        "curriculum",
        "when_finished",
        "digest_channel_id",
    }
)
"""Columns /cohort edit may change; round, pause and history have commands of their own."""


@dataclass(frozen=True, slots=True)
class RosterMember:
    """A member of a cohort's roster, named as they were when they joined or last acted."""

    cohort_id: int
    user_id: int
    guild_id: int
    display_name: str
    joined_at: datetime
    added_by: int | None  # the facilitator who added them; None if they joined
    seen_at: datetime
    remind_at: str | None  # 'HH:MM', opted in; None: no reminders
    remind_zone: str | None  # None: the cohort's zone
    dm_refused_on: date | None  # a reminder DM was refused that day (DMs closed)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A reminder, digest or end-of-cohort summary: reserved, then settled."""

    id: int
    cohort_id: int
    kind: DeliveryKind
    user_id: int
    local_date: date
    channel_id: int | None
    message_id: int | None
    outcome: DeliveryOutcome | None  # None while in flight
    at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One use of a prompt by a cohort: posted, posted by hand, or skipped."""

    id: int
    cohort_id: int
    guild_id: int
    round: int
    prompt_id: str
    status: PostStatus
    local_date: date | None
    channel_id: int | None
    message_id: int | None  # None while reserved and not yet confirmed
    thread_id: int | None
    at: datetime

    @property
    def confirmed(self) -> bool:
        """A skip needs no message; a post is confirmed once its message id is known."""
        return self.status == "skipped" or self.message_id is not None


@dataclass(frozen=True, slots=True)
class Reflection:
    """A member's reflection. Only its author may read it unless they share it."""

    id: int
    guild_id: int
    author_id: int
    about_kind: AboutKind
    about_id: str
    text: str
    visibility: Visibility
    shared_channel_id: int | None
    shared_message_id: int | None
    created_at: datetime
    edited_at: datetime | None
    # The cohort it was written in, when that could be told.
    cohort_id: int | None = None
    # Shown (or being shown) without the author's name at some point: stays anonymous.
    seen_anonymously: bool = False
    # A share reserved but not yet confirmed (see PendingShare).
    pending: PendingShare | None = None

    @property
    def anonymous_to_others(self) -> bool:
        """Whether anyone but the author must see it without a name."""
        return self.visibility == "anonymous" or self.seen_anonymously


@dataclass(frozen=True, slots=True)
class PendingShare:
    """A share reserved before it was sent: where it was going, and since when."""

    channel_id: int
    visibility: Visibility
    since: datetime


@dataclass(frozen=True, slots=True)
class ReflectionPage:
    """One page of a member's reflections, newest first, and how many they have."""

    items: tuple[Reflection, ...]
    total: int
    offset: int


@dataclass(frozen=True, slots=True)
class SharedMessage:
    """A chat message that shows a shared reflection, so it can be deleted too."""

    reflection_id: int
    channel_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class TopicCount:
    """How many members reflected on one card, and how many reflections that made."""

    about_kind: AboutKind
    about_id: str
    authors: int
    reflections: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """Reflections written on one local day, and by how many members."""

    day: date
    reflections: int
    authors: int


@dataclass(frozen=True, slots=True)
class Participation:
    """Counts only (never text or who), for the facilitators' summary chart."""

    authors: int
    reflections: int
    topics: tuple[TopicCount, ...]  # most authors first
    days: tuple[DayCount, ...]  # oldest day first
