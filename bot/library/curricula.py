"""Several curricula in one content folder: which files belong to which curriculum.

The layout a newcomer can read from the folder alone: the YAML directly in ``content/``
(and in its section folders) is the default curriculum, id ``default``, exactly as when
there was only one; every immediate subfolder holding an ``about.yaml`` is a curriculum
of its own, named by the folder (``content/grief/about.yaml`` makes ``grief``). A
deployment with only folders names one of them ``default``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.library.loader import LoadResult, Problem, content_files, load_library
from bot.library.models import SLUG_PATTERN

DEFAULT_CURRICULUM = "default"
MARKERS = ("about.yaml", "about.yml")  # a subfolder holding one is a curriculum
_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class CurriculumFiles:
    """One curriculum's id, its folder, and the YAML files that make it up."""

    id: str
    root: Path
    files: tuple[Path, ...]


@dataclass
class CurriculaLoad:
    """Every curriculum's load result (default first), and problems with the layout itself."""

    results: dict[str, LoadResult]
    layout_problems: list[Problem]

    @property
    def problems(self) -> list[Problem]:
        """Every problem in every curriculum, each naming its file, so its curriculum."""
        found = [*self.layout_problems]
        for result in self.results.values():
            found.extend(result.problems)
        return sorted(found)


def find_curricula(content_dir: Path) -> tuple[list[CurriculumFiles], list[Problem]]:
    """Split the YAML under ``content_dir`` into curricula (default first).

    Raises ``ContentUnreadable`` only for the folder itself, as ``content_files`` does.
    """
    files = content_files(content_dir)
    roots = sorted({path.parent for path in files if _is_curriculum(path.parent, content_dir)})
    problems: list[Problem] = []
    found: list[CurriculumFiles] = []
    top = tuple(path for path in files if not any(path.is_relative_to(r) for r in roots))
    if top:
        found.append(CurriculumFiles(DEFAULT_CURRICULUM, content_dir, top))
    for root in roots:
        own = tuple(path for path in files if path.is_relative_to(root))
        if not _SLUG.fullmatch(root.name) or len(root.name) > 64:
            message = (
                f"'{root.name}' is not a valid curriculum id; name the folder with "
                "lower-case letters, digits and single hyphens, like 'first-aid'"
            )
            problems.append(Problem(str(root), 0, "curriculum", message))
        elif root.name == DEFAULT_CURRICULUM and top:
            message = (
                f"two default curricula: the files directly in {content_dir} and this "
                "folder; move one of them into a folder of its own"
            )
            problems.append(Problem(str(root), 0, "curriculum", message))
        else:
            found.append(CurriculumFiles(root.name, root, own))
    found.sort(key=lambda c: (c.id != DEFAULT_CURRICULUM, c.id))
    if not any(c.id == DEFAULT_CURRICULUM for c in found) and not problems:
        message = (
            "no default curriculum: put its files directly in this folder, or in a "
            f"folder named '{DEFAULT_CURRICULUM}' with its own about.yaml"
        )
        problems.append(Problem(str(content_dir), 0, "curriculum", message))
    return found, problems


def load_curricula(content_dir: Path) -> CurriculaLoad:
    """Read and check every curriculum; each is checked alone (ids are per curriculum)."""
    curricula, problems = find_curricula(content_dir)
    results = {c.id: load_library(c.root, c.files) for c in curricula}
    return CurriculaLoad(results, problems)


def _is_curriculum(folder: Path, content_dir: Path) -> bool:
    """An immediate subfolder with an about.yaml (a deeper one is part of its curriculum)."""
    return folder.parent == content_dir and any((folder / name).is_file() for name in MARKERS)
