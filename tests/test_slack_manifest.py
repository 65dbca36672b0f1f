"""The app manifest asks for exactly what the face uses: its commands and scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.fakeslack import FakeSlack
from tests.fakeslack.server import SCOPES
from tests.fakeslack.world import BOT_SCOPES
from tests.slack_e2e import ROOT, fake_slack, slack_bot

__all__ = ["fake_slack"]
CARD_COMMANDS = ("/approach", "/expert", "/myth", "/search", "/about", "/help")
OTHER_COMMANDS = (
    "/reflect",
    "/reflections",
    "/prompt",
    "/schedule",
    "/cohort-reflections",
    "/cohort",
    "/remind",
    "/practice",
)


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())
    return loaded


async def test_manifest_commands_are_the_commands_the_face_answers(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    listed = [command["command"] for command in manifest()["features"]["slash_commands"]]
    async with slack_bot(fake_slack, tmp_path):
        answers = {command: (await fake_slack.slash(command)).status for command in listed}
        unknown = await fake_slack.slash("/not-ours")
    assert answers == dict.fromkeys(listed, 200)
    assert unknown.status == 404  # Bolt answers what no listener takes with 404
    assert sorted(listed) == sorted({*CARD_COMMANDS, *OTHER_COMMANDS})


def test_manifest_scopes_are_those_the_fake_checks() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == BOT_SCOPES
    assert {scope for needed in SCOPES.values() for scope in needed} <= scopes | {"commands"}
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True
