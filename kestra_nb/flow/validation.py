"""Check a parsed flow as Kestra would before saving it: every structural rule at once.

`validate_flow` applies the rules of Kestra's model (`AbstractFlow`, `Flow`, `Input`,
`TaskInterface`), of `FlowValidator`, and of the core plugin's task validators (`Dag`,
`Switch`, `If`, `WorkingDirectory`, ...), and checks every plugin (tasks, triggers,
conditions, task runners, `errors` / `finally` / `afterExecution`, nested tasks, and
`pluginDefaults` values) against Kestra's property index (`kestra_nb.flow.properties`) or, for
the plugins the index does not cover, against a server's schema (`kestra_nb.flow.schema`)
when one is given. Every problem is collected, none stops the others. A rule that depends on
the Kestra version is a warning: a flow Kestra accepts must never be rejected here. Plugins
neither can check are listed on `ValidationResult.unchecked_types`, never called valid.
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import FlowProblem
from .inputs import INPUT_TYPES, MISSING, lookup_supplied
from .properties import (
    Parts,
    PropertyProblem,
    check_flow_keys,
    check_plugin_defaults,
    check_task,
    is_covered,
    plugin_defaults,
    resolve_type,
    walk_plugin_paths,
)
from .source import Marks, Path, format_path
from .tasks import (
    EXECUTABLE_CORE,
    FLOW_TASK_LISTS,
    KNOWN_CORE_TASKS,
    NOT_RUNNABLE_CORE,
    TASKS_REQUIRED,
    child_task_lists,
    core_name,
    walk_tasks,
)

if TYPE_CHECKING:  # pragma: no cover
    from .schema import ServerSchema

__all__ = [
    "ValidationResult",
    "unchecked_plugins",
    "unchecked_types",
    "using_schema",
    "validate_flow",
]

# --- Kestra's patterns and limits (AbstractFlow, TaskInterface, Input) -------------------
FLOW_ID_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9._-]*"
NAMESPACE_PATTERN = "^[a-z0-9][a-z0-9._-]*"
TASK_ID_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9_-]*"
INPUT_ID_PATTERN = "^[a-zA-Z0-9][.a-zA-Z0-9_-]*"
FLOW_ID_MAX = 100
NAMESPACE_MAX = 150
# Java's \p{javaJavaIdentifierStart}\p{javaJavaIdentifierPart}* (dotted); `$` for nested classes
_JAVA_IDENT = r"[^\W\d]|\$"
TYPE_RE = re.compile(rf"(?:{_JAVA_IDENT})(?:[\w$])*(?:\.(?:{_JAVA_IDENT})(?:[\w$])*)+")

# FlowValidator.RESERVED_FLOW_IDS (recent Kestra; a warning, older versions accept them)
RESERVED_FLOW_IDS = (
    "pause",
    "resume",
    "force-run",
    "change-status",
    "kill",
    "executions",
    "search",
    "source",
    "disable",
    "enable",
)
SYSTEM_LABEL_PREFIX = "system."
SYSTEM_READ_ONLY_LABEL = "system.readOnly"

# --- validation ---------------------------------------------------------------------------


@dataclass
class ValidationResult:
    """What `validate_flow` found: problems make the flow invalid, warnings do not."""

    problems: list[FlowProblem] = field(default_factory=list)
    warnings: list[FlowProblem] = field(default_factory=list)
    #: plugin types whose properties nothing checked (outside the index and the schema)
    unchecked_types: list[str] = field(default_factory=list)
    #: how many plugins had their properties checked
    checked_plugins: int = 0


# The server schema `validate_flow` uses when none is passed (see `using_schema`).
_SCHEMA: contextvars.ContextVar[ServerSchema | None] = contextvars.ContextVar(
    "kestra_nb_flow_schema", default=None
)


@contextmanager
def using_schema(schema: ServerSchema | None) -> Iterator[None]:
    """Within the block, `validate_flow` (and so `KestraFlow.from_yaml`) also checks the
    plugins the bundled index does not cover against `schema`; None changes nothing."""
    token = _SCHEMA.set(schema)
    try:
        yield
    finally:
        _SCHEMA.reset(token)


def _plugin_check(type_name: str, schema: ServerSchema | None) -> str | None:
    """Which checker judges a plugin type: `index`, `schema`, or None (not checked).

    The index judges what it covers (its messages know Kestra 1.x and 2.0); a type the index
    calls unknown but the server's schema has is the server's (a newer core plugin).
    """
    if is_covered(type_name) and (
        resolve_type(type_name) is not None or schema is None or not schema.knows(type_name)
    ):
        return "index"
    if schema is not None and schema.knows(type_name):
        return "schema"
    return None


def unchecked_plugins(flow: Any, schema: ServerSchema | None = None) -> list[tuple[str, str, str]]:
    """`(path, kind, type)` of each plugin of `flow` (a parsed flow) whose properties neither
    the bundled index nor `schema` can check, in document order. With a schema, a type it does
    not have is an error of `validate_flow`, so nothing is left unchecked."""
    schema = schema if schema is not None else _SCHEMA.get()
    if schema is not None:
        return []
    out: list[tuple[str, str, str]] = []
    for parts, kind, mapping in walk_plugin_paths(flow if isinstance(flow, Mapping) else {}):
        type_name = mapping.get("type")
        if not isinstance(type_name, str) or not TYPE_RE.fullmatch(type_name):
            continue
        if _plugin_check(type_name, None) is None:
            out.append((format_path(parts), kind, type_name))
    return out


def unchecked_types(flow: Any, schema: ServerSchema | None = None) -> list[str]:
    """The distinct types of `unchecked_plugins(flow, schema)`, in document order."""
    return list(dict.fromkeys(t for _p, _k, t in unchecked_plugins(flow, schema)))


class _Checker:
    def __init__(
        self, flow: Mapping[str, Any], marks: Marks, schema: ServerSchema | None = None
    ) -> None:
        self.flow = flow
        self.marks = marks
        self.schema = schema
        self.result = ValidationResult()

    def problem(self, path: Path, message: str) -> None:
        line, col = self.marks.at(path)
        self.result.problems.append(FlowProblem(format_path(path), message, line, col))

    def warn(self, path: Path, message: str) -> None:
        line, col = self.marks.at(path)
        self.result.warnings.append(FlowProblem(format_path(path), message, line, col))

    # -- flow --------------------------------------------------------------------------
    def run(self, supplied_inputs: Mapping[str, Any] | None) -> ValidationResult:
        flow = self.flow
        self.check_identifier(("id",), flow.get("id"), FLOW_ID_PATTERN, FLOW_ID_MAX)
        self.check_identifier(
            ("namespace",), flow.get("namespace"), NAMESPACE_PATTERN, NAMESPACE_MAX
        )
        if isinstance(flow.get("id"), str) and flow["id"] in RESERVED_FLOW_IDS:
            self.warn(("id",), f"Flow id is a reserved keyword in recent Kestra: {flow['id']}")
        self.report((), check_flow_keys(flow), set())
        tasks = flow.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            self.problem(
                ("tasks",), "must not be empty" if tasks in (None, []) else "must be a list"
            )
        for key in FLOW_TASK_LISTS[1:]:
            if flow.get(key) is not None and not isinstance(flow.get(key), list):
                self.problem((key,), "must be a list of tasks")
        self.check_tasks()
        inputs = self.check_inputs()
        self.check_outputs()
        self.check_labels()
        self.check_triggers(inputs)
        self.check_dash_references(inputs)
        self.check_plugins()
        if supplied_inputs is not None:
            self.check_supplied(inputs, supplied_inputs)
        return self.result

    def check_identifier(self, path: Path, value: object, pattern: str, max_len: int) -> None:
        if value is None:
            self.problem(path, "must not be null")
            return
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(path, "must be a string")
            return
        text = str(value)
        if not text.strip():
            self.problem(path, "must not be blank")
            return
        if not re.fullmatch(pattern, text):
            self.problem(path, f'must match "{pattern}"')
        if len(text) > max_len:
            self.problem(path, f"size must be between 1 and {max_len}")

    # -- tasks -------------------------------------------------------------------------
    def check_tasks(self) -> None:
        seen: dict[str, Path] = {}
        duplicates: list[str] = []
        for path, task in walk_tasks(self.flow):
            if not isinstance(task, Mapping):
                self.problem(path, "must be a task (a mapping with `id` and `type`)")
                continue
            task_id = task.get("id")
            self.check_identifier((*path, "id"), task_id, TASK_ID_PATTERN, 10_000)
            self.check_type((*path, "type"), task.get("type"))
            if isinstance(task_id, str | int) and not isinstance(task_id, bool):
                key = str(task_id)
                if key in seen:
                    if key not in duplicates:
                        duplicates.append(key)
                    self.problem((*path, "id"), f"Duplicate task id with name [{key}]")
                else:
                    seen[key] = path
            self.check_core_task(path, task)
            for rel, children, strict in child_task_lists(task):
                if strict and not isinstance(children, list):
                    self.problem((*path, *rel), "must be a list of tasks")

    def check_type(self, path: Path, value: object) -> None:
        if value is None:
            self.problem(path, "must not be null")
        elif not isinstance(value, str) or not TYPE_RE.fullmatch(value):
            self.problem(path, f"Invalid type: {value}")

    def check_core_task(self, path: Path, task: Mapping[str, Any]) -> None:
        name = core_name(task.get("type"))
        if name is None:
            return
        if name not in KNOWN_CORE_TASKS and "$" not in name and not is_covered(task.get("type")):
            self.warn((*path, "type"), f"unknown task of the core plugin: {task.get('type')}")
        own_message = name in ("Dag", "WorkingDirectory", "Worker")
        if name in TASKS_REQUIRED and not own_message and not task.get("tasks"):
            self.problem((*path, "tasks"), "must not be empty")
        if name in ("LoopUntil", "WaitFor") and task.get("condition") is None:
            self.problem((*path, "condition"), "must not be null")
        if name == "If":
            if task.get("condition") is None:
                self.problem((*path, "condition"), "must not be null")
            if not task.get("then"):
                self.problem((*path, "then"), "must not be empty")
        elif name == "Switch":
            cases, defaults = task.get("cases"), task.get("defaults")
            if not cases and not defaults:
                self.problem(path, "No task defined, neither cases or default have any tasks")
            if cases is not None and not isinstance(cases, Mapping):
                self.problem((*path, "cases"), "must be a mapping of value to tasks")
        elif name == "Dag":
            self.check_dag(path, task)
        elif name in ("WorkingDirectory", "Worker"):
            children = task.get("tasks")
            if not children:
                self.problem((*path, "tasks"), "The 'tasks' property cannot be empty")
            elif isinstance(children, list):
                for i, child in enumerate(children):
                    if not isinstance(child, Mapping):
                        continue
                    if core_name(child.get("type")) in NOT_RUNNABLE_CORE:
                        self.problem(
                            (*path, "tasks", i, "type"),
                            "Only runnable tasks are allowed as children of a WorkingDirectory"
                            " task",
                        )
                    if child.get("workerGroup") is not None:
                        self.problem(
                            (*path, "tasks", i, "workerGroup"),
                            "Cannot set a Worker Group in any WorkingDirectory sub-tasks, it is"
                            " only supported at the WorkingDirectory level",
                        )
        if name in EXECUTABLE_CORE:
            flow_id = task.get("flowId")
            namespace = task.get("namespace")
            if flow_id == self.flow.get("id") and namespace == self.flow.get("namespace"):
                self.problem(
                    path,
                    f"Recursive call to flow [{self.flow.get('namespace')}.{self.flow.get('id')}]",
                )

    def check_dag(self, path: Path, task: Mapping[str, Any]) -> None:
        entries = task.get("tasks")
        if not isinstance(entries, list) or not entries:
            self.problem((*path, "tasks"), "No task defined")
            return
        ids: list[str] = []
        deps: dict[str, list[str]] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("task"), Mapping):
                self.problem((*path, "tasks", i), "a Dag entry needs `task:` (and `dependsOn:`)")
                continue
            tid = str(entry["task"].get("id"))
            ids.append(tid)
            depends = entry.get("dependsOn") or []
            if not isinstance(depends, list):
                self.problem((*path, "tasks", i, "dependsOn"), "must be a list of task ids")
                depends = []
            deps[tid] = [str(d) for d in depends]
        missing = [d for tid in ids for d in deps.get(tid, []) if d not in deps]
        if missing:
            self.problem(
                (*path, "tasks"),
                "Not existing task id in dependency: " + ", ".join(dict.fromkeys(missing)),
            )
            return
        cycle = _find_cycle(ids, deps)
        if cycle:
            self.problem((*path, "tasks"), "Cyclic dependency detected: " + ", ".join(cycle))

    # -- plugin properties (the index, or the server's schema) --------------------------
    def check_plugins(self) -> None:
        """Every plugin's properties; pluginDefaults values; the types nothing can check."""
        taken = {p.path for p in self.result.problems}
        for parts, kind, mapping in walk_plugin_paths(self.flow):
            type_name = mapping.get("type")
            if not isinstance(type_name, str) or not TYPE_RE.fullmatch(type_name):
                continue  # check_type / check_tasks said what is wrong
            how = _plugin_check(type_name, self.schema)
            if how is None and self.schema is not None:
                message = f"unknown type `{type_name}`: {self.schema.source} has no such plugin"
                self.report(
                    parts, [PropertyProblem("", message, "error", "type", ("type",))], taken
                )
                continue
            if how is None:
                if type_name not in self.result.unchecked_types:
                    self.result.unchecked_types.append(type_name)
                continue
            defaults = plugin_defaults(self.flow, type_name)
            if how == "index":
                found = check_task(mapping, "", kind, defaults)
            else:
                assert self.schema is not None
                found = self.schema.check(mapping, defaults)
            self.result.checked_plugins += 1
            self.report(parts, found, taken)
        self.report((), check_plugin_defaults(self.flow), taken)

    def report(self, base: Parts, found: Iterable[PropertyProblem], taken: set[str]) -> None:
        """Add checker findings under `base`; one problem per path (a structural rule that
        already spoke there, such as `must not be empty`, is not repeated)."""
        for item in found:
            path = (*base, *item.rel)
            text = format_path(path)
            if text in taken:
                continue
            if item.severity == "error":
                taken.add(text)
                self.problem(path, item.message)
            else:
                self.warn(path, item.message)

    # -- inputs ------------------------------------------------------------------------
    def check_inputs(self) -> list[tuple[Path, Mapping[str, Any]]]:
        raw = self.flow.get("inputs")
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(("inputs",), "must be a list of inputs")
            return []
        valid: list[tuple[Path, Mapping[str, Any]]] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            path: Path = ("inputs", i)
            if not isinstance(item, Mapping):
                self.problem(path, "must be an input (a mapping with `id` and `type`)")
                continue
            input_id = item.get("id", item.get("name"))
            self.check_identifier((*path, "id"), input_id, INPUT_ID_PATTERN, 10_000)
            if input_id is not None:
                if str(input_id) in seen:
                    self.problem((*path, "id"), f"Duplicate input with name [{input_id}]")
                seen.add(str(input_id))
            itype = item.get("type")
            if itype is None:
                self.problem((*path, "type"), "must not be null")
            elif not _known_type(itype):
                self.problem(
                    (*path, "type"),
                    f"unknown input type '{itype}' (one of {', '.join(sorted(INPUT_TYPES))})",
                )
            self.check_input_rules(path, item)
            valid.append((path, item))
        self.check_input_dependencies(valid)
        return valid

    def check_input_rules(self, path: Path, item: Mapping[str, Any]) -> None:
        itype = item.get("type")
        item_type = item.get("itemType")
        if itype == "ARRAY":
            if item_type is None:
                self.problem((*path, "itemType"), "must not be null")
            elif item_type == "ARRAY":
                self.problem((*path, "itemType"), "`itemType` cannot be `ARRAY`")
            elif not _known_type(item_type):
                self.problem((*path, "itemType"), f"unknown input type '{item_type}'")
        if itype == "MULTISELECT" and item_type in (
            "ARRAY",
            "SECRET",
            "MULTISELECT",
            "ENUM",
            "SELECT",
        ):
            self.problem((*path, "itemType"), f"`itemType` cannot be {item_type}")
        if itype == "FILE" and item.get("defaults") is not None:
            default = item.get("defaults")
            if not (isinstance(default, str) and re.match(r"[a-z][a-z0-9+.-]*://", default)):
                self.problem(
                    (*path, "defaults"), "no `defaults` can be set for inputs of type 'FILE'"
                )
        if item.get("defaults") is not None and item.get("required") is False:
            self.warn(
                (*path, "required"),
                "Inputs with a default value must be required, since the default is always"
                " applied (rejected by recent Kestra)",
            )
        if item.get("defaults") is not None and item.get("prefill") is not None:
            self.warn((*path, "prefill"), "Inputs with a default value cannot also have a prefill.")
        validator = item.get("validator")
        if isinstance(validator, str):
            message = _java_regex_error(validator)
            if message:
                self.problem((*path, "validator"), f"invalid regular expression: {message}")

    def check_input_dependencies(self, inputs: list[tuple[Path, Mapping[str, Any]]]) -> None:
        graph: dict[str, list[str]] = {}
        where: dict[str, Path] = {}
        for path, item in inputs:
            input_id = str(item.get("id", item.get("name")))
            graph.setdefault(input_id, [])
            where.setdefault(input_id, path)
            depends = item.get("dependsOn")
            if isinstance(depends, Mapping) and isinstance(depends.get("inputs"), list):
                graph[input_id].extend(str(x) for x in depends["inputs"])
        for input_id, deps in graph.items():
            for dep in deps:
                if dep not in graph:
                    self.problem(
                        (*where[input_id], "dependsOn"),
                        f"Input with id '{input_id}' depends on a non-existent input '{dep}'.",
                    )
        cycle = _find_cycle(list(graph), graph)
        if cycle:
            self.problem(
                (*where[cycle[0]], "dependsOn"),
                f"Cycle dependency detected for input with id '{cycle[0]}': [{', '.join(cycle)}]",
            )

    # -- outputs, labels, triggers -----------------------------------------------------
    def check_outputs(self) -> None:
        raw = self.flow.get("outputs")
        if raw is None:
            return
        if not isinstance(raw, list):
            self.problem(("outputs",), "must be a list of outputs")
            return
        seen: set[str] = set()
        for i, item in enumerate(raw):
            path: Path = ("outputs", i)
            if not isinstance(item, Mapping):
                self.problem(path, "must be an output (a mapping with `id`, `type` and `value`)")
                continue
            out_id = item.get("id")
            self.check_identifier((*path, "id"), out_id, INPUT_ID_PATTERN, 10_000)
            if out_id is not None:
                if str(out_id) in seen:
                    self.problem((*path, "id"), f"Duplicate output with name [{out_id}]")
                seen.add(str(out_id))
            if item.get("type") is None:
                self.problem((*path, "type"), "must not be null")
            elif not _known_type(item.get("type")):
                self.problem((*path, "type"), f"unknown output type '{item.get('type')}'")

    def check_labels(self) -> None:
        raw = self.flow.get("labels")
        if raw is None:
            return
        pairs: list[tuple[Path, object, object]] = []
        if isinstance(raw, Mapping):
            pairs = [(("labels", k), k, v) for k, v in raw.items()]
        elif isinstance(raw, list):
            for i, item in enumerate(raw):
                if not isinstance(item, Mapping) or "key" not in item:
                    self.problem(("labels", i), "a label needs `key` and `value`")
                    continue
                pairs.append((("labels", i), item.get("key"), item.get("value")))
        else:
            self.problem(("labels",), "must be a list of {key, value} or a mapping")
        for path, key, value in pairs:
            if (
                isinstance(key, str)
                and key.startswith(SYSTEM_LABEL_PREFIX)
                and key != SYSTEM_READ_ONLY_LABEL
            ):
                self.problem(
                    path,
                    "System labels can only be set by Kestra itself, offending label:"
                    f" {key}={value}",
                )

    def check_triggers(self, inputs: list[tuple[Path, Mapping[str, Any]]]) -> None:
        raw = self.flow.get("triggers")
        if raw is None:
            return
        if not isinstance(raw, list):
            self.problem(("triggers",), "must be a list of triggers")
            return
        seen: set[str] = set()
        required = [
            str(item.get("id", item.get("name")))
            for _path, item in inputs
            if item.get("required", True) is not False and item.get("defaults") is None
        ]
        for i, trigger in enumerate(raw):
            path: Path = ("triggers", i)
            if not isinstance(trigger, Mapping):
                self.problem(path, "must be a trigger (a mapping with `id` and `type`)")
                continue
            trigger_id = trigger.get("id")
            self.check_identifier((*path, "id"), trigger_id, TASK_ID_PATTERN, 10_000)
            self.check_type((*path, "type"), trigger.get("type"))
            if trigger_id is not None:
                if str(trigger_id) in seen:
                    self.problem((*path, "id"), f"Duplicate trigger id with name [{trigger_id}]")
                seen.add(str(trigger_id))
            if core_name(trigger.get("type")) == "Schedule":
                given = trigger.get("inputs")
                if not isinstance(given, Mapping):
                    given = {}
                missing = [r for r in required if r not in given]
                if missing:
                    names = ", ".join(f"'{m}'" for m in missing)
                    self.problem(
                        path,
                        f"Missing inputs for Schedule Trigger '{trigger_id}',"
                        f" missing inputs: {names}",
                    )
                backfill = trigger.get("backfill")
                if (
                    isinstance(backfill, Mapping)
                    and backfill.get("start") is not None
                    and trigger.get("lateMaximumDelay") is not None
                ):
                    self.problem(
                        path,
                        "invalid schedule: backfill and lateMaximumDelay are incompatible options",
                    )

    def check_dash_references(self, inputs: list[tuple[Path, Mapping[str, Any]]]) -> None:
        """Kestra rejects `inputs.key-name` / `outputs.task-id.x` when the id has a dash."""
        dashed_inputs = [
            str(item.get("id")) for _p, item in inputs if "-" in str(item.get("id", ""))
        ]
        tasks = [(p, t) for p, t in walk_tasks(self.flow) if isinstance(t, Mapping)]
        dashed_tasks = [str(t.get("id")) for _p, t in tasks if "-" in str(t.get("id", ""))]
        input_res = [
            re.compile(r"\{\{\s*inputs." + re.escape(i) + r"\s*\}\}") for i in dashed_inputs
        ]
        output_res = [
            re.compile(r"\{\{\s*outputs\." + re.escape(t) + r"\.[^}]+\s*\}\}") for t in dashed_tasks
        ]
        bad_in = [str(t.get("id")) for _p, t in tasks if _own_strings_match(t, input_res)]
        if bad_in:
            self.problem(("inputs",), _dash_message("input", "tasks", bad_in))
        bad_out = [str(t.get("id")) for _p, t in tasks if _own_strings_match(t, output_res)]
        if bad_out:
            self.problem(("tasks",), _dash_message("output", "tasks", bad_out))
        outputs = self.flow.get("outputs")
        if isinstance(outputs, list):
            bad = [
                str(o.get("id"))
                for o in outputs
                if isinstance(o, Mapping) and _own_strings_match(o, output_res)
            ]
            if bad:
                self.problem(("outputs",), _dash_message("output", "outputs", bad))

    def check_supplied(
        self, inputs: list[tuple[Path, Mapping[str, Any]]], supplied: Mapping[str, Any]
    ) -> None:
        for path, item in inputs:
            input_id = str(item.get("id", item.get("name")))
            if item.get("required", True) is False or item.get("defaults") is not None:
                continue
            value = lookup_supplied(supplied, input_id)
            if value is MISSING or value is None:
                self.problem(
                    path,
                    f"Invalid input for `{input_id}`, missing required input, but received `null`",
                )


def _known_type(value: object) -> bool:
    """Whether `value` names one of Kestra's input/output types (any YAML value may come)."""
    return isinstance(value, str) and value in INPUT_TYPES


def _dash_message(kind: str, where: str, ids: list[str]) -> str:
    """Kestra's `FlowValidator` message for `inputs.key-name` / `outputs.task-id.x`."""
    return (
        f"Invalid {kind} reference: use {kind}s[key-name] instead of {kind}s.key-name —"
        f" keys with dashes require bracket notation, offending {where}: [{', '.join(ids)}]"
    )


def _own_strings_match(obj: Mapping[str, Any], patterns: list[re.Pattern[str]]) -> bool:
    """Kestra checks a task's own fields (not its children's): strings, lists, maps as text."""
    if not patterns:
        return False
    for key, value in obj.items():
        if key in ("tasks", "then", "else", "errors", "finally", "cases", "defaults"):
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if any(p.search(text) for p in patterns):
            return True
    return False


def _find_cycle(order: list[str], graph: Mapping[str, list[str]]) -> list[str]:
    """The first dependency cycle found (depth-first from each node in `order`), or []."""
    visited: set[str] = set()

    def visit(node: str, stack: list[str], on_stack: set[str]) -> list[str]:
        if node in on_stack:
            return stack[stack.index(node) :]
        if node in visited:
            return []
        on_stack.add(node)
        stack.append(node)
        for dep in graph.get(node, []):
            found = visit(dep, stack, on_stack)
            if found:
                return found
        stack.pop()
        on_stack.discard(node)
        visited.add(node)
        return []

    for start in order:
        found = visit(start, [], set())
        if found:
            return found
    return []


# Java-only regex syntax Python's `re` does not know: a failure there proves nothing
_JAVA_ONLY_REGEX = re.compile(r"\\[pPQEhHRXGz]|\(\?<[A-Za-z]|[*+?}]\+|\[\[|&&")


def _java_regex_error(pattern: str) -> str | None:
    """Why `pattern` is not a valid (Java) regex, when Python can tell for sure; else None."""
    try:
        re.compile(pattern)
    except re.error as exc:
        if _JAVA_ONLY_REGEX.search(pattern):
            return None
        return str(exc)
    return None


def validate_flow(
    flow: Any,
    marks: Marks | None = None,
    *,
    inputs: Mapping[str, Any] | None = None,
    schema: ServerSchema | None = None,
) -> ValidationResult:
    """Check a parsed flow; `inputs` (when given) must supply every required input.

    `schema` (default: the one set by `using_schema`, else none) checks the plugins the
    bundled index does not cover; the others are listed on `unchecked_types`.
    """
    schema = schema if schema is not None else _SCHEMA.get()
    marks = marks or Marks()
    if not isinstance(flow, Mapping):
        line, col = marks.at(())
        result = ValidationResult()
        result.problems.append(
            FlowProblem("", "a flow must be a YAML mapping (id, namespace, tasks, ...)", line, col)
        )
        return result
    return _Checker(flow, marks, schema).run(inputs)
