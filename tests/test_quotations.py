"""Quotation marks promise the source's own words: `bot check --source-text` holds cards to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.library.quotations import appears_in, normalise, quoted_spans

MINIMAL = Path(__file__).parent / "data" / "minimal"
CONTENT = Path(__file__).resolve().parents[1] / "content"
ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "source" / "article.txt"

SOURCE = (
    "The evidence is modest at best, experts said. “It’s hard to teach empathy,” he said.\n"
    "“Those are simply inaccurate thoughts, and it is possible to break them down.”\n"
    "Serial harassers do not fit any personality type or types."
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(MINIMAL, target)
    (tmp_path / "source.txt").write_text(SOURCE, encoding="utf-8")
    return target


def set_texts(content: Path, approach_text: str, myth_note: str = "Modest at best.") -> None:
    """Give the minimal cards quotations (YAML-escaped) in a folded text and a note."""
    approaches = content / "approaches.yaml"
    old = "    text: Being exposed can be enough for some.\n"
    assert old in approaches.read_text()
    folded = "    text: >-\n      Seto says empathy is hard:\n      " + approach_text + "\n"
    approaches.write_text(approaches.read_text().replace(old, folded))
    myths = content / "myths.yaml"
    myths.write_text(myths.read_text().replace("note: Modest at best.", f"note: {myth_note}"))


def run_check(
    content: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    source = content.parent / "source.txt"
    code = main(["check", str(content), "--source-text", f"article-2017={source}", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_verbatim_quotations_pass(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_texts(content, "“It's hard to teach empathy,” and such beliefs are 'simply inaccurate'.")
    code, out, err = run_check(content, capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"{content}: OK (")
    assert "2 quotations verbatim" in out


def test_a_misspelt_quotation_is_reported_on_its_line(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_texts(
        content,
        '"It\'s hard to teach empathy," yet "Those are simply innacurate thoughts".',
    )
    code, out, err = run_check(content, capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{content / 'approaches.yaml'}:8: text: quotation "
        "\"Those are simply innacurate thoughts\" is not word for word in 'article-2017' "
        '(nearest there: "Those are simply inaccurate thoughts,"); '
        "quote it exactly or paraphrase without quotation marks"
    ]
    assert err == f"1 problem in {content}\n"


def test_github_format_and_unclosed_quotation_mark(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_texts(content, "Fine.", myth_note='Experts call it "modest at best.')
    code, out, _ = run_check(content, capsys, "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        f"::error file={content / 'myths.yaml'},line=10,title=content::evidence.note: "
        "the quotation mark before 'modest at best.' is never closed"
    ]


def test_source_text_argument_errors_exit_2(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(content), "--source-text", f"no-such={tmp_path}/source.txt"]) == 2
    assert "no source has id 'no-such' (article-2017)" in capsys.readouterr().err
    assert main(["check", str(content), "--source-text", "article-2017"]) == 2
    assert "write it as SOURCE_ID=FILE" in capsys.readouterr().err
    assert main(["check", str(content), "--source-text", f"article-2017={tmp_path}/gone"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_quotation_marks_and_apostrophes_are_told_apart() -> None:
    text = "The offenders' view: don't say 'a little too far' or “it’s fine”; say \"it was\"."
    assert quoted_spans(text) == (["a little too far", "it’s fine", "it was"], [])


def test_an_ellipsis_needs_each_part_in_order() -> None:
    source = normalise(SOURCE)
    assert appears_in(normalise("“Those are … possible to break them down.”"), source)
    assert appears_in(normalise("Those are [...] thoughts ... break them"), source)
    assert not appears_in(normalise("break them down ... Those are"), source)
    assert not appears_in(normalise("Those are ... impossible"), source)


def test_only_whitespace_and_curly_quotes_are_forgiven() -> None:
    source = normalise(SOURCE)
    assert appears_in(normalise("It's hard\n   to teach"), source)
    assert not appears_in(normalise("it's hard to teach"), source)  # case counts
    assert not appears_in(normalise("any personality types"), source)  # words count
    assert not appears_in(normalise("modest at best - experts said"), source)  # punctuation


@pytest.mark.skipif(not ARTICLE.exists(), reason=f"the source article is not at {ARTICLE}")
def test_shipped_content_quotes_the_article_word_for_word(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", str(CONTENT), "--source-text", f"article-2017={ARTICLE}"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    assert "quotations verbatim" in out


def test_quotations_are_checked_in_the_same_run_as_other_problems(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_texts(content, '"It is hard to teach empathy"')
    myths = content / "myths.yaml"
    myths.write_text(myths.read_text().replace("    claim: These men never change.\n", ""))
    code, out, _ = run_check(content, capsys)
    assert code == 1
    assert [line.split(": ", 2)[1] for line in out.splitlines()] == ["text", "claim"]
    assert '"It is hard to teach empathy" is not word for word' in out
    assert "required key is missing" in out
