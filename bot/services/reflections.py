"""Reflections: private by default, shared only by their author, exportable, erasable.

Every write is committed by the store before these methods return, so a member is
never told "saved" for something that is not on disk.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.library.models import Card, Kind
from bot.services.chat_limits import CHOICE_NAME, TEXT_INPUT_MAX
from bot.services.permissions import Actor
from bot.services.store_backed import StoreService
from bot.store import AboutKind, Reflection, ReflectionPage, Visibility
from bot.text import clip
from bot.user_error import UserError

log = logging.getLogger(__name__)

PAGE_SIZE = 5
VISIBILITY_TEXT = {
    "private": "Only you and the facilitators can see it.",
    "cohort": "It is shared with the cohort under your name.",
    "anonymous": "It is shared with the cohort without your name.",
}
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
# Characters that show nothing: format marks (zero-width space, joiners, direction marks)
# and the blank "filler" letters some clients use to post empty-looking text.
_INVISIBLE_CATEGORIES = {"Cf", "Zs", "Zl", "Zp"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0"}
EMPTY_TEXT = "A reflection needs some text; nothing was saved."


MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER; ids beyond it cannot exist
MAX_PAGE = 10**9
SETTLE_AFTER = timedelta(minutes=1)  # an older unconfirmed share is not in flight


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


@dataclass(frozen=True)
class Forgotten:
    """What forget-me did: how many reflections are erased, and any it had to keep."""

    erased: int
    kept: tuple[tuple[int, str], ...] = ()  # (reflection id, why its shared post stays)


@dataclass(frozen=True)
class Topic:
    """What a reflection is about: a prompt or a card."""

    kind: AboutKind
    card_id: str
    title: str


def check_text(text: str) -> str:
    """Refuse text that is empty, too long, or holds invisible control codes.

    Everything else (mentions, quotes, SQL or Markdown characters, right-to-left marks,
    emoji) is stored exactly as written; the faces show it without pinging anyone.
    """
    if all(_invisible(char) for char in text):
        raise UserError(EMPTY_TEXT)
    if len(text) > TEXT_INPUT_MAX:
        raise UserError(
            f"That reflection is {len(text)} characters; the limit is {TEXT_INPUT_MAX}. "
            "Nothing was saved: shorten it and try again."
        )
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            raise UserError(
                f"The text holds an invisible control character (U+{ord(char):04X}); "
                "remove it and try again. Nothing was saved."
            )
        if category == "Cs":
            raise UserError(
                f"The text holds a broken character (U+{ord(char):04X}); "
                "remove it and try again. Nothing was saved."
            )
    return text


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


@dataclass(eq=False)
class ReflectionService(StoreService):
    """Members' reflections and the facilitators' view of them."""

    _purged_on: date | None = field(default=None, init=False)

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

    def card_title(self, card_id: str) -> str:
        """A card's own title, or its id if a reload removed it."""
        card = self.content.library.get(card_id) if self.content.loaded else None
        return card.title if card else card_id

    def topic_title(self, kind: str, card_id: str) -> str:
        """A reflection's topic as members see it, even if a reload removed the card."""
        label = "Prompt" if kind == "prompt" else kind.title()
        return f"{label}: {self.card_title(card_id)}"

    # ---------------------------------------------------------------- members

    async def save(
        self,
        actor: Actor,
        topic: Topic,
        text: str,
        visibility: Visibility = "private",
        sharer: Sharer | None = None,
    ) -> Reflection:
        """Store a new reflection (committed), then share it if the author chose to.

        If sharing then fails, the reflection stays saved and private and ShareFailed says so.
        """
        check_text(text)
        self.check_visibility(visibility)
        saved = await self.store.add_reflection(
            actor.guild_id,
            actor.user_id,
            about_kind=topic.kind,
            about_id=topic.card_id,
            text=text,
            now=self.clock(),
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

    async def get(self, actor: Actor, reflection_id: int) -> Reflection:
        """The member's own reflection; anyone else's is simply 'not found'."""
        if not 0 < reflection_id <= MAX_ROW_ID:  # from a custom id or option: any number
            raise UserError(not_found(reflection_id))
        found = await self.store.get_reflection(actor.guild_id, actor.user_id, reflection_id)
        if found is None:
            raise UserError(not_found(reflection_id))
        return found

    async def edit(
        self, actor: Actor, reflection_id: int, text: str, sharer: Sharer | None = None
    ) -> Reflection:
        """Replace the text; a shared copy is replaced by one with the new text.

        The author keeps the visibility they chose, even if facilitators have since
        turned anonymous sharing off (the new copy replaces one already shown).
        """
        check_text(text)
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
        return "\n".join(lines)

    async def forget_me(self, actor: Actor, sharer: Sharer | None) -> Forgotten:
        """Erase everything the bot holds about the member in this server.

        Shared copies are removed first, while their records still say where they are;
        a reflection whose post cannot be removed (or checked) keeps its record, and the
        answer says so, so forget-me never claims more than it did.
        """
        kept: list[tuple[int, str]] = []
        pending = await self.store.pending_shares(
            before=datetime.max.replace(tzinfo=UTC),
            guild_id=actor.guild_id,
            author_id=actor.user_id,
        )
        shared = await self.store.shared_messages(actor.guild_id, actor.user_id)
        if not pending and not shared:
            return Forgotten(await self.store.forget_member(actor.guild_id, actor.user_id))
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
        return Forgotten(erased, tuple(sorted(kept)))

    # ---------------------------------------------------------------- facilitators

    async def export_csv(self, actor: Actor, since: datetime | None = None) -> str:
        """Every reflection in the server as CSV; anonymous authors stay hidden unless allowed."""
        await self.check_can_export_all(actor)
        show_anonymous = self.settings.reflections.facilitators_see_anonymous_authors
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "date", "about", "author_id", "visibility", "edited", "text"])
        async for item in self.store.export_reflections(actor.guild_id, since=since):
            hidden = item.anonymous_to_others and not show_anonymous
            writer.writerow(
                [
                    item.id,
                    item.created_at.isoformat(timespec="seconds"),
                    spreadsheet_safe(self.topic_title(item.about_kind, item.about_id)),
                    "anonymous" if hidden else str(item.author_id),
                    item.visibility,
                    item.edited_at.isoformat(timespec="seconds") if item.edited_at else "",
                    spreadsheet_safe(item.text),
                ]
            )
        return buffer.getvalue()

    async def summary(self, actor: Actor) -> tuple[list[str], bytes]:
        """Participation per topic (counts only, no text) and a per-day chart as PNG."""
        await self.check_can_see_summary(actor)
        stats = await self.store.participation(actor.guild_id, tz=await self._zone(actor))
        lines = [f"{stats.reflections} reflection(s) from {stats.authors} member(s)."]
        for topic in stats.topics[:20]:
            lines.append(
                f"{self.topic_title(topic.about_kind, topic.about_id)}: "
                f"{topic.authors} member(s), {topic.reflections} reflection(s)"
            )
        if len(stats.topics) > 20:
            lines.append(f"… and {len(stats.topics) - 20} more.")
        days = [(day.day.isoformat(), day.authors) for day in stats.days]
        # Drawing takes a moment (longer on first use); keep the bot answering meanwhile.
        chart = await asyncio.to_thread(participation_chart, days)
        return lines, chart

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

    async def can_see_all(self, actor: Actor) -> bool:
        return await self.facilitators.is_facilitator(actor)

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
        if reflection.shared_message_id is not None:
            await self._unshare(reflection, self._need_sharer(sharer))
        if visibility == "private":
            return await self._record(actor, reflection.id, "private")
        assert sharer is not None
        try:
            channel_id = await self._share_channel(actor, reflection)
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
                f"Reflection #{reflection.id} is saved. Discord did not confirm the share, so "
                "I will look for it in the channel and record it if it went out; until then "
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
        for reflection in await self.store.pending_shares(before=self.clock() - SETTLE_AFTER):
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

    async def _zone(self, actor: Actor) -> tzinfo:
        """The server's schedule time zone, so 'a day' is the cohort's day."""
        schedule = await self.store.get_schedule(actor.guild_id)
        if schedule is None:
            return UTC
        try:
            return ZoneInfo(schedule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC


def _topic(card: Card) -> Topic:
    kind = cast(AboutKind, card.kind.value if card.kind is not Kind.PROMPT else "prompt")
    return Topic(kind, card.id, card.title)


# What makes a spreadsheet read a cell as a formula: OWASP's list (= + - @ tab CR), the
# newline LibreOffice also strips, and their full-width forms, which some apps fold.
_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def spreadsheet_safe(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection).

    For CSV cells only: the stored text is untouched, and the Markdown export shows it
    exactly as written. The apostrophe is what Excel, LibreOffice and Google Sheets take
    as "this is text".
    """
    return f"'{text}" if text[:1] in _FORMULA_STARTS else text


def participation_chart(days: list[tuple[str, int]]) -> bytes:
    """A bar chart of members reflecting per day, as PNG bytes.

    Uses matplotlib's object API (no pyplot state), so it is safe in a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [day for day, _ in days] or ["no reflections yet"]
    values = [count for _, count in days] or [0]
    axes.bar(range(len(values)), values, color="#2E86AB")
    step = -(-len(labels) // 30)  # at most 30 date labels, so they stay readable
    ticks = range(0, len(labels), step)
    axes.set_xticks(ticks, [labels[i] for i in ticks], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("members who reflected")
    axes.set_title("Reflections per day")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(1, *values) * 1.15)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
