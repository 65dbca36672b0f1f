"""A slow Discord (``fake.slow_down``): requests served one at a time, each answered late;
an answer held back on purpose; a request whose client hung up before its turn never
carried out. Raw HTTP clients, so a client can hang up mid-request."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.fakediscord import FakeDiscord, SlowRule
from tests.fakediscord import fixtures as fd_fixtures

fake_discord = fd_fixtures.fake_discord

ROUTE = "/channels/{channel_id}/messages"


async def post(fake: FakeDiscord, session: aiohttp.ClientSession, content: str) -> int:
    """POST a message to #general as the bot; the answer's status."""
    url = f"{fake.api_base}/channels/{fake.channel('general').id}/messages"
    headers = {"Authorization": f"Bot {fake.token}"}
    async with session.post(url, json={"content": content}, headers=headers) as answer:
        await answer.read()
        return answer.status


async def post_held(
    fake: FakeDiscord, session: aiohttp.ClientSession
) -> tuple[SlowRule, asyncio.Task[int]]:
    """Slow the route down and hold its next answer; post "held" and wait until it is held.
    The rule, and the post still waiting for its answer."""
    rule = fake.slow_down("POST", ROUTE, seconds=0.01)
    rule.hold()
    first = asyncio.create_task(post(fake, session, "held"))
    await fake.wait_until(lambda: rule.held is not None, what="a held answer")
    return rule, first


def contents(fake: FakeDiscord) -> list[str]:
    return [message.content for message in fake.messages[fake.channel("general")]]


async def test_requests_are_served_one_at_a_time_and_answered_late(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    rule = fake.slow_down("POST", ROUTE, seconds=0.2)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        started = loop.time()
        statuses = await asyncio.gather(*(post(fake, session, f"m{n}") for n in range(3)))
        took = loop.time() - started
    assert statuses == [200, 200, 200]
    assert sorted(contents(fake)) == ["m0", "m1", "m2"]
    assert took >= 0.6, "three answers, 0.2 s each, one after another"
    assert [r.status for r in rule.served] == [200, 200, 200] and rule.abandoned == []
    fake.clear_failures()
    async with aiohttp.ClientSession() as session:
        assert await post(fake, session, "fast") == 200
    assert len(rule.served) == 3, "cleared: no longer slowed"


async def test_a_held_answer_leaves_the_message_posted_but_unanswered(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    async with aiohttp.ClientSession() as session:
        rule, first = await post_held(fake, session)
        assert contents(fake) == ["held"], "carried out before it is answered"
        second = asyncio.create_task(post(fake, session, "queued"))
        await fake.wait_until(lambda: len(fake.requests_to("POST", ROUTE)) == 2)
        assert not first.done() and contents(fake) == ["held"], "the next one waits its turn"
        rule.release()
        assert await first == 200 and await second == 200
    assert contents(fake) == ["held", "queued"] and rule.held is rule.served[0]


async def test_a_request_whose_client_hung_up_before_its_turn_is_never_carried_out(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    async with aiohttp.ClientSession() as session:
        rule, first = await post_held(fake, session)
        async with aiohttp.ClientSession() as doomed:
            gone = asyncio.create_task(post(fake, doomed, "gone"))
            await fake.wait_until(lambda: len(fake.requests_to("POST", ROUTE)) == 2)
            gone.cancel()  # the client hangs up while its request waits its turn
            await asyncio.gather(gone, return_exceptions=True)
        rule.release()
        assert await first == 200
        await fake.wait_until(lambda: bool(rule.abandoned), what="the abandoned request")
        assert await post(fake, session, "after") == 200
    [abandoned] = rule.abandoned
    assert abandoned.abandoned and abandoned.status == 499 and abandoned.json["content"] == "gone"
    assert contents(fake) == ["held", "after"], "the abandoned one was never posted"
