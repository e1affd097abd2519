"""How a `KestraFlow` shows itself: highlighted masked YAML, a summary, a text fallback.

The last test displays flows in a real kernel (nbclient) and reads the saved notebook: no
secret value may reach any output, in any mime type.
"""

from __future__ import annotations

import base64
import json
import textwrap

import pytest
from IPython.lib.pretty import pretty

from kestra_nb.flow import KestraFlow
from kestra_nb.flow.display import dump_yaml, highlight_yaml
from tests.kernel import NotebookRunner

API_KEY = "sk-live-0123456789abcdef"

FLOW = textwrap.dedent(
    """\
    id: report
    namespace: company.team
    inputs:
      - id: user
        type: STRING
        defaults: Ada
    tasks:
      - id: call
        type: io.kestra.plugin.core.http.Request
        uri: "https://api.example.com/{{ inputs.user }}"
        headers:
          Authorization: "Bearer {{ secret('API_KEY') }}"
      - id: notify
        type: io.kestra.plugin.core.log.Log
        message: "{{ outputs.call.body }} for {{ envs.team }} <b>&</b>"
      - id: broken
        type: io.kestra.plugin.core.log.Log
        message: "{{ secret('MISSING_ONE') }}"
    """
)


@pytest.fixture
def flow() -> KestraFlow:
    return KestraFlow.from_yaml(FLOW, secrets={"API_KEY": API_KEY}, environ={"ENV_TEAM": "data"})


def test_html_has_summary_and_highlighted_masked_yaml(flow: KestraFlow) -> None:
    html = flow._repr_html_()
    assert API_KEY not in html
    assert "<code>company.team.report</code>: 3 task(s), 1 render error(s)" in html
    assert "secrets used: <code>API_KEY</code>; missing:" in html
    assert "<code>MISSING_ONE</code>" in html
    assert "envs used: <code>team</code>" in html
    assert "inputs used: <code>user</code>" in html
    assert "resolved at run time (1)" in html and "{{ outputs.call.body }}" in html
    assert "errors (1)" in html and "Cannot find secret for key &#x27;MISSING_ONE&#x27;" in html
    assert 'style="' in html  # pygments' inline styles: highlighted without a stylesheet
    assert "******" in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html  # flow text is escaped, never interpreted
    assert "<b>&</b>" not in html


def test_text_fallback_is_masked_with_summary(flow: KestraFlow) -> None:
    text = pretty(flow)
    assert API_KEY not in text
    assert text.splitlines()[:4] == [
        "flow company.team.report: 3 task(s)",
        "secrets used: API_KEY; missing: MISSING_ONE",
        "envs used: team",
        "inputs used: user",
    ]
    assert "  tasks[1].message: {{ outputs.call.body }}  [outputs]" in text
    assert "    Authorization: Bearer ******" in text
    assert repr(flow) == (
        "<KestraFlow company.team.report: 3 task(s), 1 deferred, 1 error(s), 1 missing secret(s)>"
    )


def test_show_source_or_both(flow: KestraFlow) -> None:
    source = flow.text("source")
    assert "--- source ---" in source and "--- rendered ---" not in source
    assert "Bearer {{ secret('API_KEY') }}" in source
    both = flow.html("both")
    assert both.count("<i>rendered</i>") == 1 and both.count("<i>source</i>") == 1
    with pytest.raises(ValueError, match="show must be one of"):
        flow.text("everything")


def test_masker_catches_values_the_engine_cannot_mask() -> None:
    text = FLOW.replace("{{ envs.team }}", "{{ inputs.user }}").replace(
        "type: STRING\n    defaults: Ada", "type: SECRET"
    )
    flow = KestraFlow.from_yaml(
        text, secrets={"API_KEY": API_KEY}, environ={}, inputs={"user": "top-secret-user"}
    )
    assert "top-secret-user" in flow.rendered["tasks"][0]["uri"]
    for shown in (flow.html("both"), flow.text("both"), flow.to_yaml(), repr(flow)):
        assert "top-secret-user" not in shown and API_KEY not in shown


def test_dump_yaml_keeps_order_and_multiline_blocks() -> None:
    text = dump_yaml({"b": 1, "a": "line one\nline two\n", "c": ["x", {"d": "Ünïcode"}]})
    assert text == "b: 1\na: |\n  line one\n  line two\nc:\n- x\n- d: Ünïcode\n"
    assert "<span" in highlight_yaml(text)


def test_display_in_a_real_kernel_leaks_nothing(run_notebook: NotebookRunner) -> None:
    cells = [
        # the secret comes from the kernel's environment (SECRET_API_KEY, base64), as in Kestra
        f"from kestra_nb import KestraFlow\ntext = {FLOW!r}\nflow = KestraFlow.from_yaml(text)",
        "flow",
        "print(repr(flow)); print(flow.secrets_used, flow.missing_secrets)",
        "import sys; print('IPython' in sys.modules, 'kestra_nb.notebook' in sys.modules)",
        # with the extension loaded, the notebook passes its session's store and envs
        # (.env_encoded) explicitly: the core never looks the session up
        "%load_ext kestra_nb",
        "from kestra_nb.notebook.session import current\n"
        "s = current()\n"
        "flow2 = KestraFlow.from_yaml(text.replace('MISSING_ONE', 'FROM_FILE'),"
        " secrets=s.store, environ=s.environ)\n"
        "print(flow2.missing_secrets, flow2.envs_used, flow2.errors)\n"
        "print(len(flow2.rendered['tasks'][2]['message']))",
    ]
    encoded = base64.b64encode(API_KEY.encode()).decode()
    from_file = "value-from-the-dotenv-file"
    (run_notebook.workdir / ".env_encoded").write_text(
        f"SECRET_FROM_FILE={base64.b64encode(from_file.encode()).decode()}\n"
    )
    nb = run_notebook.run(cells, env={"SECRET_API_KEY": encoded, "ENV_TEAM": "data"})
    saved = (run_notebook.workdir / "executed.ipynb").read_text()
    assert API_KEY not in saved and encoded not in saved
    outputs = nb.cells[1]["outputs"]
    assert len(outputs) == 1 and outputs[0]["output_type"] == "execute_result"
    data = outputs[0]["data"]
    assert "Bearer ******" in data["text/html"] or "Bearer ******" in json.dumps(data)
    assert "secrets used: API_KEY; missing: MISSING_ONE" in data["text/plain"]
    assert "1 missing secret(s)" in NotebookRunner.text(nb, 2)
    assert "['API_KEY', 'MISSING_ONE'] ['MISSING_ONE']" in NotebookRunner.text(nb, 2)
    # the kernel imports IPython itself; the flow core pulled in no notebook layer
    assert NotebookRunner.text(nb, 3).strip() == "True False"
    assert NotebookRunner.text(nb, 5).splitlines()[-2:] == ["[] ['team'] []", str(len(from_file))]
    assert from_file not in saved
