"""Drive the real bot through the fake Discord and keep the messages members would see.

Nothing here builds an embed: every payload is what discord.py sent for the bot's own
commands and buttons, as the fake Discord recorded it, so the pictures cannot drift
from the code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docs.render import Post
from tests.e2e import cohort_bot
from tests.fakediscord import CallbackType, FakeDiscord, FakeMessage, FakeUser, InteractionHandle
from tests.fakes import FakeClock

APPROACH = "motivation-enhancement"
"""A calm, representative card: its buttons lead to an expert, an approach and a myth."""
MYTH = "cannot-change"
MEMBERS = ("Alice", "Bashir", "Chen", "Dana", "Eli")
FACILITATOR = "Sam"
WAIT = 30.0
"""Seconds for each answer: a busy machine must not fail the pictures (Discord allows 3)."""
REFLECTIONS_PER_DAY = (4, 5, 3, 2, 4)
"""Members who reflect on each day after the first post: the chart's shape."""


@dataclass(frozen=True)
class Shot:
    """One picture: the posts it shows, and the attachments they refer to."""

    name: str
    title: str
    posts: tuple[Post, ...]
    files: Mapping[str, bytes] = field(default_factory=dict)


def post_of(
    message: FakeMessage | Mapping[str, Any],
    *,
    used: str | None = None,
    replying: str | None = None,
    user: str = MEMBERS[0],
    time: str = "09:00",
) -> Post:
    """A recorded message (or callback data) as the renderer takes it."""
    if isinstance(message, FakeMessage):
        payload: dict[str, Any] = {
            "content": message.content,
            "embeds": message.embeds,
            "components": message.components,
            "flags": message.flags,
        }
        thread = message.thread.name if message.thread is not None else None
    else:
        payload, thread = dict(message), None
    return Post(payload, used=used, user=user, replying=replying, thread=thread, time=time)


def command_paths(fake: FakeDiscord) -> Iterator[str]:
    """Every registered chat command with its subcommands: "reflections summary", ..."""

    def walk(path: str, options: list[dict[str, Any]]) -> Iterator[str]:
        nested = [option for option in options if option.get("type") in (1, 2)]
        if not nested:
            yield path
        for option in nested:
            yield from walk(f"{path} {option['name']}", option.get("options", []))

    for commands in fake.commands.values():
        for command in commands:
            if command.get("type", 1) == 1:
                yield from walk(command["name"], command.get("options", []))


def command_named(fake: FakeDiscord, *endings: str) -> str:
    """The full name of the command ending in the first of ``endings`` the bot registers.

    Facilitators' commands move between groups ("prompt schedule" became "schedule set");
    asking by the last words keeps the pictures working through such renames.
    """
    paths = sorted(set(command_paths(fake)))
    for ending in endings:
        words = ending.split()
        found = [path for path in paths if path.split()[-len(words) :] == words]
        if found:
            return found[0]
    raise LookupError(
        f"no command ends in {' or '.join(map(repr, endings))}; the bot registers: "
        f"{', '.join(paths)}"
    )


async def answer(handle: InteractionHandle) -> FakeMessage:
    """The message an interaction produced, whether sent at once or after deferring."""
    first = await handle.response(timeout=WAIT)
    if first.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        return await handle.next_followup(timeout=WAIT)
    if first.message is None:
        raise RuntimeError(f"{handle!r} produced no message")
    return first.message


async def card(fake: FakeDiscord, command: str, card_id: str) -> FakeMessage:
    """A card posted for the cohort; a clear error if content no longer has it."""
    message = await answer(await fake.slash(command, {"name": card_id}))
    if not message.embeds or message.ephemeral:
        raise LookupError(f"/{command} {card_id} showed no card: {message.content!r}")
    return message


async def card_shots(fake: FakeDiscord) -> list[Shot]:
    """An approach card with its buttons; a myth before and after the reveal."""
    approach = await card(fake, "approach", APPROACH)
    myth = await card(fake, "myth", MYTH)
    [reveal] = [c for c in myth.custom_ids if c.startswith("reveal:")]
    revealed = await (await fake.click(myth, reveal)).response(timeout=WAIT)
    if revealed.data is None:
        raise RuntimeError("the reveal button answered with no message")
    return [
        Shot(
            "approach",
            "An approach card with buttons to related cards",
            (post_of(approach, used="/approach"),),
        ),
        Shot(
            "myth",
            "A myth card: the belief first, and a button for the evidence",
            (post_of(myth, used="/myth"),),
        ),
        Shot(
            "myth-revealed",
            "The myth's answer, shown only to the member who asked",
            (post_of(revealed.data, replying=myth.embeds[0]["title"], time="09:01"),),
        ),
    ]


async def reflect(fake: FakeDiscord, user: FakeUser, text: str) -> None:
    """Write one reflection through /reflect and its form, as a member does."""
    opener = await fake.slash("reflect", {}, user=user)
    await opener.response(timeout=WAIT)
    if opener.modal is None:
        raise RuntimeError("/reflect opened no form")
    inputs = [
        component
        for row in opener.modal["components"]
        for component in [*row.get("components", []), *filter(None, [row.get("component")])]
        if component.get("type") == 4
    ]
    await answer(await fake.submit_modal(opener, {inputs[0]["custom_id"]: text}))


async def prompt_and_chart_shots(fake: FakeDiscord, clock: FakeClock) -> list[Shot]:
    """The first daily post with its thread; the facilitators' participation chart.

    Posts go out through the facilitators' "post now" command: the same post as the
    scheduled one, with no waiting for the posting loop.
    """
    assert fake.guild is not None
    boss = fake.guild.owner
    options = {"channel": "general", "time": "18:00", "timezone": "Europe/Berlin"}
    await answer(
        await fake.slash(command_named(fake, "prompt schedule", "schedule set"), options, user=boss)
    )
    post_now = command_named(fake, "now")
    await answer(await fake.slash(post_now, {}, user=boss))
    [post] = [m for m in fake.messages[fake.channel("general")] if m.thread is not None]

    members = [fake.user(name.lower()) for name in MEMBERS]
    for count in REFLECTIONS_PER_DAY:  # a week of posts, each day's reflections on its prompt
        for member in members[:count]:
            await reflect(fake, member, "A few private words for the summary's counts.")
        clock.advance(days=1)
        await answer(await fake.slash(post_now, {}, user=boss))
    summary_command = command_named(fake, "summary")
    summary = await answer(await fake.slash(summary_command, {}, user=boss))
    files = {attachment.filename: attachment.data for attachment in summary.attachments}
    return [
        Shot(
            "daily-post",
            "The daily prompt, with cards, a Reflect button and its thread",
            (post_of(post),),
        ),
        Shot(
            "participation",
            "The facilitators' participation summary and chart",
            (post_of(summary, used=f"/{summary_command}", user=FACILITATOR, time="10:30"),),
            files,
        ),
    ]


async def capture() -> list[Shot]:
    """Run the bot against a fresh fake Discord and return every picture's posts."""
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday, 09:00 in Berlin
    async with FakeDiscord(interaction_deadline=WAIT) as fake:
        assert fake.guild is not None
        fake.guild.owner.global_name = FACILITATOR
        for name in MEMBERS[1:]:
            fake.guild.add_member(fake.add_user(name.lower(), global_name=name))
        with tempfile.TemporaryDirectory() as folder:
            async with cohort_bot(fake, Path(folder), clock=clock):
                shots = await card_shots(fake)
                shots += await prompt_and_chart_shots(fake, clock)
        fake.assert_clean()
    return shots
