"""`kestra-nb autoload on|off|status` against a temporary prefix, and a kernel that auto-loads."""

from __future__ import annotations

import base64
import json
import shutil
import stat
from pathlib import Path

import pytest

from kestra_nb.cli import main
from tests.kernel import NotebookRunner

AUTOLOAD = "kestra_nb.notebook.autoload"
ROOT = Path(__file__).resolve().parent.parent
SNIPPET = ROOT / "jupyter-config" / "ipython" / "ipython_kernel_config.json"


def config_file(prefix: Path) -> Path:
    return prefix / "etc" / "ipython" / "ipython_kernel_config.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_on_creates_the_file_status_and_off_remove_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    code, out, _ = run(capsys, "autoload", "status", "--prefix", str(tmp_path))
    assert (code, out.strip()) == (0, f"off: {path} (does not exist)")

    code, out, _ = run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    assert code == 0 and "enabled" in out and str(path) in out
    assert json.loads(path.read_text()) == {
        "InteractiveShellApp": {"extra_extensions": ["kestra_nb.notebook.autoload"]}
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # kernels of other users read it

    code, out, _ = run(capsys, "autoload", "status", "--prefix", str(tmp_path))
    assert code == 0 and out.startswith(f"on: {path}")

    code, out, _ = run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    assert "already enabled" in out
    assert json.loads(path.read_text())["InteractiveShellApp"]["extra_extensions"] == [
        "kestra_nb.notebook.autoload"
    ]

    code, out, _ = run(capsys, "autoload", "off", "--prefix", str(tmp_path))
    assert code == 0 and "disabled" in out
    assert not path.exists()  # nothing else was in it
    assert list(path.parent.iterdir()) == []  # nor are its backups (they held only ours)
    code, out, _ = run(capsys, "autoload", "off", "--prefix", str(tmp_path))
    assert "was not enabled" in out


def test_on_and_off_keep_every_other_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    other = {
        "InteractiveShellApp": {"extra_extensions": ["other_ext"], "exec_lines": ["x = 1"]},
        "IPKernelApp": {"matplotlib": "inline"},
        "InteractiveShell": {"colors": "nocolor"},
    }
    path.write_text(json.dumps(other))

    assert run(capsys, "autoload", "on", "--prefix", str(tmp_path))[0] == 0
    merged = json.loads(path.read_text())
    assert merged["InteractiveShellApp"]["extra_extensions"] == [
        "other_ext",
        "kestra_nb.notebook.autoload",
    ]
    assert merged["InteractiveShellApp"]["exec_lines"] == ["x = 1"]
    assert merged["IPKernelApp"] == other["IPKernelApp"]
    assert merged["InteractiveShell"] == other["InteractiveShell"]

    assert run(capsys, "autoload", "off", "--prefix", str(tmp_path))[0] == 0
    assert json.loads(path.read_text()) == other
    assert run(capsys, "autoload", "status", "--prefix", str(tmp_path))[1].startswith("off:")


def test_a_broken_config_is_reported_in_one_line_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"InteractiveShellApp": {\n  "extensions": [,]\n}\n')
    before = path.read_bytes()
    for action in ("on", "off", "status"):
        code, _, err = run(capsys, "autoload", action, "--prefix", str(tmp_path))
        assert code == 2, action
        assert err.count("\n") == 1 and f"{path}:2: not valid JSON" in err
        assert "Traceback" not in err
    assert path.read_bytes() == before

    path.write_text('{"InteractiveShellApp": {"extra_extensions": "kestra_nb"}}')
    code, _, err = run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    assert code == 2 and "extra_extensions is not a list" in err


def test_status_sees_the_extension_in_plain_extensions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"InteractiveShellApp": {"extensions": ["kestra_nb", "other_ext"]}}))
    out = run(capsys, "autoload", "status", "--prefix", str(tmp_path))[1]
    assert out.startswith("on:") and "InteractiveShellApp.extensions" in out
    # `off` undoes what `status` calls on, and only that entry
    assert run(capsys, "autoload", "off", "--prefix", str(tmp_path))[1].startswith(
        "kestra_nb auto-load disabled"
    )
    assert json.loads(path.read_text()) == {"InteractiveShellApp": {"extensions": ["other_ext"]}}
    assert run(capsys, "autoload", "status", "--prefix", str(tmp_path))[1].startswith("off:")


def test_a_config_that_is_not_utf8_is_one_line_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"a": "\xff"}')
    code, _, err = run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    assert code == 2
    assert err == f"kestra-nb autoload: {path}: not UTF-8 text; left unchanged\n"
    assert path.read_bytes() == b'{"a": "\xff"}'


def test_the_shipped_snippet_is_what_on_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    snippet = json.loads(SNIPPET.read_text())
    assert "autoload on" in snippet.pop("_comment")  # the snippet documents itself
    assert snippet == json.loads(config_file(tmp_path).read_text())


@pytest.mark.kernel
def test_a_kernel_with_the_config_loads_the_extension(tmp_path: Path) -> None:
    """The shipped snippet (what `autoload on` writes), on a kernel's config path, loads the
    extension at start-up, masking from the first cell.

    The profile dir of the isolated IPYTHONDIR is on the same config path as
    `sys.prefix/etc/ipython`; a profile that assigns `extensions` does not drop ours.
    """
    runner = NotebookRunner(tmp_path, autoload=True)
    profile = runner.home / ".ipython" / "profile_default"
    profile.mkdir(parents=True)
    shutil.copy(SNIPPET, profile / "ipython_kernel_config.json")
    (profile / "ipython_config.py").write_text("c.InteractiveShellApp.extensions = []\n")
    value = "autoloaded-Secret-42"
    nb = runner.run(
        [
            "print('kestra_nb.notebook.autoload' in get_ipython().extension_manager.loaded)",
            "from kestra_nb.notebook.session import current\nprint(current().store.names())",
            "print(current().store.get('TOKEN'))",
            "%load_ext kestra_nb",
            "%kestra_status",
        ],
        env={"SECRET_TOKEN": base64.b64encode(value.encode()).decode()},
    )
    first = runner.text(nb, 0).strip().splitlines()
    # what auto-load loaded is said once, in the first cell's output, before the cell's own
    assert first[0].startswith("kestra_nb (auto-loaded): ") and "1 secret from SECRET_*" in first[0]
    assert first[-1] == "True"
    assert runner.text(nb, 1).strip() == "['TOKEN']"
    assert runner.text(nb, 2).strip() == "******"
    # `%load_ext kestra_nb` after auto-load: no IPython "already loaded", our status instead
    again = runner.text(nb, 3)
    assert "already loaded" not in again and "%reload_ext" not in again
    assert again.startswith("kestra_nb is auto-loaded at kernel start: 1 secret")
    assert "auto-loaded" not in "".join(runner.text(nb, i) for i in (1, 2))
    status = runner.text(nb, 4)
    assert status.startswith("kestra_nb is auto-loaded at kernel start: 1 secret, ")
    assert "secrets: 1 secret from environment" in status
    assert value not in (tmp_path / "executed.ipynb").read_text()


def test_an_old_plain_entry_is_recognised_replaced_and_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"InteractiveShellApp": {"extra_extensions": ["kestra_nb"]}}))
    assert run(capsys, "autoload", "status", "--prefix", str(tmp_path))[1].startswith("on:")
    run(capsys, "autoload", "on", "--prefix", str(tmp_path))
    assert json.loads(path.read_text()) == {
        "InteractiveShellApp": {"extra_extensions": ["kestra_nb.notebook.autoload"]}
    }
    run(capsys, "autoload", "off", "--prefix", str(tmp_path))
    assert not path.exists()
