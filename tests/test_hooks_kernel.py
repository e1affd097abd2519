"""Output masking in a real kernel: every channel leaks a secret on purpose, none survives.

One notebook (one kernel) holds a cell per channel; the saved `.ipynb` is then searched for
every variant of the secret, and each cell's text around the secret must be intact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from kestra_nb.masking import secret_variants
from tests.kernel import NotebookRunner

pytestmark = pytest.mark.kernel

# Built from pieces in the notebook, so no cell source holds the whole value.
SECRET = "S3CR3T/VALUE+123&<é>"
LATE = "LATE-ADDED-SECRET-99"
OTHER = "OTHER-VISIBLE-SECRET-7"

SETUP = f"""
import base64, ctypes, html, json, logging, os, subprocess, sys, time, urllib.parse
from IPython.display import HTML, JSON, Markdown, display
from kestra_nb.masking import Masker
from kestra_nb.notebook.hooks import install_output_masking
s = {SECRET[:7]!r} + {SECRET[7:]!r}
other = {OTHER[:6]!r} + {OTHER[6:]!r}
m = Masker([s]); m.add(other, "OTHER")
h = install_output_masking(get_ipython(), m)
print("installed", len(m))
"""

# (label, cell source); each prints "before <secret> after" through one channel.
CHANNELS: list[tuple[str, str]] = [
    ("print", 'print(f"before {s} after")'),
    ("stderr", 'print(f"before {s} after", file=sys.stderr)'),
    (
        "split across flush",
        'sys.stdout.write("before " + s[:9]); sys.stdout.flush(); time.sleep(0.5)\n'
        'sys.stdout.write(s[9:] + " after\\n");',
    ),
    (
        "split across flush, stderr",
        'sys.stderr.write("before " + s[:3]); sys.stderr.flush(); time.sleep(0.5)\n'
        "sys.stderr.write(s[3:]); sys.stderr.flush(); time.sleep(0.3)\n"
        'sys.stderr.write(" after\\n");',
    ),
    ("subprocess", 'subprocess.run(["echo", f"before {s} after"], check=True)'),
    ("fd 1", 'os.write(1, f"before {s} after\\n".encode());'),
    (
        "C printf",
        'libc = ctypes.CDLL(None); libc.printf(b"before %s after\\n", s.encode());'
        " libc.fflush(None);",
    ),
    ("!shell", '!echo "before {s} after"'),
    ("logging", 'logging.getLogger("leak").warning("before %s after", s)'),
    (
        "display",
        'display(HTML(f"<b>before {html.escape(s)} after</b>"))\n'
        'display(Markdown(f"before {s} after"))\n'
        'display({"application/json": {"k": f"before {s} after", s: [s]}}, raw=True,'
        ' metadata={"application/json": {"note": s}})\n'
        'display(JSON({"k": f"before {s} after"}))',
    ),
    (
        "update_display",
        'dh = display(Markdown("placeholder"), display_id=True)\n'
        'dh.update(Markdown(f"before {s} after"))',
    ),
    ("execute_result", 'f"before {s} after"'),
    ("raise", 'raise ValueError(f"before {s} after")'),
    (
        "traceback source line",
        'open("leaky_mod.py", "w").write(f"def f():\\n    x = {s!r}  # before/after\\n'
        '    return 1 / 0\\n")\n'
        "import leaky_mod; leaky_mod.f()",
    ),
    (
        "encoded forms",
        'print("before", base64.b64encode(s.encode()).decode(), "after")\n'
        'print("before", base64.b64encode(("user:" + s).encode()).decode(), "after")\n'
        'print("before", base64.urlsafe_b64encode(("x" + s + "\\n").encode()).decode(), "after")\n'
        'print("before", json.dumps({"k": s}), json.dumps(s, ensure_ascii=False), "after")\n'
        'print("before", repr(s), urllib.parse.quote(s), urllib.parse.quote_plus(s), "after")\n'
        'print("before", html.escape(s), "after")\n'
        'print("before", os.environ.get("SECRET_API"), "after")',
    ),
    (
        "late secret",
        f'late = {LATE[:5]!r} + {LATE[5:]!r}; m.add(late, "LATE")\nprint(f"before {{late}} after")',
    ),
    ("disabled", 'h.enabled = False\nprint(f"raw {other} raw")'),
    ("re-enabled", 'h.enabled = True\nprint(f"before {other} after")'),
    ("uninstalled", 'h.uninstall()\nprint(f"raw {other} raw")'),
]


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nbformat.NotebookNode]:
    workdir = tmp_path_factory.mktemp("leaky")
    runner = NotebookRunner(workdir)
    env = {"SECRET_API": __import__("base64").b64encode(SECRET.encode()).decode()}
    # ipykernel does not capture fd 1/2 (subprocesses, C code) when it sees pytest's marker
    # variable in its environment; a kernel under test must look like a real one.
    marker = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        nb = runner.run([SETUP] + [src for _, src in CHANNELS], env=env, timeout=60)
    finally:
        if marker is not None:
            os.environ["PYTEST_CURRENT_TEST"] = marker
    return workdir / "executed.ipynb", nb


def _cell(nb: nbformat.NotebookNode, label: str) -> int:
    return 1 + [name for name, _ in CHANNELS].index(label)


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def test_setup_cell_ran(leaky: tuple[Path, nbformat.NotebookNode]) -> None:
    _, nb = leaky
    assert "installed 2" in NotebookRunner.text(nb, 0), nb.cells[0].outputs


@pytest.mark.parametrize("label", [name for name, _ in CHANNELS[:-3]])
def test_channel_is_masked_and_text_around_intact(
    leaky: tuple[Path, nbformat.NotebookNode], label: str
) -> None:
    _path, nb = leaky
    index = _cell(nb, label)
    outputs = nb.cells[index].outputs
    texts = _strings(json.loads(json.dumps(outputs)))
    joined = "\n".join(texts)
    assert outputs, f"{label}: no output at all"
    for secret in (SECRET, LATE):
        for kind, variant in secret_variants(secret):
            assert variant not in joined, f"{label}: {kind} variant leaked"
    if label not in ("raise", "traceback source line", "encoded forms"):
        visible = NotebookRunner.text(nb, index)
        assert "before ****** after" in visible + joined, f"{label}: {visible!r} {joined!r}"
    if label == "raise":
        assert any(o.get("evalue") == "before ****** after" for o in outputs), outputs
    if label == "traceback source line":
        assert "******" in joined and "before/after" in joined, joined
        assert "ZeroDivisionError" in joined


def test_saved_notebook_holds_no_variant(leaky: tuple[Path, nbformat.NotebookNode]) -> None:
    path, _nb = leaky
    raw = path.read_text(encoding="utf-8")
    decoded = "\n".join(_strings(json.loads(raw)))
    for secret in (SECRET, LATE):
        for kind, variant in secret_variants(secret):
            assert variant not in raw, f"{kind} variant in the saved file"
            assert variant not in decoded, f"{kind} variant in the saved file (decoded)"


def test_disable_and_uninstall_give_raw_output(
    leaky: tuple[Path, nbformat.NotebookNode],
) -> None:
    _, nb = leaky
    assert f"raw {OTHER} raw" in NotebookRunner.text(nb, _cell(nb, "disabled"))
    assert "before ****** after" in NotebookRunner.text(nb, _cell(nb, "re-enabled"))
    assert f"raw {OTHER} raw" in NotebookRunner.text(nb, _cell(nb, "uninstalled"))
