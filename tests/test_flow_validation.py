"""Flow parsing (positions, duplicate keys) and validation rules, one rule at a time.

Invalid flows go through `KestraFlow.from_yaml`, which must raise `FlowError` with every
problem (path, message, line, column) before any rendering happens.
"""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb import FlowError, FlowProblem
from kestra_nb.flow import KestraFlow
from kestra_nb.flow.source import format_path, load_flow_yaml
from kestra_nb.flow.tasks import walk_tasks
from kestra_nb.flow.validation import validate_flow


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


MINIMAL = """\
id: hello
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def test_minimal_flow_is_valid() -> None:
    problems, warnings = check(MINIMAL)
    assert problems == [] and warnings == []


def test_yaml_syntax_error_has_line_and_column() -> None:
    problems = problems_of("id: a\nnamespace: b\ntasks:\n  - id: x\n    type: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].message.startswith("invalid YAML")
    assert problems[0].line is not None and problems[0].line >= 5


def test_empty_text_and_non_mapping() -> None:
    assert problems_of("")[0].message == "the flow is empty"
    assert [str(p) for p in problems_of("# only a comment\n~\n")] == [
        "<flow> (line 2, column 1): the flow is empty"
    ]
    assert "must be a YAML mapping" in problems_of("- a\n- b\n")[0].message


def test_duplicate_key_names_both_lines() -> None:
    problems = problems_of(
        """\
        id: dup
        namespace: company.team
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: one
            message: two
        """
    )
    assert messages(problems) == [
        "tasks[0].message: Duplicate field 'message' (first set at line 6)"
    ]
    assert (problems[0].line, problems[0].column) == (7, 5)


def test_every_problem_at_once_sorted_by_line() -> None:
    problems = problems_of(
        """\
        id: my#flow
        namespace: MY$NAMESPACE
        tasks:
          - type: io.kestra.plugin.core.log.Log
            message: bla
          - id: ok
            type: NotDotted
        """
    )
    assert messages(problems) == [
        'id: must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*"',
        'namespace: must match "^[a-z0-9][a-z0-9._-]*"',
        "tasks[0].id: must not be null",
        "tasks[1].type: Invalid type: NotDotted",
    ]
    assert [p.line for p in problems] == [1, 2, 4, 7]
    text = str(FlowError(problems))
    assert "id (line 1, column 1): must match" in text


def test_id_and_namespace_limits() -> None:
    problems, _ = check(f"id: {'a' * 101}\nnamespace: {'b' * 151}\ntasks: [{{id: t, type: a.B}}]\n")
    assert messages(problems) == [
        "id: size must be between 1 and 100",
        "namespace: size must be between 1 and 150",
    ]
    problems, _ = check("id: ''\nnamespace: ''\ntasks: [{id: t, type: a.B}]\n")
    assert messages(problems) == ["id: must not be blank", "namespace: must not be blank"]


def test_tasks_missing_or_empty() -> None:
    assert messages(check("id: a\nnamespace: b\n")[0]) == ["tasks: must not be empty"]
    assert messages(check("id: a\nnamespace: b\ntasks: []\n")[0]) == ["tasks: must not be empty"]
    assert messages(check("id: a\nnamespace: b\ntasks: {x: 1}\n")[0]) == ["tasks: must be a list"]


def test_task_id_pattern_and_type_pattern() -> None:
    problems, _ = check(
        """\
        id: a
        namespace: b
        tasks:
          - id: "bad id"
            type: io.kestra.plugin.core.log.Log
            message: m
          - id: ok
            type: "io.kestra.9bad"
          - id: nested$ok
            type: io.kestra.core.plugins.AdditionalPluginTest$AdditionalPluginTestTask
        """
    )
    assert messages(problems) == [
        'tasks[0].id: must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*"',
        "tasks[1].type: Invalid type: io.kestra.9bad",
        'tasks[2].id: must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*"',
    ]


NESTED = """\
id: nested
namespace: company.team
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: seq
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
            message: a
        errors:
          - id: seq_err
            type: io.kestra.plugin.core.log.Log
            message: e
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: b
        type: io.kestra.plugin.core.log.Log
        message: b
    else:
      - id: c
        type: io.kestra.plugin.core.log.Log
        message: c
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: x
    cases:
      x:
        - id: d
          type: io.kestra.plugin.core.log.Log
          message: d
    defaults:
      - id: e
        type: io.kestra.plugin.core.log.Log
        message: e
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: f
          type: io.kestra.plugin.core.log.Log
          message: f
      - task:
          id: g
          type: io.kestra.plugin.core.log.Log
          message: g
        dependsOn: [f]
  - id: custom
    type: io.example.plugin.MyFlowable
    tasks:
      - id: h
        type: io.kestra.plugin.core.log.Log
        message: h
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: failed
finally:
  - id: at_last
    type: io.kestra.plugin.core.log.Log
    message: done
afterExecution:
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
"""


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
    assert check(NESTED) == ([], [])


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


def test_switch_with_integer_case_keys_is_valid() -> None:
    problems, _ = check(
        """\
        id: a
        namespace: b
        tasks:
          - id: s
            type: io.kestra.plugin.core.flow.Switch
            value: "1"
            cases:
              1:
                - id: one
                  type: io.kestra.plugin.core.log.Log
                  message: one
        """
    )
    assert problems == []


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


def test_unknown_plugin_tasks_are_not_judged() -> None:
    problems, warnings = check(
        """\
        id: a
        namespace: b
        tasks:
          - id: x
            type: io.example.Whatever
            tasks: [1, 2]
            then: not-a-list
            anything: {goes: here}
        """
    )
    assert problems == [] and warnings == []


def test_unknown_core_task_is_an_error_with_did_you_mean() -> None:
    # issue 13: Kestra refuses an unknown type in a package the property index covers
    problems, warnings = check(
        "id: a\nnamespace: b\ntasks:\n  - {id: x, type: io.kestra.plugin.core.debug.MissingTwo}\n"
    )
    assert messages(problems) == [
        "tasks[0].type: unknown type `io.kestra.plugin.core.debug.MissingTwo`"
        " (did you mean `io.kestra.plugin.core.debug.Echo`?)"
    ]
    assert warnings == []


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


def test_input_rules_that_must_not_reject() -> None:
    inputs = "\n".join(
        [
            "  - {id: nested.key, type: STRING, required: false}",
            "  - {id: ok, type: STRING, validator: 'A\\d+'}",
            "  - {id: java, type: STRING, validator: '\\p{Lu}++'}",
            "  - {id: lookahead, type: STRING, validator: '(?=.{8,})(?=.*[A-Z]).*'}",
            "  - {id: f, type: FILE, defaults: 'nsfile:///data.csv'}",
            "  - {id: b, type: BOOL, defaults: true}",
            "  - {id: opt, type: STRING, required: false, defaults: x}",
        ]
    )
    problems, warnings = check(INPUTS.format(inputs=inputs))
    assert problems == []
    assert messages(warnings) == [
        "inputs[6].required: Inputs with a default value must be required, since the default is"
        " always applied (rejected by recent Kestra)"
    ]


def test_required_inputs_must_be_supplied_when_inputs_are_given() -> None:
    text = INPUTS.format(
        inputs="  - {id: user, type: STRING}\n  - {id: opt, type: STRING, required: false}\n"
        "  - {id: dflt, type: STRING, defaults: x}\n  - {id: nested.key, type: INT}"
    )
    assert check(text)[0] == []  # no inputs given: a preview, not an execution
    problems, _ = check(text, inputs={})
    assert messages(problems) == [
        "inputs[0]: Invalid input for `user`, missing required input, but received `null`",
        "inputs[3]: Invalid input for `nested.key`, missing required input, but received `null`",
    ]
    assert check(text, inputs={"user": "x", "nested": {"key": 1}})[0] == []
    assert check(text, inputs={"user": "x", "nested.key": "1"})[0] == []


def test_labels_list_or_map_and_system_labels() -> None:
    base = "id: a\nnamespace: b\ntasks: [{id: t, type: a.B}]\n"
    assert check(base + "labels: {team: data, n: 1}\n")[0] == []
    assert check(base + "labels: [{key: team, value: data}]\n")[0] == []
    assert check(base + "labels: {system.readOnly: 'true'}\n")[0] == []
    problems, _ = check(base + "labels:\n  system.label: x\n  another: y\n")
    assert messages(problems) == [
        'labels["system.label"]: System labels can only be set by Kestra itself, offending'
        " label: system.label=x"
    ]
    assert problems[0].line == 5
    assert messages(check(base + "labels: [{value: x}]\n")[0]) == [
        "labels[0]: a label needs `key` and `value`"
    ]
    assert messages(check(base + "labels: text\n")[0]) == [
        "labels: must be a list of {key, value} or a mapping"
    ]


def test_triggers_need_id_and_type_and_unique_ids() -> None:
    problems, _ = check(
        """\
        id: a
        namespace: b
        tasks: [{id: t, type: a.B}]
        triggers:
          - id: sched
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "* * * * *"
          - id: sched
            type: io.kestra.plugin.core.trigger.Webhook
            key: k
          - type: io.kestra.plugin.core.trigger.Webhook
            key: k2
          - id: t3
        """
    )
    assert messages(problems) == [
        "triggers[1].id: Duplicate trigger id with name [sched]",
        "triggers[2].id: must not be null",
        "triggers[3].type: must not be null",
    ]


def test_schedule_trigger_needs_every_required_input() -> None:
    text = """\
        id: a
        namespace: b
        inputs:
          - {id: user, type: STRING, defaults: John}
          - {id: user2, type: STRING}
          - {id: opt, type: STRING, required: false}
        tasks: [{id: t, type: a.B}]
        triggers:
          - id: every_minute
            type: io.kestra.plugin.core.trigger.Schedule
            cron: "*/1 * * * *"
        """
    problems, _ = check(text)
    assert messages(problems) == [
        "triggers[0]: Missing inputs for Schedule Trigger 'every_minute', missing inputs: 'user2'"
    ]
    fixed = textwrap.dedent(text) + "    inputs: {user2: Ada}\n"
    assert check(fixed)[0] == []


def test_dash_references_need_brackets() -> None:
    problems, _ = check(
        """\
        id: a
        namespace: b
        inputs:
          - {id: server-fqn, type: STRING, defaults: x}
        tasks:
          - id: produce-output
            type: io.kestra.plugin.core.debug.Return
            format: "{{ inputs.server-fqn }}"
          - id: fine
            type: io.kestra.plugin.core.log.Log
            message: "{{ inputs['server-fqn'] }} {{ outputs['produce-output'].value }}"
          - id: use
            type: io.kestra.plugin.core.log.Log
            message: "{{ outputs.produce-output.value }}"
        """
    )
    assert [p.message.rsplit(": ", 1)[-1] for p in problems] == ["[produce-output]", "[use]"]


def test_outputs_unique_ids() -> None:
    problems, _ = check(
        "id: a\nnamespace: b\ntasks: [{id: t, type: a.B}]\n"
        "outputs:\n  - {id: o, type: STRING, value: x}\n  - {id: o, type: STRING, value: y}\n"
    )
    assert messages(problems) == ["outputs[1].id: Duplicate output with name [o]"]


def test_unknown_flow_property_is_a_warning() -> None:
    problems, warnings = check(MINIMAL + "somethingNew: 1\n")
    assert problems == []
    assert messages(warnings) == [
        "somethingNew: unknown flow property 'somethingNew' (Kestra may reject it)"
    ]


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
