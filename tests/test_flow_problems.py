"""Flow problems that help fix themselves (issue 12): one line, the editor's line, the
expression not the property, Kestra's wording without Java class names, a hint, every problem
at once; `save` into a directory; and `kestra-nb flow` counting the file's lines."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kestra_nb import FlowError, FlowProblem
from kestra_nb.errors import problem_line
from kestra_nb.flow import hints
from kestra_nb.flow.source import load_flow_yaml
from tests.flow_helpers import flow_of, shown

#: a quote, a tab, unicode and a line break
NASTY = "p'a\tss☃wörd\nline-two-77"
FORMS = (
    NASTY,
    NASTY.upper(),
    NASTY[::-1],
    json.dumps(NASTY)[1:-1],
    json.dumps(NASTY, ensure_ascii=False)[1:-1],
    base64.b64encode(NASTY.encode()).decode(),
    "line-two-77",
    "LINE-TWO-77",
    "ss☃wörd",
)


def problems_of(text: str, **kwargs: object) -> list[FlowProblem]:
    with pytest.raises(FlowError) as info:
        flow_of(text, **kwargs)
    return info.value.problems


# --- wording -----------------------------------------------------------------------------


def test_problem_line_is_one_line_with_one_sentence_end_before_the_hint() -> None:
    assert problem_line("tasks[0].message", 7, "Cannot find secret for key 'X'.", "Load it") == (
        "tasks[0].message · line 7 · Cannot find secret for key 'X'. Load it"
    )
    assert problem_line(
        "inputs[0].type", 5, "unknown type 'A' (one of B, C)", "Did you mean B?"
    ) == ("inputs[0].type · line 5 · unknown type 'A' (one of B, C). Did you mean B?")
    assert (
        problem_line("", None, "two\nlines", None, "{{ a(\n1) }}")
        == "<flow> · two lines ({{ a( 1) }})"
    )


def test_did_you_mean() -> None:
    assert hints.did_you_mean("INTEGER", ["INT", "STRING", "FLOAT"]) == "Did you mean INT?"
    assert hints.did_you_mean("integer", ["INT", "STRING"]) == "Did you mean INT?"
    assert hints.did_you_mean("uper", ["upper", "lower", "number"]) == "Did you mean `upper`?"
    assert hints.did_you_mean("zzz", ["upper", "lower"]) is None
    assert hints.did_you_mean("upper", ["upper"]) is None


def test_hints_are_worded_for_their_reader() -> None:
    assert hints.missing_secret("TOKEN", "notebook") == (
        "Load it with %kestra_env FILE or add it in %kestra_secrets"
    )
    assert "--env-file" in hints.missing_secret("TOKEN", "cli")
    assert "secrets=" in hints.missing_secret("TOKEN")
    assert "--input day=VALUE" in hints.missing_input("day", "cli")
    with pytest.raises(ValueError):
        hints.missing_secret("TOKEN", "elsewhere")


# --- lines -------------------------------------------------------------------------------

BLOCKS = """\
id: blocks
namespace: company.team
tasks:
  - id: literal
    type: io.kestra.plugin.scripts.shell.Script
    script: |
      echo start

      echo "{{ secret('NOPE') }}"
  - id: folded
    type: io.kestra.plugin.core.log.Log
    message: >
      first part
      then {{ flow.id | uper }}
  - id: quoted
    type: io.kestra.plugin.core.log.Log
    message: 'it''s
      {{ nope_fn() }}'
  - id: plain
    type: io.kestra.plugin.core.log.Log
    message:
      "{{ missing_var }}"
"""


@pytest.mark.parametrize("first_line", [1, 2, 10])
def test_each_error_is_at_its_expressions_line(first_line: int) -> None:
    flow = flow_of(BLOCKS, first_line=first_line)
    shift = first_line - 1
    assert [(e.path, e.line) for e in flow.errors] == [
        ("tasks[0].script", 9 + shift),
        ("tasks[1].message", 14 + shift),
        ("tasks[2].message", 18 + shift),
        ("tasks[3].message", 22 + shift),
    ]
    assert flow.errors[0].expression == "{{ secret('NOPE') }}"
    assert flow.errors[0].column == 13
    assert flow.errors[3].message == (
        "Unable to find `missing_var` used in the expression `{{ missing_var }}`"
    )
    assert flow.errors[3].hint is None
    assert all("\n" not in str(e) and "PebbleException" not in str(e) for e in flow.errors)


def test_first_line_shifts_every_line() -> None:
    problems = problems_of("id: a\nnamespace: b\ntasks: [\n", first_line=2)
    assert problems[0].line == 5  # the YAML error, at the end (line 4 of the text)
    text = "id: d\nnamespace: b\ntasks:\n  - id: t\n    type: a.B\n    x: 1\n    x: 2\n"
    (dup,) = problems_of(text, first_line=2)
    assert (dup.line, dup.message) == (8, "Duplicate field 'x' (first set at line 7)")
    _, marks, _ = load_flow_yaml(text, first_line=5)
    assert marks.at(("tasks", 0, "type")) == (9, 5)


def test_a_whole_string_error_quotes_the_failing_tag_on_its_line() -> None:
    flow = flow_of(
        """\
        id: tags
        namespace: company.team
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: |
              {% for x in [1, 2] %}
              {{ x }}
              {% endfor %}
              {{ nope_fn() }}
        """
    )
    (error,) = flow.errors
    assert error.line == 10 and error.expression == "{{ nope_fn() }}"


def test_unknown_names_get_a_did_you_mean() -> None:
    flow = flow_of(
        """\
        id: typos
        namespace: company.team
        inputs:
          - {id: days, type: INT, defaults: 3}
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: "{{ input.days }} {{ inputs.dys }} {{ 'a' | uper }} {{ nowe() }}"
        """
    )
    assert [e.hint for e in flow.errors] == [
        "Did you mean `inputs`?",
        "Did you mean `days`?",
        "Did you mean `upper`?",
        "Did you mean `now`?",
    ]


# --- every problem at once --------------------------------------------------------------

ALL = """\
id: all
namespace: company.team
inputs:
  - id: days
    type: INTEGER
    defaults: 3
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('API_TOKEN') | upper | number }} {{ secret('GONE') }}"
  - type: io.kestra.plugin.core.log.Log
    message: "{{ tomorow() }} {{ inputs.days }}"
"""


def test_structural_input_and_render_problems_together_in_line_order() -> None:
    with pytest.raises(FlowError) as info:
        flow_of(ALL, secrets={"API_TOKEN": NASTY}, hints_for="cli")
    problems = info.value.problems
    assert [(p.path, p.line) for p in problems] == [
        ("inputs[0].type", 5),
        ("tasks[0].message", 10),
        ("tasks[0].message", 10),
        ("tasks[1].id", 11),
        ("tasks[1].message", 12),
    ]
    assert problems[0].hint == "Did you mean INT?"
    assert problems[2].hint == "Give a file holding SECRET_GONE (base64) with --env-file"
    text = str(info.value)
    assert text.startswith("invalid flow (5 problems): inputs[0].type · line 5 · ")
    for form in FORMS:
        assert form not in text


def test_a_bad_input_value_is_not_also_a_run_time_expression() -> None:
    flow = flow_of(
        """\
        id: typed
        namespace: company.team
        inputs:
          - {id: days, type: INT}
        tasks:
          - id: t
            type: io.kestra.plugin.core.log.Log
            message: "{{ inputs.days }} days"
        """,
        inputs={"days": "abc"},
    )
    assert [(e.path, e.line) for e in flow.errors] == [("inputs[0]", 4)]
    assert flow.deferred == []
    assert flow.rendered["tasks"][0]["message"] == "{{ inputs.days }} days"


def test_secret_through_filters_never_in_a_problem() -> None:
    flow = flow_of(
        """\
        id: filtered
        namespace: company.team
        inputs:
          - {id: pin, type: SECRET}
        tasks:
          - id: t
            type: io.kestra.plugin.scripts.shell.Script
            script: |
              echo "{{ secret('API_TOKEN') | upper | number }}"
              echo "{{ secret('API_TOKEN') | reverse | date('yyyy') }}"
              echo "{{ inputs.pin | replace({'a': 'b'}) | number }}"
        """,
        secrets={"API_TOKEN": NASTY},
        inputs={"pin": NASTY},
    )
    assert [e.line for e in flow.errors] == [9, 10, 11]
    everything = shown(flow)
    for form in FORMS:
        assert form not in everything, form


# --- save into a directory ----------------------------------------------------------------


def test_save_into_a_directory_names_the_file_and_keeps_a_backup(tmp_path: Path) -> None:
    flow = flow_of("id: hello\nnamespace: company.team\ntasks: [{id: t, type: a.B}]\n")
    (tmp_path / "flows").mkdir()
    target = flow.save(tmp_path / "flows")
    assert target == tmp_path / "flows" / "company.team.hello.yml"
    assert flow.save(f"{tmp_path}/flows/", overwrite=True) == target
    assert target.read_text() == flow.source
    assert (tmp_path / "flows" / "company.team.hello.yml.bak").read_text() == flow.source


# --- the command line counts the file's lines ----------------------------------------------


def test_kestra_nb_flow_lists_every_problem_at_the_files_lines(tmp_path: Path) -> None:
    (tmp_path / "all.yml").write_text(ALL)
    encoded = base64.b64encode(NASTY.encode()).decode()
    (tmp_path / "secrets.env").write_text(f"SECRET_API_TOKEN={encoded}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "ENV_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "kestra_nb", "flow", "all.yml", "--env-file", "secrets.env"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("all.yml: inputs[0].type · line 5 · unknown input type 'INTEGER'")
    assert lines[0].endswith("Did you mean INT?")
    assert "all.yml: tasks[0].message · line 10 · Cannot find secret for key 'GONE'. " in (
        proc.stdout
    )
    assert "with --env-file" in proc.stdout
    assert len([ln for ln in lines if ln.startswith("all.yml: ")]) == 5
    for form in FORMS:
        assert form not in proc.stdout + proc.stderr
