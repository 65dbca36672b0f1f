"""A local terminal face on the services: try the bot with no Discord account.

It takes the same slash commands as Discord and prints the same views as text.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from bot import calendar
from bot.errors import UserError
from bot.library.models import Kind
from bot.services.actors import Actor
from bot.services.cards import about_view, help_view
from bot.services.hub import Services
from bot.services.prompts import PromptPost
from bot.services.reflections import PAGE_SIZE, Topic
from bot.services.views import CardView, SuggestionView
from bot.textrender import TextRenderer

CONSOLE_GUILD, CONSOLE_USER, CONSOLE_CHANNEL = 0, 1, 0
PROMPT_ACTIONS = ("status", "next", "now", "schedule", "skip", "pause", "resume", "quiet")

Handler = Callable[[str], Awaitable[str]]
Completer = Callable[[str], list[str]]

CONSOLE_HELP = (
    ("/prompt next [n]|now|skip|pause|resume", "Console forms of the facilitator commands."),
    ("/prompt schedule HH:MM Zone/Name [days]", "Schedule the console cohort's prompt."),
    ("/prompt quiet YYYY-MM-DD[,…]", "Dates with no post."),
    ("/reveal", "Console only: reveal the last myth's answer."),
    ("/reload", "Console only: re-read content/ and report what changed."),
    ("/quit", "Leave the console (Ctrl-D works too)."),
)


@dataclass
class Command:
    name: str
    handler: Handler
    complete: Completer = field(default=lambda typed: [])


class Console:
    """Reads slash commands, runs them through the services, prints the views."""

    def __init__(self, services: Services, renderer: TextRenderer | None = None) -> None:
        self.services = services
        self.render = renderer or TextRenderer()
        self._last_myth: str | None = None
        self.commands: dict[str, Command] = {}
        for kind in (Kind.APPROACH, Kind.EXPERT, Kind.MYTH):
            self.add(Command(kind.value, self._card_handler(kind), self._card_completer(kind)))
        self.add(Command("search", self._search, self._card_completer(None)))
        self.add(Command("about", self._about))
        self.add(Command("help", self._help))
        self.add(Command("reveal", self._reveal))
        self.add(Command("reload", self._reload))
        self.add(Command("prompt", self._prompt, _words(PROMPT_ACTIONS)))
        self.add(Command("reflect", self._reflect, self._card_completer(None)))
        self.add(Command("reflections", self._reflections, _words(("mine",))))
        self.actor = Actor(
            user_id=CONSOLE_USER, guild_id=CONSOLE_GUILD, display_name="you", manages_server=True
        )
        self._draft: tuple[Topic, list[str]] | None = None

    def add(self, command: Command) -> None:
        """Register a command; later features add theirs the same way."""
        self.commands[command.name] = command

    def banner(self) -> str:
        """What the console prints first: the content note comes before any card."""
        lines = ["cohort-bot console. Type /help for commands, /quit to leave.", ""]
        content = self.services.content
        if content.loaded:
            about = content.library.about
            lines += [self.render.wrap(f"**{about.name}** — content note: {about.content_note}")]
        else:
            lines += self._problem_lines()
        return "\n".join(lines)

    async def execute(self, line: str) -> str:
        """Run one line and return what to print; never raises for bad input."""
        if self._draft is not None:
            return await self._continue_draft(line)
        name, _, args = line.strip().partition(" ")
        name = name.removeprefix("/").lower()
        if not name:
            return ""
        command = self.commands.get(name)
        if command is None:
            known = ", ".join(f"/{n}" for n in sorted(self.commands))
            return f"Unknown command /{name}. Commands: {known}."
        try:
            return await command.handler(args.strip())
        except UserError as error:
            return str(error)

    def complete(self, buffer: str) -> list[str]:
        """Completions for the whole line typed so far (commands, then card names)."""
        if " " not in buffer:
            typed = buffer.removeprefix("/").lower()
            return [f"/{name} " for name in sorted(self.commands) if name.startswith(typed)]
        name, _, args = buffer.partition(" ")
        command = self.commands.get(name.removeprefix("/").lower())
        if command is None or not self.services.content.loaded:
            return []
        return [f"{name} {option}" for option in command.complete(args)]

    def _card_handler(self, kind: Kind) -> Handler:
        async def handler(args: str) -> str:
            cards = self.services.cards
            if not args:
                return self.render.options(f"{kind.section.title()}", cards.browse(kind))
            result = cards.lookup(kind, args)
            if isinstance(result, SuggestionView):
                return self.render.suggestions(result)
            return self._show(result)

        return handler

    def _card_completer(self, kind: Kind | None) -> Completer:
        def complete(typed: str) -> list[str]:
            options = self.services.cards.autocomplete(kind, typed)
            library = self.services.content.library
            return [card.title for option in options if (card := library.get(option.card_id))]

        return complete

    def _show(self, view: CardView) -> str:
        self._last_myth = view.card_id if view.reveal_label else None
        return self.render.card(view)

    async def _search(self, args: str) -> str:
        if not args:
            return "Usage: /search words to look for"
        return self.render.options(f"Best matches for “{args}”", self.services.cards.search(args))

    async def _reveal(self, _args: str) -> str:
        if self._last_myth is None:
            return "Nothing to reveal: look up a myth first, e.g. /myth"
        view = self.services.cards.view(self._last_myth, reveal=True)
        self._last_myth = None
        return self.render.card(view) if view else "That card is no longer in the library."

    async def _about(self, _args: str) -> str:
        library = self.services.content.library
        return self.render.text(about_view(library, self.services.settings.support_text))

    async def _help(self, _args: str) -> str:
        return self.render.text(help_view(CONSOLE_HELP))

    async def _reload(self, _args: str) -> str:
        return "\n".join(self.services.content.reload().lines())

    async def _prompt(self, args: str) -> str:
        prompts = self.services.prompts
        action, _, rest = args.partition(" ")
        action, rest = action.lower(), rest.strip()
        if action in {"", "status"}:
            return "\n".join((await prompts.status(self.actor)).lines(console=True))
        if action == "next":
            count = int(rest) if rest.isdigit() else 5
            items = await prompts.upcoming(self.actor, count)
            lines = [f"{day:%a %d %b %Y}  {prompt.title}" for day, prompt in items]
            return "\n".join(lines) or "Nothing is scheduled (paused, or no weekday chosen)."
        if action == "now":
            post = await prompts.post_now(self.actor, ConsolePoster(self))
            return f"Posted “{post.prompt.title}”."
        if action == "schedule":
            words = rest.split(maxsplit=2)
            if len(words) < 2:
                return "Usage: /prompt schedule HH:MM Zone/Name [days], e.g. 09:00 Europe/Berlin"
            status = await prompts.set_schedule(self.actor, CONSOLE_CHANNEL, *words)
            return "Schedule saved.\n" + "\n".join(status.lines(console=True))
        if action == "skip":
            return f"Skipped “{(await prompts.skip_next(self.actor)).title}”."
        if action in {"pause", "resume"}:
            status = await prompts.set_paused(self.actor, action == "pause")
            return "\n".join(status.lines(console=True))
        if action == "quiet":
            days = await prompts.set_quiet_dates(self.actor, rest)
            return f"Quiet dates: {calendar.describe_dates(days)}"
        return f"Unknown action “{action}”. Try: {', '.join(PROMPT_ACTIONS)}."

    async def _reflect(self, args: str) -> str:
        topic = await self.services.reflections.topic(self.actor.guild_id, args or None)
        self._draft = (topic, [])
        return (
            f"Reflecting on {topic.title}. Only you and facilitators will see it.\n"
            "Type your reflection; an empty line saves it, /cancel drops it."
        )

    async def _continue_draft(self, line: str) -> str:
        assert self._draft is not None
        topic, lines = self._draft
        if line.strip().lower() == "/cancel":
            self._draft = None
            return "Dropped; nothing was saved."
        if line.strip():
            lines.append(line.rstrip("\n"))
            return ""
        self._draft = None
        try:
            saved = await self.services.reflections.save(self.actor, topic, "\n".join(lines))
        except UserError as error:
            return str(error)
        return f"Saved reflection #{saved.id}. Only you and the facilitators can see it."

    async def _reflections(self, args: str) -> str:
        action, _, rest = args.partition(" ")
        if action.lower() not in {"", "mine"}:
            return "In the console: /reflections mine [page]. Discord has edit, delete and export."
        page = max(int(rest) - 1, 0) if rest.strip().isdigit() else 0
        result = await self.services.reflections.mine(self.actor, page)
        pages = max(1, -(-result.total // PAGE_SIZE))
        if not result.total:
            return "No reflections yet. Use /reflect to write one."
        if not result.items:
            return f"There are only {pages} page(s) of reflections."
        title = self.services.reflections.topic_title
        blocks = [
            self.render.wrap(
                f"**#{item.id} · {title(item.about_kind, item.about_id)} · "
                f"{item.created_at:%d %b %Y}**\n{item.text}"
            )
            for item in result.items
        ]
        return "\n\n".join([*blocks, f"Page {page + 1} of {pages} ({result.total} in all)"])

    def _problem_lines(self) -> list[str]:
        problems = self.services.content.problems
        head = f"The content has {len(problems)} problem(s), so no cards can be shown yet:"
        shown = [f"  {problem}" for problem in problems[:20]]
        more = [f"  ... and {len(problems) - 20} more"] if len(problems) > 20 else []
        return [head, *shown, *more, "Fix them, then type /reload."]

    async def run(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
        """The read-eval-print loop; line editing and Tab completion on a terminal."""
        interactive = stdin.isatty() and stdout.isatty()
        if interactive:
            _enable_readline(self.complete)
        print(self.banner(), file=stdout, flush=True)
        while True:
            try:
                line = await asyncio.to_thread(_read_line, stdin, interactive)
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip().lower() in {"/quit", "/exit", "quit", "exit"}:
                break
            output = await self.execute(line)
            if output:
                print(output + "\n", file=stdout, flush=True)
        await self.services.close()
        return 0


class ConsolePoster:
    """The console's stand-in for a channel: prompts are printed, not sent."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.posted = 0

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        self.posted += 1
        print(self.console.render.card(post.view), flush=True)
        return self.posted, None

    async def notify(self, channel_id: int | None, guild_id: int, text: str) -> None:
        print(text, flush=True)

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        return None  # the console prints; nothing can be half-sent


def _words(words: tuple[str, ...]) -> Completer:
    def complete(typed: str) -> list[str]:
        return [word for word in words if word.startswith(typed.lower())]

    return complete


def _read_line(stdin: TextIO, interactive: bool) -> str:
    if interactive:
        return input("cohort> ")
    line = stdin.readline()
    if not line:
        raise EOFError
    return line


def _enable_readline(complete: Completer) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    matches: list[str] = []

    def completer(_text: str, state: int) -> str | None:
        nonlocal matches
        if state == 0:
            buffer = readline.get_line_buffer()
            matches = readline_matches(buffer, complete(buffer))
        return matches[state] if state < len(matches) else None

    readline.set_completer_delims("")
    readline.set_completer(completer)
    readline.parse_and_bind("tab: complete")
    readline.parse_and_bind("set completion-ignore-case on")


def readline_matches(buffer: str, matches: list[str]) -> list[str]:
    """Matches readline can use without deleting what was typed.

    Readline replaces the line with the matches' common prefix, so fuzzy matches that do
    not extend the typed text would erase it: offer those only one at a time (the best
    one, which corrects the typo).
    """
    typed = buffer.casefold()
    extending = [match for match in matches if match.casefold().startswith(typed)]
    return extending or matches[:1]
