"""Check a flow's core and script plugins against Kestra's own property index, offline.

The index (`kestra_nb/data/kestra_properties.json`) is generated from Kestra's Java sources by
`tools/gen_property_index.py`: every concrete plugin of `io.kestra.plugin.core.*`,
`io.kestra.plugin.scripts.*` and the deprecated `io.kestra.core.tasks.*` classes, with the
properties Kestra's Jackson mapper accepts (inherited ones included), which are required, the
YAML shape each takes, deprecations, `@Plugin` aliases and what Kestra 2.0-dev removed or added.

- `check_task(mapping, path, kind)` gives `PropertyProblem` records for one task, trigger,
  condition or task runner: unknown type or property (with "did you mean"), missing required
  property, value of the wrong shape, deprecated or version-specific type or property.
- `is_covered(type)` says whether the index describes a type's package at all; a plugin
  outside it (any other plugin jar) is "not checked", never reported.
- `walk_plugins(flow)` yields every task, trigger, condition and task runner of a flow, nested
  ones included (the index says which properties hold them), as `(path, kind, mapping)`.

Core layer: plain Python, no IPython or widgets. Nothing here raises on odd input or warns
through `warnings`: problems are returned.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

__all__ = [
    "PropertyProblem",
    "check_flow_keys",
    "check_plugin_defaults",
    "check_task",
    "index_sources",
    "is_covered",
    "load_index",
    "nested_plugin_properties",
    "plugin_defaults",
    "plugin_kind",
    "resolve_type",
    "type_properties",
    "walk_plugin_paths",
    "walk_plugins",
]

Severity = Literal["error", "warning"]
Parts = tuple[str | int, ...]
PLUGIN_KINDS = ("task", "trigger", "condition", "runner")
# Flow-level keys holding lists of tasks (Flow / FlowInterface), and of triggers.
_FLOW_TASK_KEYS = ("tasks", "errors", "finally", "afterExecution")
_ISO_DURATION = re.compile(
    r"^[-+]?P(?:[-+]?\d+(?:[.,]\d+)?D)?(?:T(?:[-+]?\d+(?:[.,]\d+)?H)?(?:[-+]?\d+(?:[.,]\d+)?M)?"
    r"(?:[-+]?\d+(?:[.,]\d+)?S)?)?$",
    re.IGNORECASE,
)
_INTEGER = re.compile(r"^\s*[-+]?\d+\s*$")
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


@dataclass(frozen=True)
class PropertyProblem:
    """One finding about a plugin's properties: where, what, how bad, and which key."""

    path: str
    message: str
    severity: Severity
    key: str | None = None
    #: where, relative to the plugin checked (`("beforeCommands", 1)`), for line lookups
    rel: Parts = field(default=(), compare=False)


@functools.cache
def load_index() -> Mapping[str, Any]:
    """The bundled property index, read once."""
    text = resources.files("kestra_nb.data").joinpath("kestra_properties.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def index_sources() -> dict[str, dict[str, str]]:
    """The source trees (repository, commit, version) the index was generated from."""
    return dict(load_index()["sources"])


@functools.cache
def _covered_packages() -> frozenset[str]:
    index = load_index()
    names = list(index["types"]) + list(index["aliases"])
    return frozenset(name.rsplit(".", 1)[0] for name in names)


def is_covered(type_name: object) -> bool:
    """Whether the index can judge `type_name`: an indexed type or alias, or a type in a
    package the index describes. Nested-class names (`Outer$Inner`) are never core plugins."""
    if not isinstance(type_name, str) or "." not in type_name:
        return False
    index = load_index()
    if type_name in index["types"] or type_name in index["aliases"]:
        return True
    return "$" not in type_name and type_name.rsplit(".", 1)[0] in _covered_packages()


def resolve_type(type_name: str) -> str | None:
    """The indexed type name for `type_name` (an alias gives its new name), else None."""
    index = load_index()
    if type_name in index["types"]:
        return type_name
    alias = index["aliases"].get(type_name)
    return alias["type"] if alias else None


def plugin_kind(type_name: str) -> str | None:
    """task / trigger / condition / runner for an indexed type or alias."""
    canonical = resolve_type(type_name)
    return load_index()["types"][canonical]["kind"] if canonical else None


def type_properties(type_name: str) -> Mapping[str, Mapping[str, Any]] | None:
    """The index's properties of a type or alias (name -> shape and flags), else None."""
    canonical = resolve_type(type_name)
    return load_index()["types"][canonical]["props"] if canonical else None


def _plugin_kinds_in(shape: Mapping[str, Any]) -> set[str]:
    """The plugin kinds a shape holds, through lists, maps and indexed objects."""
    kind = shape.get("t")
    if kind in PLUGIN_KINDS:
        return {str(kind)}
    found: set[str] = set()
    if "of" in shape:
        found |= _plugin_kinds_in(shape["of"])
    cls = shape.get("class")
    if cls:
        for prop in load_index()["objects"].get(cls, {}).get("props", {}).values():
            found |= _plugin_kinds_in(prop["shape"])
    return found


def nested_plugin_properties(type_name: str) -> dict[str, str]:
    """Properties of a type holding nested plugins -> their kind (`task`, `trigger`,
    `condition`, `runner`), e.g. `{"then": "task", "else": "task"}` for `If`."""
    props = type_properties(type_name) or {}
    out: dict[str, str] = {}
    for name, prop in props.items():
        kinds = _plugin_kinds_in(prop["shape"])
        if kinds:
            out[name] = "/".join(sorted(kinds))
    return out


# --- checking one plugin ----------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _fmt(path: str, parts: Parts) -> str:
    for part in parts:
        path = _join(path, part)
    return path


def _suggest(word: str, candidates: Sequence[str]) -> str:
    """` (did you mean X?)` for the closest candidate, or ''."""
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return f" (did you mean `{lowered[word.lower()]}`?)"
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _suggest_type(type_name: str) -> str:
    index = load_index()
    names = sorted(index["types"])
    simple = type_name.rsplit(".", 1)[-1]
    same_simple = [n for n in names if n.rsplit(".", 1)[-1].lower() == simple.lower()]
    if len(same_simple) == 1:
        return f" (did you mean `{same_simple[0]}`?)"
    return _suggest(type_name, names)


def _is_expression(value: str) -> bool:
    return "{{" in value or "{%" in value


def _scalar_text(value: object) -> str | None:
    """A YAML scalar as the text Jackson would coerce; None for lists and mappings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | datetime.date):
        return str(value)
    return None


def _shape_error(value: Any, shape: Mapping[str, Any], path: Parts) -> tuple[Parts, str] | None:
    """(relative path, message) of the first way `value` does not fit `shape`, else None."""
    kind = shape.get("t", "any")
    expr = bool(shape.get("expr"))
    if value is None or kind == "any":
        return None
    if isinstance(value, str) and _is_expression(value):
        if expr or kind == "string":
            return None
        return path, "is not dynamic here: an expression is not rendered in this property"
    if kind == "string":
        ok = _scalar_text(value) is not None
        return None if ok else (path, f"expects a string, got {_describe(value)}")
    if kind in ("integer", "number", "boolean", "duration", "enum"):
        text = _scalar_text(value)
        if text is None:
            return path, f"expects {_expected(shape)}, got {_describe(value)}"
        if kind == "integer" and not isinstance(value, int | float) and not _INTEGER.match(text):
            return path, f"expects an integer, got {text!r}"
        if kind == "number" and not isinstance(value, int | float) and not _NUMBER.match(text):
            return path, f"expects a number, got {text!r}"
        boolean_text = text.strip().lower() in ("true", "false")
        if kind == "boolean" and not isinstance(value, bool | int) and not boolean_text:
            return path, f"expects a boolean, got {text!r}"
        if kind == "duration" and isinstance(value, str) and not _ISO_DURATION.match(text):
            return path, f"expects an ISO-8601 duration such as `PT5M`, got {text!r}"
        if kind == "enum" and isinstance(value, str):
            values = shape.get("values", [])
            if values and text.upper() not in {v.upper() for v in values}:
                return (
                    path,
                    f"expects one of {', '.join(values)}; got {text!r}{_suggest(text, values)}",
                )
        return None
    if kind == "list":
        if isinstance(value, str) and expr:
            return None
        if not isinstance(value, list):
            return path, f"expects a list, got {_describe(value)}"
        for i, item in enumerate(value):
            found = _shape_error(item, shape.get("of", {}), (*path, i))
            if found:
                return found
        return None
    if kind == "map":
        if isinstance(value, str) and expr:
            return None
        if not isinstance(value, Mapping):
            return path, f"expects a mapping, got {_describe(value)}"
        for key, item in value.items():
            found = _shape_error(item, shape.get("of", {}), (*path, str(key)))
            if found:
                return found
        return None
    if kind == "object" or kind in PLUGIN_KINDS:
        if isinstance(value, str) and expr:
            return None
        if not isinstance(value, Mapping):
            return path, f"expects a mapping, got {_describe(value)}"
    return None


def _expected(shape: Mapping[str, Any]) -> str:
    kind = shape.get("t")
    if kind == "enum":
        return "one of " + ", ".join(shape.get("values", []))
    return {"integer": "an integer", "duration": "a duration"}.get(str(kind), f"a {kind}")


def _describe(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def check_task(
    task: Mapping[str, Any],
    path: str,
    kind: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> list[PropertyProblem]:
    """Problems of one plugin mapping (a task, trigger, condition or task runner) at `path`.

    `kind` is what the flow uses it as (`task`, `trigger`, `condition`, `runner`); None takes
    the index's. `defaults` are the properties pluginDefaults supply for this type: a required
    property found there is not missing. A type outside the index (`is_covered` false) gives
    no problem: the caller reports it as not checked.
    """
    try:
        return _check_task(task, path, kind, defaults or {})
    except Exception as exc:  # the index or input is odd: say so rather than raise
        return [PropertyProblem(path, f"could not be checked ({exc!r})", "warning", None)]


def _check_task(
    task: Mapping[str, Any], path: str, kind: str | None, defaults: Mapping[str, Any]
) -> list[PropertyProblem]:
    problems: list[PropertyProblem] = []

    def add(rel: Parts, message: str, severity: Severity = "error", key: str | None = None) -> None:
        problems.append(PropertyProblem(_fmt(path, rel), message, severity, key, rel))

    if not isinstance(task, Mapping):
        return [PropertyProblem(path, "must be a mapping", "error", None)]
    type_name = task.get("type")
    if not isinstance(type_name, str) or not is_covered(type_name):
        return problems
    index = load_index()
    canonical = resolve_type(type_name)
    type_path: Parts = ("type",)
    if canonical is None:
        add(type_path, f"unknown type `{type_name}`{_suggest_type(type_name)}", key="type")
        return problems
    entry = index["types"][canonical]
    alias = index["aliases"].get(type_name)
    if alias is not None:
        note = "; Kestra 2.0 no longer accepts it" if alias.get("removed_in_2") else ""
        add(
            type_path,
            f"`{type_name}` is a deprecated alias of `{canonical}`{note}",
            "warning",
            "type",
        )
    if kind is not None and kind != entry["kind"]:
        add(type_path, f"`{canonical}` is a {entry['kind']}, not a {kind}", key="type")
        return problems
    if entry.get("deprecated"):
        add(type_path, f"`{canonical}` is deprecated", "warning", "type")
    if entry.get("removed_in_2"):
        add(type_path, f"`{canonical}` is removed in Kestra 2.0", "warning", "type")
    if entry.get("new_in_2"):
        add(
            type_path,
            f"`{canonical}` is new in Kestra 2.0: Kestra 1.x does not have it",
            "warning",
            "type",
        )
    props: Mapping[str, Mapping[str, Any]] = entry["props"]
    _check_values(task, canonical, props, add)
    for name, prop in props.items():
        if name == "type" or _present(task, name, prop) or _present(defaults, name, prop):
            continue
        if prop.get("required"):
            add((name,), f"missing required property `{name}`", key=name)
        elif prop.get("required_in"):
            version = prop["required_in"]
            add((name,), f"`{name}` is required by Kestra {version}", "warning", name)
    return problems


def _check_values(
    values: Mapping[str, Any],
    canonical: str,
    props: Mapping[str, Mapping[str, Any]],
    add: Callable[..., None],
) -> None:
    """Unknown, deprecated or version-specific keys of `values`, and values of the wrong shape."""
    by_alias = {a: name for name, prop in props.items() for a in prop.get("aliases", [])}
    visible = sorted(n for n, p in props.items() if not p.get("hidden"))
    for key, value in values.items():
        where: Parts = (str(key),)
        name = by_alias.get(key, key) if isinstance(key, str) else None
        prop = props.get(name) if name is not None else None
        if prop is None:
            hint = _suggest(str(key), visible)
            add(where, f"unknown property `{key}` of `{canonical}`{hint}", key=str(key))
            continue
        if prop.get("deprecated"):
            add(where, f"`{key}` is deprecated", "warning", str(key))
        if prop.get("removed_in_2"):
            add(where, f"`{key}` is removed in Kestra 2.0", "warning", str(key))
        if prop.get("new_in_2"):
            add(where, f"`{key}` is new in Kestra 2.0: Kestra 1.x rejects it", "warning", str(key))
        found = _shape_error(value, prop["shape"], where)
        if found and "shape_2" in prop and _shape_error(value, prop["shape_2"], where) is None:
            add(found[0], f"{found[1]} (only Kestra 2.0 accepts this form)", "warning", str(key))
        elif found:
            add(found[0], f"`{key}` {found[1]}" if found[0] == where else found[1], key=str(key))


def check_plugin_defaults(flow: Mapping[str, Any]) -> list[PropertyProblem]:
    """Problems of the `values` of a flow's `pluginDefaults` (or `taskDefaults`) entries.

    An entry naming one indexed type (or alias) has its values checked as that type's
    properties (unknown key, wrong shape, deprecation; nothing is "missing": defaults are
    partial); an unknown type in a covered package is an error. An entry naming a package
    prefix applies to many types and is left alone. `rel` of each problem is its path from
    the flow's root.
    """
    problems: list[PropertyProblem] = []
    if not isinstance(flow, Mapping):
        return problems
    for section in ("pluginDefaults", "taskDefaults"):
        entries = flow.get(section)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str):
                continue
            base = f"{section}[{i}]"
            root: Parts = (section, i)
            type_name = entry["type"]
            canonical = resolve_type(type_name)

            def add(
                rel: Parts,
                message: str,
                severity: Severity = "error",
                key: str | None = None,
                _root: Parts = root,
            ) -> None:
                full: Parts = (*_root, "values", *rel)
                problems.append(PropertyProblem(_fmt("", full), message, severity, key, full))

            if canonical is None:
                if _is_type_name(type_name) and is_covered(type_name):
                    message = f"unknown type `{type_name}`{_suggest_type(type_name)}"
                    problems.append(
                        PropertyProblem(f"{base}.type", message, "error", "type", (*root, "type"))
                    )
                continue
            values = entry.get("values")
            if isinstance(values, Mapping):
                props = load_index()["types"][canonical]["props"]
                _check_values(values, canonical, props, add)
    return problems


def _is_type_name(name: str) -> bool:
    """A full class name (`io.kestra.plugin.core.log.Log`), not a package prefix: its last
    segment starts with an upper-case letter, as Java class names do."""
    last = name.rsplit(".", 1)[-1]
    return "." in name and last[:1].isupper()


def _present(mapping: Mapping[str, Any], name: str, prop: Mapping[str, Any]) -> bool:
    return any(mapping.get(n) is not None for n in (name, *prop.get("aliases", [])))


# --- walking a flow ---------------------------------------------------------------------------


def walk_plugins(flow: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every plugin of a flow as (path, kind, mapping), in document order, nested ones too.

    Flow-level `tasks`, `errors`, `finally`, `afterExecution` and `triggers`; then, for each
    indexed type, the properties the index says hold tasks, triggers, conditions or task
    runners (`tasks`, `then`, `cases`, a Dag's `tasks[].task`, `conditions`, `taskRunner`, ...).
    Plugins of types outside the index are yielded but not descended into.
    """
    for parts, kind, mapping in walk_plugin_paths(flow):
        yield _fmt("", parts), kind, mapping


def walk_plugin_paths(flow: Mapping[str, Any]) -> Iterator[tuple[Parts, str, Mapping[str, Any]]]:
    """`walk_plugins` with each path as a tuple of keys and indexes (`("tasks", 0, "then", 1)`)."""
    if not isinstance(flow, Mapping):
        return
    for key in (*_FLOW_TASK_KEYS, "triggers"):
        value = flow.get(key)
        if isinstance(value, list):
            kind = "trigger" if key == "triggers" else "task"
            for i, item in enumerate(value):
                yield from _walk_plugin(item, (key, i), kind)


def _walk_plugin(
    value: Any, path: Parts, kind: str
) -> Iterator[tuple[Parts, str, Mapping[str, Any]]]:
    if not isinstance(value, Mapping):
        return
    yield path, kind, value
    type_name = value.get("type")
    props = (type_properties(type_name) if isinstance(type_name, str) else None) or {}
    for key, item in value.items():  # document order
        prop = props.get(key) if isinstance(key, str) else None
        if prop is not None and _plugin_kinds_in(prop["shape"]):
            yield from _walk_shape(item, prop["shape"], (*path, key))


def _walk_shape(
    value: Any, shape: Mapping[str, Any], path: Parts
) -> Iterator[tuple[Parts, str, Mapping[str, Any]]]:
    kind = shape.get("t")
    if kind in PLUGIN_KINDS:
        yield from _walk_plugin(value, path, str(kind))
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_shape(item, shape.get("of", {}), (*path, i))
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk_shape(item, shape.get("of", {}), (*path, str(key)))
    elif kind == "object" and shape.get("class") and isinstance(value, Mapping):
        props = load_index()["objects"].get(shape["class"], {}).get("props", {})
        for key, item in value.items():
            prop = props.get(key) if isinstance(key, str) else None
            if prop is not None:
                yield from _walk_shape(item, prop["shape"], (*path, key))


def plugin_defaults(flow: Mapping[str, Any], type_name: str) -> dict[str, Any]:
    """The properties a flow's `pluginDefaults` (or older `taskDefaults`) give `type_name`.

    A default applies when its `type` is the plugin's type, its new name or one of its
    aliases, or a prefix of one (`io.kestra.plugin.core` matches every core plugin). Leaning
    to "applies" keeps a supplied property from being called missing.
    """
    canonical = resolve_type(type_name) if isinstance(type_name, str) else None
    names = {type_name, canonical or type_name}
    if canonical is not None:
        names.update(load_index()["types"][canonical].get("aliases", []))
    out: dict[str, Any] = {}
    if not isinstance(flow, Mapping):
        return out
    for key in ("pluginDefaults", "taskDefaults"):
        entries = flow.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("values"), Mapping):
                continue
            target = entry.get("type")
            if isinstance(target, str) and any(n.startswith(target) for n in names):
                for name, value in entry["values"].items():
                    out.setdefault(name, value)
    return out


def check_flow_keys(flow: Mapping[str, Any]) -> list[PropertyProblem]:
    """Unknown or version-specific top-level keys of a flow (Kestra's `Flow` model)."""
    problems: list[PropertyProblem] = []
    if not isinstance(flow, Mapping):
        return problems
    keys: Mapping[str, Mapping[str, Any]] = load_index()["flow"]["keys"]
    visible = sorted(keys)
    for key in flow:
        prop = keys.get(key) if isinstance(key, str) else None
        if prop is None:
            message = f"unknown flow property `{key}`{_suggest(str(key), visible)}"
            problems.append(PropertyProblem(str(key), message, "error", str(key), (key,)))
        elif prop.get("deprecated") or prop.get("removed_in_2"):
            why = "deprecated" if prop.get("deprecated") else "removed in Kestra 2.0"
            problems.append(PropertyProblem(key, f"`{key}` is {why}", "warning", key, (key,)))
        elif prop.get("new_in_2"):
            message = f"`{key}` is new in Kestra 2.0: Kestra 1.x rejects it"
            problems.append(PropertyProblem(key, message, "warning", key, (key,)))
    return problems
