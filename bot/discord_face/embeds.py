"""Embeds from the services' plain views: the one place the Discord face draws them."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_face.colours import COLOURS
from bot.discord_face.markup import discord_text
from bot.services.answers import CardView, MenuOption, TextView
from bot.services.beliefs import BeliefsView
from bot.services.participation import SummaryView
from bot.services.practice import CheckView, PracticeStatsView, RevealView
from bot.services.prompt_plan import PreviewView, ScheduleStatus, day_text
from bot.services.reflections import ReflectionPageView
from bot.services.sharing import SharedPost
from bot.text import clip

CHART_FILE = "participation.png"
BELIEFS_FILE = "beliefs.png"


def embed(view: CardView | TextView) -> discord.Embed:
    """The embed for a card or a text view."""
    result = discord.Embed(title=view.title, description=view.description, colour=_colour(view))
    if isinstance(view, CardView) and view.author:
        result.set_author(name=view.author)
    for item in view.fields:
        result.add_field(name=item.name, value=item.value, inline=item.inline)
    if view.footer:
        result.set_footer(text=view.footer)
    return result


def _colour(view: CardView | TextView) -> int:
    return COLOURS[view.kind] if isinstance(view, CardView) else COLOURS["text"]


def shared_marker(reflection_id: int) -> str:
    """The footer that lets the bot find its own post of a reflection again."""
    return f"Reflection #{reflection_id}"


def shared_embed(post: SharedPost) -> discord.Embed:
    shown = discord.Embed(
        title=clip(f"Reflection on {post.topic_title}", 256),
        description=post.text,
        colour=COLOURS["reflection"],
    )
    shown.set_footer(text=shared_marker(post.reflection_id))
    return shown


def reflection_page_embed(page: ReflectionPageView) -> discord.Embed:
    """The member's own list: a field per reflection, the page in the footer."""
    shown = discord.Embed(
        title=f"Your reflections ({page.total})",
        colour=COLOURS["reflection"],
        description=None if page.entries else "None yet. Use /reflect to write one.",
    )
    for entry in page.entries:
        shown.add_field(name=entry.heading, value=clip(entry.text, 1024), inline=False)
    shown.set_footer(text=f"Page {page.page + 1} of {page.pages} · only you can see this")
    return shown


def summary_embed(summary: SummaryView) -> discord.Embed:
    """Participation counts, with the chart attached as CHART_FILE."""
    shown = discord.Embed(
        title="Reflections: participation",
        description=clip("\n".join(summary.lines), 4096),
        colour=COLOURS["reflection"],
    )
    shown.set_image(url=f"attachment://{CHART_FILE}")
    return shown


def search_embed(query: str, options: Sequence[MenuOption]) -> discord.Embed:
    lines = "\n".join(f"**{option.label}** — {option.description}" for option in options)
    result = discord.Embed(
        title=f"Best matches for “{query}”", description=lines, colour=COLOURS["text"]
    )
    result.set_footer(text="Pick one from the menu to open it.")
    return result


def status_embed(status: ScheduleStatus) -> discord.Embed:
    lines = "\n".join(map(discord_text, status.lines()))
    return discord.Embed(
        title="Daily prompt schedule", description=lines, colour=COLOURS["schedule"]
    )


def upcoming_embed(preview: PreviewView) -> discord.Embed:
    """The next post days with their prompts (quiet days as quiet), then where it ends."""
    lines = [
        f"**{day_text(entry.day)}** — "
        + ("*quiet (no post)*" if entry.title is None else clip(entry.title, 100))
        for entry in preview.entries
    ] or ["Nothing is scheduled (paused, or no weekday chosen)."]
    text = clip("\n".join([*lines, "", *preview.ending]), 4096)
    return discord.Embed(
        title=clip(f"Coming up: {preview.cohort_name}", 256),
        description=text,
        colour=COLOURS["schedule"],
    )


def check_embed(view: CheckView) -> discord.Embed:
    """A practice check, before it is answered: the claim or situation, nothing more."""
    shown = discord.Embed(
        title=view.title, description=view.description, colour=COLOURS["practice"]
    )
    shown.set_footer(text=view.footer)
    return shown


def reveal_embed(view: RevealView) -> discord.Embed:
    """What an answer reveals: right or not, the evidence and where the source says it."""
    shown = discord.Embed(
        title=view.title, description=view.description, colour=COLOURS["practice"]
    )
    for item in view.fields:
        shown.add_field(name=item.name, value=item.value, inline=item.inline)
    shown.set_footer(text=clip(view.footer, 2048))
    return shown


def practice_stats_embed(view: PracticeStatsView) -> discord.Embed:
    lines = "\n".join(map(discord_text, view.lines))
    shown = discord.Embed(title="Your practice", description=lines, colour=COLOURS["practice"])
    shown.set_footer(text="Only you can see this.")
    return shown


def beliefs_embed(view: BeliefsView) -> discord.Embed:
    """The belief shift per myth: counts, never names; the chart as BELIEFS_FILE if drawn."""
    shown = discord.Embed(
        title="Belief shift per myth",
        description=clip("\n".join(view.lines), 4096),
        colour=COLOURS["practice"],
    )
    if view.chart_png is not None:
        shown.set_image(url=f"attachment://{BELIEFS_FILE}")
    shown.set_footer(text="Members who said the myth is true, at their first check and latest.")
    return shown
