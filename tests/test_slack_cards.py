"""Cards on Slack, end to end: slash commands through Bolt, Block Kit checked by the fake."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

from bot.services.cards import CardService
from bot.services.content import ContentState
from bot.slack_face.blocks import card_blocks, mrkdwn, sections
from tests.fakeslack import ALICE, BOB, COHORT, FakeSlack
from tests.fakeslack.limits import check_message, check_options
from tests.slack_e2e import ROOT, fake_slack, slack_bot

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


async def test_a_myth_hides_its_answer_until_the_reveal_shown_only_to_the_clicker(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/myth", "addiction-treatment-works")
        myth = await fake_slack.next_message(before)
        assert "What the article says" not in myth.texts()
        await fake_slack.click(myth, "reveal", user=BOB)
        revealed = await fake_slack.next_message(before + 1)
        assert revealed.ephemeral_to == BOB
        assert "What the article says" in revealed.texts()
        assert "reveal" not in revealed.action_ids()
    fake_slack.assert_clean()


async def test_private_cards_search_and_suggestions_answer_only_the_member(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/expert", "vaile-wright private")
        private = await fake_slack.next_message(before)
        assert private.ephemeral_to == ALICE
        await fake_slack.slash("/search", "treatment")
        found = await fake_slack.next_message(before + 1)
        assert found.ephemeral_to == ALICE and "open:search" in found.action_ids()
        first = found.element("open:search")["options"][0]["value"]
        await fake_slack.select(found, "open:search", first)
        opened = await fake_slack.next_message(before + 2)
        assert opened.ephemeral_to == ALICE and opened.blocks[1]["type"] == "header"
        await fake_slack.slash("/approach", "confrontatoin")
        suggested = await fake_slack.next_message(before + 3)
        assert "Did you mean" in suggested.texts()
        await fake_slack.select(suggested, "open:approach", "confrontation")
        picked = await fake_slack.next_message(before + 4)
        assert picked.blocks[1]["text"]["text"].startswith("Confrontation")
    fake_slack.assert_clean()


async def test_browsing_loads_options_as_the_member_types(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/approach")
        menu = await fake_slack.next_message(before)
        answer = await fake_slack.options(menu, "pick:approach", "confront")
        options = answer.json()["options"]
        assert check_options(options) == []
        assert options[0]["value"] == "confrontation"
        everything = (await fake_slack.options(menu, "pick:approach", "")).json()["options"]
        assert len(everything) > 1
        await fake_slack.select(menu, "pick:approach", "confrontation")
        card = await fake_slack.next_message(before + 1)
        assert card.ephemeral_to == ALICE
    fake_slack.assert_clean()


async def test_about_and_help(fake_slack: FakeSlack, tmp_path: Path) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/about")
        about = await fake_slack.next_message(before)
        assert "Content note" in about.texts() and "Support" in about.texts()
        await fake_slack.slash("/help")
        help_ = await fake_slack.next_message(before + 1)
        assert "/reflections" in help_.texts() and "/schedule set #channel" in help_.texts()
        assert about.ephemeral_to == help_.ephemeral_to == ALICE
    fake_slack.assert_clean()


def test_every_card_fits_block_kit_and_long_text_is_split() -> None:
    state = ContentState(ROOT / "content")
    state.reload()
    cards = CardService(state)
    for card_id in state.library.cards:
        for reveal in (False, True):
            view = cards.view(card_id, reveal=reveal)
            assert view is not None
            assert check_message(card_blocks(view), view.title) == [], card_id
    long = sections(("word " * 100 + "\n") * 14)  # 7,014 characters
    assert len(long) == 3 and all(len(b["text"]["text"]) <= 3000 for b in long)
    assert mrkdwn("**bold** *it* <@U1> & <!here>") == "*bold* _it_ &lt;@U1&gt; &amp; &lt;!here&gt;"


async def test_typed_text_arrives_escaped_and_is_read_as_typed(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    async with slack_bot(fake_slack, tmp_path):
        before = len(fake_slack.world.messages)
        await fake_slack.slash("/search", "R&D <b>")
        found = await fake_slack.next_message(before)
        assert "“R&amp;D &lt;b&gt;”" in found.texts()  # shown once escaped, as Slack needs
        assert "&amp;amp;" not in found.texts()
    fake_slack.assert_clean()
