"""The terminal loop: line editing, Tab completion, Ctrl-C and Ctrl-D.

Lines are read in the main thread and each command runs on one event loop kept for the
whole session (``asyncio.Runner``), so Ctrl-C always has something to interrupt: at the
prompt ``input()`` raises KeyboardInterrupt and the typed line is dropped; during a
command the Runner cancels that command. (Reading in a worker thread, as the console
once did, left Ctrl-C nothing to cancel: the prompt froze, and leaving waited forever
on the thread still blocked in ``input()``.)
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.config import Settings
from bot.console.base import Completer
from bot.console.core import QUIT_WORDS, Console
from bot.console.text_render import TextRenderer
from bot.services.container import Services

LEAVE_HINT = "Press Ctrl-C again or Ctrl-D to leave."


def run_console(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Open the services, run the console until the member leaves, close them; exit code."""
    with asyncio.Runner() as runner:
        try:
            services = runner.run(Services.open(settings))
        except KeyboardInterrupt:
            return 130  # stopped while opening: nothing to tidy up
        try:
            console = Console(services, TextRenderer(ansi=stdout.isatty()))
            return Terminal(console, runner, stdin, stdout).loop()
        finally:
            runner.run(services.close())


class Terminal:
    """Reads lines, hands them to the console, prints what it answers."""

    def __init__(
        self, console: Console, runner: asyncio.Runner, stdin: TextIO, stdout: TextIO
    ) -> None:
        self.console, self.runner = console, runner
        self.stdin, self.stdout = stdin, stdout
        self.interactive = stdin.isatty() and stdout.isatty()

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def loop(self) -> int:
        """The read-eval-print loop; returns the exit code (0: the member chose to leave)."""
        if self.interactive:
            _enable_readline(self.console.complete)
        self.say(self.console.banner())
        interrupted = False  # the last key was a Ctrl-C: another one at an empty prompt leaves
        while True:
            try:
                line = self._read()
            except EOFError:  # Ctrl-D, or the end of piped input
                if self.interactive:
                    self.say("")
                return self._leave()
            except KeyboardInterrupt:
                typed = _typed_so_far() if self.interactive else ""
                at_rest = not self.console.writing and self.console.question is None
                if interrupted and at_rest and not typed:
                    self.say("")
                    return self._leave()
                interrupted = True
                self.say("\n" + (self.console.interrupt(typed) or LEAVE_HINT))
                continue
            interrupted = False
            if self._quits(line):
                return self._leave()
            try:
                output = self.runner.run(self.console.execute(line))
            except KeyboardInterrupt:
                output = "Cancelled."
            if output:
                self.say(output + "\n")

    def _read(self) -> str:
        if self.interactive:
            return input(self.console.prompt)
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def _quits(self, line: str) -> bool:
        word = line.strip().lower()
        if self.console.writing:  # a bare "quit" may be part of a reflection
            return word in {"/quit", "/exit"}
        return self.console.question is None and word in QUIT_WORDS

    def _leave(self) -> int:
        if self.console.question is not None:
            self.console.interrupt()
            self.say("Not confirmed; nothing was changed.")
        message = self.console.leave(self.console.services.clock())
        if message:
            self.say(message)
        return 0


def _typed_so_far() -> str:
    """What was on the line when Ctrl-C came (readline still holds it)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return ""
    return readline.get_line_buffer()


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
