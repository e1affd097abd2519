"""Kestra's own test flows (`../shared/kestra-flows`, read in place, never copied here).

Every flow Kestra's test suite treats as valid must be accepted and must render without an
engine crash (one known exception: a plugin that exists only in Kestra's test sources); of the
invalid ones, those whose problem is structural, a core-plugin rule or a plugin property must
be rejected with `FlowError` (at least 25 of 27), and nothing may raise anything else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_nb import FlowError
from kestra_nb.flow import KestraFlow

# Kestra's test environment (`build.gradle`): the secrets and envs its flows read
SECRETS = {
    "MY_SECRET": '{"secretKey":"secretValue"}',
    "NEW_LINE": "line one\nline two",
    "PASSWORD": "password",
    "WEBHOOK_KEY": "webhook-key-value",
}
ENVIRON = {"ENV_TEST1": "true", "ENV_TEST2": "Pass by env"}

# invalid/ file -> a message its FlowError must contain
EXPECTED_REJECTED = {
    "dag-cyclicdependency.yaml": "Cyclic dependency detected: task1, task2",
    "dag-notexist-task.yaml": "Not existing task id in dependency: taskX",
    "duplicate-inputs.yaml": "Duplicate input with name [first_input]",
    "duplicate-key.yaml": "Duplicate field 'message'",
    "duplicate-parallel.yaml": "Duplicate task id with name [t3]",
    "duplicate.yaml": "Duplicate trigger id with name [trigger]",
    "empty.yaml": "tasks · line 1 · must not be empty",
    "if-without-condition.yaml": "tasks[0].condition · line 5 · must not be null",
    "inputs-bad-type.yaml": "unknown input type 'FOO'",
    "inputs-bad-validator-syntax.yaml": "inputs[0].validator · line 6 · invalid regular",
    "inputs-key-with-subtraction-symbol-validation.yaml": "offending tasks: [hello]",
    "inputs-validation.yaml": "`itemType` cannot be `ARRAY`",
    "inputs.yaml": "inputs[0].type · line 4 · must not be null",
    "invalid-parallel.yaml": "tasks[0].tasks · line 12 · must not be empty",
    "invalid.yaml": 'namespace · line 2 · must match "^[a-z0-9][a-z0-9._-]*"',
    "invalid-property.yaml": (
        "tasks[0].invalid · line 7 · unknown property `invalid` of "
        "`io.kestra.plugin.core.debug.Return`"
    ),
    "invalid-task.yaml": (
        "tasks[0].type · line 6 · unknown type `io.kestra.plugin.core.debug.MissingTwo`"
    ),
    "outputs-key-with-subtraction-symbol-validation.yaml": "offending outputs: [final]",
    "recursive-flow.yaml": "Recursive call to flow [io.kestra.tests.recursive-flow]",
    "scheduled-missing-inputs-defaults-2.yaml": "missing inputs: 'user2'",
    "scheduled-missing-inputs-defaults.yaml": "missing inputs: 'user2'",
    "switch-invalid.yaml": "No task defined, neither cases or default have any tasks",
    "system-labels.yaml": "offending label: system.label=system_key",
    "workingdirectory-invalid.yaml": "Only runnable tasks are allowed as children",
    "workingdirectory-no-tasks.yaml": "The 'tasks' property cannot be empty",
}
# accepted here, and why no notebook tool can reject them
EXPECTED_ACCEPTED = {
    "inputs-with-multiple-constraint-violations.yaml": "fails on execution input values",
    "loop-switch-failed.yaml": "fails at run time (the Fail task), not on save",
}
# valid/ files whose rendering reports errors, because Kestra's run fails on them too
EXPECTED_RENDER_ERRORS = {
    "failed-first.yaml": "Unable to find `missingVar`",
    "flow-with-outputs-failed.yml": "Unable to find `invalid`",
    "flowable-with-parent-fail.yaml": 'Unexpected token "OPERATOR" of value "%"',
    "if-condition-fail.yaml": "Unable to find `run`",
    "parallel-fail-with-flowable.yaml": "Unable to find `nonexistent_variable`",
    "replay-revision.yaml": "Unable to find `this_is_undefined`",
    "secrets.yaml": "Cannot find secret for key 'not_found'.",
    "task-flow-dynamic.yaml": "Unable to find `namespace`",
    "variables-invalid.yaml": "Unable to find `invalid`",
}
# valid/ files rejected here, and why. `WebhookTestPlugin` is defined in Kestra's *test*
# sources (core/src/test/java), inside the core trigger package: no released Kestra has it,
# so a real server refuses this flow too ("unknown type" is right, not a gap of the index).
EXPECTED_VALID_REJECTED = {
    "webhook-plugin.yaml": "unknown type `io.kestra.plugin.core.trigger.WebhookTestPlugin`",
}


def _files(shared_dir: Path, kind: str) -> list[Path]:
    files = sorted(p for p in (shared_dir / "kestra-flows" / kind).iterdir() if p.is_file())
    assert files, f"no flows in {kind}/"
    return files


def test_every_valid_flow_is_accepted_and_renders(shared_dir: Path) -> None:
    files = _files(shared_dir, "valid")
    assert len(files) == 303
    rejected: dict[str, str] = {}
    render_errors: dict[str, list[str]] = {}
    deferred = 0
    for path in files:
        try:
            flow = KestraFlow.from_yaml(
                path.read_text(encoding="utf-8"), secrets=SECRETS, environ=ENVIRON
            )
        except FlowError as exc:
            rejected[path.name] = str(exc)
            continue
        assert flow.tasks, path.name
        deferred += len(flow.deferred)
        if flow.errors:
            render_errors[path.name] = [e.message for e in flow.errors]
        shown = flow.to_yaml() + flow.html() + flow.text() + repr(flow)
        for value in SECRETS.values():
            if value in flow.source:
                continue  # a flow writing the value itself (PASSWORD's "password" as a default)
            assert value not in shown, f"{path.name} shows a secret value"
    assert sorted(rejected) == sorted(EXPECTED_VALID_REJECTED)
    for name, needle in EXPECTED_VALID_REJECTED.items():
        problems = rejected[name].split(": ", 1)[1]
        # every problem of that flow is this one type, nothing else
        assert problems.count("unknown type") == problems.count(needle) >= 1, rejected[name]
        assert "unknown property" not in problems
    assert sorted(render_errors) == sorted(EXPECTED_RENDER_ERRORS)
    for name, needle in EXPECTED_RENDER_ERRORS.items():
        assert any(needle in m for m in render_errors[name]), (name, render_errors[name])
    # no engine crash hides behind an error: every message is Kestra's (its Java class
    # names dropped, issue 12), never a Python exception's
    python_errors = ("TypeError", "AttributeError", "KeyError", "ValueError", "IndexError")
    for name, messages in render_errors.items():
        for message in messages:
            assert "io.pebbletemplates." not in message, (name, message)
            assert not any(f"{e}:" in message for e in python_errors), (name, message)
    assert deferred > 250  # outputs, taskrun, trigger, ... are deferred, not errors


def test_invalid_flows_are_rejected_with_flow_error_only(shared_dir: Path) -> None:
    files = _files(shared_dir, "invalid")
    assert len(files) == 27
    rejected: dict[str, str] = {}
    accepted: list[str] = []
    for path in files:
        try:
            KestraFlow.from_yaml(path.read_text(encoding="utf-8"), secrets=SECRETS, environ=ENVIRON)
        except FlowError as exc:
            assert exc.problems, path.name
            assert all(p.message for p in exc.problems)
            rejected[path.name] = str(exc)
        else:
            accepted.append(path.name)
        # anything else than FlowError propagates and fails this test
    assert sorted(rejected) == sorted(EXPECTED_REJECTED)
    assert sorted(accepted) == sorted(EXPECTED_ACCEPTED)
    assert len(rejected) >= 25
    for name, needle in EXPECTED_REJECTED.items():
        assert needle in rejected[name], (name, rejected[name])


def test_invalid_flows_report_every_problem(shared_dir: Path) -> None:
    text = (shared_dir / "kestra-flows" / "invalid" / "duplicate.yaml").read_text()
    with pytest.raises(FlowError) as info:
        KestraFlow.from_yaml(text, secrets={}, environ={})
    assert [(p.path, p.line) for p in info.value.problems] == [
        ("tasks[2].tasks[0].id", 15),
        ("tasks[2].errors[0].id", 19),
        ("errors[0].id", 24),
        ("triggers[1].id", 31),
    ]


def test_unknown_core_task_is_an_error_with_did_you_mean(shared_dir: Path) -> None:
    text = (shared_dir / "kestra-flows" / "invalid" / "invalid-task.yaml").read_text()
    with pytest.raises(FlowError) as info:
        KestraFlow.from_yaml(text, secrets={}, environ={})
    problems = info.value.problems
    assert [(p.path, p.line) for p in problems] == [("tasks[0].type", 6), ("errors[0].type", 12)]
    assert problems[0].message.startswith(
        "unknown type `io.kestra.plugin.core.debug.MissingTwo` (did you mean `"
    )


def test_no_valid_flow_has_a_false_unknown_property_warning(shared_dir: Path) -> None:
    """An index gap would show as "unknown property" somewhere: there is none."""
    for path in _files(shared_dir, "valid"):
        if path.name in EXPECTED_VALID_REJECTED:
            continue
        flow = KestraFlow.from_yaml(path.read_text("utf-8"), secrets=SECRETS, environ=ENVIRON)
        assert not [w for w in flow.warnings if "unknown property" in w.message], path.name
