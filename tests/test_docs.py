"""Every example in README.md and docs/*.md runs, so the docs cannot drift from the code."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_examples import (
    FENCE,
    Example,
    console_steps,
    examples,
    expected_outputs,
    files_of,
)
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


def _pages_with(kind: str) -> list[Path]:
    """The pages holding at least one runnable example of `kind` (no skipped test ids)."""
    return [page for page in PAGES if any(ex.lang == kind for ex in _runnable(page))]


def test_every_page_is_checked() -> None:
    """The pages exist, and the docs as a whole carry examples of every runnable kind."""
    assert (ROOT / "README.md") in PAGES and len(PAGES) > 1
    kinds = {ex.lang for page in PAGES for ex in _runnable(page)}
    assert kinds == RUNNABLE, f"docs lack examples of {RUNNABLE - kinds}"


@pytest.mark.parametrize("page", _pages_with("python"), ids=lambda p: p.name)
def test_python_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "python"]
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
            namespace.update(test.globs)  # DocTest works on a copy: share names with later blocks
            assert result.failed == 0, f"doctest failed in {ex.where} (see output above)"
        else:
            code = compile(ex.body, ex.where, "exec")
            exec(code, namespace)


@pytest.mark.parametrize("page", _pages_with("console"), ids=lambda p: p.name)
def test_console_examples(page: Path, tmp_path: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "console"]
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


@pytest.mark.parametrize("page", _pages_with("yaml"), ids=lambda p: p.name)
def test_flow_examples(page: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "yaml"]
    from kestra_nb import KestraFlow

    for ex in blocks:
        flow = KestraFlow.from_yaml(ex.body)
        assert flow.id, ex.where


@pytest.mark.kernel
@pytest.mark.parametrize("page", _pages_with("ipython"), ids=lambda p: p.name)
def test_ipython_examples(page: Path, tmp_path: Path) -> None:
    blocks = [ex for ex in _runnable(page) if ex.lang == "ipython"]
    everything = examples(page)
    wanted = {everything[i]: out for i, out in expected_outputs(everything).items()}
    runner = NotebookRunner(_workdir(tmp_path, everything))
    nb = runner.run([ex.body for ex in blocks])
    checker = doctest.OutputChecker()
    for index, (ex, cell) in enumerate(zip(blocks, nb.cells, strict=True)):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = runner.text(nb, index)
        if "error" in ex.info:
            assert errors or "UsageError" in text, f"{ex.where}: expected an error"
        else:
            assert not errors, f"{ex.where}: {errors[0]['ename']}: {errors[0]['evalue']}"
        if ex in wanted:
            got = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").splitlines())
            want = "\n".join(line.rstrip() for line in wanted[ex].body.splitlines())
            same = checker.check_output(
                want.strip("\n") + "\n", got.strip("\n") + "\n", doctest.ELLIPSIS
            )
            assert same, (
                f"{ex.where}: the cell printed:\n{got}\n--- expected ({wanted[ex].where}):\n{want}"
            )


README_HEAD = """# kestra_nb

```bash
make run    # venv + JupyterLab on notebooks/ with the extension auto-loaded
make test   # venv + ruff + mypy + every test (real kernels, real Chromium)
```
"""
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.M)}


def test_readme_starts_with_the_two_commands() -> None:
    assert (ROOT / "README.md").read_text(encoding="utf-8").startswith(README_HEAD)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    """Every relative link points at an existing file, and every anchor at a heading."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: broken link {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{page.name}: no heading for {target}"


def test_index_and_readme_link_every_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert f"]({page.name}" in index, f"docs/index.md does not link {page.name}"
        assert f"](docs/{page.name}" in readme, f"README.md does not link docs/{page.name}"
    for image in ("docs/panel.png", "docs/flow.png"):
        assert f"]({image})" in readme


def test_python_api_documents_every_public_name() -> None:
    import kestra_nb

    page = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    missing = [n for n in kestra_nb.__all__ if f"### `{n}`" not in page]
    assert not missing, f"docs/python-api.md lacks a section for {missing}"
