"""Quotation marks promise a source's own words: check every quoted span against its text.

A card that puts words in quotation marks tells members someone said exactly that. The
source texts are not shipped with the project (a news report is not ours to copy), so
the check runs only when a maintainer hands them in: ``python -m bot check
--source-text article-2017=path/to/article.txt``.

Rules, kept deliberately narrow so a miss is always a real difference:
- A quoted span is text inside straight ("...") or curly (“...”) double quotation
  marks, or inside single ones ('...' or ‘...’) where the marks stand at word edges
  (so apostrophes in "don't" or "offenders' views" are not quotation marks).
- Before comparing, only whitespace runs (to one space) and curly quotes and
  apostrophes (to straight ones) are normalised. Case, spelling, dashes and
  punctuation must match the source character for character.
- An ellipsis ("...", "…", or either in square brackets) inside a quotation marks
  words left out: each part must appear in the source, in the order written.
- A card's quotations are looked up in the texts of the sources it cites; a card whose
  sources have no text given is not checked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.library.loader import ABOUT_ORIGIN, Origin, Problem
from bot.library.yamlpos import YamlPath

_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
_SPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\[?(?:\.\.\.|…)\]?")
_WORD = re.compile(r"\w", re.UNICODE)
# a single quotation mark opens after these (or at the start) and closes before these
_OPENS_AFTER = set(' \t\n([{—–-"“/')
_CLOSES_BEFORE = set(' \t\n)]}—–-.,;:!?"”/')


class SourceTextError(Exception):
    """A ``--source-text`` argument that cannot be used; the message says why."""


@dataclass(frozen=True)
class QuotationReport:
    """How many quotations were compared, and every one that is not verbatim."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)


def normalise(text: str) -> str:
    """Fold whitespace and curly quotes: the only differences a quotation may have."""
    return _SPACE.sub(" ", text.translate(_CURLY)).strip()


def quoted_spans(text: str) -> tuple[list[str], list[str]]:
    """The quoted spans in ``text`` (inner ones too), and any unbalanced-mark complaints."""
    spans: list[str] = []
    complaints: list[str] = []
    stack: list[tuple[str, int]] = []  # (closing mark, index after the opening mark)
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        closing = stack[-1][0] if stack else None
        if char in {'"', "”"} and any(mark == char for mark, _ in stack):
            while stack[-1][0] != char:  # single marks left open were apostrophes
                stack.pop()
            spans.append(text[stack.pop()[1] : index])
        elif char == '"' or char == "“":
            stack.append(('"' if char == '"' else "”", index + 1))
        elif char == "”":
            complaints.append(
                f"a closing quotation mark after '{text[:index][-30:]}' has no opening one"
            )
        elif char in "'’" and closing in {"'", "’"} and not _WORD.match(after):
            if after in _CLOSES_BEFORE and closing == ("'" if char == "'" else "’"):
                spans.append(text[stack.pop()[1] : index])
        elif char in "'‘" and before in _OPENS_AFTER and not after.isspace():
            stack.append(("'" if char == "'" else "’", index + 1))
    complaints += [
        f"the quotation mark before '{text[start : start + 30]}' is never closed"
        for mark, start in stack
        if mark in {'"', "”"}
    ]
    return spans, complaints


def appears_in(quote: str, source: str) -> bool:
    """Whether a normalised quote is in a normalised source; ellipsis parts in order."""
    position = 0
    for part in _ELLIPSIS.split(quote):
        part = part.strip()
        if not part:
            continue
        found = source.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def closest_passage(quote: str, source: str) -> str | None:
    """The run of source words most like a missed quote, to show what it should say."""
    words, wanted = source.split(" "), quote.split(" ")
    size = len(wanted)
    best, best_ratio = None, 0.75
    for start in range(max(1, len(words) - size + 1)):
        window = " ".join(words[start : start + size]).strip('"')
        ratio = difflib.SequenceMatcher(None, quote, window, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best


def read_source_texts(specs: Sequence[str], origins: Mapping[str, Origin]) -> dict[str, str]:
    """Parse ``ID=FILE`` arguments into normalised texts, checking each id and file."""
    known = sorted(key.removeprefix("source:") for key in origins if key.startswith("source:"))
    texts: dict[str, str] = {}
    for spec in specs:
        source_id, sep, file_name = spec.partition("=")
        if not sep or not source_id or not file_name:
            raise SourceTextError(f"--source-text '{spec}': write it as SOURCE_ID=FILE")
        if source_id not in known:
            listed = ", ".join(known) or "none"
            raise SourceTextError(f"--source-text: no source has id '{source_id}' ({listed})")
        try:
            texts[source_id] = normalise(Path(file_name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise SourceTextError(f"--source-text {source_id}: {file_name}: {reason}") from None
    return texts


def check_quotations(origins: Mapping[str, Origin], texts: Mapping[str, str]) -> QuotationReport:
    """Compare every quotation on every card and prompt with its sources' texts."""
    if not texts:
        return QuotationReport()
    checked, problems = 0, []
    for key, origin in origins.items():
        if key == ABOUT_ORIGIN or key.startswith("source:"):
            continue
        entry = _entry(origin)
        cited = [texts[s] for s in _cited(entry) if s in texts]
        if not cited:
            continue
        for key_path, value in _strings(entry, ()):
            spans, complaints = quoted_spans(value)
            problems += [origin.problem(key_path, complaint) for complaint in complaints]
            for span in spans:
                quote = normalise(span)
                checked += 1
                if quote and not any(appears_in(quote, text) for text in cited):
                    problem = origin.problem(key_path, _miss(quote, cited, _cited(entry)))
                    problems.append(_on_its_line(problem, origin, quote))
    return QuotationReport(checked, sorted(problems))


def _miss(quote: str, cited: list[str], source_ids: list[str]) -> str:
    names = " or ".join(f"'{s}'" for s in source_ids)
    close = next((c for text in cited if (c := closest_passage(quote, text))), None)
    nearest = f' (nearest there: "{close}")' if close else ""
    return (
        f'quotation "{quote}" is not word for word in {names}{nearest}; '
        "quote it exactly or paraphrase without quotation marks"
    )


def _on_its_line(problem: Problem, origin: Origin, quote: str) -> Problem:
    """Move a problem from its key's line to the line the quotation opens on, if found.

    A folded text runs over many lines; the key's line is where the loader leaves us.
    """
    later = [line for line in origin.located.lines.values() if line > problem.line]
    end = min(later, default=problem.line + 200)
    opening = re.compile(r"[\"“'‘]" + re.escape(quote.split(" ")[0]))
    try:
        lines = Path(origin.path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return problem
    for number in range(problem.line, min(end, len(lines) + 1)):
        if opening.search(lines[number - 1].translate(_CURLY)):
            return replace(problem, line=number)
    return problem


def _entry(origin: Origin) -> Any:
    data: Any = origin.located.data
    for part in origin.item:
        data = data[part]
    return data


def _cited(entry: Any) -> list[str]:
    citations = entry.get("sources") if isinstance(entry, dict) else None
    if not isinstance(citations, list):
        return []
    ids = (c.get("source") for c in citations if isinstance(c, dict))
    return list(dict.fromkeys(i for i in ids if isinstance(i, str)))


def _strings(value: Any, path: YamlPath) -> Iterator[tuple[YamlPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
