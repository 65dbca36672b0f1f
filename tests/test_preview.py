"""`python -m bot preview ID`: the card as Discord shows it, with each limit's use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def preview(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "preview", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_preview_shows_parts_buttons_and_limits() -> None:
    run = preview("cannot-change")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "=== myth 'cannot-change' (before reveal)" in out
    assert "=== myth 'cannot-change' (shown)" in out
    assert "buttons:     [What does the evidence say?]" in out
    assert "description " in out and "/4096" in out and "embed total " in out and "/6000" in out
    assert "OVER" not in out


def test_preview_unknown_card_suggests() -> None:
    run = preview("confrontaton")
    assert run.returncode == 1
    assert "No card 'confrontaton'. Closest: confrontation" in run.stderr
