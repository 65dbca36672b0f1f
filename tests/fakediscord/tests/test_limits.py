"""The fake refuses what Discord refuses: uploads over the limit, string options over 6,000.

Driven through a tiny real discord.py bot, so the errors are the ones discord.py sees.
"""

from __future__ import annotations

import io
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.fakediscord import FakeDiscord, limits
from tests.fakediscord.common import ErrorCollector
from tests.fakediscord.fixtures import running_bot

TOO_LARGE = {"message": "Request entity too large", "code": 40005}


def make_bot(seen: list[Any]) -> discord.Client:
    """/upload size [deferred], /post size (a plain channel send), /echo text."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    async def send_file(interaction: discord.Interaction, size: int, deferred: bool) -> None:
        seen.append(interaction.filesize_limit)
        file = discord.File(io.BytesIO(b"x" * size), filename="data.bin")
        try:
            if deferred:
                await interaction.response.defer(ephemeral=True)
                await interaction.followup.send("here", file=file, ephemeral=True)
            else:
                await interaction.response.send_message("here", file=file, ephemeral=True)
        except discord.HTTPException as error:
            seen.append((error.status, error.code, error.text))

    @tree.command(description="Upload size bytes")
    async def upload(interaction: discord.Interaction, size: int, deferred: bool = False) -> None:
        await send_file(interaction, size, deferred)

    @tree.command(description="Post size bytes in the channel")
    async def post(interaction: discord.Interaction, size: int) -> None:
        await interaction.response.defer(ephemeral=True)
        assert isinstance(interaction.channel, discord.TextChannel)
        try:
            await interaction.channel.send(
                file=discord.File(io.BytesIO(b"x" * size), filename="data.bin")
            )
        except discord.HTTPException as error:
            seen.append((error.status, error.code, error.text))
        await interaction.followup.send("done", ephemeral=True)

    @tree.command(description="Say it back")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text[:2000], ephemeral=True)

    async def setup_hook() -> None:
        await tree.sync()

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    return client


async def test_an_upload_over_the_interactions_limit_gets_413(fake_discord: FakeDiscord) -> None:
    fake, seen = fake_discord, list[Any]()
    fake.attachment_size_limit = 1000
    async with running_bot(make_bot(seen), fake, expect_sync=True):
        await (await fake.slash("upload", {"size": 1000})).response()
        fitting = [m for m in fake.messages.all() if m.attachments]
        assert [len(m.attachments[0].data) for m in fitting] == [1000]
        handle = await fake.slash("upload", {"size": 1001})
        refused = await handle.first_attempt()
        assert (refused.status, refused.error) == (413, TOO_LARGE)
        deferred = await fake.slash("upload", {"size": 1001, "deferred": True})
        await deferred.response()
        await fake.wait_until(lambda: len(seen) == 5)
    assert seen[0] == 1000, "discord.py reads the limit from the interaction"
    assert seen[2] == (413, 40005, "Request entity too large")
    assert seen[4] == (413, 40005, "Request entity too large"), "followups too"
    assert [r.status for r in fake.rejections] == [413, 413]
    assert fake.rejections[0].body == TOO_LARGE


async def test_a_channel_send_over_ten_mebibytes_gets_413(fake_discord: FakeDiscord) -> None:
    fake, seen = fake_discord, list[Any]()
    async with running_bot(make_bot(seen), fake, expect_sync=True):
        handle = await fake.slash("post", {"size": limits.UPLOAD_MAX + 1})
        await handle.next_followup()
        handle = await fake.slash("post", {"size": limits.UPLOAD_MAX})
        await handle.next_followup()
    assert seen == [(413, 40005, "Request entity too large")]
    posted = [m for m in fake.messages.all() if m.attachments]
    assert [len(m.attachments[0].data) for m in posted] == [limits.UPLOAD_MAX]


async def test_string_options_hold_at_most_6000_characters(fake_discord: FakeDiscord) -> None:
    fake: FakeDiscord = fake_discord
    async with running_bot(make_bot([]), fake, expect_sync=True):
        ok = await (await fake.slash("echo", {"text": "y" * 6000})).response()
        assert ok.content == "y" * 2000
        with pytest.raises(ValueError, match="at most 6000"):
            await fake.slash("echo", {"text": "y" * 6001})
    errors = ErrorCollector()
    option = {"type": 3, "name": "text", "description": "Text", "max_length": 6001}
    limits.check_commands(errors, [{"name": "echo", "description": "Echo", "options": [option]}])
    assert "max_length" in str(errors.to_errors())
    errors = ErrorCollector()
    option["max_length"] = 0
    limits.check_commands(errors, [{"name": "echo", "description": "Echo", "options": [option]}])
    assert "max_length" in str(errors.to_errors()), "max_length is at least 1"
