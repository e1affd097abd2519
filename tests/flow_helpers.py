"""What tests of `KestraFlow` share: `flow_of`, `shown`, the flows of `tests/data/flows/`."""

from __future__ import annotations

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


def flow_files(folder: Path = FLOWS) -> list[str]:
    """The names of the flows in `folder` (default `tests/data/flows/`) with expectations."""
    return sorted(p.name[: -len(".expected.yml")] for p in folder.glob("*.expected.yml"))


def flow_file(name: str, folder: Path = FLOWS) -> tuple[str, dict[str, Any]]:
    """The text of flow `name` in `folder` and its expectations (`<name>.expected.yml`)."""
    text = (folder / f"{name}.yml").read_text(encoding="utf-8")
    expected = yaml.safe_load((folder / f"{name}.expected.yml").read_text(encoding="utf-8"))
    return text, expected or {}


def at(data: Any, path: str) -> Any:
    """The value at `tasks[0].inputs.file` in nested dicts and lists."""
    node = data
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        node = node[int(index)] if index else node[key]
    return node
