"""The facilitators' participation summary: counts only, never text or who, and a chart."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from bot.services.answers import plural
from bot.store import Participation

TOPICS_SHOWN = 20


@dataclass(frozen=True)
class SummaryView:
    """What /cohort-reflections summary shows: lines of counts, and a PNG chart."""

    lines: tuple[str, ...]
    chart_png: bytes
    beliefs_png: bytes | None = None  # the belief-shift chart, once a myth has enough members


def summary_lines(stats: Participation, topic_title: Callable[[str, str], str]) -> tuple[str, ...]:
    """Counts per topic, most members first; no names and no words."""
    lines = [f"{plural(stats.reflections, 'reflection')} from {plural(stats.authors, 'member')}."]
    for topic in stats.topics[:TOPICS_SHOWN]:
        lines.append(
            f"{topic_title(topic.about_kind, topic.about_id)}: "
            f"{plural(topic.authors, 'member')}, {plural(topic.reflections, 'reflection')}"
        )
    if len(stats.topics) > TOPICS_SHOWN:
        lines.append(f"… and {len(stats.topics) - TOPICS_SHOWN} more.")
    return tuple(lines)


def participation_chart(days: list[tuple[str, int]]) -> bytes:
    """A bar chart of members reflecting per day, as PNG bytes.

    Uses matplotlib's object API (no pyplot state), so it is safe in a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [day for day, _ in days] or ["no reflections yet"]
    values = [count for _, count in days] or [0]
    axes.bar(range(len(values)), values, color="#2E86AB")
    step = -(-len(labels) // 30)  # at most 30 date labels, so they stay readable
    ticks = range(0, len(labels), step)
    axes.set_xticks(ticks, [labels[i] for i in ticks], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("members who reflected")
    axes.set_title("Reflections per day")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(1, *values) * 1.15)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
