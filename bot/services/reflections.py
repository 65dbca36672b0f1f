"""Reflections: private by default, shared only by their author, exportable, erasable.

Every write is committed by the store before these methods return, so a member is
never told "saved" for something that is not on disk.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, cast

from bot.config import Settings
from bot.errors import UserError
from bot.library.models import Card, Kind
from bot.services.actors import Actor, is_facilitator, require_facilitator
from bot.services.content import ContentState
from bot.services.limits import TEXT_INPUT_MAX
from bot.store import AboutKind, Reflection, ReflectionPage, Store, Visibility

log = logging.getLogger(__name__)

PAGE_SIZE = 5
VISIBILITY_TEXT = {
    "private": "Only you and the facilitators can see it.",
    "cohort": "It is shared with the cohort under your name.",
    "anonymous": "It is shared with the cohort without your name.",
}
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


class Sharer(Protocol):
    """What a face must do to show a shared reflection to the cohort."""

    async def share(self, channel_id: int, title: str, text: str) -> int:
        """Post it; return the message id. Raise UserError if the bot may not post there."""
        ...

    async def unshare(self, channel_id: int, message_id: int) -> None:
        """Remove a shared post (missing messages are fine)."""
        ...


@dataclass(frozen=True)
class Topic:
    """What a reflection is about: a prompt or a card."""

    kind: AboutKind
    card_id: str
    title: str


def check_text(text: str) -> str:
    """Refuse text that is empty, too long, or holds invisible control codes."""
    if not text.strip():
        raise UserError("A reflection needs some text; nothing was saved.")
    if len(text) > TEXT_INPUT_MAX:
        raise UserError(
            f"That reflection is {len(text)} characters; the limit is {TEXT_INPUT_MAX}. "
            "Nothing was saved: shorten it and try again."
        )
    for char in text:
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            raise UserError(
                f"The text holds an invisible control character (U+{ord(char):04X}); "
                "remove it and try again. Nothing was saved."
            )
    return text


class ReflectionService:
    """Members' reflections and the facilitators' view of them."""

    def __init__(
        self,
        store: Store,
        content: ContentState,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.content = content
        self.settings = settings
        self.clock = clock
        self._purged_on: date | None = None

    # ---------------------------------------------------------------- topics

    async def topic(self, guild_id: int, about: str | None) -> Topic:
        """What ``about`` names (any card or prompt); by default today's prompt."""
        library = self.content.library
        if about and about.strip():
            card = library.get(about.strip()) or library.find(about)
            if card is None:
                close = ", ".join(c.title for c in library.rank(about, limit=3))
                hint = f" Did you mean {close}?" if close else ""
                raise UserError(f"No prompt or card is called “{about[:100]}”.{hint}")
            return _topic(card)
        for entry in await self.store.history(guild_id, limit=50):
            card = library.get(entry.prompt_id)
            if entry.status != "skipped" and card is not None:
                return _topic(card)
        prompts = library.prompts
        if not prompts:
            raise UserError("There are no prompts yet; name a card to reflect on.")
        return _topic(prompts[0])

    def topic_title(self, kind: str, card_id: str) -> str:
        """A reflection's topic as members see it, even if a reload removed the card."""
        card = self.content.library.get(card_id) if self.content.loaded else None
        label = "Prompt" if kind == "prompt" else kind.title()
        return f"{label}: {card.title if card else card_id}"

    # ---------------------------------------------------------------- members

    async def save(
        self,
        actor: Actor,
        topic: Topic,
        text: str,
        visibility: Visibility = "private",
        sharer: Sharer | None = None,
    ) -> Reflection:
        """Store a new reflection (committed), then share it if the author chose to."""
        check_text(text)
        self._check_visibility(visibility)
        saved = await self.store.add_reflection(
            actor.guild_id,
            actor.user_id,
            about_kind=topic.kind,
            about_id=topic.card_id,
            text=text,
            now=self.clock(),
        )
        if visibility != "private":
            saved = await self.set_visibility(actor, saved.id, visibility, sharer)
        return saved

    async def mine(self, actor: Actor, page: int = 0) -> ReflectionPage:
        """One page of the member's own reflections, newest first."""
        return await self.store.list_reflections(
            actor.guild_id, actor.user_id, offset=max(page, 0) * PAGE_SIZE, limit=PAGE_SIZE
        )

    async def get(self, actor: Actor, reflection_id: int) -> Reflection:
        """The member's own reflection; anyone else's is simply 'not found'."""
        found = await self.store.get_reflection(actor.guild_id, actor.user_id, reflection_id)
        if found is None:
            raise UserError(f"You have no reflection #{reflection_id} in this server.")
        return found

    async def edit(
        self, actor: Actor, reflection_id: int, text: str, sharer: Sharer | None = None
    ) -> Reflection:
        """Replace the text; a shared copy is re-posted with the new text."""
        check_text(text)
        before = await self.get(actor, reflection_id)
        edited = await self.store.edit_reflection(
            actor.guild_id, actor.user_id, reflection_id, text, now=self.clock()
        )
        if edited is None:
            raise UserError(f"You have no reflection #{reflection_id} in this server.")
        if before.visibility != "private" and sharer is not None:
            await self._unshare(before, sharer)
            edited = await self.set_visibility(actor, reflection_id, before.visibility, sharer)
        return edited

    async def set_visibility(
        self,
        actor: Actor,
        reflection_id: int,
        visibility: Visibility,
        sharer: Sharer | None,
    ) -> Reflection:
        """Share or unshare; the old shared copy is removed first."""
        self._check_visibility(visibility)
        reflection = await self.get(actor, reflection_id)
        if sharer is not None:
            await self._unshare(reflection, sharer)
        channel_id = message_id = None
        if visibility != "private":
            if sharer is None:
                raise UserError("Sharing needs Discord; in the console reflections stay private.")
            channel_id = await self._share_channel(actor, reflection)
            author = "Anonymous member" if visibility == "anonymous" else actor.display_name
            topic = self.topic_title(reflection.about_kind, reflection.about_id)
            title = f"{author} reflects on {topic}"
            message_id = await sharer.share(channel_id, title[:256], reflection.text)
        updated = await self.store.set_visibility(
            actor.guild_id, actor.user_id, reflection_id, visibility, channel_id, message_id
        )
        if updated is None:
            raise UserError(f"You have no reflection #{reflection_id} in this server.")
        return updated

    async def delete(self, actor: Actor, reflection_id: int, sharer: Sharer | None) -> None:
        """Delete the member's own reflection and any shared copy."""
        reflection = await self.get(actor, reflection_id)
        await self.store.delete_reflection(actor.guild_id, actor.user_id, reflection_id)
        if sharer is not None:
            await self._unshare(reflection, sharer)

    async def export_mine(self, actor: Actor) -> str:
        """The member's own reflections as Markdown (e.g. for CE records)."""
        lines = [f"# My reflections ({actor.display_name})", ""]
        page, offset = await self.store.list_reflections(actor.guild_id, actor.user_id, limit=1), 0
        total = page.total
        while offset < total:
            page = await self.store.list_reflections(
                actor.guild_id, actor.user_id, offset=offset, limit=200
            )
            for item in page.items:
                lines += [
                    f"## {self.topic_title(item.about_kind, item.about_id)}",
                    f"*{item.created_at:%Y-%m-%d %H:%M} UTC · #{item.id} · {item.visibility}*",
                    "",
                    item.text,
                    "",
                ]
            offset += len(page.items) or total
        if total == 0:
            lines.append("You have not written any reflections here yet.")
        return "\n".join(lines)

    async def forget_me(self, actor: Actor, sharer: Sharer | None) -> int:
        """Erase everything the bot holds about the member in this server."""
        shared = await self.store.shared_messages(actor.guild_id, actor.user_id)
        removed = await self.store.forget_member(actor.guild_id, actor.user_id)
        if sharer is not None:
            for message in shared:
                await sharer.unshare(message.channel_id, message.message_id)
        return removed

    # ---------------------------------------------------------------- facilitators

    async def export_csv(self, actor: Actor, since: datetime | None = None) -> str:
        """Every reflection in the server as CSV; anonymous authors stay hidden unless allowed."""
        require_facilitator(actor, self.settings.facilitator_role, "export reflections")
        show_anonymous = self.settings.reflections.facilitators_see_anonymous_authors
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "date", "about", "author_id", "visibility", "edited", "text"])
        async for item in self.store.export_reflections(actor.guild_id, since=since):
            hidden = item.visibility == "anonymous" and not show_anonymous
            writer.writerow(
                [
                    item.id,
                    item.created_at.isoformat(timespec="seconds"),
                    self.topic_title(item.about_kind, item.about_id),
                    "anonymous" if hidden else str(item.author_id),
                    item.visibility,
                    item.edited_at.isoformat(timespec="seconds") if item.edited_at else "",
                    item.text,
                ]
            )
        return buffer.getvalue()

    async def summary(self, actor: Actor) -> tuple[list[str], bytes]:
        """Participation per topic (counts only, no text) and a per-day chart as PNG."""
        require_facilitator(actor, self.settings.facilitator_role, "see the reflection summary")
        stats = await self.store.participation(actor.guild_id)
        lines = [f"{stats.reflections} reflection(s) from {stats.authors} member(s)."]
        for topic in stats.topics[:20]:
            lines.append(
                f"{self.topic_title(topic.about_kind, topic.about_id)}: "
                f"{topic.authors} member(s), {topic.reflections} reflection(s)"
            )
        days = [(day.day.isoformat(), day.authors) for day in stats.days]
        return lines, participation_chart(days)

    async def purge_expired(self) -> int:
        """Retention, once a day: delete reflections older than ``retention_days`` (if set)."""
        days = self.settings.reflections.retention_days
        today = self.clock().date()
        if days is None or self._purged_on == today:
            return 0
        self._purged_on = today
        removed = await self.store.delete_older_than(self.clock() - timedelta(days=days))
        if removed:
            log.info("retention: deleted %d reflection(s) older than %d days", removed, days)
        return removed

    def can_see_all(self, actor: Actor) -> bool:
        return is_facilitator(actor, self.settings.facilitator_role)

    # ---------------------------------------------------------------- helpers

    def _check_visibility(self, visibility: str) -> None:
        if visibility not in VISIBILITY_TEXT:
            raise UserError("Visibility must be private, cohort or anonymous.")
        if visibility == "anonymous" and not self.settings.reflections.allow_anonymous:
            raise UserError("This cohort's facilitators have turned anonymous sharing off.")

    async def _share_channel(self, actor: Actor, reflection: Reflection) -> int:
        """The prompt's discussion thread if it was posted here, else where the member is."""
        if reflection.about_kind == "prompt":
            for entry in await self.store.history(actor.guild_id, limit=500):
                if entry.prompt_id == reflection.about_id and (entry.thread_id or entry.channel_id):
                    return cast(int, entry.thread_id or entry.channel_id)
        if actor.channel_id is None:
            raise UserError("Run this in the cohort's channel so I know where to share it.")
        return actor.channel_id

    @staticmethod
    async def _unshare(reflection: Reflection, sharer: Sharer) -> None:
        if reflection.shared_channel_id and reflection.shared_message_id:
            await sharer.unshare(reflection.shared_channel_id, reflection.shared_message_id)


def _topic(card: Card) -> Topic:
    kind = cast(AboutKind, card.kind.value if card.kind is not Kind.PROMPT else "prompt")
    return Topic(kind, card.id, card.title)


def participation_chart(days: list[tuple[str, int]]) -> bytes:
    """A bar chart of members reflecting per day, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    figure, axes = pyplot.subplots(figsize=(8, 3.5), dpi=100)
    try:
        labels = [day for day, _ in days] or ["no reflections yet"]
        values = [count for _, count in days] or [0]
        axes.bar(range(len(values)), values, color="#2E86AB")
        axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        axes.set_ylabel("members who reflected")
        axes.set_title("Reflections per day")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
