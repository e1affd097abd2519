"""Kestra's functions that need no template context and no server.

`FUNCTIONS` maps a name to `f(*args, **kwargs)` whose parameter names are Kestra's argument
names. `SERVER_FUNCTIONS` names the functions only a Kestra server can run (key-value store,
internal storage, HTTP, encryption, execution logs); the renderer raises a clear
"not available" error for them unless the caller supplies an implementation (`encrypt`
checks its arguments first, as Kestra does). `CONTEXT_FUNCTIONS` read the template's
variables (`tasksWithState` reads `tasks`) and take the render context first.
"""

from __future__ import annotations

import math
import os
import secrets as _secrets
import time
import uuid as _uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..limits import check_deadline, check_length
from . import dates, jsonyaml
from . import runtime as _runtime
from . import values as _v
from .datefunctions import DATE_FUNCTIONS
from .exceptions import PebbleError

__all__ = ["CONTEXT_FUNCTIONS", "FUNCTIONS", "SERVER_FUNCTIONS"]

_MISSING: Any = object()
MAX_RANGE_SIZE = 1_000_000


def range_(start: Any = None, end: Any = None, increment: Any = None) -> list[Any]:
    """Pebble `range(start, end, increment=1)`: inclusive; numbers or single characters."""
    if increment is None:
        step = 1
    elif not _v.is_number(increment):
        raise PebbleError(
            f"The increment of the range function must be a number {_v.to_string(increment)}"
        )
    else:
        step = int(increment)
    if _v.is_number(start) and _v.is_number(end):
        lo, hi = int(start), int(end)
        if step != 0:
            size = abs(hi - lo) // abs(step) + 1
            if size > MAX_RANGE_SIZE:
                raise PebbleError(
                    f"The range function cannot produce more than {MAX_RANGE_SIZE} elements, "
                    f"but this call would produce {size}."
                )
        if step > 0:
            return list(range(lo, hi + 1, step))
        if step < 0:
            return list(range(lo, hi - 1, step))
        raise PebbleError("The increment of the range function must be different than 0")
    if _v.is_string(start) and _v.is_string(end):
        if len(start) != 1 or len(end) != 1:
            raise PebbleError(
                "Arguments of range function must be of type Number or String with a length of 1"
            )
        a, b = ord(start), ord(end)
        if step > 0:
            return [_v.JavaChar(chr(i)) for i in range(a, b + 1, step)]
        if step < 0:
            return [_v.JavaChar(chr(i)) for i in range(a, b - 1, step)]
        raise PebbleError("The increment of the range function must be different than 0")
    raise PebbleError(
        "Arguments of range function must be of type Number or String with a length of 1"
    )


def min_(*args: Any) -> Any:
    """Pebble `min(...)`: the smallest argument (numbers; Pebble's comparison rules)."""
    best: Any = None
    for candidate in args:
        if best is None:
            best = candidate
            continue
        if _v.compare("<", candidate, best):
            best = candidate
    return best


def max_(*args: Any) -> Any:
    """Pebble `max(...)`: the largest argument."""
    best: Any = None
    for candidate in args:
        if best is None:
            best = candidate
            continue
        if _v.compare(">", candidate, best):
            best = candidate
    return best


def now(
    format: Any = "iso",
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> str:
    """Kestra `now(format='iso', timeZone, existingFormat, locale)`: the current time."""
    return dates.now(format, timeZone, existingFormat, locale)


def uuid() -> str:
    """Kestra `uuid()`: a time-ordered UUID (version 7), as Kestra's generator makes."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(_uuid.UUID(int=value))


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(n: int, width: int = 0) -> str:
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(_BASE62[r])
    text = "".join(reversed(out)) or "0"
    return text.rjust(width, "0") if width else text


def id_() -> str:
    """Kestra `id()`: `IdUtils.create()`, a random UUID in Url62 (FriendlyId, <= 22 chars)."""
    return _base62(_uuid.uuid4().int)


def ksuid() -> str:
    """Kestra `ksuid()`: 27 base62 characters (4-byte timestamp since 2014-05-13 + 16 random
    bytes)."""
    stamp = int(time.time()) - 1_400_000_000
    payload = (stamp.to_bytes(4, "big")) + os.urandom(16)
    return _base62(int.from_bytes(payload, "big"), 27)


_NANO_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def nano_id(length: Any = 21, alphabet: Any = None) -> str:
    """Kestra `nanoId(length=21, alphabet)`: a random id over `alphabet`."""
    size = 21 if length is None else length
    if not _v.is_number(size) or isinstance(size, float):
        raise PebbleError("The 'nanoId' function expects an argument 'length' of type Long.")
    symbols = _NANO_ALPHABET if alphabet is None else _v.to_string(alphabet)
    if not symbols or len(symbols) > 255:
        raise PebbleError("alphabet must contain between 1 and 255 symbols.")
    if int(size) <= 0:
        raise PebbleError("size must be greater than zero.")
    n = int(size)
    check_length(n)  # `nanoId(100000000)`: refused before building
    return _random_symbols(symbols, n)


def _random_symbols(symbols: str, n: int) -> str:
    """`n` symbols drawn uniformly with `os.urandom` (nanoid's masking: bytes masked to the
    next power of two, those past the alphabet dropped); the deadline checked per chunk."""
    if len(symbols) == 1:
        return symbols * n
    mask = (1 << (len(symbols) - 1).bit_length()) - 1
    ascii_only = symbols.isascii()
    keep = [b for b in range(256) if (b & mask) < len(symbols)]
    table = bytearray(256)
    for b in keep:
        table[b] = ord(symbols[b & mask]) if ascii_only else 0
    dropped = bytes(sorted(set(range(256)) - set(keep)))
    parts: list[str] = []
    have = 0
    while have < n:
        check_deadline()
        raw = os.urandom(min(max(2 * (n - have), 64), 1 << 20))
        if ascii_only:
            chunk = raw.translate(table, dropped).decode("ascii")
        else:
            chunk = "".join(symbols[b & mask] for b in raw if (b & mask) < len(symbols))
        chunk = chunk[: n - have]
        parts.append(chunk)
        have += len(chunk)
    return "".join(parts)


def _long_arg(name: str, value: Any) -> int:
    """A `randomInt` bound, with Kestra's messages (`RandomIntFunction`, which says
    `randomIn()`)."""
    if value is _MISSING:
        raise PebbleError(f"The 'randomIn()' function expects an argument {name}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise PebbleError(f"The 'randomIn()' function expects an argument {name} of type Long.")
    return int(value)


def random_int(lower: Any = _MISSING, upper: Any = _MISSING) -> int:
    """Kestra `randomInt(lower, upper)`: Long bounds, upper exclusive (`lower` when equal)."""
    lo = _long_arg("lower", lower)
    hi = _long_arg("upper", upper)
    if hi < lo:
        raise PebbleError("In 'randomIn()' upper is less than lower")
    if hi == lo:
        return lo
    return lo + math.floor(_secrets.randbelow(1 << 53) / (1 << 53) * (hi - lo))


def loop_outputs(outputs: Any = None, name: Any = None) -> list[Any]:
    """Kestra `loopOutputs(outputs, name)` (`LoopOutputsFunction`): the output `name` of each
    iteration of a Loop task's `outputs` list (`null` for an iteration without it)."""
    if outputs is None:
        raise PebbleError("The 'loopOutputs' function expects a non-null argument 'outputs'.")
    if not isinstance(outputs, list | tuple):
        raise PebbleError("The 'loopOutputs' function expects 'outputs' to be a list.")
    if name is None:
        raise PebbleError("The 'loopOutputs' function expects a non-null argument 'name'.")
    if not _v.is_string(name):
        raise PebbleError("The 'loopOutputs' function expects 'name' to be a string.")
    out: list[Any] = []
    for iteration in outputs:
        values = iteration.get("outputs") if isinstance(iteration, Mapping) else None
        out.append(values.get(name) if isinstance(values, Mapping) else None)
    return out


def _server_only(name: str, *args: Any) -> Any:
    """A server function called with its arguments checked: the server's implementation."""
    return _runtime.server_function(name)(*args)


def encrypt(key: Any = _MISSING, plaintext: Any = _MISSING) -> Any:
    """Kestra `encrypt(key, plaintext)`: both arguments are checked here, with Kestra's message
    (`EncryptFunction`); encrypting needs the server (or a caller's implementation)."""
    if key is _MISSING or plaintext is _MISSING:
        raise PebbleError("The 'encrypt' function expects two arguments 'key' and 'plaintext'.")
    return _server_only("encrypt", key, plaintext)


def from_json(json: Any = _MISSING) -> Any:
    """Kestra `fromJson(json)`: parse JSON text (null gives null)."""
    if json is _MISSING:
        raise PebbleError("The 'fromJson' function expects an argument 'json'.")
    if json is None:
        return None
    if not _v.is_string(json):
        raise PebbleError("The 'fromJson' function expects an argument 'json' with type string.")
    try:
        return jsonyaml.parse_json(json)
    except ValueError as exc:
        raise PebbleError(f"Invalid json: {exc}") from exc


def _json_alias(json: Any = _MISSING) -> Any:
    """Deprecated alias `json(json)` (removed in Kestra 1.3)."""
    if json is _MISSING:
        raise PebbleError("The 'json' function expects an argument 'json'.")
    return from_json(json)


def yaml(yaml: Any = _MISSING) -> Any:
    """Kestra `yaml(yaml)`: parse YAML text (anchors supported)."""
    if yaml is _MISSING:
        raise PebbleError("The 'yaml' function expects an argument 'yaml'.")
    if yaml is None:
        return None
    if not _v.is_string(yaml):
        raise PebbleError("The 'yaml' function expects an argument 'yaml' with type string.")
    try:
        return jsonyaml.parse_yaml(yaml)
    except ValueError as exc:
        raise PebbleError(f"Invalid yaml: {exc}") from exc


def from_ion(ion: Any = _MISSING, allRows: Any = False) -> Any:
    """Kestra `fromIon(ion, allRows=false)`: the first Ion value, or all of them."""
    if ion is _MISSING:
        raise PebbleError("The 'fromIon' function expects an argument 'ion'.")
    if ion is None:
        return None
    if not _v.is_string(ion):
        raise PebbleError("The 'fromIon' function expects an argument 'ion' with type string.")
    if not isinstance(allRows, bool):
        raise _v.java_error(
            f"class {_v.class_name(allRows)} cannot be cast to class java.lang.Boolean",
            "java.lang.ClassCastException",
        )
    try:
        return jsonyaml.parse_ion(ion, bool(allRows))
    except ValueError as exc:
        raise PebbleError(f"Invalid ion: {exc}") from exc


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "range": range_,
    "min": min_,
    "max": max_,
    "now": now,
    "uuid": uuid,
    "id": id_,
    "ksuid": ksuid,
    "nanoId": nano_id,
    "randomInt": random_int,
    "loopOutputs": loop_outputs,
    "encrypt": encrypt,
    "fromJson": from_json,
    "json": _json_alias,
    "jsonDecode": _json_alias,
    "yaml": yaml,
    "fromIon": from_ion,
    "ionDecode": from_ion,
    # Kestra 2.0-dev calendar functions (no server needed)
    **DATE_FUNCTIONS,
}

SERVER_FUNCTIONS: frozenset[str] = frozenset(
    {
        "kv",
        "read",
        "fileURI",
        "fileSize",
        "fileExists",
        "isFileEmpty",
        "fileEmpty",
        "http",
        "errorLogs",
        "tasksWithState",
        "currentEachOutput",
        "randomPort",
        "encrypt",
        "decrypt",
        "subflow",
        "i18n",
    }
)


def tasks_with_state(context: Any, state: Any = _MISSING) -> list[dict[str, Any]]:
    """Kestra `tasksWithState(state)` (`TasksWithStateFunction`): from the `tasks` variable,
    `{taskId, state}` for each task whose `state` is `state` (case ignored), and `{taskId,
    state, value}` for each iteration value (`tasks.<id>.<value>.state`) that is. Without a
    `tasks` variable, `tasks` is missing (a run-time value), as for `{{ tasks.x.state }}`."""
    if state is _MISSING:
        raise PebbleError("The 'tasksWithState' function expects an argument 'state'.")
    wanted = _v.to_string(state).upper()
    tasks = context.get("tasks", _MISSING) if hasattr(context, "get") else _MISSING
    if tasks is _MISSING:
        # Kestra always has `tasks` while a flow runs: without it, this is a run-time value
        # (a flow preview defers it), not an empty list
        raise _runtime.missing_root("tasks")
    found: list[dict[str, Any]] = []  # keys in a Java HashMap's order, as Kestra prints them
    if not isinstance(tasks, Mapping):
        return found
    for task_id, details in tasks.items():
        if not isinstance(details, Mapping):
            continue
        for key, value in details.items():
            if key == "state" and isinstance(value, str):
                if value.upper() == wanted:
                    found.append({"state": value.upper(), "taskId": task_id})
                continue
            nested = value.get("state") if isinstance(value, Mapping) else None
            if isinstance(nested, str) and nested.upper() == wanted:
                found.append({"state": nested.upper(), "value": key, "taskId": task_id})
    return found


#: functions that read the template's variables: called with the render context first, like
#: `runtime.CONTEXT_FUNCTIONS` (they override the "not available" stand-in of
#: `SERVER_FUNCTIONS` of the same name).
CONTEXT_FUNCTIONS: dict[str, Callable[..., Any]] = {"tasksWithState": tasks_with_state}
