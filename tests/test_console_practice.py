"""Console /practice: the next check, /answer N, the reveal, stats, and the facilitators'
belief shift, through the console's own read-eval-print loop."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import session
from tests.test_discord_practice import FIRST, SECOND


def test_practice_answer_reveal_and_stats_in_the_console(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/answer 1",
            "/practice",
            "/answer 9",
            "/answer 2",
            "/practice",
            "/practice stats",
            "/cohort-reflections beliefs",
            "/reflections export",
        ],
    )
    assert "No check is open; type /practice for your next one." in out
    assert "1) True   2) False   3) Not sure" in out
    assert "Type /answer with a number from 1 to 3." in out
    assert "Right: the article does not support this belief." in out
    assert f"/myth {FIRST.card_id}" in out, "the reveal names the card to open"
    assert "Source: " in out and "Type /practice for the next check." in out
    assert " ".join(SECOND.question.split()[:4]) in out
    assert "Seen 1 of " in out and "1 answer, 1 right (100%)." in out
    assert "1 myth answered by fewer than 5 members not shown" in out
    [export] = list((tmp_path / "exports").glob("*.md"))
    assert "# My practice answers" in export.read_text()
