"""Routes for the bot's user, other users, DMs, the application and the gateway URL."""

from __future__ import annotations

import math

from ..core import ServerCore
from ..gateway import OP_IDENTIFY
from ..rest import Ctx, Reply, Route, unknown


class UserRoutes(ServerCore):
    """``/users``, ``/oauth2/applications/@me`` and ``/gateway``."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r("GET", "/users/@me", self._get_me),
            r("GET", "/users/{user_id}", self._get_user),
            r("POST", "/users/@me/channels", self._create_dm),
            r("GET", "/oauth2/applications/@me", self._get_application),
            r("GET", "/applications/@me", self._get_application),
            r("GET", "/gateway", self._get_gateway, auth=False),
            r("GET", "/gateway/bot", self._get_gateway_bot),
        ]

    async def _get_me(self, ctx: Ctx) -> Reply:
        return 200, self.bot_user.private_payload()

    async def _get_user(self, ctx: Ctx) -> Reply:
        user = self.world.users.get(ctx.params["user_id"])
        if user is None:
            raise unknown("User", 10013)
        return 200, user.payload()

    async def _create_dm(self, ctx: Ctx) -> Reply:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        user = self.world.users.get(str(body.get("recipient_id")))
        if user is None:
            raise unknown("User", 10013)
        return 200, self.world.dm_channel(user).payload()

    async def _get_application(self, ctx: Ctx) -> Reply:
        owner = self.world.owner_user
        return 200, {
            "id": self.application_id,
            "name": self.world.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._application_flags(),
            "flags_new": str(self._application_flags()),
            "owner": owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "event_webhooks_url": None,
            "event_webhooks_status": 1,
            "approximate_guild_count": len(self.world.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "integration_types_config": {"0": {}},
            "rpc_origins": [],
            "tags": [],
        }

    async def _get_gateway(self, ctx: Ctx) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, ctx: Ctx) -> Reply:
        """Where to connect and how many shards Discord recommends (about 1,000 guilds
        each); ``remaining`` counts down with every IDENTIFY, as the daily limit does."""
        shards = self.recommended_shards or max(1, math.ceil(len(self.world.guilds) / 1000))
        total = 1000
        return 200, {
            "url": self.gateway_url,
            "shards": shards,
            "session_start_limit": {
                "total": total,
                "remaining": max(0, total - len(self.gateway.received(OP_IDENTIFY))),
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }
