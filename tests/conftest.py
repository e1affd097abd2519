"""Fixtures shared by the whole suite.

- `shared_dir`: `../shared` beside the project (Kestra's test flows, references). Outside CI a
  missing `../shared` skips with the reason; in CI (`CI=true`) it fails instead.
- `run_notebook`: executes cells in a fresh, real ipykernel through nbclient, with HOME and
  the IPython profile isolated in a temp dir, and returns the executed notebook.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.kernel import NotebookRunner

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str, why: str) -> str:
    """Path of an executable; skip outside CI when missing, fail in CI (never hide it)."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is required in CI ({why}) but is not installed")
        pytest.skip(f"{name} not installed ({why})")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` next to the project root."""
    path = ROOT.parent / "shared"
    if not (path / "kestra-flows").is_dir():
        if IN_CI:
            pytest.fail(f"{path} is missing; CI must provide ../shared beside the clone")
        pytest.skip(f"{path} not present (Kestra's test flows live there; outside CI only)")
    return path


@pytest.fixture
def run_notebook(tmp_path: Path) -> NotebookRunner:
    """A runner executing cells in a fresh kernel whose cwd is `tmp_path`."""
    return NotebookRunner(tmp_path)
