"""Validation of request (and response) bodies against Discord's OpenAPI 3.1 description.

The spec lives beside the project, not in it (``../shared/discord-api-spec/openapi.json``).
Where it is absent, :func:`load_spec` returns ``None`` with a reason and callers skip this
layer; the documented limits in :mod:`limits` still run.

Known quirks of the spec (its README): snowflakes are typed as strings while discord.py
sends some as integers, and some ``oneOf`` branches overlap once that is allowed. So the
loader rewrites ``SnowflakeType`` to accept non-negative integers too and every ``oneOf``
to ``anyOf``. The spec is 1.2 MB: it is loaded lazily, once per path, and validators are
compiled once per (path, method).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from .common import ErrorCollector, JsonDict

DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "discord-api-spec" / "openapi.json"
)
"""Where the spec sits relative to this repository (``<repo>/../shared/discord-api-spec``)."""


def _rewrite(node: Any) -> Any:
    """Apply the quirk fixes: ``oneOf`` → ``anyOf`` everywhere."""
    if isinstance(node, dict):
        out: JsonDict = {}
        for key, value in node.items():
            out["anyOf" if key == "oneOf" else key] = _rewrite(value)
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


@dataclass(frozen=True)
class SpecProblem:
    """One mismatch between a body and the spec."""

    path: tuple[str | int, ...]
    keyword: str
    message: str


class OpenAPISpec:
    """A loaded spec: finds the operation for a concrete path and validates bodies."""

    def __init__(self, document: JsonDict, source: Path) -> None:
        self.source = source
        self.components: JsonDict = _rewrite(document.get("components", {}))
        schemas = self.components.setdefault("schemas", {})
        schemas["SnowflakeType"] = {
            "anyOf": [
                {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
                {"type": "integer", "minimum": 0},
            ]
        }
        self.paths: JsonDict = document.get("paths", {})
        # Literal segments beat parameters: "/messages/@original" before "/messages/{id}".
        self._routes: list[tuple[re.Pattern[str], str]] = sorted(
            ((_template_regex(t), t) for t in self.paths),
            key=lambda item: item[1].count("{"),
        )
        self._validators: dict[tuple[str, str, str], Any] = {}

    def find_operation(self, method: str, path: str) -> str | None:
        """The spec's path template for a concrete ``path`` (``/channels/1/messages``) or None."""
        for regex, template in self._routes:
            if regex.match(path) and method.lower() in self.paths[template]:
                return template
        return None

    def _validator(self, template: str, method: str, kind: str, status: str = "") -> Any:
        key = (template, method.lower(), f"{kind}:{status}")
        if key in self._validators:
            return self._validators[key]
        operation = self.paths[template][method.lower()]
        schema: Any = None
        if kind == "request":
            content = (operation.get("requestBody") or {}).get("content") or {}
            media = content.get("application/json") or content.get("multipart/form-data")
            schema = (media or {}).get("schema")
        else:
            responses = operation.get("responses") or {}
            response = responses.get(status) or responses.get(f"{status[:1]}XX")
            if isinstance(response, dict) and "$ref" in response:
                name = response["$ref"].rsplit("/", 1)[-1]
                response = self.components.get("responses", {}).get(name)
            content = (response or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
        validator = None
        if schema is not None:
            root = _rewrite(copy.deepcopy(schema))
            if not isinstance(root, dict):
                root = {"allOf": [root]}
            root["components"] = self.components
            validator = jsonschema.Draft202012Validator(root)
        self._validators[key] = validator
        return validator

    def validate_request(self, method: str, path: str, body: Any) -> list[SpecProblem] | None:
        """Problems of a request body, ``[]`` if it conforms, None if the spec has no schema."""
        template = self.find_operation(method, path)
        if template is None:
            return None
        validator = self._validator(template, method, "request")
        if validator is None:
            return None
        return _problems(validator, body)

    def validate_response(
        self, method: str, path: str, status: int, body: Any
    ) -> list[SpecProblem] | None:
        """Problems of a response body (used to check the fake itself), None if no schema."""
        template = self.find_operation(method, path)
        if template is None:
            return None
        validator = self._validator(template, method, "response", str(status))
        if validator is None:
            return None
        return _problems(validator, body)


def _problems(validator: Any, body: Any) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    for error in validator.iter_errors(body):
        best = jsonschema.exceptions.best_match([error])
        problems.append(
            SpecProblem(
                path=tuple(best.absolute_path),
                keyword=str(best.validator),
                message=str(best.message)[:300],
            )
        )
    return problems


def add_problems(errors: ErrorCollector, problems: list[SpecProblem]) -> None:
    """Render spec problems with Discord's error codes where one fits."""
    for problem in problems:
        path: tuple[str | int, ...] = problem.path
        if problem.keyword in ("maxLength", "maxItems"):
            errors.add(path, "BASE_TYPE_MAX_LENGTH", problem.message)
        elif problem.keyword in ("minLength", "minItems"):
            errors.add(path, "BASE_TYPE_MIN_LENGTH", problem.message)
        elif problem.keyword == "required":
            missing = re.match(r"'([^']+)'", problem.message)
            if missing:
                path = (*path, missing.group(1))
            errors.required(path)
        elif problem.keyword == "enum":
            errors.add(path, "BASE_TYPE_CHOICES", problem.message)
        else:
            errors.add(path, "OPENAPI_SCHEMA_MISMATCH", problem.message)


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> OpenAPISpec:
    with path.open("rb") as fh:
        document = json.load(fh)
    return OpenAPISpec(document, path)


def load_spec(path: Path | None = None) -> tuple[OpenAPISpec | None, str]:
    """Load (once per path) the spec; returns ``(spec, "")`` or ``(None, reason)``."""
    target = DEFAULT_SPEC_PATH if path is None else Path(path)
    if not target.is_file():
        return None, f"Discord OpenAPI description not found at {target}"
    return _load(target.resolve()), ""
