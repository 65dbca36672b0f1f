"""Private reflections, sharing, exports, participation, forgetting (bot/store/reflections.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.store import Store
from tests.store_helpers import ALICE, BOB, GUILD, NOW, OTHER_GUILD, add, new_cohort


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with Store.open(database_url) as opened:
        yield opened


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
    here = await store.create_cohort(
        GUILD, name="A", channel_id=1, post_time="09:00", timezone="UTC", now=NOW, created_by=ALICE
    )
    there = await store.create_cohort(
        OTHER_GUILD,
        name="B",
        channel_id=2,
        post_time="09:00",
        timezone="UTC",
        now=NOW,
        created_by=ALICE,
    )
    assert here is not None and there is not None
    for cohort in (here, there):
        await store.join_cohort(cohort.id, ALICE, "Alice", now=NOW)
        await store.set_reminder(cohort.id, ALICE, "18:00", None)
        await store.reserve_delivery(cohort.id, "reminder", NOW.date(), user_id=ALICE, now=NOW)
    await store.join_cohort(here.id, BOB, "Bob", now=NOW, added_by=ALICE)
    for n in range(3):
        await add(store, f"alice {n}")
    bob = await add(store, "bob", author=BOB)
    elsewhere = await add(store, "alice elsewhere", guild=OTHER_GUILD)

    assert await store.forget_member(GUILD, ALICE) == 3
    assert (await store.list_reflections(GUILD, ALICE)).total == 0
    assert await store.get_reflection(GUILD, BOB, bob.id) == bob
    assert await store.get_reflection(OTHER_GUILD, ALICE, elsewhere.id) == elsewhere
    assert [m.user_id for m in await store.roster(here.id)] == [BOB]
    [bob_member] = await store.roster(here.id)
    assert bob_member.added_by is None, "who added Bob was Alice: her id goes too"
    assert await store.deliveries(here.id, "reminder") == []
    assert [m.user_id for m in await store.roster(there.id)] == [ALICE]
    assert len(await store.deliveries(there.id, "reminder")) == 1
    after_here, after_there = await store.get_cohort(here.id), await store.get_cohort(there.id)
    assert after_here is not None and after_there is not None
    assert (after_here.created_by, after_there.created_by) == (None, ALICE)
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


async def test_an_anonymous_reflection_never_counts_towards_its_author(store: Store) -> None:
    """Beside the export (which shows it without a name), neither the summary's counts of
    members nor the cohort's list of who reflected may tell whose it is."""
    cohort = await new_cohort(store)
    for author in (ALICE, BOB):
        await store.add_reflection(
            GUILD,
            author,
            about_kind="prompt",
            about_id="p1",
            text="named",
            now=NOW,
            cohort_id=cohort,
        )
    hidden = await store.add_reflection(
        GUILD, ALICE, about_kind="prompt", about_id="p1", text="hidden", now=NOW, cohort_id=cohort
    )
    later = await store.add_reflection(
        GUILD,
        ALICE,
        about_kind="prompt",
        about_id="p2",
        text="was anonymous",
        now=NOW,
        cohort_id=cohort,
    )
    await store.set_visibility(GUILD, ALICE, hidden.id, "anonymous", 5, 50)
    await store.set_visibility(GUILD, ALICE, later.id, "anonymous", 5, 51)
    await store.set_visibility(GUILD, ALICE, later.id, "private")  # seen anonymously: stays so

    counts = await store.participation(GUILD)
    assert (counts.authors, counts.reflections) == (4, 4)  # each anonymous one its own member
    assert [(t.about_id, t.authors, t.reflections) for t in counts.topics] == [
        ("p1", 3, 3),
        ("p2", 1, 1),
    ]
    assert [(d.reflections, d.authors) for d in counts.days] == [(4, 4)]
    assert await store.prompt_reflectors(cohort) == {"p1": {ALICE, BOB}}  # her named one
    assert await store.has_reflected(cohort, ALICE, ["p2"]), "her own reminders still know"
