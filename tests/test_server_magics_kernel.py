"""`%kestra_server` and `deploy_and_run` in a real ipykernel, against the stand-in Kestra.

The magics are registered by hand after `%load_ext kestra_nb` (the extension does not
register them yet). The kernel reads the password from `KESTRA_PASSWORD` in its environment
and the flow logs a secret the kernel's store holds: neither may reach the saved notebook.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kernel import NotebookRunner
from tests.standin import PASSWORD, SECRET_VALUE, USER, KestraStandin, running_standin
from tests.test_server_client import HELLO, REFUSED_BY_SERVER, SLOW

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]

REGISTER = (
    "%load_ext kestra_nb\n"
    "from kestra_nb.notebook.server_magics import KestraServerMagics, deploy_and_run\n"
    "get_ipython().register_magics(KestraServerMagics)"
)


@pytest.fixture
def kestra(shared_dir: Path) -> Iterator[KestraStandin]:
    yield from running_standin(shared_dir)


def test_connect_deploy_run_masked(run_notebook: NotebookRunner, kestra: KestraStandin) -> None:
    env = {
        "KESTRA_PASSWORD": PASSWORD,
        "SECRET_API_TOKEN": base64.b64encode(SECRET_VALUE.encode()).decode(),
    }
    nb = run_notebook.run(
        [
            REGISTER,
            f"%kestra_server {kestra.url} --user {USER}",
            "%kestra_server",
            f"final = deploy_and_run({HELLO!r}, deploy=True, run=True, inputs={{'user': 'Ann'}})\n"
            "final.state, dict(final.outputs)",
            f"deploy_and_run({REFUSED_BY_SERVER!r}, deploy=True)",
        ],
        env=env,
    )
    text = [NotebookRunner.text(nb, i) for i in range(len(nb.cells))]
    assert text[1].strip() == (
        f"Kestra {kestra.url} (tenant main, user {USER}, version 1.3.0-standin, "
        "auth basic from KESTRA_PASSWORD)"
    )
    assert text[2] == text[1]
    assert "deployed company.team.hello revision 1 (created)" in text[3]
    assert "INFO  greet: Hello Ann" in text[3]
    assert "INFO  token: calling the API with ******" in text[3]
    assert "('SUCCESS', {'greeting': 'Ann!'})" in text[3]
    # the live table: one display, updated in place to the final state
    displays = [o for o in nb.cells[3].outputs if o.get("output_type") == "display_data"]
    tables = [o for o in displays if "<table><tr><th>task</th>" in o["data"].get("text/html", "")]
    assert len(tables) == 1 and "<b>SUCCESS</b>" in tables[0]["data"]["text/html"]
    assert "Kestra: line 8: tasks[1].type: Invalid type" in text[4]
    assert "ServerError" in text[4] and "Kestra refused company.team.invalid" in text[4]
    saved = (run_notebook.workdir / "executed.ipynb").read_text(encoding="utf-8")
    assert SECRET_VALUE not in saved and PASSWORD not in saved
    assert "wörd" not in saved and "\\u00f6rd" not in saved


def test_interrupt_kills(run_notebook: NotebookRunner, kestra: KestraStandin) -> None:
    """The kernel's interrupt (SIGINT) during the follow asks Kestra to kill the run."""
    cell = (
        "import os, signal, threading\n"
        "threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        f"final = deploy_and_run({SLOW!r}, deploy=True, run=True)\n"
        "final.state"
    )
    nb = run_notebook.run(
        [REGISTER, f"%kestra_server {kestra.url} --user {USER}", cell],
        env={"KESTRA_PASSWORD": PASSWORD},
    )
    text = NotebookRunner.text(nb, 2)
    assert "interrupted: asking Kestra to kill execution" in text
    assert "'KILLED'" in text and len(kestra.kill_requests) == 1


def test_credentials_from_a_named_secret(
    run_notebook: NotebookRunner, kestra: KestraStandin
) -> None:
    env = {"SECRET_KESTRA_PASS": base64.b64encode(PASSWORD.encode()).decode()}
    nb = run_notebook.run(
        [
            REGISTER,
            f"%kestra_server {kestra.url} --user {USER} --password-secret KESTRA_PASS",
            f"%kestra_server {kestra.url} --user {USER} --password-secret NOPE",
            f"%kestra_server {kestra.url} --user nobody --password-secret KESTRA_PASS",
        ],
        env=env,
    )
    assert "auth basic from secret KESTRA_PASS" in NotebookRunner.text(nb, 1)
    assert "no secret named 'NOPE'" in NotebookRunner.text(nb, 2)
    assert "401 Unauthorized" in NotebookRunner.text(nb, 3)
    saved = (run_notebook.workdir / "executed.ipynb").read_text(encoding="utf-8")
    assert PASSWORD not in saved


def test_kestra_server_alone_connects_to_kestra_url_or_the_configured_server(
    run_notebook: NotebookRunner, kestra: KestraStandin
) -> None:
    """Without a URL: `%config KestraMagics.server`, else `KESTRA_URL`; registered by
    `%load_ext` itself; the password only from the environment, never shown."""
    env = {"KESTRA_URL": kestra.url, "KESTRA_USER": USER, "KESTRA_PASSWORD": PASSWORD}
    nb = run_notebook.run(
        [
            "%load_ext kestra_nb",
            "%kestra_server",
            "%kestra_server --disconnect",
            "import os\nos.environ.pop('KESTRA_URL')\n%kestra_server",
            f"%config KestraMagics.server = {kestra.url!r}",
            "%kestra_server",
        ],
        env=env,
    )
    text = [NotebookRunner.text(nb, i) for i in range(len(nb.cells))]
    assert text[1].startswith(f"Kestra {kestra.url} (tenant main, user {USER}")
    assert "no Kestra server: %kestra_server URL, KESTRA_URL or %config" in text[3]
    assert text[5].startswith(f"Kestra {kestra.url} (tenant main, user {USER}")
    saved = (run_notebook.workdir / "executed.ipynb").read_text(encoding="utf-8")
    assert "wörd" not in saved and "\\u00f6rd" not in saved
