"""Load content/ into a Library, reporting every problem at once with file and line.

Maintainers fix content in one pass only if they see all of it: nothing here stops at
the first problem, and nothing lets a content mistake escape as a traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.library.library import Library
from bot.library.models import (
    CARD_MODELS,
    LOCATOR_RE,
    SECTIONS,
    About,
    Card,
    Citation,
    Evidence,
    Expert,
    Position,
    Prompt,
    Source,
)
from bot.library.search import normalize
from bot.library.yamlpos import Located, YamlPath, YamlReadError, read_yaml_file
from bot.validation import describe, explain, key_name, unknown

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


def load_library(content_dir: Path) -> LoadResult:
    """Read and check every file; raise ``ContentUnreadable`` only for the folder itself."""
    collector = _Collector()
    for path in content_files(content_dir):
        collector.read_file(path)
    return collector.finish(content_dir)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.cards: dict[str, Card] = {}
        self.sources: dict[str, Source] = {}
        self.about: About | None = None
        self.about_origin: Origin | None = None
        self.origins: dict[str, Origin] = {}
        # ids of entries that failed to parse: links to them are not reported twice
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
        about = self._validate(About, value, origin)
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
            entry = self._validate(model, item, origin)
            if isinstance(entry, Source):
                self._add_source(entry, origin)
            elif isinstance(entry, Card):
                self._add_card(entry, origin)

    def _validate(self, model: type[_M], value: Any, origin: Origin) -> _M | None:
        if not isinstance(value, dict):
            self.problems.append(
                origin.problem((), f"expected a mapping (key: value), found {describe(value)}")
            )
            return None
        try:
            return model.model_validate(value)
        except ValidationError as error:
            self.problems.extend(_explain(error, model, value, origin))
            if isinstance(value.get("id"), str):
                self.unchecked_ids.add(value["id"])
            return None

    def _add_source(self, source: Source, origin: Origin) -> None:
        if source.id in self.sources:
            self.problems.append(origin.problem(("id",), self._taken("source", source.id)))
            return
        self.sources[source.id] = source
        self.origins[f"source:{source.id}"] = origin

    def _add_card(self, card: Card, origin: Origin) -> None:
        if card.id in self.cards:
            self.problems.append(origin.problem(("id",), self._taken("card", card.id)))
            return
        self.cards[card.id] = card
        self.origins[card.id] = origin

    def _taken(self, what: str, entry_id: str) -> str:
        first = self.origins[entry_id if what == "card" else f"source:{entry_id}"]
        where = f"{first.path}:{first.located.line_of((*first.item, 'id'))}"
        return f"another {what} already has id '{entry_id}' ({where})"

    def finish(self, content_dir: Path) -> LoadResult:
        self._check_names()
        for card in self.cards.values():
            self._check_links(card)
            self._check_citations(card)
        if self.about is None:
            self.problems.append(Problem(str(content_dir), 0, "about", _NO_ABOUT))
        self.problems.sort()
        if self.problems or self.about is None:
            return LoadResult(None, self.problems, self.origins)
        return LoadResult(Library(self.about, self.sources, self.cards), [], self.origins)

    def _check_names(self) -> None:
        """Every id, title, alias and former id must find exactly one card."""
        owners: dict[str, str] = {}
        for card in self.cards.values():
            origin = self.origins[card.id]
            fields: list[YamlPath] = [("id",), ("title",)]
            fields += [("aliases", i) for i in range(len(card.aliases))]
            fields += [("replaces", i) for i in range(len(card.replaces))]
            own: set[str] = set()
            for key_path, name in zip(fields, card.names(), strict=True):
                key = normalize(name)
                owner = owners.get(key)
                if owner is not None and owner != card.id:
                    message = f"'{name}' already names {self._describe_card(owner)}"
                    self.problems.append(origin.problem(key_path, message))
                elif key in own and key_path[0] != "title":
                    self.problems.append(origin.problem(key_path, f"'{name}' repeats a name"))
                owners.setdefault(key, card.id)
                own.add(key)

    def _check_links(self, card: Card) -> None:
        origin = self.origins[card.id]
        for index, linked_id in enumerate(card.related):
            key_path: YamlPath = ("related", index)
            linked = self.cards.get(linked_id)
            if linked_id in self.unchecked_ids:
                continue
            if linked is None:
                self.problems.append(origin.problem(key_path, self._dangling(linked_id)))
            elif linked_id == card.id:
                self.problems.append(origin.problem(key_path, "a card cannot relate to itself"))
            elif card.id not in linked.related:
                message = (
                    f"links to {self._describe_card(linked_id)}, which does not link back "
                    f"(add '{card.id}' to its related)"
                )
                self.problems.append(origin.problem(key_path, message))
        if isinstance(card, Prompt):
            for index, used_id in enumerate(card.draws_on):
                if used_id not in self.cards and used_id not in self.unchecked_ids:
                    self.problems.append(
                        origin.problem(("draws_on", index), self._dangling(used_id))
                    )

    def _check_citations(self, card: Card) -> None:
        origin = self.origins[card.id]
        for index, citation in enumerate(card.sources):
            self._check_locator(origin, ("sources", index), citation)
        if isinstance(card, Expert) and card.sources:
            first = card.sources[0].source
            for index, position in enumerate(card.positions):
                self._check_locator(
                    origin, ("positions", index), Citation(source=first, at=position.at)
                )

    def _check_locator(self, origin: Origin, key_path: YamlPath, citation: Citation) -> None:
        source = self.sources.get(citation.source)
        if source is None:
            known = ", ".join(sorted(self.sources)) or "none yet"
            message = f"no source has id '{citation.source}' (sources: {known})"
            self.problems.append(origin.problem((*key_path, "source"), message))
            return
        match = LOCATOR_RE.match(citation.at)
        assert match is not None  # the model's pattern guarantees it
        letter, start, end = match.group(1), int(match.group(2)), int(match.group(4) or 0)
        key = (*key_path, "at")
        if letter != source.locator_letter or match.group(3) not in {None, letter}:
            message = (
                f"'{citation.at}' is not a {source.locator} locator; "
                f"'{source.id}' is cited as {source.locator_letter}1..{source.locator_letter}"
                f"{source.length}"
            )
            self.problems.append(origin.problem(key, message))
        elif not 1 <= start <= source.length or (end and not start < end <= source.length):
            message = (
                f"'{citation.at}' is outside '{source.id}', which has {source.length} "
                f"{source.locator}s (ranges run low to high)"
            )
            self.problems.append(origin.problem(key, message))

    def _dangling(self, card_id: str) -> str:
        close = difflib.get_close_matches(card_id, list(self.cards), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"no card has id '{card_id}'{hint}"

    def _describe_card(self, card_id: str) -> str:
        card = self.cards[card_id]
        origin = self.origins[card_id]
        where = f"{origin.path}:{origin.located.line_of((*origin.item, 'id'))}"
        return f"{card.kind.value} '{card_id}' ({where})"


ABOUT_ORIGIN = ":about"  # not a possible card id, so it cannot collide
_SECTION_LIST = ", ".join(f"{name}:" for name in SECTIONS)
_EMPTY_FILE = f"file is empty; expected sections such as {_SECTION_LIST}"
_NO_ABOUT = "no file has an about section (name, description, content_note)"
_NESTED: dict[str, type[BaseModel]] = {
    "evidence": Evidence,
    "sources": Citation,
    "positions": Position,
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
