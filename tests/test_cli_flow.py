"""`kestra-nb flow`: validate and preview flow files from the command line (real process)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

TOKEN = "fake-cli-flow-token-42"

FLOW = """\
id: hello
namespace: company.team
inputs:
  - id: who
    type: STRING
    defaults: world
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "https://example.com/{{ envs.region }}/{{ inputs.who }}"
    headers:
      Authorization: "Bearer {{ secret('API_TOKEN') }}"
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.code }}"
"""


def kestra_nb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "ENV_"))}
    return subprocess.run(
        [sys.executable, "-m", "kestra_nb", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _project(tmp_path: Path) -> Path:
    encoded = base64.b64encode(TOKEN.encode()).decode()
    (tmp_path / ".env_encoded").write_text(f"SECRET_API_TOKEN={encoded}\nENV_REGION=eu-west-1\n")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hello.yml").write_text(FLOW)
    return flows


def test_a_valid_flow_renders_with_the_nearest_env_file_and_masks_secrets(tmp_path: Path) -> None:
    flows = _project(tmp_path)
    proc = kestra_nb("flow", "hello.yml", "--show", "rendered", "--input", "who=ada", cwd=flows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"secrets and envs from {tmp_path / '.env_encoded'}" in proc.stderr
    assert "uri: https://example.com/eu-west-1/ada" in proc.stdout
    assert "Authorization: Bearer ******" in proc.stdout
    assert "{{ outputs.call.code }}" in proc.stdout  # resolved at run time, kept verbatim
    assert TOKEN not in proc.stdout + proc.stderr
    assert base64.b64encode(TOKEN.encode()).decode() not in proc.stdout + proc.stderr

    summary = kestra_nb("flow", "hello.yml", cwd=flows)
    assert summary.stdout.splitlines() == ["hello.yml: company.team.hello: valid, 2 tasks"]


def test_every_problem_of_every_file_is_listed(tmp_path: Path) -> None:
    flows = _project(tmp_path)
    (flows / "broken.yml").write_text(
        "id: bad id\nnamespace: company.team\ntasks:\n"
        "  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: x\n"
        "  - id: a\n    type: Log\n"
    )
    (flows / "missing.yml").write_text(FLOW.replace("API_TOKEN", "NOPE"))
    proc = kestra_nb("flow", "hello.yml", "broken.yml", "missing.yml", cwd=flows)
    assert proc.returncode == 1
    out = proc.stdout.splitlines()
    assert out[0] == "hello.yml: company.team.hello: valid, 2 tasks"
    broken = [line for line in out if line.startswith("broken.yml: ")]
    assert len(broken) >= 3, out  # the id pattern, the duplicate task id, the bare type
    assert any("line 1" in line and "id" in line for line in broken)
    assert any("Cannot find secret for key 'NOPE'." in line for line in out)
    assert any(line.startswith("missing.yml: tasks[0].headers.Authorization") for line in out)


def test_unreadable_files_and_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    flows = _project(tmp_path)
    proc = kestra_nb("flow", "nope.yml", cwd=flows)
    assert proc.returncode == 2
    assert "kestra-nb flow: nope.yml: No such file or directory" in proc.stderr
    bad = kestra_nb("flow", "hello.yml", "--input", "novalue", cwd=flows)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "kestra-nb flow: --input 'novalue': expected KEY=VALUE"
    )
