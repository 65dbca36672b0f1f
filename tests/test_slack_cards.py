"""Cards on Slack, end to end: slash commands through Bolt, Block Kit checked by the fake."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

from tests.fakeslack import ALICE, BOB, COHORT, FakeSlack
from tests.slack_e2e import fake_slack, slack_bot

__all__ = ["fake_slack"]


async def test_a_card_is_posted_for_the_channel_with_buttons_to_related_cards(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        answer = await fake_slack.slash("/approach", "confrontation")
        assert answer.status == 200
        card = await fake_slack.next_message(before)
        assert card.ephemeral_to is None and card.channel == COHORT
        assert card.blocks[1]["type"] == "header"
        related = [a for a in card.action_ids() if a.startswith("card:")]
        assert related
        await fake_slack.click(card, related[0], user=BOB)
        shown = await fake_slack.next_message(before + 1)
        assert shown.ephemeral_to == BOB
    fake_slack.assert_clean()


async def test_bad_signature_and_stale_timestamp_are_refused(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    form = urllib.parse.urlencode({"command": "/about", "text": "", "user_id": ALICE}).encode()
    kind = "application/x-www-form-urlencoded"
    async with slack_bot(fake_slack, tmp_path):
        wrong = await fake_slack.send_raw(form, kind, secret="not-the-secret")
        stale = await fake_slack.send_raw(form, kind, timestamp=int(time.time()) - 600)
    assert (wrong.status, stale.status) == (401, 401)
    assert not fake_slack.world.messages
    assert json.loads(wrong.body) == {"error": "invalid request"}
