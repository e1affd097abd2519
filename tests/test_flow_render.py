"""Rendering flows as Kestra would at run time: flows from Kestra's docs and blueprints.

Real engine, real secret store, real masker: the rendered values are checked one by one,
as are the deferred expressions, the reported errors and what may be displayed.
"""

# ruff: noqa: E501  (flow fixtures keep their long one-line expressions, as users write them)
from __future__ import annotations

import base64
import datetime as dt
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from kestra_nb import FlowError, SecretStore
from kestra_nb.atomic import TargetExistsError
from kestra_nb.flow import KestraFlow
from tests import flow_helpers as helpers
from tests.flow_helpers import shown

TOKEN = "ghp_s3cr3tT0ken42"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"


def flow_of(text: str, **kwargs: Any) -> KestraFlow:
    kwargs.setdefault("secrets", {"GITHUB_TOKEN": TOKEN})
    return helpers.flow_of(text, **kwargs)


HELLO_SECRET = """\
id: hello_secret
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Token is {{ secret('GITHUB_TOKEN') }}"
"""


# the log task with a secret: tests/data/flows/hello_secret.yml


HTTP_REQUEST = """\
id: api_call
namespace: company.team
inputs:
  - id: uri
    type: URI
    defaults: https://dummyjson.com/products
tasks:
  - id: request
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.uri }}"
    method: GET
    headers:
      Authorization: "Bearer {{ secret('API_TOKEN') }}"
      Content-Type: application/json
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.request.body }}"
"""


def test_http_request_with_authorization_header() -> None:
    flow = flow_of(HTTP_REQUEST, secrets={"api_token": "abc.def.ghi"})
    request = flow.rendered["tasks"][0]
    assert request["uri"] == "https://dummyjson.com/products"
    assert request["headers"] == {
        "Authorization": "Bearer abc.def.ghi",
        "Content-Type": "application/json",
    }
    assert flow.secrets_used == ["API_TOKEN"]
    assert flow.inputs_used == ["uri"]
    assert [tuple(d) for d in flow.deferred] == [
        ("tasks[1].message", "{{ outputs.request.body }}", "outputs")
    ]
    assert "Authorization: Bearer ******" in flow.to_yaml()
    assert "abc.def.ghi" not in shown(flow)
    assert flow.to_yaml(masked=False).count("abc.def.ghi") == 1


def test_missing_secret_is_an_error_with_path_task_and_kestra_message() -> None:
    flow = flow_of(HTTP_REQUEST, secrets={})
    assert flow.missing_secrets == ["API_TOKEN"] and flow.secrets_used == ["API_TOKEN"]
    assert len(flow.errors) == 1
    error = flow.errors[0]
    assert error.path == "tasks[0].headers.Authorization"
    assert error.task_id == "request"
    assert error.line == 13
    # issue 12: Kestra's message without its Java class, the expression, not the property
    assert error.message == "Cannot find secret for key 'API_TOKEN'."
    assert error.expression == "{{ secret('API_TOKEN') }}"
    assert str(error) == (
        "tasks[0].headers.Authorization · line 13 · Cannot find secret for key 'API_TOKEN'."
        " ({{ secret('API_TOKEN') }}) Pass it in secrets=, or set SECRET_API_TOKEN (base64) in"
        " the environment"
    )
    # the expression stays verbatim, the rest of the flow still renders
    assert flow.rendered["tasks"][0]["headers"]["Authorization"] == (
        "Bearer {{ secret('API_TOKEN') }}"
    )
    assert flow.rendered["tasks"][0]["uri"] == "https://dummyjson.com/products"
    assert "API_TOKEN" in flow.text() and "errors (1)" in flow.text()


FOR_EACH = """\
id: for_each_value
namespace: company.team
tasks:
  - id: for_each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["value 1", "value 2", "value 3"]
    concurrencyLimit: 2
    tasks:
      - id: before_if
        type: io.kestra.plugin.core.debug.Return
        format: "Before if {{ taskrun.value }} in {{ flow.id }}"
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: '{{ taskrun.value == "value 2" }}'
        then:
          - id: after_if
            type: io.kestra.plugin.core.debug.Return
            format: "After if {{ parent.taskrun.value }} ({{ task.id }})"
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: p1
        type: io.kestra.plugin.core.log.Log
        message: "{{ task.id }} of {{ flow.namespace }}.{{ flow.id }} rev {{ flow.revision }}"
      - id: p2
        type: io.kestra.plugin.core.log.Log
        message: "{% for v in outputs.before_if %}{{ v.value }}{% endfor %} {{ flow.id }}"
"""


def test_for_each_and_parallel_nested_tasks() -> None:
    flow = flow_of(FOR_EACH)
    paths = [path for path, _task in flow.tasks]
    assert paths == [
        "tasks[0]",
        "tasks[0].tasks[0]",
        "tasks[0].tasks[1]",
        "tasks[0].tasks[1].then[0]",
        "tasks[1]",
        "tasks[1].tasks[0]",
        "tasks[1].tasks[1]",
    ]
    loop = flow.rendered["tasks"][0]
    assert loop["values"] == ["value 1", "value 2", "value 3"]
    # the known part renders, only the run-time expression stays verbatim
    assert loop["tasks"][0]["format"] == "Before if {{ taskrun.value }} in for_each_value"
    assert loop["tasks"][1]["condition"] == '{{ taskrun.value == "value 2" }}'
    assert loop["tasks"][1]["then"][0]["format"] == "After if {{ parent.taskrun.value }} (after_if)"
    par = flow.rendered["tasks"][1]
    assert par["tasks"][0]["message"] == "p1 of company.team.for_each_value rev 1"
    # a {% %} tag needing run-time values keeps the whole string verbatim
    assert par["tasks"][1]["message"] == (
        "{% for v in outputs.before_if %}{{ v.value }}{% endfor %} {{ flow.id }}"
    )
    assert [(d.path, d.root) for d in flow.deferred] == [
        ("tasks[0].tasks[0].format", "taskrun"),
        ("tasks[0].tasks[1].condition", "taskrun"),
        ("tasks[0].tasks[1].then[0].format", "parent"),
        ("tasks[1].tasks[1].message", "outputs"),
    ]
    assert flow.deferred[0].expression == "{{ taskrun.value }}"
    assert flow.errors == []


TRIGGERS = """\
id: triggered
namespace: company.team
inputs:
  - id: env
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.env }} {{ trigger.date ?? 'manual' }}"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
    inputs:
      env: "prod-{{ flow.id }}"
  - id: webhook
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ secret('GITHUB_TOKEN') }}"
  - id: on_upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExpressionCondition
        expression: "{{ trigger.outputs.status == 'ok' }}"
"""


def test_triggers_render_without_an_execution() -> None:
    flow = flow_of(TRIGGERS, inputs={"env": "dev"})
    triggers = flow.rendered["triggers"]
    assert triggers[0]["inputs"] == {"env": "prod-triggered"}
    assert triggers[0]["cron"] == "0 9 * * *"
    assert triggers[1]["key"] == TOKEN
    assert triggers[2]["conditions"][0]["expression"] == "{{ trigger.outputs.status == 'ok' }}"
    assert ("triggers[2].conditions[0].expression", "trigger") in [
        (d.path, d.root) for d in flow.deferred
    ]
    # `trigger.date ?? 'manual'` is defined when undefined: Kestra's `??`
    assert flow.rendered["tasks"][0]["message"] == "dev manual"
    assert "key: '******'" in flow.to_yaml()
    assert TOKEN not in shown(flow)


ERRORS_FINALLY = """\
id: alert_on_failure
namespace: company.team
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "Failing {{ flow.id }}"
errors:
  - id: slack
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_WEBHOOK') }}"
    payload: |
      {"text": "Failure in {{ flow.namespace }}.{{ flow.id }}: {{ execution.id }} {{ errorLogs()[0]['message'] }}"}
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: "Done {{ execution.id }} started {{ execution.startDate | date('yyyy-MM-dd') }}"
"""


def test_errors_and_finally_lists_render() -> None:
    start = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    flow = flow_of(
        ERRORS_FINALLY,
        secrets={"SLACK_WEBHOOK": SLACK},
        execution={"id": "4bJ1qBkwdJbM8tX4f8T6Mx", "startDate": start},
    )
    assert flow.rendered["tasks"][0]["errorMessage"] == "Failing alert_on_failure"
    slack = flow.rendered["errors"][0]
    assert slack["url"] == SLACK
    assert slack["payload"] == (
        '{"text": "Failure in company.team.alert_on_failure: 4bJ1qBkwdJbM8tX4f8T6Mx'
        " {{ errorLogs()[0]['message'] }}\"}\n"
    )
    assert (
        flow.rendered["finally"][0]["message"] == "Done 4bJ1qBkwdJbM8tX4f8T6Mx started 2024-05-06"
    )
    assert [(d.path, d.root) for d in flow.deferred] == [("errors[0].payload", "errorLogs()")]
    assert SLACK not in shown(flow)
    assert "url: '******'" in flow.to_yaml()


def test_execution_id_and_start_date_are_generated() -> None:
    text = HELLO_SECRET.replace("Token is {{ secret('GITHUB_TOKEN') }}", "{{ execution.id }}")
    before = dt.datetime.now(dt.UTC)
    one, two = flow_of(text), flow_of(text)
    ids = [f.rendered["tasks"][0]["message"] for f in (one, two)]
    assert all(re.fullmatch(r"[0-9A-Za-z]{16,22}", i) for i in ids) and ids[0] != ids[1]
    start = one.context["execution"]["startDate"]
    assert start.tzinfo is not None and before <= start <= dt.datetime.now(dt.UTC)
    assert one.context["flow"] == {"id": "hello_secret", "namespace": "company.team", "revision": 1}


TYPED_INPUTS = """\
id: typed
namespace: company.team
inputs:
  - {id: n, type: INT, defaults: 2}
  - {id: ratio, type: FLOAT, defaults: 0.5}
  - {id: flag, type: BOOLEAN, defaults: false}
  - {id: at, type: DATETIME, defaults: "2024-01-31T10:15:30Z"}
  - {id: day, type: DATE, defaults: "2024-02-01"}
  - {id: wait, type: DURATION, defaults: PT5M}
  - {id: payload, type: JSON, defaults: '{"a": [1, 2]}'}
  - {id: ids, type: ARRAY, itemType: INT, defaults: [1, 2, 3]}
  - {id: nested.name, type: STRING, defaults: Ada}
  - {id: opt, type: STRING, required: false}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: >-
      {{ inputs.n + 1 }}|{{ inputs.ratio * 2 }}|{% if inputs.flag %}yes{% else %}no{% endif %}|{{ inputs.at | date('yyyy-MM-dd HH:mm') }}|{{ inputs.day }}|{{ inputs.wait }}|{{ inputs.payload.a[1] }}|{{ inputs.ids | length }}|{{ inputs.nested.name }}|{{ inputs.opt }}
"""


def test_inputs_defaults_then_supplied_values_converted_to_their_types() -> None:
    flow = flow_of(TYPED_INPUTS)
    assert flow.rendered["tasks"][0]["message"] == (
        "3|1.0|no|2024-01-31 10:15|2024-02-01|PT5M|2|3|Ada|"
    )
    supplied = {
        "n": "41",
        "ratio": "1.25",
        "flag": "true",
        "at": "2025-12-24T18:00:00+01:00",
        "day": "2025-12-25",
        "wait": "PT1H30M",
        "payload": '{"a": [7, 8]}',
        "ids": "[4, 5]",
        "nested.name": "Grace",
        "opt": "here",
    }
    flow = flow_of(TYPED_INPUTS, inputs=supplied)
    assert flow.rendered["tasks"][0]["message"] == (
        "42|2.5|yes|2025-12-24 17:00|2025-12-25|PT1H30M|8|2|Grace|here"
    )
    values = flow.context["inputs"]
    assert values["n"] == 41 and values["ratio"] == 1.25 and values["flag"] is True
    assert values["at"] == dt.datetime(2025, 12, 24, 17, 0, tzinfo=dt.UTC)
    assert values["day"] == dt.date(2025, 12, 25)
    assert values["wait"] == dt.timedelta(hours=1, minutes=30)
    assert values["payload"] == {"a": [7, 8]} and values["ids"] == [4, 5]
    assert values["nested"] == {"name": "Grace"}
    assert flow.inputs_used == ["n", "ratio", "flag", "at", "day", "wait", "payload", "ids",
                                "nested.name", "opt"]  # fmt: skip


def test_bad_input_values_are_errors_naming_the_input() -> None:
    flow = flow_of(TYPED_INPUTS, inputs={"n": "many", "at": "yesterday"})
    assert [(e.path, e.message) for e in flow.errors[:2]] == [
        ("inputs[0]", "Invalid input for `n`, expected INT (an integer), but received `many`"),
        (
            "inputs[3]",
            "Invalid input for `at`, expected DATETIME (an ISO-8601 instant such as"
            " 2024-01-31T10:00:00Z), but received `yesterday`",
        ),
    ]


def test_secret_inputs_are_masked_and_never_echoed() -> None:
    text = """\
        id: login
        namespace: company.team
        inputs:
          - id: password
            type: SECRET
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "pw={{ inputs.password }} upper={{ inputs.password | upper }}"
        """
    flow = flow_of(text, inputs={"password": "hunter2-correct"})
    assert flow.rendered["tasks"][0]["message"] == "pw=hunter2-correct upper=HUNTER2-CORRECT"
    assert "hunter2-correct" not in shown(flow)
    assert "pw=******" in flow.to_yaml()
    flow = flow_of(text, inputs={"password": ["hunter2-correct"]})
    assert [e.message for e in flow.errors] == [
        "Invalid input for `password`, expected SECRET (a string)"
    ]


def test_secret_derived_values_are_not_shown() -> None:
    text = """\
        id: json_secret
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ fromJson(secret('CREDS')).token }}"
          - id: b64
            type: io.kestra.plugin.core.log.Log
            message: "{{ secret('CREDS') | base64encode }} {{ secret('CREDS') | trim }}"
        """
    creds = '{"token": "tkn-998877", "user": "ada"}'
    flow = flow_of(text, secrets={"CREDS": creds})
    assert flow.rendered["tasks"][0]["message"] == "tkn-998877"
    # issue 12: a value computed from a secret is shown as a marked placeholder
    assert "message: '****** (computed from CREDS)'" in flow.to_yaml()
    assert "computed from CREDS) ****** (computed from CREDS)" in flow.to_yaml()
    everything = shown(flow)
    for leaked in (creds, "tkn-998877", base64.b64encode(creds.encode()).decode()):
        assert leaked not in everything


def test_vars_are_not_rendered_but_render_function_does() -> None:
    text = """\
        id: with_vars
        namespace: company.team
        labels:
          team: data
        variables:
          greeting: "Hello {{ flow.id }}"
          n: 3
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ vars.greeting }} | {{ render(vars.greeting) }} | {{ vars.n * 2 }} | {{ labels.team }} | {{ task.id }} {{ task.type }}"
        """
    flow = flow_of(text)
    assert flow.rendered["tasks"][0]["message"] == (
        "Hello {{ flow.id }} | Hello with_vars | 6 | data | log io.kestra.plugin.core.log.Log"
    )
    assert flow.rendered["variables"] == {"greeting": "Hello {{ flow.id }}", "n": 3}


def test_envs_from_environ_and_missing_env_error() -> None:
    text = """\
        id: envs
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ envs.db_host }}:{{ envs['db_port'] }}"
          - id: missing
            type: io.kestra.plugin.core.log.Log
            message: "{{ envs.nope }}"
        """
    flow = flow_of(text, environ={"ENV_DB_HOST": "db.local", "ENV_DB_PORT": "5432", "OTHER": "x"})
    assert flow.rendered["tasks"][0]["message"] == "db.local:5432"
    assert flow.envs_used == ["db_host", "db_port", "nope"]
    assert [(e.path, e.task_id, e.message) for e in flow.errors] == [
        (
            "tasks[1].message",
            "missing",
            # issue 12: the line is the editor's, on the problem (no "at line 1" of the template)
            "Unable to find `nope` used in the expression `{{ envs.nope }}`",
        )
    ]


def test_bad_expression_is_reported_and_kept_verbatim() -> None:
    text = """\
        id: bad
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "ok {{ flow.id }} then {{ 1 + }}"
        """
    flow = flow_of(text)
    # each expression on its own: the good one renders, the bad one stays verbatim
    assert flow.rendered["tasks"][0]["message"] == "ok bad then {{ 1 + }}"
    assert len(flow.errors) == 1
    # issue 12: no Java class name; the failing expression, at its own column
    assert flow.errors[0].message.startswith("Unexpected token")
    assert flow.errors[0].expression == "{{ 1 + }}"
    assert (flow.errors[0].path, flow.errors[0].line) == ("tasks[0].message", 6)


def test_per_expression_rendering_keeps_whitespace_control_and_drops_comments() -> None:
    text = """\
        id: segs
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ taskrun.value }} {# note #}in   {{- ' ' ~ flow.id -}}   !"
        """
    flow = flow_of(text)
    assert flow.rendered["tasks"][0]["message"] == "{{ taskrun.value }} in segs!"
    text_ok = text.replace("{{ taskrun.value }} ", "")
    assert flow_of(text_ok).rendered["tasks"][0]["message"] == "in segs!"


def test_required_input_without_value() -> None:
    text = """\
        id: needs_input
        namespace: company.team
        inputs:
          - id: user
            type: STRING
        tasks:
          - id: hello
            type: io.kestra.plugin.core.log.Log
            message: "Hello {{ inputs.user }} from {{ flow.id }}"
        """
    flow = flow_of(text)  # a preview: deferred, with a warning
    assert flow.rendered["tasks"][0]["message"] == "Hello {{ inputs.user }} from needs_input"
    assert [(d.path, d.root) for d in flow.deferred] == [("tasks[0].message", "inputs")]
    assert [w.path for w in flow.warnings] == ["inputs[0]"]
    with pytest.raises(FlowError, match="missing required input"):
        flow_of(text, inputs={})
    assert flow_of(text, inputs={"user": "Ada"}).rendered["tasks"][0]["message"] == (
        "Hello Ada from needs_input"
    )


def test_only_what_kestra_renders_is_rendered() -> None:
    text = """\
        id: skip
        namespace: company.team
        tasks:
          - id: t
            # a plugin outside the property index: its properties are not judged, only rendered
            type: com.example.kestra.Return
            description: "{{ not rendered }}"
            format: "{{ 1 + 1 }}"
            retries: 3
            enabled: true
            outputs:
              "{{ flow.id }}-key": "{{ flow.namespace }}"
        pluginDefaults:
          - type: io.kestra.plugin.core.log.Log
            values:
              message: "{{ never }}"
        outputs:
          - id: result
            type: STRING
            value: "{{ outputs.t.value }} in {{ flow.id }}"
        """
    flow = flow_of(text)
    task = flow.rendered["tasks"][0]
    assert task["description"] == "{{ not rendered }}"
    assert task["format"] == "2" and task["retries"] == 3 and task["enabled"] is True
    assert task["outputs"] == {"skip-key": "company.team"}
    assert flow.rendered["pluginDefaults"][0]["values"]["message"] == "{{ never }}"
    assert flow.rendered["outputs"][0]["value"] == "{{ outputs.t.value }} in skip"
    assert flow.errors == []
    assert flow.flow["tasks"][0]["format"] == "{{ 1 + 1 }}"  # the parsed flow is untouched


def test_secrets_and_envs_default_to_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_GITHUB_TOKEN", base64.b64encode(TOKEN.encode()).decode())
    monkeypatch.setenv("ENV_REGION", "eu-west-1")
    text = HELLO_SECRET.replace('"Token', '"{{ envs.region }} Token')
    flow = KestraFlow.from_yaml(text)
    assert flow.rendered["tasks"][0]["message"] == f"eu-west-1 Token is {TOKEN}"
    store = SecretStore({"github_token": "from-store"})
    flow = KestraFlow.from_yaml(text, secrets=store, environ={})
    assert flow.missing_secrets == [] and flow.errors[0].message.startswith(
        "Unable to find `region`"
    )


def test_save_writes_the_source_only(tmp_path: Path) -> None:
    flow = flow_of(HELLO_SECRET)
    target = tmp_path / "flows" / "hello.yaml"
    target.parent.mkdir()
    assert flow.save(target) == target
    assert target.read_text() == HELLO_SECRET
    assert TOKEN not in target.read_text()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    with pytest.raises(TargetExistsError):
        flow.save(target)
    flow_of(HELLO_SECRET.replace("hello_secret", "hello_again")).save(target, overwrite=True)
    assert "hello_again" in target.read_text()
    assert target.with_name("hello.yaml.bak").read_text() == HELLO_SECRET


SWITCH_DAG = """\
id: branches
namespace: company.team
inputs:
  - id: env
    type: SELECT
    values: [dev, prod]
    defaults: prod
tasks:
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.env }}"
    cases:
      prod:
        - id: deploy
          type: io.kestra.plugin.core.log.Log
          message: "deploying {{ flow.id }} to {{ inputs.env }}"
    defaults:
      - id: skip
        type: io.kestra.plugin.core.log.Log
        message: "nothing for {{ inputs.env }}"
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: extract
          type: io.kestra.plugin.core.debug.Return
          format: "{{ task.id }}@{{ flow.id }}"
      - task:
          id: load
          type: io.kestra.plugin.core.log.Log
          message: "{{ outputs.extract.value }} -> {{ task.id }}"
        dependsOn:
          - extract
"""


def test_switch_cases_and_dag_entries_render_in_place() -> None:
    flow = flow_of(SWITCH_DAG)
    switch = flow.rendered["tasks"][0]
    assert switch["value"] == "prod"
    assert switch["cases"]["prod"][0]["message"] == "deploying branches to prod"
    assert switch["defaults"][0]["message"] == "nothing for prod"
    dag = flow.rendered["tasks"][1]["tasks"]
    assert dag[0]["task"]["format"] == "extract@branches"
    assert dag[1]["task"]["message"] == "{{ outputs.extract.value }} -> load"
    assert dag[1]["dependsOn"] == ["extract"]
    assert [(d.path, d.expression) for d in flow.deferred] == [
        ("tasks[1].tasks[1].task.message", "{{ outputs.extract.value }}")
    ]
    assert [p for p, _ in flow.tasks] == [
        "tasks[0]",
        "tasks[0].cases.prod[0]",
        "tasks[0].defaults[0]",
        "tasks[1]",
        "tasks[1].tasks[0].task",
        "tasks[1].tasks[1].task",
    ]


CONSTRAINED = """\
id: constrained
namespace: company.team
inputs:
  - {id: code, type: STRING, validator: 'A\\d+', defaults: A1}
  - {id: count, type: INT, min: 10, max: 20, defaults: 12}
  - {id: ratio, type: FLOAT, min: 0.1, max: 0.5, defaults: 0.2}
  - {id: day, type: DATE, after: "2023-01-01", before: "2023-12-31", defaults: "2023-06-01"}
  - {id: wait, type: DURATION, min: PT10S, max: PT20S, defaults: PT15S}
  - {id: env, type: ENUM, values: [dev, prod], defaults: dev}
  - {id: ids, type: ARRAY, itemType: INT, defaults: "[1, 2]"}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }} {{ inputs.ratio }} {{ inputs.count | className }} {{ inputs.ratio | className }} {{ inputs.ids[0] | className }}"
"""


def test_input_values_are_java_typed_and_checked_like_kestra() -> None:
    flow = flow_of(CONSTRAINED)
    assert flow.errors == []
    assert flow.rendered["tasks"][0]["message"] == (
        "12 0.2 java.lang.Integer java.lang.Float java.lang.Integer"
    )
    bad = {
        "code": "foo",
        "count": "9",
        "ratio": "1.01",
        "day": "2024-01-01",
        "wait": "PT1S",
        "env": "INVALID",
        "ids": '["s1", "s2"]',
    }
    flow = flow_of(CONSTRAINED, inputs=bad)
    assert [(e.path, e.message) for e in flow.errors] == [
        (
            "inputs[0]",
            "Invalid input for `code`, it must match the pattern `A\\d+`, but received `foo`",
        ),
        ("inputs[1]", "Invalid input for `count`, it must be more than `10`, but received `9`"),
        ("inputs[2]", "Invalid input for `ratio`, it must be less than `0.5`, but received `1.01`"),
        (
            "inputs[3]",
            "Invalid input for `day`, it must be before `2023-12-31`, but received `2024-01-01`",
        ),
        (
            "inputs[4]",
            "Invalid input for `wait`, It must be more than `PT10S`, but received `PT1S`",
        ),
        (
            "inputs[5]",
            "Invalid input for `env`, it must match the values `[dev, prod]`, but received `INVALID`",
        ),
        (
            "inputs[6]",
            "Invalid input for `ids`, Unable to parse array element as `INT` on `s1`,"
            ' but received `["s1", "s2"]`',
        ),
    ]
    # expressions reading an invalid input stay as written: the input problem says why, and
    # (issue 12) they are not listed as run-time expressions too
    assert flow.rendered["tasks"][0]["message"] == flow.flow["tasks"][0]["message"]
    assert flow.deferred == []


def test_a_given_renderer_is_used_with_its_own_secrets_and_envs() -> None:
    from kestra_nb.pebble import Renderer

    engine = Renderer(secrets={"GITHUB_TOKEN": "tok-from-renderer"}, environ={"ENV_WHO": "me"})
    text = HELLO_SECRET.replace('"Token', '"{{ envs.who }} Token')
    flow = KestraFlow.from_yaml(text, renderer=engine)
    assert flow.rendered["tasks"][0]["message"] == "me Token is tok-from-renderer"
    assert flow.secrets_used == ["GITHUB_TOKEN"] and flow.envs_used == ["who"]
    assert "tok-from-renderer" not in shown(flow)


def test_error_messages_never_hold_a_secret_input_value() -> None:
    text = """\
        id: bad_number
        namespace: company.team
        inputs:
          - {id: pin, type: SECRET}
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ inputs.pin | number }}"
        """
    flow = flow_of(text, inputs={"pin": "not-a-number-4711"})
    assert len(flow.errors) == 1
    assert flow.errors[0].message.startswith("****** is not a valid number")  # no Java class
    assert "not-a-number-4711" not in str(flow.errors[0])


def test_datetime_inputs_and_start_date_are_instants() -> None:
    """Kestra keeps DATETIME inputs and execution.startDate as Instants (seconds printed)."""
    flow = KestraFlow.from_yaml(
        "id: when\nnamespace: company.team\n"
        "inputs:\n  - id: at\n    type: DATETIME\n    defaults: 2024-01-31T11:00:00+01:00\n"
        "tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
        '    message: "{{ inputs.at }} / {{ execution.startDate }}"\n',
        inputs={},
    )
    message = flow.rendered["tasks"][0]["message"]
    at, start = message.split(" / ")
    assert at == "2024-01-31T10:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,9})?Z", start), start


def test_run_time_values_behind_coalescing_are_deferred_not_guessed() -> None:
    """`outputs.x ?? 'fallback'` would render its fallback here, unlike at run time: the
    preview keeps it verbatim and lists it as deferred instead."""
    flow = KestraFlow.from_yaml(
        "id: f\nnamespace: company.team\ntasks:\n"
        "  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
        "    message: \"{{ outputs.prev.uri ?? 'none' }} from {{ flow.id }}\"\n"
        "  - id: loop\n    type: io.kestra.plugin.core.debug.Return\n"
        '    format: "{% for item in [1, 2] %}{{ item }}{% endfor %}"\n',
        secrets={},
    )
    assert flow.rendered["tasks"][0]["message"] == "{{ outputs.prev.uri ?? 'none' }} from f"
    assert [(d.path, d.root) for d in flow.deferred] == [("tasks[0].message", "outputs")]
    assert flow.rendered["tasks"][1]["format"] == "12"  # a loop variable named item is local


# --- plugin defaults (Kestra's PluginDefaultService: type or prefix match, forced, order) ---

PLUGIN_DEFAULTS = """\
id: defaults
namespace: company.team
tasks:
  - id: own
    type: io.kestra.plugin.scripts.python.Script
    containerImage: python:3.12
    beforeCommands: [pip install b]
    taskRunner:
      type: io.kestra.plugin.scripts.runner.docker.Docker
      cpu: {cpus: 2}
    script: print(1)
  - id: bare
    type: io.kestra.plugin.scripts.shell.Commands
    commands: [echo hi]
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: kept
    level: DEBUG
triggers:
  - id: on_flow
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
pluginDefaults:
  - type: io.kestra.plugin.scripts.python.Script
    values:
      containerImage: python:slim
      beforeCommands: [pip install a, pip install b]
      taskRunner:
        pullPolicy: ALWAYS
        cpu: {cpus: 1, memory: 1g}
  - type: io.kestra.plugin.scripts.shell
    values:
      containerImage: ubuntu
      warningOnStdErr: false
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values:
      level: "{{ flow.namespace == 'company.team' ? 'WARN' : 'INFO' }}"
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values:
      level: ERROR
  - type: io.kestra.plugin.core.condition.ExecutionStatus
    values:
      in: [FAILED]
"""


def test_plugin_defaults_merge_like_kestra() -> None:
    flow = flow_of(PLUGIN_DEFAULTS)
    own, bare, log = flow.rendered["tasks"]
    # the task's own values win; maps merge key by key; lists are the default's then the new
    assert own["containerImage"] == "python:3.12"
    assert own["beforeCommands"] == ["pip install a", "pip install b"]
    assert own["taskRunner"] == {
        "type": "io.kestra.plugin.scripts.runner.docker.Docker",
        "cpu": {"cpus": 2, "memory": "1g"},
        "pullPolicy": "ALWAYS",
    }
    assert "warningOnStdErr" not in own
    # a package prefix matches every type below it
    assert bare["containerImage"] == "ubuntu" and bare["commands"] == ["echo hi"]
    assert bare["warningOnStdErr"] is False
    # forced defaults override the task, the first listed winning; their values render
    assert log["level"] == "WARN" and log["message"] == "kept"
    # any mapping with a type gets its defaults, a trigger's conditions too
    assert flow.rendered["triggers"][0]["conditions"][0]["in"] == ["FAILED"]
    assert list(own)[:2] == ["id", "type"]  # the task's keys keep their order
    assert flow.flow["tasks"][0]["containerImage"] == "python:3.12"
    assert "containerImage" not in flow.flow["tasks"][1]  # the parsed source is untouched
    assert flow.rendered["pluginDefaults"] == flow.flow["pluginDefaults"]
    assert flow.errors == []


def test_plugin_default_values_render_in_the_task_context() -> None:
    text = """\
        id: defaults_render
        namespace: company.team
        tasks:
          - id: call
            type: io.kestra.plugin.core.http.Request
            uri: https://example.com
        pluginDefaults:
          - type: io.kestra.plugin.core.http.Request
            values:
              headers:
                Authorization: "Bearer {{ secret('GITHUB_TOKEN') }}"
                X-Task: "{{ task.id }}"
        """
    flow = flow_of(text)
    headers = flow.rendered["tasks"][0]["headers"]
    assert headers == {"Authorization": f"Bearer {TOKEN}", "X-Task": "call"}
    assert flow.secrets_used == ["GITHUB_TOKEN"]
    assert "Authorization: Bearer ******" in flow.to_yaml()
    assert TOKEN not in shown(flow)


# --- FILE inputs -----------------------------------------------------------------------------

FILE_INPUT = """\
id: Upload_Orders
namespace: company.team.data
inputs:
  - id: orders
    type: FILE
  - id: optional_file
    type: FILE
    required: false
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.orders }} {{ inputs.optional_file }}"
"""


def test_a_file_input_given_as_a_path_object() -> None:
    """(The other FILE input cases: tests/data/flows/upload_orders*.yml.)"""
    given = flow_of(FILE_INPUT, inputs={"orders": Path("relative/x.json")}, execution={"id": "E2"})
    assert given.context["inputs"]["orders"].endswith("/executions/E2/inputs/orders/x.json")


# --- errors of one string ------------------------------------------------------------------


def test_each_cause_of_a_failing_string_is_reported() -> None:
    text = """\
        id: two_errors
        namespace: company.team
        inputs:
          - id: known
            type: STRING
            defaults: hi
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: "{{ inputs.typo }} {{ 1 + }} {{ inputs.known }}"
        """
    flow = flow_of(text)
    messages = [e.message for e in flow.errors]
    assert len(messages) == 2
    assert messages[0].startswith("Unable to find `typo`")
    # the parse error is Kestra's, reported once, about its own expression (issue 12: not
    # the whole property, no Java class name)
    assert messages[1].startswith("Unexpected token")
    assert flow.errors[1].expression == "{{ 1 + }}"
    assert flow.rendered["tasks"][0]["message"] == "{{ inputs.typo }} {{ 1 + }} hi"


# --- variables changed while the flow runs ------------------------------------------------


def test_variables_set_or_unset_by_tasks_are_read_at_run_time() -> None:
    text = """\
        id: set_vars
        namespace: company.team
        variables:
          state: FAILED
          kept: same
          gone: soon
        tasks:
          - id: before
            type: io.kestra.plugin.core.log.Log
            message: "{{ vars.kept }} {{ vars.state }} {{ vars.gone }}"
          - id: set
            type: io.kestra.plugin.core.execution.SetVariables
            variables:
              state: SUCCESS
          - id: unset
            type: io.kestra.plugin.core.execution.UnsetVariables
            variables: [gone]
          - id: after
            type: io.kestra.plugin.core.log.Log
            message: "{{ vars }}"
        """
    flow = flow_of(text)
    assert flow.rendered["tasks"][0]["message"] == "same {{ vars.state }} {{ vars.gone }}"
    assert flow.rendered["tasks"][3]["message"] == "{{ vars }}"
    assert [d.expression for d in flow.deferred] == [
        "{{ vars.state }}",
        "{{ vars.gone }}",
        "{{ vars }}",
    ]
    assert {d.root for d in flow.deferred} == {"vars"} and flow.errors == []


def test_secrets_and_a_renderer_together_are_refused() -> None:
    """A renderer resolves `secret()` from its own store; silently ignoring `secrets=` would
    render with other values than the caller named."""
    from kestra_nb import Renderer

    with pytest.raises(TypeError, match="not both"):
        KestraFlow.from_yaml(
            "id: f\nnamespace: n\ntasks:\n  - id: t\n    type: a.B\n",
            secrets={"A": "value-1234"},
            renderer=Renderer(),
        )
