"""Discord's global rate limit: so many requests per second per bot token, across processes.

Discord lets a bot token make 50 requests a second to its REST API, whichever route and
whichever process sends them; interaction endpoints (callbacks and the followup webhooks
under an interaction's token) are not bound by it. A request over the limit gets 429 with
``X-RateLimit-Global: true``, ``X-RateLimit-Scope: global``, ``Retry-After`` (whole
seconds) and ``{"message": "You are being rate limited.", "retry_after": s, "global": true}``
(docs: topics/rate-limits, "Global Rate Limit" and "Exceeding A Rate Limit").

The fake counts the requests it admitted in a sliding window (the strictest reading of
"50 a second": no window boundary lets a double burst through); refused requests are not
counted. Rate and window are settable so a benchmark can run at a rate that keeps it short.
"""

from __future__ import annotations

import math
from collections import deque

from .common import JsonDict
from .rest import DiscordError

DISCORD_GLOBAL_RATE = 50
"""Requests a second Discord allows a bot token (more only by arrangement with Discord)."""
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")
"""Interaction callbacks and followups: not bound by the global limit."""


class GlobalRateLimited(DiscordError):
    """Discord's answer past the global limit; its body is the rate-limit object."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            429,
            0,
            "You are being rate limited.",
            headers={
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Via": "1.1 google",  # discord.py reads a 429 without it as a Cloudflare ban
            },
        )

    def body(self) -> JsonDict:
        return {"message": self.message, "retry_after": self.retry_after, "global": True}


class GlobalRateLimit:
    """At most ``requests`` admitted in any ``window`` seconds (one bot token)."""

    def __init__(self, requests: int = DISCORD_GLOBAL_RATE, window: float = 1.0) -> None:
        if requests < 1 or window <= 0:
            raise ValueError("a global rate limit needs at least 1 request per positive window")
        self.requests = requests
        self.window = window
        self.refused = 0
        """How many requests it has answered with 429."""
        self._admitted: deque[float] = deque()

    @property
    def per_second(self) -> float:
        """The sustained rate it allows."""
        return self.requests / self.window

    @staticmethod
    def applies_to(path: str) -> bool:
        """Whether a request to ``path`` (below the API base) counts: not interactions'."""
        return not path.startswith(EXEMPT_PREFIXES)

    def admit(self, now: float) -> None:
        """Count a request at ``now`` (seconds), or raise Discord's global 429."""
        admitted = self._admitted
        while admitted and admitted[0] <= now - self.window:
            admitted.popleft()
        if len(admitted) < self.requests:
            admitted.append(now)
            return
        self.refused += 1
        retry_after = round(max(admitted[0] + self.window - now, 0.001), 3)
        raise GlobalRateLimited(retry_after)
