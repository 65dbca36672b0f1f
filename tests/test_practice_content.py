"""Practice content: checks on approach cards are validated like cards, and every myth
and check in content/ becomes a practice item that does not give its answer away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.library.models import Approach, Kind
from bot.practice import practice_items
from bot.practice.items import FALSE, ItemKind
from bot.services.content import check_content
from tests.e2e import CONTENT

MINIMAL = Path(__file__).parent / "data" / "minimal"
CHECK = """    checks:
      - id: exposed
        situation: A manager has just been exposed. What does the expert say?
        options:
          - It changes nothing
          - In many cases it is enough
        answer: 2
        why: The expert says so (S20).
        at: S20
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(MINIMAL, target)
    return target


def with_check(content: Path, check: str = CHECK) -> Path:
    path = content / "approaches.yaml"
    text = path.read_text()
    anchor = "    related: [james-cantor, no-change]\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + check, 1))
    return path


def problems(content: Path) -> list[str]:
    result = check_content(content)
    assert result.library is None
    return [str(problem) for problem in result.problems]


def test_a_valid_check_loads_onto_its_approach(content: Path) -> None:
    with_check(content)
    library = check_content(content).library
    assert library is not None
    card = library.get("confrontation")
    assert isinstance(card, Approach) and [c.id for c in card.checks] == ["exposed"]


def test_an_answer_that_is_not_an_option_is_reported_with_its_line(content: Path) -> None:
    path = with_check(content, CHECK.replace("answer: 2", "answer: 3"))
    assert problems(content) == [
        f"{path}:16: checks[0]: answer is 3, but the options are numbered 1 to 2"
    ]


def test_one_option_is_too_few(content: Path) -> None:
    path = with_check(content, CHECK.replace("          - It changes nothing\n", ""))
    assert problems(content) == [f"{path}:16: checks[0]: a check needs 2 to 4 options; found 1"]


def test_a_check_locator_outside_the_source_and_a_repeated_id_are_reported(
    content: Path,
) -> None:
    second = CHECK.replace("    checks:\n", "").replace("at: S20", "at: S45")
    path = with_check(content, CHECK + second)
    assert problems(content) == [
        f"{path}:24: checks[1].id: another check on this card has id 'exposed'",
        f"{path}:31: checks[1].at: 'S45' is outside 'article-2017', which has 44 sentences "
        "(ranges run low to high)",
    ]


def test_unknown_check_key_suggests_the_right_one(content: Path) -> None:
    path = with_check(content, CHECK.replace("why:", "wyh:"))
    found = problems(content)
    assert any(
        p.startswith(f"{path}:") and "checks[0].wyh: unknown key 'wyh'; did you mean 'why'?" in p
        for p in found
    ), found


# ---------------------------------------------------------------- the shipped content

LIBRARY = check_content(CONTENT).library


def test_every_myth_is_a_check_and_every_approach_has_at_least_one() -> None:
    assert LIBRARY is not None
    items = practice_items(LIBRARY)
    myths = [item for item in items if item.kind is ItemKind.MYTH]
    assert [item.card_id for item in myths] == [c.id for c in LIBRARY.of_kind(Kind.MYTH)]
    assert all(item.best == FALSE for item in myths)
    with_checks = {item.card_id for item in items if item.kind is ItemKind.CHECK}
    assert with_checks == {card.id for card in LIBRARY.of_kind(Kind.APPROACH)}


def test_no_check_gives_its_answer_away() -> None:
    """The best option's wording is not in the situation, and the best option is not
    always in the same place (nor always the longest)."""
    assert LIBRARY is not None
    checks = [item for item in practice_items(LIBRARY) if item.kind is ItemKind.CHECK]
    for item in checks:
        best = item.label_of(item.best).lower()
        assert best not in item.question.lower(), item.item_id
    assert len({item.best for item in checks}) > 1
    longest = [
        item for item in checks if max(item.choices, key=lambda c: len(c[1]))[0] == item.best
    ]
    assert len(longest) < len(checks) / 2
