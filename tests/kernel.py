"""Execute notebooks in a real ipykernel with nbclient, isolated from the user's setup."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient


class NotebookRunner:
    """Run cells (or a notebook file) in a fresh kernel, cwd `workdir`, HOME isolated.

    The kernel is the running interpreter's own (ipykernel's native `python3` spec), so
    the package under test is what the kernel imports. The IPython profile lives in a temp
    HOME, so a user's startup files never leak into a test, and `extra_extensions` is
    emptied on the kernel's command line, so `kestra-nb autoload on` in the venv (as `make
    run` does) does not load the extension behind a test's back. Pass `autoload=True` to
    keep the config files' `extra_extensions` (the auto-load tests do).
    """

    def __init__(self, workdir: Path, *, autoload: bool = False) -> None:
        self.workdir = workdir
        self.autoload = autoload
        self.home = workdir / ".home"
        self.home.mkdir(exist_ok=True)

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SECRET_", "ENV_", "JUPYTER_", "IPYTHON"))
            # under pytest, ipykernel stops capturing fd-level output (subprocesses, C code)
            and k != "PYTEST_CURRENT_TEST"
        }
        env.update(
            HOME=str(self.home),
            IPYTHONDIR=str(self.home / ".ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        if extra:
            env.update(extra)
        return env

    def notebook(self, cells: Iterable[str | tuple[str, str]]) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook()
        for cell in cells:
            if isinstance(cell, tuple):
                kind, src = cell
                nb.cells.append(
                    nbformat.v4.new_markdown_cell(src)
                    if kind == "markdown"
                    else nbformat.v4.new_code_cell(src)
                )
            else:
                nb.cells.append(nbformat.v4.new_code_cell(cell))
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        return nb

    def run(
        self,
        cells: Iterable[str | tuple[str, str]] | nbformat.NotebookNode,
        *,
        env: Mapping[str, str] | None = None,
        allow_errors: bool = True,
        timeout: int = 60,
        store_widget_state: bool = True,
        save_as: str | None = "executed.ipynb",
    ) -> nbformat.NotebookNode:
        """Execute and return the notebook; also saved as `workdir/save_as` (as on disk)."""
        nb = cells if isinstance(cells, nbformat.NotebookNode) else self.notebook(cells)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            store_widget_state=store_widget_state,
            resources={"metadata": {"path": str(self.workdir)}},
        )
        client.kernel_manager_class = _kernel_manager_class(self.autoload)
        client.execute(env=self.env(env), cwd=str(self.workdir))
        if save_as:
            nbformat.write(nb, self.workdir / save_as)
        return nb

    @staticmethod
    def outputs_text(nb: nbformat.NotebookNode, index: int | None = None) -> str:
        """All output JSON of one cell (or of every cell) as one string, for assertions."""
        cells = nb.cells if index is None else [nb.cells[index]]
        return "\n".join(json.dumps(c.get("outputs", []), ensure_ascii=False) for c in cells)

    @staticmethod
    def text(nb: nbformat.NotebookNode, index: int) -> str:
        """The visible text of a cell's outputs: streams, text/plain, errors (joined)."""
        parts: list[str] = []
        for out in nb.cells[index].get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                parts.append(out["text"])
            elif kind in ("execute_result", "display_data"):
                data: dict[str, Any] = out.get("data", {})
                parts.append(str(data.get("text/plain", "")))
            elif kind == "error":
                parts.append(f"{out['ename']}: {out['evalue']}")
        return "".join(parts)


NO_AUTOLOAD = "--InteractiveShellApp.extra_extensions=[]"


def _kernel_manager_class(autoload: bool = False) -> type:
    from jupyter_client.manager import KernelManager

    class _Manager(KernelManager):
        """Start the kernel with this interpreter (the venv under test), auto-load off."""

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            if cmd and Path(cmd[0]).name.startswith("python"):
                cmd[0] = sys.executable
            if not autoload:
                cmd.append(NO_AUTOLOAD)
            return cmd

    return _Manager
