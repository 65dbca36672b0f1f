"""Keeping this process under its share of Discord's global rate limit.

Discord allows a bot token a number of REST requests a second (50 unless Discord raised
it) across every process using the token; interaction callbacks and followups are exempt.
discord.py only reacts to the 429 that follows a breach: every request then in flight is
refused too, each retries after the same pause, and a request refused five times fails
(a daily prompt would then wait ten minutes). So each process spaces its own requests
evenly at its share of the limit, a little under it so that processes pacing
independently never add up past it: with complementary shards the servers, and so the
requests, split in proportion to the shards each runs.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import discord
import yarl

from bot.sharding import ShardPlan

HEADROOM = 0.97
"""The share of its budget a process uses: jitter between processes stays under the limit."""
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")
"""Interaction callbacks and followups (webhooks under the interaction's token)."""


def share_of(requests_per_second: float, shards: ShardPlan | None) -> float:
    """This process's requests a second: the token's limit times its part of the shards."""
    part = 1.0 if shards is None else len(shards.ids) / shards.count
    return requests_per_second * part * HEADROOM


class Pace:
    """Evenly spaced start times, one every ``1 / per_second`` seconds, first come first."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        """Return at this request's slot (at once when the last slot is long past)."""
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


def counts_globally(url: yarl.URL) -> bool:
    """Whether a request is bound by the global limit: REST, but not interactions'."""
    base = discord.http.Route.BASE  # where discord.py sends REST calls (read per request)
    text = str(url)
    if not text.startswith(base):
        return False  # the gateway, the CDN
    return not text[len(base) :].startswith(EXEMPT_PREFIXES)


def paced_trace(pace: Pace) -> aiohttp.TraceConfig:
    """A hook aiohttp awaits just before it sends each request, discord.py's retries
    included, so no request the global limit counts leaves before its slot; given to
    the client as ``http_trace``."""

    async def before_sending(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if counts_globally(params.url):
            await pace.wait()

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(before_sending)
    return trace
