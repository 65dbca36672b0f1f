"""The seam between services and faces, checked on the source itself.

Services speak plain data: nothing below the faces imports a chat library or writes a
face's markup; no module imports back into one that imports it; no module grows past
what a newcomer can read in one sitting. And the rules the faces share live in services.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services.container import Services
from bot.services.permissions import Actor
from bot.user_error import UserError
from tests.e2e import CONTENT
from tests.fakes import FakeClock

BOT = Path(__file__).resolve().parents[1] / "bot"
FACES = ("discord_face", "console", "slack_face")
CHAT_LIBRARIES = ("discord", "slack_bolt", "slack_sdk")
MAX_LINES = 600
MARKUP = re.compile(r"<#\d|<#\{|<t:|<@|<#C|<!date")  # Discord's and Slack's


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Every module a file imports when it runs, function-level imports included.

    Imports under ``if TYPE_CHECKING:`` only serve the type checker, so they are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def in_face(name: str) -> bool:
    return name.split(".")[1] in FACES if name.count(".") else False


def test_nothing_below_the_faces_imports_discord_or_writes_its_markup() -> None:
    offenders = []
    for name, path in modules().items():
        if in_face(name) or name == "bot.cli":
            continue
        for chat in CHAT_LIBRARIES:
            if any(i == chat or i.startswith(f"{chat}.") for i in imports_of(path)):
                offenders.append(f"{name} imports {chat}")
        if MARKUP.search(path.read_text(encoding="utf-8")):
            offenders.append(f"{name} writes a chat's markup")
    assert offenders == []


def test_no_module_imports_back_into_one_that_imports_it() -> None:
    # A module importing its own package (for a sibling) is how packages work, not a cycle.
    graph = {
        name: {
            i
            for i in imports_of(path)
            if i in modules() and not (name == i or name.startswith(i + "."))
        }
        for name, path in modules().items()
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(
        f"{name} -> {other}"
        for name, targets in graph.items()
        for other in targets
        if reaches(other, name, {other})
    )
    assert cycles == []


def test_no_module_is_too_long_to_read_in_one_sitting() -> None:
    long = {
        name: lines
        for name, path in modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


async def test_content_reload_is_decided_in_services_for_every_face(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"content_dir": CONTENT, "database": {"path": tmp_path / "cohort.sqlite3"}}
    )
    services = await Services.open(settings, FakeClock())
    try:
        member = Actor(user_id=7, guild_id=1)
        with pytest.raises(UserError, match="Only the bot's owner can reload content"):
            await services.reload_content(member)
        owner = Actor(user_id=7, guild_id=1, is_bot_owner=True)
        assert (await services.reload_content(owner)).applied
        services.settings = services.settings.model_copy(
            update={
                "content": services.settings.content.model_copy(
                    update={"reload_by": "facilitators"}
                )
            }
        )
        manager = Actor(user_id=8, guild_id=1, manages_server=True)
        assert (await services.reload_content(manager)).applied
        with pytest.raises(UserError, match="owner or facilitators"):
            await services.reload_content(member)
    finally:
        await services.close()
