"""Console /prompt status and /schedule: the daily prompt of the one local cohort."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.console.base import CONSOLE_CHANNEL, Command, sentence, words
from bot.console.cohorts import take_cohort
from bot.schedule import describe_dates
from bot.services.prompts import PREVIEW_COUNT_HELP, PromptPost
from bot.text import Rich
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.console.core import Console

# Discord's facilitator group: /schedule set|next|now|skip|pause|resume|quiet. The
# services' messages name these, so the console takes them (and /prompt … as before).
SCHEDULE_ACTIONS = ("set", "next", "now", "skip", "pause", "resume", "quiet")
PROMPT_ACTIONS = ("status",)
SCHEDULE_USAGE = "Usage: /schedule set HH:MM Zone/Name [days], e.g. 09:00 Europe/Berlin"


class ConsolePoster:
    """The console's stand-in for a channel: prompts are printed, not sent."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.posted = 0

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        self.posted += 1
        self.console.printed.append(self.console.render.card(post.view))
        return self.posted, None

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        self.console.printed.append(self.console.render.rich(text))

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        return None  # the console prints; nothing can be half-sent


class PromptCommands:
    """/prompt status for everyone; /schedule for the facilitator the console's member is."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.poster = ConsolePoster(console)

    async def prompt(self, args: str) -> str:
        """/prompt status, for everyone (the /prompt forms of /schedule still work too)."""
        args, cohort = take_cohort(args)
        action, _, rest = args.partition(" ")
        if action.lower() in {"", "status"}:
            status = await self.console.services.prompts.status(self.console.actor, cohort)
            return "\n".join(map(self.console.render.rich, status.lines()))
        if action.lower() == "schedule":
            action = "set"
        return await self.schedule(f"{action} {rest}" + (f" cohort:{cohort}" if cohort else ""))

    async def schedule(self, args: str) -> str:
        """/schedule: the facilitators' commands (the console's member is one)."""
        prompts, actor = self.console.services.prompts, self.console.actor
        args, cohort = take_cohort(args)
        action, _, rest = args.partition(" ")
        action, rest = action.lower(), rest.strip()
        if action == "next":
            return "\n".join((await prompts.upcoming(actor, preview_count(rest), cohort)).lines())
        if action == "now":
            post = await prompts.post_now(actor, self.poster, cohort)
            return sentence(f"Posted “{post.prompt.title}”")
        if action == "set":
            parts = rest.split(maxsplit=2)
            if len(parts) < 2:
                return SCHEDULE_USAGE
            time_text, zone_text, days_text = (*parts, "")[:3]
            status = await prompts.set_schedule(
                actor, CONSOLE_CHANNEL, time_text, zone_text, days_text, cohort
            )
            return "Schedule saved.\n" + "\n".join(map(self.console.render.rich, status.lines()))
        if action == "skip":
            return sentence(f"Skipped “{(await prompts.skip_next(actor, cohort)).title}”")
        if action in {"pause", "resume"}:
            status = await prompts.set_paused(actor, action == "pause", cohort)
            return "\n".join(map(self.console.render.rich, status.lines()))
        if action == "quiet":
            return await self._quiet(rest, cohort)
        return f"Unknown action “{action}”. Try: {', '.join(SCHEDULE_ACTIONS)}."

    async def _quiet(self, rest: str, cohort: str | None) -> str:
        parts = rest.split()
        remove = bool(parts) and parts[-1].lower() in {"remove", "remove:true"}
        dates = " ".join(parts[:-1] if remove else parts)
        if not dates:
            return "Usage: /schedule quiet YYYY-MM-DD[,…] [remove], or 2026-12-24..2026-12-26"
        prompts = self.console.services.prompts
        days = await prompts.set_quiet_dates(
            self.console.actor, dates, quiet=not remove, cohort=cohort
        )
        return f"Quiet dates from today: {describe_dates(days)}"


def preview_count(text: str) -> int:
    """The console's ``/schedule next`` count: 5 by default; the service checks the range."""
    if not text:
        return 5
    try:
        return int(text)
    except ValueError:
        raise UserError(f"“{text[:20]}” is not a number. {PREVIEW_COUNT_HELP}") from None


def register(console: Console) -> None:
    commands = PromptCommands(console)
    console.add(Command("prompt", commands.prompt, words(PROMPT_ACTIONS)))
    console.add(Command("schedule", commands.schedule, words(SCHEDULE_ACTIONS)))
