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
    off: list[tuple[Any, str, Any]] = [
        (renderer, "open_budget", lambda: None),
        (renderer, "close_budget", _noop),
        (renderer, "evaluation", _no_budget),
        (renderer, "sized", lambda out: out),
        (runtime, "sized", lambda out: out),
        (runtime, "count_iterations", _noop),
        (runtime, "_CHECK_EVERY", 1 << 62),
        (runtime, "check_length", _noop),
    ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in off]
    for module, name, replacement in off:
        setattr(module, name, replacement)

    def restore() -> None:
        for module, name, value in saved:
            setattr(module, name, value)

    return restore


def main(argv: list[str]) -> int:
    tasks = int(argv[1]) if len(argv) > 1 else 500
    rounds = int(argv[2]) if len(argv) > 2 else 9
    flow_strings = [s for s, _ in generate(tasks)]
    strings = flow_strings + LOOPS * 50
    ctx = variables(tasks)
    ours = Renderer()
    for s in strings:  # warm the template cache
        ours.render(s, ctx)

    def runner(subset: list[str]) -> tuple[Callable[[], None], Callable[[], None]]:
        def run() -> None:
            for s in subset:
                ours.render(s, ctx)

        def run_off() -> None:
            restore = limits_off()
            try:
                run()
            finally:
                restore()

        return run, run_off

    expected = [ours.render(s, ctx) for s in strings]
    restore = limits_off()
    assert [ours.render(s, ctx) for s in strings] == expected  # same output either way
    restore()

    flow_on, flow_off = runner(flow_strings)
    loops_on, loops_off = runner(LOOPS * 50)
    t_flow_on, t_flow_off, t_loops_on, t_loops_off = best_of(
        rounds, flow_on, flow_off, loops_on, loops_off
    )
    n, m = len(flow_strings), len(LOOPS) * 50
    t_on, t_off = t_flow_on + t_loops_on, t_flow_off + t_loops_off
    ratio = t_on / t_off
    print(f"{n + m} templates: a {tasks}-task flow's {n} strings + {m} loop templates")
    print(
        f"flow strings   off: {t_flow_off / n * 1e6:7.2f} us  on: {t_flow_on / n * 1e6:7.2f} us"
        f"  ratio {t_flow_on / t_flow_off:.3f}x"
    )
    print(
        f"loop templates off: {t_loops_off / m * 1e6:7.2f} us  on: {t_loops_on / m * 1e6:7.2f} us"
        f"  ratio {t_loops_on / t_loops_off:.3f}x"
    )
    print(f"all            ratio on / off: {ratio:.3f}x (target <= {TARGET}x)")

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
