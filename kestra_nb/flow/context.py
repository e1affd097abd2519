"""The run-time context of a new execution: Kestra's `RunVariables` before any task runs.

`flow` {id, namespace, revision}, `execution` {id, startDate}, `inputs`, `vars` (the flow's
`variables:`, not rendered), `labels` and `envs`; each task adds `task` {id, type}.
"""

from __future__ import annotations

import datetime as _dt
import secrets as _random
import uuid
from collections.abc import Mapping
from typing import Any

from ..pebble.values import Instant

__all__ = ["build_context", "labels_map", "new_execution_id"]


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_execution_id() -> str:
    """A Kestra-like execution id: a random UUID written in base 62 (`IdUtils.create()`)."""
    n = uuid.UUID(bytes=_random.token_bytes(16), version=4).int
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out or "0"


def labels_map(flow: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's labels as Kestra's `labels` variable (list of {key, value} or a map)."""
    raw = flow.get("labels")
    if isinstance(raw, Mapping):
        return {str(k): v for k, v in raw.items()}
    if isinstance(raw, list):
        return {
            str(item.get("key")): item.get("value")
            for item in raw
            if isinstance(item, Mapping) and "key" in item
        }
    return {}


def build_context(
    flow: Mapping[str, Any],
    inputs: Mapping[str, Any],
    envs: Mapping[str, str],
    execution: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Kestra's root variables for a new execution of `flow` (without `task`)."""
    flow_var: dict[str, Any] = {
        "id": str(flow.get("id")),
        "namespace": str(flow.get("namespace")),
        "revision": flow.get("revision", 1),
    }
    if flow.get("tenantId") is not None:
        flow_var["tenantId"] = flow["tenantId"]
    exec_var: dict[str, Any] = {
        "id": new_execution_id(),
        "startDate": Instant.of(_dt.datetime.now(_dt.UTC)),
    }
    if execution:
        exec_var.update(execution)
    variables = flow.get("variables")
    labels: dict[str, Any] = {}
    # Kestra labels every new execution `system.correlationId` = its id; `system.` nests
    for key, value in [*labels_map(flow).items(), ("system.correlationId", exec_var["id"])]:
        if key.startswith("system."):
            system = labels.setdefault("system", {})
            if isinstance(system, dict):
                system[key[len("system.") :]] = value
        else:
            labels[key] = value
    return {
        "flow": flow_var,
        "execution": exec_var,
        "inputs": dict(inputs),
        "vars": dict(variables) if isinstance(variables, Mapping) else {},
        "labels": labels,
        "envs": dict(envs),
    }
