"""Every magic answers `--help` and `?` (its docstring) with the same text, in a real kernel."""

from __future__ import annotations

import pytest

from tests.kernel import NotebookRunner

LINE_MAGICS = ["kestra_env", "kestra_secrets", "kestra_status", "kestra_render"]


@pytest.mark.kernel
def test_help_and_question_mark_give_the_same_text(run_notebook: NotebookRunner) -> None:
    cells = ["%load_ext kestra_nb"]
    for name in LINE_MAGICS:
        # `%name?` shows the magic's docstring (IPython's pager; nbclient does not keep it)
        cells += [f"%{name} --help", f"print(get_ipython().find_line_magic('{name}').__doc__)"]
    cells += [
        "%%kestra_flow --help\nid: x",
        "print(get_ipython().find_cell_magic('kestra_flow').__doc__)",
        "%%kestra_render --help\n{{ 1 }}",
    ]
    nb = run_notebook.run(cells)
    for i, name in enumerate(LINE_MAGICS):
        helped = run_notebook.text(nb, 1 + 2 * i).strip()
        pinfo = run_notebook.text(nb, 2 + 2 * i)
        assert "Error" not in helped and "unrecognized" not in helped, name
        assert helped.startswith(f"::\n\n  %{name}"), (name, helped[:80])
        # `?` shows the docstring (after IPython's own header lines): the same text
        assert helped == pinfo.strip(), name
    flow_help = run_notebook.text(nb, 1 + 2 * len(LINE_MAGICS)).strip()
    assert flow_help.startswith("::\n\n  %%kestra_flow"), flow_help[:80]
    assert "--save" in flow_help and "valid" not in flow_help.split("\n")[0]
    assert flow_help == run_notebook.text(nb, 2 + 2 * len(LINE_MAGICS)).strip()
    assert run_notebook.text(nb, 3 + 2 * len(LINE_MAGICS)).strip().startswith("::")


@pytest.mark.kernel
def test_a_template_that_merely_contains_help_still_renders(
    run_notebook: NotebookRunner,
) -> None:
    nb = run_notebook.run(["%load_ext kestra_nb", "%kestra_render {{ '--help' ~ '!' }}"])
    assert run_notebook.text(nb, 1).strip() == "--help!"
