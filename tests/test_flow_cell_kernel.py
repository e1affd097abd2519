"""`%%kestra_flow` in a real kernel: issue 12's rest and issue 15's server flags.

Lines are the cell's as JupyterLab numbers them (the magic is line 1); every problem is one
line, `path · line · message`, with the expression (not the property) and a hint; every problem
of a flow is reported at once; `--save DIR/` names the file; a bad input value is an input
problem only; `--deploy`, `--run`, `--file`, `--no-wait`, `--force` reach the stand-in Kestra.
The secret holds a quote, a tab, unicode and a line break, and goes through filters: no form
of it may reach an output or the saved notebook.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kernel import NotebookRunner
from tests.standin import PASSWORD, USER, KestraStandin, running_standin
from tests.test_server_client import HELLO, INVALID

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(240)]

#: a quote, a tab, unicode and a line break
SECRET = "s3cr'et\tvälue☃\nline2-Zq9"
#: forms of it that must never show (itself, JSON-escaped, upper-cased, base64, each line)
FORMS = (
    SECRET,
    json.dumps(SECRET, ensure_ascii=False)[1:-1],
    json.dumps(SECRET)[1:-1],
    SECRET.upper(),
    base64.b64encode(SECRET.encode()).decode(),
    "s3cr'et",
    "välue",
    "line2-Zq9",
    "LINE2-ZQ9",
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cell(head: str, body: str) -> str:
    return f"{head}\n{body}"


# cell line 7 (the magic is line 1) holds the bad indent
BAD_INDENT = """id: indent
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
      message: hi
"""

# cell line 3 holds a misspelt flow key
MISSPELT_KEY = """id: misspelt
namespace: company.team
descripton: a typo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

# the script's failing lines are cell lines 13, 15 and 16
SCRIPT = """id: script
namespace: company.team
tasks:
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import requests
      from kestra import Kestra

      r = requests.get(
        "https://api.example.com",
        headers={"Authorization": "{{ secret('NOPE_TOKEN') }}"},
      )
      print("{{ nowe() }}")
      print("{{ flow.id | uper }}")
"""

# an input type typo, an unknown function and a missing secret: all three at once
ALL_AT_ONCE = """id: all_at_once
namespace: company.team
inputs:
  - id: days
    type: INTEGER
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('MISSING_ONE') }}"
  - id: when
    type: io.kestra.plugin.core.log.Log
    message: "{{ tomorow() }}"
"""

INPUTS = """id: inputs
namespace: company.team
inputs:
  - id: days
    type: INT
  - id: user
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.days }} days for {{ inputs.user }}"
"""

SAVED = """id: saved
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('API_TOKEN') }}"
"""

FILTERED = """id: filtered
namespace: company.team
tasks:
  - id: upper
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('API_TOKEN') | upper }} {{ secret('API_TOKEN') | upper | number }}"
  - id: reversed
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('API_TOKEN') | replace({'-': ' '}) | number }}"
  - id: script
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "{{ secret('API_TOKEN') | upper | date('yyyy') }}"
"""

CELLS: list[tuple[str, str]] = [
    (
        "load",
        "%load_ext kestra_nb\nimport os\nos.makedirs('existing', exist_ok=True)\n"
        "open('afile', 'w').close()",
    ),
    ("indent", cell("%%kestra_flow", BAD_INDENT)),
    ("misspelt", cell("%%kestra_flow", MISSPELT_KEY)),
    ("script", cell("%%kestra_flow --name s", SCRIPT)),
    ("script-errors", "for e in s.errors: print(e)"),
    ("all", cell("%%kestra_flow", ALL_AT_ONCE)),
    ("bad-value", cell("%%kestra_flow --input days=abc --input user=Ada", INPUTS)),
    (
        "no-value",
        "from kestra_nb import KestraFlow\n"
        f"print(*KestraFlow.from_yaml({INPUTS!r}, secrets={{}}, environ={{}}).warnings)",
    ),
    ("missing-value", cell("%%kestra_flow --input days=3", INPUTS)),
    ("save-dir", cell("%%kestra_flow --save flows/", SAVED)),
    ("save-dir-again", cell("%%kestra_flow --save flows/", SAVED)),
    ("save-existing", cell("%%kestra_flow --save existing", SAVED)),
    ("save-fail", cell("%%kestra_flow --save afile/inside.yml", SAVED)),
    ("filtered", cell("%%kestra_flow --name f", FILTERED)),
    ("filtered-errors", "for e in f.errors: print(e)"),
    ("no-server", cell("%%kestra_flow --deploy", SAVED)),
]
INDEX = {name: i for i, (name, _) in enumerate(CELLS)}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    workdir = tmp_path_factory.mktemp("flowcell")
    runner = NotebookRunner(workdir)
    nb = runner.run([src for _, src in CELLS], env={"SECRET_API_TOKEN": b64(SECRET)}, timeout=120)
    return nb, workdir


def text(executed: Any, name: str) -> str:
    return NotebookRunner.text(executed[0], INDEX[name])


def usage_error(executed: Any, name: str) -> str:
    out = text(executed, name)
    assert "Traceback" not in NotebookRunner.outputs_text(executed[0], INDEX[name]), name
    assert out.startswith("UsageError: "), (name, out)
    return out[len("UsageError: ") :].rstrip("\n")


def test_lines_are_the_cells(executed: Any) -> None:
    indent = usage_error(executed, "indent")
    assert indent.splitlines()[1].strip().startswith("<flow> · line 7 · invalid YAML")
    assert "descripton · line 4 · unknown flow property" in text(executed, "misspelt")


def test_an_error_in_a_block_scalar_is_at_its_own_line(executed: Any) -> None:
    errors = text(executed, "script-errors").splitlines()
    assert errors == [
        "tasks[0].script · line 13 · Cannot find secret for key 'NOPE_TOKEN'."
        " ({{ secret('NOPE_TOKEN') }}) Load it with %kestra_env FILE or add it in"
        " %kestra_secrets",
        "tasks[0].script · line 15 · Function or Macro [nowe] does not exist. ({{ nowe() }})"
        " Did you mean `now`?",
        "tasks[0].script · line 16 · Filter [uper] does not exist. ({{ flow.id | uper }})"
        " Did you mean `upper`?",
    ]
    shown = text(executed, "script")
    for line in errors:
        assert line in shown
    assert "PebbleException" not in shown and "import requests from" not in shown


def test_every_problem_at_once_in_line_order(executed: Any) -> None:
    lines = usage_error(executed, "all").splitlines()
    assert lines[0] == "invalid flow (4 problems):"
    # a cell passes its inputs (none here), so a required one without a value is a problem
    assert lines[1].strip() == (
        "inputs[0] · line 5 · Invalid input for `days`, missing required input, but received"
        " `null`. Give it with --input days=VALUE or add a `defaults:` to the input"
    )
    lines = lines[1:]
    assert lines[1].strip().startswith("inputs[0].type · line 6 · unknown input type 'INTEGER'")
    assert lines[1].endswith("Did you mean INT?")
    assert lines[2].strip() == (
        "tasks[0].message · line 10 · Cannot find secret for key 'MISSING_ONE'. Load it with"
        " %kestra_env FILE or add it in %kestra_secrets"
    )
    assert (
        lines[3]
        .strip()
        .startswith("tasks[1].message · line 13 · Function or Macro [tomorow] does not exist.")
    )


def test_a_bad_input_value_is_an_input_problem_only(executed: Any) -> None:
    out = text(executed, "bad-value")
    assert "inputs[0] · line 5 · Invalid input for `days`, expected INT" in out
    assert "resolved at run time" not in out
    assert "{{ inputs.days }} days for Ada" in out  # left as written, the rest rendered
    no_value = text(executed, "no-value")
    assert "required input `days` has no default and no value" in no_value
    assert "Give it in inputs={'days': ...} or add a `defaults:` to the input" in no_value
    missing = usage_error(executed, "missing-value")
    assert "inputs[1] · line 7 · Invalid input for `user`, missing required input" in missing
    assert "Give it with --input user=VALUE or add a `defaults:` to the input" in missing


def test_save_to_a_directory(executed: Any) -> None:
    _, workdir = executed
    target = workdir / "flows" / "company.team.saved.yml"
    assert target.read_text() == SAVED
    assert f"saved the flow source to {target}" in text(executed, "save-dir")
    assert (workdir / "flows" / "company.team.saved.yml.bak").read_text() == SAVED
    assert (workdir / "existing" / "company.team.saved.yml").read_text() == SAVED
    failed = text(executed, "save-fail")
    assert failed.startswith("UsageError: --save: cannot write ")  # before any flow text
    assert failed.count("afile/inside.yml") == 1 and "flow company.team" not in failed


def test_secrets_through_filters_never_show(executed: Any) -> None:
    _, workdir = executed
    errors = text(executed, "filtered-errors")
    assert errors.count("tasks[") == 3 and "Exception" not in errors
    saved = (workdir / "executed.ipynb").read_text(encoding="utf-8")
    for form in FORMS:
        assert form not in saved, form
    assert "******" in text(executed, "filtered")


def test_deploy_without_a_server_is_one_line(executed: Any) -> None:
    out = text(executed, "no-server")
    assert "secrets the flow reads: API_TOKEN; the server needs SECRET_API_TOKEN" in out
    assert "kestra-nb encode .env --only API_TOKEN -o " in out
    assert out.endswith("UsageError: no Kestra server: connect with %kestra_server URL first\n")


# --- the server flags, against the stand-in Kestra ------------------------------------------

UNKNOWN_FILTER = """id: local_error
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ flow.id | uper }}"
"""


@pytest.fixture
def kestra(shared_dir: Path) -> Iterator[KestraStandin]:
    yield from running_standin(shared_dir, secrets={"API_TOKEN": SECRET})


def test_deploy_run_file_no_wait_force(run_notebook: NotebookRunner, kestra: KestraStandin) -> None:
    (run_notebook.workdir / "data.csv").write_text("a,b\n1,2\n")
    cells = [
        "%load_ext kestra_nb",
        f"%kestra_server {kestra.url} --user {USER}",
        cell("%%kestra_flow --deploy", HELLO),
        cell("%%kestra_flow --run --input user=Ann --file data=data.csv", HELLO),
        "_kestra_execution.state, dict(_kestra_execution.outputs)",
        cell("%%kestra_flow --run --no-wait", HELLO),
        "_kestra_execution.state",
        cell("%%kestra_flow --deploy", INVALID),
        cell("%%kestra_flow --deploy --force", INVALID),
        cell("%%kestra_flow --deploy", UNKNOWN_FILTER),
        cell("%%kestra_flow --deploy --force", UNKNOWN_FILTER),
    ]
    nb = run_notebook.run(
        cells, env={"KESTRA_PASSWORD": PASSWORD, "SECRET_API_TOKEN": b64(SECRET)}, timeout=180
    )
    out = [NotebookRunner.text(nb, i) for i in range(len(cells))]
    deploy = out[2]
    assert "secrets the flow reads: API_TOKEN; the server needs SECRET_API_TOKEN (base64)" in deploy
    assert "kestra-nb encode .env --only API_TOKEN -o .env_encoded.kestra" in deploy
    assert "deployed company.team.hello revision 1 (created)" in deploy
    assert "flow company.team.hello" in deploy  # the preview first
    run = out[3]
    assert "deployed company.team.hello revision 1 (unchanged)" in run
    assert "INFO  greet: Hello Ann" in run and "calling the API with ******" in run
    assert "company.team.hello: SUCCESS" in run
    assert "('SUCCESS', {'greeting': 'Ann!'})" in out[4]
    assert [upload for (_, name), upload in kestra.files.items() if name == "data"] == [
        ("data.csv", b"a,b\n1,2\n")
    ]
    assert "started" in out[5] and "SUCCESS" not in out[5].split("started", 1)[1]
    local = out[7]  # the property index knows the type is wrong: refused before any request
    assert "tasks[1].type · line 9 · unknown type `io.kestra.plugin.core.log.Lg`" in local
    assert "(not deployed: --force deploys anyway)" in local
    refused = out[8]  # --force sends it: the server's refusal, at the cell's line
    assert "Kestra: line 9: tasks[1].type: Invalid type" in refused
    assert "kestra_nb: invalid flow (1 problem): deploying anyway" in refused
    assert "UsageError: Kestra refused flow company.team.invalid (422 Unprocessable" in refused
    assert "UsageError: not deployed: 1 local error above (--force deploys anyway)" in out[9]
    assert "tasks[0].message · line 7 · Filter [uper] does not exist." in out[9]
    assert "deployed company.team.local_error revision 1 (created)" in out[10]
    saved = (run_notebook.workdir / "executed.ipynb").read_text(encoding="utf-8")
    for form in (*FORMS, PASSWORD):
        assert form not in saved, form
