"""A member's practice in their own export, and its erasure with forget-me.

Kept apart from the practice service so reflections (export, forget-me) can include
practice without importing the service that answers /practice.
"""

from __future__ import annotations

from bot.library.library import Library
from bot.practice import practice_items
from bot.practice.items import current_item_id
from bot.services.permissions import Actor
from bot.store import Store


async def practice_markdown(store: Store, library: Library, actor: Actor) -> list[str]:
    """The member's answers as Markdown lines (none if they never practised)."""
    answers = await store.practice_answers(actor.guild_id, actor.user_id)
    if not answers:
        return []
    items = {item.item_id: item for item in practice_items(library)}
    lines = ["# My practice answers", ""]
    for answer in answers:
        item = items.get(current_item_id(answer.item_id, library))
        asked = (
            item.question
            if item is not None
            else f"(a check no longer in the library: {answer.item_id})"
        )
        chosen = item.label_of(answer.choice) if item is not None else answer.choice
        verdict = "right" if answer.right else "not right"
        lines += [
            f"- {answer.answered_at:%Y-%m-%d %H:%M} UTC · {verdict} · you answered: {chosen}",
            f"  {' '.join(asked.split())}",
        ]
    lines.append("")
    return lines


async def forget_practice(store: Store, actor: Actor) -> int:
    """Erase the member's practice answers and schedule in this server; how many answers."""
    return await store.forget_practice(actor.guild_id, actor.user_id)
