"""Follow a running execution to its end: live logs and states, bounded, cancellable.

Kestra's two follow streams are read in two daemon threads feeding one queue, so the caller's
thread (a CLI's main thread, a notebook cell) does all the printing and receives Ctrl-C /
the kernel's interrupt. When the execution reaches a terminal state the log stream is
closed (Kestra may keep it open), the stored logs are read once to catch up what the live
stream had not delivered yet, and the final execution is fetched.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from .client import DEFAULT_FOLLOW_DEADLINE, Cancel, KestraClient
from .errors import ServerError
from .models import Execution, LogLine

#: after the end, how long the live log stream may still deliver before it is closed
LOG_GRACE = 0.5
POLL_INTERVAL = 1.0


def follow_run(
    client: KestraClient,
    execution_id: str,
    *,
    on_log: Callable[[LogLine], None] | None = None,
    on_update: Callable[[Execution], None] | None = None,
    deadline: float = DEFAULT_FOLLOW_DEADLINE,
    log_grace: float = LOG_GRACE,
) -> Execution:
    """Call `on_log` for each log line (once each) and `on_update` for each state, in the
    calling thread, until the execution ends; return the final execution.

    Raises `ServerError` (reason "timeout") when `deadline` seconds pass first. When the
    state stream breaks (a proxy cutting it, an idle timeout), the state is polled instead.
    """
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    cancel_logs, cancel_states = Cancel(), Cancel()
    seen: set[tuple[Any, ...]] = set()
    end_at = time.monotonic() + deadline

    def emit(line: LogLine) -> None:
        if line.key not in seen:
            seen.add(line.key)
            if on_log is not None:
                on_log(line)

    def pump(kind: str, iterator: Callable[[], Any]) -> None:
        try:
            for item in iterator():
                events.put((kind, item))
        except ServerError as exc:
            events.put((kind + "-error", exc))
        except Exception as exc:  # a bug or an unexpected transport error: end, don't hang
            events.put((kind + "-error", ServerError(f"{kind}: {type(exc).__name__}")))
        finally:
            events.put((kind + "-done", None))

    threads = [
        threading.Thread(
            target=pump,
            args=(
                "log",
                lambda: client.follow_logs(execution_id, cancel=cancel_logs, deadline=deadline),
            ),
            name=f"kestra-logs-{execution_id}",
            daemon=True,
        ),
        threading.Thread(
            target=pump,
            args=(
                "state",
                lambda: client.follow_execution(
                    execution_id, cancel=cancel_states, deadline=deadline
                ),
            ),
            name=f"kestra-state-{execution_id}",
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    last: Execution | None = None
    polling = False
    logs_done = False
    next_poll = 0.0
    try:
        while last is None or not last.terminal:
            now = time.monotonic()
            if now > end_at:
                raise ServerError(
                    f"execution {execution_id} still running after {deadline:g} s",
                    reason="timeout",
                )
            if polling and now >= next_poll:
                last = client.get_execution(execution_id)
                if on_update is not None:
                    on_update(last)
                next_poll = now + POLL_INTERVAL
                continue
            try:
                kind, item = events.get(timeout=min(0.2, max(end_at - now, 0.01)))
            except queue.Empty:
                continue
            if kind == "log":
                emit(item)
            elif kind == "state":
                last = item
                if on_update is not None:
                    on_update(item)
            elif kind == "state-error" and item.reason in ("connection", "auth", "forbidden"):
                raise item
            elif kind == "state-done" and (last is None or not last.terminal):
                polling = True
            elif kind == "log-done":
                logs_done = True
        # drain what the live log stream still has, briefly, then close it
        grace_end = time.monotonic() + log_grace
        while not logs_done and time.monotonic() < grace_end:
            try:
                kind, item = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if kind == "log":
                emit(item)
            elif kind == "log-done":
                logs_done = True
        cancel_logs.cancel()
        for line in client.list_logs(execution_id):
            emit(line)
        final = client.get_execution(execution_id)
        if on_update is not None and final != last:
            on_update(final)
        return final
    finally:
        cancel_logs.cancel()
        cancel_states.cancel()
        for thread in threads:
            thread.join(timeout=2.0)
        while True:  # leave nothing behind in the queue's references
            with contextlib.suppress(queue.Empty):
                events.get_nowait()
                continue
            break


def kill_and_wait(client: KestraClient, execution_id: str, timeout: float = 10.0) -> Execution:
    """Ask the server to kill the execution, then wait (bounded) for it to end."""
    client.kill(execution_id)
    end_at = time.monotonic() + timeout
    execution = client.get_execution(execution_id)
    while not execution.terminal and time.monotonic() < end_at:
        time.sleep(0.2)
        execution = client.get_execution(execution_id)
    return execution
