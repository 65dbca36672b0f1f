"""Lookup and ranking: what members type finds the card they mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import yamlpos
from bot.library.library import Library, Suggestions, card_texts
from bot.library.loader import load_library
from bot.library.models import Card, Kind
from bot.library.search import NameIndex, TextIndex, normalize
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


# The quick reader may accept a file only if the careful one (lines, refusals) reads it
# the same: same values of the same types. Anything else it leaves to the careful one.
AGREEMENT = [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: 2026-01-02\nf: .nan\ng: -.inf\nh: 0x1F\ni: 1_000\n",
    "j: '1'\nk:\nl: \"yes\"\nm: no\nn: 2026-01-02 10:00:00\no: |\n  two\n  lines\n",
    "1: a\n2: b\n",
    "a: [1, {b: c}, []]\nd: {}\n",
    "",
    "# only a comment\n",
    "---\n",
    "just text\n",
    "a: 1\n---\nb: 2\n",
    "a: {x: 1}\nb:\n  <<: {y: 2}\n  z: 3\n",
    "=: 1\n",
    "a: 1\na: 2\n",
    "true: 1\n",
    "~: 1\n",
    "1.5: x\n",
    "[a]: 1\n",
    "? {a: 1}\n: 2\n",
    "a: !!str 1\n",
    "a: !!int '3'\n",
    "a: !custom x\n",
    "a: !!python/object:os.system x\n",
    "a: &x 1\nb: *x\n",
    "x: &a [*a]\n",
    "a: 2026-13-45\n",
    "a: 1e99999\n",
    "a: [1, 2\n",
    "a:\tb\n",
    "a: 1\n b: 2\n",
    "myths:\n" + "  - " * 31 + "x\n",
    "myths:\n" + "  - " * 32 + "x\n",
    "myths:\n" + "  - " * 40 + "x\n",
    "myths: " + "[" * 600 + "]" * 600 + "\n",
]


@pytest.mark.parametrize("text", AGREEMENT)
def test_quick_yaml_reader_accepts_only_what_the_careful_one_reads_alike(text: str) -> None:
    try:
        careful = yamlpos._careful(text).data
    except yamlpos.YamlReadError:
        with pytest.raises(yamlpos._Unsure):
            yamlpos._quick(text)
        return
    try:
        quick = yamlpos._quick(text)
    except yamlpos._Unsure:
        return
    assert repr(quick) == repr(careful)


@pytest.mark.parametrize("folder", [MINIMAL, Path(__file__).resolve().parents[1] / "content"])
def test_quick_yaml_reader_reads_real_content_with_the_same_lines(folder: Path) -> None:
    for path in sorted(folder.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        careful = yamlpos._careful(text)
        located = yamlpos.parse_yaml(text)
        assert repr(yamlpos._quick(text)) == repr(careful.data), path
        assert located.lines == careful.lines, path


@pytest.mark.parametrize(
    "typed", ["jmaes", "cnator", "confrontaion", "victim empthy", "empathy vict"]
)
def test_typos_and_inner_words_find_the_card(library: Library, typed: str) -> None:
    expected = {"jmaes": "james-cantor", "cnator": "james-cantor", "confrontaion": "confrontation"}
    ranked = [card.id for card in library.rank(typed)]
    assert ranked[:1] == [expected.get(typed, "victim-empathy")], ranked


def test_inner_word_prefix_spans_words(library: Library) -> None:
    assert [card.id for card in library.rank("being conf")][:1] == ["confrontation"]


# ---------------------------------------------------------------- /search over card text

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def real() -> Library:
    result = load_library(CONTENT)
    assert result.library is not None
    return result.library


def test_search_reads_every_text_field(real: Library) -> None:
    found = [card.id for card in real.search("toronto")]
    assert found[:1] == ["james-cantor"], "the affiliation names the Toronto Sexuality Center"


def test_search_finds_whole_words_never_lookalikes(real: Library) -> None:
    found = real.search("caught")
    assert found and all("caught" in _all_text(card) for card in found)
    assert "empathy-can-be-taught" not in [card.id for card in found]


def test_search_ranks_cards_with_every_word_first(real: Library) -> None:
    found = real.search("Cantor caught")
    both = [card for card in found if {"cantor", "caught"} <= set(_all_text(card).split())]
    assert "james-cantor" in [card.id for card in both]
    assert found[: len(both)] == both, "cards holding both words come before the rest"


def test_search_falls_back_to_typos_only_when_a_word_matches_nothing() -> None:
    index = TextIndex(
        [
            ("a", [("Confrontation works", 1.0)]),
            ("b", [("Empathy can be taught", 1.0)]),
            ("c", [("Being caught ends it", 1.0)]),
        ]
    )
    assert [m.card_id for m in index.search("caught")] == ["c"]
    assert [m.card_id for m in index.search("confrontaion")] == ["a"]
    assert [m.card_id for m in index.search("confront")] == ["a"], "a word start counts"
    assert {m.card_id for m in index.search("being taught")} == {"b", "c"}
    assert index.search("") == []


def test_search_weighs_titles_over_body_text() -> None:
    index = TextIndex(
        [("body", [("Other", 3.0), ("about empathy", 1.0)]), ("title", [("Empathy", 3.0)])]
    )
    assert [m.card_id for m in index.search("empathy")] == ["title", "body"]


# ---------------------------------------------------------------- one rule for "which card?"


@pytest.mark.parametrize("typed", ["therapy", "victim"])
def test_two_close_matches_always_ask(real: Library, typed: str) -> None:
    result = real.lookup(typed, Kind.APPROACH)
    assert isinstance(result, Suggestions) and len(result.cards) >= 2


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("confront", "confrontation"), ("Traditional psychotherapy", "traditional-psychotherapy")],
)
def test_a_clear_winner_opens(real: Library, typed: str, expected: str) -> None:
    card = real.lookup(typed, Kind.APPROACH)
    assert not isinstance(card, Suggestions) and card.id == expected


def _all_text(card: Card) -> str:
    return normalize(" ".join(text for text, _ in card_texts(card)))
