"""Console /reflect and /reflections: writing, paging, editing, sharing, exports, erasure.

The console has one member who is also the facilitator. What Discord sends as a file
is written into the console's files folder and its path printed; what Discord posts
for the cohort is printed here (the console's stand-in for the channel).
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from bot.console.base import Command, Draft, Question, sentence, split_options, words
from bot.console.cards import card_completer
from bot.console.practice import beliefs_text
from bot.services.answers import plural
from bot.services.exports import day_after
from bot.services.reflections import Forgotten, ReflectionService
from bot.services.sharing import SharedPost, visibility_note
from bot.store import Visibility
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.console.core import Console

ACTIONS = ("mine", "edit", "delete", "share", "export", "forget-me")
COHORT_ACTIONS = ("export", "summary", "beliefs")  # Discord's facilitators' group
VISIBILITIES = ("private", "cohort", "anonymous")


class ConsoleSharer:
    """The console's stand-in for the cohort's channel: a shared reflection is printed."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._ids = itertools.count(time.time_ns() // 1000)  # unique across sessions

    async def author_may_post(self, channel_id: int) -> bool:
        return True  # the console's member may post in its one channel

    async def share(self, channel_id: int, post: SharedPost) -> int:
        who = "anonymously" if post.author_id is None else "under your name"
        shown = self.console.render.wrap(f"**Reflection on {post.topic_title}**\n{post.text}")
        self.console.printed.append(f"Shared with the cohort {who}:\n{shown}")
        return next(self._ids)

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        return None  # printing cannot half-happen

    async def unshare(self, channel_id: int, message_id: int) -> None:
        self.console.printed.append("(The shared copy is taken down.)")


class ReflectionCommands:
    """/reflect, /reflections and /cohort-reflections for the console's one member."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.sharer = ConsoleSharer(console)

    @property
    def service(self) -> ReflectionService:
        return self.console.services.reflections

    async def reflect(self, args: str) -> str:
        kept = self.console.draft
        if kept is not None and not args and kept.key.startswith("reflect:"):
            return self.console.start_draft(kept, "")  # plain /reflect goes on with it
        actor = self.console.actor
        topic = await self.service.topic(actor.guild_id, args or None, actor)

        async def finish(text: str) -> str:
            saved = await self.service.save(self.console.actor, topic, text)
            return f"Saved reflection #{saved.id}. {visibility_note(saved)}"

        draft = Draft(f"reflect:{topic.card_id}", f"on {topic.title}", "/reflect", finish)
        intro = sentence(f"Reflecting on {topic.title}") + (
            " Only you and facilitators will see it."
        )
        return self.console.start_draft(draft, intro)

    async def reflections(self, args: str) -> str:
        action, _, rest = args.partition(" ")
        action, rest = action.lower() or "mine", rest.strip()
        if action == "mine":
            return await self.mine(rest)
        if action == "edit":
            return await self.edit(rest)
        if action == "delete":
            return await self.delete(rest)
        if action == "share":
            return await self.share(rest)
        if action == "export":
            return await self.export(rest)
        if action == "summary":
            return await self.summary()
        if action in {"forget-me", "forget"}:
            return self.forget_me()
        return f"Unknown action “{action}”. Try: {', '.join(ACTIONS)}."

    async def mine(self, rest: str) -> str:
        page = max(int(rest) - 1, 0) if rest.isdigit() else 0
        shown = await self.service.page(self.console.actor, page)
        if not shown.total:
            return "No reflections yet. Use /reflect to write one."
        if shown.page != page:
            are = "is" if shown.pages == 1 else "are"
            return f"There {are} only {plural(shown.pages, 'page')}."
        blocks = [
            self.console.render.wrap(f"**{entry.heading}**\n{entry.text}")
            for entry in shown.entries
        ]
        footer = f"Page {shown.page + 1} of {shown.pages} ({shown.total} in all)"
        if shown.older is not None:
            footer += f"; /reflections mine {shown.older + 1} for older ones"
        return "\n\n".join([*blocks, footer])

    async def edit(self, rest: str) -> str:
        reflection_id = _number(rest, "edit")
        kept = self.console.draft
        key = f"edit:{reflection_id}"
        if kept is not None and kept.key == key:
            return self.console.start_draft(kept, "")
        before = await self.service.get(self.console.actor, reflection_id)

        async def finish(text: str) -> str:
            edited = await self.service.edit(self.console.actor, reflection_id, text, self.sharer)
            return f"Reflection #{edited.id} is updated. {visibility_note(edited)}"

        resume = f"/reflections edit {reflection_id}"
        draft = Draft(key, f"editing #{reflection_id}", resume, finish)
        current = self.console.render.wrap(before.text, indent="  ")
        intro = f"Reflection #{reflection_id} now reads:\n{current}\nType its new text."
        return self.console.start_draft(draft, intro)

    async def delete(self, rest: str) -> str:
        reflection_id = _number(rest, "delete")
        before = await self.service.get(self.console.actor, reflection_id)  # ask only if it exists

        async def yes() -> str:
            await self.service.delete(self.console.actor, reflection_id, self.sharer)
            return f"Reflection #{reflection_id} is deleted, with any shared copy."

        topic = self.service.topic_title(before.about_kind, before.about_id)
        return self.console.ask(
            f"Delete reflection #{reflection_id} ({topic})? This cannot be undone.",
            Question(yes, "Nothing was deleted."),
        )

    async def share(self, rest: str) -> str:
        plain, named = split_options(rest)
        visibility = named.get("visibility") or (plain[1] if len(plain) > 1 else "")
        if not plain or visibility.lower() not in VISIBILITIES:
            return "Usage: /reflections share ID private|cohort|anonymous"
        reflection_id = _number(plain[0], "share")
        chosen = cast(Visibility, visibility.lower())
        shared = await self.service.set_visibility(
            self.console.actor, reflection_id, chosen, self.sharer
        )
        return f"Reflection #{shared.id}: {visibility_note(shared)}"

    async def export(self, rest: str) -> str:
        plain, named = split_options(rest)
        scope = (named.get("scope") or (plain[0] if plain else "mine")).lower()
        since_text = named.get("since") or (plain[1] if len(plain) > 1 else "")
        now = self.console.services.clock()
        actor = self.console.actor
        if scope == "mine":
            text = await self.service.export_mine(actor)
            path = self.console.write_file(f"my-reflections-{now:%Y%m%d-%H%M%S}.md", text)
            return f"Your reflections are in {path}"
        if scope != "everyone":
            return "Usage: /reflections export [mine|everyone] [since:YYYY-MM-DD]"
        until = _since(named.get("until", ""))
        csv_text = await self.service.export_csv(
            actor,
            _since(since_text),
            day_after(until),
            named.get("cohort"),
        )
        path = self.console.write_file(f"reflections-{now:%Y%m%d-%H%M%S}.csv", csv_text)
        return f"Every member's reflections (CSV, for facilitators only): {path}"

    async def summary(self, cohort: str | None = None) -> str:
        actor = self.console.actor
        if cohort:
            summary = await self.console.services.pulse.cohort_summary(actor, cohort)
        else:
            summary = await self.service.summary(actor)
        now = self.console.services.clock()
        name = f"participation-{now:%Y%m%d-%H%M%S}.png"
        path = self.console.write_file(name, summary.chart_png)
        lines = [*summary.lines, f"Chart of members reflecting per day: {path}"]
        if summary.beliefs_png is not None:
            shift = self.console.write_file(f"beliefs-{now:%Y%m%d-%H%M%S}.png", summary.beliefs_png)
            lines.append(f"Chart of the belief shift per myth: {shift}")
        return "\n".join(lines)

    async def cohort(self, args: str) -> str:
        """/cohort-reflections export [since] | summary: the facilitators' views."""
        action, _, rest = args.partition(" ")
        if action.lower() == "export":
            return await self.export(f"everyone {rest}")
        if action.lower() == "summary":
            _, named = split_options(rest)
            return await self.summary(named.get("cohort"))
        if action.lower() == "beliefs":
            return await beliefs_text(self.console)
        return (
            "Usage: /cohort-reflections export [since:YYYY-MM-DD] [until:YYYY-MM-DD] "
            "[cohort:NAME] | summary [cohort:NAME] | beliefs"
        )

    def forget_me(self) -> str:
        async def yes() -> str:
            return forgotten_text(await self.service.forget_me(self.console.actor, self.sharer))

        return self.console.ask(
            "Erase all your reflections (and shared copies) here? This cannot be undone.",
            Question(yes, "Nothing was erased."),
        )


def forgotten_text(done: Forgotten) -> str:
    """What forget-me did, and only that."""
    erased = plural(done.erased, "reflection")
    if done.practice_answers:
        erased += f", {plural(done.practice_answers, 'practice answer')}"
    if not done.kept:
        return f"Done: everything the bot held about you here is erased ({erased})."
    kept = "\n".join(f"- #{number}: {why}" for number, why in done.kept)
    return f"Erased {erased}. Not erased yet, because their shared posts remain:\n{kept}"


def _number(text: str, action: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit():
        raise UserError(f"Usage: /reflections {action} ID (the number /reflections mine shows)")
    return int(cleaned)


def _since(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"“{text[:40]}” is not a date; write it as YYYY-MM-DD.") from None


def register(console: Console) -> None:
    commands = ReflectionCommands(console)
    console.add(Command("reflect", commands.reflect, card_completer(console, None)))
    console.add(Command("reflections", commands.reflections, words(ACTIONS)))
    console.add(Command("cohort-reflections", commands.cohort, words(COHORT_ACTIONS)))
