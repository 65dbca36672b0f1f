"""Reflections: private by default, shared only by their author, exportable, erasable.

Every write is committed by the store before these methods return, so a member is
never told "saved" for something that is not on disk.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.library.models import Card, Kind
from bot.services.beliefs import belief_picture
from bot.services.chat_limits import CHOICE_NAME, TEXT_INPUT_MAX
from bot.services.participation import SummaryView, participation_chart, summary_lines
from bot.services.permissions import Actor
from bot.services.practice_records import forget_practice, practice_markdown
from bot.services.reflection_text import check_text, spreadsheet_safe
from bot.services.sharing import VISIBILITY_TEXT, Sharer, SharingService, not_found
from bot.store import AboutKind, Reflection, ReflectionPage, Visibility
from bot.text import clip
from bot.user_error import UserError

log = logging.getLogger(__name__)

PAGE_SIZE = 5
MAX_PAGE = 10**9
HEADING_TOPIC = 120


@dataclass(frozen=True)
class ReflectionEntry:
    """One reflection in the member's own list."""

    reflection_id: int
    heading: str  # '#7 · Approach: … · 02 Mar 2026 · private (edited)'
    text: str


@dataclass(frozen=True)
class ReflectionPageView:
    """One page of the member's own reflections, newest first (only they see it)."""

    total: int
    page: int  # 0-based; a page past the end shows the last one there is
    pages: int
    entries: tuple[ReflectionEntry, ...]

    @property
    def newer(self) -> int | None:
        return self.page - 1 if self.page > 0 else None

    @property
    def older(self) -> int | None:
        return self.page + 1 if self.page + 1 < self.pages else None


@dataclass(frozen=True)
class Forgotten:
    """What forget-me did: how many reflections are erased, and any it had to keep."""

    erased: int
    kept: tuple[tuple[int, str], ...] = ()  # (reflection id, why its shared post stays)
    practice_answers: int = 0  # practice answers erased (they have no copies elsewhere)


@dataclass(frozen=True)
class Topic:
    """What a reflection is about: a prompt or a card."""

    kind: AboutKind
    card_id: str
    title: str


@dataclass(eq=False)
class ReflectionService(SharingService):
    """Members' reflections and the facilitators' view of them."""

    _purged_on: date | None = field(default=None, init=False)

    # ---------------------------------------------------------------- topics

    async def topic(self, guild_id: int, about: str | None, actor: Actor | None = None) -> Topic:
        """What ``about`` names (any card or prompt); by default the latest prompt: of the
        actor's cohort (this channel's, or theirs) when given, else of the server. Cards
        come from that cohort's curriculum."""
        cohort = None if actor is None else await self.cohort_of_reflection(actor, None)
        library = self.content.library if cohort is None else self.library_of(cohort)
        if about and about.strip():
            card = library.get(about.strip()) or library.find(about)
            if card is None:
                close = ", ".join(c.title for c in library.rank(about, limit=3))
                hint = f" Did you mean {close}?" if close else ""
                raise UserError(f"No prompt or card is called “{about[:100]}”.{hint}")
            return _topic(card)
        if cohort is not None:
            history = await self.store.history(cohort.id, limit=50)
        else:
            history = await self.store.guild_history(guild_id, limit=50)
        for entry in history:
            card = library.get(entry.prompt_id)
            if entry.status != "skipped" and card is not None:
                return _topic(card)
        prompts = library.prompts
        if not prompts:
            raise UserError("There are no prompts yet; name a card to reflect on.")
        return _topic(prompts[0])

    # ---------------------------------------------------------------- members

    async def save(
        self,
        actor: Actor,
        topic: Topic,
        text: str,
        visibility: Visibility = "private",
        sharer: Sharer | None = None,
        *,
        max_length: int = TEXT_INPUT_MAX,
    ) -> Reflection:
        """Store a new reflection (committed), then share it if the author chose to.

        If sharing then fails, the reflection stays saved and private and ShareFailed says so.
        ``max_length`` is the face's text limit where smaller than Discord's (Slack: 3,000).
        """
        check_text(text, max_length)
        self.check_visibility(visibility)
        prompt_id = topic.card_id if topic.kind == "prompt" else None
        cohort = await self.cohort_of_reflection(actor, prompt_id)
        saved = await self.store.add_reflection(
            actor.guild_id,
            actor.user_id,
            about_kind=topic.kind,
            about_id=topic.card_id,
            text=text,
            now=self.clock(),
            cohort_id=None if cohort is None else cohort.id,
        )
        await self.store.record_name(
            actor.guild_id, actor.user_id, actor.display_name, now=self.clock()
        )
        if visibility != "private":
            saved = await self._show(actor, saved, visibility, sharer)
        return saved

    async def mine(self, actor: Actor, page: int = 0) -> ReflectionPage:
        """One page of the member's own reflections, newest first."""
        page = min(max(page, 0), MAX_PAGE)  # a page number from a custom id may be anything
        return await self.store.list_reflections(
            actor.guild_id, actor.user_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
        )

    async def page(self, actor: Actor, page: int = 0) -> ReflectionPageView:
        """The member's list as every face shows it: headings, page numbers, where next."""
        result = await self.mine(actor, page)
        pages = max(1, -(-result.total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        if not result.items and result.total:  # deleted meanwhile: the last page there is
            result = await self.mine(actor, page)
        entries = tuple(
            ReflectionEntry(item.id, self.heading(item), item.text) for item in result.items
        )
        return ReflectionPageView(result.total, page, pages, entries)

    def heading(self, item: Reflection) -> str:
        edited = " (edited)" if item.edited_at else ""
        topic = clip(self.topic_title(item.about_kind, item.about_id), HEADING_TOPIC)
        return clip(
            f"#{item.id} · {topic} · {item.created_at:%d %b %Y} · {item.visibility}{edited}", 256
        )

    async def choices(self, actor: Actor, typed: str, limit: int = 25) -> list[tuple[int, str]]:
        """The member's own reflections matching what they typed, for autocomplete.

        Only ever the asking member's rows, newest first; a number matches its id, words
        match the topic or the text.
        """
        page = await self.store.list_reflections(actor.guild_id, actor.user_id, limit=200)
        wanted = typed.strip().lstrip("#").casefold()
        found: list[tuple[int, str]] = []
        for item in page.items:
            topic = self.topic_title(item.about_kind, item.about_id)
            if wanted and not (
                str(item.id).startswith(wanted)
                or wanted in topic.casefold()
                or wanted in item.text.casefold()
            ):
                continue
            snippet = " ".join(item.text.split())
            label = f"#{item.id} · {item.created_at:%d %b} · {topic} · {snippet}"
            found.append((item.id, clip(label, CHOICE_NAME)))
            if len(found) == limit:
                break
        return found

    async def edit(
        self,
        actor: Actor,
        reflection_id: int,
        text: str,
        sharer: Sharer | None = None,
        *,
        max_length: int = TEXT_INPUT_MAX,
    ) -> Reflection:
        """Replace the text; a shared copy is replaced by one with the new text.

        The author keeps the visibility they chose, even if facilitators have since
        turned anonymous sharing off (the new copy replaces one already shown).
        """
        check_text(text, max_length)
        before = await self.get(actor, reflection_id)
        if before.shared_message_id is not None:
            self._need_sharer(sharer)
        edited = await self.store.edit_reflection(
            actor.guild_id, actor.user_id, reflection_id, text, now=self.clock()
        )
        if edited is None:
            raise UserError(not_found(reflection_id))
        if edited.visibility != "private" and sharer is not None:
            edited = await self._show(actor, edited, edited.visibility, sharer)
        return edited

    async def set_visibility(
        self,
        actor: Actor,
        reflection_id: int,
        visibility: Visibility,
        sharer: Sharer | None,
    ) -> Reflection:
        """Share or unshare; the old shared copy is removed first."""
        self.check_visibility(visibility)
        reflection = await self.get(actor, reflection_id)
        return await self._show(actor, reflection, visibility, sharer)

    async def delete(self, actor: Actor, reflection_id: int, sharer: Sharer | None) -> None:
        """Delete the member's own reflection and any shared copy.

        The shared copy goes first: if Discord fails, the record that points at it is
        still there, so trying again finishes the job.
        """
        reflection = await self.get(actor, reflection_id)
        if reflection.pending is not None:
            await self._settle(reflection, self._need_sharer(sharer))
            reflection = await self.get(actor, reflection_id)
        if reflection.shared_message_id is not None:
            await self._unshare(reflection, self._need_sharer(sharer))
        if not await self.store.delete_reflection(actor.guild_id, actor.user_id, reflection_id):
            raise UserError(not_found(reflection_id))

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
        practice = await practice_markdown(self.store, self.content.library, actor)
        if practice:
            lines += ["", *practice]
        return "\n".join(lines)

    async def forget_me(self, actor: Actor, sharer: Sharer | None) -> Forgotten:
        """Erase everything the bot holds about the member in this server.

        Shared copies are removed first, while their records still say where they are;
        a reflection whose post cannot be removed (or checked) keeps its record, and the
        answer says so, so forget-me never claims more than it did.
        """
        kept: list[tuple[int, str]] = []
        practised = await forget_practice(self.store, actor)
        pending = await self.store.pending_shares(
            before=datetime.max.replace(tzinfo=UTC),
            guild_id=actor.guild_id,
            author_id=actor.user_id,
        )
        shared = await self.store.shared_messages(actor.guild_id, actor.user_id)
        if not pending and not shared:
            erased = await self.store.forget_member(actor.guild_id, actor.user_id)
            return Forgotten(erased, practice_answers=practised)
        remover = self._need_sharer(sharer)
        for reflection in pending:
            try:
                await self._settle(reflection, remover)
            except UserError as error:
                kept.append((reflection.id, str(error)))
        for message in await self.store.shared_messages(actor.guild_id, actor.user_id):
            try:
                await remover.unshare(message.channel_id, message.message_id)
            except UserError as error:
                kept.append((message.reflection_id, str(error)))
        keep = {reflection_id for reflection_id, _ in kept}
        erased = await self.store.forget_member(actor.guild_id, actor.user_id, keep=keep)
        return Forgotten(erased, tuple(sorted(kept)), practised)

    # ---------------------------------------------------------------- facilitators

    async def export_csv(
        self,
        actor: Actor,
        since: datetime | None = None,
        until: datetime | None = None,
        cohort: str | None = None,
    ) -> str:
        """Every reflection in the server (or one cohort's), written from ``since`` up to
        ``until``, as CSV; anonymous authors stay hidden unless allowed.

        Beside each author's id is the display name recorded when they joined a cohort or
        last acted (empty if they never joined one); every cell a member wrote or named is
        made safe for spreadsheets.
        """
        await self.check_can_export_all(actor)
        only = None if not cohort else await self.cohort(actor, cohort, include_ended=True)
        show_anonymous = self.settings.reflections.facilitators_see_anonymous_authors
        cohorts = {
            c.id: c.name for c in await self.store.list_cohorts(actor.guild_id, include_ended=True)
        }
        names = await self.store.recorded_names(actor.guild_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "id",
                "date",
                "about",
                "author_id",
                "author_name",
                "visibility",
                "edited",
                "text",
                "cohort",
            ]
        )
        async for item in self.store.export_reflections(
            actor.guild_id, since=since, until=until, cohort_id=None if only is None else only.id
        ):
            hidden = item.anonymous_to_others and not show_anonymous
            name = names.get((item.cohort_id, item.author_id)) or names.get((None, item.author_id))
            writer.writerow(
                [
                    item.id,
                    item.created_at.isoformat(timespec="seconds"),
                    spreadsheet_safe(self.topic_title(item.about_kind, item.about_id)),
                    "anonymous" if hidden else str(item.author_id),
                    "anonymous" if hidden else spreadsheet_safe(name or ""),
                    item.visibility,
                    item.edited_at.isoformat(timespec="seconds") if item.edited_at else "",
                    spreadsheet_safe(item.text),
                    spreadsheet_safe(cohorts.get(item.cohort_id or 0, "")),
                ]
            )
        return buffer.getvalue()

    async def summary(self, actor: Actor) -> SummaryView:
        """Participation per topic (counts only, no text) and a per-day chart as PNG."""
        await self.check_can_see_summary(actor)
        stats = await self.store.participation(actor.guild_id, tz=await self._zone(actor))
        days = [(day.day.isoformat(), day.authors) for day in stats.days]
        # Drawing takes a moment (longer on first use); keep the bot answering meanwhile.
        chart = await asyncio.to_thread(participation_chart, days)
        beliefs = await belief_picture(self.store, self.content.library, actor.guild_id)
        shift = ("", "Belief shift:", *beliefs.lines) if beliefs.shifts or beliefs.hidden else ()
        return SummaryView(
            (*summary_lines(stats, self.topic_title), *shift), chart, beliefs.chart_png
        )

    async def purge_expired(self, sharer: Sharer | None = None) -> int:
        """Retention, once a day: delete reflections older than ``retention_days`` (if set).

        Shared copies go first, so a member's named post never outlives its record.
        """
        days = self.settings.reflections.retention_days
        now = self.clock()
        if days is None or self._purged_on == now.date():
            return 0
        cutoff = now - timedelta(days=days)
        if sharer is not None:
            for message in await self.store.shared_messages_before(cutoff):
                try:
                    await sharer.unshare(message.channel_id, message.message_id)
                except UserError as error:  # retention still applies to the record
                    log.warning(
                        "retention: shared post %s in channel %s stays up: %s",
                        message.message_id,
                        message.channel_id,
                        error,
                    )
        removed = await self.store.delete_older_than(cutoff)
        self._purged_on = now.date()  # only once it worked: a failure is retried next tick
        if removed:
            log.info("retention: deleted %d reflection(s) older than %d days", removed, days)
        return removed

    async def check_can_export_all(self, actor: Actor) -> None:
        """Refuse anyone but facilitators (the faces ask before starting slow work)."""
        await self.facilitators.require(actor, "export reflections")

    async def check_can_see_summary(self, actor: Actor) -> None:
        await self.facilitators.require(actor, "see the reflection summary")

    # ---------------------------------------------------------------- helpers

    def check_visibility(self, visibility: str) -> None:
        """Refuse a visibility that does not exist or that this cohort has turned off."""
        if visibility not in VISIBILITY_TEXT:
            raise UserError("Visibility must be private, cohort or anonymous.")
        if visibility == "anonymous" and not self.settings.reflections.allow_anonymous:
            raise UserError(
                "This cohort's facilitators have turned anonymous sharing off. "
                "You can keep it private or share it under your name."
            )

    async def _zone(self, actor: Actor) -> tzinfo:
        """The cohort's time zone (the server's first running one), so 'a day' is the
        cohort's day."""
        cohorts = await self.store.list_cohorts(actor.guild_id, include_ended=True)
        schedule = next((c for c in cohorts if not c.ended), cohorts[-1] if cohorts else None)
        if schedule is None:
            return UTC
        try:
            return ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC


def _topic(card: Card) -> Topic:
    kind = cast(AboutKind, card.kind.value if card.kind is not Kind.PROMPT else "prompt")
    return Topic(kind, card.id, card.title)
