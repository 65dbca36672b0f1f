"""Practice: a member's next check, their answer and its reveal, and their own numbers.

Answers are the member's own: kept per server and member, committed before the reveal
is returned, shown back only to them, included in their export and erased by forget-me
(bot/services/practice_records.py). What comes next, and when an item returns, is
decided by the pure rules in bot/practice/spacing.py on the clock passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.library.library import Library
from bot.library.models import Card
from bot.practice import ItemState, PracticeItem, after_answer, next_item, practice_items
from bot.practice.items import FALSE, TRUE, UNSURE, ItemKind, current_item_id
from bot.practice.spacing import DUE_EARLY, due_count, is_due
from bot.services.answers import Link, ViewField, plural
from bot.services.beliefs import BeliefsView, belief_picture
from bot.services.cards import citation_line
from bot.services.chat_limits import MAX_LINK_BUTTONS
from bot.services.permissions import Actor
from bot.services.store_backed import StoreService
from bot.store.practice import NewState, PracticeAnswerRow, PracticeStateRow
from bot.text import Moment, Rich
from bot.user_error import UserError

GONE = "That check is no longer in the library; /practice gives you the next one."
RELATED_SHOWN = 4  # one row of buttons under the reveal, beside the card itself
UTC_ZONE = "UTC"


@dataclass(frozen=True)
class CheckView:
    """One item to answer, privately: the statement or situation and its choices."""

    item_id: str
    title: str
    description: str
    choices: tuple[tuple[str, str], ...]  # (key, label) in the order shown
    footer: str


@dataclass(frozen=True)
class CaughtUpView:
    """Nothing is ready: when the next check is, if any."""

    text: Rich


@dataclass(frozen=True)
class RevealView:
    """What an answer shows: right or not, the evidence, its source, related cards."""

    item_id: str
    right: bool
    counted: bool  # False: this showing had already been answered; nothing new was kept
    title: str
    description: str
    fields: tuple[ViewField, ...]
    footer: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class PracticeStatsView:
    """A member's own practice numbers: only they see them."""

    lines: tuple[Rich, ...]


@dataclass(eq=False)
class PracticeService(StoreService):
    """/practice for members; every answer is theirs alone."""

    def items(self) -> list[PracticeItem]:
        """Every practice item in the current library, in the order members meet them."""
        return practice_items(self.content.library)

    def item(self, item_id: str) -> PracticeItem | None:
        return next((item for item in self.items() if item.item_id == item_id), None)

    async def next_check(self, actor: Actor) -> CheckView | CaughtUpView:
        """The member's next item: never seen first, then the most overdue, else caught up."""
        items = self.items()
        states = await self._states(actor)
        now = self.clock()
        ids = [item.item_id for item in items]
        chosen = next_item(ids, states, now)
        if chosen.item_id is None:
            return CaughtUpView(self._caught_up(chosen.next_due))
        item = next(item for item in items if item.item_id == chosen.item_id)
        waiting = due_count(ids, states, now) - 1
        return self._check_view(item, waiting)

    async def answer(self, actor: Actor, item_id: str, choice: str) -> RevealView:
        """Keep the answer (committed), move the item on its ladder, and reveal the evidence.

        A second answer to the same showing (a double click) is not counted again.
        """
        item = self.item(current_item_id(item_id, self.content.library))
        if item is None:
            raise UserError(GONE)
        item_id = item.item_id
        if choice not in dict(item.choices):
            raise UserError("That is not one of this check's answers; /practice shows it again.")
        rows = {row.item_id: row for row in await self.store.practice_states(*_who(actor))}
        stored = rows.get(item_id)  # what the store must still hold for this answer to count
        before = stored or self._renamed_state(rows, item_id)
        now = self.clock()
        right = item.is_right(choice)
        if before is None or is_due(_state(before), now):
            new = after_answer(None if before is None else _state(before), right, now)
            counted = await self.store.record_practice_answer(
                *_who(actor),
                item_id,
                choice=choice,
                right=right,
                expected=stored,
                new=NewState(new.step, new.due_at),
                now=now,
            )
        else:
            counted = False  # answered already and not due: the reveal, nothing kept
        return self._reveal(item, choice, right, counted)

    async def stats(self, actor: Actor) -> PracticeStatsView:
        """Items seen, how often right, and what is coming: the member's own numbers."""
        answers = await self.store.practice_answers(*_who(actor))
        states = await self._states(actor)
        items = self.items()
        ids = [item.item_id for item in items]
        now = self.clock()
        seen = sum(1 for item_id in ids if item_id in states)
        lines = [Rich.of(f"Seen {seen} of {plural(len(ids), 'check')}.")]
        if answers:
            right = sum(1 for answer in answers if answer.right)
            share = round(100 * right / len(answers))
            lines.append(Rich.of(f"{plural(len(answers), 'answer')}, {right} right ({share}%)."))
            held = _myths_held(answers, ids, self.content.library)
            if held:
                lines.append(Rich.of(f"Myths you last answered as true: {held}."))
        ready = due_count(ids, states, now)
        lines.append(Rich.of(f"Ready now: {ready}."))
        waiting = [s.due_at for i, s in states.items() if i in ids and not is_due(s, now)]
        soon = sum(1 for due in waiting if due <= now + timedelta(days=7))
        if waiting:
            lines.append(
                Rich.of(
                    f"Coming in the next 7 days: {soon}. The next is ready ",
                    Moment(min(waiting) - DUE_EARLY, UTC_ZONE),
                    ".",
                )
            )
        return PracticeStatsView(tuple(lines))

    # ---------------------------------------------------------------- facilitators

    async def check_can_see_beliefs(self, actor: Actor) -> None:
        """Refuse anyone but facilitators (faces ask before drawing the chart)."""
        await self.facilitators.require(actor, "see the belief-shift picture")

    async def beliefs(self, actor: Actor) -> BeliefsView:
        """Per myth, how many held it at first check and latest: counts, never names."""
        await self.check_can_see_beliefs(actor)
        return await belief_picture(self.store, self.content.library, actor.guild_id)

    # ---------------------------------------------------------------- views

    def _check_view(self, item: PracticeItem, waiting: int) -> CheckView:
        more = f" · {waiting} more ready" if waiting > 0 else ""
        footer = f"Quick check · only you see this and your answer{more}"
        if item.kind is ItemKind.MYTH:
            return CheckView(
                item.item_id,
                "Quick check: is it true?",
                f"**The claim:** {item.question}\n\n*What do you think?*",
                item.choices,
                footer,
            )
        card = self.content.library.get(item.card_id)
        about = f"**About:** {card.title}\n\n" if card is not None else ""
        options = "\n".join(f"**{key}.** {label}" for key, label in item.choices)
        return CheckView(
            item.item_id,
            "Quick check: what fits best?",
            f"{about}{item.question}\n\n{options}",
            tuple((key, key) for key, _ in item.choices),
            footer,
        )

    def _reveal(self, item: PracticeItem, choice: str, right: bool, counted: bool) -> RevealView:
        library = self.content.library
        card = library.get(item.card_id)
        if card is None:
            raise UserError(GONE)
        answered = item.label_of(choice)
        if item.kind is ItemKind.MYTH:
            title = _myth_verdict(choice)
            body = (
                f"**The claim:** {item.question}\n**You answered:** {answered}\n\n"
                f"**What the article says:** {item.why}"
            )
            footer = citation_line(card, library)
        else:
            title = "Right: that is the best answer." if right else "Not the best answer."
            best = f"{item.best}. {item.label_of(item.best)}"
            body = (
                f"{item.question}\n\n**You answered:** {choice}. {answered}\n"
                f"**Best answer:** {best}\n\n**Why:** {item.why}"
            )
            footer = _check_source(card, item, library)
        if not counted:
            footer = f"Already answered; this answer was not counted again. {footer}"
        return RevealView(
            item_id=item.item_id,
            right=right,
            counted=counted,
            title=title,
            description=body,
            fields=_evidence(card),
            footer=footer,
            links=_links(card, library),
        )

    def _caught_up(self, next_due: datetime | None) -> Rich:
        if next_due is None:
            return Rich.of("There are no checks yet: the library has no myths or checks.")
        return Rich.of("All caught up. Your next check is ready ", Moment(next_due, UTC_ZONE), ".")

    async def _states(self, actor: Actor) -> dict[str, ItemState]:
        """The member's state per current item id; a renamed card's latest state wins."""
        library = self.content.library
        rows = sorted(await self.store.practice_states(*_who(actor)), key=lambda r: r.answered_at)
        return {current_item_id(row.item_id, library): _state(row) for row in rows}

    def _renamed_state(
        self, rows: dict[str, PracticeStateRow], item_id: str
    ) -> PracticeStateRow | None:
        """The state kept under a card's former id, carried over to its current one."""
        library = self.content.library
        older = [r for r in rows.values() if current_item_id(r.item_id, library) == item_id]
        if not older:
            return None
        latest = max(older, key=lambda r: r.answered_at)
        return PracticeStateRow(item_id, latest.step, latest.due_at, latest.answered_at)


def _who(actor: Actor) -> tuple[int, int]:
    return actor.guild_id, actor.user_id


def _state(row: PracticeStateRow) -> ItemState:
    return ItemState(row.step, row.due_at)


def _myth_verdict(choice: str) -> str:
    if choice == FALSE:
        return "Right: the article does not support this belief."
    if choice == TRUE:
        return "Not quite: the article does not support this belief."
    assert choice == UNSURE
    return "Here is what the article says."


def _myths_held(answers: list[PracticeAnswerRow], ids: list[str], library: Library) -> int:
    """Myths whose latest answer was "true": the member's own view of what they still hold."""
    latest: dict[str, str] = {}
    for answer in answers:
        latest[current_item_id(answer.item_id, library)] = answer.choice
    return sum(1 for item_id, choice in latest.items() if item_id in ids and choice == TRUE)


def _evidence(card: Card) -> tuple[ViewField, ...]:
    evidence = getattr(card, "evidence", None)
    if evidence is None:
        return ()
    return (ViewField("Evidence", f"**{evidence.level.label}.** {evidence.note}"),)


def _check_source(card: Card, item: PracticeItem, library: Library) -> str:
    cited = card.sources[0].source
    source = library.sources.get(cited)
    name = f"{source.title} ({source.year})" if source else cited
    return f"Source: {name}, {item.at}"


def _links(card: Card, library: Library) -> tuple[Link, ...]:
    """The card the item comes from, then a few related cards."""
    links = [Link(card.id, card.title, card.kind)]
    for other_id in card.related[:RELATED_SHOWN]:
        other = library.get(other_id)
        if other is not None:
            links.append(Link(other.id, other.title, other.kind))
    return tuple(links[:MAX_LINK_BUTTONS])
