"""Limits on what a message holds: content, embeds, components, mentions; threads and forum posts."""

from __future__ import annotations

from typing import Any

from ..common import (
    ComponentType,
    ErrorCollector,
    JsonDict,
    MessageFlags,
)
from ..models import iter_components
from .sizes import (
    ACTION_ROWS_MAX,
    ALLOWED_MENTION_TYPES,
    BUTTON_LABEL_MAX,
    CONTENT_MAX,
    CUSTOM_ID_MAX,
    EMBED_AUTHOR_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    EMBEDS_MAX,
    FORUM_POST_TAGS_MAX,
    ROW_WIDTH_MAX,
    SELECT_OPTION_TEXT_MAX,
    SELECT_OPTIONS_MAX,
    SELECT_PLACEHOLDER_MAX,
    THREAD_ARCHIVE_DURATIONS,
    THREAD_NAME_MAX,
    V2_COMPONENTS_MAX,
    EmptyMessage,
    Path,
    check_str,
    text_of,
)


def embed_size(embed: JsonDict) -> int:
    """Characters that count towards the 6000 limit (title, description, fields, footer, author)."""
    total = len(text_of(embed.get("title"))) + len(text_of(embed.get("description")))
    for f in embed.get("fields") or []:
        if isinstance(f, dict):
            total += len(text_of(f.get("name"))) + len(text_of(f.get("value")))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += len(text_of(footer.get("text")))
    author = embed.get("author")
    if isinstance(author, dict):
        total += len(text_of(author.get("name")))
    return total


def check_embeds(errors: ErrorCollector, embeds: Any, path: Path) -> None:
    """Embed limits: per-field lengths, 25 fields, 10 embeds, 6000 characters overall."""
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(embeds) > EMBEDS_MAX:
        errors.max_length(path, EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        epath = (*path, i)
        check_str(errors, embed, "title", epath, high=EMBED_TITLE_MAX)
        check_str(errors, embed, "description", epath, high=EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if isinstance(fields, list):
            if len(fields) > EMBED_FIELDS_MAX:
                errors.max_length((*epath, "fields"), EMBED_FIELDS_MAX)
            for j, fld in enumerate(fields):
                if isinstance(fld, dict):
                    fpath = (*epath, "fields", j)
                    check_str(
                        errors, fld, "name", fpath, low=1, high=EMBED_FIELD_NAME_MAX, required=True
                    )
                    check_str(
                        errors,
                        fld,
                        "value",
                        fpath,
                        low=1,
                        high=EMBED_FIELD_VALUE_MAX,
                        required=True,
                    )
        footer = embed.get("footer")
        if isinstance(footer, dict):
            check_str(errors, footer, "text", (*epath, "footer"), high=EMBED_FOOTER_MAX)
        author = embed.get("author")
        if isinstance(author, dict):
            check_str(errors, author, "name", (*epath, "author"), high=EMBED_AUTHOR_MAX)
        total += embed_size(embed)
    if total > EMBED_TOTAL_MAX:
        errors.add(
            path,
            "BASE_TYPE_MAX_LENGTH",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def _check_button(errors: ErrorCollector, comp: JsonDict, path: Path) -> None:
    style = comp.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.choices((*path, "style"), (1, 2, 3, 4, 5, 6))
    check_str(errors, comp, "label", path, high=BUTTON_LABEL_MAX)
    if style == 5:
        if comp.get("custom_id") is not None:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be set for link buttons",
            )
        check_str(errors, comp, "url", path, high=512, low=1, required=True)
    elif style != 6:
        check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    if style != 6 and not comp.get("label") and not comp.get("emoji"):
        errors.add(
            path,
            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
            "A label or emoji is required for buttons",
        )


def check_select(errors: ErrorCollector, comp: JsonDict, path: Path) -> None:
    check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    check_str(errors, comp, "placeholder", path, high=SELECT_PLACEHOLDER_MAX)
    low = comp.get("min_values", 1)
    high = comp.get("max_values", 1)
    if isinstance(low, int) and not 0 <= low <= SELECT_OPTIONS_MAX:
        errors.add(
            (*path, "min_values"), "NUMBER_TYPE_MAX", "int value should be between 0 and 25."
        )
    if isinstance(high, int) and not 1 <= high <= SELECT_OPTIONS_MAX:
        errors.add(
            (*path, "max_values"), "NUMBER_TYPE_MAX", "int value should be between 1 and 25."
        )
    if comp.get("type") != ComponentType.STRING_SELECT:
        return
    options = comp.get("options")
    if not isinstance(options, list) or not options:
        errors.bad_length((*path, "options"), 1, SELECT_OPTIONS_MAX)
        return
    if len(options) > SELECT_OPTIONS_MAX:
        errors.bad_length((*path, "options"), 1, SELECT_OPTIONS_MAX)
    if isinstance(high, int) and high > len(options):
        errors.add(
            (*path, "max_values"),
            "SELECT_COMPONENT_MAX_VALUES_TOO_LARGE",
            "max_values cannot exceed the number of options",
        )
    seen: set[str] = set()
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            continue
        opath = (*path, "options", i)
        check_str(errors, opt, "label", opath, low=1, high=SELECT_OPTION_TEXT_MAX, required=True)
        check_str(errors, opt, "value", opath, low=1, high=SELECT_OPTION_TEXT_MAX, required=True)
        check_str(errors, opt, "description", opath, high=SELECT_OPTION_TEXT_MAX)
        value = opt.get("value")
        if isinstance(value, str):
            if value in seen:
                errors.add(
                    (*opath, "value"),
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                    "Select option values must be unique",
                )
            seen.add(value)


def check_components(errors: ErrorCollector, components: Any, path: Path, *, flags: int) -> None:
    """Message component limits (classic action rows, or components v2 when flag 1<<15 is set)."""
    if components is None:
        return
    if not isinstance(components, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    v2 = bool(flags & MessageFlags.IS_COMPONENTS_V2)
    if v2:
        if len(iter_components(components)) > V2_COMPONENTS_MAX:
            errors.max_length(path, V2_COMPONENTS_MAX)
    elif len(components) > ACTION_ROWS_MAX:
        errors.max_length(path, ACTION_ROWS_MAX)

    def visit(comp: JsonDict, cpath: Path) -> None:
        kind = comp.get("type")
        if kind == ComponentType.BUTTON:
            _check_button(errors, comp, cpath)
        elif kind in ComponentType.SELECTS:
            check_select(errors, comp, cpath)

    for i, row in enumerate(components):
        if not isinstance(row, dict):
            continue
        rpath = (*path, i)
        kind = row.get("type")
        if not v2 and kind != ComponentType.ACTION_ROW:
            errors.add(
                (*rpath, "type"),
                "COMPONENT_LAYOUT_INVALID",
                "Top-level components must be action rows (set IS_COMPONENTS_V2 for layouts)",
            )
            continue
        if kind == ComponentType.ACTION_ROW:
            children = row.get("components")
            if not isinstance(children, list) or not children:
                errors.bad_length((*rpath, "components"), 1, ROW_WIDTH_MAX)
                continue
            if len(children) > ROW_WIDTH_MAX:
                errors.bad_length((*rpath, "components"), 1, ROW_WIDTH_MAX)
            has_select = any(
                isinstance(c, dict) and c.get("type") in ComponentType.SELECTS for c in children
            )
            if has_select and len(children) > 1:
                errors.add(
                    (*rpath, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            for j, child in enumerate(children):
                if isinstance(child, dict):
                    visit(child, (*rpath, "components", j))
        else:
            for comp in iter_components([row]):
                visit(comp, rpath)

    seen: set[str] = set()
    for comp in iter_components(components):
        cid = comp.get("custom_id")
        if isinstance(cid, str):
            if cid in seen:
                errors.add(
                    path,
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(cid)


def check_allowed_mentions(errors: ErrorCollector, am: Any, path: Path) -> None:
    """allowed_mentions shape: parse types, and parse/list exclusivity."""
    if am is None:
        return
    if not isinstance(am, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    parse = am.get("parse") or []
    for i, kind in enumerate(parse):
        if kind not in ALLOWED_MENTION_TYPES:
            errors.choices((*path, "parse", i), ALLOWED_MENTION_TYPES)
    for kind in ("users", "roles"):
        ids = am.get(kind) or []
        if ids and kind in parse:
            errors.add(
                (*path, "parse"),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        if len(ids) > 100:
            errors.max_length((*path, kind), 100)


def check_message(
    errors: ErrorCollector,
    body: Any,
    path: Path = (),
    *,
    creating: bool,
    file_count: int = 0,
) -> None:
    """Limits of a message body (channel message, webhook, interaction response or edit).

    Raises :class:`EmptyMessage` when a new message would have nothing in it.
    """
    if not isinstance(body, dict):
        errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    flags = body.get("flags") or 0
    flags = flags if isinstance(flags, int) else 0
    content = body.get("content")
    if content is not None:
        if not isinstance(content, str):
            errors.add((*path, "content"), "BASE_TYPE_STRING", "Must be a string.")
        elif len(content) > CONTENT_MAX:
            errors.max_length((*path, "content"), CONTENT_MAX)
    check_embeds(errors, body.get("embeds"), (*path, "embeds"))
    check_components(errors, body.get("components"), (*path, "components"), flags=flags)
    check_allowed_mentions(errors, body.get("allowed_mentions"), (*path, "allowed_mentions"))
    if flags & MessageFlags.IS_COMPONENTS_V2:
        for key in ("content", "embeds"):
            if body.get(key):
                errors.add(
                    (*path, key),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content' and 'embeds' fields cannot be used when using components v2",
                )
    attachments = body.get("attachments") or []
    if isinstance(attachments, list):
        if len(attachments) > 10:
            errors.max_length((*path, "attachments"), 10)
        for i, att in enumerate(attachments):
            if isinstance(att, dict):
                check_str(errors, att, "description", (*path, "attachments", i), high=1024)
    if creating and not errors:
        has_something = (
            (isinstance(content, str) and content.strip())
            or body.get("embeds")
            or body.get("components")
            or body.get("sticker_ids")
            or body.get("poll")
            or file_count
            or attachments
        )
        if not has_something:
            raise EmptyMessage


def check_thread(errors: ErrorCollector, body: Any) -> None:
    """Thread creation: name 1-100, a valid auto-archive duration."""
    if not isinstance(body, dict):
        errors.add((), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    check_str(errors, body, "name", (), low=1, high=THREAD_NAME_MAX, required=True)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in THREAD_ARCHIVE_DURATIONS:
        errors.choices(("auto_archive_duration",), THREAD_ARCHIVE_DURATIONS)


def check_forum_post(errors: ErrorCollector, body: Any, *, file_count: int = 0) -> None:
    """A post in a forum: a thread's fields, its starter ``message`` (required, checked as
    any new message) and at most 5 ``applied_tags``.

    Raises :class:`EmptyMessage` when the starter message would have nothing in it.
    """
    check_thread(errors, body)
    if not isinstance(body, dict):
        return
    tags = body.get("applied_tags")
    if isinstance(tags, list) and len(tags) > FORUM_POST_TAGS_MAX:
        errors.max_length(("applied_tags",), FORUM_POST_TAGS_MAX)
    message = body.get("message")
    if message is None:
        errors.required(("message",))
        return
    check_message(errors, message, ("message",), creating=True, file_count=file_count)
