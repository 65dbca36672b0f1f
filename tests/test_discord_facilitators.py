"""The facilitator role, by id: chosen with /facilitators by Manage Server, never by name.

A member who can create roles (Manage Roles) can make one called like the old configured
name; that must not let them read anyone's private reflections.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from tests.e2e import cohort_bot
from tests.fakediscord import FakeDiscord, FakeUser
from tests.fakediscord.common import Permissions
from tests.fakediscord.models import FakeRole
from tests.test_discord_reflections import answer, command, owner, reflect

EXPORT_ALL = "reflections export"


def member(fake: FakeDiscord, name: str, *roles: FakeRole) -> FakeUser:
    assert fake.guild is not None
    user = fake.add_user(name.lower(), global_name=name)
    fake.guild.add_member(user, roles=list(roles))
    return user


def stored_role(tmp_path: Path) -> list[tuple[int, int | None]]:
    with sqlite3.connect(tmp_path / "cohort.sqlite3") as conn:
        return conn.execute("SELECT guild_id, facilitator_role_id FROM guild_settings").fetchall()


async def test_the_role_is_matched_by_id_not_by_name(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    leads = fake.guild.add_role("Cohort leads")
    role_admins = fake.guild.add_role("Role admins", permissions=Permissions.MANAGE_ROLES)
    lookalike = fake.guild.add_role("FACILITATOR")  # made by someone with Manage Roles
    fran = member(fake, "Fran", leads)
    mallory = member(fake, "Mallory", role_admins, lookalike)
    async with cohort_bot(fake, tmp_path, facilitator_role="Facilitator"):
        await reflect(fake, "Words for my facilitators only.", about="confrontation")
        content, _ = await command(fake, "facilitators set-role", owner(fake), role=leads)
        assert content.startswith(
            f"Facilitators are members with Manage Server or the <@&{leads.id}> role.\n"
        )
        assert stored_role(tmp_path) == [(int(fake.guild.id), int(leads.id))]

        refused, message = await command(fake, EXPORT_ALL, mallory, scope="everyone")
        assert refused == (
            "Only facilitators can export reflections: that needs the Manage Server "
            "permission or this server's facilitator role."
        )
        assert message is None or not message.attachments

        allowed, message = await command(fake, EXPORT_ALL, fran, scope="everyone")
        assert allowed.startswith("Here is your file")
        assert message is not None
        assert b"Words for my facilitators only." in message.attachments[0].data


async def test_without_a_role_id_the_old_name_is_refused_with_the_way_out(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    named = member(fake, "Nell", fake.guild.add_role("Facilitator"))
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with cohort_bot(fake, tmp_path, facilitator_role="Facilitator"):
            refused, _ = await command(fake, EXPORT_ALL, named, scope="everyone")
            assert refused == (
                "Only facilitators can export reflections: that needs the Manage Server "
                "permission. The “Facilitator” role no longer counts by its name: this server "
                "has no facilitator role yet, and someone with Manage Server can choose it "
                "with /facilitators set-role."
            )
            shown, _ = await command(fake, "facilitators show", owner(fake))
            assert shown.startswith("Facilitators are members with Manage Server. There is no")
            assert "still names a role “Facilitator”" in shown
    [warning] = [r.getMessage() for r in caplog.records if "facilitator_role" in r.getMessage()]
    assert "deprecated" in warning and "/facilitators set-role" in warning


async def test_only_manage_server_may_choose_or_clear_the_role(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    leads = fake.guild.add_role("Cohort leads")
    fran = member(fake, "Fran", leads)
    async with cohort_bot(fake, tmp_path):
        await command(fake, "facilitators set-role", owner(fake), role=leads)
        with pytest.raises(PermissionError, match="default_member_permissions"):
            await fake.slash("facilitators set-role", {"role": leads}, user=fran)
        # even if a server admin grants the command to the facilitator role
        handle = await fake.slash("facilitators clear-role", user=fran, force=True)
        refused, _ = await answer(handle)
        assert refused == (
            "Only members with the Manage Server permission can choose the facilitator "
            "role; the facilitator role itself is not enough."
        )
        everyone = fake.guild.everyone
        refused, _ = await command(fake, "facilitators set-role", owner(fake), role=everyone)
        assert refused.startswith("@everyone cannot be the facilitator role")
        assert stored_role(tmp_path) == [(int(fake.guild.id), int(leads.id))]

        cleared, _ = await command(fake, "facilitators clear-role", owner(fake))
        assert cleared.startswith("Facilitators are members with Manage Server. There is no")
        assert stored_role(tmp_path) == [(int(fake.guild.id), None)]
