"""`/content reload` in one process reloads every process over the same database.

The process that runs the command reloads at once, then publishes a new content version
(bot/store/content_version.py); every other process, following the version, reloads its
own content folder when it sees one newer than the one it last loaded. A reload that
finds problems keeps the old cards serving and logs the problems, as the command does.
"""

from __future__ import annotations

import asyncio
import logging

from bot.services.content import ContentState, ReloadReport
from bot.store import Store, StoreError
from bot.store.content_version import (
    CHECK_SECONDS,
    POLL_SECONDS,
    RETRY_SECONDS,
    follow_content_version,
)

log = logging.getLogger(__name__)


class ContentSync:
    """This process's content and the content version it last loaded."""

    def __init__(
        self,
        content: ContentState,
        store: Store,
        database_url: str,
        loaded_version: int,
        *,
        poll_seconds: float = POLL_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        """``loaded_version``: the version read before the content now served was read."""
        self.content = content
        self.store = store
        self.database_url = database_url
        self.loaded_version = loaded_version
        self.poll_seconds = poll_seconds
        self.check_seconds = check_seconds
        self.retry_seconds = retry_seconds
        # one reload at a time: our own publication is recorded before its echo is judged
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def reload(self) -> ReloadReport:
        """Reload here at once, then tell every other process to (whatever the outcome
        here: each reads its own disk, and this one says what it found)."""
        async with self._lock:
            report = await self.content.reload_async()
            try:
                self.loaded_version = await self.store.bump_content_version()
            except StoreError as error:  # reloaded here; the others keep their cards
                log.warning("content reloaded here, but other processes were not told: %s", error)
            return report

    def follow(self) -> None:
        """Reload whenever another process publishes a reload (once; until ``stop``)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(
                follow_content_version(
                    self.store,
                    self.database_url,
                    self._seen,
                    poll_seconds=self.poll_seconds,
                    check_seconds=self.check_seconds,
                    retry_seconds=self.retry_seconds,
                ),
                name="cohort-content-sync",
            )
            self._task.add_done_callback(_said_if_failed)

    @property
    def following(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop following: it only waits for news, so at once."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})  # never raises; a cancelled stop() still stops

    async def _seen(self, version: int) -> None:
        async with self._lock:
            if version <= self.loaded_version:
                return
            self.loaded_version = version
            log.info("content version %d published by another process: reloading here", version)
            try:  # problems are logged by the reload itself, and the old cards kept
                await self.content.reload_async()
            except Exception:  # keep following: the old library goes on serving
                log.exception("reloading content for version %d failed", version)


def _said_if_failed(task: asyncio.Task[None]) -> None:
    """Following ends only when stopped; anything else is a bug worth a traceback."""
    if not task.cancelled() and task.exception() is not None:
        log.error("following content reloads stopped", exc_info=task.exception())
