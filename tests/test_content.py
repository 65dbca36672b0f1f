"""The shipped curriculum: clean, complete, cited, and linked both ways."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.library.library import Library
from bot.library.models import Approach, Expert, Kind, Myth, Prompt
from bot.services.content import check_content

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
OVERLAP_TOOL = ROOT.parent / "shared" / "tools" / "source_overlap.py"


@pytest.fixture(scope="module")
def library() -> Library:
    result = check_content(CONTENT)
    assert [str(p) for p in result.problems] == []
    assert result.library is not None
    return result.library


def test_every_content_file_passes_the_checker() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", "content"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("content: OK")


def test_minimum_counts(library: Library) -> None:
    counts = library.counts()
    assert counts[Kind.EXPERT] >= 4
    assert counts[Kind.APPROACH] >= 9
    assert counts[Kind.MYTH] >= 8
    assert counts[Kind.PROMPT] >= 30, "one prompt each weekday for six weeks"


def test_four_named_experts_with_role_and_positions(library: Library) -> None:
    experts = [card for card in library.of_kind(Kind.EXPERT) if isinstance(card, Expert)]
    names = {expert.name for expert in experts}
    assert {"Vaile Wright", "Rory Reid", "James Cantor", "Michael Seto"} <= names
    for expert in experts:
        assert expert.role and expert.affiliation and expert.positions


def test_every_card_cites_a_source(library: Library) -> None:
    for card in library.cards.values():
        assert card.sources, card.id
        for citation in card.sources:
            assert citation.source in library.sources, card.id


def test_related_links_resolve_both_ways(library: Library) -> None:
    for card in library.cards.values():
        for other_id in card.related:
            other = library.get(other_id)
            assert other is not None, f"{card.id} -> {other_id}"
            assert card.id in other.related, f"{other_id} does not link back to {card.id}"


def test_approaches_name_audience_experts_and_myths(library: Library) -> None:
    approaches = [card for card in library.of_kind(Kind.APPROACH) if isinstance(card, Approach)]
    for approach in approaches:
        assert approach.audience
    linked_kinds = {library.cards[i].kind for a in approaches for i in a.related}
    assert {Kind.EXPERT, Kind.MYTH} <= linked_kinds
    for expert in library.of_kind(Kind.EXPERT):
        assert any(library.cards[i].kind is Kind.APPROACH for i in expert.related), expert.id


def test_myths_carry_claim_reality_and_evidence(library: Library) -> None:
    for myth in library.of_kind(Kind.MYTH):
        assert isinstance(myth, Myth)
        assert myth.claim and myth.reality and myth.evidence.note


def test_prompts_span_six_weeks_of_weekdays_and_draw_on_cards(library: Library) -> None:
    prompts = [card for card in library.prompts if isinstance(card, Prompt)]
    assert len({prompt.id for prompt in prompts}) == len(prompts)
    assert sorted({prompt.week or 0 for prompt in prompts}) == [1, 2, 3, 4, 5, 6]
    per_week = Counter(prompt.week for prompt in prompts)
    assert min(per_week.values()) >= 5, per_week
    weeks = [prompt.week or 0 for prompt in prompts]
    assert weeks == sorted(weeks), "prompts are posted in file order, week by week"
    for prompt in prompts:
        assert prompt.draws_on and all(library.get(i) for i in prompt.draws_on), prompt.id


def test_content_note_is_short_and_present(library: Library) -> None:
    assert 0 < len(library.about.content_note) <= 600


@pytest.mark.skipif(
    not OVERLAP_TOOL.exists(), reason="../shared/tools/source_overlap.py is not beside this clone"
)
def test_no_sentence_copied_from_the_source() -> None:
    run = subprocess.run(
        [sys.executable, str(OVERLAP_TOOL), str(CONTENT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout
    assert run.stdout.strip().splitlines()[-1].startswith("0 copied")


def test_prompts_vary_their_openings(library: Library) -> None:
    """A cohort reads one a day: no more than two prompts ask "where would you draw the line"."""
    questions = [prompt.question for prompt in library.prompts]
    stem = re.compile(r"where would you draw the line", re.IGNORECASE)
    assert sum(bool(stem.search(question)) for question in questions) <= 2


def test_prompts_stand_alone(library: Library) -> None:
    """Each prompt is posted alone, so none may lean on another prompt or an earlier week."""
    leaning = re.compile(r"\bthe same (sentence|prompt)\b|\bin week \d|\bweek \d answer", re.I)
    for prompt in library.prompts:
        for text in (prompt.summary, prompt.text, prompt.question):
            assert not leaning.search(text), prompt.id
