"""The console in a real terminal: Ctrl-C and Ctrl-D, sent as keys through a pty.

Each test starts ``python -m bot console`` with a pseudo-terminal as its controlling
terminal, so \\x03 becomes SIGINT and \\x04 end-of-file exactly as a person's keys do.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CTRL_C, CTRL_D = "\x03", "\x04"


class PtyConsole:
    """The console running in a pseudo-terminal, driven key by key."""

    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"content_dir: {ROOT / 'content'}\ndatabase:\n  path: {tmp_path / 'db.sqlite3'}\n"
        )
        self.master, slave = pty.openpty()
        self.output = ""
        self._seen = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "console"],
            cwd=ROOT,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=_take_terminal,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "dumb"},
        )
        os.close(slave)
        self.expect("cohort> ")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def interrupt(self) -> None:
        """Press Ctrl-C once readline waits for keys (see ``type``)."""
        time.sleep(0.2)
        self.send(CTRL_C)

    def type(self, text: str) -> None:
        """Type text without Enter, as a person does: wait for its echo, then a moment.

        CPython's readline loop notices a signal only when it interrupts its select(); a
        Ctrl-C landing in the microseconds between echoing a key and that select() waits
        for the next key. No person types that fast; a test must not either.
        """
        self.send(text)
        self.expect(re.escape(text))

    def expect(self, pattern: str, timeout: float = 20.0) -> str:
        """Wait until ``pattern`` (a regex) appears in output not yet matched."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.output, self._seen)
            if found:
                self._seen = found.end()
                return self.output[found.start() : found.end()]
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{pattern!r} not in output:\n{self.output[self._seen :]}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], min(timeout, 0.5))
        if not ready:
            return self.process.poll() is None  # nothing yet: wait on while it runs
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += data.decode(errors="replace").replace("\r\n", "\n")
        return bool(data)

    def finish(self, timeout: float = 20.0) -> int:
        """Wait for the process to leave; read everything it printed; its exit code."""
        code = self.process.wait(timeout=timeout)
        while self._read(0.2):
            pass
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def _take_terminal() -> None:
    """In the child: make the pty its controlling terminal, so Ctrl-C sends SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[PtyConsole]:
    running = PtyConsole(tmp_path)
    try:
        yield running
    finally:
        running.close()


def test_ctrl_c_cancels_the_line_then_a_second_one_leaves(console: PtyConsole) -> None:
    console.type("/approach confrontation")
    console.interrupt()
    console.expect("Press Ctrl-C again or Ctrl-D to leave.")
    console.expect("cohort> ")
    console.send("/about\r")  # the prompt still works after Ctrl-C
    console.expect("Content note")
    console.expect("cohort> ")
    console.interrupt()
    console.expect("Press Ctrl-C again or Ctrl-D to leave.")
    console.interrupt()
    assert console.finish() == 0
    assert "CONFRONTATION" not in console.output, "the cancelled line never ran"
    assert "Traceback" not in console.output and "KeyboardInterrupt" not in console.output


def test_ctrl_d_leaves_at_once(console: PtyConsole) -> None:
    console.send(CTRL_D)
    assert console.finish() == 0
    assert "Traceback" not in console.output


def test_ctrl_c_while_writing_keeps_the_draft(console: PtyConsole, tmp_path: Path) -> None:
    console.send("/reflect confrontation\r")
    console.expect("reflection> ")
    console.send("First line of my draft\r")
    console.expect("reflection> ")
    console.type("half a line")
    console.interrupt()
    console.expect(r"Draft kept \(2 lines\); /reflect to go on\.")
    console.expect("cohort> ")
    console.send("/reflect\r")
    console.expect("Going on with your draft on Confrontation")
    console.expect("reflection> ")
    console.send("and the end.\r\r")
    console.expect("Saved reflection #1")
    console.send("/reflections delete 1\r")
    console.expect(r"\[y/N\]\n+y/N> ")
    console.interrupt()
    console.expect("Not confirmed; nothing was changed.")
    console.send("/reflections mine\r")
    console.expect("First line of my draft\nhalf a line\nand the end.")
    console.send("/quit\r")
    assert console.finish() == 0
    assert "Traceback" not in console.output


def test_leaving_with_a_draft_keeps_its_text_in_a_file(console: PtyConsole, tmp_path: Path) -> None:
    console.send("/reflect\r")
    console.expect("reflection> ")
    console.send("Words I do not want to lose\r")
    console.expect("reflection> ")
    console.send(CTRL_D)
    said = console.expect(r"its text is in \S+\.txt")
    assert console.finish() == 0
    path = Path(said.split("its text is in ")[1])
    assert path.parent == tmp_path / "exports"
    assert path.read_text() == "Words I do not want to lose"
    assert "Traceback" not in console.output


def test_quit_with_a_draft_says_where_it_went(console: PtyConsole) -> None:
    console.send("/reflect\r")
    console.expect("reflection> ")
    console.send("Kept\r")
    console.send("/quit\r")
    console.expect("was not saved as a reflection; its text is in")
    assert console.finish() == 0
