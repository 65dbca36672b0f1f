"""Making Discord fail: injected errors and rate limits, broken channels, gateway drops."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..common import JsonDict, error_body, sid
from ..gateway import OP_INVALID_SESSION, OP_RECONNECT, GatewaySession
from ..models import FakeMember, FakeUser
from ..recording import FailureRule, SlowRule
from .base import DriverBase


class FailureInjection(DriverBase):
    """Failure rules, channel flags and gateway control."""

    def fail_next(
        self,
        method: str,
        route: str | re.Pattern[str],
        *,
        status: int = 500,
        body: JsonDict | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = 1,
    ) -> FailureRule:
        """Make the next ``times`` matching requests fail (None: until cleared)."""
        if body is None:
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
            body = error_body(0, f"{status}: {reason.get(status, 'Error')}")
        rule = FailureRule(
            method=method.upper() if method != "*" else "*",
            route=route,
            status=status,
            body=body,
            headers=dict(headers or {}),
            remaining=times,
        )
        self.failures.append(rule)
        return rule

    def rate_limit_next(
        self,
        method: str,
        route: str | re.Pattern[str],
        *,
        retry_after: float = 0.05,
        times: int = 1,
        is_global: bool = False,
        via: bool = True,
    ) -> FailureRule:
        """Answer the next ``times`` matching requests with Discord's 429.

        With ``via`` (default) the response carries the ``Via`` header real Discord responses
        have, so discord.py sleeps ``retry_after`` and retries; without it discord.py treats
        the 429 as a Cloudflare ban and raises at once.
        """
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        if via:
            headers["Via"] = "1.1 google"
        return self.fail_next(
            method,
            route,
            status=429,
            body={
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
                "code": 0,
            },
            headers=headers,
            times=times,
        )

    def slow_down(self, method: str, route: str | re.Pattern[str], *, seconds: float) -> SlowRule:
        """Serve matching requests one at a time, each answered ``seconds`` after it is
        carried out (until :meth:`clear_failures`); see :class:`SlowRule` (``hold``)."""
        rule = SlowRule(
            method=method.upper() if method != "*" else "*", route=route, seconds=seconds
        )
        self.slow_rules.append(rule)
        return rule

    def _channel_id(self, channel: object) -> str:
        if isinstance(channel, str) and not channel.isdigit():
            return self.channel(channel).id
        return sid(channel)

    def close_dms(self, user: FakeUser | FakeMember | str, *, closed: bool = True) -> None:
        """The user refuses direct messages from the bot (Discord: 403, code 50007)."""
        self.world.user(user).accepts_dms = not closed

    def make_channel_missing(self, channel: object) -> None:
        """Requests naming this channel get 404 ``Unknown Channel`` (10003)."""
        self.missing_channels.add(self._channel_id(channel))

    def make_channel_forbidden(self, channel: object) -> None:
        """Requests naming this channel get 403 ``Missing Permissions`` (50013)."""
        self.forbidden_channels.add(self._channel_id(channel))

    def restore_channel(self, channel: object) -> None:
        """Undo :meth:`make_channel_missing` / :meth:`make_channel_forbidden`."""
        cid = self._channel_id(channel)
        self.missing_channels.discard(cid)
        self.forbidden_channels.discard(cid)

    def clear_failures(self) -> None:
        """Remove every failure rule, slow rule (letting any held answer go) and channel flag."""
        self.failures.clear()
        for slow in self.slow_rules:
            slow.release()
        self.slow_rules.clear()
        self.missing_channels.clear()
        self.forbidden_channels.clear()

    @property
    def identify_count(self) -> int:
        """How many IDENTIFY payloads the fake received."""
        return len(self.gateway.received(2))

    @property
    def resume_count(self) -> int:
        """How many RESUME payloads the fake received."""
        return len(self.gateway.received(6))

    @property
    def sessions(self) -> list[GatewaySession]:
        """Gateway sessions (one per IDENTIFY)."""
        return list(self.gateway.sessions.values())

    async def dispatch(self, event: str, data: JsonDict, *, force: bool = True) -> int:
        """Send any dispatch event to connected bots; returns how many sessions got it."""
        return await self.gateway.dispatch(event, data, force=force)

    async def drop_gateway(self, code: int = 4000, *, shard: int | None = None) -> int:
        """Close the bot's websockets (or only ``shard``'s) with ``code`` (4000: resumable) and
        return how many closed."""
        return await self.gateway.drop(code, shard=shard)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT (the client should reconnect and RESUME)."""
        await self.gateway.send_op(OP_RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (non-resumable: the client must IDENTIFY again)."""
        if resumable:
            await self.gateway.send_op(OP_INVALID_SESSION, True)
        else:
            await self.gateway.invalidate(resumable=False)
