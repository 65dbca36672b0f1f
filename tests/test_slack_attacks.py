"""Attacks a hostile member could try on Slack, through Bolt and the fake Slack.

The Discord side of each is in test_discord_attacks.py.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.fakeslack import ALICE, COHORT, FakeSlack
from tests.slack_e2e import fake_slack, slack_bot
from tests.test_slack_prompts import answer_to
from tests.test_slack_reflections import reflect

__all__ = ["fake_slack"]

LIVE = re.compile(r"<[!@#]")  # what Slack turns into a mention, a channel link or a ping


async def test_mentions_in_a_shared_reflection_ping_nobody(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Alice's text holds every kind of Slack mention; shared under her name and then
    anonymously, it reaches the channel as plain characters, and only her own byline is
    a mention."""
    noisy = "<!channel> <!here> <!everyone> <!subteam^S0LEADS|@leads> <@U0BOB0001> <#C0OTHER>"
    async with slack_bot(fake_slack, tmp_path):
        await reflect(fake_slack, f"{noisy} read this", "cohort")
        await reflect(fake_slack, f"{noisy} hidden", "anonymous")
        named, hidden = [m for m in fake_slack.world.visible(COHORT) if m.ephemeral_to is None]
        assert LIVE.findall(named.texts().replace(f"<@{ALICE}>", "")) == []
        assert LIVE.findall(hidden.texts()) == []
        assert "&lt;!channel&gt;" in named.texts()
    fake_slack.assert_clean()


async def test_odd_digits_and_huge_numbers_are_refused_not_crashed(
    fake_slack: FakeSlack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """'²' passes str.isdigit but not int(), and 5,000 digits are more than int() reads:
    /schedule next and /reflections with either got 'something went wrong' and an error."""
    async with slack_bot(fake_slack, tmp_path):
        for odd in ("²", "①", "9" * 5000):
            shown = (await answer_to(fake_slack, "/schedule", f"next {odd}")).texts()
            assert "is not a number; choose 1 to 25" in shown or "out of range" in shown, shown
            mine = (await answer_to(fake_slack, "/reflections", f"delete {odd}", ALICE)).texts()
            assert "not a reflection number" in mine or "was not found" in mine, mine
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], "refused, not crashed"
