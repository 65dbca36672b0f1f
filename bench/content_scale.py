"""2. Content at scale: 10,000 generated cards.

* Load + validation: ``check_content`` (what the bot runs at start and on reload: YAML
  with its safety limits and line numbers, pydantic models, links, citations, embed
  sizes) against the floor, the bare libyaml parse of the same files into Python
  objects (``yaml.load(text, Loader=yaml.CSafeLoader)``, read from disk the same way):
  the least any loader reading these files as YAML pays. The two are timed in turn,
  run after run, so whatever else loads the machine weighs on both; the figures are
  medians over the runs.
* Autocomplete: ``CardService.autocomplete(kind, typed)``, what the bot runs for each
  keystroke in ``/approach|expert|myth name:``, over a mix of what members type.
* Peak memory: a fresh process that does only what the bot does with this content
  (load it, keep the library, answer autocomplete), so the baseline parses above do not
  count.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.cardgen import Generated, generate
from bench.common import Section, Summary, current_rss_mib, ms, peak_rss_mib, ratio, write_json
from bot.library.models import Kind
from bot.library.search import normalize
from bot.services.cards import CardService
from bot.services.content import ContentState, check_content

GOAL_LOAD_RATIO = 1.5  # issue 17: within 1.5x the bare libyaml parse
GOAL_AUTOCOMPLETE_P99 = 0.005
KINDS = (Kind.APPROACH, Kind.EXPERT, Kind.MYTH)


def _c_load_all(files: list[Path]) -> None:
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _check(folder: Path) -> None:
    result = check_content(folder)
    if result.library is None:
        raise RuntimeError(f"generated content has problems: {result.problems[:5]}")


def _timed(work: Callable[[], None]) -> float:
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    choice = rng.random()
    if choice < 0.4:  # swap two letters
        return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    if choice < 0.7:  # drop one
        return word[:at] + word[at + 1 :]
    return word[:at] + rng.choice("aeiourst") + word[at:]  # an extra letter


def queries(cards: CardService, count: int, seed: int = 7) -> list[tuple[str, Kind, str]]:
    """(category, kind, typed): keystroke prefixes, inner words, aliases, typos, empty."""
    rng = random.Random(seed)
    library = cards.library
    out: list[tuple[str, Kind, str]] = []
    while len(out) < count:
        kind = rng.choice(KINDS)
        card = rng.choice(library.of_kind(kind))
        title = card.title
        roll = rng.random()
        if roll < 0.05:
            out.append(("empty", kind, ""))
        elif roll < 0.45:  # typing the title, keystroke by keystroke
            out.append(("prefix", kind, title[: rng.randint(1, len(title))]))
        elif roll < 0.60:  # a word from inside the name
            word = rng.choice(title.split())
            out.append(("word", kind, word[: rng.randint(1, len(word))]))
        elif roll < 0.70 and card.aliases:
            out.append(("alias", kind, rng.choice(card.aliases)))
        else:  # a misspelt title or part of one: the fuzzy path
            words = normalize(title).split()
            typed = " ".join(_typo(word, rng) for word in words[: rng.randint(1, len(words))])
            out.append(("typo", kind, typed))
    return out


def autocomplete_latencies(
    cards: CardService, mix: list[tuple[str, Kind, str]]
) -> dict[str, list[float]]:
    """Seconds per call, by query category (and 'all')."""
    for _category, kind, typed in mix[:200]:  # warm caches and rapidfuzz
        cards.autocomplete(kind, typed)
    gc.collect()
    by_category: dict[str, list[float]] = {"all": []}
    clock = time.perf_counter
    for category, kind, typed in mix:
        started = clock()
        cards.autocomplete(kind, typed)
        elapsed = clock() - started
        by_category["all"].append(elapsed)
        by_category.setdefault(category, []).append(elapsed)
    return by_category


def child_memory(folder: Path, query_count: int) -> dict[str, float]:
    """Run in a fresh process: what the bot holds for this content, and its peak."""
    before = current_rss_mib()
    content = ContentState(folder)
    content.reload()
    if not content.loaded:
        raise RuntimeError(f"content did not load: {content.problems[:3]}")
    cards = CardService(content)
    gc.collect()
    loaded = current_rss_mib()
    autocomplete_latencies(cards, queries(cards, query_count))
    return {
        "rss_before_mib": before,
        "rss_loaded_mib": loaded,
        "rss_after_mib": current_rss_mib(),
        "peak_rss_mib": peak_rss_mib(),
    }


def _memory_in_child(folder: Path, query_count: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.content_scale", "--memory-child", str(folder)]
    command += ["--queries", str(query_count)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool) -> Section:
    started = time.perf_counter()
    total, repeats, query_count = (1_000, 1, 2_000) if quick else (10_000, 5, 5_000)
    section = Section("content", f"2. Content at scale ({total:,} generated cards)")
    with tempfile.TemporaryDirectory(prefix="cohort-content-") as tmp:
        generated: Generated = generate(Path(tmp) / "content", total)
        folder, files = generated.folder, generated.files
        size_mib = sum(path.stat().st_size for path in files) / (1024 * 1024)
        _check(folder)  # valid, and the OS file cache is warm for every reader below

        floors: list[float] = []
        checks: list[float] = []
        for _ in range(repeats):  # interleaved, so drift hits both alike
            floors.append(_timed(lambda: _c_load_all(files)))
            checks.append(_timed(lambda: _check(folder)))
        floor, check = statistics.median(floors), statistics.median(checks)
        per_run = sorted(c / f for c, f in zip(checks, floors, strict=True))
        section.add(
            "files",
            f"{len(files)} YAML files, {size_mib:.1f} MiB, "
            + ", ".join(f"{n:,} {kind}" for kind, n in generated.counts.items()),
        )
        section.add(
            "floor: bare libyaml parse (`yaml.load(CSafeLoader)`)",
            f"{floor:.2f} s (median of {repeats})",
        )
        section.add(
            "load + validation (`check_content`)",
            f"{check:.2f} s (median of {repeats}) = **{ratio(check / floor)}** the libyaml "
            f"floor (run by run {ratio(per_run[0])} to {ratio(per_run[-1])})",
            f"≤ {GOAL_LOAD_RATIO:g}× the libyaml parse",
            check / floor <= GOAL_LOAD_RATIO,
        )

        content = ContentState(folder)
        content.reload()
        cards = CardService(content)
        mix = queries(cards, query_count)
        latencies = autocomplete_latencies(cards, mix)
        overall = Summary.of(latencies["all"])
        section.add(
            f"autocomplete over {total:,} cards ({overall.count:,} queries)",
            f"median {ms(overall.median)}, p99 **{ms(overall.p99)}**, max {ms(overall.maximum)}",
            f"p99 < {GOAL_AUTOCOMPLETE_P99 * 1000:g} ms",
            overall.p99 < GOAL_AUTOCOMPLETE_P99,
        )
        for category in ("empty", "prefix", "word", "alias", "typo"):
            stats = Summary.of(latencies.get(category, []))
            section.add(
                f"  … {category} (n={stats.count})",
                f"median {ms(stats.median)}, p99 {ms(stats.p99)}",
            )
        memory = _memory_in_child(folder, min(query_count, 2_000))
        section.add(
            "peak memory of a process holding this content",
            f"{memory['peak_rss_mib']:.0f} MiB peak RSS; RSS {memory['rss_before_mib']:.0f} MiB "
            f"at start, {memory['rss_loaded_mib']:.0f} MiB once loaded, "
            f"{memory['rss_after_mib']:.0f} MiB after the autocomplete queries",
        )
    section.notes.append(
        "Timings are process CPU-bound wall clock (time.perf_counter), files in the OS cache; "
        "autocomplete is timed in-process, per call, without Discord."
    )
    section.seconds = time.perf_counter() - started
    section.peak_rss_mib = peak_rss_mib()
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 cards, one repetition")
    parser.add_argument("--json", type=Path, help="also write the section as JSON here")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=int, default=10_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        print(json.dumps(child_memory(args.memory_child, args.queries)))
        return 0
    section = run(args.quick)
    section.print()
    if args.json:
        write_json(args.json, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
