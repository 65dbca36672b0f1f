"""Migration 0008: each server's schedule becomes a cohort, keeping its place exactly.

The database is written with the schema before cohorts (migrations 1 to 7, as a bot of
that version left it) and filled as that bot would have; then the shipped migrations
upgrade it, and the posting service carries on from where the server was.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import Settings
from bot.services.permissions import Actor
from bot.services.prompts import PromptService
from bot.store import Store, load_migrations
from tests.fakes import FakeClock, RecordingPoster
from tests.test_prompts import FixedContent, prompt_library

SHIPPED = load_migrations()
COHORTS = next(m.version for m in SHIPPED if m.name.endswith("_cohorts.sql"))
BEFORE = [m for m in SHIPPED if m.version < COHORTS]
STAMP = "2026-03-01T08:00:00.000000+00:00"
BERLIN, TOKYO, GONE = 111, 222, 333  # servers: two with schedules, one whose was deleted
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def old_database(path: Path) -> None:
    """A database as the bot before cohorts left it: two servers mid-sequence, one gone."""
    conn = sqlite3.connect(path)
    for migration in BEFORE:
        conn.executescript(migration.sql)
    conn.execute(f"PRAGMA user_version = {BEFORE[-1].version}")
    rows = [
        (BERLIN, 10, "09:00", "Europe/Berlin", 0b0011111, 0, 500, 2, 7, "2026-02-02"),
        (TOKYO, 20, "18:30", "Asia/Tokyo", 127, 1, None, 1, None, None),
    ]
    conn.executemany(
        "INSERT INTO schedules (guild_id, channel_id, post_time, timezone, weekdays, paused, "
        "notify_channel_id, round, created_by, updated_at, starts_on) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{STAMP}', ?)",
        rows,
    )
    history = [
        # Berlin is in round 2: p1 and p2 posted, p3 skipped in round 1 ... and p1 again
        (BERLIN, 1, "p1", "posted", "2026-02-02", 10, 1001, 1002),
        (BERLIN, 1, "p2", "posted", "2026-02-03", 10, 1003, 1004),
        (BERLIN, 1, "p3", "skipped", None, None, None, None),
        (BERLIN, 2, "p1", "posted", "2026-02-27", 10, 1005, 1006),
        # Tokyo posted p1 and has p2 reserved, never confirmed (it stopped mid-send)
        (TOKYO, 1, "p1", "posted", "2026-02-26", 20, 2001, 2002),
        (TOKYO, 1, "p2", "posted", "2026-02-27", None, None, None),
        (GONE, 1, "p1", "manual", None, 30, 3001, None),
    ]
    conn.executemany(
        "INSERT INTO prompt_history (guild_id, round, prompt_id, status, local_date, "
        f"channel_id, message_id, thread_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{STAMP}')",
        history,
    )
    conn.executemany(
        "INSERT INTO quiet_dates (guild_id, local_date) VALUES (?, ?)",
        [
            (BERLIN, "2026-03-03"),
            (BERLIN, "2026-12-24"),
            (TOKYO, "2026-03-04"),
            (GONE, "2026-05-01"),
        ],
    )
    conn.executemany(
        "INSERT INTO reflections (guild_id, author_id, about_kind, about_id, text, created_at) "
        f"VALUES (?, 7, 'prompt', 'p1', ?, '{STAMP}')",
        [(BERLIN, "in Berlin"), (TOKYO, "in Tokyo"), (444, "a server that never scheduled")],
    )
    conn.commit()
    conn.close()


async def test_each_schedule_becomes_a_cohort_with_everything_it_had(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    old_database(path)
    async with Store.open(path) as store:
        assert store.schema_version == SHIPPED[-1].version
        [berlin] = await store.list_cohorts(BERLIN)
        [tokyo] = await store.list_cohorts(TOKYO)
        assert (berlin.name, berlin.channel_id, berlin.post_time, berlin.timezone) == (
            "Cohort",
            10,
            "09:00",
            "Europe/Berlin",
        )
        assert (berlin.weekdays, berlin.paused, berlin.round) == (0b0011111, False, 2)
        assert (berlin.notify_channel_id, berlin.created_by) == (500, 7)
        assert (berlin.starts_on, berlin.ends_on, berlin.curriculum) == (
            date(2026, 2, 2),
            None,
            "default",
        )
        assert (tokyo.paused, tokyo.round, tokyo.starts_on) == (True, 1, None)
        assert not berlin.ended and not tokyo.ended
        # the place in the sequence: what each round used, and the last scheduled date
        assert await store.used_prompt_ids(berlin.id, 1) == {"p1", "p2", "p3"}
        assert await store.used_prompt_ids(berlin.id, 2) == {"p1"}
        assert await store.last_scheduled_date(berlin.id) == date(2026, 2, 27)
        assert await store.used_prompt_ids(tokyo.id, 1) == {"p1", "p2"}
        assert await store.list_quiet_dates(berlin.id) == [date(2026, 3, 3), date(2026, 12, 24)]
        assert await store.list_quiet_dates(tokyo.id) == [date(2026, 3, 4)]
        # the unfinished reservation is still there to be settled after the upgrade
        [stuck] = await store.unconfirmed_posts(before=datetime(2026, 3, 2, tzinfo=UTC))
        assert (stuck.cohort_id, stuck.prompt_id) == (tokyo.id, "p2")
        # "never twice" still holds per cohort and date, and per cohort, round and prompt
        assert await store.reserve_post(berlin.id, 2, "p9", date(2026, 2, 27), now=NOW) is None
        assert await store.reserve_post(berlin.id, 1, "p2", None, "manual", now=NOW) is None
        # a server whose schedule was deleted keeps its history in an ended cohort
        [gone] = await store.list_cohorts(GONE, include_ended=True)
        assert gone.ended and gone.channel_id == 30
        assert [h.prompt_id for h in await store.history(gone.id)] == ["p1"]
        assert await store.list_quiet_dates(gone.id) == [date(2026, 5, 1)]
        # reflections belong to their server's cohort (a server was one cohort)
        [in_berlin] = (await store.list_reflections(BERLIN, 7)).items
        assert in_berlin.cohort_id == berlin.id
        [nowhere] = (await store.list_reflections(444, 7)).items
        assert nowhere.cohort_id is None
        assert await store.integrity_check() == ["ok"]
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "schedules" not in tables
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


async def test_the_sequence_carries_on_from_its_place_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    old_database(path)
    clock = FakeClock(datetime(2026, 3, 2, 8, 5, tzinfo=UTC))  # Monday 09:05 in Berlin
    content = FixedContent(prompt_library(["p1", "p2", "p3", "p4"]))
    poster = RecordingPoster()
    async with Store.open(path) as store:
        prompts = PromptService(store, content, Settings.model_validate({}), clock)
        await prompts.run_due(poster)
        # Berlin, round 2, had used p1 only: p2 comes next; Tokyo is paused
        assert [(p.guild_id, p.prompt.id) for p in poster.posts] == [(BERLIN, "p2")]
        await prompts.run_due(poster)
        assert len(poster.posts) == 1, "never twice"
        status = await prompts.status(Actor(user_id=1, guild_id=BERLIN))
        assert "Next prompt: “P3”, 2 of 4 used." in [str(line) for line in status.lines()]
        clock.advance(days=1)  # Tuesday 03 Mar is quiet
        await prompts.run_due(poster)
        assert len(poster.posts) == 1
