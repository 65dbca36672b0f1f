"""Checks across cards: names, related links, prompts' cards and citations.

They run over every card whose id is known, including cards that failed validation
(using the fields of theirs that were valid), so one run of the checker reports a
missing field and a broken link together instead of the link only after the field is
fixed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.library.models import (
    LOCATOR_RE,
    Approach,
    Card,
    Check,
    Citation,
    Expert,
    Kind,
    Position,
    Prompt,
    Source,
)
from bot.library.search import normalize
from bot.library.yamlpos import YamlPath


@dataclass(frozen=True)
class CardRefs:
    """What the cross-card checks need from a card; ``None`` where a field was invalid."""

    id: str
    kind: Kind
    names: tuple[tuple[YamlPath, str], ...]
    replaces: tuple[str, ...]
    related: tuple[str, ...] | None
    draws_on: tuple[str, ...] | None
    citations: tuple[tuple[YamlPath, Citation], ...] = field(default=())
    check_ids: tuple[tuple[YamlPath, str], ...] = field(default=())

    @classmethod
    def of(cls, card: Card) -> CardRefs:
        """The references of a valid card."""
        names: list[tuple[YamlPath, str]] = [(("id",), card.id), (("title",), card.title)]
        names += [(("aliases", i), alias) for i, alias in enumerate(card.aliases)]
        names += [(("replaces", i), old) for i, old in enumerate(card.replaces)]
        citations = [(("sources", i), citation) for i, citation in enumerate(card.sources)]
        if isinstance(card, Expert) and card.sources:
            first = card.sources[0].source
            citations += [
                (("positions", i), Citation(source=first, at=position.at))
                for i, position in enumerate(card.positions)
            ]
        checks = card.checks if isinstance(card, Approach) else []
        if checks:
            first = card.sources[0].source
            citations += [
                (("checks", i), Citation(source=first, at=check.at))
                for i, check in enumerate(checks)
            ]
        return cls(
            id=card.id,
            kind=card.kind,
            names=tuple(names),
            replaces=tuple(card.replaces),
            related=tuple(card.related),
            draws_on=tuple(card.draws_on) if isinstance(card, Prompt) else (),
            citations=tuple(citations),
            check_ids=tuple((("checks", i, "id"), check.id) for i, check in enumerate(checks)),
        )

    @classmethod
    def partial(cls, model: type[Card], value: dict[str, Any], bad: set[str]) -> CardRefs:
        """The references of a card that failed validation, from its valid fields only.

        The caller has checked that ``id`` is valid; ``bad`` names the fields with errors.
        """

        def good(name: str) -> Any:
            return None if name in bad else value.get(name)

        names: list[tuple[YamlPath, str]] = [(("id",), value["id"])]
        if isinstance(title := good("title"), str):
            names.append((("title",), title))
        aliases, replaces = good("aliases") or [], good("replaces") or []
        names += [(("aliases", i), alias) for i, alias in enumerate(aliases)]
        names += [(("replaces", i), old) for i, old in enumerate(replaces)]
        related = None if "related" in bad else tuple(value.get("related") or ())
        draws_on: tuple[str, ...] | None = ()
        if model is Prompt:
            draws_on = None if "draws_on" in bad else tuple(value.get("draws_on") or ())
        sources = [Citation.model_validate(item) for item in good("sources") or []]
        citations = [(("sources", i), citation) for i, citation in enumerate(sources)]
        if model is Expert and sources:
            positions = [Position.model_validate(item) for item in good("positions") or []]
            citations += [
                (("positions", i), Citation(source=sources[0].source, at=position.at))
                for i, position in enumerate(positions)
            ]
        check_ids: list[tuple[YamlPath, str]] = []
        if model is Approach and sources:
            raw_checks = value.get("checks")
            for i, item in enumerate(raw_checks if isinstance(raw_checks, list) else []):
                check = _valid_check(item)
                if check is not None:
                    citations.append(
                        (("checks", i), Citation(source=sources[0].source, at=check.at))
                    )
                    check_ids.append((("checks", i, "id"), check.id))
        return cls(
            id=value["id"],
            kind=model.kind,
            names=tuple(names),
            replaces=tuple(replaces),
            related=related,
            draws_on=draws_on,
            citations=tuple(citations),
            check_ids=tuple(check_ids),
        )


def _valid_check(item: Any) -> Check | None:
    """A check of a card that failed validation, if the check itself is valid."""
    try:
        return Check.model_validate(item)
    except ValueError:
        return None


@dataclass(frozen=True)
class Finding:
    """A cross-reference problem in card ``card_id`` at ``key_path``."""

    card_id: str
    key_path: YamlPath
    message: str


@dataclass
class CrossChecker:
    """Every cross-card check over ``cards``; ``unchecked`` ids are known to exist but
    could not be read (links to them are not reported twice).

    ``where`` gives the file:line of a card's id, for messages that point at another card
    (asked only then: finding a line may mean reading its file again).
    """

    cards: dict[str, CardRefs]
    sources: dict[str, Source]
    unchecked: set[str]
    where: Callable[[str], str]
    findings: list[Finding] = field(default_factory=list)

    def run(self) -> list[Finding]:
        """All findings, in card order."""
        self._renamed = {old: refs.id for refs in self.cards.values() for old in refs.replaces}
        self._check_names()
        for refs in self.cards.values():
            self._check_links(refs)
            for key_path, citation in refs.citations:
                self._check_locator(refs.id, key_path, citation)
            self._check_check_ids(refs)
        return self.findings

    def _check_check_ids(self, refs: CardRefs) -> None:
        """A check's id is kept with members' answers: one card may not use it twice."""
        seen: set[str] = set()
        for key_path, check_id in refs.check_ids:
            if check_id in seen:
                self._add(refs.id, key_path, f"another check on this card has id '{check_id}'")
            seen.add(check_id)

    def _add(self, card_id: str, key_path: YamlPath, message: str) -> None:
        self.findings.append(Finding(card_id, key_path, message))

    def _check_names(self) -> None:
        """Every id, title, alias and former id must find exactly one card."""
        owners: dict[str, str] = {}
        for refs in self.cards.values():
            own: set[str] = set()
            ids: set[str] = set()
            for key_path, name in refs.names:
                key = normalize(name)
                owner = owners.get(key)
                # a former id may read like the title ("Confrontation"), and must still be
                # listed for old buttons to find the card by id; the same id twice may not
                repeated = name in ids if key_path[0] in {"id", "replaces"} else key in own
                if owner is not None and owner != refs.id:
                    self._add(refs.id, key_path, f"'{name}' already names {self.describe(owner)}")
                elif repeated and key_path[0] != "title":
                    self._add(refs.id, key_path, f"'{name}' repeats a name")
                owners.setdefault(key, refs.id)
                own.add(key)
                if key_path[0] in {"id", "replaces"}:
                    ids.add(name)

    def _check_links(self, refs: CardRefs) -> None:
        for index, linked_id in enumerate(refs.related or ()):
            key_path: YamlPath = ("related", index)
            linked = self.cards.get(linked_id)
            if linked_id in self.unchecked:
                continue
            if linked is None:
                self._add(refs.id, key_path, self._dangling(linked_id))
            elif linked_id == refs.id:
                self._add(refs.id, key_path, "a card cannot relate to itself")
            elif linked.related is not None and refs.id not in linked.related:
                if set(refs.replaces) & set(linked.related):
                    continue  # it links to a former id: reported there, with the fix
                message = (
                    f"links to {self.describe(linked_id)}, which does not link back "
                    f"(add '{refs.id}' to its related)"
                )
                self._add(refs.id, key_path, message)
        for index, used_id in enumerate(refs.draws_on or ()):
            if used_id not in self.cards and used_id not in self.unchecked:
                self._add(refs.id, ("draws_on", index), self._dangling(used_id))

    def _check_locator(self, card_id: str, key_path: YamlPath, citation: Citation) -> None:
        source = self.sources.get(citation.source)
        if source is None:
            if citation.source in self.unchecked:
                return  # a source that could not be read: its own problem says why
            known = ", ".join(sorted(self.sources)) or "none yet"
            message = f"no source has id '{citation.source}' (sources: {known})"
            self._add(card_id, (*key_path, "source"), message)
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
            self._add(card_id, key, message)
        elif not 1 <= start <= source.length or (end and not start < end <= source.length):
            message = (
                f"'{citation.at}' is outside '{source.id}', which has {source.length} "
                f"{source.locator}s (ranges run low to high)"
            )
            self._add(card_id, key, message)

    def _dangling(self, card_id: str) -> str:
        new_id = self._renamed.get(card_id)
        if new_id is not None:
            return f"'{card_id}' points at a renamed card; use '{new_id}'"
        close = difflib.get_close_matches(card_id, list(self.cards), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"no card has id '{card_id}'{hint}"

    def describe(self, card_id: str) -> str:
        """A card as messages name it: kind, id and where it is defined."""
        return f"{self.cards[card_id].kind.value} '{card_id}' ({self.where(card_id)})"
