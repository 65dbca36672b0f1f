"""The fake Slack refuses what Slack refuses, through the real slack_sdk client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack import BOT_TOKEN, COHORT, FakeSlack
from tests.fakeslack.limits import check_message, check_view
from tests.slack_e2e import fake_slack

__all__ = ["fake_slack"]


@pytest.fixture
async def client(fake_slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_base_url)
    yield web
    if web.session:
        await web.session.close()


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        await call
    return str(raised.value.response["error"])


async def test_posts_are_recorded_and_read_back(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    posted = await client.chat_postMessage(channel=COHORT, text="hi", blocks=[section("hi")])
    reply = await client.chat_postMessage(channel=COHORT, text="re", thread_ts=posted["ts"])
    history = await client.conversations_history(channel=COHORT)
    assert [m["ts"] for m in history["messages"]] == [posted["ts"]]
    replies = await client.conversations_replies(channel=COHORT, ts=posted["ts"])
    assert [m["ts"] for m in replies["messages"]] == [posted["ts"], reply["ts"]]
    await client.chat_delete(channel=COHORT, ts=reply["ts"])
    assert len(fake_slack.world.visible(COHORT)) == 1
    fake_slack.assert_clean()


async def test_bad_tokens_scopes_and_channels_are_refused(
    client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=fake_slack.api_base_url)
    assert await error_of(wrong.auth_test()) == "invalid_auth"
    await wrong.session.close() if wrong.session else None
    fake_slack.world.add_channel("C0ELSEWHER", "elsewhere")
    fake_slack.world.channels["C0ELSEWHER"].members.clear()
    assert (
        await error_of(client.chat_postMessage(channel="C0ELSEWHER", text="x")) == "not_in_channel"
    )
    assert (
        await error_of(client.chat_postMessage(channel="C0NOWHERE0", text="x"))
        == "channel_not_found"
    )
    fake_slack.scopes.discard("users:read")
    assert await error_of(client.users_info(user="U0ALICE001")) == "missing_scope"
    assert await error_of(client.views_open(trigger_id="1:U0ALICE001", view={})) == (
        "invalid_trigger_id"
    )
    assert len(fake_slack.rejections) == 5


async def test_block_kit_limits_are_refused(client: AsyncWebClient) -> None:
    too_many = [section("x")] * 51
    assert await error_of(client.chat_postMessage(channel=COHORT, text="x", blocks=too_many)) == (
        "invalid_blocks"
    )
    long = [section("x" * 3001)]
    assert await error_of(client.chat_postMessage(channel=COHORT, text="x", blocks=long)) == (
        "invalid_blocks"
    )


def test_limits_name_what_is_over() -> None:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "a" * 256,
        "value": "v" * 2001,
    }
    problems = check_message([{"type": "actions", "elements": [button]}], "x")
    assert problems == [
        "blocks[0].elements[0].action_id: at most 255 characters",
        "blocks[0].elements[0].text: at most 75 characters, got 76",
        "blocks[0].elements[0].value: at most 2000 characters",
    ]
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t" * 25},
        "blocks": [section("x")] * 101,
    }
    assert check_view(modal) == [
        "view.title: at most 24 characters, got 25",
        "view.blocks: at most 100 blocks, got 101",
    ]
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert check_message([header], "x") == ["blocks[0].text: at most 150 characters, got 151"]
