"""The README's pictures: the capture drives the real bot, the HTML shows what it sent.

No browser here (CI has none): the screenshot step is run by ``make pictures``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from bot.services.content import ContentState
from docs import __main__ as pictures
from docs.capture import APPROACH, MYTH, Shot, capture, command_named
from docs.render import Post, markdown, page
from tests.e2e import CONTENT
from tests.fakediscord import FakeDiscord

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def library() -> Any:
    state = ContentState(CONTENT)
    state.reload()
    return state.library


def labels(message: Any) -> list[str]:
    return [
        item["label"]
        for row in message.get("components") or []
        for item in row.get("components", [])
        if "label" in item
    ]


async def test_capture_drives_the_bot_and_the_html_shows_what_it_sent() -> None:
    shots: dict[str, Shot] = {shot.name: shot for shot in await capture()}
    assert set(shots) == {"approach", "myth", "myth-revealed", "daily-post", "participation"}
    cards = library()

    [card] = shots["approach"].posts
    approach = cards.get(APPROACH)
    [embed] = card.message["embeds"]
    assert embed["title"] == approach.title, "the payload is the bot's own card"
    related = {cards.get(card_id).title for card_id in approach.related}
    assert set(labels(card.message)) == related
    shown = page(shots["approach"].posts)
    assert html.escape(approach.title) in shown
    for field in embed["fields"]:
        assert html.escape(field["name"]) in shown
    for label in related:
        assert html.escape(label) in shown

    [before], [after] = shots["myth"].posts, shots["myth-revealed"].posts
    assert before.message["embeds"][0]["title"] == cards.get(MYTH).title
    assert "What the article says" not in before.message["embeds"][0]["description"]
    assert "What the article says" in after.message["embeds"][0]["description"]
    assert "What does the evidence say?" in page([before])
    assert "Only you can see this" in page([after]) and "Only you can see" not in page([before])

    [post] = shots["daily-post"].posts
    prompt = cards.prompts[0]
    assert post.message["embeds"][0]["title"] == prompt.title
    assert post.thread is not None and prompt.title in post.thread
    assert "Reflect" in labels(post.message)
    assert html.escape(post.thread) in page([post])

    summary = shots["participation"]
    assert summary.files["participation.png"].startswith(PNG_MAGIC)
    shown = page(summary.posts, {"participation.png": "chart.png"})
    assert '<img class="embed-image" src="chart.png"' in shown


def test_hostile_text_is_escaped_everywhere() -> None:
    message = {
        "content": HOSTILE,
        "embeds": [
            {
                "title": HOSTILE,
                "author": {"name": HOSTILE},
                "description": HOSTILE,
                "fields": [{"name": HOSTILE, "value": HOSTILE, "inline": True}],
                "footer": {"text": HOSTILE},
                "image": {"url": 'x" onerror="alert(1)'},
                "color": 0x2E86AB,
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": HOSTILE, "emoji": {"name": "<b>"}},
                    {"type": 3, "custom_id": "pick", "placeholder": HOSTILE, "options": []},
                ],
            }
        ],
    }
    post = Post(message, used=HOSTILE, user=HOSTILE, replying=HOSTILE, thread=HOSTILE)
    shown = page([post], title=HOSTILE)
    assert "<script>" not in shown and "<img src=x" not in shown and "<b>" not in shown
    assert 'onerror="' not in shown
    assert shown.count("&lt;script&gt;") == 14  # every place the text is shown


def test_markdown_the_bot_uses() -> None:
    assert markdown("**The belief:** it") == "<strong>The belief:</strong> it"
    assert markdown("*Is it true?*") == "<em>Is it true?</em>"
    assert markdown("a\n\nb") == "a<br><br>b"
    assert markdown("-# Content note") == '<span class="subtext">Content note</span>'
    assert markdown("S9-S10, 2 * 3 * 4, snake_case_name") == "S9-S10, 2 * 3 * 4, snake_case_name"
    assert markdown("**<b>**") == "<strong>&lt;b&gt;</strong>"


def test_inline_fields_share_a_row_of_at_most_three() -> None:
    inline = [{"name": f"n{i}", "value": "v", "inline": True} for i in range(4)]
    fields = [*inline, {"name": "wide", "value": "v"}]
    shown = page([Post({"embeds": [{"title": "t", "fields": fields}]})])
    assert shown.count("grid-column: span 4") == 3  # a full row of three
    assert shown.count("grid-column: span 12") == 2  # the fourth alone, then the wide one


def test_attachment_images_need_the_file() -> None:
    message = {"embeds": [{"title": "t", "image": {"url": "attachment://chart.png"}}]}
    assert "<img" not in page([Post(message)])
    assert 'src="files/chart.png"' in page([Post(message)], {"chart.png": "files/chart.png"})


def test_commands_are_found_by_their_last_word_wherever_they_move() -> None:
    fake = FakeDiscord(openapi_path=False)
    sub = {"type": 1, "name": "summary", "description": "d"}
    group = {"type": 2, "name": "reflections", "description": "d", "options": [sub]}
    fake.register_commands(
        [
            {"name": "facilitate", "description": "d", "options": [group]},
            {"name": "approach", "description": "d", "options": [{"type": 3, "name": "name"}]},
        ]
    )
    assert command_named(fake, "summary") == "facilitate reflections summary"
    assert command_named(fake, "reflections summary") == "facilitate reflections summary"
    assert command_named(fake, "prompt summary", "summary") == "facilitate reflections summary"
    assert command_named(fake, "approach") == "approach"
    with pytest.raises(LookupError, match=r"no command ends in 'schedule' or 'x'; .*approach"):
        command_named(fake, "schedule", "x")


def test_without_chromium_it_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM", raising=False)
    with pytest.raises(SystemExit, match="apt-get install chromium"):
        pictures.find_chromium()
