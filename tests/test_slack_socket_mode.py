"""Socket Mode, end to end: the face connects with the app token through Bolt's own
handler, and commands and interactions arrive as envelopes over the fake's websocket."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackTokens
from bot.services.container import Services
from bot.slack_face.app import SlackFace
from bot.slack_face.runner import SlackRunner
from tests.fakes import FakeClock
from tests.fakeslack import ALICE, BOB, BOT_TOKEN, COHORT, FakeSlack, Message
from tests.fakeslack.socket_mode import APP_TOKEN
from tests.slack_e2e import fake_slack, slack_settings

__all__ = ["fake_slack"]


async def test_commands_buttons_and_modals_work_over_socket_mode(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    services = await Services.open(slack_settings(fake_slack, tmp_path), FakeClock())
    tokens = SlackTokens(BOT_TOKEN, app=APP_TOKEN)
    runner = SlackRunner(SlackFace(services, tokens), tokens, daily_loop=False)
    fake_slack.use_socket_mode = True
    try:
        await runner.start()
        before = len(fake_slack.world.messages)
        assert (await fake_slack.slash("/myth", "addiction-treatment-works")).status == 200
        myth = await fake_slack.next_message(before)
        assert myth.channel == COHORT and myth.ephemeral_to is None
        await fake_slack.click(myth, "reveal", user=BOB)
        revealed = await fake_slack.next_message(before + 1)
        assert revealed.ephemeral_to == BOB and "What the article says" in revealed.texts()

        await fake_slack.slash("/reflect", "confrontation")
        opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
        answer = await fake_slack.submit(opened, {"text": "Over the socket."})
        assert (answer.status, answer.body) == (200, "")
        note = await fake_slack.next_message(before + 2)
        assert note.ephemeral_to == ALICE and note.text.startswith("Reflection #1 is saved.")

        options = await fake_slack.options(
            await _menu(fake_slack, before + 3), "pick:approach", "confront"
        )
        assert options.json()["options"][0]["value"] == "confrontation"
    finally:
        await runner.stop()
        await services.close()
    assert not fake_slack.socket_mode.unknown_acks
    fake_slack.assert_clean()


async def _menu(fake: FakeSlack, index: int) -> Message:
    await fake.slash("/approach")
    return await fake.next_message(index)


async def test_only_the_app_token_opens_a_connection(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_base_url)
    try:
        await client.apps_connections_open(app_token=BOT_TOKEN)
        raise AssertionError("a bot token opened a Socket Mode connection")
    except SlackApiError as error:
        assert error.response["error"] == "not_allowed_token_type"
    finally:
        if client.session is not None:
            await client.session.close()
