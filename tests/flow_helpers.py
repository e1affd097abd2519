"""What tests of `KestraFlow` share: `flow_of`, `shown`, the flows of `tests/data/flows/`.

A flow file `<name>.yml` starts with a comment line saying where it comes from; beside it,
`<name>.expected.yml` (optional) holds what evaluating it must give, checked by
`check_flow_file`. Several expectation files may share one flow (`flow: <name>`).
"""

from __future__ import annotations

import base64
import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

from kestra_nb.flow import KestraFlow

FLOWS = Path(__file__).resolve().parent / "data" / "flows"


def flow_of(
    text: str,
    *,
    secrets: Any = None,
    environ: Any = None,
    inputs: Any = None,
    **kwargs: Any,
) -> KestraFlow:
    """`KestraFlow.from_yaml` of `text` (dedented), with no secrets and no envs unless given."""
    return KestraFlow.from_yaml(
        textwrap.dedent(text),
        secrets={} if secrets is None else secrets,
        environ={} if environ is None else environ,
        inputs=inputs,
        **kwargs,
    )


def shown(flow: KestraFlow) -> str:
    """Everything a notebook can display of the flow (for "no secret value in it" checks)."""
    parts = [
        flow.html(),
        flow.html("both"),
        flow.text(),
        flow.text("both"),
        flow._repr_html_(),
        flow.to_yaml(),
        repr(flow),
        *(str(e) for e in flow.errors),
        *(str(w) for w in flow.warnings),
        *(str(d) for d in flow.deferred),
    ]
    return "\n".join(parts)


VALIDATION = FLOWS / "validation"  # flows checked by `validate_flow`, with their problems
BLUEPRINTS = FLOWS / "blueprints"  # Kestra's documentation examples (tests/test_flow_blueprints.py)
RENDER = FLOWS / "render"  # flows of tests/test_flow_render.py


def flow_files(folder: Path = FLOWS) -> list[str]:
    """The names of the flows in `folder` (default `tests/data/flows/`) with expectations."""
    return sorted(p.name[: -len(".expected.yml")] for p in folder.glob("*.expected.yml"))


def flow_names(folder: Path = FLOWS) -> list[str]:
    """The names of every flow in `folder`, with expectations or not."""
    return sorted(p.stem for p in folder.glob("*.yml") if not p.name.endswith(".expected.yml"))


def flow_text(name: str, folder: Path = FLOWS) -> str:
    """The text of flow `name` (`<folder>/<name>.yml`), its first line the comment on its source."""
    return (folder / f"{name}.yml").read_text(encoding="utf-8")


def flow_file(name: str, folder: Path = FLOWS) -> tuple[str, dict[str, Any]]:
    """The text of flow `name` in `folder` (or of the flow its `flow:` names) and its
    expectations (`<name>.expected.yml`)."""
    expected = yaml.safe_load((folder / f"{name}.expected.yml").read_text(encoding="utf-8"))
    expected = expected or {}
    return flow_text(expected.get("flow", name), folder), expected


def at(data: Any, path: str) -> Any:
    """The value at `tasks[0].inputs.file` in nested dicts and lists."""
    node = data
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        node = node[int(index)] if index else node[key]
    return node


# what `check_flow_file` compares, exactly, to an expectation of the same name
OBSERVED: dict[str, Any] = {
    "errors": lambda f: [e.message for e in f.errors],
    "error_paths": lambda f: [e.path for e in f.errors],
    "error_tasks": lambda f: [e.task_id for e in f.errors],
    "warnings": lambda f: [w.message for w in f.warnings],
    "warning_paths": lambda f: [w.path for w in f.warnings],
    "deferred": lambda f: [[d.path, d.expression, d.root] for d in f.deferred],
    "deferred_roots": lambda f: [d.root for d in f.deferred],
    "deferred_paths": lambda f: [d.path for d in f.deferred],
    "tasks": lambda f: [path for path, _task in f.tasks],
    "secrets_used": lambda f: f.secrets_used,
    "missing_secrets": lambda f: f.missing_secrets,
    "envs_used": lambda f: f.envs_used,
    "inputs_used": lambda f: f.inputs_used,
}
GIVEN = ("secrets", "environ", "inputs", "execution")  # what the flow is evaluated with
SURFACES = ("rendered", "source", "context")  # path -> value
TEXTS = ("yaml_contains", "unmasked_contains")
EXPECTATION_KEYS = {"flow", "unrendered", *OBSERVED, *GIVEN, *SURFACES, *TEXTS}


def check_flow_file(name: str, folder: Path, **given: Any) -> KestraFlow:
    """Evaluate flow file `name` of `folder` and assert each of its expectations.

    The flow is evaluated with `given` (`secrets`, `environ`, `inputs`, `execution`), each
    replaced by the expectation of that name if there is one. Keys: `rendered`, `source`,
    `context` (path -> value, as `at` reads it); `unrendered` (paths rendered as written);
    the lists of `OBSERVED` (`errors`, `error_paths`, `error_tasks`, `warnings`,
    `warning_paths`, `deferred` as `[path, expression, root]`, `deferred_roots`,
    `deferred_paths`, `tasks`, `secrets_used`, `missing_secrets`, `envs_used`,
    `inputs_used`), each equal as a whole; `yaml_contains` (in the masked YAML),
    `unmasked_contains` (in `to_yaml(masked=False)` only). An unknown key fails, and no secret
    value nor its base64 may appear in anything shown.
    """
    text, expected = flow_file(name, folder)
    unknown = set(expected) - EXPECTATION_KEYS
    assert not unknown, f"unknown expectation keys: {sorted(unknown)}"
    args = {key: expected.get(key, given.get(key)) for key in GIVEN}
    flow = flow_of(text, **args)
    for surface, data in zip(SURFACES, (flow.rendered, flow.flow, flow.context), strict=True):
        for path, value in (expected.get(surface) or {}).items():
            assert at(data, path) == value, f"{surface} {path}"
    for path in expected.get("unrendered", []):
        assert at(flow.rendered, path) == at(flow.flow, path), f"unrendered {path}"
    for key, observe in OBSERVED.items():
        if key in expected:
            assert observe(flow) == expected[key], key
    masked = flow.to_yaml()
    for part in expected.get("yaml_contains", []):
        assert part in masked, part
    for part in expected.get("unmasked_contains", []):
        assert part in flow.to_yaml(masked=False) and part not in masked, part
    everything = shown(flow)
    for value in (args["secrets"] or {}).values():
        assert value not in everything
        assert base64.b64encode(value.encode()).decode() not in everything
    return flow
