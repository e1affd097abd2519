"""`kestra_nb.flow.properties`: checking plugins against the property index.

The acceptance test walks every plugin of Kestra's own test flows (`../shared/kestra-flows`):
the valid ones must give zero errors, and the invalid ones the index can judge are rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kestra_nb.flow.properties import (
    PropertyProblem,
    check_flow_keys,
    check_task,
    is_covered,
    load_index,
    nested_plugin_properties,
    plugin_defaults,
    plugin_kind,
    resolve_type,
    type_properties,
    walk_plugins,
)

LOG = "io.kestra.plugin.core.log.Log"
RETURN = "io.kestra.plugin.core.debug.Return"
PYTHON = "io.kestra.plugin.scripts.python.Script"
# Plugins defined in Kestra's *test* sources (core/src/test/java), used by its test flows: no
# real Kestra has them. Only this one lives in a package the index covers, so the index
# rightly calls it unknown; the others are in packages it does not cover ("not checked").
KESTRA_TEST_PLUGINS = {"io.kestra.plugin.core.trigger.WebhookTestPlugin"}


def errors(problems: list[PropertyProblem]) -> list[PropertyProblem]:
    return [p for p in problems if p.severity == "error"]


def messages(problems: list[PropertyProblem], severity: str = "error") -> list[str]:
    return [p.message for p in problems if p.severity == severity]


class _FlowLoader(yaml.SafeLoader):
    """Safe YAML with timestamps left as strings, as Jackson hands them to Kestra's model."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_flows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [d for d in yaml.load_all(handle, Loader=_FlowLoader) if isinstance(d, dict)]


def check_flow(flow: Mapping[str, Any]) -> tuple[list[PropertyProblem], list[str], int]:
    """(problems, types not checked, plugins checked) for one flow, as a caller would."""
    problems = check_flow_keys(flow)
    not_checked: list[str] = []
    checked = 0
    for path, kind, mapping in walk_plugins(flow):
        type_name = mapping.get("type")
        if not isinstance(type_name, str) or not is_covered(type_name):
            not_checked.append(str(type_name))
            continue
        checked += 1
        defaults = plugin_defaults(flow, type_name)
        problems += check_task(mapping, path, kind, defaults)
    return problems, not_checked, checked


# --- one plugin ------------------------------------------------------------------------------


def test_valid_log_task() -> None:
    assert check_task({"id": "a", "type": LOG, "message": "hi {{ flow.id }}"}, "tasks[0]") == []


def test_unknown_property_with_did_you_mean() -> None:
    problems = check_task({"id": "a", "type": LOG, "mesage": "hi"}, "tasks[0]", "task")
    unknown = [p for p in problems if p.key == "mesage"]
    assert unknown == [
        PropertyProblem(
            "tasks[0].mesage",
            f"unknown property `mesage` of `{LOG}` (did you mean `message`?)",
            "error",
            "mesage",
        )
    ]
    assert any(p.key == "message" and "missing required" in p.message for p in problems)


def test_common_task_keys_come_from_the_task_base_class() -> None:
    task = {
        "id": "a",
        "type": RETURN,
        "format": "x",
        "description": "d",
        "retry": {"type": "constant", "interval": "PT1S", "maxAttempts": 2},
        "timeout": "PT1M",
        "disabled": False,
        "logLevel": "DEBUG",
        "allowFailure": True,
        "allowWarning": True,
        "runIf": "{{ true }}",
        "taskCache": {"enabled": True},
        "logToFile": True,
        "workerGroup": {"key": "g"},
    }
    problems = check_task(task, "tasks[0]", "task")
    assert errors(problems) == []
    assert messages(problems, "warning") == ["`workerGroup` is removed in Kestra 2.0"]


def test_missing_required_unless_plugin_defaults_supply_it() -> None:
    task = {"id": "a", "type": LOG}
    assert messages(check_task(task, "t")) == ["missing required property `message`"]
    assert check_task(task, "t", defaults={"message": "from defaults"}) == []


def test_plugin_defaults_match_type_alias_and_prefix() -> None:
    flow = {
        "pluginDefaults": [
            {"type": "io.kestra.plugin.core.log", "values": {"level": "WARN"}},
            {"type": "io.kestra.core.tasks.log.Log", "values": {"message": "m"}},
            {"type": "io.kestra.plugin.scripts", "values": {"script": "x"}},
        ]
    }
    assert plugin_defaults(flow, LOG) == {"level": "WARN", "message": "m"}
    assert plugin_defaults(flow, "io.kestra.core.tasks.log.Log") == {
        "level": "WARN",
        "message": "m",
    }
    assert plugin_defaults({"pluginDefaults": "nonsense"}, LOG) == {}


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("level", "{{ inputs.level }}"),  # Property<Level>: expressions always
        ("level", "WARN"),
        ("timeout", "PT5M"),
        ("timeout", "{{ inputs.timeout }}"),
        ("allowFailure", "true"),  # Jackson coerces the text "true"
        ("description", 12),  # and a number to a string
    ],
)
def test_values_kestra_accepts(prop: str, value: object) -> None:
    task = {"id": "a", "type": LOG, "message": "m", prop: value}
    assert errors(check_task(task, "t")) == []


def test_numbers_given_as_strings_are_fine_for_property_integer() -> None:
    task = {"id": "d", "type": "io.kestra.plugin.core.flow.Dag", "concurrent": "3", "tasks": []}
    assert errors(check_task(task, "t")) == []
    task["concurrent"] = "three"
    assert messages(check_task(task, "t")) == ["`concurrent` expects an integer, got 'three'"]


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("level", "LOUD", "`level` expects one of ERROR, WARN, INFO, DEBUG, TRACE; got 'LOUD'"),
        ("timeout", "5 minutes", "expects an ISO-8601 duration"),
        ("allowFailure", "{{ x }}", "is not dynamic here"),
        ("allowFailure", [True], "`allowFailure` expects a boolean, got a list"),
        ("logLevel", {"a": 1}, "expects one of"),
    ],
)
def test_values_of_the_wrong_shape(prop: str, value: object, message: str) -> None:
    task = {"id": "a", "type": LOG, "message": "m", prop: value}
    found = messages(check_task(task, "tasks[1]"))
    assert len(found) == 1 and message in found[0], found


def test_wrong_shape_inside_a_list_names_the_item() -> None:
    task = {"id": "p", "type": PYTHON, "script": "print(1)", "beforeCommands": ["ok", {"a": 1}]}
    problems = errors(check_task(task, "tasks[0]"))
    assert [p.path for p in problems] == ["tasks[0].beforeCommands[1]"]


def test_unknown_type_in_a_covered_namespace() -> None:
    problems = check_task({"id": "a", "type": "io.kestra.plugin.core.log.Lgo"}, "tasks[0]")
    assert messages(problems) == [
        f"unknown type `io.kestra.plugin.core.log.Lgo` (did you mean `{LOG}`?)"
    ]
    wrong_package = check_task({"id": "a", "type": "io.kestra.plugin.core.flow.Log"}, "t")
    assert "(did you mean `io.kestra.plugin.core.log.Log`?)" in messages(wrong_package)[0]


def test_types_outside_the_index_are_not_checked() -> None:
    for name in (
        "io.kestra.plugin.jdbc.postgresql.Query",
        "io.kestra.core.tasks.test.Read",  # a package the index does not describe
        "io.kestra.plugin.core.flow.WorkingDirectoryTest$LocalFiles",  # nested class
        "Log",
        None,
        42,
    ):
        assert not is_covered(name)
        assert check_task({"id": "a", "type": name, "whatever": 1}, "t") == []
    assert is_covered(LOG) and is_covered("io.kestra.core.tasks.log.Log")
    assert is_covered("io.kestra.plugin.core.log.Nope")
    assert is_covered("io.kestra.plugin.scripts.python.Nope")


def test_alias_is_accepted_with_a_warning_naming_the_new_type() -> None:
    problems = check_task({"id": "a", "type": "io.kestra.core.tasks.log.Log", "message": "m"}, "t")
    assert errors(problems) == []
    assert messages(problems, "warning") == [
        f"`io.kestra.core.tasks.log.Log` is a deprecated alias of `{LOG}`; "
        "Kestra 2.0 no longer accepts it"
    ]
    assert resolve_type("io.kestra.core.tasks.log.Log") == LOG
    assert plugin_kind("io.kestra.core.tasks.log.Log") == "task"


def test_deprecated_and_version_specific_are_warnings() -> None:
    task = {"id": "p", "type": PYTHON, "script": "x", "warningOnStdErr": False}
    assert messages(check_task(task, "t"), "warning") == ["`warningOnStdErr` is deprecated"]
    foreach = {"id": "f", "type": "io.kestra.plugin.core.flow.ForEach", "values": [1], "tasks": []}
    assert messages(check_task(foreach, "t"), "warning") == [
        "`io.kestra.plugin.core.flow.ForEach` is removed in Kestra 2.0"
    ]
    bash = {"id": "b", "type": "io.kestra.core.tasks.scripts.Bash", "commands": ["ls"]}
    assert "`io.kestra.core.tasks.scripts.Bash` is deprecated" in messages(
        check_task(bash, "t"), "warning"
    )


def test_kind_mismatch() -> None:
    problems = check_task(
        {"id": "s", "type": "io.kestra.plugin.core.trigger.Schedule"}, "t", "task"
    )
    assert messages(problems) == [
        "`io.kestra.plugin.core.trigger.Schedule` is a trigger, not a task"
    ]


def test_check_flow_keys() -> None:
    flow = {"id": "f", "namespace": "n", "tasks": [], "taks": [], "listeners": []}
    problems = check_flow_keys(flow)
    assert messages(problems) == ["unknown flow property `taks` (did you mean `tasks`?)"]
    assert messages(problems, "warning") == ["`listeners` is deprecated"]


# --- walking a flow --------------------------------------------------------------------------


def test_walk_plugins_reaches_every_nested_plugin() -> None:
    flow = {
        "id": "f",
        "namespace": "n",
        "tasks": [
            {
                "id": "if",
                "type": "io.kestra.plugin.core.flow.If",
                "condition": "{{ true }}",
                "then": [{"id": "a", "type": LOG, "message": "m"}],
                "else": [
                    {
                        "id": "sw",
                        "type": "io.kestra.core.tasks.flows.Switch",
                        "value": "x",
                        "cases": {"x": [{"id": "b", "type": RETURN}]},
                    }
                ],
            },
            {
                "id": "dag",
                "type": "io.kestra.plugin.core.flow.Dag",
                "tasks": [{"task": {"id": "c", "type": RETURN}, "dependsOn": []}],
            },
            {
                "id": "py",
                "type": PYTHON,
                "script": "x",
                "taskRunner": {"type": "io.kestra.plugin.core.runner.Process"},
            },
            {"id": "ext", "type": "io.kestra.plugin.other.Flowable", "tasks": [{"id": "x"}]},
        ],
        "errors": [{"id": "e", "type": LOG, "message": "m"}],
        "finally": [{"id": "fi", "type": LOG, "message": "m"}],
        "afterExecution": [{"id": "ae", "type": LOG, "message": "m"}],
        "triggers": [
            {
                "id": "t",
                "type": "io.kestra.plugin.core.trigger.Schedule",
                "cron": "* * * * *",
                "conditions": [
                    {
                        "type": "io.kestra.plugin.core.condition.Not",
                        "conditions": [{"type": "io.kestra.plugin.core.condition.Weekend"}],
                    }
                ],
            }
        ],
    }
    walked = [(path, kind) for path, kind, _ in walk_plugins(flow)]
    assert walked == [
        ("tasks[0]", "task"),
        ("tasks[0].then[0]", "task"),
        ("tasks[0].else[0]", "task"),
        ("tasks[0].else[0].cases.x[0]", "task"),
        ("tasks[1]", "task"),
        ("tasks[1].tasks[0].task", "task"),
        ("tasks[2]", "task"),
        ("tasks[2].taskRunner", "runner"),
        ("tasks[3]", "task"),
        ("errors[0]", "task"),
        ("finally[0]", "task"),
        ("afterExecution[0]", "task"),
        ("triggers[0]", "trigger"),
        ("triggers[0].conditions[0]", "condition"),
        ("triggers[0].conditions[0].conditions[0]", "condition"),
    ]
    problems, not_checked, checked = check_flow(flow)
    assert errors(problems) == [] and not_checked == ["io.kestra.plugin.other.Flowable"]
    assert checked == 14


def test_walk_plugins_ignores_odd_shapes() -> None:
    assert list(walk_plugins({"tasks": "nope", "triggers": [1, None]})) == []
    assert list(walk_plugins([])) == []  # type: ignore[arg-type]


# --- Kestra's own test flows -----------------------------------------------------------------


def test_kestra_valid_flows_give_no_errors(shared_dir: Path) -> None:
    files = sorted((shared_dir / "kestra-flows" / "valid").glob("*.y*ml"))
    assert len(files) == 303
    failures: dict[str, list[str]] = {}
    checked_total = 0
    test_plugin_files = set()
    for path in files:
        for flow in load_flows(path):
            problems, _, checked = check_flow(flow)
            checked_total += checked
            for p in errors(problems):
                if any(f"`{t}`" in p.message for t in KESTRA_TEST_PLUGINS):
                    test_plugin_files.add(path.name)
                    continue
                failures.setdefault(path.name, []).append(f"{p.path}: {p.message}")
    assert failures == {}
    assert test_plugin_files == {"webhook-plugin.yaml"}
    assert checked_total >= 850  # 861 plugins checked when written


# Invalid flows this checker rejects. The other invalid flows are invalid for reasons outside
# a plugin's properties (duplicate ids or keys, bad ids, dependsOn cycles, input rules, ...),
# which kestra_nb.flow.validation checks; `if-without-condition` is rejected by Kestra 2.0
# only (If.condition is @NotNull in 2.0, not in 1.3): a warning here.
REJECTED_INVALID = {
    "invalid-property.yaml",
    "invalid-task.yaml",
    "invalid-parallel.yaml",
    "workingdirectory-no-tasks.yaml",
}


def test_kestra_invalid_flows_that_need_a_plugin_schema_are_rejected(shared_dir: Path) -> None:
    rejected = set()
    warned = set()
    for path in sorted((shared_dir / "kestra-flows" / "invalid").glob("*.y*ml")):
        try:
            flows = load_flows(path)
        except yaml.YAMLError:
            continue  # duplicate keys etc.: not this module's concern
        for flow in flows:
            problems, _, _ = check_flow(flow)
            if errors(problems):
                rejected.add(path.name)
            elif problems:
                warned.add(path.name)
    assert rejected == REJECTED_INVALID
    assert "if-without-condition.yaml" in warned


# --- properties ------------------------------------------------------------------------------

TYPES = sorted(load_index()["types"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    type_name=st.sampled_from(TYPES) | st.text(max_size=20),
    extra=st.dictionaries(st.text(max_size=12), json_values, max_size=5),
    kind=st.sampled_from([None, "task", "trigger", "condition", "runner"]),
)
def test_check_task_never_raises(type_name: str, extra: dict[str, Any], kind: str | None) -> None:
    problems = check_task({**extra, "type": type_name}, "tasks[0]", kind)
    assert all(isinstance(p, PropertyProblem) for p in problems)
    assert all(p.severity in ("error", "warning") for p in problems)


@settings(max_examples=300, deadline=None)
@given(type_name=st.sampled_from(TYPES), key=st.text(min_size=1, max_size=15))
def test_did_you_mean_only_suggests_properties_of_the_type(type_name: str, key: str) -> None:
    props = type_properties(type_name) or {}
    for problem in check_task({"type": type_name, key: None}, "t"):
        if problem.key == key and "did you mean" in problem.message:
            suggested = problem.message.split("did you mean `", 1)[1].split("`", 1)[0]
            assert suggested in props and suggested != key


def test_nested_plugin_properties_of_unknown_type() -> None:
    assert nested_plugin_properties("io.kestra.plugin.other.X") == {}
