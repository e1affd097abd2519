"""Render a flow's properties as Kestra would at run time, deferring what only a run knows.

The context is Kestra's `RunVariables` for a new execution: `flow` {id, namespace, revision},
`execution` {id, startDate}, `inputs` (defaults, then the supplied values, converted to each
input's type; a FILE input given as a local path becomes its `kestra:///...` URI), `vars` (the
flow's `variables:`, not rendered), `labels`, `envs`, and per task `task` {id, type};
`secret()` reads the store. The flow's `pluginDefaults` are merged into its tasks, triggers and
other typed mappings first, as Kestra's `PluginDefaultService` does. Every string property
of every task, trigger and flow output is rendered, except what Kestra never renders (`id`,
`type`, `description`, child task lists). `vars` keys that `SetVariables`/`UnsetVariables`
tasks change are read at run time too.

Deferral: an expression whose root is only known during a run (`outputs`, `taskrun`,
`trigger`, `parents`, ...) is not an error. A string is first rendered whole (exactly as
Kestra does); if that needs run-time values, each `{{ ... }}` is rendered on its own, so the
known parts are filled in and only the run-time ones stay verbatim. A string with `{% %}`
tags that need run-time values stays verbatim whole. Each rendering is done twice: with real
values (`rendered`) and with `secret()` masked (`display`), which is what may be shown.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import secrets as _random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from .errors import FlowProblem, RenderError
from .flow_validation import (
    MISSING,
    Marks,
    Path,
    child_task_lists,
    core_name,
    format_path,
    lookup_supplied,
    walk_tasks,
)
from .pebble.values import Instant, JavaFloat, JavaInteger

# Roots only a running execution has: never an error in a preview
RUNTIME_ROOTS = frozenset(
    {
        "outputs",
        "taskrun",
        "trigger",
        "parents",
        "parent",
        "tasks",
        "item",
        "workerTaskrun",
        "error",
        "errors",
        "schedule",
        "iteration",
        "globals",
        "kestra",
        "workingDir",
    }
)

# Of those, the ones every run has when its tasks render (a manual run has no `trigger` or
# `schedule`, so there `trigger.date ?? 'manual'` gives 'manual' in Kestra too)
ALWAYS_AT_RUN_TIME = RUNTIME_ROOTS - {"trigger", "schedule"}
# `execution.*` keys that exist only once the execution runs (K26 adds state/endDate/outputs)
RUNTIME_EXECUTION_KEYS = frozenset({"state", "endDate", "outputs", "originalId", "labels"})
# Task properties never rendered by Kestra
_TASK_SKIP = frozenset({"id", "type", "description", "onResume", "pluginDefaults"})
_TRIGGER_SKIP = frozenset({"id", "type", "description"})


class Deferred(NamedTuple):
    """An expression left verbatim: resolved when the flow runs (`root` says from what)."""

    path: str
    expression: str
    root: str


@dataclass(frozen=True)
class RenderProblem:
    """A property that cannot render: where (path, task id, line) and Kestra's message."""

    path: str
    message: str
    task_id: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.task_id is not None:
            kind = "trigger" if self.path.startswith("triggers") else "task"
            where += f" ({kind} {self.task_id}"
            where += f", line {self.line})" if self.line is not None else ")"
        elif self.line is not None:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


@dataclass
class RenderResult:
    """Everything `render_flow` learnt; `rendered` holds real values, `display` masked ones.

    `secret_values` (never shown, not in the repr) are the values of the secrets used and of
    SECRET inputs: what a masker must hide in anything displayed.
    """

    rendered: dict[str, Any] = field(repr=False)
    display: dict[str, Any] = field(repr=False)
    context: dict[str, Any] = field(repr=False)
    secrets_used: list[str] = field(default_factory=list)
    missing_secrets: list[str] = field(default_factory=list)
    envs_used: list[str] = field(default_factory=list)
    inputs_used: list[str] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    errors: list[RenderProblem] = field(default_factory=list)
    warnings: list[FlowProblem] = field(default_factory=list)
    secret_values: list[str] = field(default_factory=list, repr=False)


# --- template segments ----------------------------------------------------------------------


class _Segment(NamedTuple):
    kind: str  # "text", "expression" (rendered on its own), "tag", "comment"
    source: str


# the engine's segment kinds -> how a preview treats them
_KINDS = {"print": "expression", "verbatim": "expression", "raw": "expression"}


def _segments(source: str) -> list[_Segment]:
    """Split a template into text, `{{ }}`, `{% %}` and comment pieces, as the engine lexes it.

    Verbatim and raw blocks count as expressions: rendered alone, they give their content.
    Raises the engine's `PebbleParseError` when the template does not lex.
    """
    from .pebble import template_segments

    return [_Segment(_KINDS.get(seg.kind, seg.kind), seg.text) for seg in template_segments(source)]


# --- values of inputs -----------------------------------------------------------------------


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


def convert_input(kind: str, value: Any, item: Mapping[str, Any] | None = None) -> Any:
    """Convert a raw value (text from a cell option, or YAML) to the input type's value."""
    if value is None:
        return None
    try:
        if kind in ("STRING", "ENUM", "SELECT", "EMAIL", "SECRET", "FILE", "URI"):
            if isinstance(value, Mapping | list):
                raise InputValueError("a string")
            return value if isinstance(value, str) else _scalar_text(value)
        if kind == "INT":
            if isinstance(value, bool):
                raise InputValueError("an integer")
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            number = value if isinstance(value, int) else int(str(value).strip())
            if not -(2**31) <= number < 2**31:
                raise InputValueError("an integer (32 bits)")
            return JavaInteger(number)  # Kestra's INT input is a java.lang.Integer
        if kind == "FLOAT":
            if isinstance(value, bool):
                raise InputValueError("a number")
            real = float(value) if isinstance(value, int | float) else float(str(value).strip())
            return JavaFloat(real)  # Kestra's FLOAT input is a java.lang.Float
        if kind in ("BOOLEAN", "BOOL"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "false"):
                return text == "true"
            raise InputValueError("true or false")
        if kind == "DATETIME":
            if isinstance(value, _dt.datetime) and value.tzinfo is not None:
                return Instant.of(value)
            return _parse_datetime(str(value))
        if kind == "DATE":
            if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
                return value
            return _dt.date.fromisoformat(str(value).strip())
        if kind == "TIME":
            return value if isinstance(value, _dt.time) else _dt.time.fromisoformat(str(value))
        if kind == "DURATION":
            if isinstance(value, _dt.timedelta):
                return value
            return _parse_duration(str(value))
        if kind == "JSON":
            return json.loads(value) if isinstance(value, str) else value
        if kind == "YAML":
            return yaml.safe_load(value) if isinstance(value, str) else value
        if kind in ("ARRAY", "MULTISELECT"):
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
    except InputValueError:
        raise
    except (ValueError, TypeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputValueError(_expected(kind)) from exc
    return value


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
    return InputsResult(values, problems, missing, secret_values, declared, invalid)


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


# --- the context ----------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_execution_id() -> str:
    """A Kestra-like execution id: a random UUID written in base 62 (`IdUtils.create()`)."""
    n = uuid.UUID(bytes=_random.token_bytes(16), version=4).int
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out or "0"


def labels_map(flow: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's labels as Kestra's `labels` variable (list of {key, value} or a map)."""
    raw = flow.get("labels")
    if isinstance(raw, Mapping):
        return {str(k): v for k, v in raw.items()}
    if isinstance(raw, list):
        return {
            str(item.get("key")): item.get("value")
            for item in raw
            if isinstance(item, Mapping) and "key" in item
        }
    return {}


def build_context(
    flow: Mapping[str, Any],
    inputs: Mapping[str, Any],
    envs: Mapping[str, str],
    execution: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Kestra's root variables for a new execution of `flow` (without `task`)."""
    flow_var: dict[str, Any] = {
        "id": str(flow.get("id")),
        "namespace": str(flow.get("namespace")),
        "revision": flow.get("revision", 1),
    }
    if flow.get("tenantId") is not None:
        flow_var["tenantId"] = flow["tenantId"]
    exec_var: dict[str, Any] = {
        "id": new_execution_id(),
        "startDate": Instant.of(_dt.datetime.now(_dt.UTC)),
    }
    if execution:
        exec_var.update(execution)
    variables = flow.get("variables")
    labels: dict[str, Any] = {}
    # Kestra labels every new execution `system.correlationId` = its id; `system.` nests
    for key, value in [*labels_map(flow).items(), ("system.correlationId", exec_var["id"])]:
        if key.startswith("system."):
            system = labels.setdefault("system", {})
            if isinstance(system, dict):
                system[key[len("system.") :]] = value
        else:
            labels[key] = value
    return {
        "flow": flow_var,
        "execution": exec_var,
        "inputs": dict(inputs),
        "vars": dict(variables) if isinstance(variables, Mapping) else {},
        "labels": labels,
        "envs": dict(envs),
    }


# --- used names -----------------------------------------------------------------------------

_SECRET_CALL = re.compile(r"""\bsecret\s*\(\s*(?:key\s*=\s*)?(['"])(.*?)\1""")
_ENVS_REF = re.compile(r"""\benvs\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(['"])(.*?)\2\s*\])""")
_INPUTS_REF = re.compile(r"""\binputs\s*(?:\.\s*([A-Za-z_0-9][\w]*)|\[\s*(['"])(.*?)\2\s*\])""")


def _names(pattern: re.Pattern[str], text: str, groups: tuple[int, ...]) -> list[str]:
    out = []
    for m in pattern.finditer(text):
        for g in groups:
            if m.group(g):
                out.append(m.group(g))
                break
    return out


# --- rendering ------------------------------------------------------------------------------


class _Unit(NamedTuple):
    rendered: str
    display: str


class _Renderer:
    """Walks the flow, renders each string property, records what happened."""

    def __init__(
        self,
        engine: Any,
        context: dict[str, Any],
        marks: Marks,
        result: RenderResult,
        missing_inputs: Iterable[str],
        secret_exists: Callable[[str], bool],
    ) -> None:
        self.engine = engine
        self.context = context
        self.marks = marks
        self.result = result
        # `inputs.a.b` of a missing `a.b` fails on `a` (nothing under `a`) or on `b`
        self.missing_inputs = {
            part for m in missing_inputs for part in (m.split(".")[0], m.split(".")[-1])
        }
        self.runtime_vars: set[str] = set()
        self.in_trigger = False
        self.declared_inputs: list[str] = []
        self.secret_exists = secret_exists
        self._secrets: dict[str, None] = {}
        self._missing: dict[str, None] = {}
        self._envs: dict[str, None] = {}
        self._inputs: dict[str, None] = {}

    # -- classification
    def runtime_root(self, exc: BaseException) -> str | None:
        """The run-time root that made `exc`, or None when it is a real error."""
        from .pebble.exceptions import NotAvailableError, UndefinedError

        if isinstance(exc, UndefinedError):
            root = exc.root
            if root in RUNTIME_ROOTS:
                return root
            if root == "execution" and exc.name in RUNTIME_EXECUTION_KEYS:
                return "execution"
            if root == "inputs" and exc.name in self.missing_inputs:
                return "inputs"
            if root == "vars" and (exc.name in self.runtime_vars or exc.name == "vars"):
                return "vars"  # set while the flow runs (or read whole while it changes)
            if self.in_trigger and root == exc.name and root not in self.trigger_context():
                return root  # a variable the trigger's plugin provides when it evaluates
            return None
        if isinstance(exc, NotAvailableError):
            m = re.search(r"The '(\w+)' function", str(exc))
            return f"{m.group(1)}()" if m else "server function"
        return None

    # -- one template
    def render_string(
        self, text: str, variables: Mapping[str, Any], path: Path, task_id: str | None
    ) -> _Unit:
        if "{" not in text:
            return _Unit(text, text)
        self.note_names(text)
        try:
            return self.render_unit(text, variables)
        except RenderError as exc:
            root = self.runtime_root(exc)
            whole_error = None if root else exc
        try:
            segments = _segments(text)
        except RenderError:  # does not lex: the whole render already said why
            segments = [_Segment("tag", text)]
        if any(s.kind == "tag" for s in segments) or not any(
            s.kind == "expression" for s in segments
        ):
            if root:
                self.defer(path, text, root)
            else:
                assert whole_error is not None
                self.error(path, task_id, whole_error)
            return _Unit(text, text)
        rendered: list[str] = []
        display: list[str] = []
        # the whole string's error carries Kestra's message (positions in the whole string):
        # it stands for the segment failing for the same cause; other causes get their own
        whole_cause = _cause(whole_error) if whole_error is not None else None
        causes: set[str] = set()
        for i, seg in enumerate(segments):
            if seg.kind == "text":
                rendered.append(seg.source)
                display.append(seg.source)
                continue
            if seg.kind == "comment":
                continue
            try:
                unit = self.render_unit(seg.source, variables)
            except RenderError as exc:
                seg_root = self.runtime_root(exc)
                if seg_root:
                    self.defer(path, seg.source, seg_root)
                else:
                    cause = _cause(exc)
                    if cause not in causes:  # one error per cause, with Kestra's message
                        causes.add(cause)
                        same = whole_error is not None and cause == whole_cause
                        self.error(path, task_id, whole_error if same and whole_error else exc)
                rendered.append(seg.source)
                display.append(seg.source)
                continue
            # whitespace control of the segment acts on its neighbours, as in one template
            if seg.source.startswith("{{-") and rendered and i > 0:
                rendered[-1] = rendered[-1].rstrip()
                display[-1] = display[-1].rstrip()
            rendered.append(unit.rendered)
            display.append(unit.display)
            if seg.source.endswith("-}}") and i + 1 < len(segments):
                nxt = segments[i + 1]
                if nxt.kind == "text":
                    segments[i + 1] = _Segment("text", nxt.source.lstrip())
        if whole_error is not None and whole_cause not in causes:
            # no segment alone shows why the whole string fails: still Kestra's error
            self.error(path, task_id, whole_error)
        return _Unit("".join(rendered), "".join(display))

    def render_unit(self, template: str, variables: Mapping[str, Any]) -> _Unit:
        from .pebble.exceptions import SecretNotFoundError, UndefinedError

        root = self.runtime_reference(template, variables)
        if root is not None:
            # `outputs.t.value ?? 'x'` renders here, but not as it will at run time: defer
            raise UndefinedError(f"`{root}` is known at run time only", name=root, root=root)
        try:
            real, used = self.engine.render_with_secrets(template, dict(variables))
        except SecretNotFoundError as exc:
            self._missing.setdefault(str(exc.key).upper(), None)
            raise
        for value in used:  # the values secret() produced: for the masker only
            if isinstance(value, str) and value and value not in self.result.secret_values:
                self.result.secret_values.append(value)
        try:
            shown = self.engine.render(template, dict(variables), masked=True)
        except RenderError:
            # the template needs the real secret (`fromJson(secret('X')).key`): what it gives
            # derives from a secret, so the display keeps the expression itself
            shown = template
        return _Unit(real, shown)

    def runtime_reference(self, template: str, variables: Mapping[str, Any]) -> str | None:
        """The first root `template` reads (even behind `??` or `default`) that every run
        will have but a preview has not: its fallback would show what the run never does."""
        from .pebble import referenced_names

        try:
            chains = referenced_names(template)
        except Exception:  # does not parse: rendering reports it
            return None
        for chain in sorted(chains):
            if chain and chain[0] in ALWAYS_AT_RUN_TIME and chain[0] not in variables:
                return chain[0]
            if chain and chain[0] == "vars" and self.changes_vars(chain):
                return "vars"
        return None

    def changes_vars(self, chain: tuple[str, ...]) -> bool:
        """Whether a `vars...` chain reads what a `SetVariables`/`UnsetVariables` task of the
        flow changes while it runs (then the flow's own value is not what the run reads)."""
        if not self.runtime_vars:
            return False
        return len(chain) == 1 or chain[1] in self.runtime_vars

    def note_names(self, text: str) -> None:
        """Record the secrets, envs and inputs `text` reads (literal names only)."""
        try:
            from .pebble import referenced_names, referenced_secrets

            chains = referenced_names(text)
            secrets = sorted(referenced_secrets(text))
        except Exception:  # a template that does not parse: its error is reported elsewhere
            chains = set()
            secrets = [n.upper() for n in _names(_SECRET_CALL, text, (2,))]
            chains |= {("envs", n) for n in _names(_ENVS_REF, text, (1, 3))}
            chains |= {("inputs", n) for n in _names(_INPUTS_REF, text, (1, 3))}
        for name in secrets:
            if self.secret_exists(name):
                self._secrets.setdefault(name, None)
            else:
                self._missing.setdefault(name, None)
        for chain in sorted(chains):
            if len(chain) < 2:
                continue
            if chain[0] == "envs":
                self._envs.setdefault(chain[1], None)
            elif chain[0] == "inputs":
                self._inputs.setdefault(self.input_id(chain[1:]), None)

    def input_id(self, chain: tuple[str, ...]) -> str:
        """The declared input an `inputs.a.b.c` chain reads (dotted ids nest), else `a`."""
        for n in range(len(chain), 0, -1):
            candidate = ".".join(chain[:n])
            if candidate in self.declared_inputs:
                return candidate
        return chain[0]

    def defer(self, path: Path, expression: str, root: str) -> None:
        self.result.deferred.append(Deferred(format_path(path), expression, root))

    def error(self, path: Path, task_id: str | None, exc: BaseException) -> None:
        line, col = self.marks.at(path)
        self.result.errors.append(RenderProblem(format_path(path), str(exc), task_id, line, col))

    # -- structures
    def render_value(
        self,
        value: Any,
        variables: Mapping[str, Any],
        path: Path,
        task_id: str | None,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[Any, Any]:
        if isinstance(value, str):
            unit = self.render_string(value, variables, path, task_id)
            return unit.rendered, unit.display
        if isinstance(value, Mapping):
            real: dict[Any, Any] = {}
            shown: dict[Any, Any] = {}
            for key, item in value.items():
                if key in skip:
                    real[key] = item
                    shown[key] = item
                    continue
                r_key, d_key = key, key
                if isinstance(key, str) and "{" in key:
                    unit = self.render_string(key, variables, (*path, key), task_id)
                    r_key, d_key = unit.rendered, unit.display
                r, d = self.render_value(item, variables, (*path, key), task_id)
                real[r_key] = r
                shown[d_key] = d
            return real, shown
        if isinstance(value, list):
            pairs = [
                self.render_value(item, variables, (*path, i), task_id)
                for i, item in enumerate(value)
            ]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        return value, value

    def task_skip(self, task: Mapping[str, Any]) -> frozenset[str]:
        keys = set(_TASK_SKIP)
        for rel, _children, _strict in child_task_lists(task):
            keys.add(str(rel[0]))
        if core_name(task.get("type")) == "Dag":
            keys.add("tasks")
        return frozenset(keys)

    def run(self, flow: Mapping[str, Any]) -> None:
        rendered = self.result.rendered
        display = self.result.display
        for path, task in walk_tasks(flow):
            if not isinstance(task, Mapping):
                continue
            task_id = str(task.get("id"))
            variables = dict(self.context)
            variables["task"] = {"id": task.get("id"), "type": task.get("type")}
            skip = self.task_skip(task)
            real, shown = self.render_value(task, variables, path, task_id, skip)
            _replace_at(rendered, path, real, skip)
            _replace_at(display, path, shown, skip)
        triggers = flow.get("triggers")
        if isinstance(triggers, list):
            for i, trigger in enumerate(triggers):
                if not isinstance(trigger, Mapping):
                    continue
                path = ("triggers", i)
                self.in_trigger = True
                try:
                    real, shown = self.render_value(
                        trigger, self.trigger_context(), path, str(trigger.get("id")), _TRIGGER_SKIP
                    )
                finally:
                    self.in_trigger = False
                rendered["triggers"][i] = real
                display["triggers"][i] = shown
        outputs = flow.get("outputs")
        if isinstance(outputs, list):
            for i, out in enumerate(outputs):
                if not isinstance(out, Mapping) or "value" not in out:
                    continue
                path = ("outputs", i, "value")
                real, shown = self.render_value(out["value"], self.context, path, None)
                rendered["outputs"][i]["value"] = real
                display["outputs"][i]["value"] = shown
        self.result.secrets_used = sorted({**self._secrets, **self._missing}, key=str.upper)
        self.result.missing_secrets = sorted(self._missing, key=str.upper)
        self.result.envs_used = sorted(self._envs)
        order = {name: i for i, name in enumerate(self.declared_inputs)}
        self.result.inputs_used = sorted(self._inputs, key=lambda n: (order.get(n, len(order)), n))

    def trigger_context(self) -> dict[str, Any]:
        """A trigger is evaluated before any execution exists: no `execution`, `inputs`, `task`."""
        return {k: v for k, v in self.context.items() if k not in ("execution", "inputs")}


def _replace_at(root: Any, path: Path, value: Any, keep: frozenset[str]) -> None:
    """Put `value` at `path` in `root`, keeping the current entries for `keep` keys (children)."""
    node = root
    for part in path[:-1]:
        node = node[part]
    current = node[path[-1]]
    if isinstance(current, Mapping) and isinstance(value, Mapping):
        merged = dict(value)
        for key in keep:
            if key in current:
                merged[key] = current[key]
        node[path[-1]] = merged
    else:
        node[path[-1]] = value


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# --- plugin defaults ------------------------------------------------------------------------


def _kestra_merge(a: Any, b: Any, b_first: bool = False) -> Any:
    """Kestra's `MapUtils.deepMerge(a, b)`: `b` wins, maps merge, lists are `a` + new of `b`,
    a null in `b` keeps `a`. `b_first` only orders the keys (`b`'s first) for display."""
    if b is None:
        return _deep_copy(a)
    if a is None:
        return _deep_copy(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        order = (
            [*b, *(k for k in a if k not in b)] if b_first else [*a, *(k for k in b if k not in a)]
        )
        return {
            k: _kestra_merge(a.get(k), b.get(k), b_first)
            if k in a and k in b
            else _deep_copy(a[k] if k in a else b[k])
            for k in order
        }
    if isinstance(a, list) and isinstance(b, list):
        return [*_deep_copy(a), *(_deep_copy(x) for x in b if x not in a)]
    return _deep_copy(b)


def apply_plugin_defaults(flow: Mapping[str, Any]) -> dict[str, Any]:
    """The flow with its `pluginDefaults` merged in, as Kestra's `PluginDefaultService` does.

    Every mapping with a `type` (tasks at any depth, triggers, conditions, task runners, ...)
    whose type equals a default's `type` or starts with it (a package prefix) gets the
    default's `values`: the mapping's own values win unless the default is `forced: true`;
    among several matching defaults the first listed wins. Maps merge key by key, lists are
    the default's items then the mapping's new ones. `pluginDefaults` itself stays as written.
    (Kestra's global defaults from its configuration and plugin aliases are not known here.)
    """
    raw = flow.get("pluginDefaults")
    defaults = [
        d
        for d in (raw if isinstance(raw, list) else [])
        if isinstance(d, Mapping)
        and isinstance(d.get("type"), str)
        and isinstance(d.get("values"), Mapping)
    ]
    if not defaults:
        return _deep_copy(flow)
    normal = [d for d in defaults if d.get("forced") is not True]
    forced = [d for d in reversed(defaults) if d.get("forced") is True]

    def matching(group: list[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
        return [d for d in group if kind == d["type"] or kind.startswith(d["type"])]

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            out = {k: walk(v) for k, v in value.items()}
            kind = out.get("type")
            if isinstance(kind, str):
                for d in matching(normal, kind):
                    out = _kestra_merge(d["values"], out, b_first=True)
                for d in matching(forced, kind):
                    out = _kestra_merge(out, d["values"])
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    merged = {k: (_deep_copy(v) if k == "pluginDefaults" else walk(v)) for k, v in flow.items()}
    return merged


def render_flow(
    flow: Mapping[str, Any],
    marks: Marks,
    engine: Any,
    *,
    inputs: Mapping[str, Any] | None,
    envs: Mapping[str, str],
    execution: Mapping[str, Any] | None = None,
    secret_exists: Callable[[str], bool] = lambda _name: False,
) -> RenderResult:
    """Render every string property of every task, trigger and output of a validated flow."""
    execution = dict(execution or {})
    execution.setdefault("id", new_execution_id())
    resolved = resolve_inputs(flow, inputs, str(execution["id"]))
    context = build_context(flow, resolved.values, envs, execution)
    flow = apply_plugin_defaults(flow)
    result = RenderResult(
        rendered=_deep_copy(flow),
        display=_deep_copy(flow),
        context=context,
        secret_values=list(resolved.secret_values),
    )
    for path, message in resolved.problems:
        line, col = marks.at(path)
        result.errors.append(RenderProblem(format_path(path), message, None, line, col))
    for input_id in resolved.missing:
        path = _input_path(flow, input_id)
        line, col = marks.at(path)
        result.warnings.append(
            FlowProblem(
                format_path(path),
                f"required input `{input_id}` has no default and no value: expressions using it"
                " are left for run time",
                line,
                col,
            )
        )
    # inputs without a (valid) value: expressions reading them wait for the run
    unset = [*resolved.missing, *resolved.invalid]
    walker = _Renderer(engine, context, marks, result, unset, secret_exists)
    walker.declared_inputs = list(resolved.declared)
    walker.runtime_vars = _set_variables_keys(flow)
    walker.run(flow)
    return result


def _cause(exc: BaseException) -> str:
    """What an error is about (a name, a secret key), to report each cause once per string."""
    for attr in ("name", "key"):
        value = getattr(exc, attr, None)
        if isinstance(value, str):
            return f"{type(exc).__name__}:{value}"
    # a parse error names the template it failed in (`... ({{ 1 + }}:1)`): not part of the cause
    return f"{type(exc).__name__}:{_TEMPLATE_SUFFIX.sub('', str(exc))}"


_TEMPLATE_SUFFIX = re.compile(r" \((?s:.*):\d+\)$")


def _set_variables_keys(flow: Mapping[str, Any]) -> set[str]:
    """Top keys of `vars` that `SetVariables` / `UnsetVariables` tasks change while it runs."""
    keys: set[str] = set()
    for _path, task in walk_tasks(flow):
        if not isinstance(task, Mapping):
            continue
        kind = core_name(task.get("type"))
        values = task.get("variables")
        if kind not in ("SetVariables", "UnsetVariables"):
            continue
        if isinstance(values, Mapping | list):  # a map to set, a list of names to unset
            keys.update(str(k).split(".")[0] for k in values)
    return keys


def _input_path(flow: Mapping[str, Any], input_id: str) -> Path:
    raw = flow.get("inputs")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(item, Mapping) and str(item.get("id", item.get("name"))) == input_id:
            return ("inputs", i)
    return ("inputs",)


__all__ = [
    "RUNTIME_ROOTS",
    "Deferred",
    "InputValueError",
    "RenderProblem",
    "RenderResult",
    "apply_plugin_defaults",
    "build_context",
    "convert_input",
    "file_input_uri",
    "new_execution_id",
    "render_flow",
    "resolve_inputs",
]
