"""Attacks a hostile member or a careless facilitator could try, through the real client.

Each test is an attack that worked before its fix: de-anonymizing a reflection from
the counts beside the export, and the like. The holes issue 11 closed are in
test_discord_privacy.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.services.permissions import SHOWN_ONLY_TO_YOU
from tests.e2e import cohort_bot, custom_ids, embed_of
from tests.fakediscord import FakeDiscord, InteractionHandle
from tests.fakediscord.common import Permissions
from tests.fakes import FakeClock
from tests.test_discord_cohorts import prompts_in_order, run
from tests.test_discord_privacy import facilitator_csv
from tests.test_discord_pulse import MONDAY, a_day, digests, private_channel, start_spring
from tests.test_discord_reflections import (
    ANONYMOUS,
    CARD_TITLE,
    add_member,
    answer,
    command,
    owner,
    reflect,
    shared_posts,
    submit,
)

EPHEMERAL = 1 << 6


async def summary_lines(fake: FakeDiscord) -> list[str]:
    handle = await fake.slash("cohort-reflections summary", user=owner(fake))
    await handle.response()
    message = await handle.next_followup()
    lines: list[str] = embed_of(message)["description"].splitlines()
    return lines


async def test_the_summary_beside_the_export_does_not_name_an_anonymous_author(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Bob writes privately, then anonymously, on one card. The export names him on the
    first and hides him on the second; a count of distinct members would then say 1, and
    the facilitator would know the anonymous words are Bob's. Counted as its own member,
    an anonymous reflection gives the same summary whoever wrote it."""
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Named, private.", bob, about="confrontation")
        await reflect(
            fake, "What I could not say.", bob, about="confrontation", visibility="anonymous"
        )
        table = await facilitator_csv(fake)
        assert [row["author_id"] for row in table] == [bob.id, "anonymous"]
        assert await summary_lines(fake) == [
            "2 reflections from 2 members.",
            f"{CARD_TITLE}: 2 members, 2 reflections",
        ]
        assert bob.id not in json.dumps(table[1])
        refused, _ = await answer(await fake.slash("cohort-reflections summary", force=True))
        assert refused.startswith("Only facilitators")


async def test_a_join_button_with_a_crafted_cohort_id_is_refused_cleanly(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A Join button whose id is too large for SQLite (19 digits pass its pattern) or
    names another server's cohort: a plain refusal, nothing logged as an error."""
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Mine.", bob, about="confrontation")
        _, carrier = await command(fake, "reflections delete", bob, id=1)
        assert carrier is not None
        for crafted in ("9" * 19, "0", str(2**63 - 1)):
            custom_id = f"join:{crafted}"
            carrier.components[0]["components"][0]["custom_id"] = custom_id
            content, _ = await answer(await fake.click(carrier, custom_id, user=bob))
            assert content == "That cohort is not in this server.", crafted
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], "refused, not crashed"


async def reply_data(handle: InteractionHandle) -> dict[str, Any]:
    """What the bot answered an interaction with (its callback's message)."""
    data = (await handle.response()).data
    assert data is not None
    return data


def is_ephemeral(data: dict[str, Any]) -> bool:
    return bool(data.get("flags", 0) & EPHEMERAL)


async def test_a_member_who_may_not_post_cannot_make_the_bot_post_for_them(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Muted in #general (no Send Messages), Mallory asks for a public card, a public
    search that repeats her words, and picks a card from a public menu: each is shown
    to her alone, and nothing of hers reaches the channel."""
    fake = strict_fake_discord
    mallory = add_member(fake, "Mallory")
    general = fake.channel("general")
    general.set_overwrite(mallory, deny=Permissions.SEND_MESSAGES)
    words = "confrontation Bob is a liar, ask me why"
    async with cohort_bot(fake, tmp_path):
        card = await reply_data(
            await fake.slash("approach", {"name": "confrontation"}, user=mallory)
        )
        assert is_ephemeral(card), "the card is shown only to her"
        assert card["content"] == SHOWN_ONLY_TO_YOU

        search = {"query": words, "private": False}
        found = await reply_data(await fake.slash("search", search, user=mallory))
        assert is_ephemeral(found) and found["content"] == SHOWN_ONLY_TO_YOU
        assert all(m.ephemeral for m in fake.messages[general])

        menu = await reply_data(
            await fake.slash("search", {"query": "confrontation", "private": False})
        )
        assert not is_ephemeral(menu), "the owner may post it"
        [picker] = [c for c in custom_ids(menu["components"]) if c.startswith("pick:")]
        picked = await fake.select(
            fake.messages[general][-1], picker, ["confrontation"], user=mallory
        )
        assert is_ephemeral(await reply_data(picked))

        allowed = await fake.slash("approach", {"name": "confrontation"})  # the owner may
        assert not is_ephemeral(await reply_data(allowed))
        public = [m.embeds for m in fake.messages.all() if not m.ephemeral]
        assert "liar" not in json.dumps(public)


async def test_editing_an_anonymous_post_keeps_it_where_the_cohort_read_it(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Bob shares a card reflection anonymously in #general, then edits it while he is in
    a two-person channel. Reposted where he typed the edit, the anonymous text would turn
    up in a room of two the moment he acted: the new copy replaces the old where it was."""
    fake = strict_fake_discord
    assert fake.guild is not None
    bob = add_member(fake, "Bob")
    small = fake.guild.add_channel("bob-and-mentor")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Before.", bob, about="confrontation", visibility="anonymous")
        [before] = shared_posts(fake, "general")
        handle = await fake.slash("reflections edit", {"id": 1}, user=bob, channel=small)
        await handle.response()
        content, _ = await submit(fake, handle, "After.")
        assert content.endswith(ANONYMOUS), content
        assert before.deleted
        assert shared_posts(fake, small) == []
        [after] = shared_posts(fake, "general")
        assert embed_of(after)["description"] == "After."
        assert after.content.startswith("Shared anonymously")


async def test_pulse_beside_the_export_does_not_name_an_anonymous_author(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Bob reflects privately on Monday's prompt and Carol anonymously. The export names
    Bob and hides Carol; had pulse said both reflected, the anonymous words would be
    hers. Her anonymous reflection does not count for her there."""
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    private_channel(fake)
    bob, carol = add_member(fake, "Bob"), add_member(fake, "Carol")
    first = prompts_in_order()[0]
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await start_spring(fake)
        for member in (bob, carol):
            await run(fake, "cohort join", user=member)
        await a_day(bot, clock, 4)
        await reflect(fake, "Named.", bob, about=first.id)
        await reflect(fake, "Hers, unnamed.", carol, about=first.id, visibility="anonymous")
        assert [row["author_id"] for row in await facilitator_csv(fake)] == [bob.id, "anonymous"]
        text = embed_of((await run(fake, "cohort pulse")).data)["description"]
        assert f"“{first.title}”: 1 of 2; not yet: <@{carol.id}>." in text


async def test_a_cohort_named_in_odd_digits_is_refused_not_crashed(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """'²' and '①' are digits to str.isdigit but not to int(): a member's /prompt status
    with either as the cohort got 'something went wrong' and an error in the log."""
    fake = strict_fake_discord
    private_channel(fake)
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await start_spring(fake)
        for odd in ("²", "①", "٣"):
            content, _ = await command(fake, "prompt status", bob, cohort=odd)
            assert content.startswith(f"No running cohort is called “{odd}”"), content
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], "refused, not crashed"


async def test_the_digest_refuses_a_channel_every_member_reads_through_a_role(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Many servers hide channels from @everyone and show them to a 'Member' role every
    member holds. A facilitators' channel open to that role is open to the cohort: the
    digest, which names who has not reflected, is refused there as in a public one. The
    facilitator role itself, and roles with Manage Server, may read it."""
    fake = strict_fake_discord
    assert fake.guild is not None
    everyone_role = fake.guild.add_role("Member")
    leads = fake.guild.add_role("Leads")
    admins = fake.guild.add_role("Admins", permissions=Permissions.MANAGE_GUILD)
    bob = fake.add_user("bob", global_name="Bob")
    fake.guild.add_member(bob, roles=[everyone_role])
    channel = private_channel(fake)
    channel.set_overwrite(everyone_role, allow=Permissions.VIEW_CHANNEL)
    async with cohort_bot(fake, tmp_path):
        refused = await start_spring(fake)
        assert (refused.data["content"] or "").startswith(
            f"I will not send the digest to <#{channel.id}>: every member can see that channel"
        ), refused.data
        await run(fake, "facilitators set-role", {"role": leads.id})
    channel.set_overwrite(everyone_role, deny=Permissions.VIEW_CHANNEL)
    channel.set_overwrite(leads, allow=Permissions.VIEW_CHANNEL)
    channel.set_overwrite(admins, allow=Permissions.VIEW_CHANNEL)
    async with cohort_bot(fake, tmp_path, expect_sync=False):
        started = await start_spring(fake)
        assert started.data["content"] == "Started the cohort “Spring”.", started.data


async def test_an_export_until_the_last_date_there_is_does_not_crash(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """until:9999-12-31 (a careless 'everything') overflowed a date; odd dates are told."""
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Mine.", about="confrontation")
        content, message = await command(
            fake, "cohort-reflections export", owner(fake), until="9999-12-31", since="0001-01-01"
        )
        assert content.startswith("Here is your file"), content
        assert message is not None and b"Mine." in message.attachments[0].data
        for odd in ("²026-01-01", "2026-02-30", "\x00"):
            content, _ = await command(fake, "cohort-reflections export", owner(fake), until=odd)
            assert content.endswith("is not a date; write it as YYYY-MM-DD."), content
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], "refused, not crashed"


CRAFTED = [
    "card:no-such-card",
    "reveal:no-such-card:p",
    "reveal:confrontation:c",
    "page:zzz:p:1",
    "page:approach:c:" + "9" * 40,
    "pa:m:no-such-myth:true",
    "pa:m:confrontation:zz",
    "pa:c:confrontation:" + "9" * 30 + ":a",
    "practice:next:e",
    "reflect:no-such-prompt",
    "mine:0:<",
    "confirm:forget:" + "9" * 40,
]
UNMATCHED = {"page:zzz:p:1"}


async def test_crafted_custom_ids_are_answered_or_refused_never_crashed(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A member's client can send any custom_id on any message the bot sent: each is
    answered privately or refused in words, and nothing is logged as an error."""
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Mine.", bob, about="confrontation")
        for custom_id in CRAFTED:
            _, carrier = await command(fake, "reflections delete", bob, id=1)
            assert carrier is not None  # a fresh message: an answer may replace the last
            carrier.components[0]["components"][0]["custom_id"] = custom_id
            handle = await fake.click(carrier, custom_id, user=bob)
            if custom_id in UNMATCHED:  # no item claims it: Discord says it failed
                await asyncio.sleep(0.2)
                assert handle.callback is None, custom_id
            else:
                assert await handle.response() is not None, custom_id
        await asyncio.sleep(0.3)  # the last answer finishes before the bot stops
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], "refused, not crashed"


async def test_the_digest_is_not_sent_once_the_facilitators_channel_is_opened(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Chosen private, the facilitators' channel is later opened to every member (a
    careless settings change): the digest, which names who has not reflected, is held
    back and the reason logged, until the channel is private again."""
    fake, clock = strict_fake_discord, FakeClock(MONDAY)
    assert fake.guild is not None
    channel = private_channel(fake)
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await start_spring(fake)
        for member in (bob, fake.default_user):
            await run(fake, "cohort join", user=member)
        await a_day(bot, clock, 24)
    channel.set_overwrite(fake.guild.roles[0], allow=Permissions.VIEW_CHANNEL)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await a_day(bot, clock, 24 * 7)  # past Monday 9 March, 09:00 in Berlin
        assert digests(fake, channel) == []
    assert any("every member can see that channel" in r.getMessage() for r in caplog.records)
    channel.set_overwrite(fake.guild.roles[0], deny=Permissions.VIEW_CHANNEL)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as bot:
        await a_day(bot, clock, 1)
        [digest] = digests(fake, channel)
        assert f"<@{bob.id}>" in embed_of(digest)["description"]
