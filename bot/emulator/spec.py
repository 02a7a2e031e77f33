"""The Bot API spec as data (telegram-bot-api/api.json): check a request's parameters and types."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("telegram-bot-api") / "api.json"
_MUST_BE = re.compile(r"must be (?:always )?[“\"]?([a-z0-9_]+)")
SCALARS = ("Integer", "String", "Boolean", "Float", "True")


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart request."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Field:
    """One parameter of a method, or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool


class ApiSpec:
    """Methods and types of the Bot API, read from api.json."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods = {name: _fields(entry) for name, entry in data["methods"].items()}
        self.types = {name: _fields(entry) for name, entry in data["types"].items()}
        self.subtypes: dict[str, list[str]] = {
            name: entry["subtypes"] for name, entry in data["types"].items() if "subtypes" in entry
        }
        self.discriminators: dict[str, str] = {}
        for name, entry in data["types"].items():
            for field in entry.get("fields", []):
                if field["name"] == "type" and entry.get("subtype_of"):
                    description = field.get("description", "")
                    if isinstance(description, list):
                        description = " ".join(description)
                    match = _MUST_BE.search(description)
                    if match:
                        self.discriminators[name] = match.group(1)

    def decode(
        self, method: str, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Turn form fields (JSON-encoded when not strings) and uploads into typed values."""
        fields = self.methods.get(method, {})
        values: dict[str, Any] = {}
        for name, value in raw.items():
            field = fields.get(name)
            values[name] = value if field is None else self._decode_value(value, field.types)
        for name, upload in files.items():
            if name in fields and name not in values:
                values[name] = upload
        return values

    def _decode_value(self, value: Any, types: tuple[str, ...]) -> Any:
        if not isinstance(value, str) or types == ("String",):
            return value
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if not self.check_value(decoded, types, "") or "String" not in types:
            return decoded
        return value

    def check_method(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> list[str]:
        """Every way the request breaks the spec: unknown method, missing, unknown or mistyped."""
        fields = self.methods.get(method)
        if fields is None:
            return [f"{method}: no such method in Bot API {self.version}"]
        problems = [
            f"{method}: required parameter {name} is missing"
            for name, field in fields.items()
            if field.required and name not in params
        ]
        for name, value in params.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{method}: unknown parameter {name}")
                continue
            problems.extend(
                f"{method}: {problem}" for problem in self.check_value(value, field.types, name)
            )
        for name in files:
            if name not in params and not self._attached(name, params):
                problems.append(f"{method}: uploaded file {name} is not referred to")
        return problems

    @staticmethod
    def _attached(name: str, params: dict[str, Any]) -> bool:
        return f"attach://{name}" in json.dumps(params, default=str)

    def check_value(self, value: Any, types: tuple[str, ...], path: str) -> list[str]:
        """Problems of a value against any of its allowed types; empty when one type fits."""
        first: list[str] | None = None
        for kind in types:
            problems = self._check_one(value, kind, path)
            if not problems:
                return []
            if first is None:
                first = problems
        return first or [f"{path}: has no type"]

    def _check_one(self, value: Any, kind: str, path: str) -> list[str]:
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {kind}, got {type(value).__name__}"]
            inner = kind.removeprefix("Array of ")
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self.check_value(item, (inner,), f"{path}[{index}]"))
            return problems
        if kind in SCALARS:
            return (
                [] if _is_scalar(value, kind) else [f"{path}: expected {kind}, got {value!r:.60}"]
            )
        if kind == "InputFile":
            return [] if isinstance(value, UploadedFile) else [f"{path}: expected an uploaded file"]
        if kind in self.subtypes:
            return self._check_subtypes(value, kind, path)
        fields = self.types.get(kind)
        if fields is None:
            return [f"{path}: unknown type {kind}"]
        if not isinstance(value, dict):
            return [f"{path}: expected {kind} object, got {type(value).__name__}"]
        return self._check_object(value, kind, fields, path)

    def _check_subtypes(self, value: Any, kind: str, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected {kind} object"]
        for subtype in self.subtypes[kind]:
            expected = self.discriminators.get(subtype)
            if expected is not None and value.get("type") == expected:
                return self._check_one(value, subtype, path)
        for subtype in self.subtypes[kind]:
            if not self._check_one(value, subtype, path):
                return []
        return [f"{path}: matches none of the kinds of {kind}"]

    def _check_object(
        self, value: dict[str, Any], kind: str, fields: dict[str, Field], path: str
    ) -> list[str]:
        problems = [
            f"{path}.{name}: required field of {kind} is missing"
            for name, field in fields.items()
            if field.required and name not in value
        ]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{path}.{name}: unknown field of {kind}")
            else:
                problems.extend(self.check_value(item, field.types, f"{path}.{name}"))
        expected = self.discriminators.get(kind)
        if expected is not None and value.get("type") != expected:
            problems.append(f"{path}.type: must be {expected} for {kind}")
        return problems


def _fields(entry: dict[str, Any]) -> dict[str, Field]:
    return {
        field["name"]: Field(field["name"], tuple(field["types"]), bool(field["required"]))
        for field in entry.get("fields", [])
    }


def _is_scalar(value: Any, kind: str) -> bool:
    if kind == "String":
        return isinstance(value, str)
    if kind == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "True":
        return value is True
    return isinstance(value, bool)


@cache
def load_spec(path: Path = SPEC_PATH) -> ApiSpec:
    """Read the spec shipped with the emulator."""
    return ApiSpec(json.loads(path.read_text(encoding="utf-8")))
