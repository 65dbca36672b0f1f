"""Recorded Discord message payloads as HTML in Discord's dark theme.

Only what the bot sends is drawn: content with a little Markdown, embeds (author,
title, description, fields, image, footer), buttons, select menus, the "only you can
see this" line of an ephemeral answer and the thread under a post. Every piece of text
is escaped before any markup is added.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BOT_NAME = "cohort-bot"
EPHEMERAL = 64
BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link"}
EYE = (
    '<svg width="16" height="16" viewBox="0 0 24 24"><path fill="currentColor" d="M12 5C5.6 '
    "5 2 12 2 12s3.6 7 10 7 10-7 10-7-3.6-7-10-7Zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8Zm0-2a2 2 0 "
    '1 0 0-4 2 2 0 0 0 0 4Z"/></svg>'
)
CHEVRON = (
    '<svg width="18" height="18" viewBox="0 0 24 24"><path fill="currentColor" '
    'd="M5.3 9.3a1 1 0 0 1 1.4 0L12 14.6l5.3-5.3a1 1 0 1 1 1.4 1.4l-6 6a1 1 0 0 1-1.4 0l-6-6a1 '
    '1 0 0 1 0-1.4Z"/></svg>'
)


@dataclass(frozen=True)
class Post:
    """One message as a member sees it: the payload and what Discord draws around it."""

    message: Mapping[str, Any]
    """The message JSON the bot sent: content, embeds, components, flags."""
    used: str | None = None
    """The slash command it answers ("/approach"), shown above it as Discord does."""
    user: str = "Alice"
    """Who used that command."""
    replying: str | None = None
    """For an answer to a button: the start of the bot's message that had the button."""
    thread: str | None = None
    """The name of the thread started from this message."""
    time: str = "09:00"


# ---------------------------------------------------------------- text


def _inline(escaped: str) -> str:
    """Bold, italic, underline and code spans on already-escaped text."""
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"__(.+?)__", r"<u>\1</u>", escaped)
    escaped = re.sub(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])", r"<em>\1</em>", escaped)
    return re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"<em>\1</em>", escaped)


def markdown(text: str) -> str:
    """The Discord Markdown the bot uses, as HTML; everything else stays literal."""
    lines = []
    for line in html.escape(text).split("\n"):
        if line.startswith("-# "):
            lines.append(f'<span class="subtext">{_inline(line[3:])}</span>')
        else:
            lines.append(_inline(line))
    return "<br>".join(lines)


def plain(text: object) -> str:
    """Text shown as it is (titles, labels, names)."""
    return html.escape(str(text))


# ---------------------------------------------------------------- embeds


def _field_rows(fields: Sequence[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """Discord's layout: consecutive inline fields share a row, at most three to a row."""
    row: list[Mapping[str, Any]] = []
    for item in fields:
        if not item.get("inline") or len(row) == 3:
            if row:
                yield row
            row = []
        if item.get("inline"):
            row.append(item)
        else:
            yield [item]
    if row:
        yield row


def fields_html(fields: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for row in _field_rows(fields):
        span = 12 // len(row)
        for item in row:
            parts.append(
                f'<div class="field" style="grid-column: span {span}">'
                f'<div class="field-name">{markdown(item.get("name", ""))}</div>'
                f'<div class="field-value">{markdown(item.get("value", ""))}</div></div>'
            )
    return f'<div class="fields">{"".join(parts)}</div>' if parts else ""


def image_url(url: str, images: Mapping[str, str]) -> str:
    """``attachment://name`` points at the file sent with the message."""
    if url.startswith("attachment://"):
        return images.get(url.removeprefix("attachment://"), "")
    return url


def embed_html(embed: Mapping[str, Any], images: Mapping[str, str]) -> str:
    """One embed: coloured bar, author, title, description, fields, image, footer."""
    colour = embed.get("color")
    bar = f"#{colour:06x}" if isinstance(colour, int) else "#1e1f22"
    parts = []
    if author := (embed.get("author") or {}).get("name"):
        parts.append(f'<div class="embed-author">{plain(author)}</div>')
    if title := embed.get("title"):
        parts.append(f'<div class="embed-title">{markdown(title)}</div>')
    if description := embed.get("description"):
        parts.append(f'<div class="embed-description">{markdown(description)}</div>')
    parts.append(fields_html(embed.get("fields") or []))
    if url := image_url((embed.get("image") or {}).get("url", ""), images):
        parts.append(f'<img class="embed-image" src="{plain(url)}" alt="">')
    if footer := (embed.get("footer") or {}).get("text"):
        parts.append(f'<div class="embed-footer">{plain(footer)}</div>')
    return f'<div class="embed" style="border-left-color: {bar}">{"".join(parts)}</div>'


# ---------------------------------------------------------------- components


def button_html(button: Mapping[str, Any]) -> str:
    style = BUTTON_STYLES.get(button.get("style", 2), "secondary")
    emoji = (button.get("emoji") or {}).get("name")
    icon = f'<span class="emoji">{plain(emoji)}</span>' if emoji else ""
    disabled = " disabled" if button.get("disabled") else ""
    return f'<span class="button {style}{disabled}">{icon}{plain(button.get("label", ""))}</span>'


def select_html(select: Mapping[str, Any]) -> str:
    placeholder = select.get("placeholder") or "Make a selection"
    return f'<div class="select"><span>{plain(placeholder)}</span>{CHEVRON}</div>'


def components_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """Action rows of buttons and select menus."""
    parts = []
    for row in rows:
        items = []
        for item in row.get("components", []):
            if item.get("type") == 2:
                items.append(button_html(item))
            elif item.get("type") in (3, 5, 6, 7, 8):
                items.append(select_html(item))
        parts.append(f'<div class="action-row">{"".join(items)}</div>')
    return "".join(parts)


# ---------------------------------------------------------------- messages


def message_html(post: Post, images: Mapping[str, str]) -> str:
    """A message with its header, and the lines Discord draws above and below it."""
    message = post.message
    ephemeral = bool((message.get("flags") or 0) & EPHEMERAL)
    parts = []
    if post.used:
        parts.append(
            '<div class="used"><span class="spine"></span><span class="mini-avatar"></span>'
            f'<span class="user">{plain(post.user)}</span> used '
            f'<span class="command">{plain(post.used)}</span></div>'
        )
    if post.replying:
        parts.append(
            '<div class="used"><span class="spine"></span><span class="mini-avatar bot"></span>'
            f'<span class="user">@{plain(BOT_NAME)}</span> '
            f'<span class="snippet">{plain(post.replying)}</span></div>'
        )
    parts.append(
        f'<div class="avatar">{plain(BOT_NAME[:1].upper())}</div>'
        f'<div class="header"><span class="name">{plain(BOT_NAME)}</span>'
        f'<span class="tag">APP</span><span class="time">Today at {plain(post.time)}</span></div>'
    )
    if content := message.get("content"):
        parts.append(f'<div class="content">{markdown(content)}</div>')
    parts.extend(embed_html(embed, images) for embed in message.get("embeds") or [])
    parts.append(components_html(message.get("components") or []))
    if post.thread:
        parts.append(
            f'<div class="thread"><div class="thread-name">{plain(post.thread)}'
            '<span class="thread-link">0 Messages ›</span></div>'
            '<div class="thread-empty">There are no recent messages in this thread.</div></div>'
        )
    if ephemeral:
        parts.append(
            f'<div class="ephemeral">{EYE}Only you can see this · '
            '<span class="dismiss">Dismiss message</span></div>'
        )
    kind = "message ephemeral-message" if ephemeral else "message"
    return f'<div class="{kind}">{"".join(parts)}</div>'


def page(posts: Sequence[Post], images: Mapping[str, str] | None = None, *, title: str = "") -> str:
    """A whole HTML page showing ``posts`` in a Discord channel."""
    body = "".join(message_html(post, images or {}) for post in posts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{plain(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #313338; }
body { width: 640px; padding: 20px 16px 20px 0; color: #dbdee1;
  font: 16px/1.375 "gg sans", "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
.message { position: relative; padding: 2px 16px 2px 72px; margin-top: 10px; }
.ephemeral-message { background: rgba(88, 101, 242, 0.06); padding-bottom: 6px; }
.used { position: relative; display: flex; align-items: center; gap: 4px; height: 22px;
  font-size: 14px; color: #b5bac1; margin-bottom: 4px; }
.spine { position: absolute; left: -36px; top: 10px; width: 32px; height: 12px;
  border-left: 2px solid #4e5058; border-top: 2px solid #4e5058; border-top-left-radius: 6px; }
.mini-avatar { width: 16px; height: 16px; border-radius: 50%; background: #eb459e; }
.used .user { color: #f2f3f5; font-weight: 500; }
.used .command { color: #00a8fc; }
.mini-avatar.bot { background: #5865f2; }
.snippet { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.avatar { position: absolute; left: 16px; width: 40px; height: 40px; border-radius: 50%;
  background: #5865f2; color: #fff; font-weight: 700; font-size: 18px;
  display: flex; align-items: center; justify-content: center; }
.header { display: flex; align-items: center; gap: 4px; height: 22px; }
.name { color: #f2f3f5; font-weight: 500; }
.tag { background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; line-height: 15px;
  padding: 0 4px; border-radius: 3px; margin: 0 2px; }
.time { color: #949ba4; font-size: 12px; margin-left: 2px; }
.content { white-space: normal; overflow-wrap: break-word; }
.subtext { display: block; color: #949ba4; font-size: 13px; line-height: 1.3; }
code { background: #2b2d31; border-radius: 3px; padding: 0 3px; font-size: 85%; }
strong { font-weight: 700; }
.embed { max-width: 520px; margin-top: 4px; background: #2b2d31; border-radius: 4px;
  border-left: 4px solid; padding: 8px 16px 16px 12px; display: grid; gap: 0; }
.embed-author { color: #f2f3f5; font-size: 14px; font-weight: 600; margin-top: 8px; }
.embed-title { color: #f2f3f5; font-size: 16px; font-weight: 600; margin-top: 8px; }
.embed-description { font-size: 14px; line-height: 18px; margin-top: 8px; }
.fields { display: grid; grid-template-columns: repeat(12, 1fr); gap: 8px; margin-top: 8px; }
.field { font-size: 14px; line-height: 18px; min-width: 0; }
.field-name { color: #f2f3f5; font-weight: 600; margin-bottom: 2px; }
.embed-image { margin-top: 16px; max-width: 100%; border-radius: 4px; display: block; }
.embed-footer { font-size: 12px; line-height: 16px; margin-top: 8px; font-weight: 500; }
.action-row { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; max-width: 540px; }
.button { display: inline-flex; align-items: center; gap: 6px; min-height: 32px;
  padding: 2px 16px; border-radius: 8px; color: #fff; font-size: 14px; font-weight: 500;
  line-height: 16px; }
.primary { background: #5865f2; }
.secondary { background: #4e5058; }
.success { background: #248046; }
.danger { background: #da373c; }
.link { background: #4e5058; }
.disabled { opacity: 0.5; }
.emoji { font-family: "Noto Color Emoji", sans-serif; font-size: 16px; }
.select { display: flex; justify-content: space-between; align-items: center; width: 400px;
  height: 40px; padding: 0 8px 0 12px; background: #1e1f22; border-radius: 4px;
  color: #949ba4; font-size: 14px; }
.thread { max-width: 480px; margin-top: 8px; padding: 8px 12px; background: #2b2d31;
  border-radius: 4px; font-size: 14px; }
.thread-name { color: #f2f3f5; font-weight: 600; display: flex; gap: 8px; }
.thread-link { color: #00a8fc; font-weight: 600; }
.thread-empty { color: #949ba4; margin-top: 2px; }
.ephemeral { display: flex; align-items: center; gap: 4px; margin-top: 4px; color: #949ba4;
  font-size: 12px; }
.dismiss { color: #00a8fc; }
"""
