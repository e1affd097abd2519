"""Flow parsing (positions, duplicate keys) and validation rules, one rule at a time.

Invalid flows go through `KestraFlow.from_yaml`, which must raise `FlowError` with every
problem (path, message, line, column), structural ones and what rendering still finds. Flows
whose whole test is "these problems and warnings" live in `tests/data/flows/validation/`,
each beside its `.expected.yml` (`test_validation_flow_file`); the flows the other tests read
whole are there too.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb import FlowError, FlowProblem
from kestra_nb.flow import KestraFlow
from kestra_nb.flow.source import format_path, load_flow_yaml
from kestra_nb.flow.tasks import walk_tasks
from kestra_nb.flow.validation import validate_flow
from tests.flow_helpers import VALIDATION, flow_file, flow_files, flow_text


def problems_of(text: str, **kwargs: object) -> list[FlowProblem]:
    with pytest.raises(FlowError) as info:
        KestraFlow.from_yaml(textwrap.dedent(text), secrets={}, environ={}, **kwargs)  # type: ignore[arg-type]
    assert str(info.value).startswith("invalid flow (")
    return info.value.problems


def check(text: str, **kwargs: object) -> tuple[list[FlowProblem], list[FlowProblem]]:
    """(problems, warnings) of a flow, without rendering."""
    data, marks, problems = load_flow_yaml(textwrap.dedent(text))
    if data is None:
        return problems, []
    result = validate_flow(data, marks, **kwargs)  # type: ignore[arg-type]
    return [*problems, *result.problems], result.warnings


def messages(problems: list[FlowProblem]) -> list[str]:
    return [f"{p.path}: {p.message}" for p in problems]


@pytest.mark.parametrize("name", flow_files(VALIDATION))
def test_validation_flow_file(name: str) -> None:
    """Each flow of `tests/data/flows/validation/`: its problems and warnings, as expected
    (`problems`, `warnings`: `path: message`; `lines`, `columns`; `inputs` to validate with).
    A flow with problems raises `FlowError` holding each of them, one line each, in order."""
    text, expected = flow_file(name, VALIDATION)
    inputs = expected.get("inputs")
    problems, warnings = check(text, inputs=inputs)
    assert messages(problems) == expected.get("problems", [])
    assert messages(warnings) == expected.get("warnings", [])
    if "lines" in expected:
        assert [p.line for p in problems] == expected["lines"]
    if "columns" in expected:
        assert [p.column for p in problems] == expected["columns"]
    if problems:
        raised = problems_of(text, inputs=inputs)
        structural = [p for p in raised if f"{p.path}: {p.message}" in messages(problems)]
        # the same problems (a hint added, maybe), with what rendering found, in line order
        assert [replace(p, hint=None) for p in structural] == problems
        lines = str(FlowError(raised)).split(": ", 1)[1].split("; ")
        assert lines == [str(p) for p in raised] and all("\n" not in ln for ln in lines)
    else:
        assert KestraFlow.from_yaml(text, secrets={}, environ={}, inputs=inputs).id


MINIMAL = flow_text("minimal", VALIDATION)  # valid: validation/minimal.expected.yml


def test_yaml_syntax_error_has_line_and_column() -> None:
    problems = problems_of("id: a\nnamespace: b\ntasks:\n  - id: x\n    type: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].message.startswith("invalid YAML")
    assert problems[0].line is not None and problems[0].line >= 5


def test_empty_text_and_non_mapping() -> None:
    assert problems_of("")[0].message == "the flow is empty"
    assert [str(p) for p in problems_of("# only a comment\n~\n")] == [
        "<flow> · line 2 · the flow is empty"  # issue 12: `path · line · message`
    ]
    assert "must be a YAML mapping" in problems_of("- a\n- b\n")[0].message


def test_id_and_namespace_limits() -> None:
    problems, _ = check(f"id: {'a' * 101}\nnamespace: {'b' * 151}\ntasks: [{{id: t, type: a.B}}]\n")
    assert messages(problems) == [
        "id: size must be between 1 and 100",
        "namespace: size must be between 1 and 150",
    ]


NESTED = flow_text("nested", VALIDATION)  # valid: validation/nested.expected.yml


def test_walk_tasks_gives_every_nested_task_with_its_path() -> None:
    data, _marks, _ = load_flow_yaml(NESTED)
    paths = {str(task["id"]): format_path(path) for path, task in walk_tasks(data)}
    assert paths == {
        "par": "tasks[0]",
        "seq": "tasks[0].tasks[0]",
        "a": "tasks[0].tasks[0].tasks[0]",
        "seq_err": "tasks[0].tasks[0].errors[0]",
        "if": "tasks[1]",
        "b": "tasks[1].then[0]",
        "c": "tasks[1].else[0]",
        "switch": "tasks[2]",
        "d": "tasks[2].cases.x[0]",
        "e": "tasks[2].defaults[0]",
        "dag": "tasks[3]",
        "f": "tasks[3].tasks[0].task",
        "g": "tasks[3].tasks[1].task",
        "custom": "tasks[4]",
        "h": "tasks[4].tasks[0]",
        "on_error": "errors[0]",
        "at_last": "finally[0]",
        "after": "afterExecution[0]",
    }


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("id: a\n", "id: seq_err\n", "tasks[0].tasks[0].errors[0].id"),
        ("id: c\n", "id: b\n", "tasks[1].else[0].id"),
        ("id: e\n", "id: d\n", "tasks[2].defaults[0].id"),
        ("id: g\n", "id: f\n", "tasks[3].tasks[1].task.id"),
        ("id: h\n", "id: par\n", "tasks[4].tasks[0].id"),
        ("id: after\n", "id: at_last\n", "afterExecution[0].id"),
    ],
)
def test_task_ids_unique_across_all_nested_lists(old: str, new: str, where: str) -> None:
    text = NESTED.replace(old, new, 1)
    problems, _ = check(text)
    dup = new.split(": ")[1].strip()
    assert any(
        p.path == where and p.message == f"Duplicate task id with name [{dup}]" for p in problems
    ), messages(problems)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            "{id: p, type: io.kestra.plugin.core.flow.Parallel}",
            "tasks[0].tasks: must not be empty",
        ),
        (
            "{id: p, type: io.kestra.plugin.core.flow.Sequential, tasks: []}",
            "tasks[0].tasks: must not be empty",
        ),
        (
            "{id: i, type: io.kestra.plugin.core.flow.If, then: [{id: x, type: a.B}]}",
            "tasks[0].condition: must not be null",
        ),
        (
            "{id: i, type: io.kestra.plugin.core.flow.If, condition: 'true'}",
            "tasks[0].then: must not be empty",
        ),
        (
            "{id: s, type: io.kestra.plugin.core.flow.Switch, value: x, cases: {}}",
            "tasks[0]: No task defined, neither cases or default have any tasks",
        ),
        (
            "{id: w, type: io.kestra.plugin.core.flow.WorkingDirectory}",
            "tasks[0].tasks: The 'tasks' property cannot be empty",
        ),
        (
            "{id: w, type: io.kestra.plugin.core.flow.WorkingDirectory, tasks: "
            "[{id: p, type: io.kestra.plugin.core.flow.Pause}]}",
            "tasks[0].tasks[0].type: Only runnable tasks are allowed as children of a"
            " WorkingDirectory task",
        ),
        (
            "{id: l, type: io.kestra.plugin.core.flow.LoopUntil, tasks: [{id: x, type: a.B}]}",
            "tasks[0].condition: must not be null",
        ),
        (
            "{id: d, type: io.kestra.plugin.core.flow.Dag, tasks: []}",
            "tasks[0].tasks: No task defined",
        ),
        (
            "{id: d, type: io.kestra.plugin.core.flow.Dag, tasks: [{task: {id: x, type: a.B},"
            " dependsOn: [nope]}]}",
            "tasks[0].tasks: Not existing task id in dependency: nope",
        ),
        (
            "{id: d, type: io.kestra.plugin.core.flow.Dag, tasks: [{task: {id: x, type: a.B},"
            " dependsOn: [y]}, {task: {id: y, type: a.B}, dependsOn: [x]}]}",
            "tasks[0].tasks: Cyclic dependency detected: x, y",
        ),
        (
            "{id: sub, type: io.kestra.plugin.core.flow.Subflow, namespace: b, flowId: a}",
            "tasks[0]: Recursive call to flow [b.a]",
        ),
        (
            "{id: legacy, type: io.kestra.core.tasks.flows.Parallel, tasks: []}",
            "tasks[0].tasks: must not be empty",
        ),
    ],
)
def test_core_flowable_rules(task: str, expected: str) -> None:
    problems, _ = check(f"id: a\nnamespace: b\ntasks:\n  - {task}\n")
    assert expected in messages(problems)


INPUTS = """\
id: a
namespace: b
inputs:
{inputs}
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ inputs }}}}"
"""


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ("  - {id: x, type: FOO}", "inputs[0].type: unknown input type 'FOO'"),
        ("  - {id: x}", "inputs[0].type: must not be null"),
        (
            "  - {id: 'wrong one', type: STRING}",
            'inputs[0].id: must match "^[a-zA-Z0-9][.a-zA-Z0-9_-]*"',
        ),
        (
            "  - {id: x, type: STRING}\n  - {id: x, type: INT}",
            "inputs[1].id: Duplicate input with name [x]",
        ),
        (
            "  - {id: f, type: FILE, defaults: something}",
            "inputs[0].defaults: no `defaults` can be set for inputs of type 'FILE'",
        ),
        (
            "  - {id: arr, type: ARRAY, itemType: ARRAY}",
            "inputs[0].itemType: `itemType` cannot be `ARRAY`",
        ),
        ("  - {id: arr, type: ARRAY}", "inputs[0].itemType: must not be null"),
        (
            "  - {id: m, type: MULTISELECT, itemType: SECRET}",
            "inputs[0].itemType: `itemType` cannot be SECRET",
        ),
        (
            "  - {id: v, type: STRING, validator: '\\'}",
            "inputs[0].validator: invalid regular expression",
        ),
        (
            "  - {id: v, type: STRING, validator: '(a'}",
            "inputs[0].validator: invalid regular expression",
        ),
        (
            "  - {id: a1, type: STRING, dependsOn: {inputs: [nope]}}",
            "inputs[0].dependsOn: Input with id 'a1' depends on a non-existent input 'nope'.",
        ),
        (
            "  - {id: a1, type: STRING, dependsOn: {inputs: [a2]}}\n"
            "  - {id: a2, type: STRING, dependsOn: {inputs: [a1]}}",
            "inputs[0].dependsOn: Cycle dependency detected for input with id 'a1': [a1, a2]",
        ),
    ],
)
def test_input_rules(inputs: str, expected: str) -> None:
    problems, _ = check(INPUTS.format(inputs=inputs))
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


def test_required_inputs_must_be_supplied_when_inputs_are_given() -> None:
    text = INPUTS.format(
        inputs="  - {id: user, type: STRING}\n  - {id: opt, type: STRING, required: false}\n"
        "  - {id: dflt, type: STRING, defaults: x}\n  - {id: nested.key, type: INT}"
    )
    assert check(text)[0] == []  # no inputs given: a preview, not an execution
    # with `inputs={}`: see tests/data/flows/validation/required_inputs_given.yml
    assert check(text, inputs={"user": "x", "nested": {"key": 1}})[0] == []
    assert check(text, inputs={"user": "x", "nested.key": "1"})[0] == []


def test_labels_list_or_map_and_system_labels() -> None:
    base = "id: a\nnamespace: b\ntasks: [{id: t, type: a.B}]\n"
    assert check(base + "labels: {team: data, n: 1}\n")[0] == []
    assert check(base + "labels: [{key: team, value: data}]\n")[0] == []
    assert check(base + "labels: {system.readOnly: 'true'}\n")[0] == []
    assert messages(check(base + "labels: [{value: x}]\n")[0]) == [
        "labels[0]: a label needs `key` and `value`"
    ]
    assert messages(check(base + "labels: text\n")[0]) == [
        "labels: must be a list of {key, value} or a mapping"
    ]


def test_dash_references_need_brackets() -> None:
    problems, _ = check(flow_text("dash_references", VALIDATION))
    assert [p.message.rsplit(": ", 1)[-1] for p in problems] == ["[produce-output]", "[use]"]


def test_timestamps_stay_text_and_anchors_work() -> None:
    data, _, problems = load_flow_yaml(
        "id: a\nnamespace: b\nvariables: {day: 2024-01-31, at: 2024-01-31T10:00:00Z}\n"
        "base: &base {type: a.B}\ntasks:\n  - <<: *base\n    id: t\n"
    )
    assert problems == []
    assert data["variables"] == {"day": "2024-01-31", "at": "2024-01-31T10:00:00Z"}
    assert data["tasks"][0] == {"type": "a.B", "id": "t"}


def test_format_path() -> None:
    assert format_path(("tasks", 2, "uri")) == "tasks[2].uri"
    assert format_path(("tasks", 0, "headers", "Content-Type")) == "tasks[0].headers.Content-Type"
    assert format_path(("labels", "system.x")) == 'labels["system.x"]'
    assert format_path(("cases", 1, 0)) == "cases[1][0]"
    assert format_path(()) == ""


# --- robustness: whatever the YAML holds, only FlowError (or a KestraFlow) comes out --------

_WORDS = [
    "x",
    "a.B",
    "io.kestra.plugin.core.flow.Dag",
    "io.kestra.plugin.core.flow.If",
    "STRING",
    "id",
    "io.kestra.plugin.core.flow.Switch",
    "io.kestra.plugin.core.flow.WorkingDirectory",
    "",
    "{{ flow.id }}",
    "{{ outputs.t.value }}",
    "{% if x %}",
    "{{ secret('S') }}",
]
_KEYS = [
    "id",
    "type",
    "tasks",
    "task",
    "dependsOn",
    "cases",
    "defaults",
    "then",
    "else",
    "errors",
    "finally",
    "values",
    "inputs",
    "key",
    "value",
    "condition",
    "itemType",
    "required",
    "validator",
]
_PLACES = [
    "tasks",
    "errors",
    "finally",
    "afterExecution",
    "inputs",
    "outputs",
    "labels",
    "triggers",
    "variables",
    "id",
    "namespace",
    "listeners",
]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(_WORDS))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(_PLACES), value=_values, nested=_values)
def test_any_structure_gives_flow_error_or_a_flow(key: str, value: object, nested: object) -> None:
    data = yaml.safe_load(MINIMAL)
    data[key] = value
    data["tasks"] = [*(data["tasks"] if isinstance(data["tasks"], list) else []), nested]
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        flow = KestraFlow.from_yaml(text, secrets={"S": "value"}, environ={})
    except FlowError as exc:
        assert exc.problems
        assert all(isinstance(p, FlowProblem) and p.message for p in exc.problems)
    else:
        assert flow.id and isinstance(flow.tasks, list)
        flow.html()
        flow.text()
