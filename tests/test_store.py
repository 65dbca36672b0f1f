"""What the store's methods promise: schedules, prompt history, private reflections."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import ALL_WEEKDAYS, Reflection, ScheduleRow, Store, StoreError

NOW = datetime(2025, 3, 10, 8, 30, tzinfo=UTC)
GUILD, OTHER_GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222
ALICE, BOB = 900_000_000_000_000_001, 900_000_000_000_000_002


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "cohort.sqlite3") as opened:
        yield opened


async def add(
    store: Store,
    text: str = "a thought",
    *,
    guild: int = GUILD,
    author: int = ALICE,
    about: str = "p1",
    now: datetime = NOW,
) -> Reflection:
    return await store.add_reflection(
        guild, author, about_kind="prompt", about_id=about, text=text, now=now
    )


# ---------------------------------------------------------------- schedules


async def test_schedule_upsert_keeps_state_the_facilitator_did_not_change(store: Store) -> None:
    assert await store.get_schedule(GUILD) is None
    created = await store.upsert_schedule(
        GUILD, channel_id=5, post_time="09:00", timezone="Europe/Berlin", created_by=ALICE, now=NOW
    )
    assert created.round == 1
    assert created.paused is False
    assert created.weekdays == ALL_WEEKDAYS
    assert created.created_by == ALICE
    assert created.updated_at == NOW
    assert await store.set_paused(GUILD, True, now=NOW)
    assert await store.set_notify_channel(GUILD, 77, now=NOW)
    assert await store.start_new_round(GUILD) == 2

    later = NOW + timedelta(hours=1)
    changed = await store.upsert_schedule(
        GUILD,
        channel_id=6,
        post_time="18:45",
        timezone="America/New_York",
        weekdays=0b0011111,
        created_by=BOB,
        now=later,
    )
    assert (changed.channel_id, changed.post_time, changed.timezone) == (
        6,
        "18:45",
        "America/New_York",
    )
    assert changed.weekdays == 0b0011111
    assert changed.paused is True  # upsert does not resume
    assert changed.round == 2
    assert changed.notify_channel_id == 77  # None keeps the old one
    assert changed.created_by == ALICE
    assert changed.updated_at == later
    assert await store.get_schedule(GUILD) == changed


async def test_schedule_flags_and_listing(store: Store) -> None:
    assert not await store.set_paused(GUILD, True, now=NOW)  # no schedule yet
    assert not await store.set_notify_channel(GUILD, 1, now=NOW)
    for guild in (GUILD, OTHER_GUILD):
        await store.upsert_schedule(
            guild, channel_id=1, post_time="07:00", timezone="UTC", created_by=None, now=NOW
        )
    await store.set_paused(OTHER_GUILD, True, now=NOW)
    assert [s.guild_id for s in await store.list_schedules()] == [GUILD, OTHER_GUILD]
    assert [s.guild_id for s in await store.list_schedules(include_paused=False)] == [GUILD]
    await store.set_paused(OTHER_GUILD, False, now=NOW)
    assert len(await store.list_schedules(include_paused=False)) == 2
    assert await store.set_notify_channel(GUILD, None, now=NOW)
    assert await store.delete_schedule(GUILD)
    assert not await store.delete_schedule(GUILD)
    assert await store.get_schedule(GUILD) is None


def test_weekday_mask_matches_date_weekday() -> None:
    weekdays_only = ScheduleRow(1, 1, "09:00", "UTC", 0b0011111, False, None, 1, None, NOW)
    monday, saturday = date(2025, 3, 10), date(2025, 3, 15)
    assert weekdays_only.runs_on(monday)
    assert not weekdays_only.runs_on(saturday)


@pytest.mark.parametrize("bad", ["24:00", "7:00", "12:60", "12:5", "noon", "12:00 ", "12:00\n"])
async def test_schedule_rejects_bad_time(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        await store.upsert_schedule(
            GUILD, channel_id=1, post_time=bad, timezone="UTC", created_by=None, now=NOW
        )


@pytest.mark.parametrize("bad", ["", "Mars/Olympus", "../etc/passwd", "Europe/"])
async def test_schedule_rejects_unknown_timezone(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        await store.upsert_schedule(
            GUILD, channel_id=1, post_time="09:00", timezone=bad, created_by=None, now=NOW
        )


async def test_schedule_rejects_bad_weekdays_and_naive_time(store: Store) -> None:
    with pytest.raises(ValueError, match="7-bit"):
        await store.upsert_schedule(
            GUILD,
            channel_id=1,
            post_time="09:00",
            timezone="UTC",
            weekdays=128,
            created_by=None,
            now=NOW,
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.upsert_schedule(
            GUILD,
            channel_id=1,
            post_time="09:00",
            timezone="UTC",
            created_by=None,
            now=datetime(2025, 1, 1),  # naive on purpose
        )


async def test_quiet_dates(store: Store) -> None:
    xmas, new_year = date(2025, 12, 25), date(2026, 1, 1)
    assert await store.add_quiet_date(GUILD, new_year)
    assert await store.add_quiet_date(GUILD, xmas)
    assert not await store.add_quiet_date(GUILD, xmas)
    assert await store.add_quiet_date(OTHER_GUILD, date(2025, 7, 4))
    assert await store.list_quiet_dates(GUILD) == [xmas, new_year]
    assert await store.list_quiet_dates(GUILD, start=date(2025, 12, 26)) == [new_year]
    assert await store.is_quiet_date(GUILD, xmas)
    assert not await store.is_quiet_date(OTHER_GUILD, xmas)
    assert await store.remove_quiet_date(GUILD, xmas)
    assert not await store.remove_quiet_date(GUILD, xmas)
    assert await store.list_quiet_dates(GUILD) == [new_year]


# ---------------------------------------------------------------- prompt history


async def test_reserve_confirm_and_never_twice(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(GUILD, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.used_prompt_ids(GUILD, 1) == {"p1"}  # reserved counts as used
    assert await store.last_scheduled_date(GUILD) == day
    # the same date cannot be posted twice, whatever the prompt ...
    assert await store.reserve_post(GUILD, 1, "p2", day, now=NOW) is None
    # ... nor the same prompt twice in one round, whatever the date
    assert await store.reserve_post(GUILD, 1, "p1", date(2025, 3, 11), now=NOW) is None
    assert await store.record_post(GUILD, 1, "p1", "manual", now=NOW) is False
    # other servers and other rounds are independent
    assert await store.reserve_post(OTHER_GUILD, 1, "p1", day, now=NOW) is not None
    assert await store.reserve_post(GUILD, 2, "p1", date(2025, 3, 11), now=NOW) is not None

    assert await store.confirm_post(row, channel_id=10, message_id=20, thread_id=30)
    [latest, first] = await store.history(GUILD, limit=2)
    assert (latest.round, latest.prompt_id, latest.confirmed) == (2, "p1", False)
    assert (first.channel_id, first.message_id, first.thread_id) == (10, 20, 30)
    assert first.status == "posted"
    assert first.confirmed
    assert first.local_date == day
    assert first.at == NOW
    assert not await store.release_post(row)  # a confirmed post is never released
    assert not await store.confirm_post(987654, channel_id=1, message_id=2)


async def test_release_frees_the_prompt_and_the_date(store: Store) -> None:
    day = date(2025, 3, 10)
    row = await store.reserve_post(GUILD, 1, "p1", day, now=NOW)
    assert row is not None
    assert await store.release_post(row)
    assert not await store.release_post(row)
    assert await store.used_prompt_ids(GUILD, 1) == set()
    assert await store.last_scheduled_date(GUILD) is None
    assert await store.reserve_post(GUILD, 1, "p1", day, now=NOW) is not None


async def test_skips_and_manual_posts_do_not_take_dates(store: Store) -> None:
    assert await store.record_post(GUILD, 1, "p1", "skipped", now=NOW)
    assert await store.record_post(GUILD, 1, "p2", "skipped", now=NOW)
    assert await store.record_post(GUILD, 1, "p3", "manual", now=NOW, channel_id=1, message_id=2)
    assert await store.last_scheduled_date(GUILD) is None
    assert await store.reserve_post(GUILD, 1, "p4", date(2025, 3, 10), now=NOW) is not None
    assert await store.used_prompt_ids(GUILD, 1) == {"p1", "p2", "p3", "p4"}
    skipped = [h for h in await store.history(GUILD) if h.status == "skipped"]
    assert all(h.confirmed for h in skipped)
    assert not await store.release_post(skipped[0].id)  # skips are not reservations
    with pytest.raises(ValueError, match="status"):
        await store.record_post(GUILD, 1, "p9", "deleted", now=NOW)  # type: ignore[arg-type]


async def test_unconfirmed_posts_are_found_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cohort.sqlite3"
    async with Store.open(path) as store:
        stuck = await store.reserve_post(GUILD, 1, "p1", date(2025, 3, 10), now=NOW)
        done = await store.reserve_post(GUILD, 1, "p2", date(2025, 3, 11), now=NOW)
        assert stuck is not None
        assert done is not None
        await store.confirm_post(done, channel_id=1, message_id=2)
        await store.record_post(GUILD, 1, "p3", "skipped", now=NOW)
    async with Store.open(path) as store:  # "never twice" survives a restart
        assert await store.reserve_post(GUILD, 1, "p9", date(2025, 3, 10), now=NOW) is None
        assert await store.unconfirmed_posts(before=NOW) == []
        [entry] = await store.unconfirmed_posts(before=NOW + timedelta(minutes=5))
        assert entry.id == stuck


async def test_rounds(store: Store) -> None:
    assert await store.current_round(GUILD) == 1
    with pytest.raises(StoreError, match="no schedule"):
        await store.start_new_round(GUILD)
    await store.upsert_schedule(
        GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=None, now=NOW
    )
    assert await store.start_new_round(GUILD, from_round=1) == 2
    assert await store.start_new_round(GUILD, from_round=1) == 2  # someone else already did
    assert await store.start_new_round(GUILD) == 3
    assert await store.current_round(GUILD) == 3
    await store.record_post(GUILD, 3, "p1", "manual", now=NOW)
    # deleting and re-creating the schedule continues from the highest round used
    await store.delete_schedule(GUILD)
    assert await store.current_round(GUILD) == 3
    again = await store.upsert_schedule(
        GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=None, now=NOW
    )
    assert again.round == 3


async def test_history_limit(store: Store) -> None:
    for n in range(5):
        await store.record_post(GUILD, 1, f"p{n}", "skipped", now=NOW)
    assert [h.prompt_id for h in await store.history(GUILD, limit=3)] == ["p4", "p3", "p2"]
    with pytest.raises(ValueError):
        await store.history(GUILD, limit=0)


# ---------------------------------------------------------------- reflections


async def test_reflection_round_trip(store: Store) -> None:
    berlin = datetime(2025, 3, 10, 9, 30, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    saved = await store.add_reflection(
        GUILD,
        ALICE,
        about_kind="myth",
        about_id="m-1",
        text="hello",
        now=berlin,
        visibility="cohort",
    )
    assert saved.created_at == berlin
    assert saved.created_at.tzinfo is UTC
    assert saved.created_at.hour == 8
    assert saved.edited_at is None
    assert await store.get_reflection(GUILD, ALICE, saved.id) == saved


async def test_reflections_are_private_to_their_author(store: Store) -> None:
    mine = await add(store, "mine")
    # another member, or the same member in another server, gets None: never the data
    assert await store.get_reflection(GUILD, BOB, mine.id) is None
    assert await store.get_reflection(OTHER_GUILD, ALICE, mine.id) is None
    assert await store.edit_reflection(GUILD, BOB, mine.id, "hijacked", now=NOW) is None
    assert await store.set_visibility(GUILD, BOB, mine.id, "cohort", shared_channel_id=1,
                                      shared_message_id=2) is None  # fmt: skip
    assert not await store.delete_reflection(GUILD, BOB, mine.id)
    assert not await store.delete_reflection(OTHER_GUILD, ALICE, mine.id)
    assert (await store.list_reflections(GUILD, BOB)).total == 0
    assert await store.get_reflection(GUILD, ALICE, mine.id) == mine


async def test_list_reflections_pages_newest_first(store: Store) -> None:
    ids = [(await add(store, f"r{n}", now=NOW + timedelta(minutes=n))).id for n in range(7)]
    await add(store, "bob's", author=BOB)
    await add(store, "elsewhere", guild=OTHER_GUILD)
    first = await store.list_reflections(GUILD, ALICE, offset=0, limit=3)
    assert [r.id for r in first.items] == ids[::-1][:3]
    assert (first.total, first.offset) == (7, 0)
    last = await store.list_reflections(GUILD, ALICE, offset=6, limit=3)
    assert [r.text for r in last.items] == ["r0"]
    beyond = await store.list_reflections(GUILD, ALICE, offset=50, limit=3)
    assert (beyond.items, beyond.total) == ((), 7)
    with pytest.raises(ValueError):
        await store.list_reflections(GUILD, ALICE, offset=-1)


async def test_edit_share_unshare_delete(store: Store) -> None:
    mine = await add(store, "first draft")
    later = NOW + timedelta(days=1)
    edited = await store.edit_reflection(GUILD, ALICE, mine.id, "second draft", now=later)
    assert edited is not None
    assert (edited.text, edited.edited_at, edited.created_at) == ("second draft", later, NOW)

    shared = await store.set_visibility(
        GUILD, ALICE, mine.id, "anonymous", shared_channel_id=5, shared_message_id=6
    )
    assert shared is not None
    assert (shared.visibility, shared.shared_channel_id, shared.shared_message_id) == (
        "anonymous",
        5,
        6,
    )
    assert [(m.reflection_id, m.channel_id, m.message_id) for m in
            await store.shared_messages(GUILD, ALICE)] == [(mine.id, 5, 6)]  # fmt: skip
    with pytest.raises(ValueError, match="both"):
        await store.set_visibility(GUILD, ALICE, mine.id, "cohort", shared_channel_id=5)
    with pytest.raises(ValueError, match="private"):
        await store.set_visibility(
            GUILD, ALICE, mine.id, "private", shared_channel_id=5, shared_message_id=6
        )
    with pytest.raises(ValueError, match="visibility"):
        await store.set_visibility(GUILD, ALICE, mine.id, "public")  # type: ignore[arg-type]
    private = await store.set_visibility(GUILD, ALICE, mine.id, "private")
    assert private is not None
    assert (private.visibility, private.shared_message_id) == ("private", None)
    assert await store.shared_messages(GUILD, ALICE) == []

    assert await store.delete_reflection(GUILD, ALICE, mine.id)
    assert not await store.delete_reflection(GUILD, ALICE, mine.id)
    assert await store.get_reflection(GUILD, ALICE, mine.id) is None
    # a deleted reflection's number is never handed out again
    assert (await add(store)).id > mine.id


async def test_add_validates_kind_and_visibility(store: Store) -> None:
    with pytest.raises(ValueError, match="about_kind"):
        await store.add_reflection(
            GUILD,
            ALICE,
            about_kind="card",  # type: ignore[arg-type]
            about_id="x",
            text="t",
            now=NOW,
        )
    with pytest.raises(ValueError, match="visibility"):
        await store.add_reflection(
            GUILD,
            ALICE,
            about_kind="prompt",
            about_id="x",
            text="t",
            now=NOW,
            visibility="everyone",  # type: ignore[arg-type]
        )


async def test_export_is_oldest_first_for_all_authors(store: Store) -> None:
    expected = []
    for n in range(7):
        author = ALICE if n % 2 else BOB
        expected.append(await add(store, f"r{n}", author=author, now=NOW + timedelta(hours=n)))
    await add(store, "other server", guild=OTHER_GUILD)
    await store.set_visibility(
        GUILD, ALICE, expected[1].id, "cohort", shared_channel_id=1, shared_message_id=2
    )

    got = [r async for r in store.export_reflections(GUILD, batch_size=3)]
    assert [r.id for r in got] == [r.id for r in expected]
    recent = [r.text async for r in store.export_reflections(GUILD, NOW + timedelta(hours=5))]
    assert recent == ["r5", "r6"]
    shared = [r.id async for r in store.export_reflections(GUILD, visibilities={"cohort"})]
    assert shared == [expected[1].id]
    assert [r async for r in store.export_reflections(GUILD, visibilities=())] == []


async def test_export_lets_the_consumer_use_the_store(store: Store) -> None:
    for n in range(5):
        await add(store, f"r{n}")
    seen = 0
    async for reflection in store.export_reflections(GUILD, batch_size=2):
        # would deadlock if the export held the store's lock between batches
        assert await store.get_reflection(GUILD, ALICE, reflection.id) == reflection
        seen += 1
    assert seen == 5


async def test_participation_counts_distinct_authors_and_local_days(store: Store) -> None:
    late_evening_utc = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 March in Berlin
    await add(store, author=ALICE, about="p1", now=late_evening_utc)
    await add(store, author=ALICE, about="p1", now=late_evening_utc)
    await add(store, author=BOB, about="p1", now=datetime(2025, 3, 11, 9, 0, tzinfo=UTC))
    await add(store, author=BOB, about="p2", now=datetime(2025, 3, 12, 9, 0, tzinfo=UTC))
    await add(store, guild=OTHER_GUILD)

    utc = await store.participation(GUILD)
    assert (utc.authors, utc.reflections) == (2, 4)
    assert [(t.about_id, t.authors, t.reflections) for t in utc.topics] == [
        ("p1", 2, 3),
        ("p2", 1, 1),
    ]
    assert [(d.day.day, d.reflections, d.authors) for d in utc.days] == [
        (10, 2, 1),
        (11, 1, 1),
        (12, 1, 1),
    ]
    berlin = await store.participation(GUILD, tz=ZoneInfo("Europe/Berlin"))
    assert [(d.day.day, d.reflections, d.authors) for d in berlin.days] == [
        (11, 3, 2),
        (12, 1, 1),
    ]
    since = await store.participation(GUILD, since=datetime(2025, 3, 12, tzinfo=UTC))
    assert (since.authors, since.reflections) == (1, 1)


async def test_forget_member_removes_only_that_member_in_that_server(store: Store) -> None:
    await store.upsert_schedule(
        GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=ALICE, now=NOW
    )
    await store.upsert_schedule(
        OTHER_GUILD, channel_id=1, post_time="09:00", timezone="UTC", created_by=ALICE, now=NOW
    )
    for n in range(3):
        await add(store, f"alice {n}")
    bob = await add(store, "bob", author=BOB)
    elsewhere = await add(store, "alice elsewhere", guild=OTHER_GUILD)

    assert await store.forget_member(GUILD, ALICE) == 3
    assert (await store.list_reflections(GUILD, ALICE)).total == 0
    assert await store.get_reflection(GUILD, BOB, bob.id) == bob
    assert await store.get_reflection(OTHER_GUILD, ALICE, elsewhere.id) == elsewhere
    schedule = await store.get_schedule(GUILD)
    other = await store.get_schedule(OTHER_GUILD)
    assert schedule is not None
    assert other is not None
    assert (schedule.created_by, other.created_by) == (None, ALICE)
    assert await store.forget_member(GUILD, ALICE) == 0


async def test_delete_older_than(store: Store) -> None:
    old = await add(store, "old", now=NOW - timedelta(days=400))
    edge = await add(store, "edge", now=NOW - timedelta(days=365))
    new = await add(store, "new", guild=OTHER_GUILD, now=NOW)
    # a cutoff in another timezone means the same instant
    cutoff = (NOW - timedelta(days=365)).astimezone(timezone(timedelta(hours=-7)))
    assert await store.delete_older_than(cutoff) == 1
    assert await store.get_reflection(GUILD, ALICE, old.id) is None
    assert await store.get_reflection(GUILD, ALICE, edge.id) == edge
    assert await store.get_reflection(OTHER_GUILD, ALICE, new.id) == new


# ---------------------------------------------------------------- hostile text

NASTY_TEXTS = [
    "'); DROP TABLE reflections; --",
    "Robert'); DELETE FROM reflections WHERE ('1'='1",
    '"quoted" `back` \\ back\\slash %s %% ? ?1 :name @name $name',
    "tabs\tnew\nlines\r\ncarriage\rreturn\x00nul\x07bell\x1b[31mansi\x7f",
    "\u202eright-to-left override\u202c \u200f\u200e marks \u200b zero width \ufeff bom",
    "emoji 👩🏽‍💻🏳️‍🌈 🇩🇪 flags and ZWJ",
    "@everyone @here <@123> <#456> <@&789>",
    "x" * 4000,
    "ü" * 3999 + "😀",
    "",
    "   ",
]


@pytest.mark.parametrize("text", NASTY_TEXTS, ids=range(len(NASTY_TEXTS)))
async def test_hostile_text_round_trips_exactly(store: Store, text: str) -> None:
    saved = await add(store, text, about=text or "empty")
    assert saved.text == text
    again = await store.get_reflection(GUILD, ALICE, saved.id)
    assert again is not None
    assert again.text == text
    assert again.about_id == (text or "empty")
    edited = await store.edit_reflection(GUILD, ALICE, saved.id, text[::-1], now=NOW)
    assert edited is not None
    assert edited.text == text[::-1]
    assert (await store.list_reflections(GUILD, ALICE)).total == 1  # the table survived


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=300))
async def test_any_text_round_trips(store: Store, text: str) -> None:
    saved = await add(store, text)
    again = await store.get_reflection(GUILD, ALICE, saved.id)
    assert again is not None
    assert again.text == text


async def test_largest_snowflakes_fit(store: Store) -> None:
    biggest = 2**63 - 1
    saved = await add(store, guild=biggest, author=biggest - 1)
    assert await store.get_reflection(biggest, biggest - 1, saved.id) == saved


# ---------------------------------------------------------------- lifecycle


async def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "x.sqlite3")
    assert not store.closed
    await store.close()
    await store.close()  # idempotent
    assert store.closed
    with pytest.raises(StoreError, match="closed"):
        await store.get_schedule(GUILD)


async def test_async_with_on_an_opened_store(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    async with await Store.open(path) as store:
        await add(store)
    assert store.closed
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed and removed on close
    with sqlite3.connect(path) as plain:
        assert plain.execute("SELECT count(*) FROM reflections").fetchone() == (1,)
    plain.close()


async def test_meta_values(store: Store) -> None:
    assert await store.get_meta("command-sync") is None
    await store.set_meta("command-sync", "abc")
    await store.set_meta("command-sync", "def")
    await store.set_meta("'; DROP TABLE meta; --", "")
    assert await store.get_meta("command-sync") == "def"
    assert await store.get_meta("'; DROP TABLE meta; --") == ""
    assert await store.delete_meta("command-sync")
    assert not await store.delete_meta("command-sync")
    assert await store.get_meta("command-sync") is None
