"""Console /cohort: the same cohort and roster services as Discord, typed as options.

The console's one member is also the facilitator. Options are written as Discord shows
them, ``name:value``, with quotes around a value that has spaces::

    /cohort start name:"Spring 2026" time:09:00 timezone:Europe/Berlin days:weekdays
    /cohort edit ends:2026-04-10
    /cohort join            /cohort leave            /cohort add member id:2 name:Sam

A channel is a number here (the console's own is 1), so several cohorts can run side
by side as they would in different Discord channels.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, cast

from bot.console.base import CONSOLE_CHANNEL, Command, words
from bot.services.cohorts import ChannelChoice, CohortView
from bot.store import WhenFinished
from bot.text import Rich
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.console.core import Console

_COHORT_OPTION = re.compile(r'(?:^|\s)cohort:(?P<value>"[^"]*"|\S+)')
ACTIONS = ("start", "list", "edit", "end", "next", "join", "leave", "add", "pulse")
USAGE = {
    "start": 'Usage: /cohort start name:"Spring 2026" time:09:00 timezone:Europe/Berlin '
    "[days:weekdays] [starts:YYYY-MM-DD] [ends:YYYY-MM-DD] [channel:N] [curriculum:ID] "
    "[when_finished:stop|restart] [facilitator_channel:N]",
    "next": 'Usage: /cohort next name:"Autumn 2026" [cohort:NAME] [starts:…] [ends:…]',
    "add": "Usage: /cohort add member id:USER_ID name:NAME [cohort:NAME]",
}


def options(args: str) -> tuple[list[str], dict[str, str]]:
    """Plain words and ``name:value`` options, values quoted as a shell would."""
    try:
        tokens = shlex.split(args)
    except ValueError as error:
        raise UserError(f"Could not read that line ({error}); close the quotes.") from None
    plain: list[str] = []
    named: dict[str, str] = {}
    for token in tokens:
        key, colon, value = token.partition(":")
        if colon and key.replace("_", "").isalpha() and value:
            named[key.lower()] = value
        else:
            plain.append(token)
    return plain, named


def channel_of(named: dict[str, str], key: str = "channel") -> ChannelChoice | None:
    """A channel option as a number (the console's channel is 1)."""
    text = named.get(key)
    if text is None:
        return None
    number = text.removeprefix("#")
    if not number.isdigit() or int(number) == 0:
        raise UserError(f"{key}: give a channel number, e.g. {key}:2 (this console is 1).")
    return ChannelChoice(int(number))


def when_finished_of(named: dict[str, str]) -> WhenFinished | None:
    value = named.get("when_finished")
    if value is None:
        return None
    if value not in ("stop", "restart"):
        raise UserError("when_finished: choose stop or restart.")
    return cast(WhenFinished, value)


class CohortCommands:
    """/cohort start|list|edit|end|next|join|leave|add member."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def handle(self, args: str) -> str:
        action, _, rest = args.strip().partition(" ")
        action = action.lower()
        plain, named = options(rest)
        handler = {
            "start": self._start,
            "edit": self._edit,
            "next": self._next,
            "add": self._add,
        }.get(action)
        if handler is not None:
            return await handler(plain, named)
        services, actor = self.console.services, self.console.actor
        if action == "list":
            return self._lines((await services.cohorts.list(actor)).lines())
        if action == "end":
            ended = await services.cohorts.end(actor, named.get("cohort"))
            summary = await services.pulse.final_note(ended)
            return (
                f"“{ended.name}” has ended: no more posts, reminders or digests. Its "
                "reflections and history stay (until retention). /cohort next starts the "
                "next cohort in its channel.\n" + self._lines(list(summary.lines))
            )
        if action == "pulse":
            view = await services.pulse.pulse(actor, named.get("cohort"))
            return self._lines(view.lines())
        if action == "join":
            return self.console.render.rich(await services.roster.join(actor, named.get("cohort")))
        if action == "leave":
            return self.console.render.rich(await services.roster.leave(actor, named.get("cohort")))
        return f"Unknown action “{action}”. Try: {', '.join(ACTIONS)}."

    async def _start(self, plain: list[str], named: dict[str, str]) -> str:
        if not {"name", "time", "timezone"} <= set(named):
            return USAGE["start"]
        view = await self.console.services.cohorts.start(
            self.console.actor,
            named["name"],
            channel_of(named) or ChannelChoice(CONSOLE_CHANNEL),
            named["time"],
            named["timezone"],
            named.get("days", ""),
            starts=named.get("starts"),
            ends=named.get("ends"),
            curriculum=named.get("curriculum"),
            when_finished=when_finished_of(named),
            facilitator_channel=channel_of(named, "facilitator_channel"),
        )
        return self._view(view)

    async def _edit(self, plain: list[str], named: dict[str, str]) -> str:
        view = await self.console.services.cohorts.edit(
            self.console.actor,
            named.get("cohort"),
            name=named.get("name"),
            channel=channel_of(named),
            time_text=named.get("time"),
            zone_text=named.get("timezone"),
            days_text=named.get("days"),
            starts=named.get("starts"),
            ends=named.get("ends"),
            curriculum=named.get("curriculum"),
            when_finished=when_finished_of(named),
            facilitator_channel=channel_of(named, "facilitator_channel"),
        )
        return self._view(view)

    async def _next(self, plain: list[str], named: dict[str, str]) -> str:
        if "name" not in named:
            return USAGE["next"]
        view = await self.console.services.cohorts.start_next(
            self.console.actor,
            named["name"],
            named.get("cohort"),
            starts=named.get("starts"),
            ends=named.get("ends"),
        )
        return self._view(view)

    async def _add(self, plain: list[str], named: dict[str, str]) -> str:
        if plain[:1] != ["member"] or not named.get("id", "").isdigit() or "name" not in named:
            return USAGE["add"]
        answer = await self.console.services.roster.add_member(
            self.console.actor, int(named["id"]), named["name"], named.get("cohort")
        )
        return self.console.render.rich(answer)

    def _view(self, view: CohortView) -> str:
        return self._lines(view.lines())

    def _lines(self, lines: list[Rich]) -> str:
        render = self.console.render
        return "\n".join(render.wrap(render.rich(line)) for line in lines)

    async def remind(self, args: str) -> str:
        """/remind me time:HH:MM [timezone:ZONE] [cohort:NAME], /remind off [cohort:NAME]."""
        action, _, rest = args.strip().partition(" ")
        plain, named = options(rest)
        reminders, actor = self.console.services.reminders, self.console.actor
        if action.lower() == "me":
            when = named.get("time") or (plain[0] if plain else "")
            if not when:
                return "Usage: /remind me time:18:00 [timezone:Europe/Berlin] [cohort:NAME]"
            answer = await reminders.remind_me(
                actor, when, named.get("timezone"), named.get("cohort")
            )
            return self.console.render.rich(answer)
        if action.lower() == "off":
            return self.console.render.rich(await reminders.remind_off(actor, named.get("cohort")))
        return "Usage: /remind me time:HH:MM, or /remind off"


def take_cohort(args: str) -> tuple[str, str | None]:
    """The ``cohort:NAME`` option (quoted if it has spaces) out of a command's words."""
    found = _COHORT_OPTION.search(args)
    if found is None:
        return args, None
    rest = (args[: found.start()] + " " + args[found.end() :]).strip()
    return " ".join(rest.split()), found["value"].strip('"')


def register(console: Console) -> None:
    commands = CohortCommands(console)
    console.add(Command("cohort", commands.handle, words(ACTIONS)))
    console.add(Command("remind", commands.remind, words(("me", "off"))))
