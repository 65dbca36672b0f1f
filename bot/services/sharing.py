"""Sharing a reflection with the cohort: reserved before it is sent, settled after a crash.

The rules every face shares: a post names its author in a way members cannot fake, never
where the member could not post themselves, and a public post always has a record that
points at it, so it can be taken down again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.services.cohort_scope import CohortScoped
from bot.services.permissions import Actor
from bot.store import Reflection, Visibility
from bot.text import clip
from bot.user_error import UserError

log = logging.getLogger(__name__)

VISIBILITY_TEXT = {
    "private": "Only you and the facilitators can see it.",
    "cohort": "It is shared with the cohort under your name.",
    "anonymous": "It is shared with the cohort without your name.",
}


MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER; ids beyond it cannot exist


def visibility_note(reflection: Reflection) -> str:
    """Who can see a reflection now, said to its author (anonymity that lasts included)."""
    text = VISIBILITY_TEXT[reflection.visibility]
    if reflection.seen_anonymously and reflection.visibility != "anonymous":
        text += (
            " It was shared without your name before, so facilitators' exports keep it anonymous."
        )
    return text


def not_found(reflection_id: int) -> str:
    """The one answer for a number that is not the member's own (theirs or nobody's)."""
    shown = reflection_id if 0 < reflection_id <= MAX_ROW_ID else clip(str(reflection_id), 24)
    return f"Reflection #{shown} was not found among your reflections in this server."


class ShareFailed(UserError):
    """The reflection is stored, but could not be shown to the cohort; it stays private."""


class ShareUnclear(Exception):
    """The chat did not say whether a post went out (a timeout, a server error)."""


@dataclass(frozen=True)
class SharedPost:
    """A reflection as the cohort sees it. ``author_id`` is None when shared anonymously.

    Faces name the author in a way members cannot fake (a Discord user mention), never
    by a display name a member could copy.
    """

    reflection_id: int
    topic_title: str
    text: str
    author_id: int | None


class Sharer(Protocol):
    """What a face must do to show a shared reflection to the cohort."""

    async def author_may_post(self, channel_id: int) -> bool:
        """Whether the member asking could post in that channel or thread themselves."""
        ...

    async def share(self, channel_id: int, post: SharedPost) -> int:
        """Post it; return the message id.

        Raise UserError if it certainly was not posted (refused), ShareUnclear if it may
        have been.
        """
        ...

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        """The id of the bot's post of this reflection sent after ``since``, or None.

        Raise UserError if the channel cannot be read (then nobody knows).
        """
        ...

    async def unshare(self, channel_id: int, message_id: int) -> None:
        """Remove a shared post (missing messages are fine)."""
        ...


@dataclass(eq=False)
class SharingService(CohortScoped):
    """Reading one's own reflection, and showing it to the cohort or taking it down."""

    async def get(self, actor: Actor, reflection_id: int) -> Reflection:
        """The member's own reflection; anyone else's is simply 'not found'."""
        if not 0 < reflection_id <= MAX_ROW_ID:  # from a custom id or option: any number
            raise UserError(not_found(reflection_id))
        found = await self.store.get_reflection(actor.guild_id, actor.user_id, reflection_id)
        if found is None:
            raise UserError(not_found(reflection_id))
        return found

    def card_title(self, card_id: str) -> str:
        """A card's own title (the default curriculum's first, then any other's), or its id
        if a reload removed it."""
        if not self.content.loaded:
            return card_id
        for curriculum in self.content.curricula():
            card = self.content.library_for(curriculum.id).get(card_id)
            if card is not None:
                return card.title
        return card_id

    def topic_title(self, kind: str, card_id: str) -> str:
        """A reflection's topic as members see it, even if a reload removed the card."""
        label = "Prompt" if kind == "prompt" else kind.title()
        return f"{label}: {self.card_title(card_id)}"

    async def _show(
        self,
        actor: Actor,
        reflection: Reflection,
        visibility: Visibility,
        sharer: Sharer | None,
    ) -> Reflection:
        """Make the stored visibility true in the chat: old copy removed, new one posted.

        The new post is reserved in the store before it is sent, so a crash between
        sending and recording leaves a reservation that settle_shares() resolves; a
        public post is never left without a record that points at it.
        """
        if visibility != "private" and sharer is None:
            raise UserError("Sharing needs Discord; in the console reflections stay private.")
        if reflection.pending is not None:
            await self._settle(reflection, self._need_sharer(sharer))
            reflection = await self.get(actor, reflection.id)
        # A copy already shown is replaced where the cohort read it, never moved to where
        # the author happens to be (a small channel would tell who wrote an anonymous one).
        shown_in = reflection.shared_channel_id if reflection.shared_message_id else None
        if reflection.shared_message_id is not None:
            await self._unshare(reflection, self._need_sharer(sharer))
        if visibility == "private":
            return await self._record(actor, reflection.id, "private")
        assert sharer is not None
        try:
            channel_id = shown_in or await self._share_channel(actor, reflection)
            if not await sharer.author_may_post(channel_id):
                raise UserError(
                    "you may not post in that channel or thread yourself, so I will not "
                    "post there for you."
                )
        except UserError as error:
            await self._record(actor, reflection.id, "private")
            raise self._not_shared(reflection.id, error) from None
        reserved = await self.store.reserve_share(
            actor.guild_id, actor.user_id, reflection.id, channel_id, visibility, now=self.clock()
        )
        if reserved is None:
            raise UserError(not_found(reflection.id))
        post = self.shared_post(reserved, visibility)
        try:
            message_id = await sharer.share(channel_id, post)
        except UserError as error:  # refused: certainly not posted
            await self.store.release_share(reflection.id)
            raise self._not_shared(reflection.id, error) from None
        except ShareUnclear:  # the reservation stays; settle_shares() finds out
            raise ShareFailed(
                f"Reflection #{reflection.id} is saved. The share was not confirmed, so I "
                "will look for it in the channel and record it if it went out; until then "
                "it counts as private."
            ) from None
        return await self._record(actor, reflection.id, visibility, channel_id, message_id)

    async def _record(
        self,
        actor: Actor,
        reflection_id: int,
        visibility: Visibility,
        channel_id: int | None = None,
        message_id: int | None = None,
    ) -> Reflection:
        updated = await self.store.set_visibility(
            actor.guild_id, actor.user_id, reflection_id, visibility, channel_id, message_id
        )
        if updated is None:
            raise UserError(not_found(reflection_id))
        return updated

    @staticmethod
    def _not_shared(reflection_id: int, error: UserError) -> ShareFailed:
        return ShareFailed(
            f"Reflection #{reflection_id} is saved but not shared: {error} "
            f"{VISIBILITY_TEXT['private']}"
        )

    def shared_post(self, reflection: Reflection, visibility: Visibility) -> SharedPost:
        """The post the cohort sees; anonymous never carries who wrote it."""
        return SharedPost(
            reflection_id=reflection.id,
            topic_title=self.topic_title(reflection.about_kind, reflection.about_id),
            text=reflection.text,
            author_id=None if visibility == "anonymous" else reflection.author_id,
        )

    async def settle_shares(self, sharer: Sharer) -> int:
        """Settle shares reserved but never confirmed (a crash, or an unclear answer).

        Found in the channel: recorded as shared. Certainly absent: released, and the
        reflection stays private (nothing is posted later without the author asking).
        Channel unreadable: kept, and tried again next time. Returns how many settled.
        """
        settled = 0
        for reflection in await self.store.pending_shares(before=self.clock() - self.settle_after):
            if not self.owned.owns(reflection.guild_id):
                continue  # another shard's process settles its own servers' shares
            try:
                await self._settle(reflection, sharer)
                settled += 1
            except UserError as error:
                log.warning("cannot settle the share of reflection %s: %s", reflection.id, error)
        return settled

    async def _settle(self, reflection: Reflection, sharer: Sharer) -> None:
        pending = reflection.pending
        assert pending is not None
        found = await sharer.find_share(pending.channel_id, reflection.id, pending.since)
        if found is None:
            await self.store.release_share(reflection.id)
            log.info("reflection %s was never shared; it stays private", reflection.id)
            return
        await self.store.set_visibility(
            reflection.guild_id,
            reflection.author_id,
            reflection.id,
            pending.visibility,
            pending.channel_id,
            found,
        )
        log.info("reflection %s was shared before a restart; recorded", reflection.id)

    @staticmethod
    def _need_sharer(sharer: Sharer | None) -> Sharer:
        if sharer is None:
            raise UserError(
                "This reflection is shared on Discord; change or delete it there, "
                "so its shared copy goes too."
            )
        return sharer

    async def _share_channel(self, actor: Actor, reflection: Reflection) -> int:
        """The prompt's discussion thread if it was posted here, else where the member is."""
        if reflection.about_kind == "prompt":
            if reflection.cohort_id is not None:  # where its own cohort posted the prompt
                found = await self.store.discussion_of(
                    reflection.about_id, cohort_id=reflection.cohort_id
                )
            else:
                found = await self.store.discussion_of(reflection.about_id, guild_id=actor.guild_id)
            if found is not None:
                return found
        if actor.channel_id is None:
            raise UserError("Run this in the cohort's channel so I know where to share it.")
        return actor.channel_id

    @staticmethod
    async def _unshare(reflection: Reflection, sharer: Sharer) -> None:
        if reflection.shared_channel_id and reflection.shared_message_id:
            await sharer.unshare(reflection.shared_channel_id, reflection.shared_message_id)
