"""Several curricula in content/: both layouts, the checker, reload, and lookups by id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import check
from bot.library.curricula import DEFAULT_CURRICULUM, find_curricula
from bot.library.loader import load_library
from bot.library.models import Kind
from bot.services.answers import CardView
from bot.services.cards import CardService
from bot.services.content import ContentState, Curriculum, check_content
from bot.user_error import UserError

DATA = Path(__file__).parent / "data"
MINIMAL, SECOND = DATA / "minimal", DATA / "second"
CONTENT = Path(__file__).resolve().parents[1] / "content"


def top_layout(tmp_path: Path) -> Path:
    """Today's files directly in content/ (the default), a second curriculum in a folder."""
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    shutil.copytree(SECOND, content / "second")
    return content


def folder_layout(tmp_path: Path) -> Path:
    """Every curriculum in its own folder, the default one named default."""
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content / "default")
    shutil.copytree(SECOND, content / "second")
    return content


@pytest.fixture(params=[top_layout, folder_layout], ids=["top", "folders"])
def content(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    layout = request.param
    folder: Path = layout(tmp_path)
    return folder


def loaded(folder: Path) -> ContentState:
    state = ContentState(folder)
    assert state.reload().applied
    return state


def test_both_layouts_serve_both_curricula(content: Path) -> None:
    state = loaded(content)
    assert state.curricula() == (
        Curriculum("default", "Test unit"),
        Curriculum("second", "Second test unit"),
    )
    assert state.library is state.library_for(DEFAULT_CURRICULUM)
    # ids are unique within a curriculum: both have a card called confrontation
    assert state.library.cards["confrontation"].title == "Confrontation"
    assert state.library_for("second").cards["confrontation"].title == "Confronting the conduct"
    assert state.library_for("second").get("james-cantor") is None


def test_an_unknown_curriculum_is_refused_with_the_ones_there_are(content: Path) -> None:
    state = loaded(content)
    with pytest.raises(UserError) as refused:
        state.library_for("grief")
    assert str(refused.value).startswith(
        "There is no curriculum 'grief'. The curricula are: default (Test unit), "
        "second (Second test unit)."
    )


def test_todays_content_folder_is_the_default_curriculum_unchanged() -> None:
    state = loaded(CONTENT)
    [only] = state.curricula()
    assert only.id == DEFAULT_CURRICULUM
    alone = load_library(CONTENT).library
    assert alone is not None
    assert state.library.cards == alone.cards
    assert [p.id for p in state.library.prompts] == [p.id for p in alone.prompts]


def test_section_folders_stay_part_of_their_curriculum(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    (content / "myths").mkdir()
    (content / "myths.yaml").rename(content / "myths" / "all.yaml")
    [default], problems = find_curricula(content)
    assert problems == []
    assert default.id == DEFAULT_CURRICULUM
    assert content / "myths" / "all.yaml" in default.files


def test_card_services_answer_from_the_curriculum_named(content: Path) -> None:
    cards = CardService(loaded(content))
    default = cards.lookup(Kind.APPROACH, "confrontation")
    second = cards.lookup(Kind.APPROACH, "confrontation", curriculum="second")
    assert isinstance(default, CardView) and isinstance(second, CardView)
    assert (default.title, second.title) == ("Confrontation", "Confronting the conduct")
    assert [link.card_id for link in second.links] == ["silence-helps"]
    assert [o.card_id for o in cards.browse(Kind.MYTH, "second")] == ["silence-helps"]
    assert [o.card_id for o in cards.autocomplete(Kind.MYTH, "sil", "second")] == ["silence-helps"]
    assert cards.autocomplete(Kind.MYTH, "sil") == []
    assert [o.card_id for o in cards.search("calms", curriculum="second")] == ["silence-helps"]
    assert "silence-helps" not in [o.card_id for o in cards.search("calms")]
    view = cards.view("silence-helps", curriculum="second")
    assert view is not None and view.title == "Silence helps"
    assert cards.view("silence-helps") is None
    with pytest.raises(UserError):
        cards.lookup(None, "confrontation", curriculum="grief")


def test_the_checker_names_the_curriculum_in_every_problem(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cards = content / "second" / "cards.yaml"
    cards.write_text(cards.read_text().replace("at: P3", "at: P99"))
    minimal_myths = next(content.rglob("myths.yaml"))
    minimal_myths.write_text(minimal_myths.read_text().replace("at: S8-S9", "at: S99"))
    assert check(content) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith(f"{minimal_myths}:13: sources[0].at: 'S99' is outside")
    assert out[1].startswith(f"{cards}:12: sources[0].at: 'P99' is outside 'guide-2020'")


def test_the_checker_reports_each_curriculum_when_clean(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(content) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{content}: OK (2 curricula)",
        "  default: 2 approaches, 1 expert, 1 myth, 2 prompts, 1 source",
        "  second: 1 approach, 0 experts, 1 myth, 1 prompt, 1 source",
    ]


def test_a_source_text_may_name_any_curriculums_source(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guide = tmp_path / "guide.txt"
    guide.write_text("Nothing quoted here.")
    assert check(content, source_texts=[f"guide-2020={guide}"]) == 0
    assert "(2 curricula; 0 quotations verbatim)" in capsys.readouterr().out


def test_layout_problems_are_named(tmp_path: Path) -> None:
    content = folder_layout(tmp_path)
    (content / "default").rename(content / "first")
    assert [str(p) for p in check_content(content).problems] == [
        f"{content}: curriculum: no default curriculum: put its files directly in this "
        "folder, or in a folder named 'default' with its own about.yaml"
    ]
    shutil.copytree(MINIMAL, content / "Bad Name")
    shutil.copytree(MINIMAL, content / "default")
    shutil.copy(MINIMAL / "about.yaml", content / "top.yaml")
    problems = [str(p) for p in check_content(content).problems]
    assert problems == [
        f"{content / 'Bad Name'}: curriculum: 'Bad Name' is not a valid curriculum id; "
        "name the folder with lower-case letters, digits and single hyphens, like 'first-aid'",
        f"{content / 'default'}: curriculum: two default curricula: the files directly in "
        f"{content} and this folder; move one of them into a folder of its own",
    ]


def test_a_reload_swaps_every_curriculum_or_none(content: Path) -> None:
    state = loaded(content)
    before = (state.library, state.library_for("second"))
    cards = content / "second" / "cards.yaml"
    clean = cards.read_text()
    cards.write_text(clean.replace("title: Silence helps", "title: Quiet helps"))
    myths = next(content.rglob("myths.yaml"))
    myths.write_text(myths.read_text().replace("related: [confrontation]", "related: [nowhere]"))
    report = state.reload()
    assert not report.applied and report.kept_old
    assert [p.path for p in report.problems] == [str(myths.parent / "approaches.yaml"), str(myths)]
    assert (state.library, state.library_for("second")) == before  # neither was swapped
    assert state.library_for("second").cards["silence-helps"].title == "Silence helps"

    myths.write_text(myths.read_text().replace("related: [nowhere]", "related: [confrontation]"))
    report = state.reload()
    assert report.lines() == [
        "Content reloaded: 2 curricula.",
        "default: 2 approaches, 1 expert, 1 myth, 2 prompts; No cards changed.",
        "second: 1 approach, 0 experts, 1 myth, 1 prompt; changed: silence-helps",
    ]
    assert state.library_for("second").cards["silence-helps"].title == "Quiet helps"


def test_a_reload_reports_curricula_added_and_dropped(content: Path) -> None:
    state = loaded(content)
    shutil.copytree(SECOND, content / "third")
    shutil.rmtree(content / "second")
    report = state.reload()
    assert report.lines() == [
        "Content reloaded: 2 curricula.",
        "default: 2 approaches, 1 expert, 1 myth, 2 prompts; No cards changed.",
        "third (new): 3 cards: 1 approach, 0 experts, 1 myth, 1 prompt.",
        "Curricula no longer served: second.",
    ]
    assert [c.id for c in state.curricula()] == ["default", "third"]
    with pytest.raises(UserError):
        state.library_for("second")


def test_the_first_load_counts_each_curriculum(content: Path) -> None:
    report = ContentState(content).reload()
    assert report.lines() == [
        "Content loaded: 2 curricula.",
        "default: 6 cards: 2 approaches, 1 expert, 1 myth, 2 prompts.",
        "second: 3 cards: 1 approach, 0 experts, 1 myth, 1 prompt.",
    ]
