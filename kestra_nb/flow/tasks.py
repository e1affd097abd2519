"""The task tree of a flow: core plugin names, child task lists, and every task with its path.

`walk_tasks` gives every task of a flow with its path, nested ones included, in document order
(Kestra's `Flow.allTasksWithChilds`); `child_task_lists` says where a task keeps its children.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .source import Path

__all__ = [
    "CORE_PREFIXES",
    "EXECUTABLE_CORE",
    "FLOWABLE_CORE",
    "FLOW_TASK_LISTS",
    "KNOWN_CORE_TASKS",
    "NOT_RUNNABLE_CORE",
    "TASKS_REQUIRED",
    "child_task_lists",
    "core_name",
    "walk_tasks",
]

# The flow's own task lists (Flow.allTasks), in Kestra's order
FLOW_TASK_LISTS = ("tasks", "errors", "finally", "afterExecution")
# Packages of the core plugin, current and legacy aliases
CORE_PREFIXES = (
    "io.kestra.plugin.core.",
    "io.kestra.core.tasks.",
    "io.kestra.core.models.tasks.",
    "io.kestra.core.models.triggers.types.",
)
# Core flowable tasks whose children sit under `tasks` (FlowableTask.allChildTasks)
_TASKS_CHILDREN = frozenset(
    {
        "Parallel",
        "Sequential",
        "ForEach",
        "EachSequential",
        "EachParallel",
        "Loop",
        "LoopUntil",
        "AllowFailure",
        "WaitFor",
        "WorkingDirectory",
        "Worker",
        "Pause",
        "Dag",
    }
)
# ... and of those, the ones whose `tasks` must not be empty (@NotEmpty / validators)
TASKS_REQUIRED = _TASKS_CHILDREN - {"Pause"}
FLOWABLE_CORE = _TASKS_CHILDREN | {"If", "Switch", "Template"}
# Core tasks that are not RunnableTask (flowable, executable, or execution-updating)
NOT_RUNNABLE_CORE = FLOWABLE_CORE | {
    "Subflow",
    "Flow",
    "ForEachItem",
    "Labels",
    "Exit",
    "SetVariables",
    "UnsetVariables",
    "Approval",
}
# Core task names known in Kestra 1.x; others under the core packages give a warning
KNOWN_CORE_TASKS = NOT_RUNNABLE_CORE | {
    "Log",
    "Return",
    "Echo",
    "Fail",
    "Sleep",
    "Wait",
    "OutputValues",
    "Assert",
    "PurgeLogs",
    "PurgeExecutions",
    "PurgeFlows",
    "PurgeKV",
    "Resume",
    "Count",
    "Download",
    "Request",
    "Write",
    "Delete",
    "Size",
    "Concat",
    "DeduplicateItems",
    "FilterItems",
    "LocalFiles",
    "Reverse",
    "Split",
    "Get",
    "Set",
    "GetKeys",
    "Templated",
    "TemplatedTask",
    "Version",
    "Exec",
    "Trigger",
    "Webhook",
    "Schedule",
    "ScheduleOnDates",
    "Toggle",
    "UploadFiles",
    "DownloadFiles",
    "DeleteFiles",
    "Process",
    "Commands",
    "Script",
    "Kill",
    "Counts",
    "Fetch",
    "SseRequest",
    "Put",
    "Purge",
    "PurgeCurrentExecutionFiles",
    "PurgeExecution",
    "PurgeInternalStorage",
    "PurgeStorage",
    "PurgeFiles",
    "Publish",
    "Bash",
    "Python",
    "Node",
}
# Argument keys of the executable tasks calling another flow (recursion check)
EXECUTABLE_CORE = frozenset({"Subflow", "Flow", "ForEachItem"})


def core_name(type_name: object) -> str | None:
    """The simple class name of a core plugin type (`io.kestra.plugin.core.flow.If` -> `If`)."""
    if not isinstance(type_name, str) or not type_name.startswith(CORE_PREFIXES):
        return None
    return type_name.rsplit(".", 1)[-1]


def _looks_like_task(item: object) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("type"), str) and "id" in item


def _looks_like_task_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(_looks_like_task(x) for x in value)


def child_task_lists(task: Mapping[str, Any]) -> Iterator[tuple[Path, Any, bool]]:
    """The lists of child tasks of one task: (relative path, list, strict).

    `strict` is True where the core plugin defines the list (it must then hold tasks); for
    other plugins a list is taken as tasks only when every item looks like one. Dag entries
    are yielded as their `task:` mappings (paths `tasks[i].task`).
    """
    name = core_name(task.get("type"))
    if name == "Dag":
        entries = task.get("tasks")
        if isinstance(entries, list):
            for i, entry in enumerate(entries):
                if isinstance(entry, Mapping) and "task" in entry:
                    yield ("tasks", i, "task"), [entry["task"]], True
    elif name == "If":
        for key in ("then", "else"):
            if task.get(key) is not None:
                yield (key,), task.get(key), True
    elif name == "Switch":
        cases = task.get("cases")
        if isinstance(cases, Mapping):
            for case, tasks in cases.items():
                if tasks is not None:
                    yield ("cases", case), tasks, True
        if task.get("defaults") is not None:
            yield ("defaults",), task.get("defaults"), True
    elif name in _TASKS_CHILDREN:
        if task.get("tasks") is not None:
            yield ("tasks",), task.get("tasks"), True
    elif name is None:
        for key in ("tasks", "then", "else"):
            if _looks_like_task_list(task.get(key)):
                yield (key,), task[key], False
        if _looks_like_task_list(task.get("defaults")) and isinstance(task.get("cases"), Mapping):
            yield ("defaults",), task["defaults"], False
        cases = task.get("cases")
        if isinstance(cases, Mapping):
            for case, tasks in cases.items():
                if _looks_like_task_list(tasks):
                    yield ("cases", case), tasks, False
    strict = name in FLOWABLE_CORE
    for key in ("errors", "finally"):
        value = task.get(key)
        if (strict and value is not None) or _looks_like_task_list(value):
            yield (key,), value, strict


def walk_tasks(flow: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    """Every task of the flow with its path, parents before children (Flow.allTasksWithChilds).

    Items that are not mappings are yielded too, so the validator can report them.
    """

    def walk(items: object, base: Path) -> Iterator[tuple[Path, Any]]:
        if not isinstance(items, list):
            return
        for i, task in enumerate(items):
            path = (*base, i)
            yield path, task
            if isinstance(task, Mapping):
                for rel, children, _strict in child_task_lists(task):
                    if rel and rel[-1] == "task":  # Dag entry: the list wraps one mapping
                        yield from _single(children[0], (*path, *rel))
                    else:
                        yield from walk(children, (*path, *rel))

    def _single(task: object, path: Path) -> Iterator[tuple[Path, Any]]:
        yield path, task
        if isinstance(task, Mapping):
            for rel, children, _strict in child_task_lists(task):
                if rel and rel[-1] == "task":
                    yield from _single(children[0], (*path, *rel))
                else:
                    yield from walk(children, (*path, *rel))

    for key in FLOW_TASK_LISTS:
        yield from walk(flow.get(key), (key,))
    listeners = flow.get("listeners")
    if isinstance(listeners, list):
        for i, listener in enumerate(listeners):
            if isinstance(listener, Mapping):
                yield from walk(listener.get("tasks"), ("listeners", i, "tasks"))
