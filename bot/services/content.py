"""The current card library, and swapping it safely when maintainers change content."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.config import SUPPORT_MESSAGE_MAX
from bot.library.curricula import DEFAULT_CURRICULUM, load_curricula
from bot.library.library import Library
from bot.library.loader import (
    ABOUT_ORIGIN,
    ContentUnreadable,
    LoadResult,
    Origin,
    Problem,
    content_files,
)
from bot.library.models import Kind, Myth
from bot.services.answers import plural
from bot.services.cards import about_view, card_view
from bot.services.chat_limits import embed_usage
from bot.user_error import UserError

log = logging.getLogger(__name__)


@dataclass
class ContentCheck:
    """Every curriculum checked: their libraries when all are clean, every problem either way."""

    results: dict[str, LoadResult]  # by curriculum id, the default first
    problems: list[Problem]  # every curriculum's, and the layout's; each names its file

    @property
    def libraries(self) -> dict[str, Library] | None:
        """Every curriculum's library, or None if any curriculum has a problem."""
        if self.problems:
            return None
        return {cid: r.library for cid, r in self.results.items() if r.library is not None}

    @property
    def library(self) -> Library | None:
        """The default curriculum's library when everything is clean."""
        libraries = self.libraries
        return libraries.get(DEFAULT_CURRICULUM) if libraries else None

    def source_origins(self) -> dict[str, Origin]:
        """Where every curriculum's sources are defined, for ``--source-text`` ids."""
        return {
            key: origin
            for result in self.results.values()
            for key, origin in result.origins.items()
            if key.startswith("source:")
        }


def check_content(content_dir: Path) -> ContentCheck:
    """Load every curriculum in ``content_dir``, adding a problem for any card too large
    for Discord."""
    load = load_curricula(content_dir)
    results: dict[str, LoadResult] = {}
    for curriculum, result in load.results.items():
        if result.library is not None:
            too_large = size_problems(result.library, result.origins)
            if too_large:
                result = LoadResult(None, too_large, result.origins)
        results[curriculum] = result
    found = [*load.layout_problems, *(p for r in results.values() for p in r.problems)]
    return ContentCheck(results, sorted(found))


def size_problems(library: Library, origins: dict[str, Origin]) -> list[Problem]:
    """Cards whose rendered embed or buttons break a Discord limit."""
    problems: set[Problem] = set()
    for card in library.cards.values():
        # only a myth hides part of itself until revealed; other cards render once
        for reveal in (False, True) if isinstance(card, Myth) else (True,):
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
class CurriculumChanges:
    """What a reload changed in one curriculum (``first``: it was not loaded before)."""

    curriculum: str
    counts: dict[Kind, int]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    first: bool = False

    def summary(self) -> str:
        """'2 approaches, 1 expert, ...' for this curriculum."""
        return ", ".join(plural(n, kind.value, kind.section) for kind, n in self.counts.items())

    def change_lines(self) -> list[str]:
        """'added: a, b' and the like, or one line saying nothing changed."""
        changes = [
            f"{label}: {', '.join(ids)}"
            for label, ids in (
                ("added", self.added),
                ("changed", self.changed),
                ("removed", self.removed),
            )
            if ids
        ]
        return changes or ["No cards changed."]


@dataclass(frozen=True)
class ReloadReport:
    """What a reload changed, curriculum by curriculum, or why it kept the old content."""

    curricula: tuple[CurriculumChanges, ...] = ()
    dropped: tuple[str, ...] = ()  # curricula whose folders are gone
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
        if len(self.curricula) == 1 and not self.dropped:  # one curriculum: no names needed
            only = self.curricula[0]
            if self.first:
                total = plural(sum(only.counts.values()), "card")
                return [f"Content loaded: {total}: {only.summary()}."]
            return [f"Content reloaded: {only.summary()}.", *only.change_lines()]
        verb = "loaded" if self.first else "reloaded"
        lines = [f"Content {verb}: {plural(len(self.curricula), 'curriculum', 'curricula')}."]
        for each in self.curricula:
            if self.first or each.first:
                total = plural(sum(each.counts.values()), "card")
                new = "" if self.first else " (new)"
                lines.append(f"{each.curriculum}{new}: {total}: {each.summary()}.")
            else:
                changes = "; ".join(each.change_lines())
                lines.append(f"{each.curriculum}: {each.summary()}; {changes}")
        if self.dropped:
            lines.append(f"Curricula no longer served: {', '.join(self.dropped)}.")
        return lines


@dataclass(frozen=True)
class Curriculum:
    """A curriculum as members and facilitators pick it: its id and its subject's name."""

    id: str
    title: str


class ContentState:
    """Holds every curriculum's library; a reload swaps all of them or none."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._libraries: dict[str, Library] = {}
        # (server, channel, parent) -> (curriculum, until when, by the services' clock):
        # which curriculum card commands there answer from. Cleared when cohorts change.
        self.channel_curricula: dict[tuple[int, int | None, int | None], tuple[str, datetime]] = {}
        self.problems: tuple[Problem, ...] = ()

    @property
    def library(self) -> Library:
        """The default curriculum's library, or a message for members when content never
        loaded."""
        return self.library_for(DEFAULT_CURRICULUM)

    def library_for(self, curriculum: str) -> Library:
        """One curriculum's library; a clear refusal for an id that is not served."""
        if not self._libraries:
            raise UserError(
                "The card library is not available: its content files have problems. "
                "A maintainer can run `cohort-bot check` to see them."
            )
        library = self._libraries.get(curriculum)
        if library is None:
            known = ", ".join(f"{c.id} ({c.title})" for c in self.curricula())
            raise UserError(
                f"There is no curriculum '{curriculum}'. The curricula are: {known}. "
                "A maintainer adds one as a folder in content/ (see content/README.md)."
            )
        return library

    def curricula(self) -> tuple[Curriculum, ...]:
        """Every curriculum served, the default first (for autocomplete and choices)."""
        return tuple(Curriculum(cid, lib.about.name) for cid, lib in self._libraries.items())

    def serve(self, libraries: dict[str, Library]) -> None:
        """Serve libraries already checked (tests and tools build their own)."""
        self._libraries, self.problems = dict(libraries), ()

    @property
    def loaded(self) -> bool:
        return bool(self._libraries)

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
        """Re-read every curriculum; swap them in only if all are clean."""
        return self._apply(self._check())

    async def reload_async(self) -> ReloadReport:
        """Like reload, with the reading and checking off the event loop (large content)."""
        return self._apply(await asyncio.to_thread(self._check))

    def _check(self) -> ContentCheck:
        try:
            return check_content(self.content_dir)
        except ContentUnreadable as error:
            return ContentCheck({}, [Problem(str(self.content_dir), 0, "folder", str(error))])

    def _apply(self, result: ContentCheck) -> ReloadReport:
        libraries = result.libraries
        if libraries is None:
            self.problems = tuple(result.problems)
            report = ReloadReport(problems=self.problems, kept_old=self.loaded)
        else:
            report = _diff(self._libraries, libraries)
            self.serve(libraries)
        for line in report.lines(max_problems=len(report.problems) or 1):
            log.log(logging.INFO if report.applied else logging.WARNING, "%s", line)
        return report


def _diff(old: dict[str, Library], new: dict[str, Library]) -> ReloadReport:
    return ReloadReport(
        first=not old,
        curricula=tuple(_changes(cid, old.get(cid), library) for cid, library in new.items()),
        dropped=tuple(cid for cid in old if cid not in new),
    )


def _changes(curriculum: str, old: Library | None, new: Library) -> CurriculumChanges:
    before = old.cards if old is not None else {}
    after = new.cards
    return CurriculumChanges(
        curriculum=curriculum,
        first=old is None,
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(i for i in set(after) & set(before) if after[i] != before[i])),
        removed=tuple(sorted(set(before) - set(after))),
        counts=new.counts(),
    )
