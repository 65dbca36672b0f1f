"""The facilitators' belief-shift picture: per myth, how many members held it at their
first check and at their latest. Counts and a chart only, never who, and nothing for a
myth fewer than MIN_MEMBERS members have answered (a small group would identify people).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from bot.library.library import Library
from bot.library.models import Kind
from bot.practice.items import MYTH_PREFIX, TRUE, current_item_id, myth_item_id
from bot.services.answers import plural
from bot.store import Store
from bot.text import clip

MIN_MEMBERS = 5
CHART_LABEL = 45


@dataclass(frozen=True)
class BeliefShift:
    """One myth: of ``members`` who answered it, how many held it first and latest."""

    card_id: str
    title: str
    members: int
    held_first: int
    held_latest: int


@dataclass(frozen=True)
class BeliefsView:
    """Lines of counts, and a PNG chart when at least one myth has enough members."""

    lines: tuple[str, ...]
    shifts: tuple[BeliefShift, ...]
    hidden: int  # myths answered, but by fewer than MIN_MEMBERS members
    chart_png: bytes | None


async def belief_picture(store: Store, library: Library, guild_id: int) -> BeliefsView:
    """The belief shift for one server (callers check that the asker is a facilitator)."""
    per_item = await first_and_latest(store, library, guild_id)
    shifts: list[BeliefShift] = []
    hidden = 0
    for card in library.of_kind(Kind.MYTH):
        answers = per_item.get(myth_item_id(card.id), [])
        if not answers:
            continue
        if len(answers) < MIN_MEMBERS:
            hidden += 1
            continue
        shifts.append(
            BeliefShift(
                card.id,
                card.title,
                len(answers),
                sum(1 for first, _ in answers if first == TRUE),
                sum(1 for _, latest in answers if latest == TRUE),
            )
        )
    chart = await asyncio.to_thread(belief_chart, shifts) if shifts else None
    return BeliefsView(belief_lines(shifts, hidden), tuple(shifts), hidden, chart)


async def first_and_latest(
    store: Store, library: Library, guild_id: int
) -> dict[str, list[tuple[str, str]]]:
    """Per myth item (by its current id), each member's first and latest choice, with
    who they are dropped here: nothing below this point can name anyone."""
    seen: dict[tuple[str, int], tuple[str, str]] = {}
    for user_id, item_id, choice in await store.answers_in_order(guild_id, f"{MYTH_PREFIX}:"):
        key = (current_item_id(item_id, library), user_id)
        first = seen[key][0] if key in seen else choice
        seen[key] = (first, choice)
    per_item: dict[str, list[tuple[str, str]]] = {}
    for (item_id, _), pair in seen.items():
        per_item.setdefault(item_id, []).append(pair)
    return per_item


def belief_lines(shifts: list[BeliefShift], hidden: int) -> tuple[str, ...]:
    """One line per myth shown, and how many are held back for being too small."""
    lines = [
        f"{shift.title}: held by {shift.held_first} of {plural(shift.members, 'member')} "
        f"at their first check, {shift.held_latest} at their latest."
        for shift in shifts
    ]
    if not shifts and not hidden:
        lines.append("No member has answered a myth check yet.")
    if hidden:
        lines.append(
            f"{plural(hidden, 'myth')} answered by fewer than {MIN_MEMBERS} members "
            "not shown: groups that small would identify people."
        )
    return tuple(lines)


def belief_chart(shifts: list[BeliefShift]) -> bytes:
    """Paired bars per myth: the share holding it at first check and at the latest (PNG).

    matplotlib's object API (no pyplot state), so it is safe in a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    height = 1.2 + 0.6 * len(shifts)
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    rows = range(len(shifts))
    first = [100 * s.held_first / s.members for s in shifts]
    latest = [100 * s.held_latest / s.members for s in shifts]
    axes.barh([r + 0.2 for r in rows], first, height=0.4, color="#C0392B", label="first check")
    axes.barh([r - 0.2 for r in rows], latest, height=0.4, color="#2E86AB", label="latest")
    labels = [f"{clip(s.title, CHART_LABEL)} (n={s.members})" for s in shifts]
    axes.set_yticks(list(rows), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter(PercentFormatter())
    axes.set_xlabel("members who said the myth is true")
    axes.set_title("Belief shift per myth: first check and latest")
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
