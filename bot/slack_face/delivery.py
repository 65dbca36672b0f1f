"""Delivering notes on Slack: digests and end-of-cohort summaries in the facilitators'
channel, reminders as direct messages (conversations.open, then chat.postMessage).

A note's marker is shown as its last line and carried, hashed, in a block id: that is
how a digest sent just before a crash is found again. Members are named by the name
recorded when they joined or last acted, never by a mention (a mention in a channel
message pings).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.services.delivery import Courier, DeliveryFailed, Note
from bot.slack_face.blocks import Block, context, is_bots_with_block, mrkdwn, sections
from bot.slack_face.errors import error_code
from bot.slack_face.prompts import REFUSED

if TYPE_CHECKING:
    from bot.slack_face.app import SlackFace

NOT_REACHED = {
    "user_not_found": "that member is no longer in the workspace",
    "user_disabled": "that member's account is deactivated",
    "cannot_dm_bot": "that is a bot",
}


def note_block_id(marker: str) -> str:
    return "note:" + hashlib.sha256(marker.encode()).hexdigest()[:32]


class SlackCourier:
    """The Slack face's Courier (bot/services/delivery.py)."""

    def __init__(self, face: SlackFace) -> None:
        self.face = face

    async def _blocks(self, note: Note) -> list[Block]:
        lines = [await self.face.text(line) for line in note.lines]
        body = f"*{mrkdwn(note.title)}*\n" + "\n".join(lines)
        blocks = sections(body, block_id=note_block_id(note.marker))
        return [*blocks[:49], context(mrkdwn(note.marker))]

    async def _post(self, channel: str, note: Note, refused: dict[str, str]) -> int:
        try:
            sent = await self.face.client.chat_postMessage(
                channel=channel, blocks=await self._blocks(note), text=note.title
            )
        except SlackApiError as error:
            code = error_code(error)
            if code in refused:
                raise DeliveryFailed(refused[code]) from None
            raise  # unclear whether it went out: the reservation stays and is settled
        return await self.face.ids.message(channel, str(sent["ts"]))

    async def send(self, channel_id: int, guild_id: int, note: Note) -> int:
        try:
            place = await self.face.ids.place(channel_id)
        except LookupError:
            raise DeliveryFailed("that is not a Slack channel I know") from None
        return await self._post(place.channel, note, REFUSED)

    async def find(
        self, channel_id: int, guild_id: int, marker: str, since: datetime
    ) -> int | None:
        try:
            channel = (await self.face.ids.place(channel_id)).channel
        except LookupError:
            raise DeliveryFailed("that is not a Slack channel I know") from None
        oldest = str((since - timedelta(minutes=1)).timestamp())
        try:
            history = await self.face.client.conversations_history(channel=channel, oldest=oldest)
        except SlackApiError as error:
            code = error_code(error)
            unread = REFUSED.get(code, f"I cannot read that channel ({code})")
            raise DeliveryFailed(unread) from None
        wanted = note_block_id(marker)
        for message in history["messages"]:
            if is_bots_with_block(message, wanted):
                return await self.face.ids.message(channel, str(message["ts"]))
        return None

    async def direct(self, user_id: int, note: Note) -> int:
        try:
            user = await self.face.ids.text(user_id)
        except LookupError:
            raise DeliveryFailed("that is not a Slack member I know") from None
        try:
            opened = await self.face.client.conversations_open(users=user)
        except SlackApiError as error:
            code = error_code(error)
            raise DeliveryFailed(NOT_REACHED.get(code, f"Slack refused it ({code})")) from None
        return await self._post(str(opened["channel"]["id"]), note, {**REFUSED, **NOT_REACHED})


class FaceCourier:
    """Delivers each note through the chat it belongs to: a Slack workspace's channels and
    members (those in the Slack id table) through Slack, everything else the other way."""

    def __init__(self, face: SlackFace, slack_guild: int, other: Courier) -> None:
        self.slack, self.slack_guild, self.other = SlackCourier(face), slack_guild, other
        self.ids = face.ids

    def _for(self, guild_id: int) -> Courier:
        return self.slack if guild_id == self.slack_guild else self.other

    async def send(self, channel_id: int, guild_id: int, note: Note) -> int:
        return await self._for(guild_id).send(channel_id, guild_id, note)

    async def find(
        self, channel_id: int, guild_id: int, marker: str, since: datetime
    ) -> int | None:
        return await self._for(guild_id).find(channel_id, guild_id, marker, since)

    async def direct(self, user_id: int, note: Note) -> int:
        try:
            await self.ids.text(user_id)
        except LookupError:
            return await self.other.direct(user_id, note)
        return await self.slack.direct(user_id, note)
