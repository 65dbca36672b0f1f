"""Routes the bot answers interactions with: the callback and the interaction webhook."""

from __future__ import annotations

import asyncio
import copy

from .. import limits
from ..common import CallbackType, ErrorCollector, JsonDict, MessageFlags
from ..interactions import Callback
from ..models import FakeMessage, assign_component_ids
from ..rest import INTERACTION_FLAGS, SEND_FLAGS, Ctx, DiscordError, Reply, Route, unknown
from .messages import MessageRoutes


class InteractionRoutes(MessageRoutes):
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{app}/{token}``."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._callback,
                auth=False,
                precheck=self._precheck_callback,
                limits=self._limits_callback,
            ),
            r(
                "POST",
                "/webhooks/{webhook_id}/{webhook_token}",
                self._execute_webhook,
                auth=False,
                precheck=self._precheck_webhook,
                limits=self._limits_message_create,
            ),
            r(
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
            ),
            r(
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._edit_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
                limits=self._limits_message_edit,
            ),
            r(
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_webhook_message,
                auth=False,
                precheck=self._precheck_webhook,
            ),
        ]

    async def _precheck_callback(self, ctx: Ctx) -> None:
        handle = self.interactions.get(ctx.params["interaction_id"])
        if handle is None or handle.token != ctx.params["interaction_token"]:
            raise unknown("interaction", 10062)
        ctx.handle = handle
        body = ctx.body if isinstance(ctx.body, dict) else {}
        now = asyncio.get_running_loop().time()

        def record_attempt(error: DiscordError) -> None:
            handle.attempts.append(
                Callback(
                    type=body.get("type"),
                    data=body.get("data"),
                    status=error.status,
                    error=error.body(),
                    at=now,
                )
            )
            self._bump()

        ctx.on_error.append(record_attempt)
        if handle.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if now - handle.created_at > self.interaction_deadline:
            raise unknown("interaction", 10062)

    def _limits_callback(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        assert ctx.handle is not None
        limits.check_callback(errors, ctx.body, ctx.handle.type, len(ctx.files))
        return None

    async def _callback(self, ctx: Ctx) -> Reply:
        handle = ctx.handle
        assert handle is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        kind = int(body["type"])
        data = body.get("data") if isinstance(body.get("data"), dict) else None
        callback = Callback(
            type=kind,
            data=copy.deepcopy(data),
            status=200,
            at=asyncio.get_running_loop().time(),
        )
        created: FakeMessage | None = None
        updated: FakeMessage | None = None
        if kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            created = self._new_message(
                handle.channel, data or {}, ctx.files, flag_mask=INTERACTION_FLAGS, handle=handle
            )
            handle.original = created
        elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = (data or {}).get("flags") or 0
            created = self._new_message(
                handle.channel,
                {},
                [],
                flag_mask=0,
                extra_flags=MessageFlags.LOADING | (flags & MessageFlags.EPHEMERAL),
                handle=handle,
            )
            handle.original = created
            handle.deferred_followup_pending = True
        elif kind in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            target = handle.source_message
            if target is None:
                raise DiscordError(400, 40094, "This interaction has no message to update")
            handle.original = target
            if kind == CallbackType.UPDATE_MESSAGE:
                self._apply_edit(
                    target, data or {}, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS
                )
                updated = target
        elif kind == CallbackType.MODAL:
            assert data is not None
            modal = copy.deepcopy(data)
            modal["components"] = assign_component_ids(modal.get("components") or [])
            handle.modal = modal
        callback.message = created or updated
        callback.files = list(created.attachments if created else [])
        handle.callback = callback
        handle.attempts.append(callback)
        if created is not None:
            await self._dispatch_message("MESSAGE_CREATE", created)
        if updated is not None:
            await self._dispatch_message("MESSAGE_UPDATE", updated)
        self._bump()
        if ctx.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        message = created or updated
        interaction: JsonDict = {"id": handle.id, "type": handle.type}
        if message is not None:
            interaction["response_message_id"] = message.id
            interaction["response_message_loading"] = message.loading
            interaction["response_message_ephemeral"] = message.ephemeral
        reply: JsonDict = {"interaction": interaction}
        if kind in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
            # Discord: resource.message only for CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE
            assert message is not None
            reply["resource"] = {"type": kind, "message": message.payload(self.world)}
        return 200, reply

    async def _precheck_webhook(self, ctx: Ctx) -> None:
        if ctx.params["webhook_id"] != self.application_id:
            raise unknown("Webhook", 10015)
        handle = next(
            (h for h in self.interactions.values() if h.token == ctx.params["webhook_token"]), None
        )
        if handle is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        now = asyncio.get_running_loop().time()
        if now - handle.created_at > self.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if handle.callback is None:
            raise unknown("Webhook", 10015)
        ctx.handle = handle
        ctx.channel = handle.channel

    def _webhook_message(self, ctx: Ctx) -> FakeMessage:
        handle = ctx.handle
        assert handle is not None
        mid = ctx.params["message_id"]
        if mid == "@original":
            message = handle.original
        else:
            candidates = [*handle.followups]
            if handle.original is not None:
                candidates.append(handle.original)
            message = next((m for m in candidates if m.id == mid), None)
        if message is None or message.deleted:
            raise unknown("Message", 10008)
        return message

    async def _execute_webhook(self, ctx: Ctx) -> Reply:
        handle = ctx.handle
        assert handle is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        original = handle.original
        if handle.deferred_followup_pending and original is not None and original.loading:
            # The first followup after a deferred response replaces the 'thinking' message
            # and keeps the ephemerality chosen when deferring.
            handle.deferred_followup_pending = False
            self._apply_edit(original, body, ctx.files, flag_mask=SEND_FLAGS)
            message = original
            await self._dispatch_message("MESSAGE_UPDATE", message)
        else:
            message = self._new_message(
                handle.channel, body, ctx.files, flag_mask=INTERACTION_FLAGS, handle=handle
            )
            await self._dispatch_message("MESSAGE_CREATE", message)
        handle.followups.append(message)
        self._bump()
        if ctx.query.get("wait") not in ("1", "true", "True"):
            return 204, None
        return 200, message.payload(self.world)

    async def _get_webhook_message(self, ctx: Ctx) -> Reply:
        return 200, self._webhook_message(ctx).payload(self.world)

    async def _edit_webhook_message(self, ctx: Ctx) -> Reply:
        message = self._webhook_message(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        assert ctx.handle is not None
        if message is ctx.handle.original:
            ctx.handle.deferred_followup_pending = False
        self._apply_edit(message, body, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS)
        await self._dispatch_message("MESSAGE_UPDATE", message)
        return 200, message.payload(self.world)

    async def _delete_webhook_message(self, ctx: Ctx) -> Reply:
        message = self._webhook_message(ctx)
        message.deleted = True
        await self._dispatch_message("MESSAGE_DELETE", message)
        return 204, None
