"""The console's /cohort commands: the same services as Discord, one local facilitator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console
from bot.services.container import Services
from tests.fakes import FakeClock

MINIMAL = Path(__file__).parent / "data" / "minimal"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    settings = Settings(content_dir=MINIMAL, database={"path": tmp_path / "db.sqlite3"})
    services = await Services.open(settings, FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC)))
    yield Console(services)
    await services.close()


async def test_two_cohorts_side_by_side_in_the_console(console: Console) -> None:
    started = await console.execute(
        '/cohort start name:"Spring 2026" time:09:00 timezone:Europe/Berlin days:weekdays '
        "ends:2026-04-10"
    )
    assert started.startswith("Started the cohort “Spring 2026”.")
    assert "Posting in this console at 09:00 Europe/Berlin, weekdays." in started
    assert "From Mon 02 Mar 2026 to Fri 10 Apr 2026." in started
    other = await console.execute(
        "/cohort start name:Evening time:19:00 timezone:Asia/Tokyo channel:2"
    )
    assert "Posting in #2 at 19:00 Asia/Tokyo" in other
    taken = await console.execute("/cohort start name:Third time:09:00 timezone:UTC")
    assert "The cohort “Spring 2026” already posts in this console." in taken
    assert "Cohort: Spring 2026." in await console.execute("/prompt status")  # this channel's
    assert "Cohort: Evening." in await console.execute("/prompt status cohort:Evening")
    preview = await console.execute("/schedule next 2 cohort:Evening")
    assert preview.splitlines()[0].startswith("Mon 02 Mar 2026  ")

    listed = await console.execute("/cohort list")
    assert "Evening: #2, 19:00 Asia/Tokyo" in listed and "Spring 2026:" in listed
    joined = await console.execute("/cohort join")
    assert joined.startswith("You joined “Spring 2026”.")
    assert "Spring 2026 (you are in it):" in await console.execute("/cohort list")
    added = await console.execute("/cohort add member id:7 name:Sam cohort:Evening")
    assert added.startswith("Added Sam to “Evening”.")
    left = await console.execute("/cohort leave")
    assert left.startswith("You left “Spring 2026”")

    edited = await console.execute("/cohort edit cohort:Evening time:20:00")
    assert "at 20:00 Asia/Tokyo" in edited
    ended = await console.execute("/cohort end cohort:Evening")
    assert ended.startswith("“Evening” has ended")
    following = await console.execute('/cohort next name:"Night owls" cohort:Evening')
    assert following.startswith("Ended “Evening” and started “Night owls” in its channel.")
    usage = await console.execute("/cohort start name:x")
    assert usage.startswith("Usage: /cohort start")
    unclosed = await console.execute('/cohort start name:"x')
    assert "close the quotes" in unclosed
