"""Console /practice and /answer: the member's next check, its reveal, their numbers,
and the facilitators' belief shift (/cohort-reflections beliefs writes its chart here).

Discord answers with buttons; the console keeps the check it last showed and takes
``/answer N`` for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.console.base import Command, words
from bot.console.text_render import command
from bot.services.practice import CaughtUpView, CheckView, RevealView

if TYPE_CHECKING:
    from bot.console.core import Console

ACTIONS = ("check", "stats")


class PracticeCommands:
    """/practice [stats] and /answer N for the console's one member."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.showing: CheckView | None = None

    async def practice(self, args: str) -> str:
        action = args.strip().lower() or "check"
        if action == "stats":
            stats = await self.console.services.practice.stats(self.console.actor)
            lines = [self.console.render.rich(line) for line in stats.lines]
            return "\n".join([self.console.render.rule("Your practice"), *lines])
        if action != "check":
            return f"Unknown action “{action}”. Try: {', '.join(ACTIONS)}."
        shown = await self.console.services.practice.next_check(self.console.actor)
        if isinstance(shown, CaughtUpView):
            self.showing = None
            return self.console.render.rich(shown.text)
        self.showing = shown
        return self.check_text(shown)

    def check_text(self, view: CheckView) -> str:
        render = self.console.render
        choices = "   ".join(f"{number}) {label}" for number, (_, label) in _numbered(view))
        parts = [render.rule(view.title), render.wrap(view.description), choices]
        parts.append(f"Type /answer 1 to {len(view.choices)}. {view.footer}.")
        return "\n\n".join(parts)

    async def answer(self, args: str) -> str:
        view = self.showing
        if view is None:
            return "No check is open; type /practice for your next one."
        picked = args.strip()
        numbered = {str(number): key for number, (key, _) in _numbered(view)}
        if picked not in numbered:
            return f"Type /answer with a number from 1 to {len(view.choices)}."
        self.showing = None
        reveal = await self.console.services.practice.answer(
            self.console.actor, view.item_id, numbered[picked]
        )
        return self.reveal_text(reveal)

    def reveal_text(self, view: RevealView) -> str:
        render = self.console.render
        parts = [
            render.rule("Quick check"),
            render.wrap(view.title),
            render.wrap(view.description),
        ]
        parts += [render.field(item.name, item.value) for item in view.fields]
        cards = " · ".join(
            f"{link.label} ({command(link.kind.value, link.card_id)})" for link in view.links
        )
        parts += [render.wrap(f"Related: {cards}"), render.wrap(view.footer)]
        parts.append("Type /practice for the next check.")
        return "\n\n".join(parts)


def _numbered(view: CheckView) -> list[tuple[int, tuple[str, str]]]:
    return list(enumerate(view.choices, start=1))


async def beliefs_text(console: Console) -> str:
    """/cohort-reflections beliefs: counts, and the chart written to the files folder."""
    view = await console.services.practice.beliefs(console.actor)
    lines = [console.render.rule("Belief shift per myth"), *view.lines]
    if view.chart_png is not None:
        now = console.services.clock()
        path = console.write_file(f"beliefs-{now:%Y%m%d-%H%M%S}.png", view.chart_png)
        lines.append(f"Chart of the belief shift: {path}")
    return "\n".join(lines)


def register(console: Console) -> None:
    commands = PracticeCommands(console)
    console.add(Command("practice", commands.practice, words(ACTIONS)))
    console.add(Command("answer", commands.answer))
