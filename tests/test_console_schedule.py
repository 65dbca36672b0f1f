"""The console takes Discord's /schedule commands, which the bot's messages name."""

from __future__ import annotations

from bot.console import Console


async def test_schedule_commands_work_as_in_discord(console: Console) -> None:
    hint = await console.execute("/prompt status")
    assert "/schedule set" in hint, "the message names the Discord command"
    saved = await console.execute("/schedule set 09:00 Europe/Berlin")
    assert saved.startswith("Schedule saved.")
    assert "\nPaused.\n" in await console.execute("/schedule pause")
    assert "Paused." not in await console.execute("/schedule resume")
    assert (await console.execute("/schedule nope")).startswith("Unknown action “nope”. Try: set,")
    assert "/schedule " in console.complete("/sch")
