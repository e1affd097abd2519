"""Tab completion through the kernel's `complete_request`, as every frontend asks for it."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from kestra_nb.notebook.completer import cell_kind, env_names, input_ids
from tests.kernel import NotebookRunner, _kernel_manager_class

FLOW_HEAD = """%%kestra_flow --name f
id: hello
namespace: company.team
inputs:
  - id: user_name
    type: STRING
    defaults: Ada
  - type: INT
    id: retries
  - {id: region, type: STRING}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: """


# -- pieces (no kernel) ---------------------------------------------------------------------


def test_input_ids_from_valid_and_half_typed_yaml() -> None:
    assert input_ids(FLOW_HEAD + '"hi"') == ["user_name", "retries", "region"]
    half = FLOW_HEAD.replace("  - {id: region, type: STRING}\n", "") + '"{{ inputs.'
    assert input_ids(half) == ["user_name", "retries"]
    assert input_ids("%%kestra_flow\nid: x\ntasks: []\n") == []


def test_cell_kind_and_env_names() -> None:
    assert cell_kind("%%kestra_flow\nid: x", "id: x") == "flow"
    assert cell_kind("\n%%kestra_render\n{{ envs.", "{{ envs.") == "render"
    assert cell_kind("x = 1\n%kestra_render {{ envs.", "%kestra_render {{ envs.") == "render"
    assert cell_kind("x = secret('", "x = secret('") is None
    assert env_names(["ENV_MY_VAR", "ENV_", "PATH", "ENV_Other"]) == ["my_var", "other"]


# -- through a real kernel ------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workdir = tmp_path_factory.mktemp("completion")
    runner = NotebookRunner(workdir)
    env = runner.env(
        {
            "SECRET_GITHUB_TOKEN": base64.b64encode(b"ghp-token-value").decode(),
            "SECRET_GITLAB_TOKEN": base64.b64encode(b"glpat-token-value").decode(),
            "SECRET_AWS_KEY": base64.b64encode(b"aws-key-value").decode(),
            "ENV_REGION_NAME": "eu-west-1",
            "ENV_STAGE": "dev",
        }
    )
    km = _kernel_manager_class()(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(workdir))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(
            "%load_ext kestra_nb", timeout=60, output_hook=lambda msg: None
        )
        assert reply["content"]["status"] == "ok"
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def complete(kc: Any, code: str) -> tuple[list[str], str]:
    """(matches, the text they replace) for the cursor at the end of `code`."""
    msg_id = kc.complete(code, len(code))
    reply = kc.get_shell_msg(timeout=30)
    assert reply["parent_header"]["msg_id"] == msg_id
    content = reply["content"]
    assert content["status"] == "ok"
    return content["matches"], code[content["cursor_start"] : content["cursor_end"]]


@pytest.mark.kernel
def test_secret_names_inside_secret_call(kernel: Any) -> None:
    assert complete(kernel, FLOW_HEAD + "\"{{ secret('GI") == (
        ["GITHUB_TOKEN", "GITLAB_TOKEN"],
        "GI",
    )
    assert complete(kernel, FLOW_HEAD + "\"{{ secret('gith")[0] == ["GITHUB_TOKEN"]
    matches, replaced = complete(kernel, FLOW_HEAD + '"{{ secret("')
    assert (matches, replaced) == (["AWS_KEY", "GITHUB_TOKEN", "GITLAB_TOKEN"], "")
    assert complete(kernel, "%kestra_render {{ secret('AW")[0] == ["AWS_KEY"]


@pytest.mark.kernel
def test_env_names_after_envs_dot(kernel: Any) -> None:
    assert complete(kernel, FLOW_HEAD + '"{{ envs.') == (["region_name", "stage"], "")
    assert complete(kernel, "%%kestra_render\n{{ envs.st") == (["stage"], "st")


@pytest.mark.kernel
def test_input_ids_after_inputs_dot_in_a_flow_cell(kernel: Any) -> None:
    assert complete(kernel, FLOW_HEAD + '"{{ inputs.') == (["user_name", "retries", "region"], "")
    assert complete(kernel, FLOW_HEAD + '"{{ inputs.re') == (["retries", "region"], "re")


@pytest.mark.kernel
def test_plain_python_cells_are_left_to_ipython(kernel: Any) -> None:
    matches, _ = complete(kernel, "secret_like = 1\nx = secret('GI")
    assert "GITHUB_TOKEN" not in matches
    # Jedi (on by default, as above) costs seconds on its first run over Python code here;
    # IPython's own python matcher shows just as well that Python completion still works.
    reply = kernel.execute_interactive(
        "envs = {}\nkx_variable_one = 1\n%config IPCompleter.use_jedi = False", timeout=30
    )
    assert reply["content"]["status"] == "ok"
    assert "kx_variable_one" in complete(kernel, "kx_var")[0]
    assert "region_name" not in complete(kernel, "envs.")[0]


@pytest.mark.kernel
def test_question_mark_help_of_the_cell_magic(kernel: Any) -> None:
    """`%%kestra_flow?` pages the magic's help (a `page` payload of the execute_reply)."""
    reply = kernel.execute_interactive("%%kestra_flow?\n", timeout=30)
    assert reply["content"]["status"] == "ok"
    pages = [p for p in reply["content"].get("payload", []) if p.get("source") == "page"]
    assert pages, reply["content"]
    help_text = pages[0]["data"]["text/plain"]
    for option in ("--name VAR", "--input KEY=VALUE", "--inputs DICTVAR", "--env FILE"):
        assert option in help_text
    assert "--save PATH" in help_text and "Validate a Kestra flow" in help_text
