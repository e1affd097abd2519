"""Kestra flows: parsed with positions, validated, evaluated as Kestra would, shown masked.

One concept per module:

- `source`: the YAML with line/column of every key and value, duplicate keys refused
- `tasks`: the task tree (core plugin names, child task lists, `walk_tasks`)
- `validation`: every structural rule at once (`validate_flow`)
- `inputs`: typed inputs (one converter per input type), constraints, the `inputs` variable
- `context`: the run-time context of a new execution (`flow`, `execution`, `labels`, ...)
- `defaults`: `pluginDefaults` merged as Kestra does
- `evaluation`: every property rendered, with deferral of run-time expressions
- `display`: masked, highlighted YAML and the summary (HTML and text)
- `hints`: what to do about a problem (a missing secret or input, a misspelt name), worded
  once for each reader (Python, the notebook, the command line)
- `model`: `KestraFlow`, the public object tying them together
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import FlowError, FlowProblem

if TYPE_CHECKING:  # pragma: no cover
    from .evaluation import Deferred, RenderProblem
    from .model import KestraFlow

__all__ = ["Deferred", "FlowError", "FlowProblem", "KestraFlow", "RenderProblem"]

_LAZY = {"KestraFlow": "model", "Deferred": "evaluation", "RenderProblem": "evaluation"}


def __getattr__(name: str) -> Any:
    """The model and the engine load on first use, so that `kestra_nb.flow.display`'s choices
    can be imported by `%load_ext` without them."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
