"""Throughput of `kestra-nb scan` against `json.load` of the same files, in the same run.

Generates 1,000 notebooks (about 100 MB in all: stream text, HTML tables, base64 PNGs, ANSI
tracebacks, widget state) with 100 secrets, a few of them leaked into 1% of the notebooks,
then times:

- baseline: `json.load` of every file (what any structural reader pays at least);
- scan: `scan_paths(directory, secrets)`, the full scan the CLI runs (walk, pre-check,
  structural scan of the notebooks that may leak);
- scan without the pre-check: every notebook parsed and searched (the worst case, e.g. when
  every notebook holds a leak).

Target: scan throughput >= 0.25x the `json.load` baseline. Run:
`.venv/bin/python benchmarks/scan.py [--notebooks 1000] [--mb 100]`.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kestra_nb.scan import Scanner, ScanReport, scan_paths  # noqa: E402

WORDS = [
    "flow",
    "task",
    "namespace",
    "output",
    "input",
    "trigger",
    "execution",
    "worker",
    "queue",
    "log",
    "metric",
    "value",
    "duration",
    "retry",
    "status",
    "success",
    "failed",
    "running",
    "created",
    "kestra",
    "pebble",
    "render",
    "secret",
]


def _secrets(rng: random.Random, n: int) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "-_.:/+=@!"
    return {
        f"SECRET_{i:03d}": "".join(rng.choice(alphabet) for _ in range(rng.randint(16, 40)))
        for i in range(n)
    }


def _lines(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(4, 14))) + "\n" for _ in range(n)]


def _notebook(rng: random.Random, size: int, leak: str | None) -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    total = 0
    while total < size:
        i = len(cells)
        outputs: list[dict[str, Any]] = []
        kind = i % 4
        if kind == 0:
            text = _lines(rng, 60)
            outputs.append({"output_type": "stream", "name": "stdout", "text": text})
        elif kind == 1:
            rows = "".join(
                f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.random():.6f}</td></tr>\n"
                for _ in range(60)
            )
            outputs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {"text/html": [f"<table>\n{rows}</table>"], "text/plain": ["df"]},
                }
            )
        elif kind == 2:
            png = base64.b64encode(rng.randbytes(3000)).decode()
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": png, "text/plain": ["<Figure>"]},
                }
            )
        else:
            tb = [
                f"\x1b[0;31m{rng.choice(WORDS)}Error\x1b[0m Traceback (most recent call last)",
                *(f"\x1b[0;32m----> {n}\x1b[0m {line}" for n, line in enumerate(_lines(rng, 8))),
            ]
            outputs.append(
                {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": tb}
            )
        cells.append(
            {
                "cell_type": "code",
                "execution_count": i,
                "id": f"c{i:05d}",
                "metadata": {},
                "outputs": outputs,
                "source": _lines(rng, 3),
            }
        )
        total += len(json.dumps(cells[-1], indent=1)) + 4 * len(outputs)
    if leak is not None:  # one leaked value in one output of one cell
        cells[len(cells) // 2]["outputs"].append(
            {"output_type": "stream", "name": "stderr", "text": [f"token={leak}\n"]}
        )
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "widgets": {
                "application/vnd.jupyter.widget-state+json": {
                    "state": {"m1": {"model_name": "LabelModel", "state": {"value": "ready"}}},
                    "version_major": 2,
                    "version_minor": 0,
                }
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def generate(directory: Path, count: int, total_mb: float, secrets: dict[str, str]) -> int:
    rng = random.Random(8)
    values = list(secrets.values())
    size = int(total_mb * 1e6 / count)
    written = 0
    for n in range(count):
        leak = None
        if n % 100 == 7:
            value = rng.choice(values)
            leak = value if n % 200 == 7 else base64.b64encode(value.encode()).decode()
        nb = _notebook(rng, size, leak)
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        (directory / f"nb{n:04d}.ipynb").write_text(text, encoding="utf-8")
        written += len(text.encode())
    return written


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=1000)
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--secrets", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    secrets = _secrets(random.Random(1), args.secrets)
    with tempfile.TemporaryDirectory(prefix="kestra-nb-scan-bench-") as tmp:
        directory = Path(tmp)
        total = generate(directory, args.notebooks, args.mb, secrets)
        files = sorted(directory.glob("*.ipynb"))
        mb = total / 1e6

        def load_all() -> None:
            for f in files:
                with open(f, encoding="utf-8") as fh:
                    json.load(fh)

        def scan() -> ScanReport:
            return scan_paths([directory], secrets)

        def scan_structural() -> ScanReport:
            scanner = Scanner(secrets, precheck=False)  # every notebook parsed
            report = ScanReport()
            for f in files:
                scanner.scan_file(f, report, fix=False)
            return report

        load_all()  # warm the page cache
        t_load, _ = _best(load_all, args.repeat)
        t_scan, report = _best(scan, args.repeat)
        t_full, full = _best(scan_structural, 1)

    leaked = {f.path for f in report.findings}
    assert len(leaked) == len({f.path for f in full.findings}), "pre-check changed the result"
    base = mb / t_load
    print(f"{len(files)} notebooks, {mb:.1f} MB, {args.secrets} secrets, {len(leaked)} leaky")
    print(f"json.load baseline        : {base:8.1f} MB/s ({t_load:.2f} s)")
    print(
        f"kestra-nb scan            : {mb / t_scan:8.1f} MB/s ({t_scan:.2f} s)  "
        f"ratio {t_load / t_scan:.2f}x (target >= 0.25x)"
    )
    print(
        f"scan, no pre-check (worst): {mb / t_full:8.1f} MB/s ({t_full:.2f} s)  "
        f"ratio {t_load / t_full:.2f}x"
    )
    print(f"findings: {len(report.findings)} in {len(leaked)} notebooks")


if __name__ == "__main__":
    main()
