"""Limits on interaction callbacks: which types are allowed, modals, autocomplete choices."""

from __future__ import annotations

from typing import Any

from ..common import (
    CallbackType,
    ComponentType,
    ErrorCollector,
    JsonDict,
)
from .messages import check_message, check_select
from .sizes import (
    ALLOWED_CALLBACKS,
    AUTOCOMPLETE_CHOICES_MAX,
    CUSTOM_ID_MAX,
    LABEL_DESCRIPTION_MAX,
    MODAL_COMPONENTS_MAX,
    MODAL_TITLE_MAX,
    TEXT_INPUT_LABEL_MAX,
    TEXT_INPUT_PLACEHOLDER_MAX,
    TEXT_INPUT_VALUE_MAX,
    Path,
    check_choice,
    check_str,
)


def check_modal(errors: ErrorCollector, data: Any, path: Path) -> None:
    """Modal limits: title 45, 1-5 components, custom_id 1-100, text inputs and labels."""
    if not isinstance(data, dict):
        errors.required(path)
        return
    check_str(errors, data, "title", path, low=1, high=MODAL_TITLE_MAX, required=True)
    check_str(errors, data, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
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
            check_str(errors, top, "label", tpath, low=1, high=TEXT_INPUT_LABEL_MAX, required=True)
            check_str(errors, top, "description", tpath, high=LABEL_DESCRIPTION_MAX)
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
                check_select(errors, comp, cpath)
            elif not in_label:
                errors.add(
                    (*cpath, "type"),
                    "COMPONENT_TYPE_INVALID",
                    "Action rows in modals hold one text input",
                )


def _check_text_input(
    errors: ErrorCollector, comp: JsonDict, path: Path, *, in_label: bool
) -> None:
    check_str(errors, comp, "custom_id", path, low=1, high=CUSTOM_ID_MAX, required=True)
    if comp.get("style") not in (1, 2):
        errors.choices((*path, "style"), (1, 2))
    check_str(
        errors,
        comp,
        "label",
        path,
        low=1,
        high=TEXT_INPUT_LABEL_MAX,
        required=not in_label,
    )
    check_str(errors, comp, "placeholder", path, high=TEXT_INPUT_PLACEHOLDER_MAX)
    check_str(errors, comp, "value", path, high=TEXT_INPUT_VALUE_MAX)
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
            check_choice(errors, choice, (*path, "choices", i))


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
