"""The current card library, and swapping it safely when maintainers change content."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import SUPPORT_MESSAGE_MAX
from bot.library.library import Library
from bot.library.loader import (
    ABOUT_ORIGIN,
    ContentUnreadable,
    LoadResult,
    Origin,
    Problem,
    content_files,
    load_library,
)
from bot.library.models import Kind
from bot.services.answers import plural
from bot.services.cards import about_view, card_view
from bot.services.chat_limits import embed_usage
from bot.user_error import UserError

log = logging.getLogger(__name__)


def check_content(content_dir: Path) -> LoadResult:
    """Load ``content_dir`` and add a problem for any card too large for Discord."""
    result = load_library(content_dir)
    if result.library is None:
        return result
    problems = size_problems(result.library, result.origins)
    if problems:
        return LoadResult(None, problems, result.origins)
    return result


def size_problems(library: Library, origins: dict[str, Origin]) -> list[Problem]:
    """Cards whose rendered embed or buttons break a Discord limit."""
    problems: set[Problem] = set()
    for card in library.cards.values():
        for reveal in (False, True):
            for usage in embed_usage(card_view(card, library, reveal=reveal)):
                if usage.over:
                    message = (
                        f"card '{card.id}' is too large for one Discord embed: {usage} "
                        "(shorten its text or related list)"
                    )
                    problems.add(origins[card.id].problem((_key_for(usage.part),), message))
    longest_support = "x" * SUPPORT_MESSAGE_MAX
    for usage in embed_usage(about_view(library, longest_support)):
        if usage.over:
            message = f"/about would be too large for one Discord embed: {usage}"
            problems.add(origins[ABOUT_ORIGIN].problem(("description",), message))
    return sorted(problems)


def _key_for(part: str) -> str:
    """The YAML key to point at for an over-long part of a rendered card."""
    if part == "title":
        return "title"
    if "button" in part:
        return "related"
    return "text"


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed, or why it kept the old library."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    counts: dict[Kind, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    kept_old: bool = True  # a failed reload left earlier cards serving (False: none loaded)
    first: bool = False  # the first cards loaded: counted, not listed id by id

    @property
    def applied(self) -> bool:
        return not self.problems

    def lines(self, max_problems: int = 10) -> list[str]:
        """The report as short lines, for a reply and the log."""
        if self.problems:
            shown = [str(problem) for problem in self.problems[:max_problems]]
            more = len(self.problems) - len(shown)
            tail = [f"... and {more} more"] if more else []
            count = plural(len(self.problems), "problem")
            if self.kept_old:
                head = f"Content has {count}; still serving the old cards:"
            else:
                head = f"Content has {count}; no cards are loaded until they are fixed:"
            return [head, *shown, *tail]
        counts = ", ".join(plural(n, kind.value, kind.section) for kind, n in self.counts.items())
        if self.first:
            return [f"Content loaded: {plural(sum(self.counts.values()), 'card')}: {counts}."]
        changes = [
            f"{label}: {', '.join(ids)}"
            for label, ids in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            if ids
        ]
        return [f"Content reloaded: {counts}.", *(changes or ["No cards changed."])]


class ContentState:
    """Holds the library in use; a failed reload leaves it untouched."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._library: Library | None = None
        self.problems: tuple[Problem, ...] = ()

    @property
    def library(self) -> Library:
        """The library, or a message for members when content never loaded."""
        if self._library is None:
            raise UserError(
                "The card library is not available: its content files have problems. "
                "A maintainer can run `cohort-bot check` to see them."
            )
        return self._library

    @property
    def loaded(self) -> bool:
        return self._library is not None

    def snapshot(self) -> tuple[tuple[str, int, int], ...]:
        """Name, size and modification time of every content file, to notice edits."""
        try:
            files = content_files(self.content_dir)
        except ContentUnreadable:
            return ()
        found = []
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((str(path), stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    async def watch(self, interval: float = 1.0, settle: float = 1.0) -> None:
        """Reload when files change, once they have been quiet for ``settle`` seconds.

        Polling, not inotify: it works the same on every platform and in containers,
        and a multi-file save (or a git checkout) produces one reload, not one per file.
        """
        seen = self.snapshot()
        while True:
            await asyncio.sleep(interval)
            current = self.snapshot()
            if current == seen:
                continue
            while True:  # debounce: wait until nothing changes for `settle` seconds
                await asyncio.sleep(settle)
                settled = self.snapshot()
                if settled == current:
                    break
                current = settled
            seen = current
            log.info("content files changed; reloading")
            try:
                await self.reload_async()
            except Exception:  # keep watching: the old library goes on serving
                log.exception("reloading content after a change failed")

    def reload(self) -> ReloadReport:
        """Re-read content; swap it in only if it is clean."""
        return self._apply(self._check())

    async def reload_async(self) -> ReloadReport:
        """Like reload, with the reading and checking off the event loop (large content)."""
        return self._apply(await asyncio.to_thread(self._check))

    def _check(self) -> LoadResult:
        try:
            return check_content(self.content_dir)
        except ContentUnreadable as error:
            return LoadResult(None, [Problem(str(self.content_dir), 0, "folder", str(error))])

    def _apply(self, result: LoadResult) -> ReloadReport:
        if result.library is None:
            self.problems = tuple(result.problems)
            report = ReloadReport(problems=self.problems, kept_old=self._library is not None)
        else:
            report = _diff(self._library, result.library)
            self._library, self.problems = result.library, ()
        for line in report.lines(max_problems=len(report.problems) or 1):
            log.log(logging.INFO if report.applied else logging.WARNING, "%s", line)
        return report


def _diff(old: Library | None, new: Library) -> ReloadReport:
    before = old.cards if old is not None else {}
    after = new.cards
    return ReloadReport(
        first=old is None,
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(i for i in set(after) & set(before) if after[i] != before[i])),
        removed=tuple(sorted(set(before) - set(after))),
        counts=new.counts(),
    )
