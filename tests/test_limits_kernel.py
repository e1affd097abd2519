"""Issue 14 in a real kernel: a `%%kestra_flow` cell with a jq bomb or an alias bomb fails
with one line naming the bound, and the next cell still runs (the kernel stays usable)."""

from __future__ import annotations

from pathlib import Path

from tests.kernel import NotebookRunner

CORPUS = Path(__file__).parent / "data" / "adversarial"

JQ_BOMB = """%%kestra_flow
id: jqbomb
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ '{}' | jq('def f: f; f') }}"
"""


def test_bombs_fail_in_one_line_and_the_next_cell_runs(run_notebook: NotebookRunner) -> None:
    alias_bomb = "%%kestra_flow\n" + (CORPUS / "billion_laughs.yml").read_text(encoding="utf-8")
    nb = run_notebook.run(
        [
            "%load_ext kestra_nb\n%config KestraMagics.max_time_s = 2",
            JQ_BOMB,
            "print('after the jq bomb')",
            alias_bomb,
            "print('after the alias bomb')",
            "%kestra_render {{ '{\"a\": 1}' | jq('.a') }}",
        ],
        timeout=60,
    )
    jq_error = NotebookRunner.text(nb, 1).strip()
    assert jq_error.startswith("UsageError: time limit of 2 s exceeded while running jq"), jq_error
    assert "rendering tasks[0].message" in jq_error
    assert jq_error.endswith("(raise it with --max-time / %config KestraMagics.max_time_s)")
    assert "\n" not in jq_error
    assert NotebookRunner.text(nb, 2).strip() == "after the jq bomb"
    alias_error = NotebookRunner.text(nb, 3).strip()
    assert alias_error.startswith("UsageError: YAML alias count limit of 50 exceeded"), alias_error
    assert "\n" not in alias_error
    assert NotebookRunner.text(nb, 4).strip() == "after the alias bomb"
    assert NotebookRunner.text(nb, 5).strip() == "[1]"  # a new jq worker after the kill
    assert "Traceback" not in NotebookRunner.outputs_text(nb)
