"""A server's flow schema (issue 13): pulled from the stand-in Kestra, cached per server, and
used to check the plugins the bundled index does not cover; honest verdicts otherwise.

The stand-in answers `getSchemasFromType` with `tests/standin/flow_schema.json` and checks the
request and the answer against Kestra's OpenAPI file (the fixture fails on invalid traffic).
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kestra_nb import FlowError
from kestra_nb.cli import main
from kestra_nb.flow import KestraFlow
from kestra_nb.flow.display import verdict
from kestra_nb.flow.schema import SchemaError, ServerSchema, load_schema, schema_cache_path
from kestra_nb.flow.source import load_flow_yaml
from kestra_nb.flow.validation import unchecked_types, using_schema, validate_flow
from kestra_nb.server import KestraClient
from kestra_nb.server.schema import pull_schema
from tests.standin import PASSWORD, USER, KestraStandin, running_standin
from tests.standin.server import FLOW_SCHEMA

pytestmark = pytest.mark.timeout(60)

QUERY = "io.kestra.plugin.jdbc.postgresql.Query"
JDBC_FLOW = """\
id: report
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://db:5432/app
    sql: SELECT 1
    fetchType: FETCH_ONE
  - id: more
    type: io.kestra.plugin.jdbc.postgresql.Queries
    url: "{{ secret('DB_URL') }}"
    sql: SELECT 2
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: done
"""


@pytest.fixture
def kestra(shared_dir: Path) -> Iterator[KestraStandin]:
    yield from running_standin(shared_dir)


@pytest.fixture
def schema() -> ServerSchema:
    return load_schema(FLOW_SCHEMA)


def check(text: str, schema: ServerSchema | None = None) -> list[str]:
    data, marks, problems = load_flow_yaml(text)
    assert problems == []
    result = validate_flow(data, marks, schema=schema)
    return [str(p) for p in result.problems]


# -- pulling and caching ------------------------------------------------------------------


def test_pull_caches_the_schema_per_server(kestra: KestraStandin, tmp_path: Path) -> None:
    with KestraClient(kestra.url, user=USER, password=PASSWORD, timeout=5) as client:
        pulled = pull_schema(client, cache_dir=tmp_path)
    port = kestra.url.rsplit(":", 1)[1]
    assert pulled.path == tmp_path / "schemas" / f"127.0.0.1_{port}.json"
    assert pulled.plugin_types == 6
    assert "getSchemasFromType" in kestra.calls
    assert stat.S_IMODE(pulled.path.stat().st_mode) == 0o644
    assert json.loads(pulled.path.read_text()) == json.loads(FLOW_SCHEMA.read_text())
    assert PASSWORD not in pulled.path.read_text()
    loaded = load_schema(kestra.url, cache_dir=tmp_path)
    assert loaded.knows(QUERY) and not loaded.knows("io.kestra.plugin.aws.s3.Upload")


def test_schema_pull_command_reads_credentials_from_the_environment(
    kestra: KestraStandin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in list(os.environ):
        if name.startswith("KESTRA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KESTRA_USER", USER)
    monkeypatch.setenv("KESTRA_PASSWORD", PASSWORD)
    monkeypatch.setenv("KESTRA_NB_CACHE_DIR", str(tmp_path))
    assert main(["schema", "pull", "--server", kestra.url]) == 0
    out, err = capsys.readouterr()
    path = schema_cache_path(kestra.url)
    assert out == f"{kestra.url}: 6 plugin types, saved to {path}\n" and err == ""
    assert path.is_file() and str(tmp_path) in str(path)
    # a wrong password: one line, exit 2, no value
    monkeypatch.setenv("KESTRA_PASSWORD", "wrong-" + PASSWORD)
    assert main(["schema", "pull", "--server", kestra.url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "wörd" not in err


def test_no_password_option_exists() -> None:
    with pytest.raises(SystemExit):
        main(["schema", "pull", "--password", "x"])


def test_cache_path_and_missing_cache(tmp_path: Path) -> None:
    assert schema_cache_path("https://kestra.example.com", tmp_path).name == (
        "kestra.example.com_443.json"
    )
    assert schema_cache_path("http://localhost:8080/", tmp_path).name == "localhost_8080.json"
    with pytest.raises(SchemaError, match="run kestra-nb schema pull --server http://h:1"):
        load_schema("http://h:1", cache_dir=tmp_path)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(SchemaError, match="no plugin definitions"):
        load_schema(tmp_path / "bad.json")
    with pytest.raises(SchemaError, match="not a JSON file"):
        (tmp_path / "text.json").write_text("nope")
        load_schema(tmp_path / "text.json")


# -- checking with the schema -------------------------------------------------------------


def test_without_a_schema_other_plugins_are_listed_not_checked() -> None:
    data, marks, _ = load_flow_yaml(JDBC_FLOW.replace("sql: SELECT 1", "sqll: SELECT 1"))
    result = validate_flow(data, marks)
    assert result.problems == []
    assert result.unchecked_types == [QUERY, "io.kestra.plugin.jdbc.postgresql.Queries"]
    assert result.checked_plugins == 1


def test_the_schema_checks_every_plugin_of_the_server(schema: ServerSchema) -> None:
    assert check(JDBC_FLOW, schema) == []
    bad = (
        JDBC_FLOW.replace("sql: SELECT 1", "sqll: SELECT 1")
        .replace("FETCH_ONE", "FETCH_ALL")
        .replace("    sql: SELECT 2\n", "    sql: SELECT 2\n    transaction: [yes]\n")
    )
    assert check(bad, schema) == [
        f"tasks[0].sqll · line 7 · unknown property `sqll` of `{QUERY}` (did you mean `sql`?)",
        "tasks[0].fetchType · line 8 · `fetchType` expects one of STORE, FETCH, FETCH_ONE, NONE",
        "tasks[0].sql · line 4 · missing required property `sql`",
        "tasks[1].transaction · line 13 · `transaction` expects a boolean, got a list",
    ]
    data, marks, _ = load_flow_yaml(JDBC_FLOW)
    assert validate_flow(data, marks, schema=schema).unchecked_types == []


def test_expressions_and_plugin_defaults_are_accepted(schema: ServerSchema) -> None:
    text = JDBC_FLOW.replace("FETCH_ONE", '"{{ inputs.fetch }}"').replace(
        "    url: jdbc:postgresql://db:5432/app\n", ""
    )
    assert check(text, schema) == ["tasks[0].url · line 4 · missing required property `url`"]
    defaults = text + (
        "pluginDefaults:\n  - type: io.kestra.plugin.jdbc.postgresql\n"
        "    values:\n      url: jdbc:postgresql://db/app\n"
    )
    assert check(defaults, schema) == []


def test_a_type_the_server_does_not_have_is_an_error(schema: ServerSchema) -> None:
    text = JDBC_FLOW.replace("postgresql.Queries", "postgresql.Querys")
    assert check(text, schema) == [
        "tasks[1].type · line 10 · unknown type "
        "`io.kestra.plugin.jdbc.postgresql.Querys`: " + str(FLOW_SCHEMA) + " has no such plugin"
    ]


def test_core_plugins_stay_with_the_index(schema: ServerSchema) -> None:
    """The index knows Kestra 1.x/2.0 differences: it judges core tasks, even with a schema."""
    text = JDBC_FLOW.replace("message: done", "mesage: done")
    assert check(text, schema) == [
        "tasks[2].mesage · line 15 · unknown property `mesage` of "
        "`io.kestra.plugin.core.log.Log` (did you mean `message`?)",
        "tasks[2].message · line 13 · missing required property `message`",
    ]


def test_using_schema_reaches_from_yaml(schema: ServerSchema) -> None:
    text = JDBC_FLOW.replace("sql: SELECT 1", "sqll: SELECT 1")
    secrets = {"DB_URL": "jdbc:postgresql://user:pw@db/app"}
    KestraFlow.from_yaml(text, secrets=secrets, environ={})  # offline: not checked
    with using_schema(schema), pytest.raises(FlowError, match="unknown property `sqll`"):
        KestraFlow.from_yaml(text, secrets=secrets, environ={})


# -- verdicts -----------------------------------------------------------------------------


def test_verdict_is_valid_only_when_every_plugin_was_checked(schema: ServerSchema) -> None:
    secrets = {"DB_URL": "jdbc:postgresql://user:pw@db/app"}
    flow = KestraFlow.from_yaml(JDBC_FLOW, secrets=secrets, environ={})
    expected = (
        f"no problems found · 2 plugin tasks not checked ({QUERY}, …): "
        "kestra-nb schema pull --server URL checks them"
    )
    assert verdict(flow) == expected
    assert f"verdict: {expected}" in flow.text().splitlines()
    assert f"3 task(s), {expected}" in flow.html()
    assert unchecked_types(flow.flow) == [QUERY, "io.kestra.plugin.jdbc.postgresql.Queries"]
    assert unchecked_types(flow.flow, schema) == []
    log = "{id: l, type: io.kestra.plugin.core.log.Log, message: m}"
    core = f"id: c\nnamespace: n\ntasks:\n  - {log}"
    assert verdict(KestraFlow.from_yaml(core, environ={})) == "valid"
    one = KestraFlow.from_yaml(JDBC_FLOW.split("  - id: more")[0], environ={})
    assert verdict(one) == (
        f"no problems found · 1 plugin task not checked ({QUERY}): "
        "kestra-nb schema pull --server URL checks them"
    )


def test_cli_flow_verdict_and_schema_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_DB_URL", base64.b64encode(b"jdbc:postgresql://db/app").decode())
    (tmp_path / "report.yml").write_text(JDBC_FLOW)
    assert main(["flow", "report.yml"]) == 0
    out, _ = capsys.readouterr()
    assert out == (
        "report.yml: company.team.report: no problems found, 3 tasks · 2 plugin tasks not "
        f"checked ({QUERY}, …): kestra-nb schema pull --server URL checks them\n"
    )
    assert main(["flow", "report.yml", "--schema", str(FLOW_SCHEMA)]) == 0
    out, _ = capsys.readouterr()
    assert out == "report.yml: company.team.report: valid, 3 tasks\n"
    (tmp_path / "report.yml").write_text(JDBC_FLOW.replace("sql: SELECT 1", "sqll: SELECT 1"))
    assert main(["flow", "report.yml", "--schema", str(FLOW_SCHEMA)]) == 1
    out, _ = capsys.readouterr()
    assert "report.yml: tasks[0].sqll · line 7 · unknown property `sqll`" in out
    assert main(["flow", "report.yml", "--schema", "http://nowhere.invalid:9"]) == 2
    _, err = capsys.readouterr()
    assert "run kestra-nb schema pull --server http://nowhere.invalid:9" in err


@pytest.mark.kernel
def test_kestra_magics_schema_checks_plugins_in_a_cell(tmp_path: Path) -> None:
    """`%config KestraMagics.schema = FILE`: the cell checks what the server has too."""
    import shutil

    from tests.kernel import NotebookRunner

    shutil.copy(FLOW_SCHEMA, tmp_path / "schema.json")
    cell = "%%kestra_flow\n" + JDBC_FLOW.replace("sql: SELECT 1", "sqll: SELECT 1")
    runner = NotebookRunner(tmp_path)
    nb = runner.run(
        [
            "%load_ext kestra_nb",
            "%%kestra_flow\n" + JDBC_FLOW,
            "%config KestraMagics.schema = 'schema.json'",
            "%%kestra_flow\n" + JDBC_FLOW,
            cell,
            "%config KestraMagics.schema = 'http://127.0.0.1:9'",
            "%%kestra_flow\n" + JDBC_FLOW,
        ],
        env={"SECRET_DB_URL": base64.b64encode(b"jdbc:postgresql://db/app").decode()},
    )
    assert "2 plugin tasks not checked" in runner.text(nb, 1)
    assert "2 plugin tasks not checked" in runner.text(nb, 1)
    assert "not checked" not in runner.text(nb, 3)  # the schema checked them: valid
    # the cell's own line numbers: the magic line is line 1
    assert "tasks[0].sqll · line 8 · unknown property `sqll`" in runner.text(nb, 4)
    assert "kestra-nb schema pull --server http://127.0.0.1:9" in runner.text(nb, 6)
