"""Typed inputs: each input type's conversion, its constraints, and the `inputs` variable.

`INPUT_TYPES` maps each of Kestra's input types (`io.kestra.core.models.flows.Type`, plus the
older `BOOL` alias) to the function converting a raw value (text from a cell option or the
command line, or YAML) to the value Kestra gives expressions: adding an input type is one
entry there (and its constraints, if any, in `check_constraints`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..pebble.values import Instant, JavaFloat, JavaInteger
from ..safeyaml import safe_load
from .source import Path

__all__ = [
    "INPUT_TYPES",
    "MISSING",
    "InputValueError",
    "InputsResult",
    "check_constraints",
    "convert_input",
    "file_input_uri",
    "lookup_supplied",
    "resolve_inputs",
    "slugify",
]

MISSING = object()  # what `lookup_supplied` returns for an input without a value


class InputValueError(ValueError):
    """A supplied or default input value does not fit its type (message names no value).

    The message says what was expected (`an integer`), or, with `full=True`, the whole reason
    in Kestra's words (`Unable to parse array element as `INT` on `s1``).
    """

    def __init__(self, message: str, *, full: bool = False) -> None:
        super().__init__(message)
        self.full = full


_DURATION_RE = re.compile(
    r"([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+(?:[.,]\d{0,9})?)S)?)?",
    re.IGNORECASE,
)


def _parse_duration(text: str) -> _dt.timedelta:
    m = _DURATION_RE.fullmatch(text.strip())
    if not m or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise InputValueError("an ISO-8601 duration such as PT5M")
    sign, days, hours, minutes, seconds = m.groups()
    total = _dt.timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float((seconds or "0").replace(",", ".")),
    )
    return -total if sign == "-" else total


def _parse_datetime(text: str) -> _dt.datetime:
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    value = _dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise InputValueError("an ISO-8601 instant with a zone, such as 2024-01-31T10:00:00Z")
    return Instant.of(value)  # Kestra keeps an Instant: the zone is not kept


def _to_text(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, Mapping | list):
        raise InputValueError("a string")
    return value if isinstance(value, str) else _scalar_text(value)


def _to_int(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, bool):
        raise InputValueError("an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = value if isinstance(value, int) else int(str(value).strip())
    if not -(2**31) <= number < 2**31:
        raise InputValueError("an integer (32 bits)")
    return JavaInteger(number)  # Kestra's INT input is a java.lang.Integer


def _to_float(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, bool):
        raise InputValueError("a number")
    real = float(value) if isinstance(value, int | float) else float(str(value).strip())
    return JavaFloat(real)  # Kestra's FLOAT input is a java.lang.Float


def _to_bool(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise InputValueError("true or false")


def _to_datetime(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return Instant.of(value)
    return _parse_datetime(str(value))


def _to_date(value: Any, item: Mapping[str, Any] | None) -> Any:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    return _dt.date.fromisoformat(str(value).strip())


def _to_time(value: Any, item: Mapping[str, Any] | None) -> Any:
    return value if isinstance(value, _dt.time) else _dt.time.fromisoformat(str(value))


def _to_duration(value: Any, item: Mapping[str, Any] | None) -> Any:
    return value if isinstance(value, _dt.timedelta) else _parse_duration(str(value))


def _to_json(value: Any, item: Mapping[str, Any] | None) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _to_yaml(value: Any, item: Mapping[str, Any] | None) -> Any:
    return safe_load(value) if isinstance(value, str) else value


def _to_list(value: Any, item: Mapping[str, Any] | None) -> Any:
    items = value
    if isinstance(value, str):
        text = value.strip()
        items = (
            json.loads(text)
            if text.startswith("[")
            else [part.strip() for part in text.split(",") if part.strip()]
        )
    if not isinstance(items, list | tuple):
        raise InputValueError("a list")
    item_type = str((item or {}).get("itemType") or "STRING")
    out = []
    for x in items:
        try:
            out.append(convert_input(item_type, x))
        except InputValueError:
            on = "" if item_type == "SECRET" else f" on `{_short(x)}`"
            raise InputValueError(
                f"Unable to parse array element as `{item_type}`{on}", full=True
            ) from None
    return out


Converter = Callable[[Any, "Mapping[str, Any] | None"], Any]

# Every input type Kestra knows (io.kestra.core.models.flows.Type, 1.x, plus the older BOOL
# alias) -> its conversion. Adding an input type is one entry here.
INPUT_TYPES: dict[str, Converter] = {
    "STRING": _to_text,
    "ENUM": _to_text,
    "SELECT": _to_text,
    "INT": _to_int,
    "FLOAT": _to_float,
    "BOOLEAN": _to_bool,
    "BOOL": _to_bool,
    "DATETIME": _to_datetime,
    "DATE": _to_date,
    "TIME": _to_time,
    "DURATION": _to_duration,
    "FILE": _to_text,
    "JSON": _to_json,
    "URI": _to_text,
    "SECRET": _to_text,
    "ARRAY": _to_list,
    "MULTISELECT": _to_list,
    "YAML": _to_yaml,
    "EMAIL": _to_text,
}


def convert_input(kind: str, value: Any, item: Mapping[str, Any] | None = None) -> Any:
    """Convert a raw value (text from a cell option, or YAML) to the input type's value."""
    if value is None:
        return None
    converter = INPUT_TYPES.get(kind)
    if converter is None:
        return value
    try:
        return converter(value, item)
    except InputValueError:
        raise
    except (ValueError, TypeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputValueError(_expected(kind)) from exc


def check_constraints(kind: str, value: Any, item: Mapping[str, Any]) -> str | None:
    """Why a converted value breaks its input's constraints (Kestra's wording), or None."""
    validator = item.get("validator")
    if kind in ("STRING", "SECRET", "EMAIL") and isinstance(validator, str):
        try:
            if isinstance(value, str) and not re.fullmatch(validator, value):
                return f"it must match the pattern `{validator}`"
        except re.error:
            pass  # a Java-only pattern: Kestra checks it, a preview cannot
    if kind in ("ENUM", "SELECT") and not item.get("allowCustomValue"):
        allowed = item.get("values")
        if isinstance(allowed, list) and value not in [str(v) for v in allowed]:
            return f"it must match the values `[{', '.join(str(v) for v in allowed)}]`"
    if kind == "MULTISELECT" and not item.get("allowCustomValue"):
        allowed = item.get("values") or item.get("options")
        if isinstance(allowed, list) and isinstance(value, list):
            bad = [v for v in value if v not in [str(a) for a in allowed]]
            if bad:
                return f"it must match the values `[{', '.join(str(v) for v in allowed)}]`"
    if kind in ("INT", "FLOAT", "DURATION"):
        for key, word in (("min", "more"), ("max", "less")):
            bound = item.get(key)
            if bound is None:
                continue
            try:
                limit = convert_input(kind, bound)
            except InputValueError:
                continue
            if (key == "min" and value < limit) or (key == "max" and value > limit):
                prefix = "It" if kind == "DURATION" else "it"
                return f"{prefix} must be {word} than `{_text(bound)}`"
    if kind in ("DATE", "DATETIME", "TIME"):
        for key in ("after", "before"):
            bound = item.get(key)
            if bound is None:
                continue
            try:
                limit = convert_input(kind, bound)
            except InputValueError:
                continue
            if (key == "after" and value < limit) or (key == "before" and value > limit):
                return f"it must be {key} `{_text(bound)}`"
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _scalar_text(value)


def _expected(kind: str) -> str:
    return {
        "INT": "an integer",
        "FLOAT": "a number",
        "DATETIME": "an ISO-8601 instant such as 2024-01-31T10:00:00Z",
        "DATE": "an ISO-8601 date such as 2024-01-31",
        "TIME": "an ISO-8601 time such as 10:00:00",
        "JSON": "valid JSON",
        "YAML": "valid YAML",
    }.get(kind, f"a {kind} value")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _set_nested(target: dict[str, Any], dotted: str, value: Any) -> None:
    """`nested.more.int` -> target["nested"]["more"]["int"], as Kestra nests dotted input ids."""
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value


@dataclass
class InputsResult:
    """The `inputs` variable, the problems with values, and which ids are missing.

    `values` (SECRET inputs among them) and `secret_values` are never in the repr.
    """

    values: dict[str, Any] = field(repr=False)
    problems: list[tuple[Path, str]]
    missing: list[str]
    secret_values: list[str] = field(repr=False)
    declared: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    secret_ids: list[str] = field(default_factory=list)  # SECRET inputs (and lists of them)


def resolve_inputs(
    flow: Mapping[str, Any],
    supplied: Mapping[str, Any] | None,
    execution_id: str | None = None,
) -> InputsResult:
    """Defaults, then supplied values, each converted to its input's type (Kestra's order).

    A FILE input given as a local path becomes the internal-storage URI Kestra gives the
    uploaded file (`kestra:///<namespace path>/<flow>/executions/<id>/inputs/<input>/<name>`),
    when `execution_id` is known; a value that already has a scheme is kept.
    """
    supplied = supplied or {}
    values: dict[str, Any] = {}
    problems: list[tuple[Path, str]] = []
    missing: list[str] = []
    secret_values: list[str] = []
    declared: list[str] = []
    invalid: list[str] = []
    secret_ids: list[str] = []
    raw = flow.get("inputs")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, Mapping):
            continue
        input_id = item.get("id", item.get("name"))
        if input_id is None:
            continue
        input_id = str(input_id)
        declared.append(input_id)
        kind = str(item.get("type") or "STRING")
        value = lookup_supplied(supplied, input_id)
        source = "value"
        if value is MISSING or value is None:
            value = item.get("defaults")
            source = "default"
        if value is None:
            if item.get("required", True) is False:
                _set_nested(values, input_id, None)
            else:
                missing.append(input_id)
            continue
        where: Path = ("inputs", i, "defaults") if source == "default" else ("inputs", i)
        is_secret = kind == "SECRET" or item.get("itemType") == "SECRET"
        if is_secret:
            secret_ids.append(input_id)
        shown = "" if is_secret else f", but received `{_short(value)}`"
        try:
            converted = convert_input(kind, value, item)
        except InputValueError as exc:
            invalid.append(input_id)
            why = str(exc) if exc.full else f"expected {kind} ({exc})"
            problems.append((where, f"Invalid input for `{input_id}`, {why}{shown}"))
            continue
        reason = check_constraints(kind, converted, item)
        if reason:
            invalid.append(input_id)
            problems.append((where, f"Invalid input for `{input_id}`, {reason}{shown}"))
            continue
        if kind == "FILE" and source == "value" and execution_id is not None:
            converted = file_input_uri(flow, execution_id, input_id, value)
        if kind == "SECRET" and isinstance(converted, str) and converted:
            secret_values.append(converted)
        if is_secret and isinstance(converted, list):
            secret_values.extend(x for x in converted if isinstance(x, str) and x)
        _set_nested(values, input_id, converted)
    return InputsResult(values, problems, missing, secret_values, declared, invalid, secret_ids)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def slugify(text: str) -> str:
    """Kestra's `Slugify.of`: whitespace to `-`, accents and other signs dropped, lower case."""
    import unicodedata

    slug = unicodedata.normalize("NFD", re.sub(r"\s", "-", text))
    slug = re.sub(r"[^A-Za-z0-9_-]", "", slug).replace("_", "-")
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug.lower()


def file_input_uri(flow: Mapping[str, Any], execution_id: str, input_id: str, value: Any) -> Any:
    """The `kestra://` URI of an uploaded FILE input (`StorageContext.forInput`).

    A value with a scheme (`kestra://`, `nsfile://`, `file://`, ...) is kept as it is.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value or _SCHEME.match(value):
        return value
    name = re.split(r"[\\/]", value.rstrip("/\\"))[-1] or value
    namespace = str(flow.get("namespace")).replace(".", "/")
    flow_id = slugify(str(flow.get("id")))
    return f"kestra:///{namespace}/{flow_id}/executions/{execution_id}/inputs/{input_id}/{name}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def lookup_supplied(supplied: Mapping[str, Any], input_id: str) -> Any:
    """A supplied value by id, flat (`a.b`) or nested (`{"a": {"b": ...}}`)."""
    if input_id in supplied:
        return supplied[input_id]
    node: Any = supplied
    for part in input_id.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node
