"""When a practice item comes back: fixed gaps, pure functions of the times passed in.

Why fixed gaps: a 2021 meta-analysis of 29 studies found spaced retrieval beat massed
retrieval (g = 0.74) and found no extra gain from expanding over fixed gaps, so a short
fixed ladder does the work without a memory model to tune.

- A right answer moves the item one gap up the ladder (1, 3, 7, 14 days; it stays at
  14). An item answered for the first time counts as being at 1 day, so a first right
  answer returns in 3 days.
- A wrong answer, or "not sure", puts it back to 1 day.
- An item is due from DUE_EARLY before its time, so a member who practises at about the
  same time each day is not kept waiting by minutes.
- What comes next: items never seen (in library order), then due items (most overdue
  first), then nothing, with when the next one is due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GAP_DAYS: tuple[int, ...] = (1, 3, 7, 14)
DUE_EARLY = timedelta(hours=6)


@dataclass(frozen=True)
class ItemState:
    """Where one member stands on one item: the gap reached and when it is due again."""

    step: int  # index into GAP_DAYS of the gap just scheduled
    due_at: datetime


def after_answer(state: ItemState | None, right: bool, now: datetime) -> ItemState:
    """The item's state once answered at ``now``: up one gap if right, else back to 1 day."""
    if right:
        current = 0 if state is None else state.step
        step = min(current + 1, len(GAP_DAYS) - 1)
    else:
        step = 0
    return ItemState(step, now + timedelta(days=GAP_DAYS[step]))


def is_due(state: ItemState, now: datetime) -> bool:
    return state.due_at - DUE_EARLY <= now


@dataclass(frozen=True)
class Next:
    """What to practise now: an item id (new or due), or none and when the next is due."""

    item_id: str | None
    new: bool = False
    next_due: datetime | None = None  # only when item_id is None: when the next is ready


def next_item(item_ids: Sequence[str], states: Mapping[str, ItemState], now: datetime) -> Next:
    """Never-seen items first (in order), then the most overdue, then "all caught up".

    ``states`` may hold items no longer in ``item_ids`` (content changed): they are ignored.
    """
    for item_id in item_ids:
        if item_id not in states:
            return Next(item_id, new=True)
    known = [(states[item_id], item_id) for item_id in item_ids]
    due = [(state.due_at, order, item_id) for order, (state, item_id) in enumerate(known)]
    ready = sorted(entry for entry in due if is_due(states[entry[2]], now))
    if ready:  # most overdue first; equally overdue in library order
        return Next(ready[0][2])
    upcoming = min((state.due_at - DUE_EARLY for state, _ in known), default=None)
    return Next(None, next_due=upcoming)


def due_count(item_ids: Sequence[str], states: Mapping[str, ItemState], now: datetime) -> int:
    """Items ready now: never seen, or due."""
    return sum(1 for item_id in item_ids if item_id not in states or is_due(states[item_id], now))
