"""Discord's documented sizes and counts, and the string check every rule uses."""

from __future__ import annotations

from typing import Any

from ..common import (
    ErrorCollector,
    InteractionType,
    JsonDict,
)

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
FORUM_POST_TAGS_MAX = 5  # applied_tags on one forum post
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


def text_of(value: Any) -> str:
    """``value`` if it is a string, else ""."""
    return value if isinstance(value, str) else ""


def check_str(
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


def check_choice(errors: ErrorCollector, choice: JsonDict, path: Path) -> None:
    """Check one choice of an option or an autocomplete answer."""
    check_str(errors, choice, "name", path, low=1, high=CHOICE_NAME_MAX, required=True)
    value = choice.get("value")
    if value is None:
        errors.required((*path, "value"))
    elif isinstance(value, str) and len(value) > CHOICE_STRING_VALUE_MAX:
        errors.max_length((*path, "value"), CHOICE_STRING_VALUE_MAX)
