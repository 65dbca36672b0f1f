"""Sharing a reflection on Slack: a post in the prompt's thread (thread_ts) or the channel,
marked with a block id so the bot can find it again after a crash."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.services.sharing import SharedPost, ShareUnclear
from bot.slack_face.blocks import context, escape, is_bots_with_block, mrkdwn, sections
from bot.slack_face.errors import error_code
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.slack_face.app import SlackFace

REFUSED = {
    "channel_not_found": "that channel no longer exists",
    "not_in_channel": "I am not in that channel; invite me with /invite @cohort-bot",
    "is_archived": "that channel is archived",
    "thread_not_found": "the prompt's thread is gone",
    "missing_scope": "I lack the chat:write permission there",
}


def marker(reflection_id: int) -> str:
    return f"reflection:{reflection_id}"


class SlackSharer:
    """The Sharer protocol for one member (``user``: their Slack id)."""

    def __init__(self, face: SlackFace, user: str) -> None:
        self.face, self.user = face, user

    async def author_may_post(self, channel_id: int) -> bool:
        """The member is in the channel and it is not archived (threads follow their channel)."""
        place = await self.face.ids.place(channel_id)
        try:
            info = await self.face.client.conversations_info(channel=place.channel)
            if info["channel"].get("is_archived"):
                return False
            return await self._is_member(place.channel)
        except SlackApiError as error:
            raise UserError(_reason(error)) from None

    async def _is_member(self, channel: str) -> bool:
        """Page through the members (Slack gives at most 1,000 at a time)."""
        cursor = ""
        while True:
            page = await self.face.client.conversations_members(
                channel=channel, limit=1000, cursor=cursor
            )
            if self.user in page["members"]:
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return False

    async def share(self, channel_id: int, post: SharedPost) -> int:
        place = await self.face.ids.place(channel_id)
        if post.author_id is None:
            by = "Shared anonymously."
        else:
            by = f"Shared by <@{await self.face.ids.text(post.author_id)}>."
        blocks = [
            *sections(
                f"*{escape(post.topic_title)}*\n{mrkdwn(post.text)}", marker(post.reflection_id)
            ),
            context(by),
        ]
        try:
            sent = await self.face.client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread_ts,
                blocks=blocks[:50],
                text=f"A reflection on {post.topic_title}",
            )
        except SlackApiError as error:
            if error_code(error) in REFUSED:
                raise UserError(_reason(error)) from None
            raise ShareUnclear(str(error)) from None
        return await self.face.ids.message(place.channel, str(sent["ts"]))

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        place = await self.face.ids.place(channel_id)
        oldest = str((since - timedelta(minutes=1)).timestamp())
        try:
            if place.thread_ts:
                found = await self.face.client.conversations_replies(
                    channel=place.channel, ts=place.thread_ts, oldest=oldest
                )
            else:
                found = await self.face.client.conversations_history(
                    channel=place.channel, oldest=oldest
                )
        except SlackApiError as error:
            raise UserError(_reason(error)) from None
        for message in found["messages"]:
            if is_bots_with_block(message, marker(reflection_id)):
                return await self.face.ids.message(place.channel, message["ts"])
        return None

    async def unshare(self, channel_id: int, message_id: int) -> None:
        place = await self.face.ids.place(message_id)  # a message: its channel and ts
        try:
            await self.face.client.chat_delete(channel=place.channel, ts=place.thread_ts or "")
        except SlackApiError as error:
            if error_code(error) not in ("message_not_found", "channel_not_found"):
                raise UserError(_reason(error)) from None


def _reason(error: SlackApiError) -> str:
    code = error_code(error)
    return REFUSED.get(code, f"Slack refused it ({code})")
