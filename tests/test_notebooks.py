"""The teaching notebooks run from top to bottom in a fresh kernel, say what they teach, and
leave no secret behind.

The four notebooks are executed once, in order, in a temp copy of `notebooks/` (each in its
own fresh kernel, as a user opening them one after the other would), with a PATH that does
not hold the venv's `bin` (a JupyterLab started as `.venv/bin/jupyter lab` without
activating): the notebooks run `kestra-nb` through `%kestra_nb`, with the kernel's own
Python. Only cells tagged `raises-exception` may fail. Notebook 03 then runs a second time in
a kernel that auto-loads the extension (`%load_ext` says what is loaded; Write asks before
overwriting). The executed
notebooks are saved as Jupyter would save them, widget state included, and then searched
for every fake secret of the sample files, with the project's masker and its scanner.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from dotenv import dotenv_values

from kestra_nb.dotenv_codec import decode_dotenv
from kestra_nb.masking import Masker
from kestra_nb.scan import scan_paths
from kestra_nb.secrets import SecretStore
from tests import build_notebooks
from tests.conftest import require_tool
from tests.kernel import NotebookRunner
from tests.standin import PASSWORD, USER, standin

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NAMES = list(build_notebooks.NOTEBOOK_CELLS)
# Sample files whose every value is a secret (plain dotenv), and those holding SECRET_* lines.
PLAIN_SAMPLES = ("secrets-page.env", "sample.env", "run.env")
ENCODED_SAMPLES = ("prototype.env", "macro.env")


# ---------------------------------------------------------------------- stored notebooks


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_is_its_source_without_outputs(name: str) -> None:
    path = NOTEBOOKS / name
    assert path.read_text(encoding="utf-8") == build_notebooks.render(name), (
        f"{name} differs from tests/build_notebooks.py: edit the cells there and run "
        "`python -m tests.build_notebooks`"
    )
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == "%load_ext kestra_nb"
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata


def _sample_secrets() -> dict[str, str]:
    """Every fake secret of the sample files, JSON fields of JSON values included."""
    secrets: dict[str, str] = {}
    for name in PLAIN_SAMPLES:
        for key, value in dotenv_values(NOTEBOOKS / name, interpolate=False).items():
            if value:
                secrets[f"{name}:{key}"] = value
    for name in ENCODED_SAMPLES:
        store = SecretStore.from_dotenv(NOTEBOOKS / name)
        assert not store.problems, store.problems
        for key in store.names():
            secrets[f"{name}:{key}"] = store.get(key)
    for key, value in list(secrets.items()):
        if value.startswith("{"):
            for field, inner in json.loads(value).items():
                secrets[f"{key}.{field}"] = str(inner)
    return secrets


def test_sample_files_hold_only_fake_values() -> None:
    secrets = _sample_secrets()
    assert len(secrets) >= 15
    for key, value in secrets.items():
        assert "fake" in value.lower(), f"{key}: sample values must say they are fake"
        assert len(value) >= 8, f"{key}: too short to be masked or found reliably"


# ---------------------------------------------------------------------- executed notebooks


@dataclass
class Executed:
    workdir: Path
    runner: NotebookRunner
    notebooks: dict[str, nbformat.NotebookNode]

    def cell(self, name: str, starts: str) -> int:
        """Index of the first code cell of `name` whose source starts with `starts`."""
        nb = self.notebooks[name]
        for i, c in enumerate(nb.cells):
            if c.cell_type == "code" and c.source.startswith(starts):
                return i
        raise AssertionError(f"{name}: no code cell starts with {starts!r}")

    def text(self, name: str, starts: str) -> str:
        """The visible output text of that cell (`!` commands' CRLF read as LF)."""
        text = self.runner.text(self.notebooks[name], self.cell(name, starts))
        return text.replace("\r\n", "\n")

    def html(self, name: str, starts: str) -> str:
        outputs = self.notebooks[name].cells[self.cell(name, starts)].outputs
        return "".join(
            str(o.get("data", {}).get("text/html", ""))
            for o in outputs
            if o.output_type in ("display_data", "execute_result")
        )


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Executed]:
    """The notebooks executed in order in a temp copy of `notebooks/`, saved."""
    with contextlib.ExitStack() as stack:
        yield from _execute(tmp_path_factory, shared_dir, stack)


def _execute(
    tmp_path_factory: pytest.TempPathFactory, shared_dir: Path, stack: contextlib.ExitStack
) -> Iterator[Executed]:
    require_tool("bash", "notebook 02 runs the shell loop from Kestra's secrets page")
    require_tool("base64", "the shell loop encodes with coreutils' base64")
    workdir = tmp_path_factory.mktemp("notebooks") / "notebooks"
    shutil.copytree(NOTEBOOKS, workdir, ignore=shutil.ignore_patterns("flows", "*.env_encoded*"))
    runner = NotebookRunner(workdir)
    # notebook 04 runs on a Kestra server: the stand-in (every request checked against
    # Kestra's OpenAPI file), holding run.env's secret as a server's env_file would give it
    secrets = {k: v for k, v in dotenv_values(NOTEBOOKS / "run.env").items() if v}
    kestra = stack.enter_context(standin(shared_dir, secrets=secrets))
    server = {"KESTRA_URL": kestra.url, "KESTRA_USER": USER, "KESTRA_PASSWORD": PASSWORD}
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    assert shutil.which("kestra-nb", path=path) is None  # the notebooks must not need it
    done = {}
    for name in NAMES:
        nb = nbformat.read(workdir / name, as_version=4)
        # allow_errors=False: only cells tagged raises-exception may end in an error
        env = {"PATH": path, **server}
        done[name] = runner.run(nb, env=env, allow_errors=False, save_as=name)
    yield Executed(workdir, runner, done)


def _errors(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    return [
        (i, f"{o.ename}: {o.evalue}")
        for i, c in enumerate(nb.cells)
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]


@pytest.mark.kernel
def test_only_the_tagged_cells_fail(executed: Executed) -> None:
    for name, nb in executed.notebooks.items():
        tagged = {
            i for i, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])
        }
        failing = {i for i, _ in _errors(nb)}
        assert failing <= tagged, (name, _errors(nb))
        for i in tagged:  # a tagged cell fails (else the tag hides nothing and should go)
            assert i in failing or "UsageError" in executed.runner.text(nb, i), (name, i)


@pytest.mark.kernel
def test_01_prototype_a_flow(executed: Executed) -> None:
    name = NAMES[0]
    out = executed.text
    assert "prototype.env (2 secrets, 2 envs)" in out(name, "%kestra_env prototype.env")
    listing = out(name, "%kestra_secrets --list")
    assert "API_TOKEN" in listing and "DB_PASSWORD" in listing
    assert "envs.api_host  ENV_API_HOST" in out(name, "%kestra_env --list")

    hello = out(name, "%%kestra_flow --name hello")
    assert "message: Hello World from staging (3 retries)" in hello  # defaults and envs
    assert "uri: https://api.staging.example.com/users/world" in hello  # a filter
    assert "Authorization: Bearer ******" in hello  # the secret, masked
    assert "message: The API answered {{ outputs.call.code }}" in hello  # deferred
    assert "tasks[2].message: {{ outputs.call.code }}  [outputs]" in hello
    assert "******" in executed.html(name, "%%kestra_flow --name hello")
    assert out(name, "hello.secrets_used") == (
        "(['API_TOKEN'], ['api_host', 'stage'], ['user', 'retries'])"
    )
    assert "expression='{{ outputs.call.code }}', root='outputs'" in out(name, "hello.deferred")
    both = out(name, "%%kestra_flow --inputs values")
    assert "message: 'Hello Ada: 10 attempts at most'" in both  # "5" converted to INT
    assert "--- source ---" in both and "{{ inputs.retries * 2 }}" in both
    grace = out(name, "from kestra_nb.notebook.session import")
    assert "message: Hello Grace from staging (1 retries)" in grace

    error = out(name, "%%kestra_flow\nid: hello\n")
    assert "invalid flow (2 problems)" in error
    assert "Invalid input for `user`, missing required input" in error
    # issue 12: one line each, `path · line · message`, lines as the editor counts them
    assert "tasks[1].id · line 11 · Duplicate task id with name [greet]" in error
    assert "--input user=VALUE or add a `defaults:`" in error  # a hint

    saved = executed.workdir / "flows" / "company.team.hello.yml"
    assert "saved the flow source to" in out(name, "%%kestra_flow --save")
    cell = executed.notebooks[name].cells[executed.cell(name, "%%kestra_flow --save")]
    assert saved.read_text() == cell.source.split("\n", 1)[1]  # the source, not rendered
    assert "Bearer {{ secret('API_TOKEN') }}" in out(name, "print(Path(")


@pytest.mark.kernel
def test_02_secrets_in_kestra(executed: Executed) -> None:
    name = NAMES[1]
    out = executed.text
    assert out(name, "encoded = base64") == "export SECRET_MYPASSWORD=******\n"
    assert out(name, 'password = plain["MYPASSWORD"]').splitlines() == [
        "******",
        "the shell's base64 is the same as Python's: True",
    ]
    assert out(name, "from kestra_nb import SecretStore") == "(['MYPASSWORD'], True)"
    assert out(name, "%kestra_render {{ secret('MYPASSWORD') }}").strip() == "****** / ******"
    assert "Cannot find secret for key 'SECRET_MYPASSWORD'." in out(name, "from kestra_nb import R")
    envs = out(name, 'environ = {"ENV_API_STAGE"')
    assert envs == "stage=staging\n{'api_stage': 'staging'}"

    shape = out(name, "from pathlib import Path\n\nfrom kestra_nb import parse_dotenv")
    for trait in ("longer than 57 bytes", "CRLF line end", "4 lines, quoted", "ends with '='"):
        assert trait in shape
    assert (executed.workdir / "bash.env_encoded").exists()  # the %%bash loop ran
    assert "9 secrets decoded; 1 problem" in out(name, "%kestra_nb decode bash")
    assert "ours.env_encoded: 7 secrets decoded\n" in out(name, "%kestra_nb decode ours")
    table = out(name, "from kestra_nb import decode_dotenv").splitlines()
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert "cut: first 57 of 86 characters" in rows["SERVICE_TOKEN"]
    assert "'\\r' added at the end" in rows["WINDOWS_VALUE"]
    assert "first line only, opening quote included" in rows["TLS_KEY"]
    assert "lost its trailing '='" in rows["FERNET_KEY"]
    assert all(line.rstrip().endswith("exact") for line in rows.values())  # ours: all exact
    assert table[-1] == "names that are not in the .env: shell loop 2, kestra-nb 0"
    assert "ours.env_encoded (7 secrets, 0 envs)" in out(name, "%kestra_env ours")
    compose = out(name, 'compose = Path("docker-compose.yml")')
    assert "    env_file:\n      - ours.env_encoded\n" in compose
    assert compose.strip().endswith("ours.env_encoded holds 7 SECRET_* lines")
    assert (executed.workdir / "docker-compose.yml").exists()

    assert "Kestra's SecretService would not evaluate it" in out(name, "%kestra_nb decode macro")
    assert "macro.env (2 secrets, 0 envs)" in out(name, "%kestra_env macro.env")
    macro = out(name, "%kestra_render {{ 'the filter")
    assert macro.strip() == "dGhlIGZpbHRlciBpdHNlbGY= -> ******"

    masked = out(name, "import json")
    assert masked == "******\n******\n{\"token\": \"******\"}\n{'token': '******'}"
    limits = out(name, "from kestra_nb import Masker").splitlines()
    assert limits[:2] == ["as is: ******", "in base64: ******"]
    assert limits[2] == "reversed: terces-a-ton-eulav-omed"  # the limit, shown

    subkey = out(name, "%%kestra_render\nuser=")
    assert subkey.strip() == "user=******\npassword=******"
    assert "Cannot find secret sub-key 'port' in secret 'DB_CREDENTIALS'." in out(name, "try:")
    flow = out(name, "%%kestra_flow\nid: connect")
    assert "username: '******'" in flow and "password: '******'" in flow


@pytest.mark.kernel
def test_03_convert_a_dotenv(executed: Executed) -> None:
    name = NAMES[2]
    out = executed.text
    assert "Previewed sample.env: 6 to write, 1 skipped" in out(name, 'panel.env_path.value = "')
    preview = executed.html(name, "from IPython.display import HTML")
    assert "EMPTY_ON_PURPOSE" in preview and "no value" in preview and "******" in preview
    assert "Wrote 6 secrets to .env_encoded (mode 0600)" in out(name, 'print("Write to:"')
    written = executed.workdir / ".env_encoded"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    want = {k.upper(): v for k, v in dotenv_values(written.with_name("sample.env")).items() if v}
    decoded = decode_dotenv(written.read_text(encoding="utf-8"))
    assert decoded.ok and decoded.secrets == want  # exact, as Kestra would read them
    listing = out(name, "%kestra_secrets --list")
    assert all(key in listing for key in want)
    assert ".env_encoded: 6 secrets decoded" in out(name, "%kestra_nb decode .env_encoded")
    assert out(name, "from pathlib import Path\n\nprint(").count("=******\n") == 6
    assert out(name, "%kestra_render").strip() == "Authorization: Bearer ******"
    state = executed.notebooks[name].metadata["widgets"]
    assert "application/vnd.jupyter.widget-state+json" in state  # the panel's state is saved


@pytest.mark.kernel
def test_03_runs_again_auto_loaded_and_asks_before_overwriting(executed: Executed) -> None:
    """A second run, in a kernel that auto-loads the extension (as `make run` sets up):
    `%load_ext` says what is loaded (not IPython's "already loaded"), and Write finds
    `.env_encoded` and merges into it."""
    name = NAMES[2]
    profile = executed.runner.home / ".ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(
        'c.InteractiveShellApp.extra_extensions = ["kestra_nb.notebook.autoload"]\n'
    )
    before = (executed.workdir / ".env_encoded").read_bytes()
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    runner = NotebookRunner(executed.workdir, autoload=True)
    try:
        again = runner.run(nb, allow_errors=False, save_as=f"again-{name}")
    finally:
        (profile / "ipython_kernel_config.py").unlink()
    loaded = runner.text(again, executed.cell(name, "%load_ext"))
    assert "already loaded" not in loaded
    assert loaded.startswith("kestra_nb (auto-loaded): loaded ")  # said once, here
    assert ".env_encoded (6 secrets" in loaded
    text = runner.text(again, executed.cell(name, 'print("Write to:"'))
    assert ".env_encoded exists: choose Merge or Replace" in text
    assert "Merged 6 secrets into .env_encoded (mode 0600)" in text
    assert "previous file kept as .env_encoded.bak" in text
    assert (executed.workdir / ".env_encoded.bak").read_bytes() == before
    assert runner.text(again, executed.cell(name, "%kestra_render")).strip() == (
        "Authorization: Bearer ******"
    )


@pytest.mark.kernel
def test_saved_notebooks_hold_no_secret(executed: Executed) -> None:
    secrets = _sample_secrets()
    masker = Masker()
    for key, value in secrets.items():
        masker.add(value, key)
    saved = sorted(executed.workdir.glob("*.ipynb"))
    assert len(saved) >= len(NAMES)  # the four (and the second run of 03, when it ran)
    for path in saved:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        assert any(c.get("outputs") for c in nb["cells"]), f"{path.name} was not executed"
        found = masker.find(text)
        assert found == [], f"{path.name}: {[(m.name, m.kind) for m in found]}"
        widgets = json.dumps(nb["metadata"].get("widgets", {}), ensure_ascii=False)
        assert masker.find(widgets) == []
    report = scan_paths(saved, secrets)  # the project's scanner: outputs, widget state, ...
    assert report.findings == [] and not report.errors, [f.describe() for f in report.findings]
    # the check can fail: the same masker finds a value planted in a copy of a notebook
    leaky = json.loads(saved[0].read_text(encoding="utf-8"))
    leaky["cells"][1].setdefault("outputs", []).append(
        nbformat.v4.new_output("stream", name="stdout", text=secrets["sample.env:SSH_KEY"])
    )
    assert masker.find(json.dumps(leaky))


# --------------------------------------------------------- JSON fields and %kestra_render
# A JSON secret's fields read with `subkey` reach the session masker (the store tells its
# subscribers, as Kestra hands every value `secret()` returns to its log masker).
# `%kestra_render` renders like Kestra's "debug expression" (its secure renderer):
# `secret()` gives `******` before filters run, so `| upper` or `| length` reveal nothing.

GAPS = [
    "%load_ext kestra_nb",
    "from kestra_nb.notebook.session import current\n"
    'current().store.add(\'DB\', \'{"user": "svc-fake-gap", "password": "fake-gap-pass-1"}\')',
    "from kestra_nb import Renderer\n"
    "print(Renderer(secrets=current().store).render(\"{{ secret('DB', subkey='password') }}\"))",
    "%kestra_render {{ secret('DB', subkey='password') | upper }} {{ 'ok' | upper }}",
]


@pytest.fixture(scope="module")
def gaps(tmp_path_factory: pytest.TempPathFactory) -> tuple[NotebookRunner, nbformat.NotebookNode]:
    runner = NotebookRunner(tmp_path_factory.mktemp("gaps"))
    return runner, runner.run(GAPS, allow_errors=False, save_as=None)


@pytest.mark.kernel
def test_a_printed_json_field_is_masked(gaps: tuple[NotebookRunner, Any]) -> None:
    runner, nb = gaps
    assert runner.text(nb, 2).strip() == "******"


@pytest.mark.kernel
def test_kestra_render_filters_never_see_the_real_value(gaps: tuple[NotebookRunner, Any]) -> None:
    runner, nb = gaps
    # a value computed from a secret is a marked placeholder (issue 12), never `******` upper-cased
    assert runner.text(nb, 3).strip() == "****** (computed from DB.password) OK"
    assert "FAKE-GAP-PASS-1" not in json.dumps(nb.cells[3].outputs)


@pytest.mark.kernel
def test_04_run_on_kestra(executed: Executed) -> None:
    name = NAMES[3]
    out = executed.text
    assert "wrote 1 secret to run.env_encoded" in out(name, "%kestra_nb encode run.env")
    assert out(name, "%kestra_nb decode").startswith("API_TOKEN\n")
    assert "    env_file:\n      - run.env_encoded\n" in out(name, "print(")
    assert "run.env_encoded (1 secret, 0 envs)" in out(name, "%kestra_env run.env_encoded")
    assert out(name, "%kestra_server").startswith("Kestra http://127.0.0.1:")
    assert "auth basic from KESTRA_PASSWORD" in out(name, "%kestra_server")
    run = out(name, "%%kestra_flow --deploy --run")
    assert "the server needs SECRET_API_TOKEN (base64)" in run
    assert "deployed company.team.hello_kestra revision 1 (created)" in run
    assert "INFO  greet: Hello Ada\nINFO  call: calling the API with ******\n" in run
    assert "company.team.hello_kestra: SUCCESS" in run
    final = out(name, "execution = _kestra_execution").splitlines()
    assert final[0] == "SUCCESS [('greet', 'SUCCESS'), ('call', 'SUCCESS'), ('answer', 'SUCCESS')]"
    assert final[1] == "{'greeting': 'Ada!'}"
