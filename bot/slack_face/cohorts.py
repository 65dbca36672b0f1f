"""/cohort and /remind on Slack, and the Join button on the daily post.

Arguments come from the command text: ``/cohort start Spring 2026 #spring 09:00
Europe/Berlin weekdays starts: 2026-03-02 ends: 2026-04-10 facilitators: #facil``; every
option may also be given by name (``name:``, ``channel:``, ``time:``, ``timezone:``...),
as on Discord. Every rule, facilitator refusals included, is the services'.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.services.cohorts import ChannelChoice, CohortView
from bot.services.delivery import Note
from bot.services.permissions import Actor
from bot.slack_face.blocks import context, mrkdwn, sections
from bot.slack_face.command_text import command_text, split_options
from bot.slack_face.errors import error_code
from bot.store import WhenFinished
from bot.text import Rich, clip
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.slack_face.app import Payload, SlackFace

KEYS = frozenset(
    {
        "name",
        "cohort",
        "channel",
        "time",
        "timezone",
        "zone",
        "days",
        "starts",
        "ends",
        "curriculum",
        "when_finished",
        "facilitators",
        "facilitator_channel",
    }
)
START = (
    "/cohort start NAME #channel HH:MM Zone/Name [days] [starts: YYYY-MM-DD] "
    "[ends: YYYY-MM-DD] [curriculum: ID] [when_finished: stop|restart] [facilitators: #channel]"
)
COHORT_USAGE = (
    f"Usage: {START} | list | edit [COHORT] name:|channel:|time:|timezone:|days:|starts:|"
    "ends:|curriculum:|when_finished:|facilitators: VALUE | end [COHORT] | next NAME "
    "[cohort: COHORT] [starts: …] [ends: …] | join [COHORT] | leave [COHORT] | pulse [COHORT] "
    "| add member @member [COHORT]"
)
REMIND_USAGE = "Usage: /remind me HH:MM [Zone/Name] [cohort: COHORT] | off [COHORT]"
_CHANNEL = re.compile(r"^<#(C[A-Z0-9]+)(?:\|[^>]*)?>$|^(C[A-Z0-9]+)$")
_MEMBER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NOT_A_CHANNEL = {"channel_not_found": "I cannot see that channel (invite me with /invite)"}


def when_finished(text: str | None) -> WhenFinished | None:
    if text is None:
        return None
    if text.lower() not in ("stop", "restart"):
        raise UserError("when_finished: is stop or restart.")
    return cast(WhenFinished, text.lower())


class CohortCommands:
    def __init__(self, face: SlackFace) -> None:
        self.face = face

    def register(self) -> None:
        app, guarded = self.face.app, self.face.guarded
        app.command("/cohort")(guarded(self._cohort))
        app.command("/remind")(guarded(self._remind))
        app.action("join")(guarded(self._join_button))

    # ---------------------------------------------------------------- arguments

    async def channel(self, text: str, *, facilitators: bool = False) -> ChannelChoice:
        """A ``<#C…|name>`` as the services need it: private or not, and whether I am in it."""
        found = _CHANNEL.match(text.strip())
        if found is None:
            what = "the facilitators' channel" if facilitators else "the channel"
            raise UserError(f"Name {what} as #channel (“{clip(text, 40)}” is not one).")
        channel = found.group(1) or found.group(2)
        try:
            info = (await self.face.client.conversations_info(channel=channel))["channel"]
        except SlackApiError as error:
            code = error_code(error)
            raise UserError(
                NOT_A_CHANNEL.get(code, f"I cannot look at that channel ({code}).")
            ) from None
        return ChannelChoice(
            channel_id=await self.face.ids.of(channel),
            visible_to_everyone=not info.get("is_private", False),
            bot_can_post=bool(info.get("is_member")),
        )

    async def _facilitators(self, options: dict[str, str]) -> ChannelChoice | None:
        text = options.get("facilitators") or options.get("facilitator_channel")
        return await self.channel(text, facilitators=True) if text else None

    # ---------------------------------------------------------------- /cohort

    async def _cohort(self, respond: AsyncRespond, body: Payload) -> None:
        text = command_text(body)
        verb, _, rest = text.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb == "add":
            what, _, rest = rest.partition(" ")
            verb = "add member" if what.lower() == "member" else "?"
            rest = rest.strip()
        handler = {
            "start": self._start,
            "edit": self._edit,
            "list": self._list,
            "end": self._end,
            "next": self._next,
            "join": self._join,
            "leave": self._leave,
            "pulse": self._pulse,
            "add member": self._add_member,
        }.get(verb)
        if handler is None:
            await self.face.say_privately(respond, COHORT_USAGE)
            return
        await handler(respond, await self.face.actor(body), rest)

    async def _start(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        head, options = split_options(rest, KEYS)
        words = head.split()
        at = next((i for i, word in enumerate(words) if _CHANNEL.match(word)), None)
        positional: dict[str, str] = {}
        if at is not None:
            after = words[at + 1 :]
            positional = {"name": " ".join(words[:at]), "channel": words[at]}
            positional |= dict(zip(("time", "timezone"), after[:2], strict=False))
            positional["days"] = " ".join(after[2:])
        elif head:
            positional["name"] = head
        given = {key: value for key, value in positional.items() if value} | options
        zone = given.get("timezone") or given.get("zone")
        missing = [k for k in ("name", "channel", "time") if not given.get(k)] + (
            [] if zone else ["timezone"]
        )
        if missing:
            raise UserError(f"Missing {', '.join(missing)}. Usage: {START}")
        view = await self.face.services.cohorts.start(
            actor,
            given["name"],
            await self.channel(given["channel"]),
            given["time"],
            zone or "",
            given.get("days", ""),
            starts=given.get("starts"),
            ends=given.get("ends"),
            curriculum=given.get("curriculum"),
            when_finished=when_finished(given.get("when_finished")),
            facilitator_channel=await self._facilitators(given),
        )
        await self._view(respond, view)

    async def _edit(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        cohort, options = split_options(rest, KEYS)
        if not options:
            raise UserError(
                "Name what changes, e.g. /cohort edit Spring 2026 time: 10:00 ends: 2026-04-17 "
                "(options: name, channel, time, timezone, days, starts, ends, curriculum, "
                "when_finished, facilitators)."
            )
        channel = options.get("channel")
        view = await self.face.services.cohorts.edit(
            actor,
            cohort or options.get("cohort") or None,
            name=options.get("name"),
            channel=await self.channel(channel) if channel else None,
            time_text=options.get("time"),
            zone_text=options.get("timezone") or options.get("zone"),
            days_text=options.get("days"),
            starts=options.get("starts"),
            ends=options.get("ends"),
            curriculum=options.get("curriculum"),
            when_finished=when_finished(options.get("when_finished")),
            facilitator_channel=await self._facilitators(options),
        )
        await self._view(respond, view)

    async def _list(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        view = await self.face.services.cohorts.list(actor)
        await self._lines(respond, "Cohorts in this workspace", view.lines())

    async def _end(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        services = self.face.services
        ended = await services.cohorts.end(actor, _cohort_name(rest))
        summary = await services.pulse.final_note(ended)
        headline = (
            f"“{ended.name}” has ended: no more posts, reminders or digests. Its reflections "
            "and history stay (until retention). /cohort next starts the next cohort in its "
            "channel."
        )
        await self._note(respond, headline, summary)

    async def _next(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        name, options = split_options(rest, KEYS)
        name = name or options.get("name", "")
        if not name:
            raise UserError(
                "Usage: /cohort next NAME [cohort: COHORT] [starts: YYYY-MM-DD] [ends: YYYY-MM-DD]"
            )
        view = await self.face.services.cohorts.start_next(
            actor,
            name,
            options.get("cohort") or None,
            starts=options.get("starts"),
            ends=options.get("ends"),
        )
        await self._view(respond, view)

    async def _join(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        answer = await self.face.services.roster.join(actor, _cohort_name(rest))
        await self.face.say_privately(respond, answer)

    async def _leave(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        answer = await self.face.services.roster.leave(actor, _cohort_name(rest))
        await self.face.say_privately(respond, answer)

    async def _pulse(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        view = await self.face.services.pulse.pulse(actor, _cohort_name(rest))
        note = Note(f"Pulse: {view.cohort_name}", tuple(view.lines()), "Only you can see this.")
        await self._note(respond, None, note)

    async def _add_member(self, respond: AsyncRespond, actor: Actor, rest: str) -> None:
        who, _, cohort = rest.partition(" ")
        found = _MEMBER.match(who)
        if found is None:
            raise UserError("Usage: /cohort add member @member [COHORT]")
        await self.face.services.facilitators.require(actor, "add members to a cohort")
        try:
            user = (await self.face.client.users_info(user=found.group(1)))["user"]
        except SlackApiError as error:
            raise UserError(f"I cannot find that member ({error_code(error)}).") from None
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name", "member")
        answer = await self.face.services.roster.add_member(
            actor,
            await self.face.ids.of(found.group(1)),
            str(name),
            _cohort_name(cohort),
            is_bot=bool(user.get("is_bot")),
        )
        await self.face.say_privately(respond, answer)

    async def _join_button(self, respond: AsyncRespond, body: Payload) -> None:
        value = str(body["actions"][0].get("value", ""))
        if not value.isdecimal() or len(value) > 19:
            raise UserError("That Join button is not one of this workspace's cohorts.")
        actor = await self.face.actor(body)
        answer = await self.face.services.roster.join(actor, cohort_id=int(value))
        await self.face.say_privately(respond, answer)

    # ---------------------------------------------------------------- /remind

    async def _remind(self, respond: AsyncRespond, body: Payload) -> None:
        head, options = split_options(command_text(body), KEYS)
        words = head.split()
        verb = words[0].lower() if words else ""
        reminders = self.face.services.reminders
        actor = await self.face.actor(body)
        if verb == "me" and 2 <= len(words) <= 3:
            zone = words[2] if len(words) == 3 else options.get("timezone") or options.get("zone")
            answer = await reminders.remind_me(actor, words[1], zone, options.get("cohort"))
        elif verb == "off":
            cohort = " ".join(words[1:]) or options.get("cohort") or None
            answer = await reminders.remind_off(actor, cohort)
        else:
            await self.face.say_privately(respond, REMIND_USAGE)
            return
        await self.face.say_privately(respond, answer)

    # ---------------------------------------------------------------- answers

    async def _lines(self, respond: AsyncRespond, title: str, lines: list[Rich]) -> None:
        text = "\n".join([await self.face.text(line) for line in lines])
        await self.face.answer(respond, sections(f"*{mrkdwn(title)}*\n{text}"), title)

    async def _view(self, respond: AsyncRespond, view: CohortView) -> None:
        title = f"Cohort: {view.status.cohort.name}"
        lines = view.lines()
        text = "\n".join([await self.face.text(line) for line in lines[1:]])
        body = f"{mrkdwn(view.headline)}\n*{mrkdwn(title)}*\n{text}"
        await self.face.answer(respond, sections(body), view.headline)

    async def _note(self, respond: AsyncRespond, headline: str | None, note: Note) -> None:
        """A note (pulse, the end-of-cohort summary) privately: members as mentions, which
        ping nobody in an ephemeral message."""
        lines = [await self.face.text(line, mentions=True) for line in note.lines]
        top = f"{mrkdwn(headline)}\n" if headline else ""
        blocks = sections(f"{top}*{mrkdwn(note.title)}*\n" + "\n".join(lines))
        blocks.append(context(mrkdwn(note.marker)))
        await self.face.answer(respond, blocks[:50], headline or note.title)


def _cohort_name(text: str) -> str | None:
    return text.strip() or None


def register(face: SlackFace) -> None:
    CohortCommands(face).register()
