"""The loaded, validated card library: immutable, so a reload swaps it in one step."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.library.models import About, Card, Kind, Prompt, Source
from bot.library.search import WORD_PREFIX, Match, NameIndex, TextIndex

CLEAR_LEAD = 10.0  # a name match this far ahead of the next is the card meant
NAME_WEIGHT, SUMMARY_WEIGHT, TEXT_WEIGHT = 3.0, 2.0, 1.0
# Card keys that hold ids, places in a source or levels: nothing a member would search for.
NOT_TEXT = frozenset({"replaces", "related", "sources", "draws_on", "at", "level", "audience"})


@dataclass(frozen=True)
class Suggestions:
    """No card had that name; these are the closest ones."""

    query: str
    kind: Kind | None
    cards: tuple[Card, ...]


@dataclass
class Library:
    """All cards of all kinds, with lookups by id, title, alias and former id."""

    about: About
    sources: dict[str, Source]
    cards: dict[str, Card]
    _by_kind: dict[Kind, tuple[Card, ...]] = field(init=False, repr=False)
    _indexes: dict[Kind | None, NameIndex] = field(init=False, repr=False)
    _replaced: dict[str, str] = field(init=False, repr=False)
    _text: TextIndex | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[Kind, list[Card]] = {kind: [] for kind in Kind}
        for card in self.cards.values():
            grouped[card.kind].append(card)
        self._by_kind = {kind: tuple(cards) for kind, cards in grouped.items()}
        self._replaced = {old: card.id for card in self.cards.values() for old in card.replaces}
        self._indexes = {None: _index(self.cards.values())}
        for kind, cards in self._by_kind.items():
            self._indexes[kind] = _index(cards)

    def of_kind(self, kind: Kind) -> Sequence[Card]:
        """Cards of one kind in file order (for prompts: the posting order)."""
        return self._by_kind[kind]

    @property
    def prompts(self) -> Sequence[Prompt]:
        """The daily prompts in posting order."""
        return [card for card in self._by_kind[Kind.PROMPT] if isinstance(card, Prompt)]

    def get(self, card_id: str) -> Card | None:
        """Return the card with this id, following ``replaces`` for renamed cards."""
        card = self.cards.get(card_id)
        if card is None and card_id in self._replaced:
            card = self.cards[self._replaced[card_id]]
        return card

    def find(self, name: str, kind: Kind | None = None) -> Card | None:
        """Return the card whose id, title or alias is ``name`` (any case or accents)."""
        card_id = self._indexes[kind].exact(name)
        return self.cards[card_id] if card_id is not None else None

    def rank(self, query: str, kind: Kind | None = None, limit: int = 25) -> list[Card]:
        """Cards best matching ``query``, best first: for autocomplete and /search."""
        return [self.cards[match.card_id] for match in self.matches(query, kind, limit)]

    def matches(self, query: str, kind: Kind | None = None, limit: int = 25) -> list[Match]:
        """Like ``rank`` but with scores."""
        return self._indexes[kind].rank(query, limit)

    def search(self, query: str, limit: int = 10) -> list[Card]:
        """Cards whose text (every field) best matches the words of ``query``.

        The word index is built on the first search, not at load: start-up and reloads
        of large content do not pay for it, and most reloads see no search at all.
        """
        if self._text is None:
            self._text = TextIndex((card.id, card_texts(card)) for card in self.cards.values())
        return [self.cards[match.card_id] for match in self._text.search(query, limit)]

    def lookup(self, name: str, kind: Kind | None = None, limit: int = 5) -> Card | Suggestions:
        """The card called ``name`` if it is clear which one is meant, else the closest few.

        Clear: its id, title or alias exactly, or a name starting with what was typed
        and at least CLEAR_LEAD ahead of the next best. Two close matches always ask.
        """
        card = self.find(name, kind)
        if card is not None:
            return card
        ranked = [m for m in self.matches(name, kind, limit) if m.score > 0]
        if ranked and ranked[0].score >= WORD_PREFIX:
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            if ranked[0].score - runner_up >= CLEAR_LEAD:
                return self.cards[ranked[0].card_id]
        return Suggestions(name, kind, tuple(self.cards[m.card_id] for m in ranked))

    def counts(self) -> dict[Kind, int]:
        """How many cards of each kind."""
        return {kind: len(cards) for kind, cards in self._by_kind.items()}


def _index(cards: Iterable[Card]) -> NameIndex:
    return NameIndex((card.id, name) for card in cards for name in card.names())


def card_texts(card: Card) -> list[tuple[str, float]]:
    """Every piece of text on a card with its weight: names, summary, then the rest."""
    names = [(name, NAME_WEIGHT) for name in (card.id, card.title, *card.aliases)]
    rest = card.model_dump(exclude={"id", "title", "aliases", "summary"})
    body = [(text, TEXT_WEIGHT) for text in _strings(rest)]
    return [*names, (card.summary, SUMMARY_WEIGHT), *body]


def _strings(value: Any) -> Iterator[str]:
    """The strings inside a dumped card (new fields are searched without a change here)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_TEXT:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
