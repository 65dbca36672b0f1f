"""``make bench`` = ``python -m bench``: run the benchmarks, print them, write a Markdown table.

    python -m bench                      # all six; writes bench/results/latest.md
    python -m bench --quick              # a smaller smoke run; writes bench/results/quick.md
    python -m bench roundtrip fanout     # pick some; writes bench/results/partial.md
    python -m bench --out FILE.md        # write the table elsewhere

Each benchmark runs in its own Python process (its own event loop, heap and peak-memory
figure). A missed goal is reported, never an error: the exit status is non-zero only
when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, ROOT, Figure, Section, machine

BENCHMARKS: dict[str, tuple[str, str]] = {
    "roundtrip": ("bench.roundtrip", "1. Round trip through the fake Discord"),
    "content": ("bench.content_scale", "2. Content at scale"),
    "writes": ("bench.writes", "3. Reflection writes"),
    "fanout": ("bench.fanout", "4. Daily fan-out"),
    "scaleout": ("bench.scale_out", "5. Scale-out fan-out under a global rate limit"),
    "memory": ("bench.scale_memory", "6. Memory at 10,000 servers"),
}


def run_one(key: str, quick: bool) -> Section:
    """Run one benchmark module in a child process; a crash becomes a section saying so."""
    module, title = BENCHMARKS[key]
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as tmp:
        out = Path(tmp) / f"{key}.json"
        command = [sys.executable, "-m", module, "--json", str(out)]
        if quick:
            command.append("--quick")
        print(f"\n--- {title}: {' '.join(command[1:3])}{' --quick' if quick else ''}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0 or not out.exists():
            crashed = Section(key, title, seconds=elapsed)
            crashed.figures.append(
                Figure("crashed", f"exit status {done.returncode}; see the output above")
            )
            return crashed
        section = Section.from_json(json.loads(out.read_text()))
        section.seconds = elapsed
        return section


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(sections: list[Section], info: dict[str, str], *, quick: bool, wall: float) -> str:
    """The results page the README quotes: date, machine, every figure against its goal."""
    lines = [
        "# cohort-bot benchmarks",
        "",
        f"Run on **{info['date']}** with `python -m bench{' --quick' if quick else ''}` "
        f"(`make bench`), {wall / 60:.1f} minutes in all."
        + (" **Quick smoke run: smaller sizes, not comparable.**" if quick else ""),
        "",
        "| machine | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {_cell(value)} |" for key, value in info.items() if key != "date"]
    goals = [f for section in sections for f in section.figures if f.met is not None]
    met = sum(1 for figure in goals if figure.met)
    lines += [
        "",
        f"**Goals met: {met} of {len(goals)}.** Benchmarks never fail a build on a time; "
        "a missed goal is a finding to profile.",
        "",
        "| benchmark | figure | result | goal | |",
        "|---|---|---|---|---|",
    ]
    for section in sections:
        for figure in section.figures:
            lines.append(
                f"| {_cell(section.title)} | {_cell(figure.name)} | {_cell(figure.value)} "
                f"| {_cell(figure.goal)} | {figure.verdict} |"
            )
    lines += ["", "## Notes", ""]
    for section in sections:
        lines.append(
            f"- **{section.title}** ({section.seconds:.0f} s, "
            f"peak RSS of its process {section.peak_rss_mib:.0f} MiB)"
        )
        lines += [f"  - {note}" for note in section.notes]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run cohort-bot's benchmarks."
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", type=Path, help="where to write the Markdown table")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    names: list[str] = list(dict.fromkeys(args.names)) or list(BENCHMARKS)
    complete = names == list(BENCHMARKS)
    default = "quick.md" if args.quick else ("latest.md" if complete else "partial.md")
    out: Path = args.out or RESULTS / default

    info = machine()
    started = time.perf_counter()
    sections = [run_one(name, args.quick) for name in names]
    wall = time.perf_counter() - started
    for section in sections:
        section.print()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(sections, info, quick=args.quick, wall=wall))
    print(f"\nwrote {out} ({wall:.0f} s)", flush=True)
    crashed = [s.title for s in sections if any(f.name == "crashed" for f in s.figures)]
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
