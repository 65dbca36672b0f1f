"""``cohort-bot preview ID``: a card as Discord will show it, with each limit's use."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.discord_face.colours import COLOURS
from bot.library.curricula import DEFAULT_CURRICULUM
from bot.library.loader import ContentUnreadable
from bot.services.answers import CardView
from bot.services.cards import card_view
from bot.services.chat_limits import embed_usage
from bot.services.content import check_content


def preview(card_id: str, content_dir: Path, curriculum: str = DEFAULT_CURRICULUM) -> int:
    """Print the card's embed parts, buttons and limit usage; 1 if it has problems."""
    try:
        result = check_content(content_dir)
    except ContentUnreadable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    libraries = result.libraries
    if libraries is None:
        for problem in result.problems:
            print(problem)
        print("Fix these problems first (cohort-bot check).", file=sys.stderr)
        return 1
    library = libraries.get(curriculum)
    if library is None:
        print(f"No curriculum '{curriculum}'. Curricula: {', '.join(libraries)}", file=sys.stderr)
        return 1
    card = library.get(card_id) or library.find(card_id)
    if card is None:
        close = ", ".join(c.id for c in library.rank(card_id, limit=5))
        print(f"No card '{card_id}'. Closest: {close or 'none'}", file=sys.stderr)
        return 1
    views = [card_view(card, library, reveal=False)]
    if views[0].reveal_label:
        views.append(card_view(card, library, reveal=True))
    for view in views:
        print(describe(view))
    return 0


def describe(view: CardView) -> str:
    """The embed as labelled parts, then buttons, then limit usage."""
    state = "before reveal" if view.reveal_label else "shown"
    lines = [f"=== {view.kind.value} '{view.card_id}' ({state}) — colour #{COLOURS[view.kind]:06x}"]
    lines += [f"author:      {view.author}", f"title:       {view.title}", "description:"]
    lines += [f"  {line}" for line in view.description.splitlines()]
    for item in view.fields:
        lines.append(f"field:       {item.name}: {item.value}")
    lines.append(f"footer:      {view.footer}")
    buttons = [f"[{link.label}]" for link in view.links]
    if view.reveal_label:
        buttons.insert(0, f"[{view.reveal_label}]")
    lines.append(f"buttons:     {' '.join(buttons) or 'none'}")
    usage = ", ".join(str(u) + (" OVER" if u.over else "") for u in embed_usage(view))
    lines.append(f"limits:      {usage}")
    return "\n".join(lines) + "\n"
