"""Practice: the checks members answer (items) and when each comes back (spacing).

Both are pure: items are read from the card library, spacing is arithmetic on the
times passed in. The services keep the answers in the store and decide who sees what.
"""

from bot.practice.items import ItemKind, PracticeItem, practice_items
from bot.practice.spacing import GAP_DAYS, ItemState, Next, after_answer, next_item

__all__ = [
    "GAP_DAYS",
    "ItemKind",
    "ItemState",
    "Next",
    "PracticeItem",
    "after_answer",
    "next_item",
    "practice_items",
]
