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

Errors (`RenderProblem`) point at the editor's line of the failing expression, also inside a
`script: |` block, and quote that expression, not the whole property; Kestra's message is
kept without its Java class name, and a hint (`kestra_nb.flow.hints`) says what to do.
An input whose value does not convert is an error of its own: expressions reading it are
left as written, neither errors nor deferred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import FlowProblem, RenderError, problem_line, problem_text
from ..limits import LimitExceeded
from ..pebble import referenced_names, referenced_secrets, template_segments
from ..pebble.exceptions import NotAvailableError, SecretNotFoundError, UndefinedError
from ..pebble.runtime import Tainted
from . import hints
from .context import build_context, new_execution_id
from .defaults import apply_plugin_defaults, deep_copy
from .inputs import resolve_inputs
from .source import Marks, Path, format_path
from .tasks import child_task_lists, core_name, walk_tasks

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
    """A property that cannot render: where (path, task id, the expression's editor line),
    Kestra's message (without Java class name nor template), the failing expression when the
    property holds more than it (never the whole property), and a hint saying what to do.

    `str()` gives one line: `tasks[1].script · line 9 · message ({{ expression }}) Hint`.
    """

    path: str
    message: str
    task_id: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    expression: str | None = None

    def __str__(self) -> str:
        return problem_line(self.path, self.line, self.message, self.hint, self.expression)

    def as_flow_problem(self) -> FlowProblem:
        """The same problem as a `FlowProblem` (listed with structural ones in `FlowError`)."""
        return FlowProblem(
            self.path, self.message, self.line, self.column, self.hint, self.expression
        )


@dataclass
class RenderResult:
    """Everything `evaluate_flow` learnt; `rendered` holds real values, `display` masked ones.

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
    start: int = 0  # offset in the whole template


# the engine's segment kinds -> how a preview treats them
_KINDS = {"print": "expression", "verbatim": "expression", "raw": "expression"}


def _segments(source: str) -> list[_Segment]:
    """Split a template into text, `{{ }}`, `{% %}` and comment pieces, as the engine lexes it.

    Verbatim and raw blocks count as expressions: rendered alone, they give their content.
    Raises the engine's `PebbleParseError` when the template does not lex.
    """
    return [
        _Segment(_KINDS.get(seg.kind, seg.kind), seg.text, seg.start)
        for seg in template_segments(source)
    ]


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


class _Evaluator:
    """Walks the flow, renders each string property (real and display), records what happened."""

    def __init__(
        self,
        engine: Any,
        context: dict[str, Any],
        marks: Marks,
        result: RenderResult,
        missing_inputs: Iterable[str],
        secret_exists: Callable[[str], bool],
        invalid_inputs: Iterable[str] = (),
        audience: str = "python",
    ) -> None:
        self.engine = engine
        self.context = context
        self.marks = marks
        self.result = result
        # `inputs.a.b` of a missing `a.b` fails on `a` (nothing under `a`) or on `b`
        self.missing_inputs = {
            part for m in missing_inputs for part in (m.split(".")[0], m.split(".")[-1])
        }
        # inputs whose value did not convert: an input problem already, never a deferral
        self.invalid_inputs = {
            part for m in invalid_inputs for part in (m.split(".")[0], m.split(".")[-1])
        }
        self.audience = audience
        self.runtime_vars: set[str] = set()
        self.in_trigger = False
        self.declared_inputs: list[str] = []
        self.secret_exists = secret_exists
        self.secret_inputs: list[str] = []
        self._secrets: dict[str, None] = {}
        self._missing: dict[str, None] = {}
        self._envs: dict[str, None] = {}
        self._inputs: dict[str, None] = {}

    # -- classification
    def runtime_root(self, exc: BaseException) -> str | None:
        """The run-time root that made `exc`, or None when it is a real error."""
        if isinstance(exc, UndefinedError):
            root = exc.root
            if root in RUNTIME_ROOTS:
                return root
            if root == "execution" and exc.name in RUNTIME_EXECUTION_KEYS:
                return "execution"
            if root == "inputs" and exc.name in self.invalid_inputs:
                return _INVALID_INPUT
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
            return self._render_string(text, variables, path, task_id)
        except LimitExceeded as exc:  # stops the whole flow: one line naming the property
            raise exc.at(f"rendering {format_path(path)}") from None

    def _render_string(
        self, text: str, variables: Mapping[str, Any], path: Path, task_id: str | None
    ) -> _Unit:
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
                self.error(path, task_id, whole_error, text, text, 0)
            return _Unit(text, text)
        rendered: list[str] = []
        display: list[str] = []
        # the whole string's error carries Kestra's message (positions in the whole string):
        # it stands for the segment failing for the same cause; other causes get their own
        whole_cause = _cause(whole_error) if whole_error is not None else None
        causes: set[str] = set()
        reported: set[tuple[str, str]] = set()
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
                    causes.add(cause)
                    if (cause, seg.source) not in reported:  # once per cause and expression
                        reported.add((cause, seg.source))
                        self.error(path, task_id, exc, text, seg.source, seg.start)
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
            self.error(path, task_id, whole_error, text, text, 0)
        return _Unit("".join(rendered), "".join(display))

    def render_unit(self, template: str, variables: Mapping[str, Any]) -> _Unit:
        root = self.runtime_reference(template, variables)
        if root is not None:
            # `outputs.t.value ?? 'x'` renders here, but not as it will at run time: defer
            raise UndefinedError(f"`{root}` is known at run time only", name=root, root=root)
        shown_vars = self.display_variables(variables)
        try:
            real, used = self.engine.render_with_secrets(template, dict(variables))
        except RenderError as exc:
            # worded by the display pass, which never held a value (nor a SECRET input)
            safe = self.engine.explain(exc, template, shown_vars)
            if isinstance(safe, SecretNotFoundError):
                self._missing.setdefault(str(safe.key).upper(), None)
            raise safe from None
        for value in used:  # the values secret() produced: for the masker only
            if isinstance(value, str) and value and value not in self.result.secret_values:
                self.result.secret_values.append(value)
        try:
            shown = self.engine.render_display(template, shown_vars)
        except RenderError:
            # what only the real values allow (`fromJson(secret('X')).key` on a real JSON):
            # the display keeps the expression itself
            shown = template
        return _Unit(real, shown)

    def display_variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """`variables` for the display pass: each SECRET input is a `Tainted` placeholder."""
        shown = dict(variables)
        inputs = shown.get("inputs")
        if not self.secret_inputs or not isinstance(inputs, Mapping):
            return shown
        copy = deep_copy(inputs)
        for input_id in self.secret_inputs:
            node = copy
            parts = input_id.split(".")
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and parts[-1] in node:
                value = node[parts[-1]]
                label = f"input {input_id}"
                if isinstance(value, list):
                    node[parts[-1]] = [Tainted({label}, direct=True) for _ in value]
                elif value is not None:
                    node[parts[-1]] = Tainted({label}, direct=True)
        shown["inputs"] = copy
        return shown

    def runtime_reference(self, template: str, variables: Mapping[str, Any]) -> str | None:
        """The first root `template` reads (even behind `??` or `default`) that every run
        will have but a preview has not: its fallback would show what the run never does."""
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
        if root == _INVALID_INPUT:  # its input's problem says why: not a run-time expression
            return
        self.result.deferred.append(Deferred(format_path(path), expression, root))

    def error(
        self,
        path: Path,
        task_id: str | None,
        exc: BaseException,
        value: str | None = None,
        template: str | None = None,
        offset: int = 0,
    ) -> None:
        """Record `exc`, raised rendering `template` (at `offset` in the property `value`):
        at the failing expression's line, quoting that expression, with a hint."""
        message, expression, at = _worded(exc, template, _subject(exc))
        line, col = self.marks.at(path)
        if value is not None:
            line, col = self.marks.locate(path, value, offset + at, expression or None)
            if expression and expression == " ".join(value.split()):
                expression = ""  # the property is that expression: the path says it all
        self.result.errors.append(
            RenderProblem(
                format_path(path), message, task_id, line, col, self.hint(exc), expression or None
            )
        )

    def hint(self, exc: BaseException) -> str | None:
        """What to do about `exc`: load a missing secret, fix a misspelt name."""
        if isinstance(exc, UndefinedError):
            if exc.root == "inputs" and exc.name != "inputs":
                return hints.did_you_mean(exc.name, self.declared_inputs)
            if exc.root == "envs" and exc.name != "envs":
                return hints.did_you_mean(exc.name, self.context.get("envs") or ())
            if exc.root == exc.name:
                return hints.did_you_mean(exc.name, [*self.context, "task", *RUNTIME_ROOTS])
            return None
        return _hint(exc, getattr(self.engine, "environment", None), self.audience)

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


def evaluate_flow(
    flow: Mapping[str, Any],
    marks: Marks,
    engine: Any,
    *,
    inputs: Mapping[str, Any] | None,
    envs: Mapping[str, str],
    execution: Mapping[str, Any] | None = None,
    secret_exists: Callable[[str], bool] = lambda _name: False,
    hints_for: str = "python",
) -> RenderResult:
    """Render every string property of every task, trigger and output of a flow.

    `hints_for`: where the problems will be read (`kestra_nb.flow.hints.AUDIENCES`).
    Errors come sorted by line.
    """
    execution = dict(execution or {})
    execution.setdefault("id", new_execution_id())
    resolved = resolve_inputs(flow, inputs, str(execution["id"]))
    context = build_context(flow, resolved.values, envs, execution)
    flow = apply_plugin_defaults(flow)
    result = RenderResult(
        rendered=deep_copy(flow),
        display=deep_copy(flow),
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
                hints.missing_input(input_id, hints_for),
            )
        )
    # inputs without a value wait for the run; those with a bad one are left as written
    walker = _Evaluator(
        engine,
        context,
        marks,
        result,
        resolved.missing,
        secret_exists,
        invalid_inputs=resolved.invalid,
        audience=hints_for,
    )
    walker.declared_inputs = list(resolved.declared)
    walker.secret_inputs = list(resolved.secret_ids)
    walker.runtime_vars = _set_variables_keys(flow)
    walker.run(flow)
    result.errors.sort(key=lambda e: (e.line is None, e.line or 0, e.column or 0))
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

# what `runtime_root` says of an input whose value did not convert (never deferred)
_INVALID_INPUT = "<invalid input>"
_UNKNOWN_NAME = re.compile(r"\b(Filter|Test|Function or Macro) \[([^\]]+)\] does not exist")
# `io.pebbletemplates.pebble.error.PebbleException: ` and the like
_JAVA_CLASS = re.compile(r"^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*: ")
_IN_TEMPLATE = re.compile(r" \(((?s:.*)):(\d+)\)$")
_UNDEFINED = re.compile(
    r"^(Unable to find `[^`]*` used in the expression `)((?s:.*))` at line (\d+)$"
)
_MAX_EXPRESSION = 120


def _hint(exc: BaseException, environment: Any, audience: str) -> str | None:
    """What to do about `exc` that needs no flow: load a missing secret (for `audience`), or
    "did you mean …?" for an unknown filter, test or function of `environment`."""
    if isinstance(exc, SecretNotFoundError):
        return hints.missing_secret(str(exc.key).upper(), audience)
    match = _UNKNOWN_NAME.search(str(exc))
    if match is None or environment is None:
        return None
    kind, name = match.groups()
    names = {
        "Filter": getattr(environment, "filters", {}),
        "Test": getattr(environment, "tests", {}),
    }.get(kind, getattr(environment, "pebble_functions", {}))
    return hints.did_you_mean(name, names)


def template_error_line(
    exc: BaseException, template: str, environment: Any = None, audience: str = "notebook"
) -> str:
    """One line for a template that failed to render on its own (`%kestra_render`), worded
    as a flow's render problems are: Kestra's message without Java class names, the failing
    expression when the template holds more than it, and a hint (load a missing secret, did
    you mean …?). Built from the error's text, which never holds a secret value."""
    message, expression, _ = _worded(exc, template, _subject(exc))
    if expression == " ".join(template.split()):
        expression = ""  # the template is that expression
    return problem_text(message, _hint(exc, environment, audience), expression)


def _subject(exc: BaseException) -> str | None:
    """The name an error is about (a variable, a secret key, a filter), to find it."""
    for attr in ("name", "key"):
        value = getattr(exc, attr, None)
        if isinstance(value, str):
            return value
    match = _UNKNOWN_NAME.search(str(exc))
    return match.group(2) if match else None


def _worded(exc: BaseException, template: str | None, subject: str | None) -> tuple[str, str, int]:
    """(Kestra's message without Java class nor template, the failing expression, its offset
    in `template`). The message's own template and line locate the expression in it."""
    text = str(exc)
    while _JAVA_CLASS.match(text):
        text = _JAVA_CLASS.sub("", text, count=1)
    line_no = 1
    undefined = _UNDEFINED.match(text)
    suffix = _IN_TEMPLATE.search(text) if undefined is None else None
    if undefined is not None:
        line_no = int(undefined.group(3))
    elif suffix is not None:
        line_no = int(suffix.group(2))
        text = text[: suffix.start()]
    if template is None or "{" not in template:
        return " ".join(text.split()), "", 0
    expression, at = _expression_at(template, line_no, subject)
    if undefined is not None:
        text = f"{undefined.group(1)}{expression}`"
        expression = ""  # Kestra's own message quotes it already
    return " ".join(text.split()), expression, at


def _expression_at(template: str, line_no: int, subject: str | None) -> tuple[str, int]:
    """The `{{ }}` / `{% %}` of `template` on its line `line_no` (the one naming `subject`,
    if several), shortened to one line; with its offset. Else that line itself."""
    starts = [0] + [i + 1 for i, ch in enumerate(template) if ch == "\n"]
    line_no = min(max(line_no, 1), len(starts))
    begin = starts[line_no - 1]
    end = starts[line_no] if line_no < len(starts) else len(template)
    try:
        pieces = [s for s in _segments(template) if s.kind in ("expression", "tag")]
    except RenderError:
        pieces = []
    on_line = [s for s in pieces if s.start < end and s.start + len(s.source) > begin] or pieces
    named = [s for s in on_line if subject and subject in s.source]
    candidates = named or on_line
    if candidates:
        chosen = candidates[0]
        return _short(chosen.source), chosen.start
    line = template[begin:end]
    return _short(line), begin + len(line) - len(line.lstrip())


def _short(expression: str) -> str:
    text = " ".join(expression.split())
    return text if len(text) <= _MAX_EXPRESSION else text[: _MAX_EXPRESSION - 1] + "…"


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
    "RenderProblem",
    "RenderResult",
    "evaluate_flow",
    "template_error_line",
]
