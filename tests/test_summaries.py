"""The counting rule of cohort summaries: never a count that singles a member out."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.summaries import CohortCounts, members_of


@pytest.mark.parametrize(
    ("count", "roster", "shown"),
    [
        (0, 12, "none of 12 members"),
        (1, 12, "fewer than 5 of 12 members"),
        (4, 12, "fewer than 5 of 12 members"),
        (5, 12, "5 of 12 members"),
        (7, 12, "7 of 12 members"),
        (8, 12, "all but fewer than 5 of 12 members"),
        (11, 12, "all but fewer than 5 of 12 members"),
        (12, 12, "all 12 members"),
        (3, 6, "fewer than 5 of 6 members"),
        (5, 6, "all but fewer than 5 of 6 members"),
    ],
)
def test_one_to_four_members_on_either_side_are_blurred(
    count: int, roster: int, shown: str
) -> None:
    assert members_of(count, roster) == shown


def test_a_cohort_under_five_members_gets_no_counts_per_prompt() -> None:
    small = CohortCounts(
        "Tiny", 3, date(2026, 3, 2), date(2026, 3, 3), ((date(2026, 3, 2), "P", 1),), 1
    )
    text = [str(line) for line in small.lines()]
    assert text[0] == "“Tiny”: 3 members; 1 prompt posted from Mon 02 Mar 2026 to Tue 03 Mar 2026."
    assert "counts per prompt would single people out, so none are shown" in text[1]
    assert len(text) == 2
    bigger = CohortCounts(
        "Spring",
        9,
        date(2026, 3, 2),
        date(2026, 3, 3),
        ((date(2026, 3, 2), "P1", 6), (date(2026, 3, 3), "P2", 2)),
        7,
        ended=True,
    )
    assert [str(line) for line in bigger.lines()] == [
        "“Spring” has ended: 9 members; 2 prompts posted from Mon 02 Mar 2026 to Tue 03 Mar 2026.",
        "Reflected at least once: all but fewer than 5 of 9 members. Counts of 1 to 4 members "
        "read “fewer than 5”, so no one can be singled out.",
        "Mon 02 Mar 2026, “P1”: all but fewer than 5 of 9 members.",
        "Tue 03 Mar 2026, “P2”: fewer than 5 of 9 members.",
    ]
