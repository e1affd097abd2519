"""The wheel and the sdist, built from this tree, carry the licence and the package data."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(kind: str, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", kind, "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.iterdir()
    return built


def test_the_wheel_ships_the_licence(tmp_path: Path) -> None:
    wheel = build("wheel", tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        licence = [n for n in names if n.endswith("licenses/LICENSE")]
        assert licence, names
        text = zf.read(licence[0]).decode()
        metadata = zf.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Apache License" in text and "Version 2.0" in text
    assert "License-Expression: Apache-2.0" in metadata
    assert "kestra_nb/notebook/autoload.py" in names


def test_the_sdist_ships_the_licence(tmp_path: Path) -> None:
    sdist = build("sdist", tmp_path)
    with tarfile.open(sdist) as tf:
        names = tf.getnames()
    assert any(n.endswith("/LICENSE") for n in names), names
