"""Load content/ into a Library, reporting every problem at once with file and line.

Maintainers fix content in one pass only if they see all of it: nothing here stops at
the first problem, and nothing lets a content mistake escape as a traceback.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.library.crossref import CardRefs, CrossChecker
from bot.library.library import Library
from bot.library.models import (
    CARD_MODELS,
    SECTIONS,
    About,
    Card,
    Check,
    Citation,
    Evidence,
    Position,
    Source,
)
from bot.library.yamlpos import Located, YamlPath, YamlReadError, read_yaml_file
from bot.validation_messages import describe, explain, key_name, unknown

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, where it is and what to do."""

    path: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}"


class ContentUnreadable(Exception):
    """The content folder itself cannot be read (missing, not a folder, no access)."""


@dataclass(frozen=True)
class Origin:
    """Where a card or source was defined, to point later problems at the right line."""

    path: str
    located: Located
    item: YamlPath

    def problem(self, key_path: YamlPath, message: str, at: YamlPath | None = None) -> Problem:
        """A problem about ``key_path`` in this entry, on the line of ``at`` if given."""
        line = self.located.line_of((*self.item, *(key_path if at is None else at)))
        return Problem(self.path, line, key_name(key_path), message)


@dataclass
class LoadResult:
    """The library when content is clean, and every problem found either way."""

    library: Library | None
    problems: list[Problem]
    origins: dict[str, Origin] = field(default_factory=dict)


def content_files(content_dir: Path) -> list[Path]:
    """The YAML files under ``content_dir``, in a stable order."""
    if not content_dir.exists():
        raise ContentUnreadable(f"{content_dir}: no such folder")
    if not content_dir.is_dir():
        raise ContentUnreadable(f"{content_dir}: not a folder")
    try:
        files = sorted(
            p for p in content_dir.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file()
        )
    except OSError as error:
        raise ContentUnreadable(f"{content_dir}: {error.strerror or error}") from None
    if not files:
        raise ContentUnreadable(f"{content_dir}: no .yaml files found")
    return files


def load_library(content_dir: Path, files: Sequence[Path] | None = None) -> LoadResult:
    """Read and check every file (or ``files``, one curriculum's); raise
    ``ContentUnreadable`` only for the folder itself."""
    collector = _Collector()
    with _cycle_collector_paused():
        for path in content_files(content_dir) if files is None else files:
            collector.read_file(path)
        return collector.finish(content_dir)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a library is built, then resume it.

    A load keeps hundreds of thousands of new containers (the data, the models, the
    indexes), none of them in a cycle: the collector would walk the growing heap again
    and again, a third of the load for 10,000 cards, and free nothing. Memory that is
    not in a cycle is freed as usual meanwhile. Turned back on only if it was on, so
    neither a load nor two at once in different threads can leave it off.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.cards: dict[str, Card] = {}
        self.refs: dict[str, CardRefs] = {}  # every card with a valid id, valid or not
        self.sources: dict[str, Source] = {}
        self.about: About | None = None
        self.about_origin: Origin | None = None
        self.origins: dict[str, Origin] = {}
        # ids of entries that could not be read: links to them are not reported twice
        self.unchecked_ids: set[str] = set()

    def read_file(self, path: Path) -> None:
        shown = str(path)
        try:
            located = read_yaml_file(path)
        except YamlReadError as error:
            self.problems.append(Problem(shown, error.line, "file", error.message))
            self.unchecked_ids.update(_ids_in_raw_text(path))
            return
        except OSError as error:
            raise ContentUnreadable(f"{shown}: {error.strerror or error}") from None
        data = located.data
        if data is None:
            self.problems.append(Problem(shown, 1, "file", _EMPTY_FILE))
            return
        if not isinstance(data, dict):
            message = f"expected a mapping of sections ({_SECTION_LIST}), found {describe(data)}"
            self.problems.append(Problem(shown, located.line_of(()), "file", message))
            return
        for section, value in data.items():
            origin = Origin(shown, located, (section,))
            if section not in SECTIONS:
                message = unknown("section", section, SECTIONS)
                self.problems.append(Origin(shown, located, ()).problem((section,), message))
            elif section == "about":
                self._read_about(origin, value)
            elif not isinstance(value, list):
                message = f"expected a list of entries (- id: ...), found {describe(value)}"
                self.problems.append(Origin(shown, located, ()).problem((section,), message))
            else:
                self._read_entries(shown, located, section, value)

    def _read_about(self, origin: Origin, value: Any) -> None:
        about, _ = self._validate(About, value, origin)
        if about is None:
            return
        if self.about_origin is not None:
            first = self.about_origin
            where = f"{first.path}:{first.located.line_of(first.item)}"
            self.problems.append(
                origin.problem((), f"a second about section; the first is {where}")
            )
            return
        self.about, self.about_origin = about, origin
        self.origins[ABOUT_ORIGIN] = origin

    def _read_entries(self, shown: str, located: Located, section: str, items: list[Any]) -> None:
        model: type[Card] | type[Source] = Source if section == "sources" else CARD_MODELS[section]
        for index, item in enumerate(items):
            origin = Origin(shown, located, (section, index))
            entry, bad = self._validate(model, item, origin)
            if isinstance(entry, Source):
                self._add_source(entry, origin)
            elif isinstance(entry, Card):
                self._add_card(CardRefs.of(entry), origin, entry)
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                if issubclass(model, Card) and "id" not in bad:
                    # still checked against the other cards: one run reports everything
                    self._add_card(CardRefs.partial(model, item, bad), origin, None)
                else:
                    self.unchecked_ids.add(item["id"])

    def _validate(self, model: type[_M], value: Any, origin: Origin) -> tuple[_M | None, set[str]]:
        """The entry if valid, and the top-level fields that have problems."""
        if not isinstance(value, dict):
            self.problems.append(
                origin.problem((), f"expected a mapping (key: value), found {describe(value)}")
            )
            return None, set()
        try:
            return model.model_validate(value), set()
        except ValidationError as error:
            self.problems.extend(_explain(error, model, value, origin))
            return None, {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}

    def _add_source(self, source: Source, origin: Origin) -> None:
        if source.id in self.sources:
            self.problems.append(origin.problem(("id",), self._taken("source", source.id)))
            return
        self.sources[source.id] = source
        self.origins[f"source:{source.id}"] = origin

    def _add_card(self, refs: CardRefs, origin: Origin, card: Card | None) -> None:
        if refs.id in self.refs:
            self.problems.append(origin.problem(("id",), self._taken("card", refs.id)))
            return
        self.refs[refs.id] = refs
        self.origins[refs.id] = origin
        if card is not None:
            self.cards[card.id] = card

    def _taken(self, what: str, entry_id: str) -> str:
        where = self._where(entry_id if what == "card" else f"source:{entry_id}")
        return f"another {what} already has id '{entry_id}' ({where})"

    def _where(self, key: str) -> str:
        """file:line of the id of the entry with this key in ``origins``."""
        origin = self.origins[key]
        return f"{origin.path}:{origin.located.line_of((*origin.item, 'id'))}"

    def finish(self, content_dir: Path) -> LoadResult:
        checker = CrossChecker(self.refs, self.sources, self.unchecked_ids, self._where)
        for finding in checker.run():
            origin = self.origins[finding.card_id]
            self.problems.append(origin.problem(finding.key_path, finding.message))
        if self.about is None:
            self.problems.append(Problem(str(content_dir), 0, "about", _NO_ABOUT))
        self.problems.sort()
        if self.problems or self.about is None:
            return LoadResult(None, self.problems, self.origins)
        return LoadResult(Library(self.about, self.sources, self.cards), [], self.origins)


ABOUT_ORIGIN = ":about"  # not a possible card id, so it cannot collide
_SECTION_LIST = ", ".join(f"{name}:" for name in SECTIONS)
_EMPTY_FILE = f"file is empty; expected sections such as {_SECTION_LIST}"
_NO_ABOUT = "no file has an about section (name, description, content_note)"
_NESTED: dict[str, type[BaseModel]] = {
    "evidence": Evidence,
    "sources": Citation,
    "positions": Position,
    "checks": Check,
}


_RAW_ID = re.compile(r"^[\s-]*id:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)


def _ids_in_raw_text(path: Path) -> set[str]:
    """Ids a file that failed to parse seems to define, found line by line."""
    try:
        return set(_RAW_ID.findall(path.read_bytes().decode("utf-8", errors="replace")))
    except OSError:
        return set()


def _explain(
    error: ValidationError, model: type[BaseModel], value: dict[str, Any], origin: Origin
) -> Iterator[Problem]:
    """Turn pydantic's errors into one maintainer-friendly problem each."""
    for detail in error.errors(include_url=False):
        loc: YamlPath = tuple(detail["loc"])
        kind = detail["type"]
        given = detail.get("input")
        ctx = detail.get("ctx") or {}
        if kind == "missing":
            yield origin.problem(loc, "required key is missing", at=loc[:-1])
            continue
        if kind == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            yield origin.problem(loc, unknown("key", str(loc[-1]), allowed))
            continue
        yield origin.problem(loc, _content_message(kind, given, ctx, str(loc[-1]) if loc else ""))


def _content_message(kind: str, given: Any, ctx: dict[str, Any], field: str) -> str:
    if kind == "string_pattern_mismatch":
        return _pattern_message(field, given)
    return explain(kind, given, ctx)


def _pattern_message(field: str, given: Any) -> str:
    if isinstance(given, str) and not given.strip():
        return "must not be empty"
    if field in {"at"}:
        return f"'{given}' is not a locator; write S12 or S12-S14 (P3 for paragraphs, p7 for pages)"
    return (
        f"'{given}' is not a valid id; use lower-case letters, digits and single hyphens, "
        "like 'victim-empathy'"
    )


def _fields_at(model: type[BaseModel], loc: YamlPath) -> list[str]:
    names = [part for part in loc if isinstance(part, str)]
    nested = _NESTED.get(names[0]) if names else None
    target = nested if nested is not None else model
    return list(target.model_fields)
