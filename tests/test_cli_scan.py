"""`kestra-nb scan` as a user runs it: a real subprocess, real files, exit codes, errors."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_notebook, new_output

from kestra_nb.masking import secret_variants
from tests.test_scan_formats import (
    AWS,
    HARMLESS,
    JWT_SERVICE,
    MYPASSWORD,
    SECRETS,
    TLS_KEY,
)

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sk-live-4f9a8b7c6d5e"
TOKEN = "tok_9Zq8Xw7Vu6Ts5R"
FINDING_KEYS = ["path", "cell", "output", "channel", "line", "secret", "kind", "fixable", "fixed"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def run(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kestra_nb", "scan", *args],
        cwd=cwd,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def no_value_in(proc: subprocess.CompletedProcess[str], *values: str) -> None:
    out = proc.stdout + proc.stderr
    for value in values:
        for _kind, text in secret_variants(value):
            assert text not in out, "a secret (or an encoding of it) was printed"


def leaky_project(root: Path) -> Path:
    """A project: `.env_encoded` at the top, a leaky and a clean notebook below."""
    (root / ".env_encoded").write_text(f"SECRET_API_KEY={b64(API_KEY)}\nENV_REGION=eu\n")
    nbs = root / "notebooks"
    nbs.mkdir()
    nb = new_notebook(cells=[new_code_cell("print(key)")])
    nb.cells[0].outputs = [new_output("stream", name="stdout", text=f"key is {API_KEY}\n")]
    nbformat.write(nb, nbs / "leaky.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell("1 + 1")]), nbs / "clean.ipynb")
    return nbs


def test_findings_exit_1_and_name_the_source_of_the_secrets(tmp_path: Path) -> None:
    leaky_project(tmp_path)
    proc = run(tmp_path, "notebooks")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "notebooks/leaky.ipynb: cell 1, output 1, stdout: API_KEY (literal)\n"
    assert proc.stderr == (
        "kestra-nb scan: 1 finding in 1 of 2 files "
        "(1 secret from .env_encoded (encoded, found from the current directory up))\n"
    )
    no_value_in(proc, API_KEY)


def test_env_files_are_looked_for_upward_from_the_current_directory(tmp_path: Path) -> None:
    nbs = leaky_project(tmp_path)
    proc = run(nbs, ".")
    assert proc.returncode == 1
    assert "from ../.env_encoded (encoded, found from the current directory up)" in proc.stderr
    assert proc.stdout.startswith("leaky.ipynb: cell 1")


def test_clean_exit_0(tmp_path: Path) -> None:
    nbs = leaky_project(tmp_path)
    (nbs / "leaky.ipynb").unlink()
    proc = run(tmp_path, "notebooks")
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.startswith("kestra-nb scan: clean: 1 file checked (1 secret from ")


def test_no_secrets_configured_says_so_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "a.ipynb").write_text("{}")
    proc = run(tmp_path, "notebooks/")
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr == (
        "kestra-nb scan: no secrets to look for (no --env-file given, no .env_encoded or .env "
        "in the current directory or above, no --from-env); 1 file not checked\n"
    )


def test_the_repository_notebooks_scan_without_secrets() -> None:
    """What the lead's before-stop hook runs: it must work with nothing configured."""
    proc = run(ROOT, "notebooks/")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_and_read_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    leaky_project(tmp_path)
    cases = {
        ("no-such-dir",): "kestra-nb scan: no-such-dir: no such file or directory\n",
        ("--env-file", "missing.env", "."): "kestra-nb scan: missing.env: no such file\n",
    }
    for args, stderr in cases.items():
        proc = run(tmp_path, *args)
        assert (proc.returncode, proc.stderr, proc.stdout) == (2, stderr, ""), args
    (tmp_path / "latin1.env").write_bytes(b"API_KEY=caf\xe9\n")
    proc = run(tmp_path, "--env-file", "latin1.env", ".")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "latin1.env:1: not UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    proc = run(tmp_path, "--format", "xml")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_unreadable_file_is_an_error_but_others_are_still_scanned(tmp_path: Path) -> None:
    nbs = leaky_project(tmp_path)
    locked = nbs / "locked.txt"
    locked.write_text("x")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root reads anything: use a dangling symlink instead
            locked.chmod(0o600)
            locked.unlink()
            locked.symlink_to(nbs / "gone")
            target = str(locked)
        else:
            target = str(locked)
        proc = run(tmp_path, "notebooks", target)
    finally:
        if locked.exists():
            locked.chmod(0o600)
    assert proc.returncode == 2
    assert "notebooks/leaky.ipynb: cell 1" in proc.stdout
    assert "kestra-nb scan: error: " in proc.stderr and "locked.txt" in proc.stderr
    assert "1 finding in 1 of 2 files, 1 file not readable" in proc.stderr


def test_json_format_is_a_list_with_stable_keys(tmp_path: Path) -> None:
    leaky_project(tmp_path)
    proc = run(tmp_path, "--format", "json", "notebooks")
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)
    assert [list(f) for f in findings] == [FINDING_KEYS]
    assert findings[0] == {
        "path": "notebooks/leaky.ipynb",
        "cell": 1,
        "output": 1,
        "channel": "stdout",
        "line": 1,
        "secret": "API_KEY",
        "kind": "literal",
        "fixable": True,
        "fixed": False,
    }
    clean = run(tmp_path, "--format", "json", "notebooks/clean.ipynb")
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


def test_plain_env_file_and_from_env(tmp_path: Path) -> None:
    nbs = leaky_project(tmp_path)
    (tmp_path / "plain.env").write_text(f"TOKEN={TOKEN}\n")
    nb = nbformat.read(nbs / "clean.ipynb", as_version=4)
    nb.cells[0].outputs = [
        new_output("execute_result", execution_count=1, data={"text/plain": f"'{TOKEN}'"})
    ]
    nbformat.write(nb, nbs / "clean.ipynb")
    proc = run(tmp_path, "--env-file", "plain.env", "notebooks")
    assert proc.returncode == 1
    assert proc.stdout == "notebooks/clean.ipynb: cell 1, output 1, text/plain: TOKEN (literal)\n"
    assert "1 secret from plain.env (plain)" in proc.stderr
    proc = run(
        tmp_path,
        "--env-file",
        "plain.env",
        "--from-env",
        "notebooks",
        env={"SECRET_API_KEY": b64(API_KEY)},
    )
    assert proc.returncode == 1 and proc.stdout.count("\n") == 2
    assert "1 secret from SECRET_* variables" in proc.stderr
    no_value_in(proc, API_KEY, TOKEN)


def test_fix_masks_in_place_and_exits_1_then_clean(tmp_path: Path) -> None:
    nbs = leaky_project(tmp_path)
    target = nbs / "leaky.ipynb"
    target.chmod(0o640)
    proc = run(tmp_path, "--fix", "notebooks/leaky.ipynb")
    assert proc.returncode == 1
    assert proc.stdout.endswith("stdout: API_KEY (literal) [masked]\n")
    assert "masked notebooks/leaky.ipynb (backup notebooks/leaky.ipynb.bak" in proc.stderr
    nb = nbformat.read(target, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].outputs[0].text == "key is ******\n"
    assert target.stat().st_mode & 0o777 == 0o640
    again = run(tmp_path, "notebooks/leaky.ipynb")
    assert again.returncode == 0, again.stdout


def test_pre_commit_manifest_runs_this_command() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert by_id["kestra-nb-scan"]["entry"] == "kestra-nb scan"
    assert by_id["kestra-nb-scan-fix"]["entry"] == "kestra-nb scan --fix"
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"


def test_walking_the_project_root_skips_the_secret_source_and_says_so(tmp_path: Path) -> None:
    leaky_project(tmp_path)
    proc = run(tmp_path)  # no PATH: the current directory
    assert proc.returncode == 1
    assert proc.stdout == "notebooks/leaky.ipynb: cell 1, output 1, stdout: API_KEY (literal)\n"
    assert "kestra-nb scan: note: .env_encoded: not scanned (the secrets come from it)\n" in (
        proc.stderr
    )


def test_format_text_is_no_finding_but_a_real_leak_is(tmp_path: Path) -> None:
    """Issue 16 item 8, as a pre-commit run sees it: with a PEM key and an HS256 JWT among
    the secrets, a doc quoting the armour, an RSA public key and jwt.io's example token
    exit 0; the key's body or the whole token exit 1, named by their secret."""
    (tmp_path / ".env_encoded").write_text(
        "".join(f"SECRET_{name}={b64(value)}\n" for name, value in SECRETS.items())
    )
    for name, text in HARMLESS.items():
        (tmp_path / name).write_text(text)
    proc = run(tmp_path, *sorted(HARMLESS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"kestra-nb scan: clean: {len(HARMLESS)} files checked")

    body = TLS_KEY.splitlines()[4]
    (tmp_path / "notes.md").write_text(f"the key:\n{body}\n")
    (tmp_path / "call.sh").write_text(f"curl -H 'Authorization: Bearer {JWT_SERVICE}'\n")
    proc = run(tmp_path, "notes.md", "call.sh", *sorted(HARMLESS))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        "notes.md:2: TLS_KEY (line)",
        "call.sh:1: JWT_SERVICE (literal)",
    ]
    no_value_in(proc, *SECRETS.values())


def test_a_finding_is_named_by_the_whole_value_it_holds(tmp_path: Path) -> None:
    """Issue 16: two values share a long prefix; the backup line of the second is named by
    it alone, not as a truncated display of the first."""
    (tmp_path / ".env_encoded").write_text(
        f"SECRET_AWS_ACCESS_KEY_ID={b64(AWS)}\nSECRET_MYPASSWORD={b64(MYPASSWORD)}\n"
    )
    (tmp_path / "env.bak").write_text(f"SECRET_MYPASSWORD={b64(MYPASSWORD + chr(10))}\n")
    proc = run(tmp_path, "env.bak")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert "env.bak:1: MYPASSWORD (base64)" in lines
    assert all("AWS_ACCESS_KEY_ID" not in line for line in lines), lines
