"""Pebble's tests as Kestra keeps them: `null`, `empty`, `even`, `odd`, `iterable`, `map`,
and Kestra's `json`. (`defined` is the renderer's: it must see undefined variables.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import values as _v
from .exceptions import PebbleError

__all__ = ["TESTS", "is_empty"]


def is_null(value: Any) -> bool:
    """`is null`."""
    return value is None


def is_empty(value: Any) -> bool:
    """`is empty` (and the `default` filter's rule): null, blank string, empty
    collection or map."""
    if value is None:
        return True
    if isinstance(value, str) and not isinstance(value, _v.JavaChar):
        return value.strip("".join(chr(c) for c in range(0x21))) == ""
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        return len(value) == 0
    return False


def _integral(value: Any, name: str) -> int:
    if value is None:
        raise PebbleError(f'Can not pass null value to "{name}" test.')
    if isinstance(value, bool) or not isinstance(value, int):
        raise _v.java_error(
            f"class {_v.class_name(value)} cannot be cast to class java.lang.Long",
            "java.lang.ClassCastException",
        )
    return int(value)


def is_even(value: Any) -> bool:
    """`is even`: Integer or Long only; null raises."""
    return _integral(value, "even") % 2 == 0


def is_odd(value: Any) -> bool:
    """`is odd`: Integer or Long only; null raises."""
    return _integral(value, "odd") % 2 != 0


def is_iterable(value: Any) -> bool:
    """`is iterable`: a Java `Iterable` (collections) or an object array."""
    if isinstance(value, str | bytes | bytearray | Mapping):
        return False
    return isinstance(value, Iterable)


def is_map(value: Any) -> bool:
    """`is map`."""
    return isinstance(value, Mapping)


def is_json(value: Any) -> bool:
    """Kestra `is json`: Jackson `readTree((String) value)` succeeds (trailing content is
    ignored and blank text reads as a missing node, so both are true)."""
    if value is None:
        raise _v.java_error('argument "content" is null', "java.lang.IllegalArgumentException")
    if not _v.is_string(value):
        raise _v.java_error(
            f"class {_v.class_name(value)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    text = str.__str__(value).lstrip(" \t\r\n")
    if not text:
        return True
    try:
        _DECODER.raw_decode(text)
    except ValueError:
        return False
    return True


def _reject(name: str) -> Any:
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_reject)


TESTS: dict[str, Callable[..., bool]] = {
    "null": is_null,
    "empty": is_empty,
    "even": is_even,
    "odd": is_odd,
    "iterable": is_iterable,
    "map": is_map,
    "json": is_json,
}
