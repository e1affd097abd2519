"""Rendering flows as Kestra would at run time: flows from Kestra's docs and blueprints.

Real engine, real secret store, real masker: the rendered values are checked one by one,
as are the deferred expressions, the reported errors and what may be displayed. The flows live
in `tests/data/flows/render/` (and `hello_secret.yml`, `upload_orders.yml` of
`tests/data/flows/`), each starting with a comment line on what it exercises; where a test is
all "these values, deferred expressions and problems", it is the flow's `.expected.yml`
(`test_render_flow_file`), the rest is below.
"""

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
from tests.flow_helpers import RENDER, check_flow_file, flow_files, shown

TOKEN = "ghp_s3cr3tT0ken42"


def flow_of(text: str, **kwargs: Any) -> KestraFlow:
    kwargs.setdefault("secrets", {"GITHUB_TOKEN": TOKEN})
    return helpers.flow_of(text, **kwargs)


def text_of(name: str) -> str:
    """The text of flow `name` of `tests/data/flows/render/`."""
    return helpers.flow_text(name, RENDER)


# the log task with a secret: tests/data/flows/hello_secret.yml (its expectations beside it)
HELLO_SECRET = helpers.flow_text("hello_secret")


@pytest.mark.parametrize("name", flow_files(RENDER))
def test_render_flow_file(name: str) -> None:
    """Each `.expected.yml` of `tests/data/flows/render/`: rendered values, deferred
    expressions, problems and what the flow uses, as expected (`check_flow_file`), with the
    secret `GITHUB_TOKEN` unless it says otherwise."""
    check_flow_file(name, RENDER, secrets={"GITHUB_TOKEN": TOKEN})


def test_http_request_with_authorization_header() -> None:
    flow = flow_of(text_of("http_request"), secrets={"api_token": "abc.def.ghi"})
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
    flow = flow_of(text_of("http_request"), secrets={})
    assert flow.missing_secrets == ["API_TOKEN"] and flow.secrets_used == ["API_TOKEN"]
    assert len(flow.errors) == 1
    error = flow.errors[0]
    assert error.path == "tasks[0].headers.Authorization"
    assert error.task_id == "request"
    assert error.line == 14  # line 1 of the file is its comment on where it comes from
    # issue 12: Kestra's message without its Java class, the expression, not the property
    assert error.message == "Cannot find secret for key 'API_TOKEN'."
    assert error.expression == "{{ secret('API_TOKEN') }}"
    assert str(error) == (
        "tasks[0].headers.Authorization · line 14 · Cannot find secret for key 'API_TOKEN'."
        " ({{ secret('API_TOKEN') }}) Pass it in secrets=, or set SECRET_API_TOKEN (base64) in"
        " the environment"
    )
    # the expression stays verbatim, the rest of the flow still renders
    assert flow.rendered["tasks"][0]["headers"]["Authorization"] == (
        "Bearer {{ secret('API_TOKEN') }}"
    )
    assert flow.rendered["tasks"][0]["uri"] == "https://dummyjson.com/products"
    assert "API_TOKEN" in flow.text() and "errors (1)" in flow.text()


def test_execution_id_and_start_date_are_generated() -> None:
    text = HELLO_SECRET.replace("Token is {{ secret('GITHUB_TOKEN') }}", "{{ execution.id }}")
    before = dt.datetime.now(dt.UTC)
    one, two = flow_of(text), flow_of(text)
    ids = [f.rendered["tasks"][0]["message"] for f in (one, two)]
    assert all(re.fullmatch(r"[0-9A-Za-z]{16,22}", i) for i in ids) and ids[0] != ids[1]
    start = one.context["execution"]["startDate"]
    assert start.tzinfo is not None and before <= start <= dt.datetime.now(dt.UTC)
    assert one.context["flow"] == {"id": "hello_secret", "namespace": "company.team", "revision": 1}


def test_inputs_defaults_then_supplied_values_converted_to_their_types() -> None:
    flow = flow_of(text_of("typed_inputs"))
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
    flow = flow_of(text_of("typed_inputs"), inputs=supplied)
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
    flow = flow_of(text_of("typed_inputs"), inputs={"n": "many", "at": "yesterday"})
    assert [(e.path, e.message) for e in flow.errors[:2]] == [
        ("inputs[0]", "Invalid input for `n`, expected INT (an integer), but received `many`"),
        (
            "inputs[3]",
            "Invalid input for `at`, expected DATETIME (an ISO-8601 instant such as"
            " 2024-01-31T10:00:00Z), but received `yesterday`",
        ),
    ]


def test_secret_inputs_are_masked_and_never_echoed() -> None:
    text = text_of("secret_input")
    flow = flow_of(text, inputs={"password": "hunter2-correct"})
    assert flow.rendered["tasks"][0]["message"] == "pw=hunter2-correct upper=HUNTER2-CORRECT"
    assert "hunter2-correct" not in shown(flow)
    assert "pw=******" in flow.to_yaml()
    flow = flow_of(text, inputs={"password": ["hunter2-correct"]})
    assert [e.message for e in flow.errors] == [
        "Invalid input for `password`, expected SECRET (a string)"
    ]


def test_secret_derived_values_are_not_shown() -> None:
    text = text_of("json_secret")
    creds = '{"token": "tkn-998877", "user": "ada"}'
    flow = flow_of(text, secrets={"CREDS": creds})
    assert flow.rendered["tasks"][0]["message"] == "tkn-998877"
    # issue 12: a value computed from a secret is shown as a marked placeholder
    assert "message: '****** (computed from CREDS)'" in flow.to_yaml()
    assert "computed from CREDS) ****** (computed from CREDS)" in flow.to_yaml()
    everything = shown(flow)
    for leaked in (creds, "tkn-998877", base64.b64encode(creds.encode()).decode()):
        assert leaked not in everything


def test_bad_expression_is_reported_and_kept_verbatim() -> None:
    text = text_of("bad_expression")
    flow = flow_of(text)
    # each expression on its own: the good one renders, the bad one stays verbatim
    assert flow.rendered["tasks"][0]["message"] == "ok bad then {{ 1 + }}"
    assert len(flow.errors) == 1
    # issue 12: no Java class name; the failing expression, at its own column
    assert flow.errors[0].message.startswith("Unexpected token")
    assert flow.errors[0].expression == "{{ 1 + }}"
    # (line 1 of the file is its comment on where it comes from)
    assert (flow.errors[0].path, flow.errors[0].line) == ("tasks[0].message", 7)


def test_per_expression_rendering_keeps_whitespace_control_and_drops_comments() -> None:
    text = text_of("segs")
    flow = flow_of(text)
    assert flow.rendered["tasks"][0]["message"] == "{{ taskrun.value }} in segs!"
    text_ok = text.replace("{{ taskrun.value }} ", "")
    assert flow_of(text_ok).rendered["tasks"][0]["message"] == "in segs!"


def test_required_input_without_value() -> None:
    text = text_of("needs_input")
    flow = flow_of(text)  # a preview: deferred, with a warning
    assert flow.rendered["tasks"][0]["message"] == "Hello {{ inputs.user }} from needs_input"
    assert [(d.path, d.root) for d in flow.deferred] == [("tasks[0].message", "inputs")]
    assert [w.path for w in flow.warnings] == ["inputs[0]"]
    with pytest.raises(FlowError, match="missing required input"):
        flow_of(text, inputs={})
    assert flow_of(text, inputs={"user": "Ada"}).rendered["tasks"][0]["message"] == (
        "Hello Ada from needs_input"
    )


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


def test_a_given_renderer_is_used_with_its_own_secrets_and_envs() -> None:
    from kestra_nb.pebble import Renderer

    engine = Renderer(secrets={"GITHUB_TOKEN": "tok-from-renderer"}, environ={"ENV_WHO": "me"})
    text = HELLO_SECRET.replace('"Token', '"{{ envs.who }} Token')
    flow = KestraFlow.from_yaml(text, renderer=engine)
    assert flow.rendered["tasks"][0]["message"] == "me Token is tok-from-renderer"
    assert flow.secrets_used == ["GITHUB_TOKEN"] and flow.envs_used == ["who"]
    assert "tok-from-renderer" not in shown(flow)


def test_error_messages_never_hold_a_secret_input_value() -> None:
    text = text_of("bad_number")
    flow = flow_of(text, inputs={"pin": "not-a-number-4711"})
    assert len(flow.errors) == 1
    assert flow.errors[0].message.startswith("****** is not a valid number")  # no Java class
    assert "not-a-number-4711" not in str(flow.errors[0])


def test_datetime_inputs_and_start_date_are_instants() -> None:
    """Kestra keeps DATETIME inputs and execution.startDate as Instants (seconds printed)."""
    flow = KestraFlow.from_yaml(text_of("when"), inputs={})
    message = flow.rendered["tasks"][0]["message"]
    at, start = message.split(" / ")
    assert at == "2024-01-31T10:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,9})?Z", start), start


# --- plugin defaults (Kestra's PluginDefaultService: type or prefix match, forced, order) ---


def test_plugin_defaults_merge_like_kestra() -> None:
    flow = flow_of(text_of("plugin_defaults"))
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


# --- FILE inputs -----------------------------------------------------------------------------


def test_a_file_input_given_as_a_path_object() -> None:
    """(The other FILE input cases: tests/data/flows/upload_orders*.yml.)"""
    given = flow_of(
        helpers.flow_text("upload_orders"),
        inputs={"orders": Path("relative/x.json")},
        execution={"id": "E2"},
    )
    assert given.context["inputs"]["orders"].endswith("/executions/E2/inputs/orders/x.json")


# --- errors of one string ------------------------------------------------------------------


def test_each_cause_of_a_failing_string_is_reported() -> None:
    text = text_of("two_errors")
    flow = flow_of(text)
    messages = [e.message for e in flow.errors]
    assert len(messages) == 2
    assert messages[0].startswith("Unable to find `typo`")
    # the parse error is Kestra's, reported once, about its own expression (issue 12: not
    # the whole property, no Java class name)
    assert messages[1].startswith("Unexpected token")
    assert flow.errors[1].expression == "{{ 1 + }}"
    assert flow.rendered["tasks"][0]["message"] == "{{ inputs.typo }} {{ 1 + }} hi"


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
