"""The facilitator role, by id: chosen with /facilitators by Manage Server, never by name.

A member who can create roles (Manage Roles) can make one called like the old configured
name; that must not let them read anyone's private reflections.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from tests.e2e import cohort_bot
from tests.fakediscord import FakeDiscord, FakeUser
from tests.fakediscord.common import Permissions
from tests.fakediscord.models import FakeRole
from tests.test_discord_reflections import answer, command, owner, reflect

EXPORT_ALL = "cohort-reflections export"


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

        refused, message = await answer(await fake.slash(EXPORT_ALL, user=mallory, force=True))
        assert refused == (
            "Only facilitators can export reflections: that needs the Manage Server "
            "permission or this server's facilitator role."
        )
        assert message is None or not message.attachments

        allowed, message = await answer(await fake.slash(EXPORT_ALL, user=fran, force=True))
        assert allowed.startswith("Here is your file")
        assert message is not None
        assert b"Words for my facilitators only." in message.attachments[0].data


async def test_without_a_role_id_the_old_name_is_refused_with_the_way_out(
    strict_fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    named = member(fake, "Nell", fake.guild.add_role("Facilitator"))
    with caplog.at_level(logging.WARNING, logger="bot.discord_face.client"):
        async with cohort_bot(fake, tmp_path, facilitator_role="Facilitator"):
            refused, _ = await answer(await fake.slash(EXPORT_ALL, user=named, force=True))
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


# ---------------------------------------------------------------- hidden from members

# /content reload stays listed: the bot's owner, who runs it, may not manage the server
FACILITATOR_COMMANDS = {"schedule", "cohort-reflections", "facilitators"}
TRIED_BY_A_MEMBER: dict[str, dict[str, object]] = {
    "schedule set": {"channel": "general", "time": "09:00", "timezone": "Europe/Berlin"},
    "schedule next": {},
    "schedule now": {},
    "schedule skip": {},
    "schedule pause": {},
    "schedule resume": {},
    "schedule quiet": {"dates": "2026-12-24"},
    "cohort-reflections export": {},
    "cohort-reflections summary": {},
    "facilitators set-role": {},  # the role is filled in per test
    "facilitators clear-role": {},
    "facilitators show": {},
}


async def test_members_command_lists_hold_only_what_they_can_run(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    leads = fake.guild.add_role("Cohort leads")
    tried: dict[str, dict[str, object]] = {
        **TRIED_BY_A_MEMBER,
        "facilitators set-role": {"role": leads},
    }
    max_ = member(fake, "Max")
    async with cohort_bot(fake, tmp_path):
        [put] = fake.command_puts
        hidden = {c["name"]: c.get("default_member_permissions") for c in put.payload}
        assert {name for name, needed in hidden.items() if needed} == FACILITATOR_COMMANDS
        assert {int(str(hidden[name])) for name in FACILITATOR_COMMANDS} == {
            Permissions.MANAGE_GUILD
        }
        status = await (await fake.slash("prompt status", user=max_)).response()
        assert status.ephemeral and (status.content or "").startswith("There is no cohort")

        for name, options in tried.items():
            with pytest.raises(PermissionError, match="default_member_permissions"):
                await fake.slash(name, options, user=max_)
            # a server admin may grant a command to anyone: the bot still refuses
            refused, _ = await answer(await fake.slash(name, options, user=max_, force=True))
            assert refused.startswith("Only "), (name, refused)


async def test_commands_resync_when_a_deployment_changes_who_sees_them(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        [put] = fake.command_puts
        key = f"command-sync:{bot.application_id}:global"
    # what the previous version stored: the same commands, shown to everyone
    before = [
        {k: v for k, v in c.items() if k != "default_member_permissions"} for c in put.payload
    ]
    assert before != put.payload
    with sqlite3.connect(tmp_path / "cohort.sqlite3") as conn:
        old = hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (old, key))
    async with cohort_bot(fake, tmp_path):
        pass
    assert fake.command_put_count() == 2, "changed definitions are synced again"
    fake.assert_clean()
