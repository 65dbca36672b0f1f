"""Reflections end to end: the real bot, a real SQLite file, the fake Discord.

What members and facilitators see, what lands in SQLite (read with a second
connection, so only committed rows count), and what must never happen: a ping, a
leak of someone else's words, or an export posted where others can see it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.services.chat_limits import MODAL_TITLE
from bot.services.content import ContentState
from bot.text import clip
from tests.e2e import CONTENT, cohort_bot, committed_rows, custom_ids, embed_of
from tests.fakediscord import (
    CallbackType,
    ComponentType,
    FakeDiscord,
    FakeMessage,
    FakeUser,
    InteractionHandle,
)
from tests.fakediscord.models import FakeChannel
from tests.fakes import FakeClock

PRIVATE = "Only you and the facilitators can see it."
COHORT = "It is shared with the cohort under your name."
ANONYMOUS = "It is shared with the cohort without your name."
ONLY_FACILITATORS_EXPORT = (
    "Only facilitators can export reflections: that needs the Manage Server permission."
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_content() -> ContentState:
    state = ContentState(CONTENT)
    state.reload()
    return state


LIBRARY = load_content().library
FIRST_PROMPT = LIBRARY.prompts[0]
_CARD = LIBRARY.get("confrontation")
assert _CARD is not None
CARD_NAME = _CARD.title
CARD_TITLE = f"Approach: {CARD_NAME}"


# ---------------------------------------------------------------- helpers


def owner(fake: FakeDiscord) -> FakeUser:
    assert fake.guild is not None
    return fake.guild.owner


def add_member(fake: FakeDiscord, name: str) -> FakeUser:
    """A plain member (before the bot connects)."""
    assert fake.guild is not None
    user = fake.add_user(name.lower(), global_name=name)
    fake.guild.add_member(user)
    return user


def rows(tmp_path: Path, columns: str = "id, author_id, text") -> list[tuple[Any, ...]]:
    """Committed reflections, read by a second connection."""
    return committed_rows(tmp_path, f"SELECT {columns} FROM reflections ORDER BY id")


def text_input(handle: InteractionHandle) -> dict[str, Any]:
    """The one text input of the modal ``handle`` opened."""
    assert handle.modal is not None, "no modal was opened"
    inputs: list[dict[str, Any]] = [
        component
        for row in handle.modal["components"]
        for component in [
            *row.get("components", []),
            *([row["component"]] if "component" in row else []),
        ]
        if component.get("type") == ComponentType.TEXT_INPUT
    ]
    assert len(inputs) == 1, handle.modal
    return inputs[0]


async def open_modal(
    fake: FakeDiscord, user: FakeUser | None = None, **options: object
) -> InteractionHandle:
    handle = await fake.slash("reflect", options, user=user)
    opened = await handle.response()
    assert opened.type == CallbackType.MODAL, opened
    return handle


async def answer(handle: InteractionHandle) -> tuple[str, FakeMessage | None]:
    """The private answer to an interaction, whether sent at once or after deferring."""
    first = await handle.response()
    if first.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        assert first.ephemeral, "deferred in public"
        message = await handle.next_followup()
        assert message.ephemeral, "the answer must be private"
        return message.content, message
    assert first.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, first
    assert first.ephemeral, f"not private: {first.content}"
    return first.content or "", first.message


async def submit(
    fake: FakeDiscord, opener: InteractionHandle, text: str
) -> tuple[str, FakeMessage | None]:
    handle = await fake.submit_modal(opener, {text_input(opener)["custom_id"]: text})
    return await answer(handle)


async def reflect(
    fake: FakeDiscord, text: str, user: FakeUser | None = None, **options: object
) -> str:
    """Write one reflection through /reflect and its modal; return the private answer."""
    opener = await open_modal(fake, user, **options)
    content, _ = await submit(fake, opener, text)
    return content


async def command(
    fake: FakeDiscord, name: str, user: FakeUser | None = None, **options: object
) -> tuple[str, FakeMessage | None]:
    return await answer(await fake.slash(name, options, user=user))


def shared_posts(fake: FakeDiscord, channel: FakeChannel | str) -> list[FakeMessage]:
    """Reflections the bot shared in a channel or thread (not answers to interactions)."""
    return [
        m
        for m in fake.messages[fake.channel(channel) if isinstance(channel, str) else channel]
        if not m.deleted and m.interaction_metadata is None and m.embeds
    ]


async def post_prompt_now(fake: FakeDiscord) -> FakeMessage:
    """As the owner: schedule prompts in #general, then post the next one right away."""
    handle = await fake.slash(
        "schedule set",
        {"channel": "general", "time": "09:00", "timezone": "Europe/Berlin"},
        user=owner(fake),
        channel="random",
    )
    assert (await handle.response()).content == "Schedule saved."
    content, _ = await command(fake, "schedule now", owner(fake))
    assert content.startswith("Posted “")
    [post] = [m for m in fake.messages[fake.channel("general")] if m.thread is not None]
    return post


def watch_replies(fake: FakeDiscord, seen: Callable[[], None]) -> None:
    """Call ``seen`` the moment the bot answers any interaction, before the fake handles it."""
    for route in fake._routes:
        if route.method == "POST" and route.template in (
            "/interactions/{interaction_id}/{interaction_token}/callback",
            "/webhooks/{webhook_id}/{webhook_token}",
        ):
            original = route.handler

            async def handler(ctx: Any, original: Any = original) -> Any:
                seen()
                return await original(ctx)

            route.handler = handler


# ---------------------------------------------------------------- writing


async def test_reflect_opens_a_modal_and_saves_before_answering(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    on_disk_at_reply: list[list[tuple[Any, ...]]] = []
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake)
        assert opener.modal is not None
        assert opener.modal["title"] == clip(f"Reflect: {FIRST_PROMPT.title}", MODAL_TITLE)
        assert len(opener.modal["title"]) <= 45
        field = text_input(opener)
        assert field["style"] == 2, "a paragraph"
        assert field["max_length"] == 4000
        assert field.get("required", True)

        watch_replies(fake, lambda: on_disk_at_reply.append(rows(tmp_path)))
        text = "It surprised me how little is known.\nI want to read more."
        content, _ = await submit(fake, opener, text)
        assert content == f"Saved reflection #1 on {FIRST_PROMPT.title}. {PRIVATE}"
        assert on_disk_at_reply[0] == [(1, int(fake.default_user.id), text)], (
            "committed before the member was told"
        )
        about = rows(tmp_path, "about_kind, about_id, visibility, shared_message_id")
        assert about == [("prompt", FIRST_PROMPT.id, "private", None)]
        assert [m for m in fake.messages.all() if not m.ephemeral] == [], "nothing public"


async def test_about_is_autocompleted_with_cards_and_prompts(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        choices = await fake.autocomplete("reflect", "about", "confront")
        assert choices[0]["value"] == "confrontation"
        assert 1 <= len(choices) <= 25
        content = await reflect(fake, "About the card.", about="confrontation")
        assert content == f"Saved reflection #1 on {CARD_NAME}. {PRIVATE}"
        assert rows(tmp_path, "about_kind, about_id") == [("approach", "confrontation")]
        unknown = await fake.slash("reflect", {"about": "confrontashun"})
        refused = await unknown.response()
        assert refused.ephemeral and unknown.modal is None
        assert (refused.content or "").startswith("No prompt or card is called “confrontashun”.")


async def test_cohort_reflection_on_a_posted_prompt_goes_into_its_thread(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path, clock=FakeClock()):
        post = await post_prompt_now(fake)
        thread = post.thread
        assert thread is not None
        prompt_id = next(
            c[len("reflect:") :] for c in custom_ids(post.components) if c.startswith("reflect:")
        )
        prompt = LIBRARY.get(prompt_id)
        assert prompt is not None

        content = await reflect(fake, "Named thoughts.", about=prompt_id, visibility="cohort")
        assert content == f"Saved reflection #1 on {prompt.title}. {COHORT}"
        [named] = shared_posts(fake, thread)
        assert embed_of(named)["title"] == f"Reflection on Prompt: {prompt.title}"
        assert named.content == f"Shared by <@{fake.default_user.id}>", "a mention, not a nickname"
        assert embed_of(named)["description"] == "Named thoughts."
        assert embed_of(named)["footer"]["text"] == "Reflection #1"
        assert shared_posts(fake, "general") == [post], "not in the channel itself"

        content = await reflect(
            fake, "Nameless thoughts.", bob, about=prompt_id, visibility="anonymous"
        )
        assert content == f"Saved reflection #2 on {prompt.title}. {ANONYMOUS}"
        anonymous = shared_posts(fake, thread)[-1]
        assert embed_of(anonymous)["title"] == f"Reflection on Prompt: {prompt.title}"
        assert anonymous.content == (
            "Shared anonymously: the author's name is hidden from everyone."
        )
        assert embed_of(anonymous)["description"] == "Nameless thoughts."
        shown = json.dumps(anonymous.payload(fake.world))
        assert "Bob" not in shown and "bob" not in shown and bob.id not in shown
        assert rows(tmp_path, "visibility, shared_channel_id, shared_message_id") == [
            ("cohort", int(thread.id), int(named.id)),
            ("anonymous", int(thread.id), int(anonymous.id)),
        ]


async def test_a_card_reflection_is_shared_where_the_member_is(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        opener = await fake.slash(
            "reflect", {"about": "confrontation", "visibility": "cohort"}, channel="random"
        )
        await opener.response()
        content, _ = await submit(fake, opener, "On confrontation.")
        assert content.endswith(COHORT)
        [shared] = shared_posts(fake, "random")
        assert embed_of(shared)["title"] == f"Reflection on {CARD_TITLE}"
        assert shared.content == f"Shared by <@{fake.default_user.id}>"
        assert shared_posts(fake, "general") == []


async def test_anonymous_is_refused_when_the_config_turns_it_off(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path, reflections={"allow_anonymous": False}):
        handle = await fake.slash("reflect", {"visibility": "anonymous"})
        content, _ = await answer(handle)
        assert content.startswith("This cohort's facilitators have turned anonymous sharing off.")
        assert handle.modal is None, "refused before the member writes anything"
        await reflect(fake, "Private is fine.")
        content, _ = await command(fake, "reflections share", id=1, visibility="anonymous")
        assert "turned anonymous sharing off" in content
        assert rows(tmp_path, "visibility") == [("private",)]
        assert shared_posts(fake, "general") == []


async def test_share_changes_visibility_and_unsharing_deletes_the_post(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Shared later.", about="confrontation")
        assert shared_posts(fake, "general") == []
        content, _ = await command(fake, "reflections share", id=1, visibility="cohort")
        assert content == f"Reflection #1: {COHORT}"
        [named] = shared_posts(fake, "general")
        content, _ = await command(fake, "reflections share", id=1, visibility="anonymous")
        assert content == f"Reflection #1: {ANONYMOUS}"
        assert named.deleted
        [anonymous] = shared_posts(fake, "general")
        assert anonymous.content.startswith("Shared anonymously")
        content, _ = await command(fake, "reflections share", id=1, visibility="private")
        assert content == (
            f"Reflection #1: {PRIVATE} It was shared without your name before, so "
            "facilitators' exports keep it anonymous."
        )
        assert anonymous.deleted and shared_posts(fake, "general") == []
        assert rows(tmp_path, "visibility, shared_channel_id, shared_message_id") == [
            ("private", None, None)
        ]


async def test_a_share_discord_refuses_stays_saved_and_private(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with cohort_bot(fake, tmp_path):
        fake.make_channel_forbidden("general")
        opener = await open_modal(fake, about="confrontation", visibility="cohort")
        content, message = await submit(fake, opener, "Kept safe.")
        assert content == (
            "Reflection #1 is saved but not shared: I could not post in that channel or "
            f"thread. {PRIVATE}"
        )
        assert message is not None and message.attachments == [], "saved: nothing to hand back"
        assert rows(tmp_path, "text, visibility") == [("Kept safe.", "private")]
    fake.assert_clean(allow_status={403})


# ---------------------------------------------------------------- reading, editing, deleting


async def test_mine_is_private_newest_first_and_paged(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path) as bot:
        for n in range(1, 8):
            await reflect(fake, f"Reflection number {n}.", about="confrontation")
        handle = await fake.slash("reflections mine")
        first = await handle.response()
        assert first.ephemeral and first.message is not None
        shown = embed_of(first.data)
        assert shown["title"] == "Your reflections (7)"
        assert [f["value"] for f in shown["fields"]] == [
            f"Reflection number {n}." for n in (7, 6, 5, 4, 3)
        ]
        assert shown["fields"][0]["name"].startswith(f"#7 · {CARD_TITLE} · 02 Mar 2026 · private")
        assert shown["footer"]["text"] == "Page 1 of 2 · only you can see this"
        assert custom_ids(first.message.components) == ["mine:1:>"]

        older = await fake.click(first.message, "mine:1:>")
        page_two = await older.response()
        assert page_two.type == CallbackType.UPDATE_MESSAGE
        shown = embed_of(page_two.data)
        assert [f["value"] for f in shown["fields"]] == [
            "Reflection number 2.",
            "Reflection number 1.",
        ]
        assert shown["footer"]["text"] == "Page 2 of 2 · only you can see this"
        assert page_two.message is not None
        assert custom_ids(page_two.message.components) == ["mine:0:<"]

        newer = await fake.click(page_two.message, "mine:0:<")
        back = await newer.response()
        assert len(embed_of(back.data)["fields"]) == 5
        assert back.message is not None

        # Deleted elsewhere meanwhile: an old "Older" button shows the last page there is.
        assert fake.guild is not None
        for number in (1, 2, 3):
            await bot.services.store.delete_reflection(
                int(fake.guild.id), int(fake.default_user.id), number
            )
        stale = await fake.click(back.message, "mine:1:>")
        shown = embed_of((await stale.response()).data)
        assert shown["title"] == "Your reflections (4)"
        assert shown["footer"]["text"] == "Page 1 of 1 · only you can see this"
        assert len(shown["fields"]) == 4


async def test_edit_opens_the_modal_prefilled_and_updates(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "First draft.", about="confrontation")
        handle = await fake.slash("reflections edit", {"id": 1})
        assert (await handle.response()).type == CallbackType.MODAL
        assert handle.modal is not None and handle.modal["title"].startswith("Edit: ")
        assert len(handle.modal["title"]) <= 45
        assert text_input(handle)["value"] == "First draft."
        content, _ = await submit(fake, handle, "Second draft.")
        assert content == f"Updated reflection #1 on {CARD_TITLE}. {PRIVATE}"
        assert rows(tmp_path) == [(1, int(fake.default_user.id), "Second draft.")]
        assert rows(tmp_path, "edited_at IS NOT NULL") == [(1,)]


async def test_editing_a_shared_reflection_replaces_its_post(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Before.", about="confrontation", visibility="cohort")
        [before] = shared_posts(fake, "general")
        handle = await fake.slash("reflections edit", {"id": 1})
        await handle.response()
        content, _ = await submit(fake, handle, "After.")
        assert content.endswith(COHORT)
        assert before.deleted
        [after] = shared_posts(fake, "general")
        assert embed_of(after)["description"] == "After."
        assert rows(tmp_path, "shared_message_id") == [(int(after.id),)]
    # strict: the old post was deleted once, not twice (no 404 from a second delete)


async def test_delete_asks_first_and_keep_changes_nothing(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Private one.", about="confrontation")
        await reflect(fake, "Shared one.", about="confrontation", visibility="cohort")
        [shared] = shared_posts(fake, "general")

        content, question = await command(fake, "reflections delete", id=1)
        assert content == "Delete reflection #1? This cannot be undone."
        assert question is not None
        assert custom_ids(question.components) == ["confirm:delete:1", "confirm:keep:1"]
        keep = await fake.click(question, "confirm:keep:1")
        assert (await keep.response()).type == CallbackType.UPDATE_MESSAGE
        assert question.content == "Nothing was changed." and question.components == []
        assert len(rows(tmp_path)) == 2

        for number in (1, 2):
            _, question = await command(fake, "reflections delete", id=number)
            assert question is not None
            click = await fake.click(question, f"confirm:delete:{number}")
            assert (await click.response()).type == CallbackType.DEFERRED_UPDATE_MESSAGE
            await click.wait_until(
                lambda h: h.original is not None and "is deleted" in h.original.content,
                what="the confirmation",
            )
            assert question.content == f"Reflection #{number} is deleted, with any shared copy."
        assert rows(tmp_path) == []
        assert shared.deleted


async def test_another_members_number_is_not_found_and_nothing_leaks(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    secret = "Bob's private words about something painful."
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, secret, bob, about="confrontation")
        not_found = "Reflection #1 was not found among your reflections in this server."
        attempts: list[tuple[str, dict[str, object]]] = [
            ("reflections edit", {"id": 1}),
            ("reflections delete", {"id": 1}),
            ("reflections share", {"id": 1, "visibility": "cohort"}),
        ]
        for name, options in attempts:
            handle = await fake.slash(name, options)
            content, message = await answer(handle)
            assert content == not_found, name
            assert handle.modal is None
            assert message is None or message.components == []
        # alice cannot reach bob's data by crafting the confirm button either
        content, question = await command(fake, "reflections delete", id=999)
        assert "not found" in content and question is not None and question.components == []
        _, mine = await command(fake, "reflections mine")
        assert mine is not None and embed_of(mine)["title"] == "Your reflections (0)"
        assert secret not in json.dumps(fake.all_bodies()), "the bot never sent bob's words"
        assert rows(tmp_path) == [(1, int(bob.id), secret)]


# ---------------------------------------------------------------- exports and summary


def attachment(message: FakeMessage | None, name: str) -> bytes:
    assert message is not None
    [file] = message.attachments
    assert file.filename == name
    return file.data


async def test_member_export_is_their_own_markdown_sent_privately(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Alice's thought.", about="confrontation")
        await reflect(fake, "Bob's thought.", bob, about="confrontation")
        content, message = await command(fake, "reflections export")
        assert content == "Here is your file; it is sent only to you."
        markdown = attachment(message, "my-reflections.md").decode()
        assert markdown.startswith("# My reflections (Alice)\n")
        assert f"## {CARD_TITLE}" in markdown and "Alice's thought." in markdown
        assert "Bob's thought." not in markdown


async def test_facilitator_csv_export_is_private_and_parses(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    tricky = 'Commas, "quotes"\nand a second line'
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, tricky, about="confrontation")
        await reflect(fake, "Without my name.", bob, about="confrontation", visibility="anonymous")

        handle = await fake.slash("cohort-reflections export", user=owner(fake), channel="random")
        content, message = await answer(handle)
        assert content == "Here is your file; it is sent only to you."
        assert message is not None and message.ephemeral
        data = attachment(message, "reflections.csv").decode()
        table = list(csv.DictReader(io.StringIO(data)))
        assert list(table[0]) == [
            "id",
            "date",
            "about",
            "author_id",
            "author_name",
            "visibility",
            "edited",
            "text",
            "cohort",
        ]
        assert [
            (r["id"], r["about"], r["author_id"], r["visibility"], r["text"]) for r in table
        ] == [
            ("1", CARD_TITLE, fake.default_user.id, "private", tricky),
            ("2", CARD_TITLE, "anonymous", "anonymous", "Without my name."),
        ]
        assert bob.id not in data, "anonymous stays anonymous"
        assert table[0]["date"].startswith("2026-03-02T07:00:00")

        later, _ = await command(fake, "cohort-reflections export", owner(fake), since="2026-03-03")
        assert later.startswith("Here is your file")
        bad, _ = await command(fake, "cohort-reflections export", owner(fake), since="yesterday")
        assert bad == "“yesterday” is not a date; write it as YYYY-MM-DD."

        # hidden from members; one a server admin granted it to is still refused
        refused, _ = await answer(await fake.slash("cohort-reflections export", force=True))
        assert refused == ONLY_FACILITATORS_EXPORT

        public_files = [
            a.filename for m in fake.messages.all() if not m.ephemeral for a in m.attachments
        ]
        assert public_files == [], "exports are never posted in a channel"


async def test_facilitators_may_see_anonymous_authors_when_configured(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path, reflections={"facilitators_see_anonymous_authors": True}):
        await reflect(fake, "Nameless.", about="confrontation", visibility="anonymous")
        _, message = await command(fake, "cohort-reflections export", owner(fake))
        [row] = list(csv.DictReader(io.StringIO(attachment(message, "reflections.csv").decode())))
        assert row["author_id"] == fake.default_user.id


async def test_summary_counts_and_chart_for_facilitators_only(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    clock = FakeClock()
    async with cohort_bot(fake, tmp_path, clock=clock):
        await reflect(fake, "Day one, private words.")
        await reflect(fake, "Day one again.")
        clock.advance(days=1)
        await reflect(fake, "Day two.", bob)

        handle = await fake.slash("cohort-reflections summary", user=owner(fake))
        deferred = await handle.response()
        assert deferred.type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        message = await handle.next_followup()
        assert message.ephemeral
        shown = embed_of(message)
        assert shown["description"].splitlines() == [
            "3 reflections from 2 members.",
            f"Prompt: {FIRST_PROMPT.title}: 2 members, 3 reflections",
        ]
        assert "words" not in json.dumps(message.embeds)
        assert shown["image"]["url"] == "attachment://participation.png"
        png = attachment(message, "participation.png")
        assert png.startswith(PNG_MAGIC)
        from PIL import Image

        with Image.open(io.BytesIO(png)) as image:
            image.load()
            assert image.format == "PNG" and image.size == (800, 350)

        refused, _ = await answer(await fake.slash("cohort-reflections summary", force=True))
        assert refused.startswith("Only facilitators can see the reflection summary")


# ---------------------------------------------------------------- forget-me


async def test_forget_me_erases_everything_after_confirming(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "Bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Private.", about="confrontation")
        await reflect(fake, "Named.", about="confrontation", visibility="cohort")
        await reflect(fake, "Hidden.", about="confrontation", visibility="anonymous")
        await reflect(fake, "Bob's.", bob, about="confrontation", visibility="cohort")
        alices = shared_posts(fake, "general")[:2]

        content, question = await command(fake, "reflections forget-me")
        assert content.startswith("Erase all your reflections (and shared copies) in this server?")
        assert question is not None
        assert custom_ids(question.components) == ["confirm:forget:0", "confirm:keep:0"]
        assert len(rows(tmp_path)) == 4, "nothing happens before the member confirms"
        click = await fake.click(question, "confirm:forget:0")
        await click.response()
        await click.wait_until(
            lambda h: h.original is not None and h.original.content.startswith("Done"),
            what="the erasure to be confirmed",
        )
        assert question.content == (
            "Done: everything the bot held about you in this server is erased "
            "(3 reflections, with any shared copies)."
        )
        assert rows(tmp_path) == [(4, int(bob.id), "Bob's.")]
        assert all(post.deleted for post in alices)
        [left] = shared_posts(fake, "general")
        assert embed_of(left)["description"] == "Bob's."


# ---------------------------------------------------------------- the daily post's button


async def test_the_reflect_button_on_a_daily_post_opens_the_modal_for_that_prompt(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        post = await post_prompt_now(fake)
        [button] = [c for c in custom_ids(post.components) if c.startswith("reflect:")]
        prompt = LIBRARY.get(button.removeprefix("reflect:"))
        assert prompt is not None
        click = await fake.click(post, button)
        assert (await click.response()).type == CallbackType.MODAL
        assert click.modal is not None
        assert click.modal["title"] == clip(f"Reflect: {prompt.title}", MODAL_TITLE)
        content, _ = await submit(fake, click, "From the button.")
        assert content == f"Saved reflection #1 on {prompt.title}. {PRIVATE}"
        assert rows(tmp_path, "about_kind, about_id, text") == [
            ("prompt", prompt.id, "From the button.")
        ]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \n   ", "A reflection needs some text; nothing was saved."),
        (
            "A bell\u0007 rang",
            "The text holds an invisible control character (U+0007); remove it and try again. "
            "Nothing was saved.",
        ),
    ],
    ids=["whitespace", "control-character"],
)
@pytest.mark.parametrize("visibility", ["private", "cohort"])
async def test_refused_text_comes_back_as_a_file(
    strict_fake_discord: FakeDiscord, tmp_path: Path, text: str, message: str, visibility: str
) -> None:
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake, visibility=visibility)
        content, reply = await submit(fake, opener, text)
        assert content == f"{message} Your text is attached so nothing is lost."
        assert attachment(reply, "your-reflection.txt") == text.encode()
        assert rows(tmp_path) == []
        assert shared_posts(fake, "general") == []


async def test_over_long_text_cannot_even_be_submitted(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Discord enforces max_length 4000 in the client; the service refuses 4001 too
    (tests/test_reflections.py), and exactly 4000 is accepted."""
    fake = strict_fake_discord
    async with cohort_bot(fake, tmp_path):
        opener = await open_modal(fake)
        with pytest.raises(ValueError, match="longer than 4000"):
            await fake.submit_modal(opener, {text_input(opener)["custom_id"]: "x" * 4001})
        content, _ = await submit(fake, opener, "y" * 4000)
        assert content.startswith("Saved reflection #1")
        assert rows(tmp_path, "length(text)") == [(4000,)]


async def test_mentions_are_stored_exactly_and_never_ping(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    assert fake.guild is not None
    role = fake.guild.add_role("cohort", mentionable=True)
    bob = add_member(fake, "Bob")
    noisy = (
        f"@everyone @here <@&{role.id}> <@{bob.id}> <@!{bob.id}> "
        "'; DROP TABLE reflections; -- \u200fمرحبا\u200f 👩🏽‍⚕️"
    )
    async with cohort_bot(fake, tmp_path):
        content = await reflect(fake, noisy, about="confrontation", visibility="cohort")
        assert content.endswith(COHORT)
        await reflect(fake, noisy, about="confrontation", visibility="anonymous")
        await command(fake, "reflections share", id=1, visibility="cohort")
        _, mine = await command(fake, "reflections mine")
        assert mine is not None and embed_of(mine)["fields"][0]["value"] == noisy
        _, export = await command(fake, "reflections export")
        assert noisy in attachment(export, "my-reflections.md").decode()
        assert rows(tmp_path, "text") == [(noisy,), (noisy,)]
        assert [embed_of(m)["description"] for m in shared_posts(fake, "general")] == [noisy, noisy]
        assert fake.pinging_messages() == []


async def test_a_shared_post_the_bot_cannot_remove_keeps_the_record(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Shared, then locked away.", about="confrontation", visibility="cohort")
        [shared] = shared_posts(fake, "general")
        _, question = await command(fake, "reflections delete", id=1)
        assert question is not None
        fake.make_channel_forbidden("general")
        click = await fake.click(question, "confirm:delete:1")
        await click.response()
        refusal = await click.next_followup()
        assert refusal.ephemeral and "I could not remove the shared post" in refusal.content
        assert "nothing was removed" in refusal.content
        assert len(rows(tmp_path)) == 1 and not shared.deleted


async def test_reflection_numbers_autocomplete_only_your_own(
    strict_fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = strict_fake_discord
    bob = add_member(fake, "bob")
    async with cohort_bot(fake, tmp_path):
        await reflect(fake, "Alice on confrontation.", about="confrontation")
        await reflect(fake, "Bob's private thought.", bob, about="confrontation")
        await reflect(fake, "Alice on empathy.", about="empathy-role-play")
        mine = await fake.autocomplete("reflections edit", "id", "")
        assert [choice["value"] for choice in mine] == [3, 1], "newest first, only Alice's"
        assert all(len(choice["name"]) <= 100 for choice in mine)
        assert "Bob" not in str(mine)
        assert [
            c["value"] for c in await fake.autocomplete("reflections delete", "id", "empathy")
        ] == [3]
        bobs = await fake.autocomplete("reflections share", "id", "", user=bob)
        assert [choice["value"] for choice in bobs] == [2]
