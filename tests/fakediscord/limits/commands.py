"""Limits on application commands: names, descriptions, options, choices, sizes, counts."""

from __future__ import annotations

import unicodedata
from typing import Any

from ..common import (
    ErrorCollector,
    JsonDict,
    OptionType,
)
from .sizes import (
    COMMAND_CHOICES_MAX,
    COMMAND_DESCRIPTION_MAX,
    COMMAND_NAME_MAX,
    COMMAND_OPTIONS_MAX,
    COMMAND_TOTAL_MAX,
    CONTEXT_MENU_COMMANDS_MAX,
    GLOBAL_CHAT_COMMANDS_MAX,
    STRING_OPTION_MAX,
    Path,
    check_choice,
    check_str,
)


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
        check_str(
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
                        check_choice(errors, choice, (*opath, "choices", j))
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
            check_str(
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


def valid_command_name_char(char: str) -> bool:
    r"""Whether ``char`` matches Discord's ``[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]``."""
    if char in "-_'":
        return True
    if unicodedata.category(char)[0] in "LN":
        return True
    code = ord(char)
    return 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or 0x0E00 <= code <= 0x0E7F
