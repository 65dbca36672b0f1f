"""cohort-bot's storage: an SQLite file, or a PostgreSQL database, behind one async
data-access class whose methods behave the same on both engines.

Usage::

    async with Store.open(settings.database_url) as store:
        reflection = await store.add_reflection(guild_id, user_id, ..., now=now)

Nothing here imports discord; ids are plain ints and times are aware UTC datetimes.
"""

from bot.store.migrate import Migration, load_migrations
from bot.store.models import (
    ABOUT_KINDS,
    ALL_WEEKDAYS,
    POST_STATUSES,
    VISIBILITIES,
    AboutKind,
    CohortRow,
    DayCount,
    Delivery,
    DeliveryKind,
    HistoryEntry,
    Participation,
    PendingShare,
    PostStatus,
    Reflection,
    ReflectionPage,
    RosterMember,
    SharedMessage,
    TopicCount,
    Visibility,
    WhenFinished,
)
from bot.store.store import Store, StoreOpening
from bot.store.store_error import StoreError

__all__ = [
    "ABOUT_KINDS",
    "ALL_WEEKDAYS",
    "POST_STATUSES",
    "VISIBILITIES",
    "AboutKind",
    "CohortRow",
    "DayCount",
    "Delivery",
    "DeliveryKind",
    "HistoryEntry",
    "Migration",
    "Participation",
    "PendingShare",
    "PostStatus",
    "Reflection",
    "ReflectionPage",
    "RosterMember",
    "SharedMessage",
    "Store",
    "StoreError",
    "StoreOpening",
    "TopicCount",
    "Visibility",
    "WhenFinished",
    "load_migrations",
]
