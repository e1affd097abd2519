"""Flows users really write: Kestra's documentation examples, rendered as Kestra runs them.

Each flow is kept inline (short, as published) with its source: `docs:` is a page of
kestra-io/docs under `src/contents/docs/`, `kestra:` a flow of kestra-io/kestra under
`core/src/test/resources/flows/valids/`. Each one is parsed, validated and rendered with
suitable secrets, envs and inputs; the tests check the values Kestra would produce when the
execution runs, the expressions left for run time (verbatim), what the flow uses (secrets,
envs, inputs), and that no secret value (nor its base64) reaches anything displayed. The last
part runs a few of them through `%%kestra_flow` in a real kernel and reads the saved notebook.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from kestra_nb.flow import KestraFlow
from tests import flow_helpers as helpers
from tests.flow_helpers import FLOWS, shown
from tests.kernel import NotebookRunner

SECRETS = {
    "GITHUB_ACCESS_TOKEN": "ghp_Docs3xampleT0ken4242",
    "POSTGRES_PASSWORD": "pg-Pass-w0rd-77",
    "AWS_ACCESS_KEY": "AKIAEXAMPLEKEY123",
    "AWS_SECRET_KEY": "aws/Secret+Key=9x",
    "SLACK_WEBHOOK": "https://hooks.slack.com/services/T0/B0/zzHook",
    "KESTRA_API_TOKEN": "kestra-Api-T0ken-xyz",
    "ONBOARD_WEBHOOK_KEY": "whk-Onboard-4242",
}
ENVIRON = {"ENV_TEST1": "true", "ENV_TEST2": "Pass by env"}
EXECUTION_ID = "4wjtkzwVGBM9yKnjm3yv8r"
START = dt.datetime(2024, 3, 4, 5, 6, 7, 123000, tzinfo=dt.UTC)


def flow_of(text: str, **inputs: Any) -> KestraFlow:
    """The flow rendered for a new execution with a known id and start date."""
    return helpers.flow_of(
        text,
        secrets=SECRETS,
        environ=ENVIRON,
        inputs=inputs or None,
        execution={"id": EXECUTION_ID, "startDate": START},
    )


def assert_nothing_shown(flow: KestraFlow, *names: str) -> None:
    """The values of `names` (and their base64) appear in nothing displayed; they are masked."""
    text = shown(flow)
    for name in names:
        value = SECRETS[name]
        assert value not in text, name
        assert base64.b64encode(value.encode()).decode() not in text, name
    assert "******" in flow.to_yaml()


def deferred(flow: KestraFlow) -> list[tuple[str, str, str]]:
    return [(d.path, d.expression, d.root) for d in flow.deferred]


# --- secrets -------------------------------------------------------------------------------

# docs: expressions/index.md (the `secret` function)
SECRET_LOG = (FLOWS / "secret_log.yml").read_text(encoding="utf-8")


# (what it renders and shows: tests/data/flows/secret_log.expected.yml)


def test_missing_secret_is_listed_not_raised() -> None:
    flow = KestraFlow.from_yaml(SECRET_LOG, secrets={}, environ={})
    assert flow.secrets_used == ["GITHUB_ACCESS_TOKEN"]
    assert flow.missing_secrets == ["GITHUB_ACCESS_TOKEN"]
    assert [e.path for e in flow.errors] == ["tasks[0].message"]
    assert "Cannot find secret for key 'GITHUB_ACCESS_TOKEN'" in flow.errors[0].message
    assert flow.rendered["tasks"][0]["message"] == "{{ secret('GITHUB_ACCESS_TOKEN') }}"


# docs: 15.how-to-guides/secrets/index.md
POSTGRES_TO_S3 = """\
id: postgres_to_s3
namespace: company.team

tasks:
  - id: fetch
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://127.0.0.1:56982/
    username: pg_user
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: select id, first_name, last_name, city from users
    fetchType: STORE

  - id: write_to_s3
    type: io.kestra.plugin.aws.s3.Upload
    accessKeyId: "{{ secret('AWS_ACCESS_KEY') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY') }}"
    region: "eu-central-1"
    from: "{{ outputs.fetch.uri }}"
    bucket: "kestra-bucket"
    key: "data/users.csv"
"""


def test_database_and_cloud_credentials_from_secrets() -> None:
    flow = flow_of(POSTGRES_TO_S3)
    fetch, upload = flow.rendered["tasks"]
    assert fetch["password"] == SECRETS["POSTGRES_PASSWORD"]
    assert fetch["url"] == "jdbc:postgresql://127.0.0.1:56982/" and fetch["username"] == "pg_user"
    assert upload["accessKeyId"] == SECRETS["AWS_ACCESS_KEY"]
    assert upload["secretKeyId"] == SECRETS["AWS_SECRET_KEY"]
    assert upload["from"] == "{{ outputs.fetch.uri }}"
    assert deferred(flow) == [("tasks[1].from", "{{ outputs.fetch.uri }}", "outputs")]
    assert flow.secrets_used == ["AWS_ACCESS_KEY", "AWS_SECRET_KEY", "POSTGRES_PASSWORD"]
    assert flow.errors == [] and flow.missing_secrets == []
    assert_nothing_shown(flow, "POSTGRES_PASSWORD", "AWS_ACCESS_KEY", "AWS_SECRET_KEY")


# docs: 15.how-to-guides/iam-automation/index.md (the page's `editions:` line left out)
ONBOARD_USER = """\
id: onboard_user
namespace: company.iam

inputs:
  - id: email
    type: STRING
    description: New user's email address
  - id: group_id
    type: STRING
    description: ID of the group to assign the user to

tasks:
  - id: invite
    type: io.kestra.plugin.kestra.ee.iam.invitations.Create
    auth:
      apiToken: "{{ secret('KESTRA_API_TOKEN') }}"
    email: "{{ inputs.email }}"
    groupIds:
      - "{{ inputs.group_id }}"

triggers:
  - id: from_hris
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ secret('ONBOARD_WEBHOOK_KEY') }}"
"""


def test_webhook_trigger_key_and_task_auth_from_secrets() -> None:
    flow = flow_of(ONBOARD_USER, email="ada@example.com", group_id="data-eng")
    task = flow.rendered["tasks"][0]
    assert task["auth"] == {"apiToken": SECRETS["KESTRA_API_TOKEN"]}
    assert task["email"] == "ada@example.com" and task["groupIds"] == ["data-eng"]
    assert flow.rendered["triggers"][0]["key"] == SECRETS["ONBOARD_WEBHOOK_KEY"]
    assert flow.secrets_used == ["KESTRA_API_TOKEN", "ONBOARD_WEBHOOK_KEY"]
    assert flow.inputs_used == ["email", "group_id"]
    assert flow.errors == [] and flow.warnings == [] and flow.deferred == []
    assert_nothing_shown(flow, "KESTRA_API_TOKEN", "ONBOARD_WEBHOOK_KEY")


def test_required_inputs_without_values_wait_for_the_run() -> None:
    flow = flow_of(ONBOARD_USER)
    task = flow.rendered["tasks"][0]
    assert task["email"] == "{{ inputs.email }}" and task["groupIds"] == ["{{ inputs.group_id }}"]
    assert deferred(flow) == [
        ("tasks[0].email", "{{ inputs.email }}", "inputs"),
        ("tasks[0].groupIds[0]", "{{ inputs.group_id }}", "inputs"),
    ]
    assert [w.path for w in flow.warnings] == ["inputs[0]", "inputs[1]"]
    assert flow.errors == []
    assert_nothing_shown(flow, "KESTRA_API_TOKEN", "ONBOARD_WEBHOOK_KEY")


# docs: 05.workflow-components/11.errors/index.md
ERRORS_SLACK = """\
id: errors
namespace: company.team

description: This will always fail

tasks:
  - id: failed_task
    type: io.kestra.plugin.core.execution.Fail

errors:
  - id: alert_on_failure
    type: io.kestra.plugin.slack.notifications.SlackIncomingWebhook
    url: secret('SLACK_WEBHOOK')
    messageText: "Failure alert for flow {{ flow.namespace }}.{{ flow.id }}\
 with ID {{ execution.id }}"
"""


def test_errors_handler_and_secret_written_without_braces() -> None:
    flow = flow_of(ERRORS_SLACK)
    alert = flow.rendered["errors"][0]
    # without `{{ }}` it is plain text: Kestra sends to the URL `secret('SLACK_WEBHOOK')`
    assert alert["url"] == "secret('SLACK_WEBHOOK')"
    assert flow.secrets_used == [] and flow.missing_secrets == []
    assert (
        alert["messageText"] == f"Failure alert for flow company.team.errors with ID {EXECUTION_ID}"
    )
    assert flow.rendered["description"] == "This will always fail"
    assert flow.errors == [] and flow.deferred == []
    assert SECRETS["SLACK_WEBHOOK"] not in shown(flow)


# --- HTTP requests --------------------------------------------------------------------------

# docs: 15.how-to-guides/http-request/index.md
HTTP_POST = """\
id: http_post_request_example
namespace: company.team
description: Make a HTTP Request and Handle the Output

inputs:
  - id: payload
    type: JSON
    defaults: |
      { "title": "Kestra Pen" }

tasks:
  - id: send_data
    type: io.kestra.plugin.core.http.Request
    uri: https://dummyjson.com/products/add
    method: POST
    contentType: application/json
    body: "{{ inputs.payload }}"

  - id: print_status
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.send_data.body }}"
"""


def test_http_post_with_a_json_input_body() -> None:
    flow = flow_of(HTTP_POST)
    request, log = flow.rendered["tasks"]
    assert request["body"] == '{"title":"Kestra Pen"}'  # a JSON input prints as compact JSON
    assert request["uri"] == "https://dummyjson.com/products/add" and request["method"] == "POST"
    assert log["message"] == "{{ outputs.send_data.body }}"
    assert deferred(flow) == [("tasks[1].message", "{{ outputs.send_data.body }}", "outputs")]
    assert flow.inputs_used == ["payload"] and flow.errors == []
    payload = {"title": "Kestra Notebook", "tags": ["a", "b"]}
    other = flow_of(HTTP_POST, payload=json.dumps(payload))
    assert json.loads(other.rendered["tasks"][0]["body"]) == payload


# docs: 15.how-to-guides/http-request/index.md
HTTP_DELETE = """\
id: http_delete_request_example
namespace: company.team
description: Make a HTTP Request and Handle the Output

inputs:
  - id: product_id
    type: INT

tasks:
  - id: send_data
    type: io.kestra.plugin.core.http.Request
    uri: "https://dummyjson.com/products/{{ inputs.product_id }}"
    method: DELETE
    contentType: application/json

  - id: print_status
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.send_data.body }}"
"""


def test_http_delete_with_an_int_input_in_the_uri() -> None:
    flow = flow_of(HTTP_DELETE, product_id="7")
    assert flow.rendered["tasks"][0]["uri"] == "https://dummyjson.com/products/7"
    assert flow.warnings == [] and flow.errors == []
    without = flow_of(HTTP_DELETE)
    uri = "https://dummyjson.com/products/{{ inputs.product_id }}"
    assert without.rendered["tasks"][0]["uri"] == uri
    assert ("tasks[0].uri", "{{ inputs.product_id }}", "inputs") in deferred(without)
    assert "required input `product_id`" in without.warnings[0].message
    bad = flow_of(HTTP_DELETE, product_id="seven")
    assert [e.path for e in bad.errors] == ["inputs[0]"]
    assert "Invalid input for `product_id`" in bad.errors[0].message


# --- variables ------------------------------------------------------------------------------

# docs: 05.workflow-components/04.variables/index.md
HELLO_VARS = """\
id: hello_world
namespace: company.team

variables:
  myvar: hello
  numeric_variable: 42

tasks:
  - id: log
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.myvar }} world {{ vars.numeric_variable }}"
"""


def test_flow_variables() -> None:
    flow = flow_of(HELLO_VARS)
    assert flow.rendered["tasks"][0]["format"] == "hello world 42"
    assert flow.rendered["variables"] == {"myvar": "hello", "numeric_variable": 42}
    assert flow.errors == [] and flow.deferred == [] and flow.secrets_used == []


# kestra: variables.yaml
RECURSIVE_VARS_AND_ENVS = """\
id: variables
namespace: io.kestra.tests

variables:
  first: "1"
  second: "{{vars.first}} > 2"
  third: "{{vars.second}} > 3"

tasks:
  - id: variable
    type: io.kestra.plugin.core.debug.Return
    format: "{{render(vars.third)}}"
  - id: env
    type: io.kestra.plugin.core.debug.Return
    format: "{{envs.test1}} {{envs.test2}}"
  - id: global
    type: io.kestra.plugin.core.debug.Return
    format: "{{globals.string}} {{globals.int}} {{globals.bool}} {{globals.nested.int}}"
"""


def test_render_of_variables_and_envs() -> None:
    flow = flow_of(RECURSIVE_VARS_AND_ENVS)
    variable, env, global_ = flow.rendered["tasks"]
    assert variable["format"] == "1 > 2 > 3"  # render() is recursive by default
    assert env["format"] == "true Pass by env"
    assert (
        global_["format"]
        == "{{globals.string}} {{globals.int}} {{globals.bool}} {{globals.nested.int}}"
    )
    assert {d.root for d in flow.deferred} == {"globals"} and len(flow.deferred) == 4
    assert flow.envs_used == ["test1", "test2"] and flow.errors == []


# docs: 05.workflow-components/04.variables/index.md
DYNAMIC_VARIABLE = """\
id: dynamic_variable
namespace: company.team

variables:
  time: "{{ now() }}"

tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ render(vars.time) }}"
"""


def test_render_of_a_variable_holding_an_expression() -> None:
    before = dt.datetime.now(dt.UTC)
    flow = flow_of(DYNAMIC_VARIABLE)
    message = flow.rendered["tasks"][0]["message"]
    assert message != "{{ now() }}" and message.endswith("Z")
    when = dt.datetime.fromisoformat(message.replace("Z", "+00:00"))
    assert before - dt.timedelta(minutes=1) <= when <= dt.datetime.now(dt.UTC)
    assert flow.rendered["variables"]["time"] == "{{ now() }}"  # `vars` are not rendered


# docs: 05.workflow-components/04.variables/index.md
SET_VARIABLES = """\
id: variables_demo
namespace: company.team

variables:
  state: FAILED
  ansibleTicket: myticket
  nested:
    child: property
    unchanged: stay the same

tasks:
  - id: request
    type: io.kestra.plugin.core.output.OutputValues
    values:
      ansibleTicket: new ticket value
      state: SUCCESS

  - id: updateVariables
    type: io.kestra.plugin.core.execution.SetVariables
    overwrite: true # true by default
    variables:
      state: "{{ outputs.request.values.state }}"
      ansibleTicket: "{{ outputs.request.values.ansibleTicket }}"
      nested:
        child: new value

  - id: confirmUpdate
    type: io.kestra.plugin.core.log.Log
    message: Hello "{{ vars }}"
"""


def test_variables_changed_by_set_variables_wait_for_the_run() -> None:
    flow = flow_of(SET_VARIABLES)
    # the run prints the variables as SetVariables left them: the flow's own would be wrong
    assert flow.rendered["tasks"][2]["message"] == 'Hello "{{ vars }}"'
    assert deferred(flow) == [
        ("tasks[1].variables.state", "{{ outputs.request.values.state }}", "outputs"),
        (
            "tasks[1].variables.ansibleTicket",
            "{{ outputs.request.values.ansibleTicket }}",
            "outputs",
        ),
        ("tasks[2].message", "{{ vars }}", "vars"),
    ]
    assert flow.errors == []


# docs: 05.workflow-components/04.variables/index.md
DATE_FORMAT_VARS = """\
id: variables_demo
namespace: company.team

variables:
  DATE_FORMAT: "yyyy-MM-dd"

tasks:
  - id: seconds_of_day
    type: io.kestra.plugin.core.debug.Return
    format: '{{ 60 * 60 * 24 }}'

  - id: start_date
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.startDate | date(vars.DATE_FORMAT) }}"

  - id: next_date
    type: io.kestra.plugin.core.debug.Return
    format: "{{ now() | dateAdd(1, 'DAYS') | date(vars.DATE_FORMAT) }}"

  - id: pass_downstream
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo "{{ outputs.next_date_unix.value }}"
"""


def test_date_expressions_and_arithmetic() -> None:
    flow = flow_of(DATE_FORMAT_VARS)
    seconds, start, next_date, shell = flow.rendered["tasks"]
    assert seconds["format"] == "86400"
    assert start["format"] == "2024-03-04"
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()
    assert next_date["format"] in (str(tomorrow), str(tomorrow + dt.timedelta(days=1)))
    assert shell["commands"] == ['echo "{{ outputs.next_date_unix.value }}"']
    assert shell["taskRunner"] == {"type": "io.kestra.plugin.core.runner.Process"}
    assert flow.errors == []


# --- triggers -------------------------------------------------------------------------------

# docs: 05.workflow-components/04.variables/index.md
UPLOAD_TO_S3 = """\
id: upload_to_s3
namespace: company.team

inputs:
  - id: bucket
    type: STRING
    defaults: declarative-data-orchestration

tasks:
  - id: get_zip_file
    type: io.kestra.plugin.core.http.Download
    uri: https://wri-dataportal-prod.s3.amazonaws.com/manual/global_power_plant_database_v_1_3.zip

  - id: unzip
    type: io.kestra.plugin.compress.ArchiveDecompress
    algorithm: ZIP
    from: "{{outputs.get_zip_file.uri}}"

  - id: csv_upload
    type: io.kestra.plugin.aws.s3.Upload
    from: "{{ outputs.unzip.files['global_power_plant_database.csv'] }}"
    bucket: "{{ inputs.bucket }}"
    key: "powerplant/{{ trigger.date ?? execution.startDate | date('yyyy_MM_dd__HH_mm_ss') }}.csv"

triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@hourly"
"""


def test_schedule_trigger_and_manual_run_fallback() -> None:
    flow = flow_of(UPLOAD_TO_S3)
    upload = flow.rendered["tasks"][2]
    assert upload["bucket"] == "declarative-data-orchestration"
    # a manual run has no `trigger`: `??` falls back to the execution's start date
    assert upload["key"] == "powerplant/2024_03_04__05_06_07.csv"
    assert upload["from"] == "{{ outputs.unzip.files['global_power_plant_database.csv'] }}"
    assert flow.rendered["triggers"] == [
        {"id": "hourly", "type": "io.kestra.plugin.core.trigger.Schedule", "cron": "@hourly"}
    ]
    assert [d.root for d in flow.deferred] == ["outputs", "outputs"]
    assert flow.inputs_used == ["bucket"] and flow.errors == []
    other = flow_of(UPLOAD_TO_S3, bucket="my-bucket")
    assert other.rendered["tasks"][2]["bucket"] == "my-bucket"


# docs: 05.workflow-components/04.variables/index.md
BACKFILL_MONDAYS = """\
id: backfill_past_mondays
namespace: company.team

tasks:
  - id: log_trigger_or_execution_date
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date ?? execution.startDate }}"

triggers:
  - id: first_monday_of_the_month
    type: io.kestra.plugin.core.trigger.Schedule
    timezone: Europe/Berlin
    backfill:
      start: 2023-11-11T00:00:00Z
    cron: "0 11 * * MON" # at 11:00 every Monday
    conditions: # only first Monday of the month
      - type: io.kestra.plugin.core.condition.DayWeekInMonth
        date: "{{ trigger.date }}"
        dayOfWeek: "MONDAY"
        dayInMonth: "FIRST"
"""


def test_trigger_condition_reads_the_trigger_at_evaluation() -> None:
    flow = flow_of(BACKFILL_MONDAYS)
    assert flow.rendered["tasks"][0]["message"] == "2024-03-04T05:06:07.123Z"
    trigger = flow.rendered["triggers"][0]
    assert trigger["conditions"][0]["date"] == "{{ trigger.date }}"
    assert trigger["conditions"][0]["dayInMonth"] == "FIRST"
    assert trigger["backfill"] == {"start": "2023-11-11T00:00:00Z"}  # text, not a timestamp
    assert trigger["cron"] == "0 11 * * MON"
    assert deferred(flow) == [("triggers[0].conditions[0].date", "{{ trigger.date }}", "trigger")]
    assert flow.errors == []


# --- flowable tasks -------------------------------------------------------------------------

# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
PARALLEL = """\
id: parallel
namespace: company.team

tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: 1st
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }} > {{ taskrun.startDate }}"

      - id: 2nd
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }} > {{ taskrun.id }}"

  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ task.id }} > {{ taskrun.startDate }}"
"""


def test_parallel_children_render_with_their_own_task() -> None:
    flow = flow_of(PARALLEL)
    first, second = flow.rendered["tasks"][0]["tasks"]
    assert first["format"] == "1st > {{ taskrun.startDate }}"
    assert second["format"] == "2nd > {{ taskrun.id }}"
    assert flow.rendered["tasks"][1]["format"] == "last > {{ taskrun.startDate }}"
    assert [p for p, _ in flow.tasks] == [
        "tasks[0]",
        "tasks[0].tasks[0]",
        "tasks[0].tasks[1]",
        "tasks[1]",
    ]
    assert {d.root for d in flow.deferred} == {"taskrun"} and len(flow.deferred) == 3


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
FOREACH_IF = """\
id: foreach_example
namespace: company.team

tasks:
  - id: for_each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["value 1", "value 2", "value 3"]
    tasks:
      - id: before_if
        type: io.kestra.plugin.core.debug.Return
        format: "Before if {{ taskrun.value }}"
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: '{{ taskrun.value == "value 2" }}'
        then:
          - id: after_if
            type: io.kestra.plugin.core.debug.Return
            format: "After if {{ parent.taskrun.value }}"
"""


def test_foreach_with_nested_if() -> None:
    flow = flow_of(FOREACH_IF)
    loop = flow.rendered["tasks"][0]
    assert loop["values"] == ["value 1", "value 2", "value 3"]
    assert loop["tasks"][0]["format"] == "Before if {{ taskrun.value }}"
    assert loop["tasks"][1]["condition"] == '{{ taskrun.value == "value 2" }}'
    assert loop["tasks"][1]["then"][0]["format"] == "After if {{ parent.taskrun.value }}"
    assert deferred(flow) == [
        ("tasks[0].tasks[0].format", "{{ taskrun.value }}", "taskrun"),
        ("tasks[0].tasks[1].condition", '{{ taskrun.value == "value 2" }}', "taskrun"),
        ("tasks[0].tasks[1].then[0].format", "{{ parent.taskrun.value }}", "parent"),
    ]
    assert flow.errors == []


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
FOREACH_PARALLEL = """\
id: parallel_tasks_example
namespace: company.team

tasks:
  - id: for_each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    concurrencyLimit: 2
    tasks:
      - id: parallel
        type: io.kestra.plugin.core.flow.Parallel
        tasks:
        - id: log
          type: io.kestra.plugin.core.log.Log
          message: Processing {{ parent.taskrun.value }}
        - id: shell
          type: io.kestra.plugin.scripts.shell.Commands
          commands:
            - sleep {{ parent.taskrun.value }}
"""


def test_foreach_of_parallel_tasks() -> None:
    flow = flow_of(FOREACH_PARALLEL)
    loop = flow.rendered["tasks"][0]
    assert loop["values"] == list(range(1, 11)) and loop["concurrencyLimit"] == 2
    log, shell = loop["tasks"][0]["tasks"]
    assert log["message"] == "Processing {{ parent.taskrun.value }}"
    assert shell["commands"] == ["sleep {{ parent.taskrun.value }}"]
    assert [d.root for d in flow.deferred] == ["parent", "parent"]
    assert flow.errors == []


# docs: 05.workflow-components/04.variables/index.md
FOREACH_SERVERS = """\
id: vars
namespace: company.myteam

variables:
  servers:
    - fqn: server01.mydomain.io
      user: root
    - fqn: server02.mydomain.io
      user: guest

tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.ForEach
    concurrencyLimit: 0
    values: "{{ vars.servers }}"
    tasks:
      - id: log
        type: io.kestra.plugin.core.log.Log
        message:
           - "{{ taskrun.value }}"
           - "{{ json(taskrun.value).fqn }}"
"""


def test_foreach_over_a_variable_list() -> None:
    flow = flow_of(FOREACH_SERVERS)
    loop = flow.rendered["tasks"][0]
    assert json.loads(loop["values"]) == [
        {"fqn": "server01.mydomain.io", "user": "root"},
        {"fqn": "server02.mydomain.io", "user": "guest"},
    ]
    assert loop["tasks"][0]["message"] == ["{{ taskrun.value }}", "{{ json(taskrun.value).fqn }}"]
    assert [d.root for d in flow.deferred] == ["taskrun", "taskrun"]


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
SWITCH = """\
id: switch
namespace: company.team

inputs:
  - id: param
    type: BOOLEAN

tasks:
  - id: decision
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.param }}"
    cases:
      true:
        - id: is_true
          type: io.kestra.plugin.core.log.Log
          message: "This is true"
      false:
        - id: is_false
          type: io.kestra.plugin.core.log.Log
          message: "This is false"
"""


def test_switch_on_a_boolean_input() -> None:
    flow = flow_of(SWITCH, param="true")
    switch = flow.rendered["tasks"][0]
    assert switch["value"] == "true"
    assert [t["id"] for t in switch["cases"][True]] == ["is_true"]
    assert flow.inputs_used == ["param"] and flow.errors == [] and flow.warnings == []
    assert flow_of(SWITCH, param=False).rendered["tasks"][0]["value"] == "false"


# docs: 05.workflow-components/04.variables/index.md
CONDITIONAL_BRANCHING = """\
id: conditional_branching
namespace: company.team

inputs:
  - id: parameter
    type: STRING
    required: false

tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{inputs.parameter ?? false }}"
    then:
      - id: if_not_null
        type: io.kestra.plugin.core.log.Log
        message: Received input {{inputs.parameter}}
    else:
      - id: if_null
        type: io.kestra.plugin.core.log.Log
        message: No input provided
"""


def test_if_on_an_optional_input() -> None:
    flow = flow_of(CONDITIONAL_BRANCHING)
    branch = flow.rendered["tasks"][0]
    assert branch["condition"] == "false"  # an optional input without a value is null
    assert branch["then"][0]["message"] == "Received input "
    assert branch["else"][0]["message"] == "No input provided"
    given = flow_of(CONDITIONAL_BRANCHING, parameter="hello").rendered["tasks"][0]
    assert given["condition"] == "hello"
    assert given["then"][0]["message"] == "Received input hello"


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
FAIL_ON_CONDITION = """\
id: fail_on_condition
namespace: company.team

inputs:
  - id: param
    type: STRING
    required: true

tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: "I'm before the fail on condition"
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.param == 'fail' }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "I'm after the fail on condition"
"""


def test_fail_condition_from_an_input() -> None:
    assert flow_of(FAIL_ON_CONDITION, param="fail").rendered["tasks"][1]["condition"] == "true"
    assert flow_of(FAIL_ON_CONDITION, param="ok").rendered["tasks"][1]["condition"] == "false"


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
LOOP_UNTIL = """\
id: loop_until
namespace: company.team

tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.LoopUntil
    condition: "{{ outputs.ping.code == 200 }}"
    checkFrequency:
      interval: PT30S
      maxIterations: 50
    tasks:
      - id: ping
        type: io.kestra.plugin.core.http.Request
        method: GET
        uri: https://kestra.io/api/mock
"""


def test_loop_until_condition_waits_for_its_child_outputs() -> None:
    flow = flow_of(LOOP_UNTIL)
    loop = flow.rendered["tasks"][0]
    assert loop["condition"] == "{{ outputs.ping.code == 200 }}"
    assert loop["checkFrequency"] == {"interval": "PT30S", "maxIterations": 50}
    assert loop["tasks"][0]["uri"] == "https://kestra.io/api/mock"
    assert deferred(flow) == [("tasks[0].condition", "{{ outputs.ping.code == 200 }}", "outputs")]


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
WORKING_DIR = """\
id: working_dir_flow
namespace: company.team

tasks:
  - id: working_dir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: first
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.kestra.plugin.core.runner.Process
        commands:
          - 'echo "{{ taskrun.id }}" > {{ workingDir }}/stay.txt'
"""


def test_working_directory_path_is_known_at_run_time() -> None:
    flow = flow_of(WORKING_DIR)
    command = flow.rendered["tasks"][0]["tasks"][0]["commands"][0]
    assert command == 'echo "{{ taskrun.id }}" > {{ workingDir }}/stay.txt'
    assert [d.root for d in flow.deferred] == ["taskrun", "workingDir"]


# --- errors, finally, afterExecution --------------------------------------------------------

# docs: 05.workflow-components/11.errors/index.md
ERRORS_GLOBAL = """\
id: errors
namespace: company.team

tasks:
  - id: failed
    type: io.kestra.plugin.core.execution.Fail

errors:
  - id: error_handler
    type: io.kestra.plugin.core.log.Log
    message: I'm failing task '{{ tasksWithState('failed')[0]['taskId'] }}'
    level: INFO
"""


def test_errors_handler_reading_the_failed_tasks() -> None:
    flow = flow_of(ERRORS_GLOBAL)
    handler = flow.rendered["errors"][0]
    assert handler["message"] == "I'm failing task '{{ tasksWithState('failed')[0]['taskId'] }}'"
    assert handler["level"] == "INFO"
    assert deferred(flow) == [
        # tasksWithState() reads the `tasks` variable, which only a run has
        ("errors[0].message", "{{ tasksWithState('failed')[0]['taskId'] }}", "tasks")
    ]
    assert flow.errors == []


# docs: 05.workflow-components/11.errors/index.md
ERRORS_LOCAL = """\
id: errors
namespace: company.team

tasks:
  - id: parent-seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: t1
        type: io.kestra.plugin.core.debug.Return
        format: "{{task.id}} > {{taskrun.startDate}}"
      - id: t2
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: t2-t1
            type: io.kestra.plugin.core.execution.Fail
        errors:
          - id: error-t1
            type: io.kestra.plugin.core.debug.Return
            format: "Error Trigger ! {{task.id}}"
"""


def test_local_errors_of_a_flowable_task() -> None:
    flow = flow_of(ERRORS_LOCAL)
    t1, t2 = flow.rendered["tasks"][0]["tasks"]
    assert t1["format"] == "t1 > {{taskrun.startDate}}"
    assert t2["errors"][0]["format"] == "Error Trigger ! error-t1"
    assert "tasks[0].tasks[1].errors[0]" in [p for p, _ in flow.tasks]
    assert deferred(flow) == [("tasks[0].tasks[0].format", "{{taskrun.startDate}}", "taskrun")]


# docs: 05.workflow-components/20.afterexecution/index.md
STATE_DEMO = """\
id: state_demo
namespace: company.team

tasks:
  - id: run
    type: io.kestra.plugin.core.log.Log
    message: Execution {{ execution.state }} # Will show RUNNING

  - id: fail
    type: io.kestra.plugin.core.execution.Fail

finally:
  - id: finally
    type: io.kestra.plugin.core.log.Log
    message: Execution {{ execution.state }} # Will show RUNNING

afterExecution:
  - id: afterExecution
    type: io.kestra.plugin.core.log.Log
    message: Execution {{ execution.state }} # Will show FAILED
"""


def test_finally_and_after_execution_read_the_state_at_run_time() -> None:
    flow = flow_of(STATE_DEMO)
    for key in ("tasks", "finally", "afterExecution"):
        assert flow.rendered[key][0]["message"] == "Execution {{ execution.state }}"
    assert [d.path for d in flow.deferred] == [
        "tasks[0].message",
        "finally[0].message",
        "afterExecution[0].message",
    ]
    assert {d.root for d in flow.deferred} == {"execution"} and flow.errors == []


# docs: 05.workflow-components/20.afterexecution/index.md
ALERTS_DEMO = """\
id: alerts_demo
namespace: company.team

tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail

afterExecution:
  - id: onSuccess
    runIf: "{{execution.state == 'SUCCESS'}}"
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: https://hooks.slack.com/services/xxxxx
    messageText: "{{flow.namespace}}.{{flow.id}} finished successfully!"
"""


def test_after_execution_run_if() -> None:
    flow = flow_of(ALERTS_DEMO)
    task = flow.rendered["afterExecution"][0]
    assert task["runIf"] == "{{execution.state == 'SUCCESS'}}"
    assert task["messageText"] == "company.team.alerts_demo finished successfully!"
    assert deferred(flow) == [
        ("afterExecution[0].runIf", "{{execution.state == 'SUCCESS'}}", "execution")
    ]


# --- subflows, outputs ----------------------------------------------------------------------

# docs: 05.workflow-components/10.subflows/index.md
INPUTS_SUBFLOW = """\
id: inputs_subflow
namespace: company.team

inputs:
  - id: url
    type: STRING

tasks:
  - id: subflow
    type: io.kestra.plugin.core.flow.Subflow
    flowId: subflow_example
    namespace: company.team
    inputs:
      http_uri: "{{ inputs.url }}"
    wait: true

  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.subflow.outputs.data }}"
"""


def test_subflow_inputs_from_the_parent_inputs() -> None:
    flow = flow_of(INPUTS_SUBFLOW, url="https://example.com/data.json")
    subflow, hello = flow.rendered["tasks"]
    assert subflow["inputs"] == {"http_uri": "https://example.com/data.json"}
    assert subflow["namespace"] == "company.team" and subflow["wait"] is True
    assert hello["message"] == "{{ outputs.subflow.outputs.data }}"
    assert deferred(flow) == [("tasks[1].message", "{{ outputs.subflow.outputs.data }}", "outputs")]


# docs: 05.workflow-components/10.subflows/index.md
NESTED_INPUTS_SUBFLOW = """\
id: subflow
namespace: company.team

inputs:
  - id: users.firstName
    type: STRING
    defaults: Rick

  - id: users.lastName
    type: STRING
    defaults: Astley

tasks:
  - id: process_user_data
    type: io.kestra.plugin.core.log.Log
    message: hello {{ inputs.users }}
"""


def test_dotted_inputs_nest() -> None:
    flow = flow_of(NESTED_INPUTS_SUBFLOW)
    assert flow.rendered["tasks"][0]["message"] == 'hello {"firstName":"Rick","lastName":"Astley"}'
    assert flow.inputs_used == ["users"]
    other = flow_of(NESTED_INPUTS_SUBFLOW, **{"users.firstName": "Ada"})
    assert other.rendered["tasks"][0]["message"] == 'hello {"firstName":"Ada","lastName":"Astley"}'


# docs: 05.workflow-components/05.inputs/index.md
NESTED_INPUTS = """\
id: nested_inputs
namespace: company.team

inputs:
  - id: nested.string
    type: STRING
    required: false

  - id: nested.int
    type: INT

tasks:
  - id: log_inputs
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.nested.string }} and {{ inputs.nested.int }}"
"""


def test_nested_inputs_given_and_missing() -> None:
    flow = flow_of(NESTED_INPUTS, **{"nested.string": "text", "nested.int": "5"})
    assert flow.rendered["tasks"][0]["message"] == "text and 5"
    assert flow.inputs_used == ["nested.string", "nested.int"]
    # the required `nested.int` without a value is left for the run, not an error
    missing = flow_of(NESTED_INPUTS)
    assert missing.rendered["tasks"][0]["message"] == " and {{ inputs.nested.int }}"
    assert deferred(missing) == [("tasks[0].message", "{{ inputs.nested.int }}", "inputs")]
    assert missing.errors == [] and [w.path for w in missing.warnings] == ["inputs[1]"]


# docs: 05.workflow-components/01.tasks/00.flowable-tasks/index.md
SUBFLOW_FILE = (FLOWS / "subflow_file.yml").read_text(encoding="utf-8")

# (its internal storage URI: tests/data/flows/subflow_file*.expected.yml)


# docs: 05.workflow-components/10.subflows/index.md
FLOW_OUTPUTS = """\
id: flow_outputs
namespace: company.team

tasks:
  - id: mytask
    type: io.kestra.plugin.core.debug.Return
    format: this is a task output used as a final flow output

outputs:
  - id: final
    type: STRING
    value: "{{ outputs.mytask.value }}"
"""


def test_flow_outputs_read_task_outputs_at_run_time() -> None:
    flow = flow_of(FLOW_OUTPUTS)
    assert flow.rendered["outputs"] == [
        {"id": "final", "type": "STRING", "value": "{{ outputs.mytask.value }}"}
    ]
    assert deferred(flow) == [("outputs[0].value", "{{ outputs.mytask.value }}", "outputs")]


# --- inputs ---------------------------------------------------------------------------------

# docs: 05.workflow-components/05.inputs/index.md
REGEX_INPUT = """\
id: regex_input
namespace: company.team

inputs:
  - id: age
    type: INT
    prefill: 42
    required: false
    min: 18
    max: 64

  - id: user
    type: STRING
    prefill: student
    required: false
    validator: ^student(\\d+)?$

  - id: date
    type: DATE
    defaults: "2024-04-12"
    after: "2024-04-10"
    before: "2024-04-15"

tasks:
  - id: validator
    type: io.kestra.plugin.core.log.Log
    message: User {{ inputs.user }}, age {{ inputs.age }}
"""


def test_input_validators() -> None:
    flow = flow_of(REGEX_INPUT, user="student42", age="30")
    assert flow.rendered["tasks"][0]["message"] == "User student42, age 30"
    assert flow.errors == [] and flow.inputs_used == ["age", "user"]
    # a prefill is only what the UI proposes: without a value the input is null
    assert flow_of(REGEX_INPUT).rendered["tasks"][0]["message"] == "User , age "
    bad = flow_of(REGEX_INPUT, user="teacher", age="17")
    assert sorted(e.path for e in bad.errors) == ["inputs[0]", "inputs[1]"]
    assert any("must be more than `18`" in e.message for e in bad.errors)
    assert any("must match the pattern" in e.message for e in bad.errors)


# docs: 05.workflow-components/05.inputs/index.md
ARRAY_DEMO = """\
id: array_demo
namespace: company.team

inputs:
  - id: my_numbers_json_list
    type: ARRAY
    itemType: INT
    defaults: [1, 2, 3]

  - id: my_numbers_yaml_list
    type: ARRAY
    itemType: INT
    defaults:
      - 1
      - 2
      - 3

tasks:
  - id: print_status
    type: io.kestra.plugin.core.log.Log
    message: received inputs {{ inputs }}
"""


def test_array_inputs_print_as_json() -> None:
    flow = flow_of(ARRAY_DEMO)
    assert flow.rendered["tasks"][0]["message"] == (
        'received inputs {"my_numbers_json_list":[1,2,3],"my_numbers_yaml_list":[1,2,3]}'
    )
    given = flow_of(ARRAY_DEMO, my_numbers_json_list="[4, 5]")
    assert '"my_numbers_json_list":[4,5]' in given.rendered["tasks"][0]["message"]


# --- labels ---------------------------------------------------------------------------------

# docs: 05.workflow-components/08.labels/index.md
LABELS_TASK = """\
id: labels
namespace: company.team

inputs:
  - id: user
    type: STRING
    defaults: Rick Astley

  - id: url
    type: STRING
    defaults: song_url

tasks:
  - id: update_labels_with_map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      customerId: "{{ inputs.user }}"

  - id: get
    type: io.kestra.plugin.core.debug.Return
    format: https://t.ly/Vemr0

  - id: update_labels_with_list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: "{{ inputs.url }}"
        value: "{{ outputs.get.value }}"
"""


def test_labels_task_from_inputs_and_outputs() -> None:
    flow = flow_of(LABELS_TASK)
    by_map, _get, by_list = flow.rendered["tasks"]
    assert by_map["labels"] == {"customerId": "Rick Astley"}
    assert by_list["labels"] == [{"key": "song_url", "value": "{{ outputs.get.value }}"}]
    assert flow.inputs_used == ["user", "url"]
    assert deferred(flow) == [("tasks[2].labels[0].value", "{{ outputs.get.value }}", "outputs")]


# docs: 05.workflow-components/08.labels/index.md
FLOW_LABELS = """\
id: process_invoice_flow
namespace: company.team

labels:
  team: finance
  priority: HIGH

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ labels.team }} / {{ labels.priority }} / {{ labels.system.correlationId }}"
"""


def test_flow_labels_reach_the_execution() -> None:
    # the page's flow, its message made to read the labels the execution carries
    flow = flow_of(FLOW_LABELS)
    assert flow.rendered["tasks"][0]["message"] == f"finance / HIGH / {EXECUTION_ID}"
    assert flow.rendered["labels"] == {"team": "finance", "priority": "HIGH"}


# --- plugin defaults ------------------------------------------------------------------------

# docs: 05.workflow-components/09.plugin-defaults/index.md
PLUGIN_DEFAULTS = """\
id: api_python_sql
namespace: company.team

tasks:
  - id: api
    type: io.kestra.plugin.core.http.Request
    uri: https://dummyjson.com/products

  - id: hello
    type: io.kestra.plugin.scripts.python.Script
    script: |
      print("Hello World!")

  - id: python
    type: io.kestra.plugin.scripts.python.Script
    beforeCommands:
      - pip install polars
    outputFiles:
      - "products.csv"
    script: |
      import polars as pl
      data = {{outputs.api.body | jq('.products') | first}}
      df = pl.from_dicts(data)

pluginDefaults:
  - type: io.kestra.plugin.scripts.python.Script
    values:
      taskRunner:
        type: io.kestra.plugin.scripts.runner.docker.Docker
        pullPolicy: ALWAYS # set it to NEVER to use a local image
      containerImage: python:slim
"""


def test_plugin_defaults_are_applied_to_matching_tasks() -> None:
    flow = flow_of(PLUGIN_DEFAULTS)
    api, hello, python = flow.rendered["tasks"]
    runner = {"type": "io.kestra.plugin.scripts.runner.docker.Docker", "pullPolicy": "ALWAYS"}
    for task in (hello, python):
        assert task["taskRunner"] == runner and task["containerImage"] == "python:slim"
    assert "taskRunner" not in api and "containerImage" not in api
    assert python["beforeCommands"] == ["pip install polars"]
    assert "data = {{outputs.api.body | jq('.products') | first}}" in python["script"]
    assert deferred(flow) == [
        ("tasks[2].script", "{{outputs.api.body | jq('.products') | first}}", "outputs")
    ]
    assert flow.rendered["pluginDefaults"] == flow.flow["pluginDefaults"]
    assert "containerImage" not in flow.flow["tasks"][1]  # the parsed source is untouched
    assert "containerImage: python:slim" in flow.to_yaml()


# kestra: logs.yaml (shortened)
LOGS_DEFAULTS = """\
id: logs
namespace: io.kestra.tests

labels:
  country: FR
  region: "Nord"

pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      message: third {{flow.id}}

tasks:
- id: t1
  type: io.kestra.plugin.core.log.Log
  message: first {{task.id}}
  level: TRACE
- id: t2
  type: io.kestra.plugin.core.log.Log
  message: second {{task.type}}
  level: WARN
"""


def test_a_task_value_wins_over_a_plugin_default() -> None:
    flow = flow_of(LOGS_DEFAULTS)
    t1, t2 = flow.rendered["tasks"]
    assert t1["message"] == "first t1" and t1["level"] == "TRACE"
    assert t2["message"] == "second io.kestra.plugin.core.log.Log"
    assert flow.rendered["pluginDefaults"][0]["values"]["message"] == "third {{flow.id}}"
    assert flow.errors == []


# --- every flow: nothing secret shown, nothing crashes --------------------------------------

ALL_FLOWS = {
    name: value
    for name, value in globals().items()
    if name.isupper() and isinstance(value, str) and value.startswith("id: ")
}


def test_the_collection_is_large_enough() -> None:
    assert len(ALL_FLOWS) >= 25


@pytest.mark.parametrize("name", sorted(ALL_FLOWS))
def test_every_flow_renders_and_shows_no_secret_value(name: str) -> None:
    flow = flow_of(ALL_FLOWS[name])
    assert flow.tasks
    text = shown(flow)
    for value in SECRETS.values():
        assert value not in text, name
        assert base64.b64encode(value.encode()).decode() not in text, name
    for problem in flow.errors:
        assert problem.message.startswith(
            ("Unable to find `", "io.pebbletemplates.", "Invalid input")
        )
    # an expression left for the run is in the rendered flow exactly as written
    for item in flow.deferred:
        assert item.expression in json.dumps(flow.rendered, default=str, ensure_ascii=False) or (
            item.expression in flow.source
        )


# --- the same flows in a real kernel --------------------------------------------------------

KERNEL_CELLS: list[tuple[str, str]] = [
    ("load", "%load_ext kestra_nb"),
    ("secret-log", f"%%kestra_flow --name secret_log\n{SECRET_LOG}"),
    ("secret-log-check", "print(secret_log.secrets_used, secret_log.missing_secrets)"),
    ("postgres", f"%%kestra_flow --name pg\n{POSTGRES_TO_S3}"),
    ("postgres-check", "print([d.path for d in pg.deferred], pg.secrets_used)"),
    (
        "onboard",
        "%%kestra_flow --name onboard --input email=ada@example.com --input group_id=eng\n"
        f"{ONBOARD_USER}",
    ),
    ("onboard-check", "print(onboard.rendered['tasks'][0]['email'], onboard.inputs_used)"),
    ("foreach", f"%%kestra_flow --show both\n{FOREACH_IF}"),
    ("defaults", f"%%kestra_flow --name pd\n{PLUGIN_DEFAULTS}"),
    ("defaults-check", "print(pd.rendered['tasks'][1]['containerImage'])"),
    ("envs", f"%%kestra_flow --name rv\n{RECURSIVE_VARS_AND_ENVS}"),
    ("envs-check", "print(rv.rendered['tasks'][1]['format'], '|', rv.envs_used)"),
]
KERNEL_INDEX = {name: i for i, (name, _) in enumerate(KERNEL_CELLS)}
KERNEL_SECRETS = (
    "GITHUB_ACCESS_TOKEN",
    "POSTGRES_PASSWORD",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "KESTRA_API_TOKEN",
    "ONBOARD_WEBHOOK_KEY",
)


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, NotebookRunner, Path]:
    workdir = tmp_path_factory.mktemp("blueprints")
    runner = NotebookRunner(workdir)
    env = {f"SECRET_{k}": base64.b64encode(SECRETS[k].encode()).decode() for k in KERNEL_SECRETS}
    env.update(ENVIRON)
    nb = runner.run([src for _, src in KERNEL_CELLS], env=env, timeout=120)
    return nb, runner, workdir


def cell_text(kernel_run: Any, name: str) -> str:
    nb, runner, _ = kernel_run
    return str(runner.text(nb, KERNEL_INDEX[name]))


def cell_html(kernel_run: Any, name: str) -> str:
    nb, _, _ = kernel_run
    return "".join(
        out.get("data", {}).get("text/html", "")
        for out in nb.cells[KERNEL_INDEX[name]].outputs
        if out.get("output_type") in ("display_data", "execute_result")
    )


@pytest.mark.kernel
def test_kernel_renders_the_flows(kernel_run: Any) -> None:
    nb, _, _ = kernel_run
    errors = [
        (name, out.get("ename"))
        for name, i in KERNEL_INDEX.items()
        for out in nb.cells[i].outputs
        if out.get("output_type") == "error"
    ]
    assert errors == []
    assert cell_text(kernel_run, "secret-log-check").strip() == "['GITHUB_ACCESS_TOKEN'] []"
    assert cell_text(kernel_run, "postgres-check").strip() == (
        "['tasks[1].from'] ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'POSTGRES_PASSWORD']"
    )
    assert cell_text(kernel_run, "onboard-check").strip() == "ada@example.com ['email', 'group_id']"
    assert cell_text(kernel_run, "defaults-check").strip() == "python:slim"
    assert cell_text(kernel_run, "envs-check").strip() == "true Pass by env | ['test1', 'test2']"
    for name in ("secret-log", "postgres", "onboard"):
        assert "******" in cell_html(kernel_run, name), name
    foreach = cell_html(kernel_run, "foreach")
    assert "taskrun.value" in foreach and "parent.taskrun.value" in foreach


@pytest.mark.kernel
def test_saved_notebook_holds_no_secret_value(kernel_run: Any) -> None:
    _, _, workdir = kernel_run
    saved = (workdir / "executed.ipynb").read_text(encoding="utf-8")
    nbformat.validate(nbformat.reads(saved, as_version=4))
    for name in KERNEL_SECRETS:
        value = SECRETS[name]
        for form in (value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1]):
            assert form not in saved, name
    assert "pg_user" in saved and "python:slim" in saved  # rendered values are there
