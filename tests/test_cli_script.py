"""The `cohort-bot` command, and the README's maintainer commands exactly as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.prefix) / "bin"  # the virtualenv `make test` installed into


def shell(command: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` as a maintainer would type it, in a shell with only the system PATH."""
    return subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        check=False,
    )


def test_console_script_checks_the_real_content(tmp_path: Path) -> None:
    run = shell(f"{BIN / 'cohort-bot'} check content", tmp_path)
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(r"content: OK \(\d+ approaches, .*\)\n", run.stdout), run.stdout


def test_console_script_names_itself_in_its_help(tmp_path: Path) -> None:
    run = shell(f"{BIN / 'cohort-bot'} --help", tmp_path)
    assert run.returncode == 0
    assert run.stdout.startswith("usage: cohort-bot ")


def readme_commands() -> list[str]:
    """The shell lines of the README's maintainer section, comments dropped."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## For maintainers", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_maintainer_commands_work_as_written(tmp_path: Path) -> None:
    commands = readme_commands()
    assert commands[0] == "source .venv/bin/activate"
    assert any(command.startswith("cohort-bot check") for command in commands)
    activate = f"source {BIN / 'activate'}"  # the same virtualenv, wherever this one lives
    for command in commands[1:]:
        if command.startswith("make "):
            continue  # make may install; `make check` runs `cohort-bot check content`
        command, _, target = command.partition(" > ")
        run = shell(f"{activate} && {command}", tmp_path)
        assert run.returncode == 0, f"{command}: {run.stderr}"
        assert "Traceback" not in run.stderr
        if target:
            json.loads(run.stdout)  # the schema, written where the README says
