"""Time rendering every string of a generated 500-task flow: our engine against plain Jinja2.

Generates the strings a realistic 500-task Kestra flow holds (plain text, `{{ inputs.x }}`,
attribute chains into `outputs`, filters, `~`, `??`, `date` formatting, `{% for %}` loops,
`{% if %}`), then, in the same run:

- ours: `Renderer.render` on every string (compiled templates cached, as in Kestra);
- the baseline: plain `jinja2.sandbox.SandboxedEnvironment` (templates compiled once) on the
  Jinja2-compatible subset (the strings that mean the same in both dialects).

Prints the time per template for both and the ratio on the compatible subset (target: no
slower than 1.5x plain Jinja2), plus ours on the whole flow including Pebble-only syntax.
Run: `.venv/bin/python benchmarks/render.py [TASKS] [ROUNDS]`.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable

from jinja2.sandbox import SandboxedEnvironment

from kestra_nb.pebble import Renderer

TARGET = 1.5

# (template, Jinja2-compatible?) patterns; {i} is the task number
PATTERNS: list[tuple[str, bool]] = [
    ("io.kestra.plugin.scripts.shell.Commands", True),
    ("Process batch {i} for the nightly load", True),
    ("{{{{ inputs.name }}}}", True),
    ("s3://{{{{ inputs.bucket }}}}/data/{{{{ inputs.name }}}}/part-{i}.parquet", True),
    ("{{{{ outputs.task_{j}.uri }}}}", True),
    ("{{{{ outputs.task_{j}.vars.count }}}} rows", True),
    ("{{{{ inputs.name | upper }}}}-{i}", True),
    ("{{{{ 'prefix-' ~ inputs.name ~ '-' ~ flow.id }}}}", True),
    ("{{{{ inputs.region | default('eu-west-1') }}}}", True),
    (
        "{{% for f in inputs.files %}}--file {{{{ f }}}} {{% endfor %}}",
        True,
    ),
    (
        "{{% if inputs.dry_run %}}echo dry run{{% else %}}run --task {i}{{% endif %}}",
        True,
    ),
    ("{{{{ inputs.tags | join(',') }}}}", True),
    ("{{{{ flow.namespace }}}}.{{{{ flow.id }}}}.{i}", True),
    ("{{{{ inputs.missing_opt ?? 'fallback' }}}}", False),
    ("{{{{ outputs.task_{j}.value ?? inputs.name }}}}", False),
    ("{{{{ execution.startDate | date('yyyy-MM-dd') }}}}", False),
    ("{{{{ execution.startDate | date('yyyy-MM-dd HH:mm:ss', timeZone='UTC') }}}}", False),
    ("{{{{ inputs.count * 2 + 1 }}}}", False),  # Java arithmetic / printing differ
    (
        "{{% for e in inputs.labels %}}{{{{ e.key }}}}={{{{ e.value }}}};{{% endfor %}}",
        False,
    ),
]


def generate(tasks: int, seed: int = 7) -> list[tuple[str, bool]]:
    """Every string of a `tasks`-task flow: id, type, and a few properties per task."""
    rnd = random.Random(seed)
    out: list[tuple[str, bool]] = []
    for i in range(tasks):
        out.append((f"task_{i}", True))
        for _ in range(rnd.randint(3, 6)):
            pattern, compatible = rnd.choice(PATTERNS)
            j = rnd.randrange(max(i, 1))
            out.append((pattern.format(i=i, j=j), compatible))
    return out


def variables(tasks: int) -> dict:
    return {
        "inputs": {
            "name": "orders",
            "bucket": "acme-data",
            "files": ["a.csv", "b.csv", "c.csv"],
            "dry_run": False,
            "tags": ["etl", "nightly"],
            "count": 21,
            "labels": {"team": "data", "env": "prod"},
        },
        "outputs": {
            f"task_{j}": {"uri": f"kestra://out/{j}.ion", "vars": {"count": j}, "value": None}
            for j in range(tasks)
        },
        "flow": {"id": "nightly", "namespace": "company.team"},
        "execution": {
            "id": "4wjtkzwVGBM9yKnjm3yv8r",
            "startDate": dt.datetime(2024, 5, 1, 2, 30, tzinfo=dt.UTC),
        },
    }


def best_of(rounds: int, *fns: Callable[[], None]) -> list[float]:
    """Best time of each function over `rounds`, run interleaved so load affects all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    tasks = int(argv[1]) if len(argv) > 1 else 500
    rounds = int(argv[2]) if len(argv) > 2 else 7
    strings = generate(tasks)
    ctx = variables(tasks)
    compatible = [s for s, ok in strings if ok]
    everything = [s for s, _ in strings]

    ours = Renderer()
    jinja = SandboxedEnvironment(keep_trailing_newline=True)
    compiled = {s: jinja.from_string(s) for s in compatible}

    # warm both caches (compilation is measured separately below)
    for s in everything:
        ours.render(s, ctx)

    def run_ours_compatible() -> None:
        for s in compatible:
            ours.render(s, ctx)

    def run_ours_all() -> None:
        for s in everything:
            ours.render(s, ctx)

    def run_jinja() -> None:
        for s in compatible:
            compiled[s].render(ctx)

    # same meaning on the compatible subset (sanity check, not timed)
    mismatches = [s for s in compatible if ours.render(s, ctx) != compiled[s].render(ctx)]

    t_jinja, t_ours, t_all = best_of(rounds, run_jinja, run_ours_compatible, run_ours_all)

    cold = Renderer()
    start = time.perf_counter()
    for s in everything:
        cold.compile(s)
    t_compile = time.perf_counter() - start

    n, m = len(compatible), len(everything)
    ratio = t_ours / t_jinja
    print(f"flow: {tasks} tasks, {m} strings ({n} Jinja2-compatible)")
    print(f"plain Jinja2 (compatible subset): {t_jinja / n * 1e6:8.2f} us/template")
    print(f"kestra_nb    (compatible subset): {t_ours / n * 1e6:8.2f} us/template")
    print(f"kestra_nb    (whole flow)       : {t_all / m * 1e6:8.2f} us/template")
    print(f"kestra_nb    compile, uncached  : {t_compile / m * 1e6:8.2f} us/template")
    print(f"ratio ours / plain Jinja2       : {ratio:.2f}x (target <= {TARGET}x)")
    if mismatches:
        print(f"note: {len(mismatches)} compatible strings render differently, e.g.")
        print(f"  {mismatches[0]!r}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
