"""The cost of the bounds (docs/limits.md) on rendering: with and without, in the same run.

Renders every string of `benchmarks/render.py`'s generated 500-task flow, plus a loop-heavy
template set (nested `{% for %}`, `~` in a loop, filters in a loop), first with the limits
checks as shipped, then with them switched off (the checks replaced by no-ops in this
process only), interleaved so machine load affects both alike. Prints us/template for both
and the ratio (target: at most 1.10x), then one `jq` call's time through the kept-alive
worker. Run: `.venv/bin/python benchmarks/limits.py [TASKS] [ROUNDS]`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import best_of, generate, variables

from kestra_nb.pebble import Renderer, renderer, runtime

TARGET = 1.10

LOOPS = [
    "{% for i in range(1, 200) %}{{ i }},{% endfor %}",
    "{% for i in range(1, 30) %}{% for j in range(1, 30) %}{{ i * j }}{% endfor %}{% endfor %}",
    "{% set s = '' %}{% for i in range(1, 200) %}{% set s = s ~ i %}{% endfor %}{{ s }}",
    "{% for f in inputs.files %}{{ f | upper | replace({'.': '_'}) }}{% endfor %}",
]


class _no_budget:
    def __init__(self, _limits: Any = None) -> None:
        pass

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def _noop(*_args: Any) -> None:
    return None


def limits_off() -> Callable[[], None]:
    """Replace every check with a no-op; returns the function putting them back."""
    saved = (
        renderer.evaluation,
        renderer.sized,
        runtime.sized,
        runtime.count_iterations,
        runtime._CHECK_EVERY,
        runtime.check_length,
    )
    renderer.evaluation = _no_budget  # type: ignore[assignment]
    renderer.sized = runtime.sized = lambda out: out  # type: ignore[assignment]
    runtime.count_iterations = _noop  # type: ignore[assignment]
    runtime._CHECK_EVERY = 1 << 62
    runtime.check_length = _noop  # type: ignore[assignment]

    def restore() -> None:
        (
            renderer.evaluation,
            renderer.sized,
            runtime.sized,
            runtime.count_iterations,
            runtime._CHECK_EVERY,
            runtime.check_length,
        ) = saved  # type: ignore[assignment]

    return restore


def main(argv: list[str]) -> int:
    tasks = int(argv[1]) if len(argv) > 1 else 500
    rounds = int(argv[2]) if len(argv) > 2 else 9
    strings = [s for s, _ in generate(tasks)] + LOOPS * 50
    ctx = variables(tasks)
    ours = Renderer()
    for s in strings:  # warm the template cache
        ours.render(s, ctx)

    def run() -> None:
        for s in strings:
            ours.render(s, ctx)

    def run_off() -> None:
        restore = limits_off()
        try:
            run()
        finally:
            restore()

    expected = [ours.render(s, ctx) for s in strings]
    restore = limits_off()
    assert [ours.render(s, ctx) for s in strings] == expected  # same output either way
    restore()

    t_on, t_off = best_of(rounds, run, run_off)
    n = len(strings)
    ratio = t_on / t_off
    print(f"{n} templates ({tasks}-task flow + {len(LOOPS) * 50} loop templates)")
    print(f"limits off : {t_off / n * 1e6:8.2f} us/template")
    print(f"limits on  : {t_on / n * 1e6:8.2f} us/template")
    print(f"ratio on / off: {ratio:.3f}x (target <= {TARGET}x)")

    template = "{{ inputs.doc | jq('.items[] | select(.n > 1) | .n') }}"
    doc = {"inputs": {"doc": {"items": [{"n": i} for i in range(10)]}}}
    ours.render(template, doc)  # starts the worker
    start = time.perf_counter()
    for _ in range(50):
        ours.render(template, doc)
    print(f"jq through the worker: {(time.perf_counter() - start) / 50 * 1e3:.2f} ms/template")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
