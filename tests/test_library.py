"""Lookup and ranking: what members type finds the card they mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library.library import Library, Suggestions
from bot.library.loader import load_library
from bot.library.models import Kind
from bot.library.search import NameIndex, normalize
from bot.library.yamlpos import parse_yaml

MINIMAL = Path(__file__).parent / "data" / "minimal"


@pytest.fixture(scope="module")
def library() -> Library:
    result = load_library(MINIMAL)
    assert result.library is not None
    return result.library


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Dr. Séto", "dr seto"), ("  VICTIM   empathy ", "victim empathy"), ("12-step", "12 step")],
)
def test_normalize_folds_case_accents_and_punctuation(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    "name", ["confrontation", "CONFRONTATION", "Being confronted", "being  confronted!"]
)
def test_find_by_id_title_or_alias_any_case(library: Library, name: str) -> None:
    card = library.find(name)
    assert card is not None and card.id == "confrontation"


def test_find_respects_kind(library: Library) -> None:
    assert library.find("Dr Cantor", Kind.EXPERT) is not None
    assert library.find("Dr Cantor", Kind.APPROACH) is None


def test_typo_ranks_the_intended_card_first(library: Library) -> None:
    assert [card.id for card in library.rank("confrontaion")][:1] == ["confrontation"]


def test_lookup_suggests_instead_of_failing(library: Library) -> None:
    result = library.lookup("empathee", Kind.MYTH)
    assert isinstance(result, Suggestions)
    result = library.lookup("victim empathee")
    assert isinstance(result, Suggestions)
    assert [card.id for card in result.cards][:1] == ["victim-empathy"]


def test_unique_prefix_is_taken_as_the_card(library: Library) -> None:
    card = library.lookup("confront", Kind.APPROACH)
    assert not isinstance(card, Suggestions) and card.id == "confrontation"


def test_empty_query_lists_cards_in_file_order(library: Library) -> None:
    assert [card.id for card in library.rank("", Kind.APPROACH)] == [
        "confrontation",
        "victim-empathy",
    ]


def test_prompts_keep_file_order(library: Library) -> None:
    assert [prompt.id for prompt in library.prompts] == ["first-prompt", "second-prompt"]


def test_rank_caps_results_and_prefers_prefixes() -> None:
    index = NameIndex((f"card-{n}", f"Card {n}") for n in range(200))
    ranked = index.rank("card 1", limit=25)
    assert len(ranked) == 25
    assert ranked[0].card_id == "card-1"
    assert all(match.score >= 88 for match in ranked[:11])


def test_yaml_lines_are_recorded_for_nested_keys() -> None:
    located = parse_yaml("a:\n  - id: x\n    b:\n      c: 1\n")
    assert located.line_of(("a", 0, "b", "c")) == 4
    assert located.line_of(("a", 0, "missing")) == 2


@pytest.mark.parametrize(
    "typed", ["jmaes", "cnator", "confrontaion", "victim empthy", "empathy vict"]
)
def test_typos_and_inner_words_find_the_card(library: Library, typed: str) -> None:
    expected = {"jmaes": "james-cantor", "cnator": "james-cantor", "confrontaion": "confrontation"}
    ranked = [card.id for card in library.rank(typed)]
    assert ranked[:1] == [expected.get(typed, "victim-empathy")], ranked


def test_inner_word_prefix_spans_words(library: Library) -> None:
    assert [card.id for card in library.rank("being conf")][:1] == ["confrontation"]
