"""The Kestra API client: validate, deploy and run flows, follow their logs (core layer).

Never imports IPython or the notebook layer. `httpx` is imported when a `KestraClient` first
sends a request, so importing this package costs nothing noticeable.

- `client`: `KestraClient`, `Cancel`, `flow_identity`
- `follow`: `follow_run` (live logs and states to the end), `kill_and_wait`
- `credentials`: `Credentials`, `credentials_from(environ, store=None, ...)`
- `errors`: `ServerError` (`.status`, `.reason`, `.violations`), `Violation`, `violation_line`
- `models`: `Deployed`, `Execution`, `TaskRunInfo`, `LogLine`, terminal states
- `sse`: the server-sent events reader
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "KestraClient": "client",
    "Cancel": "client",
    "flow_identity": "client",
    "follow_run": "follow",
    "kill_and_wait": "follow",
    "Credentials": "credentials",
    "credentials_from": "credentials",
    "ServerError": "errors",
    "Violation": "errors",
    "violation_line": "errors",
    "Deployed": "models",
    "Execution": "models",
    "TaskRunInfo": "models",
    "LogLine": "models",
}

__all__ = [
    "Cancel",
    "Credentials",
    "Deployed",
    "Execution",
    "KestraClient",
    "LogLine",
    "ServerError",
    "TaskRunInfo",
    "Violation",
    "credentials_from",
    "flow_identity",
    "follow_run",
    "kill_and_wait",
    "violation_line",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover
    from .client import Cancel, KestraClient, flow_identity
    from .credentials import Credentials, credentials_from
    from .errors import ServerError, Violation, violation_line
    from .follow import follow_run, kill_and_wait
    from .models import Deployed, Execution, LogLine, TaskRunInfo
