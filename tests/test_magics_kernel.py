"""The magics in a real kernel, through nbclient: every option, every kind of user error.

One kernel runs one notebook of many cells; the assertions then read each cell's outputs
and the saved `.ipynb` (which must hold no secret value, nor its base64).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.kernel import NotebookRunner

API_KEY = "sk-Api-Key-Value-3141"
EXTRA = "extra-Only-For-One-Cell-2718"
VALUES = (API_KEY, EXTRA)

FLOW = """id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: Ada
  - id: count
    type: INT
    defaults: 1
labels:
  env: dev
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Hi {{ inputs.user }} x{{ inputs.count + 1 }} in {{ flow.namespace }}"
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "https://{{ envs.stage }}.example.com/{{ inputs.user }}"
    headers:
      Authorization: "Bearer {{ secret('API_KEY') }}"
  - id: later
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.body }} in {{ flow.id }}"
"""

MISSING = """id: missing
namespace: company.team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: ok
  - id: uses_nope
    type: io.kestra.plugin.core.log.Log
    message: "token {{ secret('NOPE') }}"
"""

EXTRA_FLOW = """id: extra
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('EXTRA') }} / {{ envs.extra_region }}"
"""

BAD_YAML = """id: broken
namespace: company.team
tasks: [
  - id: t
"""

BAD_STRUCTURE = """id: "bad id!"
namespace: "Bad Namespace"
tasks: []
"""

BAD_TASKS = """id: tasks_bad
namespace: company.team
inputs:
  - id: when
    type: NOT_A_TYPE
  - id: needed
    type: STRING
tasks:
  - id: dup
    type: io.kestra.plugin.core.log.Log
    message: a
  - id: group
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: dup
        type: io.kestra.plugin.core.log.Log
        message: b
      - id: untyped
        message: c
      - id: flat
        type: Log
        message: d
"""

BAD_KEYS = """id: dupkey
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: one
    message: two
  - type: io.kestra.plugin.core.log.Log
    message: no id
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cell(head: str, body: str) -> str:
    return f"{head}\n{body}"


CELLS: list[tuple[str, str]] = [
    ("load", "%load_ext kestra_nb\nd = {'user': 'Grace'}\nnot_a_dict = [1]"),
    ("help", "print(get_ipython().find_cell_magic('kestra_flow').__doc__)"),
    ("help?", "%%kestra_flow?\n"),
    ("valid", cell("%%kestra_flow --name f", FLOW)),
    (
        "named",
        "print(type(f).__name__, f.secrets_used, f.missing_secrets, f.id, f.namespace)\n"
        "print([d.path for d in f.deferred])\n"
        "print(f.rendered['tasks'][0]['message'])",
    ),
    ("input", cell("%%kestra_flow --input count=41 --input user=Linus", FLOW)),
    ("inputs", cell("%%kestra_flow --inputs d", FLOW)),
    ("missing", cell("%%kestra_flow --name m", MISSING)),
    ("missing-attrs", "print(m.missing_secrets, [str(e) for e in m.errors])"),
    ("env", cell("%%kestra_flow --env extra.env", EXTRA_FLOW)),
    ("env-gone", cell("%%kestra_flow", EXTRA_FLOW)),
    ("save", cell("%%kestra_flow --save hello.yml", FLOW)),
    ("save-again", cell("%%kestra_flow --save hello.yml --show source", FLOW)),
    ("save-subdir", cell("%%kestra_flow --save flows/company.team.hello.yml", FLOW)),
    ("save-bad", cell("%%kestra_flow --save hello.yml/inside.yml", FLOW)),
    ("show-both", cell("%%kestra_flow --show both", FLOW)),
    ("bad-yaml", cell("%%kestra_flow --save broken.yml", BAD_YAML)),
    ("bad-structure", cell("%%kestra_flow", BAD_STRUCTURE)),
    ("bad-tasks", cell("%%kestra_flow", BAD_TASKS)),
    ("bad-keys", cell("%%kestra_flow", BAD_KEYS)),
    ("bad-show", cell("%%kestra_flow --show nope", FLOW)),
    ("bad-input", cell("%%kestra_flow --input count", FLOW)),
    ("bad-inputs", cell("%%kestra_flow --inputs no_such_var", FLOW)),
    ("bad-inputs-type", cell("%%kestra_flow --inputs not_a_dict", FLOW)),
    ("bad-name", cell("%%kestra_flow --name 1x", FLOW)),
    ("bad-env", cell("%%kestra_flow --env nope.env", FLOW)),
    ("bad-typing", cell("%%kestra_flow --input count=many", FLOW)),
    ("render", "%kestra_render Bearer {{ secret('API_KEY') }} for {{ envs.stage }}"),
    ("render-cell", "%%kestra_render --inputs d\nHello {{ inputs.user | upper }}!"),
    ("render-line-inputs", "%kestra_render --inputs d {{ inputs.user }}"),
    ("render-undefined", "%kestra_render {{ nope.x }}"),
    ("render-missing", "%kestra_render {{ secret('NOPE') }}"),
    ("render-empty", "%kestra_render"),
    ("secrets-panel", "%kestra_secrets"),
    ("config-show", "%config KestraMagics.show = 'source'"),
    ("shown-source", cell("%%kestra_flow", FLOW)),
    ("config-short", "%config KestraMagics.short_errors = False"),
    ("long-error", cell("%%kestra_flow", BAD_STRUCTURE)),
    ("print-secret", "print(f.rendered['tasks'][1]['headers']['Authorization'])"),
]
INDEX = {name: i for i, (name, _) in enumerate(CELLS)}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, NotebookRunner, Path]:
    workdir = tmp_path_factory.mktemp("magics")
    (workdir / "extra.env").write_text(f"SECRET_EXTRA={b64(EXTRA)}\nENV_EXTRA_REGION=eu-west-1\n")
    runner = NotebookRunner(workdir)
    nb = runner.run(
        [src for _, src in CELLS],
        env={"SECRET_API_KEY": b64(API_KEY), "ENV_STAGE": "dev"},
        timeout=120,
    )
    return nb, runner, workdir


def text(executed: Any, name: str) -> str:
    nb, runner, _ = executed
    return str(runner.text(nb, INDEX[name]))


def html(executed: Any, name: str) -> str:
    nb, _, _ = executed
    parts = [
        out.get("data", {}).get("text/html", "")
        for out in nb.cells[INDEX[name]].outputs
        if out.get("output_type") in ("display_data", "execute_result")
    ]
    return "".join(parts)


def usage_error(executed: Any, name: str) -> str:
    """The cell's UsageError message; fails unless the cell ended in one, without traceback."""
    nb, runner, _ = executed
    raw = runner.outputs_text(nb, INDEX[name])
    assert "Traceback" not in raw, name
    out = text(executed, name)
    assert out.startswith("UsageError: "), (name, out)
    return out[len("UsageError: ") :].rstrip("\n")


@pytest.mark.kernel
def test_help(executed: Any) -> None:
    doc = text(executed, "help")
    for option in ("--name VAR", "--input KEY=VALUE", "--inputs DICTVAR", "--env FILE"):
        assert option in doc
    assert "--save PATH" in doc and "{rendered,source,both}" in doc
    nb, _, _ = executed
    assert not any(o.output_type == "error" for o in nb.cells[INDEX["help?"]].outputs)


@pytest.mark.kernel
def test_valid_flow_rendered_masked_with_deferred(executed: Any) -> None:
    out = text(executed, "valid")
    assert "Hi Ada x2 in company.team" in out
    assert "https://dev.example.com/Ada" in out
    assert "Bearer ******" in out
    assert "{{ outputs.call.body }} in hello" in out  # the known part renders, not the rest
    assert "tasks[2].message" in out and "secrets used: API_KEY; missing: none" in out
    assert "Bearer ******" in html(executed, "valid")


@pytest.mark.kernel
def test_name_stores_the_flow(executed: Any) -> None:
    lines = text(executed, "named").splitlines()
    assert lines[0] == "KestraFlow ['API_KEY'] [] hello company.team"
    assert lines[1] == "['tasks[2].message']"
    assert lines[2] == "Hi Ada x2 in company.team"


@pytest.mark.kernel
def test_inputs_from_options_are_typed(executed: Any) -> None:
    assert "Hi Linus x42 in" in text(executed, "input")  # "41" became the INT 41
    assert "Hi Grace x2 in" in text(executed, "inputs")
    # a value that does not convert is a render problem listed with the flow, as Kestra says
    bad = text(executed, "bad-typing")
    assert "inputs[1]" in bad and "Invalid input for `count`, expected INT" in bad


@pytest.mark.kernel
def test_missing_secret_is_reported_by_path_not_raised(executed: Any) -> None:
    out = text(executed, "missing")
    assert "missing: NOPE" in out and "tasks[1].message" in out
    attrs = text(executed, "missing-attrs")
    assert attrs.startswith("['NOPE'] [") and "tasks[1].message" in attrs
    assert "Cannot find secret for key 'NOPE'" in attrs


@pytest.mark.kernel
def test_env_file_for_one_cell(executed: Any) -> None:
    out = text(executed, "env")
    assert "****** / eu-west-1" in out and "missing: none" in out
    assert "missing: EXTRA" in text(executed, "env-gone")


@pytest.mark.kernel
def test_save_writes_the_source_never_a_value(executed: Any) -> None:
    _, _, workdir = executed
    saved = workdir / "hello.yml"
    assert f"saved the flow source to {saved}" in text(executed, "save")
    assert saved.read_text() == FLOW
    assert (workdir / "hello.yml.bak").read_text() == FLOW  # the second save kept a backup
    for value in (*VALUES, b64(API_KEY)):
        assert value not in saved.read_text()
    source_only = text(executed, "save-again")
    assert "--- source ---" in source_only and "--- rendered ---" not in source_only
    assert "{{ secret('API_KEY') }}" in source_only
    both = text(executed, "show-both")
    assert "--- source ---" in both and "--- rendered ---" in both
    assert (workdir / "flows" / "company.team.hello.yml").read_text() == FLOW
    # issue 12: a failed save is one line naming the path once, before any flow text
    save_bad = usage_error(executed, "save-bad")
    assert save_bad.startswith("--save: cannot write ") and "flow company.team" not in save_bad
    assert save_bad.count("hello.yml/inside.yml") == 1
    assert not (workdir / "broken.yml").exists()
    assert "not saved to broken.yml" in usage_error(executed, "bad-yaml")


@pytest.mark.kernel
def test_each_kind_of_validation_error(executed: Any) -> None:
    yaml_error = usage_error(executed, "bad-yaml")
    assert yaml_error.startswith("invalid flow (1 problem):")
    assert "line " in yaml_error

    structure = usage_error(executed, "bad-structure")
    assert structure.startswith("invalid flow (")
    lines = structure.splitlines()[1:]
    assert any(ln.strip().startswith("id") for ln in lines)
    assert any(ln.strip().startswith("namespace") for ln in lines)
    assert any(ln.strip().startswith("tasks") for ln in lines)

    tasks = usage_error(executed, "bad-tasks")
    for where in ("inputs[0]", "inputs[1]", "dup", "tasks[1].tasks[1]", "tasks[1].tasks[2]"):
        assert where in tasks, where
    assert len(tasks.splitlines()) >= 6  # all problems at once, one per line

    keys = usage_error(executed, "bad-keys").splitlines()
    assert keys[0] == "invalid flow (2 problems):"
    # issue 12: the cell's line (the magic is line 1), where the YAML duplicate key is
    assert "line 8" in keys[1] and "message" in keys[1]
    assert keys[2].strip().startswith("tasks[1].id")


@pytest.mark.kernel
def test_bad_options_are_one_line(executed: Any) -> None:
    assert "--show" in usage_error(executed, "bad-show")
    assert usage_error(executed, "bad-input") == "--input 'count': expected KEY=VALUE"
    assert usage_error(executed, "bad-inputs") == "--inputs: no variable named 'no_such_var'"
    assert usage_error(executed, "bad-inputs-type") == "--inputs: not_a_dict is a list, not a dict"
    assert usage_error(executed, "bad-name") == "--name: '1x' is not a valid variable name"
    _, _, workdir = executed
    assert usage_error(executed, "bad-env") == f"--env nope.env: {workdir}/nope.env: no such file"


@pytest.mark.kernel
def test_render_magics(executed: Any) -> None:
    assert text(executed, "render").strip() == "Bearer ****** for dev"
    assert text(executed, "render-cell").strip() == "Hello GRACE!"
    assert text(executed, "render-line-inputs").strip() == "Grace"
    assert "nope" in usage_error(executed, "render-undefined")
    assert "Cannot find secret for key 'NOPE'" in usage_error(executed, "render-missing")
    assert "no template" in usage_error(executed, "render-empty")


@pytest.mark.kernel
def test_secrets_panel_is_a_widget(executed: Any) -> None:
    nb, _, _ = executed
    kinds = [
        mime for out in nb.cells[INDEX["secrets-panel"]].outputs for mime in out.get("data", {})
    ]
    assert "application/vnd.jupyter.widget-view+json" in kinds


@pytest.mark.kernel
def test_config_traits(executed: Any) -> None:
    shown = text(executed, "shown-source")
    assert "--- source ---" in shown and "--- rendered ---" not in shown
    nb, _, _ = executed
    errors = [o for o in nb.cells[INDEX["long-error"]].outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "FlowError" and len(errors[0].traceback) > 1


@pytest.mark.kernel
def test_no_secret_value_in_the_saved_notebook(executed: Any) -> None:
    _, _, workdir = executed
    saved = (workdir / "executed.ipynb").read_text()
    assert "******" in text(executed, "print-secret")
    for value in VALUES:
        assert value not in saved
        assert b64(value) not in saved
    nbformat.validate(nbformat.reads(saved, as_version=4))
