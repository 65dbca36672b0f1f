"""Card commands end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.discord_face.error_reporting import SORRY
from tests.e2e import cohort_bot, custom_ids, embed_of
from tests.fakediscord import CallbackType, FakeDiscord

EXPECTED_COMMANDS = {
    "approach",
    "expert",
    "myth",
    "content",
    "search",
    "about",
    "help",
    "prompt",
    "cohort",
    "remind",
    "reflections",
    "reflect",
    "schedule",
    "cohort-reflections",
    "facilitators",
    "practice",
}


async def test_sync_payload_and_no_resync_when_unchanged(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with cohort_bot(fake_discord, tmp_path):
        pass
    [put] = fake_discord.command_puts
    names = {command["name"] for command in put.payload}
    assert names == EXPECTED_COMMANDS
    approach = next(command for command in put.payload if command["name"] == "approach")
    name_option = next(option for option in approach["options"] if option["name"] == "name")
    assert name_option["autocomplete"] is True and name_option.get("required", False) is False
    async with cohort_bot(fake_discord, tmp_path, expect_sync=False):
        pass
    assert fake_discord.command_put_count() == 1, "an unchanged definition must not be synced again"
    fake_discord.assert_clean()


async def test_guild_ids_sync_to_those_guilds(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    assert fake_discord.guild is not None
    guild_id = int(fake_discord.guild.id)
    routing = {"api_base_url": fake_discord.api_base, "gateway_url": fake_discord.gateway_url}
    async with cohort_bot(
        fake_discord, tmp_path, expect_sync=False, discord={"guild_ids": [guild_id], **routing}
    ):
        await fake_discord.wait_for_sync(guild=fake_discord.guild)
        handle = await fake_discord.slash("approach", {"name": "confrontation"})
        assert embed_of((await handle.response()).data)["title"].startswith("Confrontation")
    fake_discord.assert_clean()


async def test_autocomplete_is_fuzzy_and_capped(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        choices = await fake.autocomplete("approach", "name", "confrontaion")
        assert choices[0]["value"] == "confrontation"
        everything = await fake.autocomplete("approach", "name", "")
        assert 9 <= len(everything) <= 25
        experts = await fake.autocomplete("expert", "name", "seto")
        assert experts[0]["value"] == "michael-seto"


async def test_approach_card_with_related_buttons(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        handle = await fake.slash("approach", {"name": "confrontation"})
        response = await handle.response()
        assert response.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE
        assert not response.ephemeral, "cards are posted for the cohort by default"
        card = embed_of(response.data)
        assert card["title"].startswith("Confrontation")
        assert card["author"]["name"] == "Approach"
        assert card["footer"]["text"].startswith("Source: News report")
        assert any(field["name"] == "Evidence" for field in card["fields"])
        assert response.message is not None
        ids = custom_ids(response.message.components)
        assert "card:james-cantor" in ids
        click = await fake.click(response.message, "card:james-cantor")
        shown = await click.response()
        assert shown.ephemeral
        assert embed_of(shown.data)["title"] == "James Cantor"


@pytest.mark.parametrize(
    ("command", "name", "title"),
    [("expert", "Dr. Seto", "Michael Seto"), ("myth", "cannot-change", None)],
)
async def test_each_kind_of_card(
    strict_fake_discord: FakeDiscord, tmp_path: Path, command: str, name: str, title: str | None
) -> None:
    async with cohort_bot(strict_fake_discord, tmp_path):
        handle = await strict_fake_discord.slash(command, {"name": name})
        card = embed_of((await handle.response()).data)
        assert card["author"]["name"] == command.title()
        if title:
            assert card["title"] == title


async def test_myth_shows_belief_then_reveals(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        public = await fake.slash("myth", {"name": "cannot-change"})
        response = await public.response()
        card = embed_of(response.data)
        assert "The belief:" in card["description"]
        assert "What the article says" not in card["description"]
        assert response.message is not None
        reveal = await fake.click(response.message, "reveal:cannot-change:c")
        revealed = await reveal.response()
        assert (
            revealed.ephemeral and "What the article says" in embed_of(revealed.data)["description"]
        )

        private = await fake.slash("myth", {"name": "cannot-change", "private": True})
        answer = await private.response()
        assert answer.ephemeral and answer.message is not None
        in_place = await fake.click(answer.message, "reveal:cannot-change:p")
        updated = await in_place.response()
        assert updated.type == CallbackType.UPDATE_MESSAGE
        assert "What the article says" in embed_of(updated.data)["description"]


async def test_browse_menu_without_a_name(strict_fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        handle = await fake.slash("myth")
        menu = await handle.response()
        assert menu.ephemeral and menu.message is not None
        [select] = [c for c in menu.message.all_components() if c.get("type") == 3]
        values = [option["value"] for option in select["options"]]
        assert len(values) >= 8 and "cannot-change" in values
        picked = await fake.select(menu.message, select["custom_id"], ["cannot-change"])
        card = embed_of((await picked.response()).data)
        assert card["author"]["name"] == "Myth"


async def test_unknown_name_suggests_privately(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with cohort_bot(strict_fake_discord, tmp_path):
        handle = await strict_fake_discord.slash("approach", {"name": "confrontashun"})
        response = await handle.response()
        assert response.ephemeral
        assert response.content is not None
        assert "Did you mean:\n• **Confrontation: being caught or exposed** (`confrontation`)" in (
            response.content
        )


def _menu(message: Any) -> dict[str, Any]:
    [select] = [c for c in message.all_components() if c.get("type") == 3]
    menu: dict[str, Any] = select
    return menu


@pytest.mark.parametrize("typed", ["therapy", "victim"])
async def test_close_matches_ask_with_a_menu_that_opens_the_pick(
    strict_fake_discord: FakeDiscord, tmp_path: Path, typed: str
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        handle = await fake.slash("approach", {"name": typed})
        asked = await handle.response()
        assert asked.ephemeral and asked.message is not None
        menu = _menu(asked.message)
        ids = [option["value"] for option in menu["options"]]
        assert len(ids) >= 2, "two close matches: never a silent pick"
        for card_id in ids:
            assert f"(`{card_id}`)" in (asked.content or "")
        picked = await fake.select(asked.message, menu["custom_id"], [ids[-1]])
        shown = await picked.response()
        assert not shown.ephemeral, "opened as the command would have: for the cohort"
        assert embed_of(shown.data)["author"]["name"] == "Approach"


async def test_the_did_you_mean_menu_works_after_a_restart(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        handle = await fake.slash("approach", {"name": "victim", "private": True})
        asked = await handle.response()
    assert asked.message is not None
    async with cohort_bot(fake, tmp_path, expect_sync=False):
        menu = _menu(asked.message)
        picked = await fake.select(asked.message, menu["custom_id"], ["empathy-role-play"])
        shown = await picked.response()
        assert shown.ephemeral, "private stays private"
        assert embed_of(shown.data)["title"].startswith("Victim empathy: role-play")


async def test_private_lookup_is_ephemeral(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with cohort_bot(strict_fake_discord, tmp_path):
        handle = await strict_fake_discord.slash(
            "expert", {"name": "james-cantor", "private": True}
        )
        assert (await handle.response()).ephemeral


async def test_mentions_in_input_never_ping(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    role = fake.guild.add_role("cohort")
    noisy = f"@everyone @here <@&{role.id}> <@{fake.default_user.id}> confrontation"
    async with cohort_bot(fake, tmp_path):
        calls: list[tuple[str, dict[str, object]]] = [
            ("search", {"query": noisy, "private": False}),
            ("approach", {"name": noisy}),
        ]
        for command, options in calls:
            handle = await fake.slash(command, options)
            await handle.response()
        assert fake.pinging_messages() == []
        for request in fake.requests_to(
            "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
        ):
            body = request.json or {}
            mentions = (body.get("data") or {}).get("allowed_mentions")
            if mentions is not None:
                assert mentions.get("parse") == []


async def test_very_long_query_is_handled(strict_fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with cohort_bot(strict_fake_discord, tmp_path):
        handle = await strict_fake_discord.slash("search", {"query": "empathy " * 500}, force=True)
        response = await handle.response()
        assert response.accepted
        handle = await strict_fake_discord.slash("approach", {"name": "x" * 4000}, force=True)
        assert (await handle.response()).ephemeral


async def test_search_across_kinds(strict_fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        handle = await fake.slash("search", {"query": "empathy"})
        response = await handle.response()
        assert response.ephemeral
        description = embed_of(response.data)["description"]
        assert "Approach:" in description and "Myth:" in description
        handle = await fake.slash("search", {"query": "Toronto"})
        found = embed_of((await handle.response()).data)["description"]
        assert found.startswith("**Expert: James Cantor**"), "the card's text is searched"
        handle = await fake.slash("search", {"query": "caught"})
        found = embed_of((await handle.response()).data)["description"]
        assert "Confrontation" in found and "taught" not in found


async def test_about_shows_content_note_and_support(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    support = "Call the campus counselling line: 555-0100."
    async with cohort_bot(strict_fake_discord, tmp_path, support_message=support):
        handle = await strict_fake_discord.slash("about")
        about = embed_of((await handle.response()).data)
        fields = {field["name"]: field["value"] for field in about["fields"]}
        assert "sexual harassment" in fields["Content note"].lower()
        assert fields["Support"] == support
        assert "News report" in fields["Source"]


async def test_exception_in_a_command_gets_a_friendly_private_reply(
    fake_discord: FakeDiscord,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with cohort_bot(fake_discord, tmp_path) as bot:

        def explode(*_: object) -> None:
            raise RuntimeError("database on fire")

        monkeypatch.setattr(bot.services.cards, "lookup", explode)
        with caplog.at_level(logging.ERROR):
            handle = await fake_discord.slash("approach", {"name": "confrontation"})
            response = await handle.response()
        assert response.ephemeral and response.content == SORRY
        assert "database on fire" in caplog.text and "Traceback" in caplog.text

        async def explode_after_defer(*_: object) -> None:
            raise RuntimeError("poster on fire")

        monkeypatch.setattr(bot.services.prompts, "post_now", explode_after_defer)
        owner = fake_discord.guild.owner if fake_discord.guild else None
        handle = await fake_discord.slash("schedule now", user=owner)
        deferred = await handle.response()
        assert deferred.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        followup = await handle.next_followup()
        assert followup.content == SORRY and followup.ephemeral
    fake_discord.assert_clean()


async def test_resumes_after_the_gateway_drops(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        identifies = fake.identify_count
        await fake.drop_gateway(4000)
        await fake.wait_for_gateway(op=6)
        handle = await fake.slash("approach", {"name": "confrontation"})
        assert embed_of((await handle.response()).data)["title"].startswith("Confrontation")
        assert fake.resume_count >= 1 and fake.identify_count == identifies
