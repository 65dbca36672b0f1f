"""The fake's global rate limit answers as Discord does, and discord.py waits it out.

Past ``global_rate`` requests in any ``global_window`` seconds a bot token gets 429 with
``X-RateLimit-Global``, ``X-RateLimit-Scope: global``, ``Retry-After`` and the rate-limit
body; interaction endpoints are exempt; discord.py pauses every request and retries.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import running_bot
from tests.fakediscord.ratelimit import GlobalRateLimit, GlobalRateLimited


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` falling in one window of that length."""
    ordered = sorted(times)
    start = 0
    most = 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_a_burst_over_the_rate_gets_discords_global_429() -> None:
    async with FakeDiscord(openapi_path=False, global_rate=5, global_window=1.0) as fake:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            answers = []
            for _ in range(7):
                async with session.get(fake.api_base + "/users/@me") as response:
                    answers.append((response.status, dict(response.headers), await response.json()))
            # an interaction callback is not bound by the global limit (here: unknown, 404)
            callback = f"{fake.api_base}/interactions/1/token/callback"
            async with session.post(callback, json={"type": 1}) as response:
                assert response.status != 429
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 2
    _, refused_headers, body = answers[5]
    assert refused_headers["X-RateLimit-Global"] == "true"
    assert refused_headers["X-RateLimit-Scope"] == "global"
    assert refused_headers["Retry-After"] == "1"
    assert refused_headers["Content-Type"] == "application/json"
    assert body["message"] == "You are being rate limited."
    assert body["global"] is True
    assert 0 < body["retry_after"] <= 1.0
    assert fake.global_limit is not None and fake.global_limit.refused == 2


def test_the_window_slides_and_refusals_are_not_counted() -> None:
    limit = GlobalRateLimit(2, 1.0)
    limit.admit(0.0)
    limit.admit(0.5)
    with pytest.raises(GlobalRateLimited) as refused:
        limit.admit(0.9)
    assert refused.value.retry_after == pytest.approx(0.1)
    limit.admit(1.0)  # the request at 0.0 has left the window
    with pytest.raises(GlobalRateLimited):
        limit.admit(1.2)
    limit.admit(1.5)
    assert limit.refused == 2


async def test_discord_py_backs_off_and_every_send_succeeds() -> None:
    rate, window = 4, 0.5
    async with FakeDiscord(openapi_path=False, global_rate=rate, global_window=window) as fake:
        client = discord.Client(intents=discord.Intents(guilds=True))
        async with running_bot(client, fake):
            channel = client.get_channel(int(fake.channel("general").id))
            assert isinstance(channel, discord.TextChannel)
            sent = await asyncio.gather(*(channel.send(f"message {n}") for n in range(12)))
        assert len(sent) == 12
        assert len(fake.messages[fake.channel("general")]) == 12
        posts = fake.requests_to("POST", "/channels/{channel_id}/messages")
        assert any(r.status == 429 for r in posts), "the burst should have met the limit"
        assert all(r.response.get("global") for r in posts if r.status == 429)
        admitted = [r.at for r in fake.requests if r.status != 429]
        assert most_in_any_window(admitted, window) <= rate
