"""`kestra-nb deploy` and `kestra-nb run` against the stand-in Kestra.

Most tests call the CLI in-process (`main(argv)`, output captured); the interrupt test runs
the real console entry point and sends it SIGINT.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kestra_nb.cli import main
from tests.standin import PASSWORD, SECRET_VALUE, USER, KestraStandin, running_standin
from tests.test_server_client import FAILING, HELLO, REFUSED_BY_SERVER, SLOW

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def kestra(shared_dir: Path) -> Iterator[KestraStandin]:
    yield from running_standin(shared_dir)


@pytest.fixture
def env(kestra: KestraStandin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """KESTRA_* set for the stand-in, no SECRET_* from the outer environment, cwd tmp."""
    for name in list(os.environ):
        if name.startswith(("SECRET_", "ENV_", "KESTRA_")):
            monkeypatch.delenv(name)
    values = {"KESTRA_URL": kestra.url, "KESTRA_USER": USER, "KESTRA_PASSWORD": PASSWORD}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    for text in (out, err):
        assert PASSWORD not in text and "wörd" not in text
    return status, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path.relative_to(tmp_path))


# -- deploy ----------------------------------------------------------------------------


def test_deploy_create_update_unchanged(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write(tmp_path, "hello.yml", HELLO)
    link = f"{kestra.url}/ui/main/flows/edit/company.team/hello"
    assert cli(capsys, "deploy", name) == (
        0,
        f"hello.yml: company.team.hello revision 1 (created) {link}\n",
        "",
    )
    status, out, _ = cli(capsys, "deploy", name)
    assert (status, out) == (0, f"hello.yml: company.team.hello revision 1 (unchanged) {link}\n")
    write(tmp_path, "hello.yml", HELLO.replace("Hello", "Hi"))
    status, out, _ = cli(capsys, "deploy", name)
    assert (status, out) == (0, f"hello.yml: company.team.hello revision 2 (updated) {link}\n")


def test_deploy_dry_run_deploys_nothing(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write(tmp_path, "hello.yml", HELLO)
    status, out, _ = cli(capsys, "deploy", "--dry-run", name)
    assert (status, out) == (0, f"hello.yml: valid on {kestra.url} (dry run: not deployed)\n")
    assert kestra.flows == {} and kestra.calls == ["validateFlows"]


def test_deploy_refused_by_the_server_names_lines(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "invalid.yml", REFUSED_BY_SERVER)
    good = write(tmp_path, "hello.yml", HELLO)
    status, out, _ = cli(capsys, "deploy", bad, good)
    assert status == 1
    assert out.splitlines()[0] == (
        "invalid.yml:8: tasks[1].type: Invalid type: io.kestra.plugin.jdbc.mysql.Query"
    )
    assert "revision 1 (created)" in out.splitlines()[1]  # the other file still deploys
    assert list(kestra.flows) == [("main", "company.team", "hello")]


def test_deploy_refused_locally_never_reaches_the_server(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write(tmp_path, "broken.yml", "id: broken\nnamespace: company.team\n")
    status, out, _ = cli(capsys, "deploy", name)
    assert status == 1 and out.startswith("broken.yml: tasks")
    assert kestra.calls == []


# -- run -------------------------------------------------------------------------------


def test_run_masks_secrets_in_live_logs(
    env: dict[str, str],
    kestra: KestraStandin,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_API_TOKEN", base64.b64encode(SECRET_VALUE.encode()).decode())
    assert cli(capsys, "deploy", write(tmp_path, "hello.yml", HELLO))[0] == 0
    write(tmp_path, "data.csv", "a,b\n")
    status, out, err = cli(
        capsys, "run", "company.team.hello", "--input", "user=Zoë", "--file", "data=data.csv"
    )
    assert status == 0, err
    assert SECRET_VALUE not in out + err
    logs = [line.split(" ", 1)[1] for line in out.splitlines() if line[:2].isdigit()]
    assert logs == ["INFO  greet: Hello Zoë", "INFO  token: calling the API with ******"]
    assert out.splitlines()[-1] == "output greeting = Zoë!"
    assert "company.team.hello: SUCCESS (greet SUCCESS, token SUCCESS, answer SUCCESS)" in err
    execution_id = next(iter(kestra.executions))
    assert kestra.files[(execution_id, "data")] == ("data.csv", b"a,b\n")


def test_run_masks_secrets_of_an_env_file(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    write(tmp_path, "ci.env", f"SECRET_API_TOKEN={encoded}\n")
    cli(capsys, "deploy", write(tmp_path, "hello.yml", HELLO))
    status, out, err = cli(capsys, "run", "company.team.hello", "--env-file", "ci.env")
    assert status == 0 and SECRET_VALUE not in out + err and "with ******" in out


def test_run_failure_exits_1(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "deploy", write(tmp_path, "failing.yml", FAILING))
    status, out, err = cli(capsys, "run", "company.team.failing")
    assert status == 1
    assert "ERROR boom: it broke" in out
    assert err.splitlines()[-1] == (
        "kestra-nb run: company.team.failing: FAILED (before SUCCESS, boom FAILED)"
    )


def test_run_no_wait_prints_the_id(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "deploy", write(tmp_path, "hello.yml", HELLO))
    status, out, _ = cli(capsys, "run", "company.team.hello", "--no-wait")
    assert status == 0 and out.strip() in kestra.executions
    assert "followExecution" not in kestra.calls


def test_run_refused_input_exits_1(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "deploy", write(tmp_path, "hello.yml", HELLO.replace("    defaults: World\n", "")))
    status, _, err = cli(capsys, "run", "company.team.hello")
    assert status == 1 and "inputs.user: Invalid input for `user`" in err
    assert len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "run", "hello")
    assert status == 2 and "expected NAMESPACE.ID" in err
    status, _, err = cli(capsys, "run", "a.b", "--input", "novalue")
    assert status == 2 and err == "kestra-nb run: --input novalue=...: expected KEY=VALUE\n"
    status, _, err = cli(capsys, "run", "a.b", "--file", "data=missing.csv")
    assert status == 2 and "no such file" in err


def test_no_server_configured(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KESTRA_URL")
    status, _, err = cli(capsys, "run", "a.b")
    assert (status, err) == (
        2,
        "kestra-nb run: no Kestra server: give --server URL or set KESTRA_URL\n",
    )


def test_wrong_password_exits_2_without_it(
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KESTRA_PASSWORD", PASSWORD + "!")
    status, out, err = cli(capsys, "deploy", write(tmp_path, "hello.yml", HELLO))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "401 Unauthorized" in err


def test_server_down_exits_2_with_one_line(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    status, out, err = cli(capsys, "run", "company.team.hello", "--server", url)
    assert (status, out) == (2, "")
    assert err == f"kestra-nb run: cannot connect to Kestra at {url}: connection refused\n"


def test_timeout_exits_2(
    env: dict[str, str],
    kestra: KestraStandin,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kestra.delays["validateFlows"] = 3.0
    name = write(tmp_path, "hello.yml", HELLO)
    status, _, err = cli(capsys, "deploy", name, "--timeout", "0.3")
    assert status == 2
    assert err == (
        f"kestra-nb deploy: Kestra at {kestra.url} did not answer within 0.3 s "
        "(validating the flow, read timeout)\n"
    )


def test_interrupt_kills_the_execution(
    env: dict[str, str], kestra: KestraStandin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "deploy", write(tmp_path, "slow.yml", SLOW))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kestra_nb", "run", "company.team.slow"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # "kestra-nb run: company.team.slow: execution ..."
        assert "execution" in first, first
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: killing execution" in err
    assert err.splitlines()[-1] == "kestra-nb run: company.team.slow: KILLED"
    assert len(kestra.kill_requests) == 1
    assert PASSWORD not in out + err
