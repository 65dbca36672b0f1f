"""The console: same commands as Discord, over the same services, in a terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console
from bot.services.hub import Services

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "data" / "minimal"


def run_console(
    tmp_path: Path, lines: list[str], content: Path = ROOT / "content"
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    config.write_text(f"content_dir: {content}\ndatabase:\n  path: {tmp_path / 'db.sqlite3'}\n")
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config)],
        input="\n".join(lines) + "\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )


def test_run_command_without_token_opens_console_and_prints_a_card(tmp_path: Path) -> None:
    run = run_console(tmp_path, ["/approach confrontation", "/quit"])
    assert run.returncode == 0, run.stderr
    assert "No DISCORD_TOKEN set: starting the local console." in run.stderr
    assert "content note:" in run.stdout
    assert "CONFRONTATION" in run.stdout
    assert "Source:" in run.stdout
    assert "Traceback" not in run.stderr


def test_console_myth_reveal_search_and_suggestions(tmp_path: Path) -> None:
    run = run_console(
        tmp_path,
        [
            "/myth",
            "/myth They cannot change",
            "/reveal",
            "/search cantor",
            "/expert nobody-at-all",
            "/nonsense",
        ],
        MINIMAL,
    )
    out = run.stdout
    assert "Myths:\n  They cannot change" in out
    assert "The belief: These men never change." in out
    assert "What the article says: Change with help is possible" in out
    assert "Expert: James Cantor" in out
    assert "No expert matches “nobody-at-all”" in out
    assert "Unknown command /nonsense." in out


def test_broken_content_never_crashes_the_console(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    (content / "myths.yaml").write_text("myths:\n\t- id: x\n")
    run = run_console(tmp_path, ["/myth", "/approach confrontation", "/about"], content)
    assert run.returncode == 0
    assert "Traceback" not in run.stdout + run.stderr
    assert f"{content / 'myths.yaml'}:2: file: tab character" in run.stdout
    assert "The card library is not available" in run.stdout


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    settings = Settings(content_dir=MINIMAL, database={"path": tmp_path / "db.sqlite3"})
    services = await Services.open(settings)
    yield Console(services)
    await services.close()


async def test_tab_completion_of_commands_and_card_names(console: Console) -> None:
    assert console.complete("/ap") == ["/approach "]
    assert "/expert " in console.complete("/")
    assert console.complete("/approach conf") == ["/approach Confrontation"]
    assert console.complete("/expert dr c")[:1] == ["/expert James Cantor"]
    assert console.complete("/nothing x") == []


async def test_reload_reports_changes(console: Console, tmp_path: Path) -> None:
    assert (await console.execute("/reload")).startswith("Content reloaded:")


def test_readline_never_erases_what_was_typed() -> None:
    from bot.console import readline_matches

    fuzzy = ["/approach Confrontation: being caught", "/approach Impulse control"]
    assert readline_matches("/approach confr", fuzzy) == ["/approach Confrontation: being caught"]
    assert readline_matches(
        "/approach confrontaion", ["/approach Confrontation", "/approach X"]
    ) == ["/approach Confrontation"]
    assert readline_matches("/ap", ["/approach "]) == ["/approach "]
    assert readline_matches("/zz", []) == []
