"""Console card commands: /approach, /expert, /myth, /reveal, /search, /about, /help,
/content reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.console.base import Command, Completer, Handler, words
from bot.library.models import Kind
from bot.services.answers import CardView, SuggestionView
from bot.services.cards import about_view, help_view

if TYPE_CHECKING:
    from bot.console.core import Console

CONSOLE_HELP: tuple[tuple[str, str], ...] = (
    ("/approach [name]", "A treatment or intervention the article discusses."),
    ("/expert [name]", "One of the experts the article quotes, and what they said."),
    ("/myth [name]", "A common belief; /reveal then shows what the evidence says."),
    ("/search words", "The best matching cards of every kind."),
    ("/about", "What this bot is, the content note, and where to find support."),
    ("/prompt status", "When the daily discussion prompt is posted."),
    ("/schedule set HH:MM Zone/Name [days]", "Schedule it, e.g. 09:00 Europe/Berlin weekdays."),
    ("/schedule next [1-25]", "Preview the next dates and prompts."),
    ("/schedule now|skip|pause|resume", "Post the next prompt here; pass over it; stop; restart."),
    ("/schedule quiet DATES [remove]", "Dates with no post, e.g. 2026-12-24..2026-12-26."),
    (
        "/cohort start name:NAME time:HH:MM timezone:ZONE [days: starts: ends: channel:N]",
        "Start a cohort: its schedule, dates and channel (a number here; this one is 1).",
    ),
    ("/cohort list|join|leave [cohort:NAME]", "The cohorts here; take part in one, or stop."),
    ("/cohort edit|end|next [cohort:NAME] …", "Change one; end it; start the next one afresh."),
    ("/cohort add member id:N name:NAME", "Add someone to the cohort's roster."),
    ("/cohort pulse [cohort:NAME]", "Who of the roster reflected on each prompt so far."),
    ("/remind me time:HH:MM [timezone:ZONE]|off", "A reminder on days you have not reflected."),
    ("/reflect [about]", "Write a reflection on the latest prompt or any card."),
    ("/reflections mine [page]", "Your reflections, newest first."),
    ("/reflections edit|delete ID", "Change one's text; delete one (asks first)."),
    ("/reflections share ID private|cohort|anonymous", "Change who sees one."),
    ("/reflections export", "Yours, as a Markdown file."),
    ("/reflections forget-me", "Erase everything the bot holds about you (asks first)."),
    ("/cohort-reflections export [since:YYYY-MM-DD]", "Facilitators: everyone's, as CSV."),
    ("/cohort-reflections summary", "Facilitators: participation, and a chart (PNG)."),
    ("/cohort-reflections beliefs", "Facilitators: belief shift per myth, and a chart (PNG)."),
    ("/practice [stats]", "Your next quick check (answer with /answer N), or your numbers."),
    ("/facilitators show|clear-role|set-role ROLE_ID", "Who counts as a facilitator."),
    ("/content reload", "Re-read content/ and report what changed (/reload for short)."),
    ("/help", "This list."),
    ("/quit", "Leave (Ctrl-D too). Ctrl-C cancels what you are typing."),
)


class CardCommands:
    """Card lookups, and the state of the last myth shown (for /reveal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.last_myth: str | None = None
        self.revealed = False

    def register(self) -> None:
        add = self.console.add
        for kind in (Kind.APPROACH, Kind.EXPERT, Kind.MYTH):
            add(Command(kind.value, self._card_handler(kind), card_completer(self.console, kind)))
        add(Command("search", self._search, card_completer(self.console, None)))
        add(Command("reveal", self._reveal))
        add(Command("about", self._about))
        add(Command("help", self._help))
        add(Command("content", self._content, words(("reload",))))
        add(Command("reload", self._reload))

    def _card_handler(self, kind: Kind) -> Handler:
        async def handler(args: str) -> str:
            cards, render = self.console.services.cards, self.console.render
            args = without_options(args, "name", "private")
            if not args:
                return render.options(kind.section.title(), cards.browse(kind))
            result = cards.lookup(kind, args)
            if isinstance(result, SuggestionView):
                return render.suggestions(result)
            return self._show(result)

        return handler

    def _show(self, view: CardView) -> str:
        self.last_myth = view.card_id if view.reveal_label else None
        self.revealed = False
        return self.console.render.card(view)

    async def _search(self, args: str) -> str:
        args = without_options(args, "query", "private")
        if not args:
            return "Usage: /search words to look for"
        found = self.console.services.cards.search(args)
        return self.console.render.options(f"Best matches for “{args}”", found)

    async def _reveal(self, _args: str) -> str:
        if self.last_myth is None:
            return "Nothing to reveal: look up a myth first, e.g. /myth"
        view = self.console.services.cards.view(self.last_myth, reveal=True)
        if view is None:
            return "That card is no longer in the library."
        if self.revealed:
            return f"The answer to “{view.title}” is already shown above."
        self.revealed = True
        return self.console.render.card(view)

    async def _about(self, _args: str) -> str:
        services = self.console.services
        view = about_view(services.content.library, services.settings.support_text)
        return self.console.render.text(view)

    async def _help(self, _args: str) -> str:
        return self.console.render.text(help_view(CONSOLE_HELP))

    async def _content(self, args: str) -> str:
        if args.lower() != "reload":
            return "Usage: /content reload"
        return await self._reload("")

    async def _reload(self, _args: str) -> str:
        report = await self.console.services.reload_content(self.console.actor)
        return "\n".join(report.lines())


def without_options(args: str, value: str, *ignored: str) -> str:
    """Discord's option syntax typed in the console: ``name:…`` is the value, and
    ``private:True`` means nothing here (the console shows everything only to you)."""
    kept = []
    for word in args.split(" "):
        key, colon, rest = word.partition(":")
        if colon and rest and key.lower() in ignored:
            continue
        kept.append(rest if colon and rest and key.lower() == value else word)
    return " ".join(kept).strip()


def card_completer(console: Console, kind: Kind | None) -> Completer:
    """Tab offers card titles (fuzzy, as Discord's autocomplete)."""

    def complete(typed: str) -> list[str]:
        options = console.services.cards.autocomplete(kind, typed)
        library = console.services.content.library
        return [card.title for option in options if (card := library.get(option.card_id))]

    return complete


def register(console: Console) -> None:
    CardCommands(console).register()
