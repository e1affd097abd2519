"""What the client returns: deployed flows, executions, task runs and log lines.

Plain frozen records built from Kestra's JSON (`Execution`, `TaskRun`, `LogEntry` in its
OpenAPI description), keeping the raw JSON on `.raw` for anything not lifted out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: states after which an execution or task run changes no more (Kestra's `State.Type`)
TERMINAL_STATES = frozenset(
    {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED"}
)
#: terminal states that count as a success (exit 0)
SUCCESS_STATES = frozenset({"SUCCESS", "WARNING", "SKIPPED"})


@dataclass(frozen=True)
class Deployed:
    """A deployed flow: its revision, whether this call created it or changed it, a UI link."""

    namespace: str
    flow_id: str
    revision: int | None
    created: bool
    changed: bool
    url_in_ui: str


@dataclass(frozen=True)
class TaskRunInfo:
    """One task run: which task, its state, and its outputs when the server sends them."""

    id: str
    task_id: str
    state: str
    value: str | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaskRunInfo:
        state = data.get("state") or {}
        outputs = data.get("outputs")
        return cls(
            id=str(data.get("id", "")),
            task_id=str(data.get("taskId", "")),
            state=str(state.get("current", "")) if isinstance(state, Mapping) else "",
            value=data.get("value"),
            outputs=outputs if isinstance(outputs, Mapping) else {},
        )


@dataclass(frozen=True)
class Execution:
    """An execution's state, task runs, inputs and outputs (`raw`: the JSON as received)."""

    id: str
    namespace: str
    flow_id: str
    state: str
    flow_revision: int | None = None
    task_runs: tuple[TaskRunInfo, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.state in SUCCESS_STATES

    def task_outputs(self) -> dict[str, Mapping[str, Any]]:
        """Outputs by task id (the last run of each task that has some)."""
        return {run.task_id: run.outputs for run in self.task_runs if run.outputs}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Execution:
        state = data.get("state") or {}
        runs = data.get("taskRunList") or ()
        inputs, outputs = data.get("inputs"), data.get("outputs")
        revision = data.get("flowRevision")
        return cls(
            id=str(data.get("id", "")),
            namespace=str(data.get("namespace", "")),
            flow_id=str(data.get("flowId", "")),
            state=str(state.get("current", "")) if isinstance(state, Mapping) else "",
            flow_revision=revision if isinstance(revision, int) else None,
            task_runs=tuple(TaskRunInfo.from_json(r) for r in runs if isinstance(r, Mapping)),
            inputs=inputs if isinstance(inputs, Mapping) else {},
            outputs=outputs if isinstance(outputs, Mapping) else {},
            url=data.get("url") if isinstance(data.get("url"), str) else None,
            raw=data,
        )


@dataclass(frozen=True)
class LogLine:
    """One log entry of an execution (Kestra's `LogEntry` / `FollowLogEvent`)."""

    message: str
    level: str = "INFO"
    task_id: str | None = None
    task_run_id: str | None = None
    timestamp: str | None = None

    @property
    def key(self) -> tuple[str | None, str | None, str | None, str]:
        """What identifies a log line when two streams (live and stored) may repeat it."""
        return (self.timestamp, self.task_run_id, self.level, self.message)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LogLine:
        return cls(
            message=str(data.get("message") or ""),
            level=str(data.get("level") or "INFO"),
            task_id=data.get("taskId"),
            task_run_id=data.get("taskRunId"),
            timestamp=data.get("timestamp"),
        )
