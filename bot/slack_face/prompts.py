"""/prompt and /schedule on Slack, and the daily post: a message with the prompt's card and
a Reflect button, its discussion in the message's thread (thread_ts).

Exactly once, as on Discord: the services reserve each post before it is sent; the
message carries the reservation in a block id, so after a crash the bot finds it in the
channel's history instead of posting again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.schedule import describe_dates
from bot.services.delivery import Courier
from bot.services.prompt_plan import day_text
from bot.services.prompts import PostFailed, PromptPost
from bot.slack_face.blocks import button, card_blocks, context, is_bots_with_block, mrkdwn, sections
from bot.slack_face.command_text import command_text
from bot.slack_face.errors import error_code
from bot.slack_face.practice import quick_check_button
from bot.slack_face.sharing import SlackSharer
from bot.text import Rich, clip
from bot.user_error import UserError

if TYPE_CHECKING:
    from bot.slack_face.app import Payload, SlackFace

log = logging.getLogger(__name__)
REFUSED = {
    "channel_not_found": "that channel no longer exists",
    "not_in_channel": "I am not in that channel (invite me with /invite @cohort-bot)",
    "is_archived": "that channel is archived",
    "missing_scope": "I lack the chat:write permission",
    "restricted_action": "only some members may post in that channel",
}
_CHANNEL = re.compile(r"^<#(C[A-Z0-9]+)(?:\|[^>]*)?>$|^(C[A-Z0-9]+)$")
SCHEDULE_USAGE = (
    "Usage: /schedule set #channel HH:MM Zone/Name [days] | next [1-25] | now | skip | pause "
    "| resume | quiet DATES [remove]"
)


def marker(post: PromptPost) -> str:
    return f"prompt:{post.reservation}"


class SlackPoster:
    """The Poster protocol: post into the cohort's channel, find a post again, tell."""

    def __init__(self, face: SlackFace) -> None:
        self.face = face

    async def post(self, post: PromptPost) -> tuple[int, int | None]:
        channel = (await self.face.ids.place(post.channel_id)).channel
        blocks = card_blocks(post.view, marker=marker(post))
        if post.content_note:
            pointer = "" if "/about" in post.content_note else " /about lists support."
            blocks.insert(0, context(mrkdwn(f"Content note: {post.content_note}{pointer}")))
        elements = [button("Reflect", "reflect", post.prompt.id, "primary")]
        if post.cohort_id:  # the roster needs no member list: members join with a click
            elements.append(button("Join the cohort", "join", str(post.cohort_id)))
        elements.append(quick_check_button())  # one due practice check, privately
        blocks.append({"type": "actions", "elements": elements})
        try:
            sent = await self.face.client.chat_postMessage(
                channel=channel, blocks=blocks[:50], text=post.view.title, unfurl_links=False
            )
        except SlackApiError as error:
            code = error_code(error)
            if code in REFUSED:
                raise PostFailed(REFUSED[code]) from None
            raise  # unclear whether it went out: the reservation stays and is settled
        ts = str(sent["ts"])
        await self._open_thread(channel, ts, post)
        message = await self.face.ids.message(channel, ts)
        return message, message  # the thread is the message's: its id doubles as the thread's

    async def _open_thread(self, channel: str, ts: str, post: PromptPost) -> None:
        """A thread exists once it has a reply: the first one names the day's discussion."""
        try:
            await self.face.client.chat_postMessage(
                channel=channel, thread_ts=ts, text=f"Discussion: {clip(post.thread_name, 200)}"
            )
        except SlackApiError as error:
            log.warning("posted in %s but could not open its thread: %s", channel, error)

    async def find_post(self, post: PromptPost, since: datetime) -> tuple[int, int | None] | None:
        channel = (await self.face.ids.place(post.channel_id)).channel
        oldest = str((since - timedelta(minutes=1)).timestamp())
        try:
            history = await self.face.client.conversations_history(channel=channel, oldest=oldest)
        except SlackApiError as error:
            code = error_code(error)
            raise PostFailed(REFUSED.get(code, f"I cannot read that channel ({code})")) from None
        for message in history["messages"]:
            if is_bots_with_block(message, marker(post)):
                ts = str(message["ts"])
                if not message.get("reply_count"):
                    await self._open_thread(channel, ts, post)
                found = await self.face.ids.message(channel, ts)
                return found, found
        return None

    async def notify(self, channel_id: int | None, guild_id: int, text: Rich) -> None:
        if channel_id is None:
            log.warning("workspace %s: %s (no facilitator channel known)", guild_id, text)
            return
        try:
            place = await self.face.ids.place(channel_id)
            await self.face.client.chat_postMessage(
                channel=place.channel, thread_ts=place.thread_ts, text=await self.face.text(text)
            )
        except (LookupError, SlackApiError) as error:
            log.warning("workspace %s: could not tell facilitators (%s): %s", guild_id, error, text)


class PromptCommands:
    def __init__(self, face: SlackFace) -> None:
        self.face = face
        self.poster = SlackPoster(face)

    def register(self) -> None:
        self.face.app.command("/prompt")(self.face.guarded(self._prompt))
        self.face.app.command("/schedule")(self.face.guarded(self._schedule))

    async def _prompt(self, respond: AsyncRespond, body: Payload) -> None:
        if (command_text(body) or "status").lower() != "status":
            raise UserError("Usage: /prompt status")
        status = await self.face.services.prompts.status(await self.face.actor(body))
        await self._lines(respond, "Daily prompt schedule", status.lines())

    async def _lines(self, respond: AsyncRespond, title: str, lines: list[Rich]) -> None:
        text = "\n".join([await self.face.text(line) for line in lines])
        await self.face.answer(respond, sections(f"*{title}*\n{text}"), title)

    async def _schedule(self, respond: AsyncRespond, body: Payload) -> None:
        words = command_text(body).split()
        verb, args = (words[0].lower(), words[1:]) if words else ("", [])
        actor = await self.face.actor(body)
        prompts = self.face.services.prompts
        if verb == "set" and len(args) >= 3:
            found = _CHANNEL.match(args[0])
            if found is None:
                raise UserError(
                    "Name the channel first, as #channel: /schedule set #cohort 09:00 Europe/Berlin"
                )
            channel = await self.face.ids.of(found.group(1) or found.group(2))
            status = await prompts.set_schedule(
                actor, channel, args[1], args[2], " ".join(args[3:])
            )
            await self._lines(respond, "Schedule saved", status.lines())
        elif verb == "next" and len(args) <= 1:
            count = _count(args[0]) if args else 5
            preview = await prompts.upcoming(actor, count)
            lines = [
                f"*{day_text(entry.day)}* — "
                + ("_quiet (no post)_" if entry.quiet else mrkdwn(clip(entry.title or "", 100)))
                for entry in preview.entries
            ]
            shown = lines or ["Nothing is scheduled (paused, or no weekday chosen)."]
            text = "\n".join([*shown, *map(mrkdwn, preview.ending)])
            await self.face.answer(respond, sections(f"*Coming up*\n{text}"), "Coming up")
        elif verb == "now" and not args:
            post = await prompts.post_now(actor, self.poster)
            where = await self.face.channel_name(post.channel_id)
            await self.face.answer(
                respond, sections(f"Posted “{mrkdwn(post.prompt.title)}” in {where}."), "Posted"
            )
        elif verb == "skip" and not args:
            prompt = await prompts.skip_next(actor)
            await self.face.say_privately(
                respond, f"Skipped “{prompt.title}”; it will not be posted this round."
            )
        elif verb in ("pause", "resume") and not args:
            status = await prompts.set_paused(actor, verb == "pause")
            await self._lines(respond, "Paused" if verb == "pause" else "Resumed", status.lines())
        elif verb == "quiet" and args:
            remove = args[-1].lower() == "remove"
            dates = " ".join(args[:-1] if remove else args)
            quiet = await prompts.set_quiet_dates(actor, dates, quiet=not remove)
            await self.face.say_privately(
                respond, f"Quiet dates from today: {describe_dates(quiet)}"
            )
        else:
            await self.face.say_privately(respond, SCHEDULE_USAGE)


def _count(text: str) -> int:
    # isdecimal, not isdigit ('²' is a digit int() refuses); a long one is no count either
    if not text.isdecimal() or len(text) > 9:
        raise UserError(f"“{clip(text, 24)}” is not a number; choose 1 to 25.")
    return int(text)


class DailyLoop:
    """Every 20 seconds: post what is due, end cohorts and send their digests, summaries and
    reminders, settle unconfirmed shares, purge expired ones."""

    def __init__(self, face: SlackFace, poster: SlackPoster, courier: Courier) -> None:
        self.face, self.poster, self.courier = face, poster, courier
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        services = self.face.services
        try:
            if services.content.loaded:
                await services.prompts.run_due(self.poster)
                await services.pulse.run_endings(self.courier)
                await services.pulse.run_digests(self.courier)
                await services.reminders.run_due(self.courier)
            sharer = SlackSharer(self.face, "")  # settles and removes; never posts
            await services.reflections.settle_shares(sharer)
            await services.reflections.purge_expired(sharer)
        except Exception:
            log.exception("the Slack daily prompt loop failed; retrying next tick")

    def start(self) -> None:
        async def run() -> None:
            while True:
                await self.tick()
                await asyncio.sleep(self.face.services.settings.daily_loop.every_seconds)

        self._task = asyncio.create_task(run(), name="slack-daily-loop")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def register(face: SlackFace) -> None:
    commands = PromptCommands(face)
    commands.register()
    face.poster = commands.poster
