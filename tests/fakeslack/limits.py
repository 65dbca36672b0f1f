"""What Slack refuses in Block Kit: the documented limits, checked on every payload.

Each check returns problems as ``path: what`` strings; Slack answers ``invalid_blocks``
(messages) or ``invalid_arguments`` (views) when there is any. Limits from Slack's Block
Kit reference (blocks, elements, composition objects, surfaces).
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCKS, MODAL_BLOCKS = 50, 100
SECTION_TEXT, SECTION_FIELDS, SECTION_FIELD_TEXT = 3000, 10, 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT, BUTTON_VALUE, BUTTON_URL = 75, 2000, 3000
ACTION_ID = BLOCK_ID = CALLBACK_ID = 255
SELECT_OPTIONS, OPTION_TEXT, OPTION_VALUE = 100, 75, 150
PLACEHOLDER = 150
MODAL_TITLE = MODAL_BUTTON = 24
PRIVATE_METADATA = 3000
INPUT_LABEL, INPUT_HINT = 2000, 2000
TEXT_INPUT_MAX = 3000
CONFIRM_TITLE, CONFIRM_TEXT, CONFIRM_BUTTON = 100, 300, 30
MESSAGE_TEXT = 40000

Problems = list[str]


def check_message(blocks: Any, text: Any) -> Problems:
    """A message's blocks (at most 50) and its text fallback."""
    problems: Problems = []
    if text is not None and (not isinstance(text, str) or len(text) > MESSAGE_TEXT):
        problems.append(f"text: at most {MESSAGE_TEXT} characters")
    if blocks is None:
        if not text:
            problems.append("text or blocks: a message needs one")
        return problems
    return problems + _blocks(blocks, MESSAGE_BLOCKS, "blocks", modal=False)


def check_view(view: Any) -> Problems:
    """A modal: title, buttons, callback id, metadata and at most 100 blocks."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["view: must be an object of type modal"]
    problems = _plain(view.get("title"), MODAL_TITLE, "view.title", required=True)
    for key in ("submit", "close"):
        if key in view:
            problems += _plain(view[key], MODAL_BUTTON, f"view.{key}", required=True)
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID:
        problems.append(f"view.callback_id: at most {CALLBACK_ID} characters")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"view.private_metadata: at most {PRIVATE_METADATA} characters")
    blocks = view.get("blocks")
    if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks or []) and (
        "submit" not in view
    ):
        problems.append("view.submit: a modal with inputs needs a submit button")
    return problems + _blocks(blocks, MODAL_BLOCKS, "view.blocks", modal=True)


def check_options(options: Any) -> Problems:
    """An options-load answer (external select): at most 100 options."""
    if not isinstance(options, list):
        return ["options: must be a list"]
    problems = [f"options: at most {SELECT_OPTIONS}"] if len(options) > SELECT_OPTIONS else []
    for index, option in enumerate(options):
        problems += _option(option, f"options[{index}]")
    return problems


def _blocks(blocks: Any, limit: int, path: str, *, modal: bool) -> Problems:
    if not isinstance(blocks, list):
        return [f"{path}: must be a list"]
    problems = [f"{path}: at most {limit} blocks, got {len(blocks)}"] if len(blocks) > limit else []
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{path}[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{where}: must be an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > BLOCK_ID:
                problems.append(f"{where}.block_id: at most {BLOCK_ID} characters")
            if block_id in seen:
                problems.append(f"{where}.block_id: repeated ({block_id})")
            seen.add(str(block_id))
        problems += _block(block, where, modal=modal)
    return problems


def _block(block: dict[str, Any], where: str, *, modal: bool) -> Problems:
    kind = block.get("type")
    if kind == "header":
        return _plain(block.get("text"), HEADER_TEXT, f"{where}.text", required=True)
    if kind == "section":
        problems: Problems = []
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in block:
            problems += _text(block["text"], SECTION_TEXT, f"{where}.text")
        fields = block.get("fields", [])
        if len(fields) > SECTION_FIELDS:
            problems.append(f"{where}.fields: at most {SECTION_FIELDS}")
        for index, item in enumerate(fields):
            problems += _text(item, SECTION_FIELD_TEXT, f"{where}.fields[{index}]")
        if "accessory" in block:
            problems += _element(block["accessory"], f"{where}.accessory")
        return problems
    if kind == "context":
        elements = block.get("elements") or []
        problems = [] if 0 < len(elements) <= CONTEXT_ELEMENTS else [f"{where}.elements: 1-10"]
        for index, item in enumerate(elements):
            problems += _text(item, SECTION_TEXT, f"{where}.elements[{index}]")
        return problems
    if kind == "actions":
        elements = block.get("elements") or []
        problems = [] if 0 < len(elements) <= ACTIONS_ELEMENTS else [f"{where}.elements: 1-25"]
        ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        if len(ids) != len(set(ids)):
            problems.append(f"{where}.elements: action_ids must differ within a block")
        for index, item in enumerate(elements):
            problems += _element(item, f"{where}.elements[{index}]")
        return problems
    if kind == "divider":
        return []
    if kind == "input" and modal:
        problems = _plain(block.get("label"), INPUT_LABEL, f"{where}.label", required=True)
        if "hint" in block:
            problems += _plain(block["hint"], INPUT_HINT, f"{where}.hint", required=True)
        return problems + _element(block.get("element"), f"{where}.element")
    return [f"{where}: unsupported block type {kind!r}{'' if modal else ' in a message'}"]


def _element(element: Any, where: str) -> Problems:
    if not isinstance(element, dict):
        return [f"{where}: must be an object"]
    problems: Problems = []
    if len(str(element.get("action_id", ""))) > ACTION_ID:
        problems.append(f"{where}.action_id: at most {ACTION_ID} characters")
    if "placeholder" in element:
        problems += _plain(element["placeholder"], PLACEHOLDER, f"{where}.placeholder")
    if "confirm" in element:
        problems += _confirm(element["confirm"], f"{where}.confirm")
    kind = element.get("type")
    if kind == "button":
        problems += _plain(element.get("text"), BUTTON_TEXT, f"{where}.text", required=True)
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            problems.append(f"{where}.value: at most {BUTTON_VALUE} characters")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: primary or danger")
    elif kind == "static_select":
        options = element.get("options") or []
        if not 0 < len(options) <= SELECT_OPTIONS:
            problems.append(f"{where}.options: 1-{SELECT_OPTIONS}")
        for index, option in enumerate(options):
            problems += _option(option, f"{where}.options[{index}]")
    elif kind == "external_select":
        if int(element.get("min_query_length", 3)) < 0:
            problems.append(f"{where}.min_query_length: not negative")
    elif kind == "plain_text_input":
        if int(element.get("max_length", TEXT_INPUT_MAX)) > TEXT_INPUT_MAX:
            problems.append(f"{where}.max_length: at most {TEXT_INPUT_MAX}")
        if len(str(element.get("initial_value", ""))) > TEXT_INPUT_MAX:
            problems.append(f"{where}.initial_value: at most {TEXT_INPUT_MAX} characters")
    else:
        problems.append(f"{where}: unsupported element type {kind!r}")
    return problems


def _option(option: Any, where: str) -> Problems:
    if not isinstance(option, dict):
        return [f"{where}: must be an object"]
    problems = _plain(option.get("text"), OPTION_TEXT, f"{where}.text", required=True)
    if not 0 < len(str(option.get("value", ""))) <= OPTION_VALUE:
        problems.append(f"{where}.value: 1-{OPTION_VALUE} characters")
    return problems


def _confirm(confirm: Any, where: str) -> Problems:
    if not isinstance(confirm, dict):
        return [f"{where}: must be an object"]
    problems = _plain(confirm.get("title"), CONFIRM_TITLE, f"{where}.title", required=True)
    problems += _text(confirm.get("text"), CONFIRM_TEXT, f"{where}.text")
    for key in ("confirm", "deny"):
        problems += _plain(confirm.get(key), CONFIRM_BUTTON, f"{where}.{key}", required=True)
    return problems


def _plain(obj: Any, limit: int, where: str, *, required: bool = False) -> Problems:
    if obj is None:
        return [f"{where}: required"] if required else []
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"{where}: must be a plain_text object"]
    return _length(obj.get("text"), limit, where)


def _text(obj: Any, limit: int, where: str) -> Problems:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: must be a text object (plain_text or mrkdwn)"]
    return _length(obj.get("text"), limit, where)


def _length(text: Any, limit: int, where: str) -> Problems:
    if not isinstance(text, str) or not text:
        return [f"{where}: text must be a non-empty string"]
    return [f"{where}: at most {limit} characters, got {len(text)}"] if len(text) > limit else []
