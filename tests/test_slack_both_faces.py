"""Discord and Slack in one process over one store: one daily loop, each prompt through its
own chat, never one chat's schedule posted into the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import SlackTokens
from bot.slack_face.app import SlackFace, SlackServer
from bot.slack_face.runner import share_daily_loop
from tests.e2e import cohort_bot
from tests.fakediscord import FakeDiscord
from tests.fakes import FakeClock
from tests.fakeslack import (
    ADMIN,
    ALICE,
    BOT_TOKEN,
    BOT_USER,
    COHORT,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
)
from tests.slack_e2e import fake_slack

__all__ = ["fake_slack"]


async def test_one_loop_posts_each_chats_prompt_through_that_chat(
    strict_fake_discord: FakeDiscord, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    discord, clock = strict_fake_discord, FakeClock()  # 07:00 UTC
    fake_slack.world.clock = clock
    slack = {"api_base_url": fake_slack.api_base_url}
    async with cohort_bot(discord, tmp_path, clock=clock, slack=slack) as bot:
        face = SlackFace(bot.services, SlackTokens(BOT_TOKEN, signing_secret=SIGNING_SECRET))
        server = SlackServer(face, "127.0.0.1", 0)
        fake_slack.bot_url = await server.start()
        try:
            share_daily_loop(bot, face, await face.ids.of(TEAM))
            assert discord.guild is not None
            values = {"channel": "general", "time": "09:00", "timezone": "Europe/Berlin"}
            handle = await discord.slash("schedule set", values, user=discord.guild.owner)
            await handle.response()
            before = len(fake_slack.world.messages)
            await fake_slack.slash("/schedule", "set <#C0COHORT01> 09:30 Europe/Berlin", user=ADMIN)
            await fake_slack.next_message(before)

            cog: Any = bot.get_cog("Prompts")
            clock.advance(hours=1, minutes=1)  # 09:01 in Berlin: Discord's is due
            await cog.post_due()
            on_discord = [
                m
                for m in discord.messages[discord.channel("general")]
                if m.interaction_metadata is None and not m.ephemeral
            ]
            assert len(on_discord) == 1
            assert not [
                m
                for m in fake_slack.world.visible(COHORT)
                if m.user == BOT_USER and m.ephemeral_to is None
            ]
            clock.advance(minutes=30)  # 09:31: Slack's is due
            await cog.post_due()
            on_slack = [
                m
                for m in fake_slack.world.visible(COHORT)
                if m.ephemeral_to is None and m.thread_ts is None
            ]
            assert len(on_slack) == 1 and "reflect" in on_slack[0].action_ids()
            await cog.post_due()
            assert (
                len(
                    [
                        m
                        for m in discord.messages[discord.channel("general")]
                        if m.interaction_metadata is None and not m.ephemeral
                    ]
                )
                == 1
            )
        finally:
            await server.stop()
            if face.client.session is not None:
                await face.client.session.close()
    fake_slack.assert_clean()
    discord.assert_clean()


async def test_one_loop_expires_a_slack_share_through_slack(
    strict_fake_discord: FakeDiscord, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    clock = FakeClock()
    fake_slack.world.clock = clock
    slack = {"api_base_url": fake_slack.api_base_url}
    retention = {"retention_days": 1}
    async with cohort_bot(
        strict_fake_discord, tmp_path, clock=clock, slack=slack, reflections=retention
    ) as bot:
        face = SlackFace(bot.services, SlackTokens(BOT_TOKEN, signing_secret=SIGNING_SECRET))
        server = SlackServer(face, "127.0.0.1", 0)
        fake_slack.bot_url = await server.start()
        try:
            share_daily_loop(bot, face, await face.ids.of(TEAM))
            await fake_slack.slash("/reflect", "confrontation")
            opened = await fake_slack.wait_for(lambda: fake_slack.views and fake_slack.views[-1])
            await fake_slack.submit(
                opened, {"text": "Soon expired."}, selects={"visibility": "cohort"}
            )
            [shared] = await fake_slack.wait_for(
                lambda: [
                    m for m in fake_slack.world.visible(COHORT) if "Soon expired." in m.texts()
                ]
            )
            clock.advance(days=2)
            cog: Any = bot.get_cog("Prompts")
            await cog.post_due()
            assert shared.deleted  # taken down in Slack before its record went
            guild = await face.ids.of(TEAM)
            assert (
                await bot.services.store.list_reflections(guild, await face.ids.of(ALICE))
            ).total == 0
        finally:
            await server.stop()
            if face.client.session is not None:
                await face.client.session.close()
    fake_slack.assert_clean()
    strict_fake_discord.assert_clean()
