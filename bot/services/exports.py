"""Fit an export into the chat's upload limit: as is, zipped, or zipped in parts.

A chat refuses an upload over its limit (Discord: 413, and retrying never helps), so the
face passes the limit it was given (for Discord, the interaction's attachment size
limit) and sends exactly the files returned here. Text compresses well, so a zip
usually fits; if not, the export is cut between records (a CSV row, a Markdown
reflection) into parts that each fit, every part opening with the same header.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Literal

from bot.user_error import UserError

RecordKind = Literal["csv", "markdown"]
MAX_PARTS = 10  # more than this is no longer a download anyone wants: ask for less
_MARKDOWN_ENTRY = re.compile(r"## [^\n]*\n\*\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · #\d+ · ")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes


@dataclass(frozen=True)
class PackedExport:
    """The files to send, in order, and how they were made (for the reply)."""

    files: tuple[ExportFile, ...]
    how: Literal["as is", "zipped", "parts"]
    text_bytes: int
    limit: int

    def describe(self, *, since_hint: bool) -> str:
        """What the member is told: exactly what was done to the file, and why."""
        if self.how == "as is":
            return "Here is your file; it is sent only to you."
        size, limit = megabytes(self.text_bytes), megabytes(self.limit)
        if self.how == "zipped":
            inner = self.files[0].filename.removesuffix(".zip")
            return (
                f"Your export ({size}) is larger than Discord's upload limit here ({limit}), "
                f"so it is zipped: open {self.files[0].filename} to find {inner}. "
                "It is sent only to you."
            )
        hint = (
            " To get one file, export a shorter period with the since option." if since_hint else ""
        )
        return (
            f"Your export ({size}) is larger than Discord's upload limit here ({limit}) even "
            f"zipped, so it comes in {len(self.files)} parts, one message each; every part is "
            f"a zip that opens on its own with the same header. It is sent only to you.{hint}"
        )


def day_after(last_day: datetime | None) -> datetime | None:
    """The exclusive end of an export that runs through ``last_day`` (inclusive); None, no
    end, for none and for the last date there is (9999-12-31 has no day after it)."""
    if last_day is None or last_day.date() == date.max:
        return None
    return last_day + timedelta(days=1)


def megabytes(size: int) -> str:
    """A size as Discord shows limits (10 MB is 10 x 1,048,576 bytes)."""
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"


def budget(limit: int) -> int:
    """Bytes a file may use: the limit less room for the request around it."""
    return limit - max(1024, limit // 100)


def zipped(filename: str, text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(filename, text)
    return buffer.getvalue()


def records(text: str, kind: RecordKind) -> tuple[str, list[str]]:
    """Split an export into its header and whole records (never inside a CSV cell)."""
    if kind == "csv":
        rows = list(_csv_rows(text))
        return (rows[0] if rows else ""), rows[1:]
    starts = [match.start() for match in _MARKDOWN_ENTRY.finditer(text)]
    starts = [i for i in starts if i == 0 or text[i - 1] == "\n"]
    if not starts:
        return text, []
    bounds = [*starts, len(text)]
    return text[: starts[0]], [text[a:b] for a, b in itertools.pairwise(bounds)]


def _csv_rows(text: str) -> Iterator[str]:
    """CSV records: a line break ends one only outside quotes (quotes pair up, "" too)."""
    row: list[str] = []
    quotes = 0
    for line in text.splitlines(keepends=True):
        row.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            yield "".join(row)
            row, quotes = [], 0
    if row:
        yield "".join(row)


def pack(
    text: str, filename: str, limit: int, kind: RecordKind, *, since_hint: bool = False
) -> PackedExport:
    """The export as files that each fit ``limit`` bytes; UserError if it cannot be done.

    ``since_hint``: the command can export a shorter period, so a refusal suggests it.
    """
    data = text.encode("utf-8")
    room = budget(limit)
    if len(data) <= room:
        return PackedExport((ExportFile(filename, data),), "as is", len(data), limit)
    stem = PurePosixPath(filename).stem
    whole = zipped(filename, data)
    if len(whole) <= room:
        return PackedExport((ExportFile(f"{filename}.zip", whole),), "zipped", len(data), limit)
    header, items = records(text, kind)
    if not items:  # nothing to cut between: one block of text
        items, header = [header], ""
    ratio = len(whole) / len(data)  # how much a part's text shrinks, about
    parts = _split(header, items, filename, room, ratio)
    if len(parts) > MAX_PARTS:
        tip = " Export a shorter period with the since option." if since_hint else ""
        raise UserError(
            f"This export ({megabytes(len(data))}) would take more than {MAX_PARTS} files "
            f"at Discord's upload limit here ({megabytes(limit)}).{tip}"
        )
    total = len(parts)
    files = tuple(
        ExportFile(f"{stem}-part-{number}-of-{total}.zip", part)
        for number, part in enumerate(parts, start=1)
    )
    return PackedExport(files, "parts", len(data), limit)


def _split(header: str, items: list[str], filename: str, room: int, ratio: float) -> list[bytes]:
    """Zips of header + consecutive records, each within ``room``; greedy, then halved."""
    parts: list[bytes] = []
    start = 0
    while start < len(items):
        guess, size = start, len(header.encode())
        target = room / max(ratio, 0.01) * 0.9
        while guess < len(items) and (guess == start or size + len(items[guess]) <= target):
            size += len(items[guess].encode())
            guess += 1
        end = guess
        while True:
            part = zipped(filename, (header + "".join(items[start:end])).encode("utf-8"))
            if len(part) <= room:
                break
            if end - start == 1:
                raise UserError(
                    "One reflection alone is larger than Discord's upload limit here, even "
                    "zipped, so this export cannot be sent in this server."
                )
            end = start + max(1, (end - start) // 2)
        parts.append(part)
        start = end
    return parts


async def pack_export(
    text: str, filename: str, limit: int, kind: RecordKind, *, since_hint: bool = False
) -> PackedExport:
    """``pack`` off the event loop: zipping megabytes takes a moment."""
    return await asyncio.to_thread(pack, text, filename, limit, kind, since_hint=since_hint)
