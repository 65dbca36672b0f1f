"""The checker's messages: every broken file names the file, the line and the key."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import check, format_problem
from bot.library.loader import ContentUnreadable, Problem, load_library
from bot.services.content import check_content

MINIMAL = Path(__file__).parent / "data" / "minimal"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(MINIMAL, target)
    return target


def problems_in(content: Path) -> list[str]:
    result = check_content(content)
    assert result.library is None, "broken content must not produce a library"
    return [str(problem) for problem in result.problems]


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_minimal_content_is_clean() -> None:
    result = check_content(MINIMAL)
    assert result.problems == []
    assert result.library is not None
    assert result.library.find("dr cantor") is not None


def test_bad_indentation(content: Path) -> None:
    rewrite(content / "approaches.yaml", "    summary: Helping", "   summary: Helping")
    [problem] = problems_in(content)
    assert problem.startswith(f"{content / 'approaches.yaml'}:17: file: not valid YAML")


def test_tab_character(content: Path) -> None:
    rewrite(content / "myths.yaml", "    title: They cannot change", "\ttitle: They cannot change")
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'myths.yaml'}:3: file: tab character: YAML indents with spaces only, never tabs"
    )


def test_duplicate_alias_in_another_file(content: Path) -> None:
    rewrite(
        content / "myths.yaml",
        "    title: They cannot change",
        "    title: They cannot change\n    aliases: [dr cantor]",
    )
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'myths.yaml'}:4: aliases[0]: 'dr cantor' already names expert "
        f"'james-cantor' ({content / 'experts.yaml'}:2)"
    )


def test_dangling_related_id(content: Path) -> None:
    rewrite(
        content / "myths.yaml", "related: [confrontation]", "related: [confrontation, confrontaton]"
    )
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'myths.yaml'}:14: related[1]: no card has id 'confrontaton'; "
        "did you mean 'confrontation'?"
    )


def test_related_link_must_go_both_ways(content: Path) -> None:
    rewrite(
        content / "experts.yaml", "related: [confrontation]", "related: [confrontation, no-change]"
    )
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'experts.yaml'}:19: related[1]: links to myth 'no-change' "
        f"({content / 'myths.yaml'}:2), which does not link back (add 'james-cantor' to its related)"
    )


def test_unknown_key_suggests_the_right_one(content: Path) -> None:
    rewrite(content / "experts.yaml", "    aliases:", "    alias:")
    [problem] = problems_in(content)
    assert (
        problem
        == f"{content / 'experts.yaml'}:4: alias: unknown key 'alias'; did you mean 'aliases'?"
    )


def test_unknown_nested_key(content: Path) -> None:
    rewrite(
        content / "approaches.yaml",
        "      note: Expert opinion only.",
        "      notes: Expert opinion only.",
    )
    found = problems_in(content)
    assert (
        f"{content / 'approaches.yaml'}:9: evidence.notes: unknown key 'notes'; did you mean 'note'?"
        in found
    )
    assert f"{content / 'approaches.yaml'}:7: evidence.note: required key is missing" in found


def test_missing_required_key(content: Path) -> None:
    rewrite(content / "myths.yaml", "    claim: These men never change.\n", "")
    [problem] = problems_in(content)
    assert problem == f"{content / 'myths.yaml'}:2: claim: required key is missing"


def test_over_long_text(content: Path) -> None:
    rewrite(
        content / "approaches.yaml", "text: Court hearings and role play.", "text: " + "x" * 4200
    )
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'approaches.yaml'}:18: text: card 'victim-empathy' is too large for one "
        "Discord embed: description 4200/4096 (shorten its text or related list)"
    )


def test_over_long_summary(content: Path) -> None:
    rewrite(
        content / "myths.yaml", "summary: The belief that nothing helps.", "summary: " + "y" * 120
    )
    [problem] = problems_in(content)
    assert problem == f"{content / 'myths.yaml'}:4: summary: is 120 characters; at most 100 fit"


def test_empty_file(content: Path) -> None:
    (content / "extra.yaml").write_text("")
    [problem] = problems_in(content)
    assert problem.startswith(f"{content / 'extra.yaml'}:1: file: file is empty; expected sections")


def test_non_utf8_file(content: Path) -> None:
    (content / "latin1.yaml").write_bytes("myths:\n  - id: caf\xe9\n".encode("latin-1"))
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'latin1.yaml'}:2: file: file is not UTF-8 text (byte 0xe9 at offset 18); "
        "save it as UTF-8"
    )


def test_list_where_mapping_expected(content: Path) -> None:
    (content / "list.yaml").write_text("- id: stray\n  title: Stray\n")
    [problem] = problems_in(content)
    assert problem == (
        f"{content / 'list.yaml'}:1: file: expected a mapping of sections (about:, sources:, "
        "approaches:, experts:, myths:, prompts:), found a list"
    )


def test_card_that_is_not_a_mapping(content: Path) -> None:
    rewrite(
        content / "approaches.yaml",
        "  - id: victim-empathy\n",
        "  - just text\n  - id: victim-empathy\n",
    )
    [problem] = problems_in(content)
    assert (
        problem
        == f"{content / 'approaches.yaml'}:15: entry: expected a mapping (key: value), found text ('just text')"
    )


def test_duplicate_id(content: Path) -> None:
    rewrite(content / "approaches.yaml", "id: victim-empathy", "id: confrontation")
    found = problems_in(content)
    assert (
        f"{content / 'approaches.yaml'}:15: id: another card already has id 'confrontation' ({content / 'approaches.yaml'}:2)"
        in found
    )


def test_bad_id_and_bad_level(content: Path) -> None:
    rewrite(content / "myths.yaml", "id: no-change", "id: No Change")
    rewrite(content / "myths.yaml", "level: modest", "level: medium")
    found = problems_in(content)
    assert (
        f"{content / 'myths.yaml'}:2: id: 'No Change' is not a valid id; use lower-case letters, digits and single hyphens, like 'victim-empathy'"
        in found
    )
    assert any(
        p.startswith(f"{content / 'myths.yaml'}:9: evidence.level: 'medium' is not one of:")
        for p in found
    )


def test_locator_outside_source_and_wrong_scheme(content: Path) -> None:
    rewrite(
        content / "experts.yaml", "        at: S20\n    sources", "        at: S45\n    sources"
    )
    rewrite(content / "myths.yaml", "at: S8-S9", "at: P8")
    found = problems_in(content)
    assert found == [
        f"{content / 'experts.yaml'}:15: positions[0].at: 'S45' is outside 'article-2017', which has 44 sentences (ranges run low to high)",
        f"{content / 'myths.yaml'}:13: sources[0].at: 'P8' is not a sentence locator; 'article-2017' is cited as S1..S44",
    ]


def test_unknown_section_and_wrong_type(content: Path) -> None:
    (content / "extra.yaml").write_text("approach:\n  - id: x\nmyths: {id: y}\n")
    found = problems_in(content)
    assert found == [
        f"{content / 'extra.yaml'}:1: approach: unknown section 'approach'; did you mean 'approaches'?",
        f"{content / 'extra.yaml'}:3: myths: expected a list of entries (- id: ...), found a mapping",
    ]


def test_every_problem_reported_at_once(content: Path) -> None:
    rewrite(content / "experts.yaml", "    aliases:", "    alias:")
    rewrite(content / "myths.yaml", "related: [confrontation]", "related: [nowhere]")
    (content / "empty.yaml").write_text("# nothing\n")
    found = problems_in(content)
    assert [line.split(": ", 2)[1] for line in found] == [
        "related[1]",
        "file",
        "alias",
        "related[0]",
    ]


def test_missing_about(content: Path) -> None:
    rewrite(
        content / "about.yaml",
        "about:\n  name: Test unit\n  description: A tiny library for the tests.\n  content_note: Test content note.\n",
        "",
    )
    assert problems_in(content) == [
        f"{content}: about: no file has an about section (name, description, content_note)"
    ]


def test_unreadable_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ContentUnreadable, match="no such folder"):
        load_library(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContentUnreadable, match=r"no \.yaml files"):
        load_library(tmp_path / "empty")


def test_check_exit_codes(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(content) == 0
    assert "OK (2 approaches, 1 expert, 1 myth, 2 prompts" in capsys.readouterr().out
    rewrite(content / "experts.yaml", "    aliases:", "    alias:")
    assert check(content) == 1
    assert check(tmp_path / "nowhere") == 2


def test_check_command_line_never_shows_a_traceback(content: Path) -> None:
    (content / "bad.yaml").write_bytes(b"\xff\xfe")
    (content / "tab.yaml").write_text("myths:\n\t- id: x\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(content)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert f"{content / 'bad.yaml'}:1: file: file is not UTF-8 text" in run.stdout
    assert f"{content / 'tab.yaml'}:2: file: tab character" in run.stdout


def test_github_annotation_format() -> None:
    problem = Problem("content/myths.yaml", 14, "related[1]", "no card has id 'x'\n100% sure")
    assert format_problem(problem, "github") == (
        "::error file=content/myths.yaml,line=14,title=content::related[1]: no card has id 'x'%0A100%25 sure"
    )


def test_schema_is_valid_json_schema_and_accepts_content() -> None:
    import jsonschema
    import yaml

    run = subprocess.run(
        [sys.executable, "-m", "bot", "schema"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    schema = json.loads(run.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(MINIMAL.glob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path
    assert list(validator.iter_errors({"myths": [{"id": "x", "bogus": 1}]}))


def test_about_too_large_for_discord(content: Path) -> None:
    rewrite(
        content / "about.yaml",
        "description: A tiny library for the tests.",
        "description: " + "z" * 4090,
    )
    rewrite(
        content / "about.yaml", "content_note: Test content note.", "content_note: " + "n" * 1000
    )
    [problem] = problems_in(content)
    assert problem.startswith(
        f"{content / 'about.yaml'}:3: description: /about would be too large for one Discord embed: embed total "
    )


# Hostile YAML: content is reloaded into a running bot, so no file may cost much.

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    for prev, name in zip("abcde", "bcdef", strict=True)
)  # a million strings from 250 bytes; the old loader took 1 s and 100 MB, each level x10


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "myths:\n  - &a [*a]\n",
            2,
            "'&a': anchors and aliases are not allowed in content; write each value out in full",
        ),
        (
            BOMB,
            1,
            "'&a': anchors and aliases are not allowed in content; write each value out in full",
        ),
        (
            "myths:\n  - id: x\n    title: T\n    related: [*missing]\n",
            4,
            "'*missing': anchors and aliases are not allowed in content; write each value out in full",
        ),
        ("myths:\n" + "  - " * 40 + "x\n", 2, "nested more than 32 levels deep"),
        ("myths: " + "[" * 600 + "]" * 600 + "\n", 1, "nested more than 32 levels deep"),
        (
            "prompts:\n  - id: x\n    week: 2026-13-45\n",
            3,
            "'2026-13-45' looks like a date but is not a valid one (month must be in 1..12); "
            "quote it to keep it as text",
        ),
        (
            "prompts:\n  - id: x\n    week: " + "9" * 5000 + "\n",
            3,
            "'9999999999999999999999999999999999999999...' looks like a whole number but is not "
            "a valid one; quote it to keep it as text",
        ),
    ],
    ids=["self-alias", "alias-bomb", "alias", "deep-block", "deep-flow", "bad-date", "huge-int"],
)
def test_hostile_yaml_is_a_problem_with_a_line_in_bounded_time_and_memory(
    content: Path, text: str, line: int, message: str
) -> None:
    import time
    import tracemalloc

    (content / "hostile.yaml").write_text(text)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = problems_in(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"{content / 'hostile.yaml'}:{line}: file: {message}" in found
    assert time.perf_counter() - started < 2.0
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_oversized_file_is_refused_without_reading_it_all(content: Path) -> None:
    path = content / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NULs at no cost on disk
    [problem] = problems_in(content)
    assert problem == (
        f"{path}:1: file: file is 50.0 MB; a content file may be at most 1 MB "
        "(split it into several files)"
    )


def test_check_command_line_reports_a_self_referencing_alias(content: Path) -> None:
    (content / "alias.yaml").write_text("x: &a [*a]\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(content)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        f"{content / 'alias.yaml'}:1: file: '&a': anchors and aliases are not allowed in content; "
        "write each value out in full"
    ]


def test_console_starts_and_reports_a_hostile_file(content: Path, tmp_path: Path) -> None:
    (content / "alias.yaml").write_text("x: &a [*a]\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"content_dir: {content}\ndatabase:\n  path: {tmp_path / 'db.sqlite3'}\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "console"],
        input="/approach confrontation\n/quit\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert run.returncode == 0
    assert "Traceback" not in run.stdout + run.stderr
    assert (
        f"{content / 'alias.yaml'}:1: file: '&a': anchors and aliases are not allowed" in run.stdout
    )
    assert "The card library is not available" in run.stdout


def test_a_card_with_a_missing_field_still_has_its_links_checked(content: Path) -> None:
    myths = content / "myths.yaml"
    rewrite(myths, "    claim: These men never change.\n", "")
    rewrite(myths, "related: [confrontation]", "related: [confrontation, confrontaton]")
    rewrite(myths, "at: S8-S9", "at: S80")
    rewrite(
        content / "experts.yaml", "related: [confrontation]", "related: [confrontation, no-change]"
    )
    assert problems_in(content) == [
        f"{content / 'experts.yaml'}:19: related[1]: links to myth 'no-change' ({myths}:2), "
        "which does not link back (add 'james-cantor' to its related)",
        f"{myths}:2: claim: required key is missing",
        f"{myths}:12: sources[0].at: 'S80' is outside 'article-2017', which has 44 sentences "
        "(ranges run low to high)",
        f"{myths}:13: related[1]: no card has id 'confrontaton'; did you mean 'confrontation'?",
    ]


def test_a_rename_reports_each_stale_link_once_with_the_new_id(content: Path) -> None:
    rewrite(
        content / "approaches.yaml",
        "  - id: confrontation\n",
        "  - id: being-outed\n    replaces: [confrontation]\n",
    )
    fix = "'confrontation' points at a renamed card; use 'being-outed'"
    found = problems_in(content)
    assert found == [
        f"{content / 'experts.yaml'}:19: related[0]: {fix}",
        f"{content / 'myths.yaml'}:14: related[0]: {fix}",
        f"{content / 'prompts.yaml'}:7: draws_on[0]: {fix}",
    ], found
