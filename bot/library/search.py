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


def normalize(text: str) -> str:
    """Fold case, accents and punctuation so 'Dr. Séto' and 'dr seto' match."""
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
        entries: list[tuple[str, str]] = []
        words: list[tuple[str, str]] = []
        for card_id, name in names:
            key = normalize(name)
            if not key:
                continue
            self._order.setdefault(card_id, len(self._order))
            self._exact.setdefault(key, card_id)
            entries.append((key, card_id))
            words.extend((word, card_id) for word in key.split()[1:])
        entries.sort()
        words.sort()
        self._names = entries
        self._name_keys = [key for key, _ in entries]
        self._words = words
        self._word_keys = [key for key, _ in words]
        self._fuzzy_choices = [key for key, _ in entries]
        self._fuzzy_ids = [card_id for _, card_id in entries]

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
        found = process.extract(
            key,
            self._fuzzy_choices,
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit * 3,
            score_cutoff=FUZZY_CUTOFF,
        )
        for choice, score, index in found:
            card_id = self._fuzzy_ids[index]
            adjusted = SUBSTRING if key in choice else min(float(score) * 0.85, SUBSTRING - 1)
            if best.get(card_id, 0.0) < adjusted:
                best[card_id] = adjusted
