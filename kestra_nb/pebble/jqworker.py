"""The `jq` filter's programs, run in a worker process that can be killed.

libjq runs native code that Python cannot interrupt: `repeat(1)` or `def f: f; f` never
return, `[range(1e9)]` aborts the whole process ("cannot allocate memory"). So every program
runs in one long-lived child process (started on first use, kept for the next calls: a call
costs a pipe round trip, not a start), whose address space is capped with `RLIMIT_AS`
(`Limits.max_memory_mb`). The parent waits for the answer until the evaluation's deadline
(`max_time_s`), in short `select` slices so Ctrl-C / a kernel interrupt is seen at once;
past the deadline, on an interrupt or when the child dies (out of memory), the child is
killed and the next call starts a new one. The child stops collecting results past
`max_items` results or `max_output_mb` of JSON. Every bound raises `LimitExceeded`.

Protocol: 4-byte big-endian length + JSON, both ways. Request `[program, input_json,
max_items, max_chars]`; answer `["ok", "[r1,r2,...]"]`, `["error"]`, `["items"]`,
`["output"]` or `["memory"]`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any

from ..limits import LimitExceeded, limits_in_force, remaining_time

__all__ = ["JqError", "run_jq", "stop_worker"]

_CHILD = r"""
import json, sys
try:
    import resource
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
except (ImportError, ValueError, OSError):
    pass
import jq
inp, out = sys.stdin.buffer, sys.stdout.buffer
programs = {}
def answer(obj):
    data = json.dumps(obj).encode()
    out.write(len(data).to_bytes(4, "big") + data)
    out.flush()
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    program, text, max_items, max_chars = json.loads(inp.read(int.from_bytes(head, "big")))
    try:
        results, size, status = [], 2, None
        compiled = programs.get(program)
        if compiled is None:
            if len(programs) > 256:
                programs.clear()
            compiled = programs[program] = jq.compile(program)
        for item in compiled.input_text(text):
            if len(results) >= max_items:
                status = ["items"]
                break
            dumped = json.dumps(item, ensure_ascii=False)
            size += len(dumped) + 1
            if size > max_chars:
                status = ["output"]
                break
            results.append(dumped)
        answer(status or ["ok", "[" + ",".join(results) + "]"])
    except MemoryError:
        results = None
        answer(["memory"])
    except Exception:
        answer(["error"])
"""


class JqError(Exception):
    """The program does not compile or fails on its input (the caller words it as Kestra)."""


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.pid = os.getpid()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD, str(memory_mb * 1_000_000)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a kernel interrupt (SIGINT to the group) is ours to handle
        )

    def alive(self, memory_mb: int) -> bool:
        return self.pid == os.getpid() and self.memory_mb == memory_mb and self.proc.poll() is None

    def kill(self) -> None:
        if self.pid != os.getpid():
            return
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


_LOCK = threading.Lock()
_worker: _Worker | None = None


def stop_worker() -> None:
    """Kill the worker (a new one starts on the next call)."""
    global _worker
    if _worker is not None:
        _worker.kill()
        _worker = None


atexit.register(stop_worker)


def _read_exact(fd: int, n: int, deadline: float) -> bytes | None:
    """`n` bytes from `fd` before `deadline` (monotonic); None on EOF; TimeoutError past it."""
    chunks: list[bytes] = []
    while n > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], min(left, 0.05))
        if not ready:
            continue
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def run_jq(program: str, input_json: str) -> list[Any]:
    """The results of jq `program` on the JSON text `input_json`, as Python values.

    Raises `JqError` when the program fails, `LimitExceeded` past a bound; on
    `KeyboardInterrupt` the worker is killed and the interrupt goes on.
    """
    global _worker
    limits = limits_in_force()
    request = json.dumps(
        [program, input_json, limits.max_items, limits.max_chars], ensure_ascii=False
    ).encode("utf-8", "surrogatepass")
    with _LOCK:
        if _worker is None or not _worker.alive(limits.max_memory_mb):
            if _worker is not None:
                _worker.kill()
            _worker = _Worker(limits.max_memory_mb)
        worker = _worker
        deadline = time.monotonic() + remaining_time()
        try:
            stdin, stdout = worker.proc.stdin, worker.proc.stdout
            assert stdin is not None and stdout is not None
            stdin.write(len(request).to_bytes(4, "big") + request)
            stdin.flush()
            fd = stdout.fileno()
            head = _read_exact(fd, 4, deadline)
            body = None if head is None else _read_exact(fd, int.from_bytes(head, "big"), deadline)
        except TimeoutError:
            stop_worker()
            raise LimitExceeded("max_time_s", limits.max_time_s, where="running jq") from None
        except BrokenPipeError:
            body = None
        except BaseException:  # KeyboardInterrupt: the program may never return by itself
            stop_worker()
            raise
        if body is None:  # the worker died: libjq aborts when it cannot allocate
            stop_worker()
            raise LimitExceeded("max_memory_mb", limits.max_memory_mb, where="running jq")
    answer = json.loads(body)
    status = answer[0]
    if status == "ok":
        return list(json.loads(answer[1]))
    if status == "items":
        raise LimitExceeded("max_items", limits.max_items, where="running jq")
    if status == "output":
        raise LimitExceeded("max_output_mb", limits.max_output_mb, where="running jq")
    if status == "memory":
        raise LimitExceeded("max_memory_mb", limits.max_memory_mb, where="running jq")
    raise JqError(program)
