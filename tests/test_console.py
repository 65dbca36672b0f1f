"""The console: same commands as Discord, over the same services, in a terminal."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console

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


# ---------------------------------------------------------------- through the input loop


def session(tmp_path: Path, lines: list[str], content: Path = ROOT / "content") -> str:
    """Type ``lines`` into the console's own read-eval-print loop; return what it printed."""
    from bot.console import run_console

    settings = Settings(content_dir=content, database={"path": tmp_path / "db.sqlite3"})
    out = io.StringIO()
    code = run_console(settings, io.StringIO("\n".join(lines) + "\n"), out)
    assert code == 0
    return out.getvalue()


REFUSALS = ("Unknown command", "Unknown action", "Discord has", "needs Discord", "Usage:")


def test_reflections_write_edit_share_delete_in_the_console(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/reflect confrontation",
            "First thoughts.",
            "",
            "/reflections edit 1",
            "Second thoughts,",
            "on two lines.",
            "",
            "/reflections mine",
            "/reflections share 1 cohort",
            "/reflections share 1 private",
            "/reflections delete 1",
            "n",
            "/reflections mine",
            "/reflections delete #1",
            "y",
            "/reflections mine",
        ],
    )
    assert "Saved reflection #1. Only you and the facilitators can see it." in out
    assert "Reflection #1 now reads:\n  First thoughts." in out
    assert "Reflection #1 is updated." in out
    assert "Second thoughts,\non two lines." in out
    assert "Shared with the cohort under your name:" in out
    assert "It is shared with the cohort under your name." in out
    assert "(The shared copy is taken down.)" in out
    assert "Delete reflection #1 (Approach: Confrontation: being caught or exposed)?" in out
    assert "Nothing was deleted." in out
    assert "Reflection #1 is deleted, with any shared copy." in out
    assert out.rstrip().endswith("No reflections yet. Use /reflect to write one.")
    assert not any(refusal in out for refusal in REFUSALS), out


def test_exports_and_summary_are_written_to_files(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/reflect confrontation",
            "=SUM(A1) is what I think",
            "",
            "/reflections export",
            "/cohort-reflections export",
            "/cohort-reflections export since:2999-01-01",
            "/cohort-reflections summary",
        ],
    )
    paths = [Path(line.rsplit(" ", 1)[-1]) for line in out.splitlines() if "/exports/" in line]
    assert len(paths) == 4, out
    mine, everyone, none_since, chart = paths
    assert all(path.parent == tmp_path / "exports" for path in paths)
    assert mine.suffix == ".md" and "=SUM(A1) is what I think" in mine.read_text()
    rows = everyone.read_text().splitlines()
    assert rows[0].startswith("id,date,about,author_id") and "'=SUM(A1)" in rows[1]
    assert none_since.read_text().count("\n") == 1, "only the header after that date"
    assert chart.suffix == ".png" and chart.read_bytes().startswith(b"\x89PNG")
    assert "1 reflection" in out
    assert not any(refusal in out for refusal in REFUSALS), out


def test_forget_me_asks_first(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/reflect confrontation",
            "Something.",
            "",
            "/reflections forget-me",
            "",
            "/reflections forget-me",
            "yes",
            "/reflections mine",
        ],
    )
    assert out.count("Erase all your reflections (and shared copies) here?") == 2
    assert "[y/N]" in out and "Nothing was erased." in out
    assert "Done: everything the bot held about you here is erased (1 reflection)." in out
    assert out.rstrip().endswith("No reflections yet. Use /reflect to write one.")


def test_prompt_commands_in_the_console(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/schedule set 09:00 Europe/Berlin weekdays",
            "/schedule next 0",
            "/schedule next abc",
            "/schedule next 26",
            "/schedule next 2",
            "/schedule quiet 2999-12-24..2999-12-26",
            "/schedule quiet 2999-12-25 remove",
            "/schedule now",
            "/schedule skip",
            "/schedule pause",
            "/schedule resume",
            "/prompt status",
            "/prompt next 2",
        ],
    )
    allowed = "Choose how many to preview: a whole number from 1 to 25."
    assert f"0 is out of range. {allowed}" in out
    assert f"“abc” is not a number. {allowed}" in out
    assert f"26 is out of range. {allowed}" in out
    assert "Quiet dates from today: 2999-12-24..2999-12-26\n" in out
    assert "Quiet dates from today: 2999-12-24, 2999-12-26\n" in out
    assert "Posted “" in out and "Skipped “" in out
    assert "Schedule saved." in out
    assert not any(refusal in out for refusal in REFUSALS), out


HELP_EXAMPLES: dict[str, list[str]] = {
    "/approach [name]": ["/approach", "/approach confrontation"],
    "/expert [name]": ["/expert cantor"],
    "/myth [name]": ["/myth cannot-change", "/reveal"],
    "/search words": ["/search empathy"],
    "/about": ["/about"],
    "/prompt status": ["/prompt status"],
    "/schedule set HH:MM Zone/Name [days]": ["/schedule set 09:00 Europe/Berlin weekdays"],
    "/schedule next [1-25]": ["/schedule next 3"],
    "/schedule now|skip|pause|resume": [
        "/schedule now",
        "/schedule skip",
        "/schedule pause",
        "/schedule resume",
    ],
    "/schedule quiet DATES [remove]": [
        "/schedule quiet 2999-01-01",
        "/schedule quiet 2999-01-01 remove",
    ],
    "/cohort start name:NAME time:HH:MM timezone:ZONE [days: starts: ends: channel:N]": [
        '/cohort start name:"Second cohort" time:18:00 timezone:Asia/Tokyo channel:2'
    ],
    "/cohort list|join|leave [cohort:NAME]": [
        "/cohort list",
        '/cohort join cohort:"Second cohort"',
        '/cohort leave cohort:"Second cohort"',
    ],
    "/cohort edit|end|next [cohort:NAME] …": [
        '/cohort edit cohort:"Second cohort" ends:2999-01-01',
        '/cohort end cohort:"Second cohort"',
        '/cohort next name:Third cohort:"Second cohort"',
    ],
    "/cohort add member id:N name:NAME": ["/cohort add member id:2 name:Sam"],
    "/cohort pulse [cohort:NAME]": ["/cohort pulse"],
    "/remind me time:HH:MM [timezone:ZONE]|off": ["/remind me time:23:30", "/remind off"],
    "/reflect [about]": ["/reflect", "A thought.", ""],
    "/reflections mine [page]": ["/reflections mine 1"],
    "/reflections edit|delete ID": [
        "/reflections edit 1",
        "Another.",
        "",
        "/reflections delete 1",
        "n",
    ],
    "/reflections share ID private|cohort|anonymous": ["/reflections share 1 private"],
    "/reflections export": ["/reflections export"],
    "/reflections forget-me": ["/reflections forget-me", "n"],
    "/cohort-reflections export [since:YYYY-MM-DD]": [
        "/cohort-reflections export since:2000-01-01"
    ],
    "/cohort-reflections summary": ["/cohort-reflections summary"],
    "/cohort-reflections beliefs": ["/cohort-reflections beliefs"],
    "/practice [stats]": ["/practice", "/answer 2", "/practice stats"],
    "/facilitators show|clear-role|set-role ROLE_ID": [
        "/facilitators set-role 1234",
        "/facilitators show",
        "/facilitators clear-role",
    ],
    "/content reload": ["/content reload", "/reload"],
    "/help": ["/help"],
    "/quit": [],  # the session's end
}


def test_help_lists_exactly_what_works(tmp_path: Path) -> None:
    from bot.console.cards import CONSOLE_HELP

    assert set(HELP_EXAMPLES) == {usage for usage, _ in CONSOLE_HELP}, "an example for each"
    out = session(tmp_path, [line for lines in HELP_EXAMPLES.values() for line in lines])
    for usage in HELP_EXAMPLES:
        assert usage in out
    refusals = (*REFUSALS, "Only facilitators", "Only members", "not found", "Nothing to")
    assert not any(refusal in out for refusal in refusals), out
    assert "Facilitators are members with Manage Server or the role with id 1234." in out
    assert out.count("Your reflections are in ") == 1 and "(CSV, for facilitators only)" in out


def test_smaller_console_wording(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/reflections mine 3",
            "/reflect addiction-or-offending",
            "Text.",
            "",
            "/reflections mine 3",
            "/myth cannot-change",
            "/reveal",
            "/reveal",
            "/about",
        ],
    )
    assert "Reflecting on Addiction, compulsion or offending? Only you" in out
    assert "?." not in out
    assert "There is only 1 page." in out and "page(s)" not in out
    assert "The answer to “These men cannot change” is already shown above." in out
    about = out.split("── cohort-bot ·")[1]
    assert "Content note:" in about and "use /about" not in about


def test_reload_with_nothing_loaded_does_not_claim_old_cards(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    (content / "myths.yaml").write_text("myths:\n\t- id: x\n")
    out = session(tmp_path, ["/content reload"], content)
    assert re.search(r"Content has \d+ problems?; no cards are loaded until they are fixed:", out)
    assert "still serving the old cards" not in out


def test_did_you_mean_gives_ids_and_the_same_rule_as_discord(tmp_path: Path) -> None:
    out = session(tmp_path, ["/approach victim", "/approach therapy", "/approach confront"])
    assert "No approach is called “victim”. Did you mean:" in out
    assert "• Victim empathy: role-play and perspective taking (empathy-role-play)" in out
    assert "No approach is called “therapy”. Did you mean:" in out
    assert "Type the id to open one, e.g. /approach talk-therapy-and-medication" in out
    assert "CONFRONTATION: BEING CAUGHT OR EXPOSED" in out, "a clear winner opens"


def test_search_reads_card_text(tmp_path: Path) -> None:
    out = session(tmp_path, ["/search toronto", "/search Cantor caught", "/search caught"])
    toronto, both, caught = out.split("Best matches for ")[1:]
    assert "Expert: James Cantor" in toronto
    assert "Expert: James Cantor" in both and "Approach: Confrontation" in both
    assert "taught" not in caught.split("\n\n")[0]


@pytest.mark.parametrize("width", [40, 88])
def test_related_commands_are_never_broken_across_lines(tmp_path: Path, width: int) -> None:
    from bot.console.text_render import TextRenderer
    from bot.library.loader import load_library
    from bot.library.models import Kind
    from bot.services.cards import card_view

    library = load_library(ROOT / "content").library
    assert library is not None
    render = TextRenderer(width=width)
    for card in library.cards.values():
        text = render.card(card_view(card, library, reveal=True))
        for link in card_view(card, library).links:
            assert f"(/{link.kind.value} {link.card_id})" in text, (card.id, text)
    shown = [f"/{card.kind.value} {card.id}" for card in library.of_kind(Kind.MYTH)]
    out = session(tmp_path, shown)
    assert "(/myth addiction-treatment-works)" in out or "addiction-treatment-works" not in out
    assert not re.search(r"[a-z]-\n[a-z]", out), "no id or word split at a hyphen"


def test_discord_option_syntax_is_understood(tmp_path: Path) -> None:
    out = session(
        tmp_path,
        [
            "/approach name:confrontation private:True",
            "/approach Confrontation: being caught or exposed",
            "/search query:toronto private:False",
        ],
    )
    assert out.count("CONFRONTATION: BEING CAUGHT OR EXPOSED") == 2
    assert "Best matches for “toronto”:\n  Expert: James Cantor" in out


def test_ctrl_c_during_a_command_cancels_only_that_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import os
    import signal
    import threading

    from bot.console.cards import CardCommands

    async def slow_about(self: CardCommands, _args: str) -> str:
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        await asyncio.sleep(30)
        return "never printed"

    monkeypatch.setattr(CardCommands, "_about", slow_about)
    out = session(tmp_path, ["/about", "/approach confrontation"])
    assert "Cancelled." in out and "never printed" not in out
    assert "CONFRONTATION" in out, "the console goes on after the interrupted command"


def test_a_refused_draft_is_kept_not_lost(tmp_path: Path) -> None:
    out = session(tmp_path, ["/reflect confrontation", "x" * 4001, "", "/reflect", "/cancel"])
    assert "the limit is 4000" in out
    assert "Your draft is kept: /reflect goes on with it." in out
    assert "Going on with your draft on Confrontation" in out and "Dropped" in out
