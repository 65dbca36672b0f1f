"""Discord's documented limits (see /work/shared/DISCORD.md), checked on every body the bot sends.

These run whether or not the OpenAPI description is available, and win where the two
disagree (the spec allows 4000-character content, the docs 2000). Each check appends to an
:class:`ErrorCollector` so a violation becomes Discord's 400 ``Invalid Form Body``.
"""

from __future__ import annotations

from typing import Any

from .common import (
    CallbackType,
    ComponentType,
    ErrorCollector,
    InteractionType,
    JsonDict,
    MessageFlags,
    OptionType,
)
from .models import iter_components, valid_command_name_char

Path = tuple[str | int, ...]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_WIDTH_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
V2_COMPONENTS_MAX = 40
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
COMMAND_TOTAL_MAX = 8000
GLOBAL_CHAT_COMMANDS_MAX = 100
CONTEXT_MENU_COMMANDS_MAX = 5
AUTOCOMPLETE_CHOICES_MAX = 25
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000
LABEL_DESCRIPTION_MAX = 100
THREAD_NAME_MAX = 100
UPLOAD_MAX = 10 * 1024 * 1024  # bytes of files per request where no larger limit applies
STRING_OPTION_MAX = 6000  # a string option's value; also the largest min/max_length
THREAD_ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
ALLOWED_MENTION_TYPES = ("roles", "users", "everyone")

ALLOWED_CALLBACKS: dict[int, tuple[int, ...]] = {
    InteractionType.APPLICATION_COMMAND: (4, 5, 9, 12),
    InteractionType.MESSAGE_COMPONENT: (4, 5, 6, 7, 9, 12),
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: (8,),
    InteractionType.MODAL_SUBMIT: (4, 5, 6, 7),
    InteractionType.PING: (1,),
}
"""Callback types Discord accepts for each interaction type."""


class EmptyMessage(Exception):
    """The body would create a message with nothing in it (Discord's 50006)."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _check_str(
    errors: ErrorCollector,
    obj: JsonDict,
    key: str,
    path: Path,
    *,
    high: int,
    low: int = 0,
    required: bool = False,
) -> None:
    """Check a string field's presence and length."""
    value = obj.get(key)
    if value is None:
        if required:
            errors.required((*path, key))
        return
    if not isinstance(value, str):
        errors.add((*path, key), "BASE_TYPE_STRING", "Must be a string.")
        return
    if low > 0 and len(value) < low:
        errors.bad_length((*path, key), low, high)
    elif len(value) > high:
        if low > 0:
            errors.bad_length((*path, key), low, high)
        else:
            errors.max_length((*path, key), high)


def embed_size(embed: JsonDict) -> int:
    """Characters that count towards the 6000 limit (title, description, fields, footer, author)."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    for f in embed.get("fields") or []:
        if isinstance(f, dict):
            total += len(_text(f.get("name"))) + len(_text(f.get("value")))
    footer = embed.get("footer")
    if isinstance(footer, dict):
        total += len(_text(footer.get("text")))
    author = embed.get("author")
    if isinstance(author, dict):
        total += len(_text(author.get("name")))
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
        _check_str(errors, embed, "title", epath, high=EMBED_TITLE_MAX)
        _check_str(errors, embed, "description", epath, high=EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        if isinstance(fields, list):
            if len(fields) > EMBED_FIELDS_MAX:
                errors.max_length((*epath, "fields"), EMBED_FIELDS_MAX)
            for j, fld in enumerate(fields):
                if isinstance(fld, dict):
                    fpath = (*epath, "fields", j)
                    _check_str(
                        errors, fld, "name", fpath, low=1, high=EMBED_FIELD_NAME_MAX, required=True
                    )
                    _check_str(
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
            _check_str(errors, footer, "text", (*epath, "footer"), high=EMBED_FOOTER_MAX)
        author = embed.get("author")
        if isinstance(author, dict):
            _check_str(errors, author, "name", (*epath, "author"), high=EMBED_AUTHOR_MAX)
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
    _check_str(errors, comp, "label", path, high=BUTTON_LABEL_MAX)
    if style == 5:
        if comp.get("custom_id") is not None:
            errors.add(
                (*path, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be set for link buttons",
            )
        _check_str(errors, comp, "url", path, high=512, low=1, required=True)
    elif style != 6:
        _check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    if style != 6 and not comp.get("label") and not comp.get("emoji"):
        errors.add(
            path,
            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
            "A label or emoji is required for buttons",
        )


def _check_select(errors: ErrorCollector, comp: JsonDict, path: Path) -> None:
    _check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    _check_str(errors, comp, "placeholder", path, high=SELECT_PLACEHOLDER_MAX)
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
        _check_str(errors, opt, "label", opath, low=1, high=SELECT_OPTION_TEXT_MAX, required=True)
        _check_str(errors, opt, "value", opath, low=1, high=SELECT_OPTION_TEXT_MAX, required=True)
        _check_str(errors, opt, "description", opath, high=SELECT_OPTION_TEXT_MAX)
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
            _check_select(errors, comp, cpath)

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
                _check_str(errors, att, "description", (*path, "attachments", i), high=1024)
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
    _check_str(errors, body, "name", (), low=1, high=THREAD_NAME_MAX, required=True)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in THREAD_ARCHIVE_DURATIONS:
        errors.choices(("auto_archive_duration",), THREAD_ARCHIVE_DURATIONS)


def check_modal(errors: ErrorCollector, data: Any, path: Path) -> None:
    """Modal limits: title 45, 1-5 components, custom_id 1-100, text inputs and labels."""
    if not isinstance(data, dict):
        errors.required(path)
        return
    _check_str(errors, data, "title", path, low=1, high=MODAL_TITLE_MAX, required=True)
    _check_str(errors, data, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    comps = data.get("components")
    if not isinstance(comps, list) or not 1 <= len(comps) <= MODAL_COMPONENTS_MAX:
        errors.bad_length((*path, "components"), 1, MODAL_COMPONENTS_MAX)
        comps = comps if isinstance(comps, list) else []
    seen: set[str] = set()
    for i, top in enumerate(comps):
        if not isinstance(top, dict):
            continue
        tpath = (*path, "components", i)
        kind = top.get("type")
        inner: list[tuple[JsonDict, Path, bool]] = []
        if kind == ComponentType.ACTION_ROW:
            children = top.get("components")
            if not isinstance(children, list) or len(children) != 1:
                errors.bad_length((*tpath, "components"), 1, 1)
                continue
            if isinstance(children[0], dict):
                inner.append((children[0], (*tpath, "components", 0), False))
        elif kind == ComponentType.LABEL:
            _check_str(errors, top, "label", tpath, low=1, high=TEXT_INPUT_LABEL_MAX, required=True)
            _check_str(errors, top, "description", tpath, high=LABEL_DESCRIPTION_MAX)
            child = top.get("component")
            if not isinstance(child, dict):
                errors.required((*tpath, "component"))
                continue
            inner.append((child, (*tpath, "component"), True))
        elif kind == ComponentType.TEXT_DISPLAY:
            continue
        else:
            errors.add(
                (*tpath, "type"),
                "COMPONENT_TYPE_INVALID",
                "Modals accept action rows, labels and text displays",
            )
            continue
        for comp, cpath, in_label in inner:
            cid = comp.get("custom_id")
            if isinstance(cid, str):
                if cid in seen:
                    errors.add(cpath, "COMPONENT_CUSTOM_ID_DUPLICATED", "Duplicate custom id")
                seen.add(cid)
            if comp.get("type") == ComponentType.TEXT_INPUT:
                _check_text_input(errors, comp, cpath, in_label=in_label)
            elif comp.get("type") in ComponentType.SELECTS and in_label:
                _check_select(errors, comp, cpath)
            elif not in_label:
                errors.add(
                    (*cpath, "type"),
                    "COMPONENT_TYPE_INVALID",
                    "Action rows in modals hold one text input",
                )


def _check_text_input(
    errors: ErrorCollector, comp: JsonDict, path: Path, *, in_label: bool
) -> None:
    _check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    if comp.get("style") not in (1, 2):
        errors.choices((*path, "style"), (1, 2))
    _check_str(
        errors,
        comp,
        "label",
        path,
        low=1,
        high=TEXT_INPUT_LABEL_MAX,
        required=not in_label,
    )
    _check_str(errors, comp, "placeholder", path, high=TEXT_INPUT_PLACEHOLDER_MAX)
    _check_str(errors, comp, "value", path, high=TEXT_INPUT_VALUE_MAX)
    low = comp.get("min_length")
    high = comp.get("max_length")
    if low is not None and not (isinstance(low, int) and 0 <= low <= TEXT_INPUT_VALUE_MAX):
        errors.add(
            (*path, "min_length"), "NUMBER_TYPE_MAX", "int value should be between 0 and 4000."
        )
    if high is not None and not (isinstance(high, int) and 1 <= high <= TEXT_INPUT_VALUE_MAX):
        errors.add(
            (*path, "max_length"), "NUMBER_TYPE_MAX", "int value should be between 1 and 4000."
        )


def check_autocomplete(errors: ErrorCollector, data: Any, path: Path) -> None:
    """Autocomplete result: at most 25 choices, names 1-100, string values up to 100."""
    if not isinstance(data, dict):
        errors.required(path)
        return
    choices = data.get("choices")
    if not isinstance(choices, list):
        errors.required((*path, "choices"))
        return
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        errors.max_length((*path, "choices"), AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        if isinstance(choice, dict):
            _check_choice(errors, choice, (*path, "choices", i))


def _check_choice(errors: ErrorCollector, choice: JsonDict, path: Path) -> None:
    _check_str(errors, choice, "name", path, low=1, high=CHOICE_NAME_MAX, required=True)
    value = choice.get("value")
    if value is None:
        errors.required((*path, "value"))
    elif isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
        errors.max_length((*path, "value"), CHOICE_STRING_VALUE_MAX)


def check_callback(
    errors: ErrorCollector, body: Any, interaction_type: int, file_count: int
) -> None:
    """An interaction callback: allowed type for the interaction, then the type's data."""
    if not isinstance(body, dict):
        errors.add((), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    kind = body.get("type")
    allowed = ALLOWED_CALLBACKS.get(interaction_type, ())
    if kind not in allowed:
        errors.choices(("type",), allowed)
        return
    data = body.get("data")
    if kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
        check_message(errors, data or {}, ("data",), creating=True, file_count=file_count)
    elif kind == CallbackType.UPDATE_MESSAGE:
        check_message(errors, data or {}, ("data",), creating=False)
    elif kind == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
        check_autocomplete(errors, data, ("data",))
    elif kind == CallbackType.MODAL:
        check_modal(errors, data, ("data",))


def _name_ok(name: Any, *, chat_input: bool) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME_MAX:
        return False
    if not chat_input:
        return True
    return all(valid_command_name_char(c) for c in name) and name == name.lower()


def _longest(value: Any, localizations: Any) -> int:
    lengths = [len(value) if isinstance(value, str) else len(str(value or ""))]
    if isinstance(localizations, dict):
        lengths += [len(v) for v in localizations.values() if isinstance(v, str)]
    return max(lengths)


def command_size(command: JsonDict) -> int:
    """Characters counted towards the 8000 limit: names, descriptions, choice names and values.

    Only the longest localization of each field counts, as Discord documents.
    """

    def options_size(options: Any) -> int:
        total = 0
        for opt in options or []:
            if not isinstance(opt, dict):
                continue
            total += _longest(opt.get("name"), opt.get("name_localizations"))
            total += _longest(opt.get("description"), opt.get("description_localizations"))
            for choice in opt.get("choices") or []:
                if isinstance(choice, dict):
                    total += _longest(choice.get("name"), choice.get("name_localizations"))
                    total += len(str(choice.get("value", "")))
            total += options_size(opt.get("options"))
        return total

    return (
        _longest(command.get("name"), command.get("name_localizations"))
        + _longest(command.get("description"), command.get("description_localizations"))
        + options_size(command.get("options"))
    )


def _check_options(errors: ErrorCollector, options: Any, path: Path, depth: int) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(options) > COMMAND_OPTIONS_MAX:
        errors.max_length(path, COMMAND_OPTIONS_MAX)
    names: set[str] = set()
    seen_optional = False
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            continue
        opath = (*path, i)
        kind = opt.get("type")
        if kind not in range(1, 12):
            errors.choices((*opath, "type"), range(1, 12))
            continue
        name = opt.get("name")
        if not _name_ok(name, chat_input=True):
            errors.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
        elif name in names:
            errors.add(
                (*opath, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        else:
            names.add(str(name))
        _check_str(
            errors, opt, "description", opath, low=1, high=COMMAND_DESCRIPTION_MAX, required=True
        )
        for loc_key, loc_val in (opt.get("name_localizations") or {}).items():
            if not _name_ok(loc_val, chat_input=True):
                errors.add(
                    (*opath, "name_localizations", loc_key),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    "Command name is invalid",
                )
        for loc_key, loc_val in (opt.get("description_localizations") or {}).items():
            if not isinstance(loc_val, str) or not 1 <= len(loc_val) <= COMMAND_DESCRIPTION_MAX:
                errors.bad_length(
                    (*opath, "description_localizations", loc_key), 1, COMMAND_DESCRIPTION_MAX
                )
        if kind in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            if depth >= 2 or (kind == OptionType.SUB_COMMAND_GROUP and depth >= 1):
                errors.add(
                    (*opath, "type"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups can only be nested once",
                )
            children = opt.get("options") or []
            if kind == OptionType.SUB_COMMAND_GROUP and any(
                isinstance(c, dict) and c.get("type") != OptionType.SUB_COMMAND for c in children
            ):
                errors.add(
                    (*opath, "options"),
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Sub-command groups may only contain sub-commands",
                )
            _check_options(errors, children, (*opath, "options"), depth + 1)
            continue
        required = bool(opt.get("required"))
        if required and seen_optional:
            errors.add(
                (*opath, "required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not required
        choices = opt.get("choices")
        if choices is not None:
            if not isinstance(choices, list):
                errors.add((*opath, "choices"), "BASE_TYPE_ARRAY", "Must be an array.")
            else:
                if len(choices) > COMMAND_CHOICES_MAX:
                    errors.max_length((*opath, "choices"), COMMAND_CHOICES_MAX)
                if choices and opt.get("autocomplete"):
                    errors.add(
                        (*opath, "autocomplete"),
                        "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_EXCLUSIVE",
                        "Autocomplete cannot be set with choices",
                    )
                for j, choice in enumerate(choices):
                    if isinstance(choice, dict):
                        _check_choice(errors, choice, (*opath, "choices", j))
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = opt.get(key)
            if value is not None and not (
                isinstance(value, int) and low <= value <= STRING_OPTION_MAX
            ):
                errors.add(
                    (*opath, key),
                    "NUMBER_TYPE_MAX",
                    f"int value should be between {low} and {STRING_OPTION_MAX}.",
                )


def check_commands(errors: ErrorCollector, body: Any) -> int | None:
    """Bulk-overwrite payload. Returns 30032 when there are too many commands, else None."""
    if not isinstance(body, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return None
    counts = {1: 0, 2: 0, 3: 0, 4: 0}
    keys: set[tuple[str, int]] = set()
    for i, cmd in enumerate(body):
        if not isinstance(cmd, dict):
            errors.add((i,), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = cmd.get("type", 1)
        if kind not in counts:
            errors.choices((i, "type"), (1, 2, 3, 4))
            continue
        counts[kind] += 1
        chat_input = kind == 1
        name = cmd.get("name")
        if not _name_ok(name, chat_input=chat_input):
            errors.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        elif (name, kind) in keys:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        else:
            keys.add((str(name), kind))
        for loc_key, loc_val in (cmd.get("name_localizations") or {}).items():
            if not _name_ok(loc_val, chat_input=chat_input):
                errors.add(
                    (i, "name_localizations", loc_key),
                    "APPLICATION_COMMAND_INVALID_NAME",
                    "Command name is invalid",
                )
        if chat_input:
            _check_str(
                errors, cmd, "description", (i,), low=1, high=COMMAND_DESCRIPTION_MAX, required=True
            )
            for loc_key, loc_val in (cmd.get("description_localizations") or {}).items():
                if not isinstance(loc_val, str) or not 1 <= len(loc_val) <= COMMAND_DESCRIPTION_MAX:
                    errors.bad_length(
                        (i, "description_localizations", loc_key), 1, COMMAND_DESCRIPTION_MAX
                    )
            _check_options(errors, cmd.get("options"), (i, "options"), 0)
            if command_size(cmd) > COMMAND_TOTAL_MAX:
                errors.add(
                    (i,),
                    "APPLICATION_COMMAND_TOO_LARGE",
                    f"Command exceeds maximum size ({COMMAND_TOTAL_MAX})",
                )
        else:
            if cmd.get("description"):
                errors.add(
                    (i, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have a description",
                )
            if cmd.get("options"):
                errors.add(
                    (i, "options"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
                    "Context menu commands cannot have options",
                )
    if counts[1] > GLOBAL_CHAT_COMMANDS_MAX or any(
        counts[k] > CONTEXT_MENU_COMMANDS_MAX for k in (2, 3)
    ):
        return 30032
    return None
