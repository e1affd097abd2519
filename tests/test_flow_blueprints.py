"""Flows users really write: Kestra's documentation examples, rendered as Kestra runs them.

The flows live in `tests/data/flows/blueprints/` (and `secret_log.yml`, `subflow_file.yml` of
`tests/data/flows/`), each as published, its first line naming its source: `docs:` is a page of
kestra-io/docs under `src/contents/docs/`, `kestra:` a flow of kestra-io/kestra under
`core/src/test/resources/flows/valids/`. Each one is parsed, validated and rendered with
suitable secrets, envs and inputs; the tests check the values Kestra would produce when the
execution runs, the expressions left for run time (verbatim), what the flow uses (secrets,
envs, inputs), and that no secret value (nor its base64) reaches anything displayed. Where
that is all a test checks, it is the flow's `.expected.yml` (`test_blueprint_flow_file`); what
needs code (dates relative to now, messages checked in part) is below. The last part runs a
few of them through `%%kestra_flow` in a real kernel and reads the saved notebook.
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
from tests.flow_helpers import BLUEPRINTS, check_flow_file, flow_files, flow_names, shown
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
EXECUTION = {"id": EXECUTION_ID, "startDate": START}


def text_of(name: str) -> str:
    """The text of blueprint `name` (`tests/data/flows/blueprints/<name>.yml`)."""
    return helpers.flow_text(name, BLUEPRINTS)


def flow_of(name: str, **inputs: Any) -> KestraFlow:
    """Blueprint `name` rendered for a new execution with a known id and start date."""
    return helpers.flow_of(
        text_of(name),
        secrets=SECRETS,
        environ=ENVIRON,
        inputs=inputs or None,
        execution=EXECUTION,
    )


def deferred(flow: KestraFlow) -> list[tuple[str, str, str]]:
    return [(d.path, d.expression, d.root) for d in flow.deferred]


@pytest.mark.parametrize("name", flow_files(BLUEPRINTS))
def test_blueprint_flow_file(name: str) -> None:
    """Each `.expected.yml` of `tests/data/flows/blueprints/`: rendered values, deferred
    expressions, problems and what the flow uses, as expected (`check_flow_file`)."""
    check_flow_file(name, BLUEPRINTS, secrets=SECRETS, environ=ENVIRON, execution=EXECUTION)


# --- secrets -------------------------------------------------------------------------------

# docs: expressions/index.md (the `secret` function); what it renders and shows:
# tests/data/flows/secret_log.expected.yml
SECRET_LOG = helpers.flow_text("secret_log")


def test_missing_secret_is_listed_not_raised() -> None:
    flow = KestraFlow.from_yaml(SECRET_LOG, secrets={}, environ={})
    assert flow.secrets_used == ["GITHUB_ACCESS_TOKEN"]
    assert flow.missing_secrets == ["GITHUB_ACCESS_TOKEN"]
    assert [e.path for e in flow.errors] == ["tasks[0].message"]
    assert "Cannot find secret for key 'GITHUB_ACCESS_TOKEN'" in flow.errors[0].message
    assert flow.rendered["tasks"][0]["message"] == "{{ secret('GITHUB_ACCESS_TOKEN') }}"


# --- HTTP requests --------------------------------------------------------------------------


def test_http_delete_with_an_int_input_in_the_uri() -> None:
    flow = flow_of("http_delete", product_id="7")
    assert flow.rendered["tasks"][0]["uri"] == "https://dummyjson.com/products/7"
    assert flow.warnings == [] and flow.errors == []
    without = flow_of("http_delete")
    uri = "https://dummyjson.com/products/{{ inputs.product_id }}"
    assert without.rendered["tasks"][0]["uri"] == uri
    assert ("tasks[0].uri", "{{ inputs.product_id }}", "inputs") in deferred(without)
    assert "required input `product_id`" in without.warnings[0].message
    bad = flow_of("http_delete", product_id="seven")
    assert [e.path for e in bad.errors] == ["inputs[0]"]
    assert "Invalid input for `product_id`" in bad.errors[0].message


# --- variables and dates: values relative to now ---------------------------------------------


def test_render_of_a_variable_holding_an_expression() -> None:
    before = dt.datetime.now(dt.UTC)
    flow = flow_of("dynamic_variable")
    message = flow.rendered["tasks"][0]["message"]
    assert message != "{{ now() }}" and message.endswith("Z")
    when = dt.datetime.fromisoformat(message.replace("Z", "+00:00"))
    assert before - dt.timedelta(minutes=1) <= when <= dt.datetime.now(dt.UTC)
    assert flow.rendered["variables"]["time"] == "{{ now() }}"  # `vars` are not rendered


def test_date_expressions_and_arithmetic() -> None:
    flow = flow_of("date_format_vars")
    seconds, start, next_date, shell = flow.rendered["tasks"]
    assert seconds["format"] == "86400"
    assert start["format"] == "2024-03-04"
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()
    assert next_date["format"] in (str(tomorrow), str(tomorrow + dt.timedelta(days=1)))
    assert shell["commands"] == ['echo "{{ outputs.next_date_unix.value }}"']
    assert shell["taskRunner"] == {"type": "io.kestra.plugin.core.runner.Process"}
    assert flow.errors == []


# --- inputs: messages checked in part ---------------------------------------------------------


def test_input_validators() -> None:
    flow = flow_of("regex_input", user="student42", age="30")
    assert flow.rendered["tasks"][0]["message"] == "User student42, age 30"
    assert flow.errors == [] and flow.inputs_used == ["age", "user"]
    # a prefill is only what the UI proposes: without a value the input is null
    assert flow_of("regex_input").rendered["tasks"][0]["message"] == "User , age "
    bad = flow_of("regex_input", user="teacher", age="17")
    assert sorted(e.path for e in bad.errors) == ["inputs[0]", "inputs[1]"]
    assert any("must be more than `18`" in e.message for e in bad.errors)
    assert any("must match the pattern" in e.message for e in bad.errors)


# --- every flow: nothing secret shown, nothing crashes --------------------------------------

ALL_FLOWS = {
    **{name: text_of(name) for name in flow_names(BLUEPRINTS)},
    **{name: helpers.flow_text(name) for name in ("secret_log", "subflow_file")},
}


def test_the_collection_is_large_enough() -> None:
    assert len(ALL_FLOWS) >= 25


@pytest.mark.parametrize("name", sorted(ALL_FLOWS))
def test_every_flow_renders_and_shows_no_secret_value(name: str) -> None:
    flow = helpers.flow_of(ALL_FLOWS[name], secrets=SECRETS, environ=ENVIRON, execution=EXECUTION)
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
    ("postgres", f"%%kestra_flow --name pg\n{text_of('postgres_to_s3')}"),
    ("postgres-check", "print([d.path for d in pg.deferred], pg.secrets_used)"),
    (
        "onboard",
        "%%kestra_flow --name onboard --input email=ada@example.com --input group_id=eng\n"
        f"{text_of('onboard_user')}",
    ),
    ("onboard-check", "print(onboard.rendered['tasks'][0]['email'], onboard.inputs_used)"),
    ("foreach", f"%%kestra_flow --show both\n{text_of('foreach_if')}"),
    ("defaults", f"%%kestra_flow --name pd\n{text_of('plugin_defaults')}"),
    ("defaults-check", "print(pd.rendered['tasks'][1]['containerImage'])"),
    ("envs", f"%%kestra_flow --name rv\n{text_of('recursive_vars_and_envs')}"),
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
