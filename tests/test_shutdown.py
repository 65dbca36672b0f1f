"""Clean shutdown: SIGTERM stops the bot, lets work in flight finish, closes the database."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import ROOT, cohort_bot, embed_of
from tests.fakediscord import FakeDiscord
from tests.processes import PIPE, bot_process


async def test_sigterm_stops_the_real_process_cleanly(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "cohort.sqlite3"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"content_dir: {ROOT / 'content'}\n"
        f"database:\n  path: {database}\n"
        f"discord:\n  api_base_url: {fake_discord.api_base}\n  gateway_url: {fake_discord.gateway_url}\n"
    )
    async with bot_process(config, token=fake_discord.token, stdout=PIPE) as process:
        await fake_discord.wait_for_sync(timeout=20)
        await asyncio.sleep(2.5)  # discord.py waits guild_ready_timeout (2 s) before on_ready
        handle = await fake_discord.slash("approach", {"name": "confrontation"})
        assert embed_of((await handle.response(timeout=10)).data)["title"].startswith(
            "Confrontation"
        )
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "shut down cleanly" in log and "Traceback" not in log
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_shutdown_finishes_work_in_flight(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def slow_post_now(*_: Any) -> Any:
        started.set()
        await asyncio.sleep(0.5)
        raise RuntimeError("finished after shutdown began")

    async with cohort_bot(fake_discord, tmp_path) as bot:
        monkeypatch.setattr(bot.services.prompts, "post_now", slow_post_now)
        handle = await fake_discord.slash("schedule now", user=fake_discord.guild.owner)  # type: ignore[union-attr]
        await started.wait()
        await bot.shutdown()
        followup = await handle.next_followup(timeout=1)
        assert followup.content.startswith("Sorry"), "the command in flight still answered"
        assert bot.services.store.closed


async def test_shutdown_refuses_new_commands_and_stops_background_work(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    from bot.discord_face.client import RESTARTING

    async with cohort_bot(fake_discord, tmp_path, content={"watch": True}) as bot:
        cog: Any = bot.get_cog("Prompts")
        watcher = bot.get_cog("Content").watcher  # type: ignore[union-attr]
        assert watcher is not None and cog.post_due.is_running()
        bot.closing = True  # what shutdown() sets first
        late = await (await fake_discord.slash("approach", {"name": "confrontation"})).response()
        assert late.ephemeral and late.content == RESTARTING
        bot.closing = False
        await asyncio.wait_for(
            bot.shutdown(), timeout=8
        )  # the watcher never ends: it must be stopped, not awaited
        assert watcher.cancelled() or watcher.done()
        assert not cog.post_due.is_running()
