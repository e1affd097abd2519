"""The `kestra-nb` entry point: the installed console script, `--help` everywhere."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kestra_nb.cli import SUBCOMMAND_MODULES, build_parser

SUBCOMMANDS = ["encode", "decode", "flow", "scan", "autoload", "deploy", "run", "schema"]


def _script() -> str:
    """The console script pip installed next to this interpreter."""
    script = Path(sys.executable).parent / "kestra-nb"
    found = str(script) if script.exists() else shutil.which("kestra-nb")
    assert found, "the kestra-nb console script is not installed"
    return found


def test_every_subcommand_is_registered() -> None:
    parser = build_parser()
    actions = [a for a in parser._subparsers._group_actions]  # type: ignore[union-attr]
    assert sorted(actions[0].choices) == sorted(SUBCOMMANDS)
    assert len(SUBCOMMAND_MODULES) == 7  # codec holds encode and decode


@pytest.mark.parametrize("command", [[], *([c] for c in SUBCOMMANDS)], ids=lambda c: c or "top")
def test_help(command: list[str]) -> None:
    proc = subprocess.run(
        [_script(), *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: kestra-nb {' '.join(command)}".rstrip())
    assert proc.stderr == ""


def test_no_subcommand_is_a_usage_error() -> None:
    proc = subprocess.run([_script()], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "required: COMMAND" in proc.stderr
