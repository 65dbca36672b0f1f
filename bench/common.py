"""What every benchmark shares: statistics, the figures it reports, and the machine it ran on.

A benchmark module returns a :class:`Section`: its figures (each a value, and a goal with
whether it was met when the issue set one) and free-text notes. ``bench/__main__.py``
runs each module in its own process and turns the sections into ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import resource
import sqlite3
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Median, p99 and friends of one sample, in the sample's unit."""

    count: int
    median: float
    p90: float
    p99: float
    mean: float
    maximum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            count=len(values),
            median=statistics.median(values),
            p90=percentile(values, 90),
            p99=percentile(values, 99),
            mean=statistics.fmean(values),
            maximum=max(values),
        )


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds with sensible precision."""
    value = seconds * 1000
    if math.isnan(value):
        return "n/a"
    return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"


def ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}×"


@dataclass
class Figure:
    """One reported number; ``met`` is None when the issue set no goal for it."""

    name: str
    value: str
    goal: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        if self.met is None:
            return ""
        return "✅ met" if self.met else "❌ missed"


@dataclass
class Section:
    """What one benchmark reports."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_rss_mib: float = 0.0

    def add(self, name: str, value: str, goal: str = "", met: bool | None = None) -> Figure:
        figure = Figure(name, value, goal, met)
        self.figures.append(figure)
        return figure

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        figures = [Figure(**item) for item in data.pop("figures")]
        return cls(figures=figures, **data)

    def print(self) -> None:
        """The section as plain text on stdout (what a maintainer watches)."""
        print(f"\n== {self.title} ==")
        width = max((len(f.name) for f in self.figures), default=10)
        for figure in self.figures:
            goal = f"  goal {figure.goal}: {figure.verdict}" if figure.goal else ""
            print(f"  {figure.name:<{width}}  {figure.value}{goal}")
        for note in self.notes:
            print(f"  note: {note}")
        sys.stdout.flush()


def quiet_logging() -> None:
    """Warnings and errors on stderr; discord.py's voice warnings left out."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)


def peak_rss_mib() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """This process's resident memory now (from /proc; 0 where that is missing)."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
    except OSError:
        return 0.0
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def write_json(path: Path, section: Section) -> None:
    path.write_text(json.dumps(section.to_json(), indent=2))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the README quotes next to the figures."""
    import yaml

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": _memory(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "discord.py": _version("discord.py"),
        "aiohttp": _version("aiohttp"),
        "PyYAML": f"{_version('PyYAML')} (libyaml: {'yes' if yaml.__with_libyaml__ else 'no'})",
        "pydantic": _version("pydantic"),
        "rapidfuzz": _version("rapidfuzz"),
        "SQLite": sqlite3.sqlite_version,
    }


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / (1024 * 1024):.0f} GiB"
    except OSError:
        pass
    return "?"


def module_main(
    run: Callable[[bool], Section],
    doc: str,
    quick_help: str,
    argv: list[str] | None = None,
    *,
    quiet: bool = False,
) -> int:
    """The command line every benchmark module shares: --quick and --json."""
    if quiet:
        quiet_logging()
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", type=Path, help="also write the section as JSON here")
    args = parser.parse_args(argv)
    section = run(args.quick)
    section.print()
    if args.json:
        write_json(args.json, section)
    return 0
