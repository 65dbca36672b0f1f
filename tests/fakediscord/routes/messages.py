"""Routes for channel messages: send, read, edit, delete; attachments and MESSAGE_* events."""

from __future__ import annotations

import copy
from typing import Any

from .. import limits
from ..common import ErrorCollector, InteractionType, JsonDict, MessageFlags, Permissions, utcnow
from ..interactions import InteractionHandle
from ..models import FakeAttachment, FakeChannel, FakeMessage, FakeUser, assign_component_ids
from ..recording import FormPart
from ..rest import SEND_FLAGS, Ctx, DiscordError, Reply, Route, unknown
from .channels import ChannelRoutes


class MessageRoutes(ChannelRoutes):
    """``/channels/{id}/messages``, and the message store webhooks share."""

    def _build_routes(self) -> list[Route]:
        r = Route
        return [
            *super()._build_routes(),
            r(
                "POST",
                "/channels/{channel_id}/messages",
                self._create_message,
                precheck=self._precheck_send,
                limits=self._limits_message_create,
            ),
            r(
                "GET",
                "/channels/{channel_id}/messages/{message_id}",
                self._get_message,
                precheck=self._precheck_channel,
            ),
            r(
                "PATCH",
                "/channels/{channel_id}/messages/{message_id}",
                self._edit_message,
                precheck=self._precheck_channel,
                limits=self._limits_message_edit,
            ),
            r(
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                self._delete_message,
                precheck=self._precheck_channel,
            ),
        ]

    def _limits_message_create(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_message(errors, ctx.body or {}, creating=True, file_count=len(ctx.files))
        return None

    def _limits_message_edit(self, ctx: Ctx, errors: ErrorCollector) -> int | None:
        limits.check_message(errors, ctx.body or {}, creating=False)
        return None

    def _attachments_from(
        self,
        channel: FakeChannel,
        body: JsonDict,
        files: list[FormPart],
        existing: list[FakeAttachment],
    ) -> list[FakeAttachment]:
        by_name = {p.name: p for p in files}
        used: set[str] = set()
        result: list[FakeAttachment] = []
        described = body.get("attachments")
        entries = described if isinstance(described, list) else []
        old = {a.id: a for a in existing}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            key = str(entry.get("id"))
            if key in old:
                result.append(old[key])
                continue
            part = by_name.get(f"files[{key}]")
            if part is None:
                continue
            used.add(part.name)
            result.append(
                self._new_attachment(channel, part, entry.get("filename"), entry.get("description"))
            )
        for part in files:
            if part.name not in used:
                result.append(self._new_attachment(channel, part, None, None))
        return result

    def _new_attachment(
        self, channel: FakeChannel, part: FormPart, filename: Any, description: Any
    ) -> FakeAttachment:
        aid = self.world.snowflakes.next()
        name = filename if isinstance(filename, str) else (part.filename or "file")
        attachment = FakeAttachment(
            id=aid,
            filename=name,
            data=part.data,
            url=f"{self.base_url}/attachments/{channel.id}/{aid}/{name}",
            content_type=part.content_type
            if part.content_type and part.content_type != "application/octet-stream"
            else None,
            description=description if isinstance(description, str) else None,
        )
        self._register_attachment(attachment)
        return attachment

    def _new_message(
        self,
        channel: FakeChannel,
        body: JsonDict,
        files: list[FormPart],
        *,
        author: FakeUser | None = None,
        flag_mask: int = SEND_FLAGS,
        extra_flags: int = 0,
        handle: InteractionHandle | None = None,
        message_id: str | None = None,
    ) -> FakeMessage:
        message = FakeMessage(
            id=message_id or self.world.snowflakes.next(),
            channel=channel,
            author=author or self.bot_user,
            content=str(body.get("content") or ""),
            embeds=copy.deepcopy(body.get("embeds") or []),
            components=assign_component_ids(body.get("components") or []),
            allowed_mentions=copy.deepcopy(body.get("allowed_mentions")),
            flags=((body.get("flags") or 0) & flag_mask) | extra_flags,
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
        )
        message.attachments = self._attachments_from(channel, body, files, [])
        message.history.append(copy.deepcopy(body))
        if handle is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
            message.interaction_metadata = self._interaction_metadata(
                handle, followup=handle.callback is not None
            )
            if handle.type == InteractionType.APPLICATION_COMMAND:
                message.type = 20 if handle.data.get("type", 1) == 1 else 23
        self.messages.add(message)
        if not message.ephemeral:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
                channel.total_message_sent += 1
        return message

    def _interaction_metadata(self, handle: InteractionHandle, *, followup: bool) -> JsonDict:
        meta: JsonDict = {
            "id": handle.id,
            "type": handle.type,
            "user": handle.user.payload(),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if handle.type == InteractionType.APPLICATION_COMMAND:
            meta["name"] = handle.data.get("name")
            meta["command_type"] = handle.data.get("type", 1)
            target = handle.data.get("target_id")
            if handle.data.get("type") == 2 and target in self.world.users:
                meta["target_user"] = self.world.users[target].payload()
            elif handle.data.get("type") == 3 and target is not None:
                meta["target_message_id"] = target
        if handle.type == InteractionType.MESSAGE_COMPONENT and handle.source_message is not None:
            meta["interacted_message_id"] = handle.source_message.id
        if handle.type == InteractionType.MODAL_SUBMIT and handle.opener is not None:
            meta["triggering_interaction_metadata"] = self._interaction_metadata(
                handle.opener, followup=False
            )
        if followup and handle.original is not None:
            meta["original_response_message_id"] = handle.original.id
        return meta

    def _apply_edit(
        self, message: FakeMessage, body: JsonDict, files: list[FormPart], *, flag_mask: int
    ) -> None:
        if "content" in body:
            message.content = str(body["content"] or "")
        if "embeds" in body:
            message.embeds = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            message.components = assign_component_ids(body["components"] or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = copy.deepcopy(body["allowed_mentions"])
        if body.get("flags") is not None:
            keep = message.flags & ~flag_mask
            message.flags = keep | (int(body["flags"]) & flag_mask)
        if "attachments" in body or files:
            message.attachments = self._attachments_from(
                message.channel, body, files, message.attachments
            )
        if message.loading:
            message.flags &= ~MessageFlags.LOADING
        else:
            message.edited_at = utcnow()
        message.history.append(copy.deepcopy(body))

    async def _dispatch_message(self, event: str, message: FakeMessage) -> None:
        if message.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            data: JsonDict = {"id": message.id, "channel_id": message.channel.id}
        else:
            data = message.payload(self.world)
        guild = message.channel.guild
        if guild is not None:
            data["guild_id"] = guild.id
            if event != "MESSAGE_DELETE" and message.author.id in guild.members:
                data["member"] = guild.members[message.author.id].payload(with_user=False)
        await self.gateway.dispatch(event, data, guild_event=guild is not None)

    async def _create_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        body = ctx.body if isinstance(ctx.body, dict) else {}
        reference = body.get("message_reference")
        referenced: FakeMessage | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            ref_channel = self.world.channels.get(
                str(reference.get("channel_id") or ctx.channel.id)
            )
            try:
                if ref_channel is None:
                    raise unknown("Message", 10008)
                referenced = self._message_in(ref_channel, str(reference["message_id"]))
            except DiscordError:
                if reference.get("fail_if_not_exists", True):
                    errors = ErrorCollector()
                    errors.add(
                        ("message_reference",),
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
                    self._reject(
                        ctx,
                        "discord",
                        DiscordError(400, 50035, "Invalid Form Body", errors=errors.to_errors()),
                    )
        message = self._new_message(ctx.channel, body, ctx.files)
        if referenced is not None:
            message.referenced = referenced
            message.type = 19
        await self._dispatch_message("MESSAGE_CREATE", message)
        return 200, message.payload(self.world)

    async def _get_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        self._require(ctx.channel, Permissions.READ_MESSAGE_HISTORY)
        return 200, self._message_in(ctx.channel, ctx.params["message_id"]).payload(self.world)

    async def _edit_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        if message.author is not self.bot_user:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_edit(message, body, ctx.files, flag_mask=MessageFlags.SUPPRESS_EMBEDS)
        await self._dispatch_message("MESSAGE_UPDATE", message)
        return 200, message.payload(self.world)

    async def _delete_message(self, ctx: Ctx) -> Reply:
        assert ctx.channel is not None
        message = self._message_in(ctx.channel, ctx.params["message_id"])
        if message.author is not self.bot_user:
            self._require(ctx.channel, Permissions.MANAGE_MESSAGES)
        message.deleted = True
        await self._dispatch_message("MESSAGE_DELETE", message)
        return 204, None
