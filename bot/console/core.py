"""The console's core: reads one line at a time, runs it through the services.

It holds what a line means in context: a command, an answer to a yes/no question, or
a line of a reflection being written. Commands live in cards.py, prompts.py and
reflections.py; the terminal loop (Ctrl-C, Ctrl-D, readline) in terminal.py.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime
from pathlib import Path

from bot.console import cards, cohorts, facilitators, practice, prompts, reflections
from bot.console.base import (
    CONSOLE_CHANNEL,
    CONSOLE_GUILD,
    CONSOLE_USER,
    Command,
    Draft,
    Question,
    sentence,
)
from bot.console.text_render import TextRenderer
from bot.services.answers import plural
from bot.services.container import Services
from bot.services.permissions import Actor
from bot.user_error import UserError

PROMPT, WRITING_PROMPT, QUESTION_PROMPT = "cohort> ", "reflection> ", "y/N> "
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class Console:
    """Reads slash commands, runs them through the services, prints the views."""

    def __init__(
        self,
        services: Services,
        renderer: TextRenderer | None = None,
        *,
        files: Path | None = None,
    ) -> None:
        self.services = services
        self.render = renderer or TextRenderer()
        self.files = files or services.settings.database.path.parent / "exports"
        self.actor = Actor(
            user_id=CONSOLE_USER,
            guild_id=CONSOLE_GUILD,
            display_name="you",
            channel_id=CONSOLE_CHANNEL,
            manages_server=True,
            is_bot_owner=True,
        )
        self.commands: dict[str, Command] = {}
        self.question: Question | None = None
        self.draft: Draft | None = None
        self.writing = False  # lines go into the draft, not to commands
        self.printed: list[str] = []  # what a stand-in channel "posted" during a command
        cards.register(self)
        prompts.register(self)
        cohorts.register(self)
        reflections.register(self)
        facilitators.register(self)
        practice.register(self)

    def add(self, command: Command) -> None:
        """Register a command; each module adds its own."""
        self.commands[command.name] = command

    @property
    def prompt(self) -> str:
        """What the terminal shows before the cursor: it says what a line will do."""
        if self.question is not None:
            return QUESTION_PROMPT
        return WRITING_PROMPT if self.writing else PROMPT

    def banner(self) -> str:
        """What the console prints first: the content note comes before any card."""
        lines = ["cohort-bot console. Type /help for commands, /quit to leave.", ""]
        content = self.services.content
        if content.loaded:
            about = content.library.about
            lines += [self.render.wrap(f"**{about.name}** — content note: {about.content_note}")]
        else:
            lines += self.problem_lines()
        return "\n".join(lines)

    async def execute(self, line: str) -> str:
        """Run one line and return what to print; never raises for bad input."""
        self.printed = []
        try:
            output = await self._execute(line)
        except UserError as error:
            output = self.render.rich(error.rich)
        return "\n\n".join([*self.printed, output] if output else self.printed)

    async def _execute(self, line: str) -> str:
        if self.question is not None:
            question, self.question = self.question, None
            if line.strip().lower() in {"y", "yes"}:
                return await question.on_yes()
            return question.on_no
        if self.writing:
            return await self._write(line)
        name, _, args = line.strip().partition(" ")
        name = name.removeprefix("/").lower()
        if not name:
            return ""
        command = self.commands.get(name)
        if command is None:
            known = ", ".join(f"/{n}" for n in sorted(self.commands))
            return f"Unknown command /{name}. Commands: {known}."
        return await command.handler(args.strip())

    def complete(self, buffer: str) -> list[str]:
        """Completions for the whole line typed so far (commands, then card names)."""
        if self.writing or self.question is not None:
            return []
        if " " not in buffer:
            typed = buffer.removeprefix("/").lower()
            return [f"/{name} " for name in sorted(self.commands) if name.startswith(typed)]
        name, _, args = buffer.partition(" ")
        command = self.commands.get(name.removeprefix("/").lower())
        if command is None or not self.services.content.loaded:
            return []
        return [f"{name} {option}" for option in command.complete(args)]

    # ---------------------------------------------------------------- questions and drafts

    def ask(self, text: str, question: Question) -> str:
        """Ask yes/no; the next line answers (anything but y/yes means no)."""
        self.question = question
        return f"{text} [y/N]"

    def start_draft(self, draft: Draft, intro: str) -> str:
        """Start writing, or go on with the kept draft if it is for the same thing."""
        kept = self.draft
        if kept is not None and kept.key != draft.key:
            raise UserError(
                f"You have an unsaved draft {kept.about} ({plural(len(kept.lines), 'line')}). "
                f"{kept.resume} goes on with it; /cancel there drops it."
            )
        self.writing = True
        if kept is not None:
            so_far = "\n".join(f"  {line}" for line in kept.lines)
            shown = f" So far:\n{so_far}" if kept.lines else ""
            return f"Going on with your draft {kept.about}.{shown}\n{_WRITING_HINT}"
        self.draft = draft
        return f"{intro}\n{_WRITING_HINT}"

    async def _write(self, line: str) -> str:
        draft = self.draft
        assert draft is not None
        if line.strip().lower() == "/cancel":
            self.draft, self.writing = None, False
            return "Dropped; nothing was saved."
        if line.strip():
            draft.lines.append(line.rstrip("\n"))
            return ""
        self.draft, self.writing = None, False
        try:
            return await draft.finish(draft.text)
        except UserError as error:  # too long, say: the text is kept, not lost
            if not draft.text.strip():
                raise
            self.draft = draft
            return f"{error}\nYour draft is kept: {draft.resume} goes on with it."

    def interrupt(self, typed: str = "") -> str:
        """Ctrl-C: cancel what is being typed or asked; a draft is kept, never dropped."""
        if self.question is not None:
            self.question = None
            return "Not confirmed; nothing was changed."
        if self.writing and self.draft is not None:
            if typed.strip():
                self.draft.lines.append(typed)
            self.writing = False
            count = plural(len(self.draft.lines), "line")
            return f"Draft kept ({count}); {self.draft.resume} to go on."
        return ""

    def leave(self, now: datetime) -> str:
        """What happens to an unsaved draft when the member leaves: kept in a file."""
        draft, self.draft, self.writing = self.draft, None, False
        if draft is None:
            return ""
        if not draft.text.strip():
            return "Your draft was empty; nothing was kept."
        path = self.write_file(f"unsaved-draft-{now:%Y%m%d-%H%M%S}.txt", draft.text)
        return sentence(
            f"Your draft {draft.about} was not saved as a reflection; its text is in {path}"
        )

    def write_file(self, name: str, data: str | bytes) -> Path:
        """Write an export (or a kept draft) into the console's files folder."""
        self.files.mkdir(mode=0o700, parents=True, exist_ok=True)  # members' words: owner only
        path, stem = self.files / name, Path(name).stem
        for number in itertools.count(2):  # two exports in one second: never overwrite
            if not path.exists():
                break
            path = self.files / f"{stem}-{number}{path.suffix}"
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        with os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb") as out:
            out.write(raw)
        return path

    def problem_lines(self) -> list[str]:
        problems = self.services.content.problems
        count = plural(len(problems), "problem")
        head = f"The content has {count}, so no cards can be shown yet:"
        shown = [f"  {problem}" for problem in problems[:20]]
        more = [f"  ... and {len(problems) - 20} more"] if len(problems) > 20 else []
        return [head, *shown, *more, "Fix them, then type /content reload."]


_WRITING_HINT = (
    "Type your reflection; an empty line saves it, /cancel drops it, Ctrl-C keeps it for later."
)
