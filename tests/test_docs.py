"""Every example in README.md and docs/*.md runs, so the docs cannot drift from the code."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_examples import Example, console_steps, examples, files_of
from tests.kernel import NotebookRunner

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
RUNNABLE = {"python", "ipython", "console", "yaml"}


def _runnable(page: Path) -> list[Example]:
    return [
        ex
        for ex in examples(page)
        if ex.lang in RUNNABLE and not (ex.lang == "yaml" and "flow" not in ex.info)
    ]


def _workdir(tmp_path: Path, page_examples: list[Example]) -> Path:
    for name, body in files_of(page_examples).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        if "env" in name:
            target.chmod(0o600)
    return tmp_path


def test_every_page_is_checked() -> None:
    """The pages exist, and the docs as a whole carry examples of every runnable kind."""
    assert (ROOT / "README.md") in PAGES and len(PAGES) > 1
    kinds = {ex.lang for page in PAGES for ex in _runnable(page)}
    assert kinds == RUNNABLE, f"docs lack examples of {RUNNABLE - kinds}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "python"]
    if not blocks:
        pytest.skip(f"{page.name} has no python examples")
    monkeypatch.chdir(_workdir(tmp_path, examples(page)))
    for key in [k for k in os.environ if k.startswith(("SECRET_", "ENV_"))]:
        monkeypatch.delenv(key)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for ex in blocks:
        if ">>>" in ex.body:
            test = parser.get_doctest(ex.body, namespace, ex.where, str(page), ex.line)
            result = runner.run(test, clear_globs=False)
            assert result.failed == 0, f"doctest failed in {ex.where} (see output above)"
        else:
            code = compile(ex.body, ex.where, "exec")
            exec(code, namespace)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_console_examples(page: Path, tmp_path: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "console"]
    if not blocks:
        pytest.skip(f"{page.name} has no console examples")
    workdir = _workdir(tmp_path, examples(page))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "ENV_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    checker = doctest.OutputChecker()
    for ex in blocks:
        expected_status = int(ex.option("exit") or 0)
        for command, expected in console_steps(ex):
            proc = subprocess.run(
                command,
                shell=True,
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            got = "\n".join(line.rstrip() for line in (proc.stdout + proc.stderr).splitlines())
            want = "\n".join(expected).strip("\n")
            if want:
                assert checker.check_output(
                    want + "\n", got.strip("\n") + "\n", doctest.ELLIPSIS
                ), f"{ex.where}: `{command}` printed:\n{got}\n--- expected:\n{want}"
            assert proc.returncode == expected_status, (
                f"{ex.where}: `{command}` exited {proc.returncode}:\n{got}"
            )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_flow_examples(page: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "yaml"]
    if not blocks:
        pytest.skip(f"{page.name} has no flow examples")
    from kestra_nb import KestraFlow

    for ex in blocks:
        flow = KestraFlow.from_yaml(ex.body)
        assert flow.id, ex.where


@pytest.mark.kernel
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_ipython_examples(page: Path, tmp_path: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "ipython"]
    if not blocks:
        pytest.skip(f"{page.name} has no ipython examples")
    runner = NotebookRunner(_workdir(tmp_path, examples(page)))
    nb = runner.run([ex.body for ex in blocks])
    for ex, cell in zip(blocks, nb.cells, strict=True):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if "error" in ex.info:
            assert errors or "UsageError" in runner.text(nb, nb.cells.index(cell)), (
                f"{ex.where}: expected an error"
            )
        else:
            assert not errors, f"{ex.where}: {errors[0]['ename']}: {errors[0]['evalue']}"
