"""Store: the one class services use, combined from one query class per table.

Each table's methods live in their own module (schedules, prompt_history,
reflections, participation, guild_settings, chat_ids), all subclasses of Runner
(bot/store/runner.py), which holds the one connection and the rules every method
follows: one transaction each, committed before it returns, serialised by one lock.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Generator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.store.chat_ids import ChatIdQueries
from bot.store.cohorts import CohortQueries
from bot.store.connection import DEFAULT_BUSY_TIMEOUT_MS
from bot.store.content_version import ContentVersionQueries
from bot.store.deliveries import DeliveryQueries
from bot.store.guild_settings import GuildSettingsQueries
from bot.store.migrate import Migration
from bot.store.participation import ParticipationQueries
from bot.store.postgres_engine import PostgresEngine
from bot.store.practice import PracticeQueries
from bot.store.prompt_history import PromptHistoryQueries
from bot.store.reflections import ReflectionQueries
from bot.store.roster import RosterQueries
from bot.store.sqlite_engine import SqliteEngine


class Store(
    CohortQueries,
    PromptHistoryQueries,
    RosterQueries,
    DeliveryQueries,
    ReflectionQueries,
    ParticipationQueries,
    GuildSettingsQueries,
    ChatIdQueries,
    PracticeQueries,
    ContentVersionQueries,
):
    """cohort-bot's storage. Create with `await Store.open(path)`; close with `close()`."""

    @staticmethod
    def open(
        target: str | os.PathLike[str],
        *,
        migrations: Sequence[Migration] | None = None,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> StoreOpening:
        """Open (creating if needed) and upgrade the database at `target`: an SQLite file
        (a path, or sqlite:///path) or a PostgreSQL database (postgresql://...).

        Raises StoreError, with a message fit to show an operator, if it is not a
        cohort-bot database, was written by a newer cohort-bot (it is then left
        untouched), or a migration fails (then nothing is changed). `migrations`
        replaces the shipped ones for that engine; tests use it to exercise upgrades.
        """
        text = os.fspath(target)
        scheme = text.partition("://")[0].lower() if "://" in text else ""

        async def opener() -> Store:
            if scheme in ("postgresql", "postgres"):
                return Store(await PostgresEngine.open(text, migrations))
            path = Path(text.removeprefix("sqlite:///")) if scheme == "sqlite" else Path(text)
            return Store(await SqliteEngine.open(path, migrations, busy_timeout_ms))

        return StoreOpening(opener)


class StoreOpening:
    """What Store.open returns: `await` it, or use it directly with `async with`."""

    def __init__(self, opener: Callable[[], Awaitable[Store]]) -> None:
        self._opener = opener
        self._store: Store | None = None

    def __await__(self) -> Generator[Any, None, Store]:
        return self._opener().__await__()

    async def __aenter__(self) -> Store:
        self._store = await self._opener()
        return self._store

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._store is not None:
            await self._store.close()
