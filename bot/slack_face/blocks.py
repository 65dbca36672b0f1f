"""Views as Block Kit: cards, text, menus, pages; Markdown as Slack's mrkdwn.

Services write Discord-flavoured Markdown (``**bold**``, ``*italic*``); Slack reads
``*bold*`` and ``_italic_``, and needs ``&``, ``<`` and ``>`` escaped. A section holds at
most 3,000 characters, so long text is split over several sections.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.services.answers import CardView, MenuOption, SuggestionView, TextView
from bot.text import ChannelMention, MemberMention, Moment, Rich, clip

Block = dict[str, Any]
SECTION_TEXT, HEADER_TEXT, BUTTON_TEXT, OPTION_TEXT = 3000, 150, 75, 75
MESSAGE_BLOCKS, ACTIONS_ELEMENTS = 50, 25
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)", re.DOTALL)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Discord Markdown as Slack mrkdwn, escaped so nothing becomes a mention."""
    text = _ITALIC.sub(r"_\1_", escape(text))
    return _BOLD.sub(r"*\1*", text)


def plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def moment(at: Moment) -> str:
    """A time every reader sees in their own zone, with the cohort's as the fallback."""
    stamp = int(at.at.timestamp())
    return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{escape(at.in_zone())}>"


async def rich(
    text: Rich,
    channel_name: Callable[[int], Awaitable[str]],
    member: Callable[[MemberMention], Awaitable[str]] | None = None,
) -> str:
    """Rich text as mrkdwn: channels as ``<#C…>`` (looked up first), times as dates, members
    by their recorded name, or as ``member`` shows them (a mention, where none pings)."""
    names = {
        part.channel_id: await channel_name(part.channel_id)
        for part in text.parts
        if isinstance(part, ChannelMention)
    }
    pieces: list[str] = []
    for part in text.parts:
        if isinstance(part, ChannelMention):
            pieces.append(names[part.channel_id])
        elif isinstance(part, Moment):
            pieces.append(moment(part))
        elif isinstance(part, MemberMention) and member is not None:
            pieces.append(await member(part))
        elif isinstance(part, MemberMention):
            pieces.append(mrkdwn(part.name))  # the name recorded when they joined or acted
        else:
            pieces.append(mrkdwn(part))
    return "".join(pieces)


def sections(text: str, block_id: str | None = None) -> list[Block]:
    """mrkdwn text in as many sections as it needs, split at line breaks where it can."""
    chunks: list[str] = []
    while len(text) > SECTION_TEXT:
        cut = text.rfind("\n", 0, SECTION_TEXT)
        cut = cut if cut > SECTION_TEXT // 2 else SECTION_TEXT
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    blocks: list[Block] = []
    for index, chunk in enumerate(chunk for chunk in chunks if chunk.strip()):
        block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        if block_id is not None and index == 0:
            block["block_id"] = block_id
        blocks.append(block)
    return blocks


def is_bots_with_block(message: dict[str, Any], block_id: str) -> bool:
    """Whether ``message`` is one the bot sent holding a block with ``block_id``: how a
    post sent just before a crash is found again."""
    blocks = message.get("blocks", [])
    return bool(message.get("bot_id")) and any(b.get("block_id") == block_id for b in blocks)


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    out: Block = {"type": "button", "text": plain(text, BUTTON_TEXT), "action_id": action_id}
    out["value"] = value
    if style:
        out["style"] = style
    return out


def card_blocks(view: CardView, *, marker: str | None = None) -> list[Block]:
    """A card: header, text, fields, source and evidence as context, buttons to related cards
    and the myth's reveal. ``marker`` is a block id that lets the bot find the post again."""
    blocks: list[Block] = [
        context(f"*{escape(view.author)}*"),
        {"type": "header", "text": plain(view.title, HEADER_TEXT)},
        *sections(mrkdwn(view.description), block_id=marker),
    ]
    for item in view.fields:
        blocks += sections(f"*{mrkdwn(item.name)}*\n{mrkdwn(item.value)}")
    if view.footer:
        blocks.append(context(mrkdwn(view.footer)))
    buttons = [button(link.label, f"card:{link.card_id}", link.card_id) for link in view.links]
    if view.reveal_label:
        buttons.append(button(view.reveal_label, "reveal", view.card_id, "primary"))
    for start in range(0, len(buttons), 5):
        blocks.append({"type": "actions", "elements": buttons[start : start + 5]})
    return blocks[:MESSAGE_BLOCKS]


def text_blocks(view: TextView) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(view.title, HEADER_TEXT)}]
    blocks += sections(mrkdwn(view.description))
    for item in view.fields:
        blocks += sections(f"*{mrkdwn(item.name)}*\n{mrkdwn(item.value)}")
    if view.footer:
        blocks.append(context(mrkdwn(view.footer)))
    return blocks


def option(item: MenuOption) -> Block:
    return {"text": plain(item.label, OPTION_TEXT), "value": item.card_id}


def menu_blocks(title: str, options: list[MenuOption], action_id: str) -> list[Block]:
    """A list with a menu to open one (static: every option is already known, at most 100)."""
    if not options:
        return sections(mrkdwn(f"{title}: none."))
    lines = "\n".join(f"• *{mrkdwn(o.label)}* — {mrkdwn(o.description)}" for o in options)
    menu = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain("Open one…", 150),
        "options": [option(item) for item in options[:100]],
    }
    return [*sections(f"*{mrkdwn(title)}*\n{lines}"), {"type": "actions", "elements": [menu]}]


def picker_blocks(title: str, kind: str) -> list[Block]:
    """Every card of a kind, through an external select whose options load as one types."""
    menu = {
        "type": "external_select",
        "action_id": f"pick:{kind}",
        "placeholder": plain(f"Type to find a {kind}…", 150),
        "min_query_length": 0,
    }
    return [*sections(f"*{mrkdwn(title)}*"), {"type": "actions", "elements": [menu]}]


def suggestion_blocks(view: SuggestionView) -> list[Block]:
    if not view.options:
        return sections(mrkdwn(view.message))
    kind = view.kind.value if view.kind else "card"
    return menu_blocks(view.message, list(view.options), f"open:{kind}")


def stamp(at: datetime) -> str:
    return f"{at:%d %b %Y}"
