"""Kestra's functions that need no template context and no server.

`FUNCTIONS` maps a name to `f(*args, **kwargs)` whose parameter names are Kestra's argument
names. `SERVER_FUNCTIONS` names the functions only a Kestra server can run (key-value store,
internal storage, HTTP, encryption keys, execution logs); the renderer raises a clear
"not available" error for them unless the caller supplies an implementation.
"""

from __future__ import annotations

import math
import os
import secrets as _secrets
import time
import uuid as _uuid
from collections.abc import Callable
from typing import Any

from . import dates, jsonyaml
from . import values as _v
from .datefunctions import DATE_FUNCTIONS
from .exceptions import PebbleError

__all__ = ["FUNCTIONS", "SERVER_FUNCTIONS"]

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
    return "".join(_secrets.choice(symbols) for _ in range(int(size)))


def _long_arg(name: str, value: Any) -> int:
    if value is _MISSING or value is None:
        raise PebbleError(f"The 'randomInt' function expects an argument '{name}'.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise PebbleError(f"The '{name}' argument of the 'randomInt' function must be a Long.")
    return int(value)


def random_int(lower: Any = _MISSING, upper: Any = _MISSING) -> int:
    """Kestra `randomInt(lower, upper)`: Long bounds, upper exclusive (`lower` when equal)."""
    lo = _long_arg("lower", lower)
    hi = _long_arg("upper", upper)
    if hi < lo:
        raise PebbleError("In 'randomInt' function, 'upper' must be greater than 'lower'.")
    if hi == lo:
        return lo
    return lo + math.floor(_secrets.randbelow(1 << 53) / (1 << 53) * (hi - lo))


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
        "loopOutputs",
        "i18n",
    }
)
