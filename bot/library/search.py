"""Find cards by what members type: exact names first, then prefixes, then typos.

Autocomplete runs on every keystroke and must answer well inside Discord's 3-second
deadline even with thousands of cards, so exact and prefix matches come from
precomputed dictionaries and sorted lists; only the fuzzy tail calls rapidfuzz.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^\w]+")

EXACT, PREFIX, WORD_PREFIX, SUBSTRING = 100.0, 96.0, 92.0, 88.0
FUZZY_CUTOFF = 70.0
FUZZY_WIDTH = 48  # longer input is compared by its first 48 characters
MIN_SUBSTRING = 3


def normalize(text: str) -> str:
    """Fold case, accents and punctuation so 'Dr. Séto' and 'dr seto' match."""
    if text.isascii():  # nothing to decompose: most names, and 10,000 cards load faster
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.casefold()).replace("_", " ").strip()


@dataclass(frozen=True, slots=True)
class Match:
    """A card id and how well it matched (100 = exact)."""

    card_id: str
    score: float


class NameIndex:
    """Every name of every card in one group, ready for lookup and ranking."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """Build from (card_id, name) pairs; the first pair of a card is its display order."""
        self._exact: dict[str, str] = {}
        self._order: dict[str, int] = {}
        entries: dict[tuple[str, str], None] = {}
        words: dict[tuple[str, str], None] = {}
        for card_id, name in names:
            key = normalize(name)
            if not key:
                continue
            self._order.setdefault(card_id, len(self._order))
            self._exact.setdefault(key, card_id)
            entries[key, card_id] = None
            parts = key.split()
            for start in range(1, len(parts)):  # "victim emp" finds "…victim empathy…"
                words[" ".join(parts[start:]), card_id] = None
        self._names = sorted(entries)
        self._name_keys = [key for key, _ in self._names]
        self._words = sorted(words)
        self._word_keys = [key for key, _ in self._words]
        self._truncated: dict[int, tuple[list[str], list[str]]] = {}

    def __len__(self) -> int:
        return len(self._order)

    def exact(self, query: str) -> str | None:
        """Return the id of the card with this exact (normalized) name."""
        return self._exact.get(normalize(query))

    def rank(self, query: str, limit: int = 25) -> list[Match]:
        """Rank cards for ``query``: exact, prefix, word prefix, substring, then fuzzy."""
        key = normalize(query)
        if not key:
            ordered = sorted(self._order, key=self._order.__getitem__)
            return [Match(card_id, 0.0) for card_id in ordered[:limit]]
        best: dict[str, float] = {}
        exact = self._exact.get(key)
        if exact is not None:
            best[exact] = EXACT
        self._collect_prefix(self._name_keys, self._names, key, PREFIX, best, limit)
        self._collect_prefix(self._word_keys, self._words, key, WORD_PREFIX, best, limit)
        if len(best) < limit:
            self._collect_fuzzy(key, best, limit)
        ranked = sorted(best.items(), key=lambda item: (-item[1], self._order[item[0]]))
        return [Match(card_id, score) for card_id, score in ranked[:limit]]

    @staticmethod
    def _collect_prefix(
        keys: list[str],
        entries: list[tuple[str, str]],
        key: str,
        score: float,
        best: dict[str, float],
        limit: int,
    ) -> None:
        start = bisect.bisect_left(keys, key)
        for index in range(start, len(keys)):
            if not keys[index].startswith(key) or len(best) >= limit * 4:
                break
            card_id = entries[index][1]
            if best.get(card_id, 0.0) < score:
                best[card_id] = score

    def _collect_fuzzy(self, key: str, best: dict[str, float], limit: int) -> None:
        """Typos: compare what was typed with the start of each name and of each word.

        Members type names from the start, so an edit-distance ratio against names cut
        to the typed length finds "confrontaion" → "Confrontation…" and costs a fraction
        of a whole-string fuzzy match; a substring pass catches the rest.
        """
        probe = key[:FUZZY_WIDTH]
        for width in {len(probe), min(len(probe) + 1, FUZZY_WIDTH)}:  # a letter left out
            names, words = self._cut(width)
            for choices, entries, weight in ((names, self._names, 1.0), (words, self._words, 0.97)):
                found = process.extract(
                    probe, choices, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=FUZZY_CUTOFF
                )
                for _, score, index in found:
                    adjusted = min(float(score) * 0.9 * weight, SUBSTRING - 1)
                    _raise(best, entries[index][1], adjusted)
        if len(best) < limit and len(key) >= MIN_SUBSTRING:
            for name, card_id in self._names:
                if key in name:
                    _raise(best, card_id, SUBSTRING)

    def _cut(self, width: int) -> tuple[list[str], list[str]]:
        """Every name and word suffix cut to ``width`` characters (built once per width)."""
        cut = self._truncated.get(width)
        if cut is None:
            cut = ([k[:width] for k in self._name_keys], [k[:width] for k in self._word_keys])
            self._truncated[width] = cut
        return cut


def _raise(best: dict[str, float], card_id: str, score: float) -> None:
    if best.get(card_id, 0.0) < score:
        best[card_id] = score


WHOLE_WORD, WORD_START, TYPO = 1.0, 0.6, 0.3  # how a typed word met a word of the text
TYPO_CUTOFF = 80.0
PREFIX_FANOUT = 64  # longest run of words one typed word start may stand for


class TextIndex:
    """Every word of every card's text, for /search.

    A typed word counts as a whole word, else as the start of words ("toront" finds
    "Toronto"), and only if neither exists anywhere as a typo of a word; so "caught"
    finds the cards that say caught, never "taught". Cards matching every typed word
    rank first, then by how well (a word in the title weighs more than one in the text).
    """

    def __init__(self, cards: Iterable[tuple[str, Iterable[tuple[str, float]]]]) -> None:
        """Build from (card_id, [(text, weight), ...]); the first card comes first on ties."""
        postings: dict[str, dict[str, float]] = {}
        self._order: dict[str, int] = {}
        folded: dict[str, list[str]] = {}  # each distinct token is normalized once
        for card_id, fields in cards:
            self._order.setdefault(card_id, len(self._order))
            for text, weight in fields:
                for token in text.split():
                    words = folded.get(token)
                    if words is None:
                        words = folded[token] = normalize(token).split()
                    for word in words:
                        found = postings.setdefault(word, {})
                        if found.get(card_id, 0.0) < weight:
                            found[card_id] = weight
        self._postings = postings
        self._vocabulary = sorted(postings)

    def search(self, query: str, limit: int = 10) -> list[Match]:
        """The cards best matching every word of ``query``; scores only order them."""
        typed = list(dict.fromkeys(normalize(query).split()))[:16]
        if not typed:
            return []
        scores: dict[str, list[float]] = {}
        for position, word in enumerate(typed):
            for card_id, score in self._hits(word).items():
                scores.setdefault(card_id, [0.0] * len(typed))[position] = score
        ranked = sorted(
            scores.items(),
            key=lambda item: (
                -sum(1 for score in item[1] if score > 0),
                -sum(item[1]),
                self._order[item[0]],
            ),
        )
        return [Match(card_id, round(sum(found), 3)) for card_id, found in ranked[:limit]]

    def _hits(self, word: str) -> dict[str, float]:
        hits = {
            card_id: weight * WHOLE_WORD for card_id, weight in self._postings.get(word, {}).items()
        }
        if len(word) >= MIN_SUBSTRING:
            start = bisect.bisect_left(self._vocabulary, word)
            for other in self._vocabulary[start : start + PREFIX_FANOUT]:
                if not other.startswith(word):
                    break
                for card_id, weight in self._postings[other].items():
                    _raise(hits, card_id, weight * WORD_START)
        if hits or len(word) < MIN_SUBSTRING:
            return hits
        for other, score, _ in process.extract(
            word, self._vocabulary, scorer=fuzz.ratio, limit=8, score_cutoff=TYPO_CUTOFF
        ):
            for card_id, weight in self._postings[other].items():
                _raise(hits, card_id, weight * TYPO * float(score) / 100)
        return hits
